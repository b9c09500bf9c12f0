import { abortableSleep } from '../transport/abortableSleep';

/** A Retry-After up to this long is NanoGPT's per-second limit speaking: the pace adapts, nobody else waits. */
export const SHORT_RETRY_AFTER_MS = 2_000;
/** The slowest pace the node falls to when the limit is shared with others. */
export const MIN_REQUESTS_PER_SECOND = 1;
/** Quiet time after a 429 before the pace starts to climb back towards Requests per Second. */
export const PROBE_DELAY_MS = 5_000;
/**
 * How fast the pace climbs back, as a share of Requests per Second: this much per quiet second,
 * and faster the longer it stays quiet (a quadratic term of the same size every two seconds), so a
 * share another client gave up is taken back within seconds, while a share still taken costs only
 * the occasional 429.
 */
export const PROBE_STEP_PER_SECOND = 1 / 25;
/**
 * The pace after a 429 stays this much under the share: at exactly the share, starts a few
 * milliseconds late or early put one start too many into some second, and NanoGPT refuses it.
 */
export const SHARE_MARGIN = 0.985;
/** NanoGPT counts requests per key in a sliding one-second window. */
const LIMIT_WINDOW_MS = 1_000;
/** How long starts are remembered: a 429 may arrive seconds after its request started, and its window is counted then. */
const START_HISTORY_MS = 10_000;
/** A start that came late (a busy event loop) lets the next ones catch up by at most this much. */
const MAX_CATCH_UP_MS = 100;

/**
 * Spaces the starts of one node run's requests (first attempts and retries alike).
 *
 * With a cap (Requests per Second > 0), starts are spaced at the current pace. A 429 tells the
 * node how much of NanoGPT's per-key limit is left for it: the requests NanoGPT admitted from
 * this run in the second before the refused one started. The pace drops to that share at once,
 * but at most by half, and once per second, not once per 429 of a burst. After PROBE_DELAY_MS
 * without a 429 it climbs back towards the cap, so that a share freed by another client is taken
 * up again. Only a Retry-After longer than SHORT_RETRY_AFTER_MS holds back every start.
 * Without a cap there is no pace to adapt: every 429 holds back every start until its Retry-After.
 */
export class RequestPacer {
	/** The slot the last start was booked in: its start time, or earlier when it started late. */
	private lastSlotAt: number | undefined;
	private pausedUntil = 0;
	/** The pace set by the last 429, and when; the current pace climbs from it. */
	private shareRate: number;
	private lastCutAt = -Infinity;
	/** Start times of recent attempts, and of those NanoGPT refused with 429 (oldest first). */
	private recentStarts: number[] = [];
	private recentRejections: number[] = [];
	private queue: Promise<void> = Promise.resolve();

	constructor(
		readonly requestsPerSecond: number,
		private readonly now: () => number = () => Date.now(),
	) {
		this.shareRate = requestsPerSecond;
	}

	/** Requests per second allowed right now (0: no cap). */
	get rate(): number {
		const cap = this.requestsPerSecond;
		if (cap <= 0 || this.shareRate >= cap) return cap;
		const quietSeconds = Math.max(0, this.now() - this.lastCutAt - PROBE_DELAY_MS) / 1000;
		const climb = quietSeconds + (quietSeconds * quietSeconds) / 2;
		return Math.min(cap, this.shareRate + cap * PROBE_STEP_PER_SECOND * climb);
	}

	/** Milliseconds until the next request may start (0: now). */
	delayUntilNextStart(): number {
		const now = this.now();
		const rate = this.rate;
		const paced = rate > 0 && this.lastSlotAt !== undefined ? this.lastSlotAt + 1000 / rate : -Infinity;
		return Math.max(0, paced - now, this.pausedUntil - now);
	}

	/** Books a start now. */
	recordStart(): void {
		const now = this.now();
		const rate = this.rate;
		const due = rate > 0 && this.lastSlotAt !== undefined ? this.lastSlotAt + 1000 / rate : now;
		this.lastSlotAt = Math.min(now, Math.max(due, now - MAX_CATCH_UP_MS));
		// Only a capped pace is cut to a share, so only then are starts counted.
		if (this.requestsPerSecond > 0) this.recentStarts.push(now);
		this.forgetBefore(now - START_HISTORY_MS);
	}

	/**
	 * Waits until a request may start and books it. Callers are served in order; a change of pace
	 * (a 429) applies to those already waiting. Rejects when the signal aborts.
	 */
	async acquire(signal?: AbortSignal): Promise<void> {
		const turn = this.queue.then(async () => {
			for (;;) {
				signal?.throwIfAborted();
				const wait = this.delayUntilNextStart();
				if (wait <= 0) break;
				await abortableSleep(wait, signal);
			}
			this.recordStart();
		});
		// The next caller waits for this turn whether it succeeds or is aborted.
		this.queue = turn.catch(() => undefined);
		await turn;
	}

	/**
	 * A 429 arrived for the attempt that started at `startedAt`; `waitMs` is its Retry-After (or the
	 * backoff when it had none).
	 */
	onRateLimited(waitMs: number, startedAt: number = this.now()): void {
		const now = this.now();
		this.recentRejections.push(startedAt);
		this.recentRejections.sort((a, b) => a - b);
		this.forgetBefore(now - START_HISTORY_MS);
		if (this.requestsPerSecond <= 0 || waitMs > SHORT_RETRY_AFTER_MS) {
			this.pausedUntil = Math.max(this.pausedUntil, now + waitMs);
		}
		if (this.requestsPerSecond > 0 && now - this.lastCutAt >= LIMIT_WINDOW_MS) {
			// What NanoGPT let through from this run in its window is the share of the limit left to it.
			// This run's clock is not NanoGPT's: half a start interval of slack keeps a start at the
			// window's edge in the count. A run that has only just started has no record of its share
			// yet, so a cut at most halves the pace.
			const rate = this.rate;
			const windowStart = startedAt - LIMIT_WINDOW_MS - 500 / rate;
			const inWindow = (time: number) => time > windowStart && time <= startedAt;
			const admitted =
				this.recentStarts.filter(inWindow).length - this.recentRejections.filter(inWindow).length;
			this.shareRate = Math.min(rate, Math.max(MIN_REQUESTS_PER_SECOND, admitted * SHARE_MARGIN, rate / 2));
			this.lastCutAt = now;
		}
	}

	private forgetBefore(time: number): void {
		while (this.recentStarts.length > 0 && this.recentStarts[0] <= time) this.recentStarts.shift();
		while (this.recentRejections.length > 0 && this.recentRejections[0] <= time) this.recentRejections.shift();
	}
}
