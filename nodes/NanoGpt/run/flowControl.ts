import type { AttemptFlow, AttemptOutcome } from '../transport/requestCompletion';
import { InFlightLimit } from './inFlightLimit';
import { RequestPacer } from './requestPacer';
import { RunProgress } from './runProgress';

/** Overload signals for an adaptive bound: the server failed, or did not answer in time. */
function isOverload({ failure }: AttemptOutcome): boolean {
	const status = failure?.details.status;
	return (status !== undefined && status >= 500) || failure?.details.code === 'ETIMEDOUT';
}

/**
 * One node run's flow: the pace of starts, the bound on requests in flight, and the counts for
 * progress lines. Items are started in input order; each takes an in-flight slot, then a start slot.
 */
export class FlowControl implements AttemptFlow {
	readonly pacer: RequestPacer;
	readonly limit: InFlightLimit;
	readonly progress: RunProgress;

	constructor(
		settings: { concurrency: number; requestsPerSecond: number },
		itemCount: number,
		now: () => number = () => Date.now(),
		random: () => number = Math.random,
	) {
		this.pacer = new RequestPacer(settings.requestsPerSecond, now, random);
		this.limit = new InFlightLimit(settings.concurrency, settings.requestsPerSecond, now);
		this.progress = new RunProgress(itemCount, () => this.limit.inFlight, now);
	}

	/**
	 * Runs `task` for each entry, in order of start. Stops starting new entries when `shouldStop`
	 * says so or the signal aborts; always waits for the tasks already started.
	 */
	async runAll<T>(
		entries: readonly T[],
		task: (entry: T) => Promise<void>,
		{ signal, shouldStop }: { signal?: AbortSignal; shouldStop: () => boolean },
	): Promise<void> {
		const running = new Set<Promise<void>>();
		let taskError: unknown;
		for (const entry of entries) {
			if (shouldStop() || !(await this.admit(signal))) break;
			if (shouldStop()) {
				this.limit.release();
				break;
			}
			this.progress.onRequestSent();
			const started: Promise<void> = task(entry)
				.catch((error: unknown) => {
					taskError ??= error;
				})
				.finally(() => {
					running.delete(started);
					this.limit.release();
				});
			running.add(started);
		}
		await Promise.all([...running]);
		// Tasks turn their own failures into output; anything else is a bug worth surfacing.
		if (taskError !== undefined) throw taskError;
	}

	/**
	 * Takes an in-flight slot, then a start slot. False, holding neither, when the execution was
	 * cancelled: the run reports the cancellation once the tasks already started have ended.
	 */
	private async admit(signal?: AbortSignal): Promise<boolean> {
		if (signal?.aborted) return false;
		try {
			await this.limit.acquire(signal);
		} catch {
			return false;
		}
		try {
			await this.pacer.acquire(signal);
			return true;
		} catch {
			this.limit.release();
			return false;
		}
	}

	async beforeRetry(signal?: AbortSignal): Promise<void> {
		this.progress.onRetry();
		await this.pacer.acquire(signal);
		this.progress.onRequestSent();
	}

	afterAttempt(outcome: AttemptOutcome): void {
		const { failure, retryAfterMs, startedAt } = outcome;
		if (!failure) {
			this.limit.onSuccess();
			return;
		}
		if (failure.details.status === 429) {
			this.pacer.onRateLimited(retryAfterMs ?? 0, startedAt);
			if (this.pacer.requestsPerSecond <= 0) this.limit.onOverload();
		} else if (isOverload(outcome)) {
			this.limit.onOverload();
		}
	}
}
