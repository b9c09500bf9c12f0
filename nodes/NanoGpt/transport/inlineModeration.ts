import type { IDataObject } from 'n8n-workflow';
import type { InlineModeration } from './completionApi';

const PREFIX = 'x-nanogpt-inline-moderation-';

function headerText(headers: IDataObject | undefined, name: string): string | undefined {
	const value = headers?.[name] ?? headers?.[name.toLowerCase()];
	const first = Array.isArray(value) ? value[0] : value;
	return typeof first === 'string' && first.trim() !== '' ? first.trim() : undefined;
}

/** The moderation report of a response, or undefined when it carries none of the headers. Pure. */
export function readInlineModeration(headers: IDataObject | undefined): InlineModeration | undefined {
	const model = headerText(headers, `${PREFIX}model`);
	const flagged = headerText(headers, `${PREFIX}flagged`)?.toLowerCase();
	const cost = headerText(headers, `${PREFIX}cost-usd`);
	if (model === undefined && flagged === undefined && cost === undefined) return undefined;
	const amount = cost === undefined ? NaN : Number(cost);
	return {
		model: model ?? null,
		flagged: flagged === 'true' ? true : flagged === 'false' ? false : null,
		cost: Number.isFinite(amount) ? amount : null,
	};
}

/**
 * The moderation of several requests of one item, each charged: the costs added up (null when one
 * is unknown), flagged when any was, the last model. Pure.
 */
export function totalModeration(reports: Array<InlineModeration | undefined>): InlineModeration | undefined {
	const known = reports.filter((report): report is InlineModeration => report !== undefined);
	if (known.length <= 1) return known[0];
	const costs = known.map((report) => report.cost);
	return {
		model: known[known.length - 1].model,
		flagged: known.some((report) => report.flagged === true) ? true : known.every((report) => report.flagged === false) ? false : null,
		cost: costs.every((cost) => cost !== null) ? costs.reduce((sum, cost) => sum + (cost as number), 0) : null,
	};
}
