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
	) {
		this.pacer = new RequestPacer(settings.requestsPerSecond, now);
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
		try {
			for (const entry of entries) {
				if (shouldStop() || signal?.aborted) break;
				await this.limit.acquire(signal);
				try {
					await this.pacer.acquire(signal);
				} catch (error) {
					this.limit.release();
					throw error;
				}
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
		} catch (error) {
			// Only an abort gets here: the run reports the cancellation once the started tasks end.
			if (!signal?.aborted) throw error;
		} finally {
			await Promise.all([...running]);
		}
		// Tasks turn their own failures into output; anything else is a bug worth surfacing.
		if (taskError !== undefined) throw taskError;
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
