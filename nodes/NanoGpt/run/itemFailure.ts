import type { IDataObject, INode, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { InvalidParameterError } from '../request/buildCompletionRequest';
import { CompletionFailure } from '../transport/completionFailure';
import { redactSecret } from '../transport/credentialSettings';
import { toErrorJson, withErrorItemDetails, type ErrorItemShape } from '../output/errorItem';
import type { OutputSettings } from '../output/outputSettings';
import { RunStopped, type RunStopReason } from './stopReasons';
import { InvalidJsonFailure } from './jsonCompletion';

const JSON_OPTION = 'Options > Output Content as JSON';
const QUOTED_CHARACTERS = 200;
const TEXT_LEFT_OUT =
	'The text is left out of this error, which n8n logs; with On Error set to a Continue mode, the error item carries it as completionText.';

/** An n8n error as the error item reads it. */
export type ItemError = Error & { description?: string | null; context?: IDataObject };

/** How an item's failure is told. */
export interface ItemFailureSettings {
	apiKey: string;
	/** False when the error stops the run, which n8n logs: then it quotes no completion text. */
	quotesAnswer: boolean;
	/** The message of the run's stop, when this failure stopped it (a daily cap, an empty balance). */
	stopMessage?: string;
}

/** A failure of the node's own (a parameter refused, a credential unreadable) as an n8n error. */
export function toNodeError(node: INode, error: unknown, itemIndex: number): Error {
	if (error instanceof InvalidParameterError) {
		const nodeError = new NodeOperationError(
			node,
			`Invalid value for "${error.parameter}" in item ${itemIndex}: ${error.problem}`,
			{ itemIndex, description: 'Nothing was sent to NanoGPT for this item.' },
		);
		return withErrorItemDetails(nodeError, { parameter: error.parameter });
	}
	if (error instanceof Error) return error;
	return new NodeOperationError(node, String(error), { itemIndex });
}

/**
 * Turns a failed completion into an n8n error with status, NanoGPT's message and request ID.
 * `quotesAnswer` false: the error will stop the run, and n8n logs it, so it holds no text of the
 * answer (no partialText, no quote of a body that is not JSON).
 */
function toApiError(
	node: INode,
	failure: CompletionFailure,
	itemIndex: number,
	{ apiKey, stopMessage, quotesAnswer }: ItemFailureSettings,
): NodeApiError {
	const details = redactSecret(failure.details, apiKey);
	const { status, code, requestId, body, explanation, moderation } = details;
	const apiMessage = quotesAnswer ? details.apiMessage : (details.unquotedApiMessage ?? details.apiMessage);
	const attempts = failure.attempts;
	const attemptNote = attempts > 1 ? ` (after ${attempts} attempts)` : '';
	const message =
		stopMessage ?? (status ? `NanoGPT returned ${status}: ${apiMessage}${attemptNote}` : `${apiMessage}${attemptNote}`);
	const description = [
		requestId ? `Request ID: ${requestId}` : undefined,
		code ? `Code: ${code}` : undefined,
		`Attempts: ${attempts}${status ? `, last status ${status}` : ''}`,
		explanation ? `${explanation.parameter ? `Parameter: ${explanation.parameter}. ` : ''}${explanation.hint}` : undefined,
	]
		.filter(Boolean)
		.join('. ');
	const response: JsonObject = { message: apiMessage };
	if (body !== undefined) response.body = body as JsonObject;
	const error = new NodeApiError(node, response, { message, description, httpCode: status ? String(status) : undefined, itemIndex });
	// NodeApiError swaps a message that mentions a Node error code (ETIMEDOUT, ...) for generic text.
	error.message = message;
	return withErrorItemDetails(error, {
		httpCode: status ? String(status) : undefined,
		requestId: requestId || undefined,
		code: code || undefined,
		attempts,
		partialText: (quotesAnswer && details.partialText) || undefined,
		billed: failure.billed,
		parameter: explanation?.parameter || undefined,
		moderation,
	});
}

/**
 * The item's error for a completion without valid JSON; the error item gets `completionText`.
 * `quotesText` false (an error that stops the run, which n8n logs): neither the quote nor
 * `completionText`, and the description says where to find the text.
 */
export function toInvalidJsonError(
	node: INode,
	failure: InvalidJsonFailure,
	itemIndex: number,
	apiKey: string,
	{ quotesText }: { quotesText: boolean } = { quotesText: true },
): NodeOperationError {
	const text = redactSecret(failure.text, apiKey);
	const characters = Array.from(text);
	const excerpt = characters.slice(0, QUOTED_CHARACTERS).join('');
	const quote =
		characters.length > QUOTED_CHARACTERS
			? `The text begins (first ${QUOTED_CHARACTERS} characters): "${excerpt}…"`
			: `The text: "${excerpt}"`;
	const cutOff = failure.reason === 'length' ? ': Max Tokens cut the text off (finish reason "length")' : '';
	const message = `No valid JSON in the completion of item ${itemIndex} (${JSON_OPTION})${cutOff}.${quotesText ? ` ${quote}` : ''}`;
	const why = {
		length:
			'Not sent again: the same Max Tokens would cut the text off again. Raise Options > Max Tokens or ask for a shorter answer.',
		streamed: 'Not sent again: the text had already streamed to the caller.',
		'retries used': `Sent ${failure.jsonRetries + 1} time${failure.jsonRetries === 0 ? '' : 's'} (Options > Retries on Invalid JSON: ${failure.jsonRetries}), each completion billed. Ask for JSON only, for example "Answer with a JSON object and nothing else".`,
	}[failure.reason];
	const error = new NodeOperationError(node, message, {
		itemIndex,
		description: `${why} Attempts: ${failure.attempts}.${quotesText ? '' : ` ${TEXT_LEFT_OUT}`}`,
	});
	return withErrorItemDetails(error, {
		attempts: failure.attempts,
		completionText: quotesText ? text : undefined,
		billed: failure.billed,
		moderation: failure.moderation,
	});
}

/**
 * The error of an item the run's stop left unanswered: never sent, or not sent again (`stopped`:
 * it was waiting to retry or resend when the run stopped).
 */
export function toStopError(node: INode, reason: RunStopReason, itemIndex: number, stopped?: RunStopped): NodeOperationError {
	const error = new NodeOperationError(node, reason.message, {
		itemIndex,
		description: `${stopped ? 'Not sent to NanoGPT again' : 'Not sent to NanoGPT'}. ${reason.description}`,
	});
	return withErrorItemDetails(error, { code: reason.code || undefined, attempts: stopped?.attempts, billed: stopped?.billed });
}

/** Any failure of an item as the n8n error that fails it. */
export function toItemError(node: INode, failure: unknown, itemIndex: number, settings: ItemFailureSettings): ItemError {
	if (failure instanceof RunStopped) return toStopError(node, failure.reason, itemIndex, failure);
	if (failure instanceof InvalidJsonFailure) {
		return toInvalidJsonError(node, failure, itemIndex, settings.apiKey, { quotesText: settings.quotesAnswer });
	}
	if (failure instanceof CompletionFailure) return toApiError(node, failure, itemIndex, settings);
	return toNodeError(node, failure, itemIndex);
}

/** How failed items come out: n8n's error output under On Error "Continue (using error output)". */
export function errorShapeOf(node: INode, continueOnFail: boolean): ErrorItemShape {
	return continueOnFail && node.onError === 'continueErrorOutput' ? 'errorOutput' : 'regularOutput';
}

/** The error item of a failed item under Continue On Fail; `reusedFrom` names the item whose request it shared. */
export function toErrorItem(
	error: ItemError,
	itemIndex: number,
	input: IDataObject,
	shape: ErrorItemShape,
	output?: OutputSettings,
	reusedFrom?: number,
): INodeExecutionData {
	return { json: toErrorJson(error, output, input, reusedFrom, shape), pairedItem: { item: itemIndex } };
}
