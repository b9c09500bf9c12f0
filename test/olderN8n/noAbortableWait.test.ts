/**
 * A fallback for n8n releases older than the ones npm test installs, run in the n8n-core that npm
 * test installs (2.41 and, in the n8n 1.x project, 1.122) with only the API those releases lack
 * taken away, for this file alone (jest gives each test file its own modules):
 * before n8n 1.101, n8n-workflow has no abortable wait (no `sleepWithAbort`, and a `sleep(ms)`
 * without a signal), so the node waits in steps of 0.25 s and checks for a cancel between them.
 * `npm run test:compat` checks the same in the n8n-core of 1.82.3 and 1.85.4.
 */
import * as nodeRun from '../node/nodeRun';
import { emulatorForFile } from '../support/emulatorForFile';
import { timersCreatedDuring, waitFor } from '../support/timers';

jest.mock('n8n-workflow', () => {
	const actual = jest.requireActual('n8n-workflow');
	// n8n-workflow as before 1.98: no sleepWithAbort, and a sleep that takes no signal.
	return { ...actual, sleepWithAbort: undefined, sleep: (ms: number) => actual.sleep(ms) };
});

jest.setTimeout(30_000);

/** Before n8n 1.101 the node waits in steps this long (transport/abortableSleep.ts). */
const STEP_MS = 250;

const emulator = emulatorForFile();

const completionRequests = () => emulator.requests.filter((request) => request.path.endsWith('/v1/completions'));

test('a Retry-After of 1 s is waited out in steps, then retried', async () => {
	// The steps, or one timer for the whole wait (1 s plus at most 0.25 s of jitter).
	const { result, timers } = await timersCreatedDuring(
		(ms) => ms === STEP_MS || (ms >= 1000 && ms <= 1250),
		async () =>
			await nodeRun.runCompletion({
				emulator,
				items: [{ prompt: 'Limited once [[fault:429:1x1]]' }],
				parameters: nodeRun.completeParameters({ requestOptions: { maxRetries: 2, requestsPerSecond: 0 } }),
			}),
	);
	expect(result.error).toBeUndefined();
	expect(result.items[0].json.attempts).toBe(2);
	expect(completionRequests().map((request) => request.status)).toEqual([429, 200]);
	// At least a second, in 0.25 s steps: never one timer for the whole wait.
	const delays = timers.map((timer) => timer._idleTimeout);
	expect(delays.filter((ms) => ms === STEP_MS).length).toBeGreaterThanOrEqual(4);
	expect(delays.filter((ms) => ms !== STEP_MS)).toEqual([]);
});

test('a cancel ends a 50 s Retry-After wait within one step: no further request, no timer left', async () => {
	// The steps, or one timer for the whole wait (50 s plus at most 0.25 s of jitter).
	const { result, timers } = await timersCreatedDuring(
		(ms) => ms === STEP_MS || (ms >= 50_000 && ms <= 50_250),
		async (seen) => {
			const handle = nodeRun.startCompletion({
				emulator,
				items: [{ prompt: 'Limited [[fault:429:50]]' }],
				parameters: nodeRun.completeParameters({ requestOptions: { maxRetries: 2, requestsPerSecond: 0 } }),
			});
			await waitFor(() => seen.length > 0);
			handle.cancel();
			return await handle.result;
		},
	);
	expect(result.error?.message).toMatch(/cancel/i);
	await new Promise((resolve) => setTimeout(resolve, 2 * STEP_MS));
	expect(timers.map((timer) => timer._idleTimeout).filter((ms) => ms !== STEP_MS)).toEqual([]);
	expect(timers.filter((timer) => !timer._destroyed)).toHaveLength(0);
	expect(completionRequests()).toHaveLength(1);
});
