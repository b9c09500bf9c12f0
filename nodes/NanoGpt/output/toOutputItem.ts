import type { IDataObject } from 'n8n-workflow';
import type { CompletionPricing, CompletionResponse, InlineModeration } from '../transport/completionApi';
import type { OutputSettings } from './outputSettings';

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

/** The simplified result of one completion. Pure. */
export function toSimplifiedCompletion(
	response: CompletionResponse,
	settings: Pick<OutputSettings, 'trimText' | 'includeLogprobs'>,
): IDataObject {
	const choice = response.choices?.[0] ?? {};
	const text = typeof choice.text === 'string' ? choice.text : '';
	const result: IDataObject = {
		text: settings.trimText ? text.trim() : text,
		finishReason: choice.finish_reason ?? null,
		model: response.model ?? null,
		id: response.id ?? null,
		...toBilledFields(response),
	};
	if (settings.includeLogprobs) result.logprobs = choice.logprobs ?? null;
	return result;
}

/**
 * How the item got its completion: the attempts its request took (and what moderation reported for
 * them), or the item whose request it reused.
 */
export type CompletionSource =
	| { attempts: number; moderation?: InlineModeration; reusedFrom?: undefined }
	| { reusedFrom: number; attempts?: undefined; moderation?: undefined };

/**
 * The output item's JSON for one successful completion; `json` holds the parsed value when Output
 * Content as JSON is on. An item that reused another item's request says so and carries no usage
 * or cost, so sums over the output are what was billed. Pure.
 */
export function toOutputJson(
	response: CompletionResponse,
	settings: OutputSettings,
	input: IDataObject,
	source: CompletionSource,
	json?: { data: unknown },
): IDataObject {
	let result: IDataObject;
	if (settings.simplify) {
		result = toSimplifiedCompletion(response, settings);
		if (json && settings.jsonOutput) result = { text: result.text, data: json.data as IDataObject[string], ...result };
		if (source.reusedFrom !== undefined) {
			delete result.usage;
			delete result.cost;
			result.reusedFrom = source.reusedFrom;
		} else {
			if (source.moderation) result.moderation = source.moderation;
			if (source.attempts > 1) result.attempts = source.attempts;
		}
	} else {
		result = response;
	}
	return settings.includeInputFields ? { ...input, [settings.outputField]: result } : result;
}

/** Where a failed item goes under Continue On Fail: On Error's "Continue (regular output)" or "Continue (using error output)". */
export type ErrorItemShape = 'regularOutput' | 'errorOutput';

/**
 * The output item's JSON for a failed item under Continue On Fail; `reusedFrom` names the item whose
 * failed request this item shared. The item whose requests were sent carries what they billed
 * (completions without valid JSON), so sums over the output stay what was billed.
 *
 * On the regular output the details sit at the top level beside `error` (the message), plus the
 * input fields when Include Input Fields is on. On the error output they sit under `error`, with
 * `message` and NanoGPT's `code`: n8n routes an item there only when `error` is its one key, and
 * merges the input row's fields in itself. Pure.
 */
export function toErrorJson(
	error: { message: string; description?: string | null; context?: IDataObject },
	settings: Pick<OutputSettings, 'includeInputFields'> | undefined,
	input: IDataObject,
	reusedFrom?: number,
	shape: ErrorItemShape = 'regularOutput',
): IDataObject {
	const onErrorOutput = shape === 'errorOutput';
	const details: IDataObject = onErrorOutput ? { message: error.message } : { error: error.message };
	if (error.description) details.description = error.description;
	const keys = onErrorOutput
		? ['httpCode', 'code', 'requestId', 'attempts', 'partialText', 'completionText', 'parameter']
		: ['httpCode', 'requestId', 'attempts', 'partialText', 'completionText', 'parameter'];
	for (const key of keys) {
		if (error.context?.[key] !== undefined) details[key] = error.context[key];
	}
	if (reusedFrom !== undefined) details.reusedFrom = reusedFrom;
	else {
		for (const key of ['usage', 'cost', 'moderation']) if (error.context?.[key] !== undefined) details[key] = error.context[key];
	}
	if (onErrorOutput) return { error: details };
	return settings?.includeInputFields ? { ...input, ...details } : details;
}
