import * as workflow from 'n8n-workflow';

type SleepWithSignal = (ms: number, signal: AbortSignal) => Promise<void>;

/**
 * n8n-workflow's abortable wait, whichever this n8n has: 1.x (from n8n-workflow 1.98, n8n 1.101)
 * exports `sleepWithAbort(ms, signal)` next to a `sleep(ms)` that ignores any signal; 2.x dropped
 * `sleepWithAbort` and gave `sleep` the signal. Older 1.x releases have neither, and there a wait
 * runs its course. Nodes may not use timers of their own, so this is the only way to wait.
 */
const sleepWithSignal: SleepWithSignal =
	(workflow as { sleepWithAbort?: SleepWithSignal }).sleepWithAbort ?? (workflow.sleep as SleepWithSignal);

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts, clearing the timer, on
 * n8n 1.x and 2.x alike. The wait listens on a signal of its own, so that a long-lived signal
 * (the execution's) keeps no listener once the wait is over.
 */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
	signal?.throwIfAborted();
	const wait = new AbortController();
	const stop = () => wait.abort(signal?.reason);
	signal?.addEventListener('abort', stop, { once: true });
	try {
		await sleepWithSignal(ms, wait.signal);
	} catch {
		// Only an abort ends the wait early; 1.x rejects with an error of its own, so reject with the
		// signal's reason on both lines.
		signal?.throwIfAborted();
	} finally {
		signal?.removeEventListener('abort', stop);
	}
}
