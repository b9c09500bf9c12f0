import type { CompletionResponse } from './completionApi';
import { abortableSleep } from './abortableSleep';
import { CompletionFailure, type FailureDetails } from './completionFailure';
import { networkErrorCode, networkFailure } from './networkFailure';
import { SseParser } from './sseParser';
import { StreamFailure, StreamedCompletion } from './streamedCompletion';

export interface StreamBody extends AsyncIterable<Uint8Array | string> {
	destroy(error?: Error): void;
}

/** What reading one streamed answer needs from the call's settings. */
export interface StreamReadSettings {
	timeoutMs: number;
	streamIdleTimeoutMs: number;
	signal?: AbortSignal;
	/** Receives streamed text as it arrives. */
	onText?: (text: string) => void;
}

export async function readText(stream: StreamBody, limit = 64 * 1024): Promise<string> {
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

/** Next chunk of the stream, or an idle-timeout failure when none comes in time. */
async function nextChunkWithin(
	iterator: AsyncIterator<Uint8Array | string>,
	idleTimeoutMs: number,
): Promise<IteratorResult<Uint8Array | string> | 'idle'> {
	const idle = new AbortController();
	// The sleep only rejects once aborted below, after the race is decided; that rejection is swallowed.
	const timer = abortableSleep(idleTimeoutMs, idle.signal).then(
		() => 'idle' as const,
		() => 'idle' as const,
	);
	try {
		return await Promise.race([iterator.next(), timer]);
	} finally {
		idle.abort();
	}
}

export async function readCompletionStream(
	stream: StreamBody,
	settings: StreamReadSettings,
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
			const unquoted = error.details.unquotedMessage;
			return fail(upstreamStatus ? `${error.message} (upstream status ${upstreamStatus})` : error.message, {
				code: (error.details.code as string) ?? 'STREAM_FAILED',
				...(typeof unquoted === 'string' && { unquotedApiMessage: unquoted }),
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
