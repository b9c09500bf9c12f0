import * as workflow from 'n8n-workflow';

type SleepWithSignal = (ms: number, signal: AbortSignal) => Promise<void>;

/** Before n8n 1.101 no wait can be aborted: the node waits in steps this long and checks in between. */
export const UNABORTABLE_STEP_MS = 250;

/**
 * n8n-workflow's abortable wait, when this n8n has one: 1.x (from n8n-workflow 1.98, n8n 1.101)
 * exports `sleepWithAbort(ms, signal)` next to a `sleep(ms)` that ignores any signal; 2.x dropped
 * `sleepWithAbort` and gave `sleep` the signal (its second parameter). Older 1.x releases have
 * only `sleep(ms)`. Nodes may not use timers of their own, so these are the only ways to wait.
 */
const sleepWithSignal: SleepWithSignal | undefined =
	(workflow as { sleepWithAbort?: SleepWithSignal }).sleepWithAbort ??
	(workflow.sleep.length >= 2 ? (workflow.sleep as SleepWithSignal) : undefined);

/** Without an abortable wait: short steps, so that an abort ends the wait (and its timer) within one. */
async function waitInSteps(ms: number, signal: AbortSignal): Promise<void> {
	for (let left = ms; left > 0 && !signal.aborted; left -= UNABORTABLE_STEP_MS) {
		await workflow.sleep(Math.min(left, UNABORTABLE_STEP_MS));
	}
	signal.throwIfAborted();
}

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts, clearing the timer, on
 * n8n 1.x and 2.x alike (before n8n 1.101: within UNABORTABLE_STEP_MS). The wait listens on a
 * signal of its own, so that a long-lived signal (the execution's) keeps no listener once the
 * wait is over.
 */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
	signal?.throwIfAborted();
	const wait = new AbortController();
	const stop = () => wait.abort(signal?.reason);
	signal?.addEventListener('abort', stop, { once: true });
	try {
		await (sleepWithSignal ?? waitInSteps)(ms, wait.signal);
	} catch {
		// Only an abort ends the wait early; 1.x rejects with an error of its own, so reject with the
		// signal's reason on both lines.
		signal?.throwIfAborted();
	} finally {
		signal?.removeEventListener('abort', stop);
	}
}
