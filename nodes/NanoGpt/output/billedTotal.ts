import type { IDataObject } from 'n8n-workflow';
import type { CompletionPricing, CompletionResponse, CompletionUsage } from '../transport/completionApi';
import { USAGE_DETAILS, reportedCost, usageDetail } from './billedFields';

function sum(values: unknown[]): number | undefined {
	let total = 0;
	for (const value of values) {
		if (typeof value !== 'number') return undefined;
		total += value;
	}
	return total;
}

function setPath(target: IDataObject, path: readonly string[], value: unknown) {
	let node = target;
	for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as IDataObject;
	node[path[path.length - 1]] = value as IDataObject[string];
}

/** Usage paths added up besides the three counts: the documented details, and a top-level reasoning_tokens. */
const DETAIL_PATHS: ReadonlyArray<readonly string[]> = [...Object.values(USAGE_DETAILS), ['reasoning_tokens']];
const SHARED_PRICING = ['paymentSource', 'billedToTeam', 'billedTeamId', 'billedTeamName'] as const;

/**
 * The last response with usage and reported cost added up over every billed response of the
 * item. A total is null when any response lacked its part: it is never estimated. A usage detail
 * (cached or reasoning tokens, say) is added up when some response had it; billing details that
 * all responses share are kept. Pure.
 */
export function billedTotal(responses: CompletionResponse[]): CompletionResponse {
	const last = responses[responses.length - 1];
	if (responses.length === 1) return last;
	const usages = responses.map((response) => response.usage);
	let usage: CompletionUsage | null = null;
	if (usages.every((entry) => entry && typeof entry === 'object')) {
		const known = usages as CompletionUsage[];
		usage = {
			prompt_tokens: sum(known.map((entry) => entry.prompt_tokens)),
			completion_tokens: sum(known.map((entry) => entry.completion_tokens)),
			total_tokens: sum(known.map((entry) => entry.total_tokens)),
		};
		for (const path of DETAIL_PATHS) {
			const values = known.map((entry) => usageDetail(entry, path));
			if (values.some((value) => value !== undefined)) setPath(usage, path, sum(values) ?? null);
		}
	}
	const total: CompletionResponse = { ...last, usage };
	delete total.x_nanogpt_pricing;
	const pricings = responses.map((response) => response.x_nanogpt_pricing);
	const costs = pricings.map(reportedCost);
	const reported = costs.find((cost) => cost !== undefined);
	if (reported) {
		const currency = reported.currency;
		const sameCurrency = costs.every((cost) => cost?.currency === currency);
		const amount = sameCurrency ? sum(costs.map((cost) => cost?.amount)) : undefined;
		const pricing: CompletionPricing = { amount: amount ?? null, currency: currency ?? null } as CompletionPricing;
		const cacheCosts = pricings.map((entry) => entry?.cacheCost);
		if (cacheCosts.some((cacheCost) => cacheCost !== undefined)) pricing.cacheCost = (sum(cacheCosts) ?? null) as number;
		for (const key of SHARED_PRICING) {
			const values = pricings.map((entry) => JSON.stringify(entry?.[key]));
			if (values[0] !== undefined && values.every((value) => value === values[0])) pricing[key] = pricings[0]?.[key] as never;
		}
		total.x_nanogpt_pricing = pricing;
	}
	return total;
}
