/**
 * Waits on both n8n lines. jest runs this file twice, in n8n-core 2.41 and in n8n-core
 * 1.122 (n8n 1.123; see jest.config.js), where `sleep(ms)` ignores a signal and the abortable wait
 * is `sleepWithAbort`. Each case records the timers n8n-workflow's sleep creates for the node's
 * waits (the stream idle timer, the retry wait, the pacer) and checks that none is still pending
 * once the run is over: every wait ended, or was cut short by the cancel.
 */
import { readFileSync } from 'node:fs';
import * as workflow from 'n8n-workflow';
import { abortableSleep } from '../../nodes/NanoGpt/transport/abortableSleep';
import { emulatorForFile } from '../support/emulatorForFile';
import { timersCreatedDuring, waitFor } from '../support/timers';
import { completeParameters, prompts, runCompletion, startCompletion } from '../node/nodeRun';

jest.setTimeout(30_000);

const emulator = emulatorForFile();

/** The version of the package as this project resolves it (jest.config.js maps the 1.x copies). */
const versionOf = (name: string): string => JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
const completionRequests = () => emulator.requests.filter((request) => request.path.endsWith('/v1/completions'));

test('the node sees the n8n-workflow of the n8n-core it runs in', () => {
	// Proves jest.config.js's mapping: in the 1.x project both are 1.x, and 1.x has sleepWithAbort.
	const core = versionOf('n8n-core');
	const workflowVersion = versionOf('n8n-workflow');
	const major = (version: string) => version.split('.')[0];
	expect(major(workflowVersion)).toBe(major(core));
	expect(typeof (workflow as { sleepWithAbort?: unknown }).sleepWithAbort).toBe(major(core) === '1' ? 'function' : 'undefined');
});

test("abortableSleep, the node's only wait, rejects with the abort's own reason and clears its timer", async () => {
	const controller = new AbortController();
	const reason = new Error('cancelled by the test');
	const { result, timers, pending } = await timersCreatedDuring((ms) => ms === 90_000, async () => {
		const waiting = abortableSleep(90_000, controller.signal).then(
			() => 'resolved',
			(error: unknown) => error,
		);
		controller.abort(reason);
		return await waiting;
	});
	expect(result).toBe(reason);
	expect(timers).toHaveLength(1);
	expect(pending).toHaveLength(0);
});

test('a stream leaves no idle timer behind: one per chunk, each cleared when its chunk arrives', async () => {
	const idleMs = 61_000;
	const { result, timers, pending } = await timersCreatedDuring((ms) => ms === idleMs, () =>
		runCompletion({
			emulator,
			items: prompts(3, 'Stream'),
			parameters: completeParameters({ options: { stream: true }, requestOptions: { streamIdleTimeout: idleMs / 1000 } }),
		}),
	);
	expect(result.error).toBeUndefined();
	expect(result.items).toHaveLength(3);
	// At least one idle timer per item's chunks: the probe did see them.
	expect(timers.length).toBeGreaterThan(3 * 5);
	expect(pending).toHaveLength(0);
});

test('cancelling during a Retry-After wait ends the wait: the run stops and its timer is cleared', async () => {
	const retryAfterS = 50;
	// The node adds a little jitter (RETRY_AFTER_JITTER_MS) to a Retry-After.
	const { result, timers, pending } = await timersCreatedDuring((ms) => ms >= retryAfterS * 1000 && ms <= retryAfterS * 1000 + 1_000, async (seen) => {
		const handle = startCompletion({
			emulator,
			items: [{ prompt: `Limited [[fault:429:${retryAfterS}]]` }],
			parameters: completeParameters({ requestOptions: { maxRetries: 2, requestsPerSecond: 0 } }),
		});
		await waitFor(() => completionRequests().some((request) => request.status === 429));
		// The node is now in its 50 s wait; a wait that ignored the cancel would outlast this test.
		await waitFor(() => seen.length > 0);
		handle.cancel();
		return await handle.result;
	});
	expect(timers).toHaveLength(1);
	expect(pending).toHaveLength(0);
	expect(completionRequests()).toHaveLength(1);
	expect(result.error?.message).toMatch(/cancel/i);
});

test('cancelling during a pacer wait ends the wait: no further request, its timer is cleared', async () => {
	// 0.02 requests per second: 50 s between starts, longer than this test may take.
	const { result, timers, pending } = await timersCreatedDuring((ms) => ms >= 45_000 && ms <= 50_000, async (seen) => {
		const handle = startCompletion({
			emulator,
			items: prompts(2, 'Paced'),
			parameters: completeParameters({ requestOptions: { concurrency: 2, requestsPerSecond: 0.02 } }),
		});
		// The first item is answered; the second waits for its slot, 50 s later.
		await waitFor(() => seen.length > 0 && completionRequests().some((request) => request.status === 200));
		handle.cancel();
		return await handle.result;
	});
	expect(timers).toHaveLength(1);
	expect(pending).toHaveLength(0);
	expect(completionRequests()).toHaveLength(1);
	expect(result.error?.message).toMatch(/cancel/i);
});
