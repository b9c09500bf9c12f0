import type { IDataObject } from 'n8n-workflow';
import type { CompletionResponse, InlineModeration } from '../transport/completionApi';
import { toBilledFields } from './billedFields';
import type { OutputSettings } from './outputSettings';

/**
 * What a failed item's error item carries besides the message and description. They travel on the
 * n8n error's `context`, so an error that stops the run carries them too.
 */
export interface ErrorItemDetails {
	httpCode?: string;
	/** NanoGPT's error code, or the code of the run's stop; only the error output shows it. */
	code?: string;
	requestId?: string;
	/** Requests sent for the item, for whatever reason. */
	attempts?: number;
	/** Text that streamed before the stream broke. */
	partialText?: string;
	/** The text of a completion without valid JSON. */
	completionText?: string;
	/** The node parameter the failure concerns. */
	parameter?: string;
	/** What the item's requests billed: shown as `usage` and `cost`. */
	billed?: CompletionResponse;
	moderation?: InlineModeration;
}

/** The details in the order the error item shows them. */
const DETAIL_FIELDS = ['httpCode', 'code', 'requestId', 'attempts', 'partialText', 'completionText', 'parameter'] as const;
/** What was billed, which only the item whose requests were sent carries. */
const BILLED_FIELDS = ['usage', 'cost', 'moderation'] as const;

/** Puts the details on the n8n error (undefined ones left out), where `toErrorJson` finds them. */
export function withErrorItemDetails<NodeError extends { context: IDataObject }>(
	error: NodeError,
	details: ErrorItemDetails,
): NodeError {
	const { billed, moderation, ...fields } = details;
	for (const [key, value] of Object.entries(fields)) if (value !== undefined) error.context[key] = value;
	if (billed) Object.assign(error.context, toBilledFields(billed));
	if (moderation) error.context.moderation = moderation;
	return error;
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
	for (const key of DETAIL_FIELDS) {
		if (key === 'code' && !onErrorOutput) continue;
		if (error.context?.[key] !== undefined) details[key] = error.context[key];
	}
	if (reusedFrom !== undefined) details.reusedFrom = reusedFrom;
	else {
		for (const key of BILLED_FIELDS) if (error.context?.[key] !== undefined) details[key] = error.context[key];
	}
	if (onErrorOutput) return { error: details };
	return settings?.includeInputFields ? { ...input, ...details } : details;
}
