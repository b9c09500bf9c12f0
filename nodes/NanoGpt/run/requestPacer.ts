import { sleep } from 'n8n-workflow';

/**
 * Spaces request starts across one node execution: at most `requestsPerSecond`
 * (0 = no cap), and after a 429 nobody starts until its Retry-After has passed; the pace
 * then recovers step by step to a little below the pace that met the 429.
 */
export class RequestPacer {
	private nextStartAt = 0;
	private pausedUntil = 0;
	private currentRate: number;
	/** The pace it recovers to: a little below the one that last met a 429. */
	private ceiling: number;

	constructor(
		private readonly requestsPerSecond: number,
		private readonly now: () => number = () => Date.now(),
	) {
		this.currentRate = requestsPerSecond;
		this.ceiling = requestsPerSecond;
	}

	get rate(): number {
		return this.currentRate;
	}

	/** Books the next start slot and returns how long to wait for it. */
	reserve(): number {
		const now = this.now();
		const start = Math.max(now, this.nextStartAt, this.pausedUntil);
		if (this.currentRate > 0) this.nextStartAt = start + 1000 / this.currentRate;
		return start - now;
	}

	/** Waits for a start slot; rejects when the signal aborts. */
	async acquire(signal?: AbortSignal): Promise<void> {
		for (;;) {
			const wait = this.reserve();
			if (wait <= 0) return;
			await sleep(wait, signal);
			signal?.throwIfAborted();
			if (this.now() >= this.pausedUntil) return;
		}
	}

	/**
	 * A 429 arrived: hold every start until `waitMs` from now and slow the pace, once per pause:
	 * the requests already in flight that get 429s in the same burst do not slow it again.
	 */
	onRateLimited(waitMs: number): void {
		const now = this.now();
		const alreadyPaused = now < this.pausedUntil;
		this.pausedUntil = Math.max(this.pausedUntil, now + waitMs);
		if (this.requestsPerSecond > 0 && !alreadyPaused) {
			const floor = this.requestsPerSecond / 4;
			this.ceiling = Math.max(floor, this.currentRate * 0.92);
			this.currentRate = Math.max(floor, this.ceiling * 0.8);
		}
	}

	onSuccess(): void {
		if (this.currentRate < this.ceiling) {
			this.currentRate = Math.min(this.ceiling, this.currentRate + this.requestsPerSecond / 20);
		}
	}
}
