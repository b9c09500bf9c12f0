import { abortableSleep } from '../transport/abortableSleep';
import { SHORT_RETRY_AFTER_MS } from '../transport/retryPolicy';

/** The slowest pace the node falls to when the limit is shared with others. */
const MIN_REQUESTS_PER_SECOND = 1;
/** NanoGPT counts requests per key in a sliding one-second window. */
const LIMIT_WINDOW_MS = 1_000;
/** A slow pace's share is counted over at least this many of its own starts, not over the two or three of one second. */
const SHARE_SAMPLE_STARTS = 8;
/**
 * The pace after a 429 stays this much under the share NanoGPT admitted: at exactly the share, starts
 * a few milliseconds late or early put one start too many into some second, and NanoGPT refuses it.
 */
const SHARE_MARGIN = 0.985;
/**
 * While others use the key, a run also gives back this part of its share for each whole cap it holds:
 * a run holding more gives back more, so runs that started at different times converge on equal shares.
 */
const SHARE_GIVE_BACK = 0.1;
/** A run that held more than all the others together moves this part of the way down to what they held. */
const LARGEST_SHARE_STEP = 0.25;
/** Fewer requests than this that others seem to have held may be this run's clock not being NanoGPT's. */
const OTHERS_NOISE = 2;
/**
 * A slow run is cut less: a sliding window lets in whoever asks first once a request ages out, so a run
 * that asks seldom is refused more often than its share says. A run keeps at least 1 - this times its
 * part of the cap of its pace (at a tenth of the cap, 90% of it).
 */
const SLOW_RUN_CUT = 1;
/** Quiet time after a 429 before the pace climbs back towards Requests per Second. */
const PROBE_DELAY_MS = 7_000;
/**
 * The climb after PROBE_DELAY_MS: the cap times this times the cube of the seconds since. Slow at first,
 * so that probing a key that is still full costs about one 429; steep after a few seconds, so that a share
 * another run freed is taken back (at a cap of 23: +0.2 after 1 s, +1.8 after 2 s, +6.2 after 3 s, +14.7 after 4 s).
 */
const PROBE_CLIMB = 0.01;
/** A run refused in its first second with at most one request let in resumes at this part of its cap. */
const JOIN_SHARE = 1 / 8;
/** How long starts are remembered: a 429 may arrive seconds after its request started, and its window is counted then. */
const START_HISTORY_MS = 10_000;
/** A start that came late (a busy event loop) lets the next ones catch up by at most this much. */
const MAX_CATCH_UP_MS = 100;

/**
 * Spaces the starts of one node run's requests (first attempts and retries alike), and shares NanoGPT's
 * per-key limit with every other client of the key (workflows, n8n instances, queue workers) from what
 * this run alone sees: its own starts, and which of them NanoGPT answered with 429.
 *
 * With a cap (Requests per Second > 0), starts are spaced at the current pace:
 * - Alone under the limit, at the cap.
 * - A 429 in the run's first second (before it has a second of its own history) means the key's window
 *   filled as it started: runs started together, or a key already in use. The run holds its starts
 *   until that second is over and resumes at the share it was let in (JOIN_SHARE of the cap when it got
 *   at most one request in), at a random point of its first interval, so that runs started together
 *   do not keep refusing each other.
 * - Later 429s cut the pace, at most once a second, to the share NanoGPT admitted from this run in the
 *   window before the refused start, less SHARE_MARGIN. While others use the key (the run was let in
 *   more before), it also gives back SHARE_GIVE_BACK in proportion to its share, and a run that held
 *   more than all the others together moves LARGEST_SHARE_STEP of the way down to what they held.
 *   Never by more than half, and a slow run less (SLOW_RUN_CUT).
 * - After PROBE_DELAY_MS without a 429 the pace climbs back towards the cap (PROBE_CLIMB), so that a
 *   share another client gave up is taken up again.
 * A Retry-After longer than SHORT_RETRY_AFTER_MS holds back every start. Without a cap there is no pace
 * to adapt: every 429 holds back every start until its Retry-After.
 */
export class RequestPacer {
	/** The slot the last start was booked in: its start time, or earlier when it started late. */
	private lastSlotAt: number | undefined;
	private pausedUntil = 0;
	/** The pace set by the last cut, and when; the current pace climbs from it. */
	private shareRate: number;
	private lastCutAt = -Infinity;
	private firstStartAt: number | undefined;
	/** The most requests NanoGPT let in from this run in one window: the limit as far as this run knows it. */
	private largestWindow = 0;
	/** Start times of recent attempts, and of those NanoGPT refused with 429 (oldest first). */
	private recentStarts: number[] = [];
	private recentRejections: number[] = [];
	private queue: Promise<void> = Promise.resolve();

	constructor(
		readonly requestsPerSecond: number,
		private readonly now: () => number = () => Date.now(),
		private readonly random: () => number = Math.random,
	) {
		this.shareRate = requestsPerSecond;
	}

	/** Requests per second allowed right now (0: no cap). */
	get rate(): number {
		const cap = this.requestsPerSecond;
		if (cap <= 0 || this.shareRate >= cap) return cap;
		const climbSeconds = Math.max(0, this.now() - this.lastCutAt - PROBE_DELAY_MS) / 1000;
		return Math.min(cap, this.shareRate + cap * PROBE_CLIMB * climbSeconds ** 3);
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
		// After a hold the pace starts afresh: no catch-up for the slots the hold skipped.
		this.lastSlotAt = Math.min(now, Math.max(due, now - MAX_CATCH_UP_MS, this.pausedUntil));
		this.firstStartAt ??= now;
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
		const cap = this.requestsPerSecond;
		this.recentRejections.push(startedAt);
		this.recentRejections.sort((a, b) => a - b);
		this.forgetBefore(now - START_HISTORY_MS);
		if (cap <= 0 || waitMs > SHORT_RETRY_AFTER_MS) this.pausedUntil = Math.max(this.pausedUntil, now + waitMs);
		if (cap <= 0 || now - this.lastCutAt < LIMIT_WINDOW_MS) return;
		const rate = this.rate;
		this.largestWindow = Math.max(this.largestWindow, this.largestAdmittedWindow());
		const admitted = this.admittedShare(startedAt, rate);
		if (this.firstStartAt !== undefined && startedAt - this.firstStartAt < LIMIT_WINDOW_MS) {
			this.shareRate = Math.min(rate, Math.max(MIN_REQUESTS_PER_SECOND, admitted * SHARE_MARGIN, admitted <= 1 ? cap * JOIN_SHARE : 0));
			// Runs started together are let in in the same burst: each resumes one pace interval after the
			// second is over, at a random point of it, so that they do not ask again all at once.
			this.pausedUntil = Math.max(this.pausedUntil, this.firstStartAt + LIMIT_WINDOW_MS + (this.random() * 1000) / this.shareRate);
			this.lastCutAt = this.pausedUntil;
			return;
		}
		this.shareRate = this.cutShare(admitted, rate);
		this.lastCutAt = now;
	}

	/** The pace after a 429, from the share NanoGPT let in from this run. */
	private cutShare(admitted: number, rate: number): number {
		const cap = this.requestsPerSecond;
		let share = admitted * SHARE_MARGIN;
		// What the others held in the window: the limit as far as this run has seen it, less its own share.
		// A run that was once let in at its whole cap knows the limit is above it, so any share it lost is
		// others'; otherwise a request or two may be this run's clock not being NanoGPT's.
		const others = this.largestWindow - admitted;
		if (others >= (this.largestWindow >= cap ? 0.5 : OTHERS_NOISE)) {
			share *= 1 - (SHARE_GIVE_BACK * admitted) / cap;
			// Holding more than all the others together is more than an equal split, however many they are.
			if (admitted > others) share = Math.min(share, admitted - (admitted - others) * LARGEST_SHARE_STEP);
		}
		const slowRunFloor = rate * (1 - (SLOW_RUN_CUT * rate) / cap);
		return Math.min(rate, Math.max(MIN_REQUESTS_PER_SECOND, share, rate / 2, slowRunFloor));
	}

	/**
	 * Requests per second NanoGPT let in from this run before the refused start: over the second before it
	 * (with half a start interval of slack, since this run's clock is not NanoGPT's), or over the last
	 * SHARE_SAMPLE_STARTS starts when that is longer, since a slow pace has only two or three in a second.
	 */
	private admittedShare(startedAt: number, rate: number): number {
		const before = this.recentStarts.filter((time) => time <= startedAt);
		const earliest = before[Math.max(0, before.length - SHARE_SAMPLE_STARTS)];
		const spanMs = Math.max(LIMIT_WINDOW_MS, earliest === undefined ? 0 : startedAt - earliest);
		const from = startedAt - spanMs - 500 / rate;
		const inSpan = (time: number) => time > from && time <= startedAt;
		const admitted = this.recentStarts.filter(inSpan).length - this.recentRejections.filter(inSpan).length;
		return (admitted * LIMIT_WINDOW_MS) / spanMs;
	}

	/** The most starts NanoGPT let in from this run in any one window of the remembered starts. */
	private largestAdmittedWindow(): number {
		const refused = new Set(this.recentRejections);
		const admitted = this.recentStarts.filter((time) => !refused.has(time));
		let largest = 0;
		for (let last = 0, first = 0; last < admitted.length; last++) {
			while (admitted[last] - admitted[first] >= LIMIT_WINDOW_MS) first++;
			largest = Math.max(largest, last - first + 1);
		}
		return largest;
	}

	private forgetBefore(time: number): void {
		while (this.recentStarts.length > 0 && this.recentStarts[0] <= time) this.recentStarts.shift();
		while (this.recentRejections.length > 0 && this.recentRejections[0] <= time) this.recentRejections.shift();
	}
}
