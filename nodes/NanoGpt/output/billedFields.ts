import type { IDataObject } from 'n8n-workflow';
import type { CompletionPricing, CompletionResponse } from '../transport/completionApi';

/**
 * The usage detail fields NanoGPT documents (chat completions; tolerated on completions), each
 * present in the output only when NanoGPT sent it: output name -> path in `usage`.
 */
export const USAGE_DETAILS = {
	cachedTokens: ['prompt_tokens_details', 'cached_tokens'],
	promptAudioTokens: ['prompt_tokens_details', 'audio_tokens'],
	reasoningTokens: ['completion_tokens_details', 'reasoning_tokens'],
	completionAudioTokens: ['completion_tokens_details', 'audio_tokens'],
	acceptedPredictionTokens: ['completion_tokens_details', 'accepted_prediction_tokens'],
	rejectedPredictionTokens: ['completion_tokens_details', 'rejected_prediction_tokens'],
	cacheReadInputTokens: ['cache_read_input_tokens'],
	cacheCreationInputTokens: ['cache_creation_input_tokens'],
	citationTokens: ['citation_tokens'],
	numSearchQueries: ['num_search_queries'],
	inputTokens: ['input_tokens'],
} as const;
export type UsageDetail = keyof typeof USAGE_DETAILS;

/** A detail's value in a raw usage: a number, null when sent but unreadable, undefined when not sent. */
export function usageDetail(usage: IDataObject, path: readonly string[]): number | null | undefined {
	let value: unknown = usage;
	for (const key of path) {
		if (typeof value !== 'object' || value === null) return undefined;
		value = (value as IDataObject)[key];
	}
	if (value === undefined) return undefined;
	return typeof value === 'number' ? value : null;
}

export interface TokenUsage extends Partial<Record<UsageDetail, number | null>> {
	promptTokens: number | null;
	completionTokens: number | null;
	totalTokens: number | null;
}

export function toUsage(usage: CompletionResponse['usage']): TokenUsage | null {
	if (!usage || typeof usage !== 'object') return null;
	const count = (value: unknown) => (typeof value === 'number' ? value : null);
	const result: TokenUsage = {
		promptTokens: count(usage.prompt_tokens),
		completionTokens: count(usage.completion_tokens),
		totalTokens: count(usage.total_tokens),
	};
	for (const [name, path] of Object.entries(USAGE_DETAILS) as Array<[UsageDetail, readonly string[]]>) {
		let value = usageDetail(usage, path);
		// A top-level reasoning_tokens (some providers) counts when the nested one is absent.
		if (value === undefined && name === 'reasoningTokens') value = usageDetail(usage, ['reasoning_tokens']);
		if (value !== undefined) result[name] = value;
	}
	return result;
}

const PRICING_DETAILS = ['paymentSource', 'cacheCost', 'billedToTeam', 'billedTeamId', 'billedTeamName'] as const;

/**
 * The amount NanoGPT reported: `amount`, else `cost` (its streaming example has no `amount`; that
 * cost is USD). Pure.
 */
export function reportedCost(pricing: CompletionPricing | undefined): { amount: number | null; currency: string | null } | undefined {
	if (!pricing || typeof pricing !== 'object') return undefined;
	if (pricing.amount === undefined && typeof pricing.cost === 'number') {
		return { amount: pricing.cost, currency: typeof pricing.currency === 'string' ? pricing.currency : 'USD' };
	}
	return { amount: pricing.amount ?? null, currency: pricing.currency ?? null };
}

/** What a response says was billed: its usage, and its cost when NanoGPT reported one. Pure. */
export function toBilledFields(response: CompletionResponse): IDataObject {
	const billed: IDataObject = { usage: toUsage(response.usage) as IDataObject | null };
	const pricing = response.x_nanogpt_pricing;
	const cost = reportedCost(pricing);
	if (pricing && cost) {
		const details: IDataObject = {};
		for (const key of PRICING_DETAILS) if (pricing[key] !== undefined) details[key] = pricing[key];
		billed.cost = { ...cost, ...details };
	}
	return billed;
}
