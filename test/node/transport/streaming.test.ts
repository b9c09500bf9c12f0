import type { StructuredChunk } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';
import { completionTextFor, startEmulator, type Fault } from '../../support/emulator';
import { emulatorForFile } from '../../support/emulatorForFile';
import { MODEL, completeParameters, prompts, runCompletion, startCompletion } from '../nodeRun';

const emulator = emulatorForFile({ sseStyle: 'crlf', seed: 7 });

const streamParameters = (extra: Record<string, unknown> = {}) =>
	completeParameters({ options: { stream: true }, ...extra });
const withoutId = ({ id: _id, ...rest }: Record<string, unknown>) => rest;

describe('streaming completions in n8n-core', () => {
	it('gives the same items as the non-streaming call of the same prompts, and really streams', async () => {
		const items = [...prompts(3, 'Stream'), { prompt: 'Ünïcode 👋 prompt' }];
		const plain = await runCompletion({ emulator, items });
		const streamed = await runCompletion({ emulator, items, parameters: streamParameters() });
		expect(streamed.error).toBeUndefined();
		expect(streamed.items.map((item) => withoutId(item.json))).toEqual(plain.items.map((item) => withoutId(item.json)));
		expect(streamed.items.map((item) => item.pairedItem)).toEqual(items.map((_, index) => ({ item: index })));
		const streamedRequests = emulator.requests.filter((request) => (request.body as { stream?: boolean }).stream);
		expect(streamedRequests).toHaveLength(items.length);
		expect(streamedRequests[0].headers.accept).toBe('text/event-stream');
		expect(streamedRequests[0].body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
	});

	it('reports usage as null when no event carries it (never guessed)', async () => {
		const bare = await startEmulator({ streamUsage: 'none' });
		try {
			const { items } = await runCompletion({ emulator: bare, items: [{ prompt: 'no usage' }], parameters: streamParameters() });
			expect(items[0].json.usage).toBeNull();
			expect(items[0].json.text).toEqual(expect.stringContaining('no usage'));
		} finally {
			await bare.close();
		}
	});

	it('forwards text with sendChunk begin/item.../end per item when n8n streams the execution', async () => {
		const chunks: StructuredChunk[] = [];
		const items = prompts(3, 'Chat');
		const { items: output, error } = await runCompletion({
			emulator,
			items,
			parameters: streamParameters(),
			onChunk: (chunk) => void chunks.push(chunk),
		});
		// A failed run has no output and no chunks: the loop below would check nothing.
		expect(error).toBeUndefined();
		expect(output).toHaveLength(items.length);
		// One stream event per token, so each item is begin, one item chunk per token, end.
		const expectedTexts = items.map(({ prompt }) => completionTextFor({ model: MODEL, prompt }));
		expect(chunks).toHaveLength(expectedTexts.reduce((sum, { tokens }) => sum + tokens.length + 2, 0));
		for (const [index, item] of output.entries()) {
			const mine = chunks.filter((chunk) => chunk.metadata.itemIndex === index);
			expect(mine).toHaveLength(expectedTexts[index].tokens.length + 2);
			expect(mine[0].type).toBe('begin');
			expect(mine[mine.length - 1].type).toBe('end');
			expect(mine.slice(1, -1).every((chunk) => chunk.type === 'item')).toBe(true);
			expect(item.json.text).toBe(expectedTexts[index].text);
			expect(mine.map((chunk) => chunk.content ?? '').join('')).toBe(expectedTexts[index].text);
		}
	});

	it('sends no chunks when the Stream option is off, even in a streaming execution', async () => {
		const chunks: StructuredChunk[] = [];
		await runCompletion({ emulator, items: prompts(2), onChunk: (chunk) => void chunks.push(chunk) });
		expect(chunks).toEqual([]);
	});

	it.each<[string, Fault, RegExp]>([
		['a mid-stream error event', { kind: 'stream-error', afterChunks: 3 }, /stream failed: Upstream provider failed \(upstream status 500\)/],
		['a connection closed before the finish', { kind: 'truncated-stream', afterChunks: 3 }, /(closed the stream before the completion finished|broke off)/],
		['invalid JSON in an event', { kind: 'stream-invalid-json', afterChunks: 3 }, /not a JSON object/],
	])('%s fails the item, and Continue On Fail keeps the partial text', async (_label, fault, message) => {
		emulator.setFaultRule(() => fault);
		const failing = await runCompletion({ emulator, items: [{ prompt: 'Partial please' }], parameters: streamParameters() });
		expect(failing.error).toBeInstanceOf(NodeApiError);
		expect(failing.error?.message).toMatch(message);
		expect(emulator.requests).toHaveLength(1);

		const kept = await runCompletion({ emulator, continueOnFail: true, items: [{ prompt: 'Partial please' }], parameters: streamParameters() });
		expect(kept.items).toHaveLength(1);
		expect(kept.items[0].json.error).toMatch(message);
		expect(String(kept.items[0].json.partialText)).toContain(' Completion');
		expect(kept.items[0].json).not.toHaveProperty('text');
	});

	it('reads the body of a non-2xx answer to a streaming request for NanoGPT\'s message', async () => {
		emulator.setFaultRule(() => ({ status: 400, shape: 'openai', message: 'stream not supported for this model' }));
		const { error } = await runCompletion({ emulator, items: [{ prompt: 'x' }], parameters: streamParameters() });
		expect(error?.message).toBe('NanoGPT returned 400: stream not supported for this model');
		expect(error?.httpCode).toBe('400');
	});

	it('ends a stalled stream after the idle timeout with a clear error', async () => {
		const stalling = await startEmulator();
		stalling.setFaultRule(() => ({ kind: 'stream-stall', afterChunks: 2 }));
		try {
			const started = Date.now();
			const { error, items } = await runCompletion({
				emulator: stalling,
				continueOnFail: true,
				items: [{ prompt: 'stall' }],
				parameters: streamParameters({ requestOptions: { streamIdleTimeout: 0.3 } }),
			});
			expect(error).toBeUndefined();
			expect(items[0].json.error).toBe("NanoGPT's stream sent nothing for 0.3 s (Stream Idle Timeout)");
			expect(items[0].json.partialText).toEqual(expect.stringContaining('Completion'));
			expect(Date.now() - started).toBeLessThan(3000);
		} finally {
			await stalling.close();
		}
	});

	it('cancelling the execution aborts the stream within 100 ms', async () => {
		emulator.setChunkDelay(200);
		const chunks: StructuredChunk[] = [];
		const handle = startCompletion({
			emulator,
			items: [{ prompt: 'A long answer' }],
			parameters: streamParameters(),
			onChunk: (chunk) => void chunks.push(chunk),
		});
		while (!chunks.some((chunk) => chunk.type === 'item')) await new Promise((resolve) => setTimeout(resolve, 5));
		const [request] = emulator.requests;
		expect(request.finishedAt).toBeUndefined();
		const cancelledAt = performance.now();
		handle.cancel();
		while (request.finishedAt === undefined) await new Promise((resolve) => setTimeout(resolve, 2));
		const abortMs = performance.now() - cancelledAt;
		await handle.result;
		expect(abortMs).toBeLessThan(100);
		expect(chunks.filter((chunk) => chunk.type === 'item').length).toBeLessThan(5);
	});
});
