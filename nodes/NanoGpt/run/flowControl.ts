import { abortableSleep } from '../transport/abortableSleep';
import type { AttemptFlow, AttemptOutcome } from '../transport/requestCompletion';
import { InFlightLimit } from './inFlightLimit';
import { RequestPacer } from './requestPacer';
import { RunProgress } from './runProgress';
import type { SpendLimit } from './spendLimit';
import { RunStopped, type RunStopReason } from './stopReasons';

/** Overload signals for an adaptive bound: the server failed, or did not answer in time. */
function isOverload({ failure }: AttemptOutcome): boolean {
	const status = failure?.details.status;
	return (status !== undefined && status >= 500) || failure?.details.code === 'ETIMEDOUT';
}

/**
 * One node run's flow: the pace of starts, the bound on requests in flight, and the counts for
 * progress lines. Items are started in input order; each takes an in-flight slot, then a start slot.
 *
 * `stop(reason)` ends the run's sending for good: no item starts any more, no retry or resend is
 * sent (their waits end at once with RunStopped), and requests in flight finish normally. `runAll`
 * returns the entries it never started, for the run to fail with the reason.
 */
export class FlowControl implements AttemptFlow {
	readonly pacer: RequestPacer;
	readonly limit: InFlightLimit;
	readonly progress: RunProgress;
	/** Max Spend per Run, when one is set: it gates every start (see limitSpend). */
	private spend: SpendLimit | undefined;
	private stopReason: RunStopReason | undefined;
	private readonly stopping = new AbortController();

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

	/** Puts the run under a spending limit: each item starts only when the limit admits it. */
	limitSpend(spend: SpendLimit): void {
		this.spend = spend;
		this.progress.spendLimit = spend;
	}

	/** Stops the run's sending with this reason; a later stop keeps the first reason. */
	stop(reason: RunStopReason): void {
		if (this.stopReason) return;
		this.stopReason = reason;
		this.stopping.abort();
	}

	/** The reason the run stopped, once it has. */
	get stopped(): RunStopReason | undefined {
		return this.stopReason;
	}

	/**
	 * Runs `task` for each entry, in order of start. Stops starting new entries when `shouldStop`
	 * says so, the run is stopped or the signal aborts; always waits for the tasks already started.
	 * Resolves with the entries never started.
	 */
	async runAll<T>(
		entries: readonly T[],
		task: (entry: T) => Promise<void>,
		{ signal, shouldStop }: { signal?: AbortSignal; shouldStop: () => boolean },
	): Promise<T[]> {
		const running = new Set<Promise<void>>();
		let taskError: unknown;
		let startedCount = 0;
		for (const entry of entries) {
			if (shouldStop() || this.stopReason || !(await this.admit(signal))) break;
			if (shouldStop() || this.stopReason) {
				this.limit.release();
				break;
			}
			startedCount++;
			this.progress.onRequestSent();
			const started: Promise<void> = task(entry)
				.catch((error: unknown) => {
					taskError ??= error;
				})
				.finally(() => {
					running.delete(started);
					this.limit.release();
					this.spend?.onRequestDone();
				});
			running.add(started);
		}
		await Promise.all([...running]);
		// Tasks turn their own failures into output; anything else is a bug worth surfacing.
		if (taskError !== undefined) throw taskError;
		return entries.slice(startedCount);
	}

	/**
	 * Waits for the spending limit's leave, then takes an in-flight slot, then a start slot. False,
	 * holding neither, when the execution was cancelled or the run stopped: the run reports either
	 * once the tasks already started have ended.
	 */
	private async admit(signal?: AbortSignal): Promise<boolean> {
		if (signal?.aborted || this.stopReason) return false;
		const spend = this.spend;
		if (spend) {
			let admitted = false;
			try {
				await this.untilStopped(async (waitSignal) => {
					admitted = await spend.admit(waitSignal);
				}, signal);
			} catch {
				return false;
			}
			if (!admitted || this.stopReason) return false;
		}
		try {
			await this.untilStopped(async (waitSignal) => await this.limit.acquire(waitSignal), signal);
		} catch {
			return false;
		}
		try {
			await this.untilStopped(async (waitSignal) => await this.pacer.acquire(waitSignal), signal);
			return true;
		} catch {
			this.limit.release();
			return false;
		}
	}

	/**
	 * Waits `waitMs` (Retry-After or backoff), then for a start slot for a retry or resend. Rejects
	 * with the signal's reason when the execution is cancelled, and with RunStopped at once when the
	 * run stops.
	 */
	async beforeRetry(signal?: AbortSignal, waitMs = 0): Promise<void> {
		if (waitMs > 0) await this.untilStopped(async (waitSignal) => await abortableSleep(waitMs, waitSignal), signal);
		this.progress.onRetry();
		await this.untilStopped(async (waitSignal) => await this.pacer.acquire(waitSignal), signal);
		this.progress.onRequestSent();
	}

	/**
	 * Runs a wait that ends when the signal aborts or the run stops, whichever comes first: rejects
	 * with the signal's reason for a cancel, with RunStopped for a stop.
	 */
	private async untilStopped(wait: (signal: AbortSignal) => Promise<void>, signal?: AbortSignal): Promise<void> {
		const either = new AbortController();
		const abort = () => either.abort();
		signal?.addEventListener('abort', abort, { once: true });
		this.stopping.signal.addEventListener('abort', abort, { once: true });
		const failed = await Promise.resolve()
			.then(async () => {
				signal?.throwIfAborted();
				this.throwIfStopped();
				await wait(either.signal);
			})
			.then(
				() => undefined,
				(error: unknown) => ({ error }),
			);
		signal?.removeEventListener('abort', abort);
		this.stopping.signal.removeEventListener('abort', abort);
		if (!failed) return;
		signal?.throwIfAborted();
		this.throwIfStopped();
		throw failed.error;
	}

	private throwIfStopped(): void {
		if (this.stopReason) throw new RunStopped(this.stopReason);
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
