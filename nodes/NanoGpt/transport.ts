import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';
import { sleep } from 'n8n-workflow';
import type { CompletionRequestBody } from './buildCompletionRequest';
import { CompletionFailure, parseErrorBody, type FailureDetails } from './completionFailure';
import type { RequestPacer } from './requestPacer';
import {
	MAX_RETRY_WAIT_MS,
	backoffDelay,
	isRetryableNetworkCode,
	isRetryableStatus,
	parseRetryAfter,
} from './retryPolicy';
import { SseParser } from './sseParser';
import { StreamFailure, StreamedCompletion } from './streamedCompletion';
import type { CompletionResponse } from './toOutputItem';

export const CREDENTIAL_TYPE = 'nanoGptApi';

type RequestContext = IExecuteFunctions | ILoadOptionsFunctions;

export interface CompletionCallSettings {
	baseUrl: string;
	timeoutMs: number;
	streamIdleTimeoutMs: number;
	maxRetries: number;
	pacer: RequestPacer;
	signal?: AbortSignal;
	/** Receives streamed text as it arrives. */
	onText?: (text: string) => void;
}

export interface CompletionOutcome {
	response: CompletionResponse;
	attempts: number;
}

interface StreamBody extends AsyncIterable<Uint8Array | string> {
	destroy(error?: Error): void;
}

/** `baseUrl` comes from checkCredential, which already dropped any trailing slash. */
export function apiUrl(baseUrl: string, path: string): string {
	return `${baseUrl}${path}`;
}

function header(headers: IDataObject | undefined, name: string): string | undefined {
	const value = headers?.[name] ?? headers?.[name.toLowerCase()];
	if (Array.isArray(value)) return value[0] as string;
	return typeof value === 'string' ? value : undefined;
}

/** Finds the network error code n8n's helper wrapped (axios error, its cause, ...). */
function networkErrorCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
		const candidate = current as { code?: unknown; message?: unknown; cause?: unknown };
		if (typeof candidate.code === 'string' && /^[A-Z_]+$/.test(candidate.code)) {
			if (candidate.code === 'ECONNABORTED' && /timeout/i.test(String(candidate.message))) return 'ETIMEDOUT';
			// axios reports a connection cut while the body was arriving as a bad response.
			if (candidate.code === 'ERR_BAD_RESPONSE' && /aborted/i.test(String(candidate.message))) {
				return 'ERR_RESPONSE_ABORTED';
			}
			return candidate.code;
		}
		if (typeof candidate.message === 'string' && /timeout of \d+ms exceeded/.test(candidate.message)) {
			return 'ETIMEDOUT';
		}
		current = candidate.cause;
	}
	return undefined;
}

// Messages name no Node error code: n8n's NodeApiError swaps any message containing one for generic text.
const NETWORK_MESSAGES: Record<string, string> = {
	ECONNREFUSED: 'Could not reach NanoGPT: the connection was refused',
	ECONNRESET: 'Could not reach NanoGPT: the connection was reset',
	ESOCKETTIMEDOUT: 'Could not reach NanoGPT: no response within the timeout',
	EPIPE: 'Could not reach NanoGPT: the connection was closed while sending',
	ENOTFOUND: 'Could not reach NanoGPT: the host name could not be resolved',
	EAI_AGAIN: 'Could not reach NanoGPT: the host name could not be resolved (temporary DNS failure)',
	ERR_RESPONSE_ABORTED: "NanoGPT's answer broke off: the connection closed before the whole response arrived",
	ERR_CANCELED: 'The request to NanoGPT was cancelled with the execution',
};

function networkFailure(error: unknown, signal: AbortSignal | undefined, timeoutMs: number): CompletionFailure {
	const code = signal?.aborted ? 'ERR_CANCELED' : (networkErrorCode(error) ?? 'ENETWORK');
	const message =
		code === 'ETIMEDOUT'
			? `Could not reach NanoGPT: no response within ${timeoutMs} ms`
			: (NETWORK_MESSAGES[code] ?? 'Could not reach NanoGPT: the request failed');
	return new CompletionFailure({
		apiMessage: message,
		code,
		retryable: isRetryableNetworkCode(code),
	});
}

async function readText(stream: StreamBody, limit = 64 * 1024): Promise<string> {
	const decoder = new TextDecoder();
	let text = '';
	for await (const chunk of stream) {
		text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
		if (text.length > limit) {
			stream.destroy();
			break;
		}
	}
	return text;
}

function statusFailure(response: IN8nHttpFullResponse, text: unknown): CompletionFailure {
	const headers = response.headers as IDataObject;
	const parsed = parseErrorBody(text, header(headers, 'content-type'));
	return new CompletionFailure({
		status: response.statusCode,
		apiMessage: parsed.apiMessage,
		code: parsed.code,
		body: parsed.body,
		requestId: header(headers, 'x-request-id'),
		retryable: isRetryableStatus(response.statusCode),
		retryAfterMs: parseRetryAfter(header(headers, 'retry-after')),
	});
}

/** Next chunk of the stream, or an idle-timeout failure when none comes in time. */
async function nextChunkWithin(
	iterator: AsyncIterator<Uint8Array | string>,
	idleTimeoutMs: number,
): Promise<IteratorResult<Uint8Array | string> | 'idle'> {
	const idle = new AbortController();
	// The sleep only rejects once aborted below, after the race is decided; that rejection is swallowed.
	const timer = sleep(idleTimeoutMs, idle.signal).then(
		() => 'idle' as const,
		() => 'idle' as const,
	);
	try {
		return await Promise.race([iterator.next(), timer]);
	} finally {
		idle.abort();
	}
}

async function readCompletionStream(
	stream: StreamBody,
	settings: CompletionCallSettings,
	requestId: string | undefined,
): Promise<CompletionResponse> {
	const parser = new SseParser();
	const completion = new StreamedCompletion();
	const iterator = stream[Symbol.asyncIterator]();
	// The answer was a 200; what failed is the stream after it, so no status is reported.
	const fail = (message: string, extra: Partial<FailureDetails> = {}) =>
		new CompletionFailure({
			apiMessage: message,
			requestId,
			retryable: false,
			partialText: completion.partialText,
			...extra,
		});
	/** Why reading the stream stopped, as a failure of this item. */
	const streamReadFailure = (error: unknown): CompletionFailure => {
		if (error instanceof CompletionFailure) return error;
		if (error instanceof StreamFailure) {
			const upstreamStatus = error.details.status;
			return fail(upstreamStatus ? `${error.message} (upstream status ${upstreamStatus})` : error.message, {
				code: (error.details.code as string) ?? 'STREAM_FAILED',
			});
		}
		if (settings.signal?.aborted) return networkFailure(error, settings.signal, settings.timeoutMs);
		const code = networkErrorCode(error);
		return fail("NanoGPT's stream broke off: the connection closed before the completion finished", {
			code: code ?? 'ECONNRESET',
		});
	};
	try {
		for (;;) {
			const next = await nextChunkWithin(iterator, settings.streamIdleTimeoutMs);
			if (next === 'idle') {
				// axios (1.18, inside n8n 2.41) wraps the socket in a generator stream: destroying it
				// cannot reach a silent socket, which stays open until the server closes it.
				throw fail(
					`NanoGPT's stream sent nothing for ${settings.streamIdleTimeoutMs / 1000} s (Stream Idle Timeout)`,
					{ code: 'STREAM_IDLE_TIMEOUT' },
				);
			}
			const events = next.done ? parser.end() : parser.push(next.value);
			for (const event of events) {
				const added = completion.apply(event);
				if (added) settings.onText?.(added);
			}
			if (next.done) return completion.toResponse();
		}
	} catch (error) {
		stream.destroy();
		throw streamReadFailure(error);
	}
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
): Promise<CompletionResponse> {
	const stream = body.stream === true;
	const request: IHttpRequestOptions = {
		method: 'POST',
		url: apiUrl(settings.baseUrl, '/v1/completions'),
		headers: { Accept: stream ? 'text/event-stream' : 'application/json' },
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
	const ok = response.statusCode >= 200 && response.statusCode < 300;
	if (stream) {
		const streamBody = response.body as StreamBody;
		if (!ok) throw statusFailure(response, await readText(streamBody));
		return await readCompletionStream(streamBody, settings, requestId);
	}
	if (!ok) throw statusFailure(response, response.body);
	const completion = parseJson(response.body) as CompletionResponse | undefined;
	if (completion === undefined || typeof completion !== 'object' || completion === null) {
		throw new CompletionFailure({
			status: response.statusCode,
			apiMessage: `NanoGPT answered with a body that is not a JSON object: ${String(response.body).slice(0, 200)}`,
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
	return completion;
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

/** One completion with retries, pacing, timeouts and cancellation. Throws CompletionFailure. */
export async function requestCompletion(
	context: IExecuteFunctions,
	body: CompletionRequestBody,
	settings: CompletionCallSettings,
): Promise<CompletionOutcome> {
	for (let attempt = 1; ; attempt++) {
		let failure: CompletionFailure;
		let streamedText = false;
		const onText = settings.onText
			? (text: string) => {
					streamedText = true;
					settings.onText?.(text);
				}
			: undefined;
		try {
			await settings.pacer.acquire(settings.signal);
			const response = await attemptCompletion(context, body, { ...settings, onText });
			settings.pacer.onSuccess();
			return { response, attempts: attempt };
		} catch (error) {
			failure = settings.signal?.aborted
				? networkFailure(error, settings.signal, settings.timeoutMs)
				: asCompletionFailure(error);
		}
		failure.attempts = attempt;
		const { details } = failure;
		const wait = details.retryAfterMs ?? backoffDelay(attempt);
		if (details.retryable && wait > MAX_RETRY_WAIT_MS) {
			details.apiMessage += ` (Retry-After asks for ${Math.round(wait / 1000)} s, more than the ${MAX_RETRY_WAIT_MS / 1000} s the node waits)`;
			throw failure;
		}
		if (details.status === 429) settings.pacer.onRateLimited(wait);
		// Text already forwarded to a chat cannot be taken back, so a broken stream is not repeated.
		if (!details.retryable || streamedText || attempt > settings.maxRetries || settings.signal?.aborted) {
			throw failure;
		}
		const waited = await sleep(wait, settings.signal).then(
			() => true,
			() => false,
		);
		if (!waited) throw networkFailure(undefined, settings.signal, settings.timeoutMs);
	}
}

export interface ModelEntry {
	id: string;
	name?: string;
	description?: string;
}

/** GET {baseUrl}/v1/models (detailed, for names and descriptions). */
export async function fetchModels(context: RequestContext, baseUrl: string): Promise<ModelEntry[]> {
	const response = (await context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL_TYPE, {
		method: 'GET',
		url: apiUrl(baseUrl, '/v1/models'),
		qs: { detailed: 'true' },
		json: true,
	})) as { data?: unknown };
	const data = Array.isArray(response?.data) ? response.data : [];
	return data.filter(
		(entry): entry is ModelEntry =>
			typeof entry === 'object' && entry !== null && typeof (entry as ModelEntry).id === 'string',
	);
}
