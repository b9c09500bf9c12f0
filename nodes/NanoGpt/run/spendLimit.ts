import type { RunStopReason } from './stopReasons';

export const MAX_SPEND_PARAMETER = 'Request Options > Max Spend per Run';
/** Requests in flight while no cost is known yet: the first answer tells what one costs. */
export const LEARNING_IN_FLIGHT = 1;
/** Sums of binary fractions drift: amounts closer than this (USD) count as equal. */
const TOLERANCE_USD = 1e-9;

/** What a node run has spent, shared by the tries of Retry On Fail (see ExecutionMemo). */
export interface SpendTally {
	/** USD NanoGPT reported: completions plus moderation checks. */
	spentUsd: number;
	/** Completions with a cost in USD, and what they cost together. */
	costedCompletions: number;
	costedCompletionsUsd: number;
	/** Completions NanoGPT reported no cost (or no cost in USD) for. */
	uncostedCompletions: number;
}

export function newSpendTally(): SpendTally {
	return { spentUsd: 0, costedCompletions: 0, costedCompletionsUsd: 0, uncostedCompletions: 0 };
}

/** An amount in USD with at least 4 decimals and at most 6: `0.0100`, `0.000125`. */
export function usd(amount: number): string {
	const [whole, decimals = ''] = amount.toFixed(6).replace(/0+$/, '').split('.');
	return `${whole}.${decimals.padEnd(4, '0')}`;
}

/**
 * Max Spend per Run. Counts what NanoGPT reports a run costs and decides when a request may
 * start: while a limit is set, no more requests are in flight than the budget left pays for at the
 * mean cost per completion so far (LEARNING_IN_FLIGHT until the first cost is known). Once the
 * reported cost reaches the limit, or the budget left would not pay for one more completion, it
 * calls `onReached` with the reason the run stops. When completions come back without a cost in
 * USD and none had one, the limit cannot act: requests start as if no limit were set.
 */
export class SpendLimit {
	private waiters: Array<() => void> = [];

	constructor(
		readonly limitUsd: number,
		private readonly inFlight: () => number,
		private readonly onReached: (reason: RunStopReason) => void,
		private readonly tally: SpendTally = newSpendTally(),
	) {}

	get spentUsd(): number {
		return this.tally.spentUsd;
	}

	/** The mean reported cost of a completion so far, once one is known. */
	get meanCompletionUsd(): number | undefined {
		const { costedCompletions, costedCompletionsUsd } = this.tally;
		return costedCompletions > 0 ? costedCompletionsUsd / costedCompletions : undefined;
	}

	/** True when completions came back and none had a cost in USD: the limit cannot act. */
	get blind(): boolean {
		return this.tally.costedCompletions === 0 && this.tally.uncostedCompletions > 0;
	}

	/**
	 * A completion NanoGPT answered (and billed); `costUsd` undefined when it reported no cost in
	 * USD. `moderationUsd`: its prompt's moderation check, counted with it so that a stop names both.
	 */
	onCompletion(costUsd: number | undefined, moderationUsd = 0): void {
		this.tally.spentUsd += moderationUsd;
		if (costUsd === undefined) this.tally.uncostedCompletions++;
		else {
			this.tally.costedCompletions++;
			this.tally.costedCompletionsUsd += costUsd;
			this.tally.spentUsd += costUsd;
		}
		this.afterChange();
	}

	/** A charge beside completions: the moderation check of a prompt, refused or not. */
	onCharge(costUsd: number): void {
		this.tally.spentUsd += costUsd;
		this.afterChange();
	}

	/** A request ended (answered or failed): a slot of the budget may be free again. */
	onRequestDone(): void {
		this.wakeWaiters();
	}

	/**
	 * Resolves true when a request may start, false when the run stops for the limit (onReached
	 * was called). Waits while the budget left is taken by the requests in flight; rejects when the
	 * signal aborts.
	 */
	async admit(signal: AbortSignal): Promise<boolean> {
		for (;;) {
			signal.throwIfAborted();
			const reason = this.reachedReason(true);
			if (reason) {
				this.onReached(reason);
				return false;
			}
			if (this.inFlight() < this.allowedInFlight()) return true;
			await this.nextChange(signal);
		}
	}

	/** How many requests may be in flight now. */
	allowedInFlight(): number {
		if (this.blind) return Infinity;
		const mean = this.meanCompletionUsd;
		if (mean === undefined) return LEARNING_IN_FLIGHT;
		if (mean <= 0) return Infinity;
		return Math.max(0, Math.floor((this.limitUsd - this.tally.spentUsd + TOLERANCE_USD) / mean));
	}

	/** The spend against the limit, for the run summary line. */
	describe(): string {
		const { costedCompletions, uncostedCompletions } = this.tally;
		if (this.blind) {
			return `Max Spend per Run ${this.limitUsd} USD could not act: NanoGPT reported no cost in USD for the ${uncostedCompletions} completion${uncostedCompletions === 1 ? '' : 's'}`;
		}
		const unknown = uncostedCompletions > 0 ? ` (${uncostedCompletions} of ${costedCompletions + uncostedCompletions} completions without a cost in USD, not counted)` : '';
		return `Max Spend per Run: ${usd(this.tally.spentUsd)} USD spent of the ${this.limitUsd} USD limit${unknown}`;
	}

	/**
	 * Why the run stops for the limit, if it does: the spend reached it, or (`atStart`: a request is
	 * about to start and none is in flight) the budget left would not pay for one more completion.
	 */
	private reachedReason(atStart: boolean): RunStopReason | undefined {
		const spent = this.tally.spentUsd;
		const spentOfLimit = `${usd(spent)} USD spent of the ${this.limitUsd} USD limit`;
		const description = `The run stopped sending when the cost NanoGPT reported for it reached ${MAX_SPEND_PARAMETER}. Completions already answered are kept; raise the limit, or run the rows that failed this way again in a later run.`;
		if (spent >= this.limitUsd - TOLERANCE_USD) {
			return { message: `Max Spend per Run reached: ${spentOfLimit}.`, description };
		}
		const mean = this.meanCompletionUsd;
		if (atStart && !this.blind && mean !== undefined && this.inFlight() === 0 && this.allowedInFlight() < 1) {
			return {
				message: `Max Spend per Run reached: ${spentOfLimit}; the ${usd(this.limitUsd - spent)} USD left would not pay for another completion (${usd(mean)} USD each so far).`,
				description,
			};
		}
		return undefined;
	}

	private afterChange(): void {
		const reason = this.reachedReason(false);
		if (reason) this.onReached(reason);
		this.wakeWaiters();
	}

	private async nextChange(signal: AbortSignal): Promise<void> {
		await new Promise<void>((resolve, reject) => {
			const onAbort = () => {
				this.waiters = this.waiters.filter((waiter) => waiter !== wake);
				reject(signal.reason);
			};
			const wake = () => {
				signal.removeEventListener('abort', onAbort);
				resolve();
			};
			this.waiters.push(wake);
			signal.addEventListener('abort', onAbort, { once: true });
		});
	}

	private wakeWaiters(): void {
		const woken = this.waiters;
		this.waiters = [];
		for (const wake of woken) wake();
	}
}
