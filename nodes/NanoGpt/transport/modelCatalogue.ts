import type { IExecuteFunctions, ILoadOptionsFunctions } from 'n8n-workflow';
import { CREDENTIAL_TYPE, apiUrl } from './credentialSettings';

/** What the catalogue says a model costs; each part only when the catalogue gives it. */
export interface ModelPricing {
	/** Price of input (prompt) tokens, per `unit`. */
	prompt?: number;
	/** Price of output (completion) tokens, per `unit`. */
	completion?: number;
	/** As NanoGPT sends it, e.g. "USD". */
	currency?: string;
	/** As NanoGPT sends it, e.g. "per_million_tokens". */
	unit?: string;
}

/** One model of the detailed catalogue; every field but `id` only when the catalogue gives it. */
export interface ModelEntry {
	id: string;
	name?: string;
	description?: string;
	/** Context window in tokens. */
	contextLength?: number;
	pricing?: ModelPricing;
}

/** A finite number ≥ 0, from a number or numeric text ("0.12"); anything else is unknown. */
function amount(value: unknown): number | undefined {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof number === 'number' && Number.isFinite(number) && number >= 0 ? number : undefined;
}

function text(value: unknown): string | undefined {
	return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** One catalogue entry as sent by GET /v1/models?detailed=true, reduced to what is known. Pure. */
export function toModelEntry(raw: unknown): ModelEntry | undefined {
	if (typeof raw !== 'object' || raw === null) return undefined;
	const entry = raw as Record<string, unknown>;
	const id = text(entry.id);
	if (id === undefined) return undefined;
	const model: ModelEntry = { id };
	const name = text(entry.name);
	if (name !== undefined) model.name = name;
	const description = text(entry.description);
	if (description !== undefined) model.description = description;
	const contextLength = amount(entry.context_length);
	if (contextLength !== undefined && contextLength > 0) model.contextLength = contextLength;
	if (typeof entry.pricing === 'object' && entry.pricing !== null) {
		const raw = entry.pricing as Record<string, unknown>;
		const pricing: ModelPricing = {};
		const prompt = amount(raw.prompt);
		const completion = amount(raw.completion);
		if (prompt !== undefined) pricing.prompt = prompt;
		if (completion !== undefined) pricing.completion = completion;
		if (prompt !== undefined || completion !== undefined) {
			const currency = text(raw.currency);
			const unit = text(raw.unit);
			if (currency !== undefined) pricing.currency = currency;
			if (unit !== undefined) pricing.unit = unit;
			model.pricing = pricing;
		}
	}
	return model;
}

/** GET {baseUrl}/v1/models?detailed=true: names, descriptions, prices and context lengths. */
export async function fetchModels(context: IExecuteFunctions | ILoadOptionsFunctions, baseUrl: string): Promise<ModelEntry[]> {
	const response = (await context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL_TYPE, {
		method: 'GET',
		url: apiUrl(baseUrl, '/v1/models'),
		qs: { detailed: 'true' },
		json: true,
	})) as { data?: unknown };
	const data = Array.isArray(response?.data) ? response.data : [];
	return data.map(toModelEntry).filter((model): model is ModelEntry => model !== undefined);
}
