import type { IDataObject } from 'n8n-workflow';
import type { CompletionResponse, InlineModeration } from '../transport/completionApi';
import { toBilledFields } from './billedFields';
import type { OutputSettings } from './outputSettings';

// The usage and cost fields and the error item have their own files; exported here too for the tests that import them from here.
export { USAGE_DETAILS, reportedCost, toBilledFields, toUsage, usageDetail, type TokenUsage, type UsageDetail } from './billedFields';
export { toErrorJson, type ErrorItemShape } from './errorItem';

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
