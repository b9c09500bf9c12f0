/** Concurrency 0: the node chooses the bound. */
export const AUTO_CONCURRENCY = 0;
/** Auto with a rate cap: room for 23 requests per second at about 22 s per completion. */
export const AUTO_MAX_IN_FLIGHT = 512;
/** Auto without a rate cap (Requests per Second 0): nothing paces the starts, so the bound does. */
export const AUTO_IN_FLIGHT_WITHOUT_CAP = 32;
/** Auto never cuts the bound below this. */
export const AUTO_MIN_IN_FLIGHT = 4;
/** An overload signal cuts the bound to this share of the requests in flight when it came. */
export const OVERLOAD_CUT = 0.75;
/** At most one cut per this many milliseconds: the answers of one overload burst count once. */
const CUT_INTERVAL_MS = 1_000;

/**
 * Bounds the requests in flight (attempts started and not yet answered, including their retry waits).
 *
 * An explicit Concurrency is a fixed, hard ceiling. Auto (0) starts at its ceiling
 * (AUTO_MAX_IN_FLIGHT with a rate cap, AUTO_IN_FLIGHT_WITHOUT_CAP without one), so the pace,
 * not the bound, sets the throughput. When NanoGPT says it is overloaded (a 5xx answer or a timeout;
 * without a rate cap also a 429), Auto cuts the bound to OVERLOAD_CUT of the requests in flight,
 * at most once a second; each success raises it by one again, up to the ceiling.
 */
export class InFlightLimit {
	readonly ceiling: number;
	readonly adaptive: boolean;
	private currentLimit: number;
	private running = 0;
	private highest = 0;
	private lastCutAt = -Infinity;
	private waiters: Array<() => void> = [];

	constructor(
		concurrency: number,
		requestsPerSecond: number,
		private readonly now: () => number = () => Date.now(),
	) {
		this.adaptive = concurrency === AUTO_CONCURRENCY;
		this.ceiling = this.adaptive
			? requestsPerSecond > 0
				? AUTO_MAX_IN_FLIGHT
				: AUTO_IN_FLIGHT_WITHOUT_CAP
			: concurrency;
		this.currentLimit = this.ceiling;
	}

	get limit(): number {
		return this.currentLimit;
	}

	get inFlight(): number {
		return this.running;
	}

	get maxInFlight(): number {
		return this.highest;
	}

	/** Takes a slot when one is free. */
	tryAcquire(): boolean {
		if (this.running >= this.currentLimit) return false;
		this.running++;
		this.highest = Math.max(this.highest, this.running);
		return true;
	}

	/** Waits for a free slot and takes it; rejects when the signal aborts. */
	async acquire(signal?: AbortSignal): Promise<void> {
		while (!this.tryAcquire()) {
			signal?.throwIfAborted();
			await new Promise<void>((resolve, reject) => {
				const onAbort = () => {
					this.waiters = this.waiters.filter((waiter) => waiter !== wake);
					reject(signal?.reason);
				};
				const wake = () => {
					signal?.removeEventListener('abort', onAbort);
					resolve();
				};
				this.waiters.push(wake);
				signal?.addEventListener('abort', onAbort, { once: true });
			});
		}
	}

	release(): void {
		this.running--;
		this.wakeWaiters();
	}

	/** NanoGPT answered 5xx, timed out, or (for a bound without a pace) said 429. */
	onOverload(): void {
		const now = this.now();
		if (!this.adaptive || now - this.lastCutAt < CUT_INTERVAL_MS) return;
		this.lastCutAt = now;
		this.currentLimit = Math.max(AUTO_MIN_IN_FLIGHT, Math.min(this.currentLimit, Math.floor(this.running * OVERLOAD_CUT)));
	}

	onSuccess(): void {
		if (!this.adaptive || this.currentLimit >= this.ceiling) return;
		this.currentLimit++;
		this.wakeWaiters();
	}

	/** Wakes every waiter; each tries for a slot again and waits anew when there is none. */
	private wakeWaiters(): void {
		if (this.waiters.length === 0 || this.running >= this.currentLimit) return;
		const woken = this.waiters;
		this.waiters = [];
		for (const wake of woken) wake();
	}
}
