import type { IDataObject } from 'n8n-workflow';
import type { OutputSettings } from '../request/runSettings';

/** The parts of a NanoGPT completion response the node reads (extra fields are kept in raw output). */
export interface CompletionResponse extends IDataObject {
	id?: string;
	model?: string;
	choices?: Array<{ text?: string; index?: number; logprobs?: IDataObject | null; finish_reason?: string | null }>;
	usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null;
	x_nanogpt_pricing?: { amount?: number; currency?: string } & IDataObject;
}

export interface TokenUsage {
	promptTokens: number | null;
	completionTokens: number | null;
	totalTokens: number | null;
}

export function toUsage(usage: CompletionResponse['usage']): TokenUsage | null {
	if (!usage || typeof usage !== 'object') return null;
	const count = (value: unknown) => (typeof value === 'number' ? value : null);
	return {
		promptTokens: count(usage.prompt_tokens),
		completionTokens: count(usage.completion_tokens),
		totalTokens: count(usage.total_tokens),
	};
}

/** What a response says was billed: its usage, and its cost when NanoGPT reported one. Pure. */
export function toBilledFields(response: CompletionResponse): IDataObject {
	const billed: IDataObject = { usage: toUsage(response.usage) as IDataObject | null };
	const pricing = response.x_nanogpt_pricing;
	if (pricing && typeof pricing === 'object') {
		billed.cost = { amount: pricing.amount ?? null, currency: pricing.currency ?? null };
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

/** How the item got its completion: the attempts its request took, or the item whose request it reused. */
export type CompletionSource = { attempts: number; reusedFrom?: undefined } | { reusedFrom: number; attempts?: undefined };

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
		} else if (source.attempts > 1) result.attempts = source.attempts;
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
		for (const key of ['usage', 'cost']) if (error.context?.[key] !== undefined) details[key] = error.context[key];
	}
	if (onErrorOutput) return { error: details };
	return settings?.includeInputFields ? { ...input, ...details } : details;
}
