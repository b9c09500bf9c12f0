import type { IDataObject, IExecuteFunctions, IHttpRequestOptions, IN8nHttpFullResponse } from 'n8n-workflow';
import type { CompletionRequestBody, CompletionResponse, InlineModeration } from './completionApi';
import { CompletionFailure, parseErrorBody } from './completionFailure';
import { readCompletionStream, readText, type StreamBody, type StreamReadSettings } from './completionStream';
import { CREDENTIAL_TYPE, apiUrl } from './credentialSettings';
import { keyExhaustionOf } from './keyExhaustion';
import { readInlineModeration } from './inlineModeration';
import { networkFailure } from './networkFailure';
import {
	MAX_RATE_LIMIT_RETRIES,
	MAX_RETRY_WAIT_MS,
	isPerSecondRefusal,
	isRetryableFailure,
	parseRetryAfter,
	retryDelay,
} from './retryPolicy';

/** How an attempt ended, for the run's pacing: no failure is a completion. */
export interface AttemptOutcome {
	failure?: CompletionFailure;
	/** When the attempt started (Date.now()). */
	startedAt: number;
	/** The wait before a retry: Retry-After when the answer had one, else the backoff. */
	retryAfterMs?: number;
}

/** The run's side of each attempt: start slots for retries, and what every attempt taught. */
export interface AttemptFlow {
	/**
	 * Waits `waitMs`, then for a start slot for a retry; the first attempt got its slot when the item
	 * was started. Rejects when the execution is cancelled, or with an error of the run's own when
	 * the run will send no more (that error becomes the item's).
	 */
	beforeRetry(signal?: AbortSignal, waitMs?: number): Promise<void>;
	afterAttempt(outcome: AttemptOutcome): void;
}

export interface CompletionCallSettings extends StreamReadSettings {
	baseUrl: string;
	maxRetries: number;
	flow: AttemptFlow;
	/** Headers the item's options set (moderation, redaction); n8n's credential adds the key. */
	headers?: Record<string, string>;
}

export interface CompletionOutcome {
	response: CompletionResponse;
	attempts: number;
	/** From the response headers, when NanoGPT moderated the prompt. */
	moderation?: InlineModeration;
}

function header(headers: IDataObject | undefined, name: string): string | undefined {
	const value = headers?.[name] ?? headers?.[name.toLowerCase()];
	if (Array.isArray(value)) return value[0] as string;
	return typeof value === 'string' ? value : undefined;
}

function statusFailure(response: IN8nHttpFullResponse, text: unknown): CompletionFailure {
	const headers = response.headers as IDataObject;
	const parsed = parseErrorBody(text, header(headers, 'content-type'));
	const moderation = readInlineModeration(headers);
	return new CompletionFailure({
		status: response.statusCode,
		apiMessage: parsed.apiMessage,
		code: parsed.code,
		body: parsed.body,
		requestId: header(headers, 'x-request-id'),
		retryable: isRetryableFailure(response.statusCode, parsed.code),
		retryAfterMs: parseRetryAfter(header(headers, 'retry-after')),
		...(moderation && { moderation }),
	});
}

function parseJson(body: unknown): unknown {
	if (typeof body !== 'string') return body;
	try {
		return JSON.parse(body);
	} catch {
		return undefined;
	}
}

async function attemptCompletion(
	context: IExecuteFunctions,
	body: CompletionRequestBody,
	settings: CompletionCallSettings,
): Promise<Omit<CompletionOutcome, 'attempts'>> {
	const stream = body.stream === true;
	const request: IHttpRequestOptions = {
		method: 'POST',
		url: apiUrl(settings.baseUrl, '/v1/completions'),
		headers: { ...settings.headers, Accept: stream ? 'text/event-stream' : 'application/json' },
		body,
		json: true,
		encoding: stream ? 'stream' : 'text',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: settings.timeoutMs,
	};
	let response: IN8nHttpFullResponse;
	try {
		response = (await context.helpers.httpRequestWithAuthentication.call(
			context,
			CREDENTIAL_TYPE,
			request,
		)) as IN8nHttpFullResponse;
	} catch (error) {
		throw networkFailure(error, settings.signal, settings.timeoutMs);
	}
	const requestId = header(response.headers as IDataObject, 'x-request-id');
	const moderation = readInlineModeration(response.headers as IDataObject);
	const ok = response.statusCode >= 200 && response.statusCode < 300;
	if (stream) {
		const streamBody = response.body as StreamBody;
		if (!ok) throw statusFailure(response, await readText(streamBody));
		return { response: await readCompletionStream(streamBody, settings, requestId), ...(moderation && { moderation }) };
	}
	if (!ok) throw statusFailure(response, response.body);
	const completion = parseJson(response.body) as CompletionResponse | undefined;
	if (completion === undefined || typeof completion !== 'object' || completion === null) {
		throw new CompletionFailure({
			status: response.statusCode,
			apiMessage: `NanoGPT answered with a body that is not a JSON object: ${String(response.body).slice(0, 200)}`,
			unquotedApiMessage: 'NanoGPT answered with a body that is not a JSON object',
			code: 'INVALID_JSON',
			requestId,
			retryable: false,
		});
	}
	if (!Array.isArray(completion.choices) || completion.choices.length === 0) {
		throw new CompletionFailure({
			status: response.statusCode,
			apiMessage: 'NanoGPT answered without any completion choices',
			code: 'NO_CHOICES',
			requestId,
			retryable: false,
			body: completion,
		});
	}
	return { response: completion, ...(moderation && { moderation }) };
}

/** Any failure of one attempt, as a CompletionFailure (unexpected errors included, never rethrown raw). */
function asCompletionFailure(error: unknown): CompletionFailure {
	if (error instanceof CompletionFailure) return error;
	return new CompletionFailure({
		apiMessage: `Unexpected failure while calling NanoGPT: ${error instanceof Error ? error.message : String(error)}`,
		code: 'UNEXPECTED',
		retryable: false,
	});
}

/** A failure no retry can help: the key is exhausted, or Retry-After asks for more than the node waits. */
function beyondRetry(details: CompletionFailure['details']): boolean {
	// A daily cap or an empty balance refuses every further request of the key: the run stops on it.
	if (keyExhaustionOf(details) !== undefined) return true;
	const askedFor = details.retryAfterMs ?? 0;
	if (details.retryable && askedFor > MAX_RETRY_WAIT_MS) {
		details.apiMessage += ` (Retry-After asks for ${Math.round(askedFor / 1000)} s, more than the ${MAX_RETRY_WAIT_MS / 1000} s the node waits)`;
		return true;
	}
	return false;
}

/** Retries counted against Max Retries, and those after the per-second limit pushed back. */
interface RetryCounts {
	retries: number;
	rateLimitRetries: number;
}

/** Whether a failed attempt is sent again, counting the retry when it is. */
function countRetry(details: CompletionFailure['details'], counts: RetryCounts, maxRetries: number): boolean {
	if (isPerSecondRefusal(details.status, details.retryAfterMs)) {
		if (++counts.rateLimitRetries > MAX_RATE_LIMIT_RETRIES) {
			details.apiMessage += ` (the per-second rate limit refused it ${counts.rateLimitRetries} times; the node retries such a refusal at most ${MAX_RATE_LIMIT_RETRIES} times)`;
			return false;
		}
		return true;
	}
	return ++counts.retries <= maxRetries;
}

/** One attempt; a failure comes back (not thrown) with whether text already streamed to the caller. */
async function attemptOnce(
	context: IExecuteFunctions,
	body: CompletionRequestBody,
	settings: CompletionCallSettings,
): Promise<{ answered: Omit<CompletionOutcome, 'attempts'> } | { failure: CompletionFailure; streamedText: boolean }> {
	const { signal } = settings;
	let streamedText = false;
	const onText = settings.onText
		? (text: string) => {
				streamedText = true;
				settings.onText?.(text);
			}
		: undefined;
	try {
		return { answered: await attemptCompletion(context, body, { ...settings, onText }) };
	} catch (error) {
		const failure = signal?.aborted ? networkFailure(error, signal, settings.timeoutMs) : asCompletionFailure(error);
		return { failure, streamedText };
	}
}

/** One completion with retries, pacing, timeouts and cancellation. Throws CompletionFailure. */
export async function requestCompletion(
	context: IExecuteFunctions,
	body: CompletionRequestBody,
	settings: CompletionCallSettings,
): Promise<CompletionOutcome> {
	const { flow, signal } = settings;
	const counts: RetryCounts = { retries: 0, rateLimitRetries: 0 };
	for (let attempt = 1; ; attempt++) {
		const startedAt = Date.now();
		const sent = await attemptOnce(context, body, settings);
		if ('answered' in sent) {
			flow.afterAttempt({ startedAt });
			return { ...sent.answered, attempts: attempt };
		}
		const { failure, streamedText } = sent;
		failure.attempts = attempt;
		const { details } = failure;
		if (beyondRetry(details)) throw failure;
		const wait = retryDelay(details.retryAfterMs, attempt);
		flow.afterAttempt({ failure, startedAt, retryAfterMs: wait });
		// Text already forwarded to a chat cannot be taken back, so a broken stream is not repeated.
		if (!details.retryable || streamedText || signal?.aborted) throw failure;
		if (!countRetry(details, counts, settings.maxRetries)) throw failure;
		const refused = await flow.beforeRetry(signal, wait).then(
			() => undefined,
			(error: unknown) => ({ error }),
		);
		if (refused) {
			// The run's own error (it stopped) becomes the item's; anything else here is the cancel.
			if (signal?.aborted || !(refused.error instanceof Error)) {
				const cancelled = networkFailure(undefined, signal, settings.timeoutMs);
				cancelled.attempts = attempt;
				throw cancelled;
			}
			throw refused.error;
		}
	}
}
