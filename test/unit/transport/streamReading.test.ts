import { CompletionFailure } from '../../../nodes/NanoGpt/transport/completionFailure';
import { readCompletionStream, readText, type StreamBody } from '../../../nodes/NanoGpt/transport/completionStream';

// Reading a streamed answer's body, as the unit between the socket and the completion: the body is
// an in-memory stream here (the node suites and the fault matrix read real sockets from the
// emulator). Every message is written out by hand.

function body(chunks: Array<string | Uint8Array | Error>, { hang = false } = {}): StreamBody & { destroyed: number } {
	const stream = {
		destroyed: 0,
		destroy() {
			stream.destroyed++;
		},
		async *[Symbol.asyncIterator]() {
			for (const chunk of chunks) {
				if (chunk instanceof Error) throw chunk;
				yield chunk;
			}
			if (hang) await new Promise(() => undefined);
		},
	};
	return stream;
}

const settings = { timeoutMs: 1000, streamIdleTimeoutMs: 60_000 };
const chunk = (text: string, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', choices: [{ index: 0, text, finish_reason: finish }] })}\n\n`;

async function failureOf(promise: Promise<unknown>) {
	const error = await promise.then(
		() => {
			throw new Error('completed');
		},
		(caught: unknown) => caught,
	);
	expect(error).toBeInstanceOf(CompletionFailure);
	const { apiMessage, code, requestId, retryable, partialText, status } = (error as CompletionFailure).details;
	return { apiMessage, code, requestId, retryable, partialText, status };
}

describe('reading an error body', () => {
	it('joins text and bytes', async () => {
		await expect(readText(body(['{"error":', new TextEncoder().encode(' "é"}')]))).resolves.toBe('{"error": "é"}');
	});

	it('stops past the limit and closes the stream', async () => {
		const stream = body(['abc', 'def', 'ghi']);
		await expect(readText(stream, 4)).resolves.toBe('abcdef');
		expect(stream.destroyed).toBe(1);
		const within = body(['abcd']);
		await expect(readText(within, 4)).resolves.toBe('abcd');
		expect(within.destroyed).toBe(0);
	});
});

describe('reading a completion stream', () => {
	it('folds the events, forwarding each piece of text as it arrives', async () => {
		const texts: string[] = [];
		const response = await readCompletionStream(body([chunk(' Hel'), chunk(''), chunk('lo', 'stop'), 'data: [DONE]\n\n']), { ...settings, onText: (text) => texts.push(text) }, 'r1');
		expect(response.choices).toEqual([{ text: ' Hello', index: 0, logprobs: null, finish_reason: 'stop' }]);
		expect(texts).toEqual([' Hel', 'lo']);
	});

	it('reads an event the stream ends without a blank line after', async () => {
		const response = await readCompletionStream(body([chunk('a'), `data: ${JSON.stringify({ choices: [{ text: 'b', finish_reason: 'stop' }] })}`]), settings, undefined);
		expect(response.choices?.[0].text).toBe('ab');
	});

	it('fails a stream that ends early, keeping the text so far and the request ID', async () => {
		const stream = body([chunk('par')]);
		expect(await failureOf(readCompletionStream(stream, settings, 'r2'))).toEqual({
			apiMessage: 'NanoGPT closed the stream before the completion finished (no finish reason and no [DONE])',
			code: 'STREAM_FAILED',
			requestId: 'r2',
			retryable: false,
			partialText: 'par',
			status: undefined,
		});
		expect(stream.destroyed).toBe(1);
	});

	it('fails on an error event, with the upstream status when it has one', async () => {
		const event = (error: unknown) => `data: ${JSON.stringify({ error })}\n\n`;
		expect(await failureOf(readCompletionStream(body([chunk('x'), event({ message: 'down', status: 502, code: 'upstream' })]), settings, 'r3'))).toEqual({
			apiMessage: 'NanoGPT stream failed: down (upstream status 502)',
			code: 'upstream',
			requestId: 'r3',
			retryable: false,
			partialText: 'x',
			status: undefined,
		});
		expect((await failureOf(readCompletionStream(body([event({ message: 'down' })]), settings, 'r3'))).apiMessage).toBe('NanoGPT stream failed: down');
	});

	it('words a connection that broke off, with its code when it has one', async () => {
		const reset = Object.assign(new Error('socket hang up'), { code: 'EPIPE' });
		expect(await failureOf(readCompletionStream(body([chunk('y'), reset]), settings, 'r4'))).toEqual({
			apiMessage: "NanoGPT's stream broke off: the connection closed before the completion finished",
			code: 'EPIPE',
			requestId: 'r4',
			retryable: false,
			partialText: 'y',
			status: undefined,
		});
		expect((await failureOf(readCompletionStream(body([new Error('gone')]), settings, 'r4'))).code).toBe('ECONNRESET');
	});

	it('reports a cancel as cancelled', async () => {
		const controller = new AbortController();
		controller.abort();
		expect(await failureOf(readCompletionStream(body([new Error('aborted')]), { ...settings, signal: controller.signal }, 'r5'))).toEqual({
			apiMessage: 'The request to NanoGPT was cancelled with the execution',
			code: 'ERR_CANCELED',
			requestId: undefined,
			retryable: false,
			partialText: undefined,
			status: undefined,
		});
	});

	it('gives up on a stream that sends nothing for the Stream Idle Timeout, and closes it', async () => {
		const stream = body([chunk('z')], { hang: true });
		expect(await failureOf(readCompletionStream(stream, { ...settings, streamIdleTimeoutMs: 50 }, 'r6'))).toEqual({
			apiMessage: "NanoGPT's stream sent nothing for 0.05 s (Stream Idle Timeout)",
			code: 'STREAM_IDLE_TIMEOUT',
			requestId: 'r6',
			retryable: false,
			partialText: 'z',
			status: undefined,
		});
		expect(stream.destroyed).toBe(1);
	});
});
