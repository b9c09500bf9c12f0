/**
 * A discrete-event simulation of node runs against NanoGPT's per-key limit, on a virtual clock.
 *
 * Each client is one node run: its FlowControl (the node's own pacer and in-flight bound, given
 * the virtual clock) decides when attempts start, exactly as `FlowControl.runAll` and the
 * transport use it: an item takes an in-flight slot, then a start slot; a 429 reaches
 * `afterAttempt` and the item retries after Retry-After through `beforeRetry`'s start slot.
 * The server admits at most `limitPerSecond` starts in any sliding second (as the emulator does)
 * and answers a 429 with Retry-After after `rttMs`, a completion after `latencyMs`.
 *
 * With `noise`, the clock behaves like a busy machine's: a paced start wakes up to `lateMs` late,
 * a request takes up to `networkMs` to reach NanoGPT and its 429 as long to come back, and a retry
 * waits Retry-After plus the transport's own jitter; the draws come from a seeded generator, so a
 * run is the same every time.
 */
import { FlowControl } from '../../nodes/NanoGpt/run/flowControl';
import { CompletionFailure } from '../../nodes/NanoGpt/transport/completionFailure';
import { MAX_RATE_LIMIT_RETRIES, isPerSecondRefusal, retryDelay } from '../../nodes/NanoGpt/transport/retryPolicy';

export interface SimulatedClient {
	items: number;
	concurrency?: number;
	requestsPerSecond?: number;
	/** Virtual time at which this run starts. */
	startAt?: number;
	maxRetries?: number;
}

export interface SimulationNoise {
	seed: number;
	/** Most a paced start wakes late. */
	lateMs: number;
	/** Most a request takes to reach NanoGPT, and a 429 to come back. */
	networkMs: number;
}

export interface SimulationOptions {
	clients: SimulatedClient[];
	limitPerSecond: number;
	latencyMs: number | ((attempt: { client: number; item: number }) => number);
	retryAfterMs?: number;
	rttMs?: number;
	noise?: SimulationNoise;
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
	/** Retries so far counted against Max Retries, and those after the per-second limit pushed back. */
	retries: number;
	rateLimitRetries: number;
	startedAt?: number;
}

/** A small seeded generator (mulberry32): the same draws for the same seed. */
function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
		mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
		return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
	};
}

/** Events by time, those at the same time in the order they were scheduled (a binary heap). */
class EventQueue {
	private heap: Array<{ at: number; seq: number; run: () => void }> = [];
	private seq = 0;

	push(at: number, run: () => void): void {
		const heap = this.heap;
		heap.push({ at, seq: this.seq++, run });
		for (let index = heap.length - 1; index > 0; ) {
			const parent = (index - 1) >> 1;
			if (!this.before(index, parent)) break;
			[heap[index], heap[parent]] = [heap[parent], heap[index]];
			index = parent;
		}
	}

	pop(): { at: number; run: () => void } | undefined {
		const heap = this.heap;
		const first = heap[0];
		const last = heap.pop();
		if (heap.length > 0 && last !== undefined) {
			heap[0] = last;
			for (let index = 0; ; ) {
				const [left, right] = [2 * index + 1, 2 * index + 2];
				let smallest = index;
				if (left < heap.length && this.before(left, smallest)) smallest = left;
				if (right < heap.length && this.before(right, smallest)) smallest = right;
				if (smallest === index) break;
				[heap[index], heap[smallest]] = [heap[smallest], heap[index]];
				index = smallest;
			}
		}
		return first;
	}

	private before(a: number, b: number): boolean {
		const [x, y] = [this.heap[a], this.heap[b]];
		return x.at < y.at || (x.at === y.at && x.seq < y.seq);
	}
}

export function simulate(options: SimulationOptions): { clients: ClientResult[]; endedAt: number } {
	const retryAfterMs = options.retryAfterMs ?? 1000;
	const rttMs = options.rttMs ?? 1;
	const noise = options.noise;
	const random = noise ? seededRandom(noise.seed) : () => 0;
	const late = () => (noise ? random() * noise.lateMs : 0);
	const network = () => (noise ? random() * noise.networkMs : 0);
	let now = 0;
	const clock = () => now;
	const events = new EventQueue();
	const at = (time: number, run: () => void) => events.push(time, run);
	const serverWindow: number[] = [];

	const clients = options.clients.map((spec, clientIndex) => {
		const flow = new FlowControl(
			{ concurrency: spec.concurrency ?? 0, requestsPerSecond: spec.requestsPerSecond ?? 23 },
			spec.items,
			clock,
			seededRandom((noise?.seed ?? 0) * 1000 + clientIndex + 1),
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
		/** NanoGPT receives the attempt: admitted while its sliding second has room, else 429. */
		const arrive = (attempt: Attempt) => {
			serverWindow.splice(0, serverWindow.length, ...serverWindow.filter((time) => now - time < 1000));
			if (serverWindow.length >= options.limitPerSecond) {
				state.result.rejected.push(now);
				at(now + rttMs + network(), () => answerFailure(attempt, 429));
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
				flow.afterAttempt({ startedAt: attempt.startedAt as number });
				finish(attempt.item, false);
			});
		};
		const start = (next: Attempt) => {
			flow.pacer.recordStart();
			const attempt = { ...next, startedAt: now };
			const delay = network();
			if (delay > 0) at(now + delay, () => arrive(attempt));
			else arrive(attempt);
		};
		const answerFailure = (attempt: Attempt, status: number) => {
			const failure = new CompletionFailure({ status, apiMessage: String(status), retryable: true });
			const wait = status === 429 ? (noise ? retryDelay(retryAfterMs, attempt.attempt, random) : retryAfterMs) : 500;
			flow.afterAttempt({ failure, startedAt: attempt.startedAt ?? now, retryAfterMs: wait });
			state.result.minLimit = Math.min(state.result.minLimit, flow.limit.limit);
			// As the transport counts them: a short Retry-After has its own budget, not Max Retries.
			const perSecond = isPerSecondRefusal(status, status === 429 ? retryAfterMs : undefined);
			const retries = attempt.retries + (perSecond ? 0 : 1);
			const rateLimitRetries = attempt.rateLimitRetries + (perSecond ? 1 : 0);
			if (retries > (spec.maxRetries ?? 3) || rateLimitRetries > MAX_RATE_LIMIT_RETRIES) {
				finish(attempt.item, true);
				return;
			}
			at(now + wait, () => {
				flow.progress.onRetry();
				state.ready.push({ ...attempt, attempt: attempt.attempt + 1, retries, rateLimitRetries });
				pump();
			});
		};
		/** What runAll and beforeRetry do: fill the bound with new items, start attempts when the pace allows. */
		const pump = () => {
			if (!state.started) return;
			for (;;) {
				if (state.ready.length === 0 && state.nextItem < spec.items && flow.limit.tryAcquire()) {
					state.ready.push({ client: clientIndex, item: state.nextItem++, attempt: 1, retries: 0, rateLimitRetries: 0 });
				}
				state.result.maxInFlight = Math.max(state.result.maxInFlight, flow.limit.inFlight);
				if (state.ready.length === 0) return;
				const delay = flow.pacer.delayUntilNextStart();
				if (delay > 0) {
					const wakeAt = now + delay;
					if (wakeAt < state.wakeAt || state.wakeAt <= now) {
						state.wakeAt = wakeAt;
						at(wakeAt + late(), pump);
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

	for (let event = events.pop(); event !== undefined; event = events.pop()) {
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
