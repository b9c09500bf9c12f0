import { sleep } from 'n8n-workflow';

/**
 * Spaces request starts across one node execution: at most `requestsPerSecond`
 * (0 = no cap), and after a 429 nobody starts until its Retry-After has passed,
 * with the pace slowed and then recovering step by step.
 */
export class RequestPacer {
	private nextStartAt = 0;
	private pausedUntil = 0;
	private currentRate: number;

	constructor(
		private readonly requestsPerSecond: number,
		private readonly now: () => number = () => Date.now(),
	) {
		this.currentRate = requestsPerSecond;
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
			this.currentRate = Math.max(this.requestsPerSecond / 4, this.currentRate * 0.8);
		}
	}

	onSuccess(): void {
		if (this.requestsPerSecond > 0 && this.currentRate < this.requestsPerSecond) {
			this.currentRate = Math.min(this.requestsPerSecond, this.currentRate + this.requestsPerSecond / 20);
		}
	}
}
