import { reportedCost, type TokenUsage, type UsageDetail } from '../output/billedFields';
import type { CompletionPricing } from '../transport/completionApi';

/** Usage details the summary line adds up when NanoGPT reported them, with their words. */
const SUMMARY_DETAILS: Array<[UsageDetail, string]> = [
	['cachedTokens', 'cached'],
	['reasoningTokens', 'reasoning'],
	['cacheReadInputTokens', 'cache read'],
	['cacheCreationInputTokens', 'cache write'],
	['numSearchQueries', 'search queries'],
];

/** Runs with more items than this log progress lines and a summary at info level. */
export const PROGRESS_MIN_ITEMS = 100;
/** Least time between two progress lines. */
export const PROGRESS_INTERVAL_MS = 10_000;

export function duration(ms: number): string {
	const seconds = Math.round(ms / 1000);
	if (seconds < 60) return `${seconds} s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
	return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const perSecond = (count: number, ms: number) => (ms > 0 ? (count * 1000) / ms : 0);

/**
 * Counts one node run (requests sent, retries, items done and failed, tokens and reported cost)
 * and words the progress and summary lines. It only ever sees counts: never a prompt, a
 * completion or the key. Nodes cannot use timers, so a line is due when an item completes and
 * PROGRESS_INTERVAL_MS have passed since the last one.
 */
export class RunProgress {
	private requests = 0;
	private retries = 0;
	private done = 0;
	private failed = 0;
	private readonly tokens = { prompt: 0, completion: 0, total: 0 };
	private readonly details = new Map<UsageDetail, number>();
	private readonly costs = new Map<string, number>();
	private readonly startedAt: number;
	private lastLine: { at: number; requests: number; done: number };
	/** Max Spend per Run, when one is set: the summary gives the spend against it. */
	spendLimit: { describe(): string } | undefined;

	constructor(
		private readonly total: number,
		private readonly inFlight: () => number,
		private readonly now: () => number = () => Date.now(),
	) {
		this.startedAt = now();
		this.lastLine = { at: this.startedAt, requests: 0, done: 0 };
	}

	/** Whether this run is long enough for progress lines and an info-level summary. */
	get isLongRun(): boolean {
		return this.total > PROGRESS_MIN_ITEMS;
	}

	onRequestSent(): void {
		this.requests++;
	}

	onRetry(): void {
		this.retries++;
	}

	/** A request NanoGPT answered with a completion, and so billed; `pricing` is its x_nanogpt_pricing. */
	onBilled(usage: TokenUsage | null, pricing: CompletionPricing | undefined): void {
		this.tokens.prompt += usage?.promptTokens ?? 0;
		this.tokens.completion += usage?.completionTokens ?? 0;
		this.tokens.total += usage?.totalTokens ?? 0;
		for (const [detail] of SUMMARY_DETAILS) {
			const count = usage?.[detail];
			if (typeof count === 'number') this.details.set(detail, (this.details.get(detail) ?? 0) + count);
		}
		const cost = reportedCost(pricing);
		if (cost && typeof cost.amount === 'number') {
			const currency = cost.currency ?? 'USD';
			this.costs.set(currency, (this.costs.get(currency) ?? 0) + cost.amount);
		}
	}

	/** An item has its output; returns a progress line when one is due. */
	onItemDone(failed: boolean): string | undefined {
		this.done++;
		if (failed) this.failed++;
		const now = this.now();
		if (!this.isLongRun || this.done === this.total || now - this.lastLine.at < PROGRESS_INTERVAL_MS) return undefined;
		const elapsed = now - this.lastLine.at;
		const requestRate = perSecond(this.requests - this.lastLine.requests, elapsed);
		const itemRate = perSecond(this.done - this.lastLine.done, elapsed);
		const left = this.total - this.done;
		const eta = itemRate > 0 ? `about ${duration((left / itemRate) * 1000)} left` : 'time left unknown';
		this.lastLine = { at: now, requests: this.requests, done: this.done };
		return (
			`NanoGPT progress: ${this.done} of ${this.total} items done, ${requestRate.toFixed(1)} req/s, ` +
			`${this.inFlight()} in flight, ${this.retries} retries, ${this.failed} failed, ${eta}`
		);
	}

	summary(): string {
		const wall = this.now() - this.startedAt;
		const cost =
			this.costs.size === 0
				? 'no cost reported'
				: `reported cost ${[...this.costs].map(([currency, amount]) => `${Number(amount.toFixed(6))} ${currency}`).join(' + ')}`;
		const details = SUMMARY_DETAILS.filter(([detail]) => this.details.has(detail))
			.map(([detail, words]) => `${this.details.get(detail)} ${words}`)
			.join(', ');
		return (
			`NanoGPT run finished: ${this.total} items, ${this.failed} failed, in ${duration(wall)}; ` +
			`${this.requests} requests sent (${this.retries} retries), ${perSecond(this.requests, wall).toFixed(1)} req/s; ` +
			`tokens ${this.tokens.prompt} prompt + ${this.tokens.completion} completion = ${this.tokens.total}` +
			`${details ? ` (${details})` : ''}; ${cost}` +
			(this.spendLimit ? `; ${this.spendLimit.describe()}` : '')
		);
	}
}
