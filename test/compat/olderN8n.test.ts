/**
 * The README's per-feature minimums (Compatibility), checked in the n8n-core of an older
 * n8n release. `npm run test:compat` (scripts/compat.js) runs this file and the fault matrix once
 * per release, with NANOGPT_COMPAT_N8N naming the release and jest.config.js resolving
 * `n8n-core` and `n8n-workflow` (the node's imports included) to that release's copies.
 *
 * Each feature is checked on its side of the minimum: at or above it the feature works; below it
 * the node still loads and completes items without it. Only the case that applies is registered.
 */
import { readFileSync } from 'node:fs';
import type { StructuredChunk } from 'n8n-workflow';
import * as workflow from 'n8n-workflow';
import { NanoGpt } from '../../nodes/NanoGpt/NanoGpt.node';
import { completionTextFor } from '../support/emulator';
import { emulatorForFile } from '../support/emulatorForFile';
import { MODEL, completeParameters, prompts, runCompletion, startCompletion } from '../node/nodeRun';
import { timersCreatedDuring, waitFor } from '../support/timers';
import { UNABORTABLE_STEP_MS } from '../../nodes/NanoGpt/transport/abortableSleep';

jest.setTimeout(30_000);

/** The minimums the README states, as n8n releases. */
const MINIMUM = {
	/** NodeConnectionTypes (n8n-workflow 1.83); before it the node uses the plain 'main'. */
	connectionTypes: '1.85.0',
	/** isStreaming and sendChunk(type, itemIndex, content) (n8n-workflow 1.100). */
	streamToCaller: '1.103.0',
};

const release = process.env.NANOGPT_COMPAT_N8N ?? '';
const parts = (version: string) => version.split('.').map(Number);
function atLeast(minimum: string): boolean {
	const [a, b] = [parts(release), parts(minimum)];
	for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
	return true;
}

const emulator = emulatorForFile();

const completionRequests = () => emulator.requests.filter((request) => request.path.endsWith('/v1/completions'));

test('runs against the release it names', () => {
	expect(release).toMatch(/^\d+\.\d+\.\d+$/);
	const major = (version: string) => version.split('.')[0];
	const core = JSON.parse(readFileSync(require.resolve('n8n-core/package.json'), 'utf8')).version;
	expect(major(core)).toBe(major(release));
});

test(`the node loads, with main input and output${atLeast(MINIMUM.connectionTypes) ? '' : ' (no NodeConnectionTypes in this n8n)'}`, () => {
	expect(typeof (workflow as { NodeConnectionTypes?: unknown }).NodeConnectionTypes).toBe(
		atLeast(MINIMUM.connectionTypes) ? 'object' : 'undefined',
	);
	const { description } = new NanoGpt();
	expect(description.inputs).toEqual(['main']);
	expect(description.outputs).toEqual(['main']);
});

test('cancelling aborts the requests in flight and starts no new ones', async () => {
	const handle = startCompletion({
		emulator,
		items: prompts(6, 'Hang [[fault:hang]]'),
		parameters: completeParameters({ requestOptions: { concurrency: 2, requestsPerSecond: 0 } }),
	});
	await waitFor(() => emulator.stats.inFlight === 2);
	handle.cancel();
	await waitFor(() => completionRequests().every((request) => request.finishedAt !== undefined));
	await handle.result;
	expect(completionRequests()).toHaveLength(2);
});

test('Retry On Fail sends no answered row again (the memo keyed on getExecuteData), and a failed row leaves by the error output', async () => {
	const rows = prompts(4).map((row, index) => (index === 0 ? { prompt: `${row.prompt} [[fault:400]]` } : row));
	const { outputs, error } = await runCompletion({
		emulator,
		items: rows,
		parameters: completeParameters({ requestOptions: { maxRetries: 0, requestsPerSecond: 0 } }),
		nodeSettings: { onError: 'continueErrorOutput', retryOnFail: true, maxTries: 2, waitBetweenTries: 1 },
	});
	expect(error).toBeUndefined();
	// The failed first row twice (n8n ran the node again for it), every other row once.
	expect(completionRequests()).toHaveLength(5);
	expect(outputs[0].map((item) => item.pairedItem)).toEqual([1, 2, 3].map((item) => ({ item })));
	expect(outputs[1]).toHaveLength(1);
	expect(outputs[1][0].json).toMatchObject({ prompt: rows[0].prompt, error: { message: 'NanoGPT returned 400: Bad Request', httpCode: '400' } });
});

// Every release: from n8n 1.101 with n8n's abortable wait, before it in steps of UNABORTABLE_STEP_MS.
const abortableWait = 'sleepWithAbort' in workflow || workflow.sleep.length >= 2;
test(`a cancel cuts a Retry-After wait short: no further request, no timer left${abortableWait ? '' : ' (waiting in short steps: no abortable wait in this n8n)'}`, async () => {
	const retryAfterMs = 50_000;
	// The whole wait as one timer (a Retry-After plus a little jitter), or the steps of one.
	const isWaitTimer = (ms: number) => (ms >= retryAfterMs && ms <= retryAfterMs + 1_000) || ms === UNABORTABLE_STEP_MS;
	const { result, timers } = await timersCreatedDuring(isWaitTimer, async (seen) => {
		const handle = startCompletion({
			emulator,
			items: [{ prompt: `Limited [[fault:429:${retryAfterMs / 1000}]]` }],
			parameters: completeParameters({ requestOptions: { maxRetries: 2, requestsPerSecond: 0 } }),
		});
		// The node is now in its 50 s wait.
		await waitFor(() => seen.length > 0);
		handle.cancel();
		return await handle.result;
	});
	expect(result.error?.message).toMatch(/cancel/i);
	// n8n ends the execution at once; the node's wait ends with it, at the latest after one step.
	await new Promise((resolve) => setTimeout(resolve, 2 * UNABORTABLE_STEP_MS));
	expect(timers.filter((timer) => !timer._destroyed)).toHaveLength(0);
	expect(completionRequests()).toHaveLength(1);
});

test('a stream leaves no idle timer behind once its run is over', async () => {
	const idleMs = 61_000;
	const { result, timers } = await timersCreatedDuring(
		(ms) => ms === idleMs || ms === UNABORTABLE_STEP_MS,
		async () =>
			await runCompletion({
				emulator,
				items: prompts(3, 'Stream'),
				parameters: completeParameters({ options: { stream: true }, requestOptions: { streamIdleTimeout: idleMs / 1000 } }),
			}),
	);
	expect(result.error).toBeUndefined();
	expect(result.items).toHaveLength(3);
	expect(timers.length).toBeGreaterThanOrEqual(3);
	// Each chunk ends its idle wait: at once with an abortable wait, else within one step.
	await new Promise((resolve) => setTimeout(resolve, 2 * UNABORTABLE_STEP_MS));
	expect(timers.filter((timer) => !timer._destroyed)).toHaveLength(0);
});

test('a wait that is not cancelled runs its course: a Retry-After of 1 s is waited out, then retried', async () => {
	const { items, error } = await runCompletion({
		emulator,
		items: [{ prompt: 'Limited once [[fault:429:1x1]]' }],
		parameters: completeParameters({ requestOptions: { maxRetries: 2, requestsPerSecond: 0 } }),
	});
	expect(error).toBeUndefined();
	expect(items[0].json.attempts).toBe(2);
	expect(completionRequests().map((request) => request.status)).toEqual([429, 200]);
});

const streamedItems = prompts(2, 'Chat');
async function streamedRun() {
	const chunks: StructuredChunk[] = [];
	const result = await runCompletion({
		emulator,
		items: streamedItems,
		parameters: completeParameters({ options: { stream: true } }),
		onChunk: (chunk) => void chunks.push(chunk),
	});
	expect(result.error).toBeUndefined();
	result.items.forEach((item, index) =>
		expect(item.json.text).toBe(completionTextFor({ model: MODEL, prompt: streamedItems[index].prompt, stream: true }).text),
	);
	return { chunks, items: result.items };
}

if (atLeast(MINIMUM.streamToCaller)) {
	test('streams each item to the caller: begin, its text in item chunks, end', async () => {
		const { chunks, items } = await streamedRun();
		items.forEach((item, index) => {
			const mine = chunks.filter((chunk) => chunk.metadata.itemIndex === index);
			expect(mine[0].type).toBe('begin');
			expect(mine[mine.length - 1].type).toBe('end');
			expect(mine.slice(1, -1).map((chunk) => chunk.content).join('')).toBe(item.json.text);
		});
	});
} else {
	test('below the streaming minimum, a streamed completion is read whole and nothing is sent as chunks', async () => {
		const { chunks } = await streamedRun();
		expect(chunks).toEqual([]);
	});
}
