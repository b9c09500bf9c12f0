/**
 * A discrete-event simulation of node runs against NanoGPT's per-key limit, on a virtual clock.
 *
 * Each client is one node run: its FlowControl (the node's own pacer and in-flight bound, given
 * the virtual clock) decides when attempts start, exactly as `FlowControl.runAll` and the
 * transport use it: an item takes an in-flight slot, then a start slot; a 429 reaches
 * `afterAttempt` and the item retries after Retry-After through `beforeRetry`'s start slot.
 * The server admits at most `limitPerSecond` starts in any sliding second (as the emulator does)
 * and answers a 429 with Retry-After after `rttMs`, a completion after `latencyMs`.
 */
import { FlowControl } from '../../nodes/NanoGpt/run/flowControl';
import { CompletionFailure } from '../../nodes/NanoGpt/transport/completionFailure';

export interface SimulatedClient {
	items: number;
	concurrency?: number;
	requestsPerSecond?: number;
	/** Virtual time at which this run starts. */
	startAt?: number;
	maxRetries?: number;
}

export interface SimulationOptions {
	clients: SimulatedClient[];
	limitPerSecond: number;
	latencyMs: number | ((attempt: { client: number; item: number }) => number);
	retryAfterMs?: number;
	rttMs?: number;
	/** Answer with this status instead of a completion, for the attempts it picks. */
	failWith?: (attempt: { client: number; item: number; attempt: number; at: number }) => number | undefined;
}

export interface ClientResult {
	flow: FlowControl;
	/** Virtual start times of attempts NanoGPT admitted, and of those it refused with 429. */
	admitted: number[];
	rejected: number[];
	completed: number;
	failed: number;
	maxInFlight: number;
	/** The lowest the in-flight bound went. */
	minLimit: number;
	/** Items in the order they completed or failed. */
	finishOrder: number[];
}

interface Attempt {
	client: number;
	item: number;
	attempt: number;
	startedAt?: number;
}

export function simulate(options: SimulationOptions): { clients: ClientResult[]; endedAt: number } {
	const retryAfterMs = options.retryAfterMs ?? 1000;
	const rttMs = options.rttMs ?? 1;
	let now = 0;
	const clock = () => now;
	const events: Array<{ at: number; seq: number; run: () => void }> = [];
	let seq = 0;
	const at = (time: number, run: () => void) => {
		events.push({ at: time, seq: seq++, run });
	};
	const serverWindow: number[] = [];

	const clients = options.clients.map((spec, clientIndex) => {
		const flow = new FlowControl(
			{ concurrency: spec.concurrency ?? 0, requestsPerSecond: spec.requestsPerSecond ?? 23 },
			spec.items,
			clock,
		);
		const state = {
			spec,
			flow,
			result: { flow, admitted: [], rejected: [], completed: 0, failed: 0, maxInFlight: 0, minLimit: flow.limit.limit, finishOrder: [] } as ClientResult,
			nextItem: 0,
			ready: [] as Attempt[],
			wakeAt: Infinity,
			started: false,
		};
		const finish = (item: number, failed: boolean) => {
			flow.limit.release();
			if (failed) state.result.failed++;
			else state.result.completed++;
			state.result.finishOrder.push(item);
			pump();
		};
		const start = (next: Attempt) => {
			flow.pacer.recordStart();
			const attempt = { ...next, startedAt: now };
			serverWindow.splice(0, serverWindow.length, ...serverWindow.filter((time) => now - time < 1000));
			if (serverWindow.length >= options.limitPerSecond) {
				state.result.rejected.push(now);
				at(now + rttMs, () => answerFailure(attempt, 429));
				return;
			}
			serverWindow.push(now);
			state.result.admitted.push(now);
			const status = options.failWith?.({ client: attempt.client, item: attempt.item, attempt: attempt.attempt, at: now });
			const latency =
				typeof options.latencyMs === 'function' ? options.latencyMs(attempt) : options.latencyMs;
			if (status !== undefined) {
				at(now + rttMs, () => answerFailure(attempt, status));
				return;
			}
			at(now + latency, () => {
				flow.afterAttempt({ startedAt: attempt.startedAt });
				finish(attempt.item, false);
			});
		};
		const answerFailure = (attempt: Attempt, status: number) => {
			const failure = new CompletionFailure({ status, apiMessage: String(status), retryable: true });
			const wait = status === 429 ? retryAfterMs : 500;
			flow.afterAttempt({ failure, startedAt: attempt.startedAt ?? now, retryAfterMs: wait });
			state.result.minLimit = Math.min(state.result.minLimit, flow.limit.limit);
			if (attempt.attempt > (spec.maxRetries ?? 3)) {
				finish(attempt.item, true);
				return;
			}
			at(now + wait, () => {
				flow.progress.onRetry();
				state.ready.push({ ...attempt, attempt: attempt.attempt + 1 });
				pump();
			});
		};
		/** What runAll and beforeRetry do: fill the bound with new items, start attempts when the pace allows. */
		const pump = () => {
			if (!state.started) return;
			for (;;) {
				if (state.ready.length === 0 && state.nextItem < spec.items && flow.limit.tryAcquire()) {
					state.ready.push({ client: clientIndex, item: state.nextItem++, attempt: 1 });
				}
				state.result.maxInFlight = Math.max(state.result.maxInFlight, flow.limit.inFlight);
				if (state.ready.length === 0) return;
				const delay = flow.pacer.delayUntilNextStart();
				if (delay > 0) {
					const wakeAt = now + delay;
					if (wakeAt < state.wakeAt || state.wakeAt <= now) {
						state.wakeAt = wakeAt;
						at(wakeAt, pump);
					}
					return;
				}
				start(state.ready.shift() as Attempt);
			}
		};
		at(spec.startAt ?? 0, () => {
			state.started = true;
			pump();
		});
		return state;
	});

	while (events.length > 0) {
		events.sort((a, b) => a.at - b.at || a.seq - b.seq);
		const event = events.shift() as (typeof events)[number];
		now = event.at;
		event.run();
		if (now > 3_600_000) throw new Error('simulation ran past one virtual hour');
	}
	return { clients: clients.map((client) => client.result), endedAt: now };
}

/** Starts per second between the first and the last admitted start. */
export function steadyRate(starts: number[]): number {
	const sorted = [...starts].sort((a, b) => a - b);
	const span = sorted[sorted.length - 1] - sorted[0];
	return span > 0 ? ((sorted.length - 1) * 1000) / span : 0;
}
