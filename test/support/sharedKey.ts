/**
 * The figures of several node runs on one NanoGPT key, from the requests NanoGPT saw: one
 * definition for the unit tests on a virtual clock, `npm run bench` and the real-n8n e2e case.
 *
 * A run is active from its first to its last admitted start (the span the steady rate is measured
 * on). Times are milliseconds on any one clock.
 */

export interface RunRequests {
	/** Start times (ms) of the run's attempts that NanoGPT admitted. */
	admitted: number[];
	/** Start times (ms) of those it refused with 429. */
	rejected: number[];
}

export interface SharedKeyFigures {
	/** Attempts of all runs, and those refused with 429. */
	sent: number;
	rejected: number;
	rejectedShare: number;
	/** The same counts for the attempts started while at least two runs were active. */
	whileShared: { sent: number; rejected: number; rejectedShare: number };
	/** How long at least two runs were active (each from its first to its last admitted start). */
	sharedMs: number;
	/** Admitted requests per second of all runs together over that time. */
	together: number;
	/** How long all runs were active at once, and each run's admitted requests per second then. */
	allActiveMs: number;
	rates: number[];
	/** The mean of `rates`, and each run's rate as a share of it. */
	fairShare: number;
	shareOfFair: number[];
	/**
	 * The run active last, how long it went on after every other run's last start, and when after
	 * that its admitted starts in a 1 s window first reached 0.9 of its cap (undefined: never).
	 */
	tail: { run: number; ms: number; recoveryMs?: number };
}

/** A time range [from, to] in ms. */
type Span = [number, number];

const WINDOW_MS = 1000;
const RECOVERY_STEP_MS = 100;

/** Time ranges in which at least `least` of the spans overlap, as [from, to] pairs. */
function overlapping(spans: Span[], least: number): Span[] {
	const edges = spans.flatMap(([from, to]): Array<[number, number]> => [
		[from, 1],
		[to, -1],
	]);
	edges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
	const ranges: Span[] = [];
	let active = 0;
	let since: number | undefined;
	for (const [at, change] of edges) {
		active += change;
		if (active >= least && since === undefined) since = at;
		if (active < least && since !== undefined) {
			if (at > since) ranges.push([since, at]);
			since = undefined;
		}
	}
	return ranges;
}

const within = (ranges: Span[], time: number): boolean => ranges.some(([from, to]) => time >= from && time <= to);
const measure = (ranges: Span[]): number => ranges.reduce((sum, [from, to]) => sum + (to - from), 0);

/**
 * `runs`: the start times of each run's attempts that NanoGPT admitted, and of those it refused
 * with 429; `cap`: the Requests per Second of each run.
 */
export function sharedKeyFigures(runs: RunRequests[], { cap }: { cap: number }): SharedKeyFigures {
	const sorted = runs.map(({ admitted, rejected }) => ({
		admitted: [...admitted].sort((a, b) => a - b),
		rejected: [...rejected].sort((a, b) => a - b),
	}));
	const spans = sorted.map(({ admitted }): Span => [admitted[0], admitted[admitted.length - 1]]);
	const allAdmitted = sorted.flatMap(({ admitted }) => admitted);
	const sent = allAdmitted.length + sorted.reduce((sum, { rejected }) => sum + rejected.length, 0);

	// Together: every run's admitted starts while at least two runs were active.
	const shared = overlapping(spans, Math.min(2, runs.length));
	const sharedMs = measure(shared);
	const together = sharedMs > 0 ? (allAdmitted.filter((time) => within(shared, time)).length * 1000) / sharedMs : NaN;

	// The 429 share while at least two runs were active: a run's time alone has no 429s to dilute it.
	const sharedRejected = sorted.reduce((sum, { rejected }) => sum + rejected.filter((time) => within(shared, time)).length, 0);
	const sharedSent = allAdmitted.filter((time) => within(shared, time)).length + sharedRejected;

	// Each run's share while all of them were active, against an equal split of what they got together.
	const [allFrom, allTo] = [Math.max(...spans.map(([from]) => from)), Math.min(...spans.map(([, to]) => to))];
	const allMs = allTo - allFrom;
	const rates = sorted.map(({ admitted }) =>
		allMs > 0 ? (admitted.filter((time) => time >= allFrom && time <= allTo).length * 1000) / allMs : NaN,
	);
	const fairShare = rates.reduce((sum, rate) => sum + rate, 0) / runs.length;
	const shareOfFair = rates.map((rate) => rate / fairShare);

	// The tail: the run still starting requests after every other run's last start.
	const last = spans.reduce((latest, span, index) => (span[1] > spans[latest][1] ? index : latest), 0);
	const othersDone = Math.max(...spans.filter((_, index) => index !== last).map(([, to]) => to));
	const lone = sorted[last].admitted.filter((time) => time > othersDone);
	const tailMs = spans[last][1] - othersDone;
	let recoveryMs: number | undefined;
	for (let from = othersDone; from + WINDOW_MS <= spans[last][1] && runs.length > 1; from += RECOVERY_STEP_MS) {
		const inWindow = lone.filter((time) => time >= from && time < from + WINDOW_MS).length;
		if (inWindow >= 0.9 * cap) {
			recoveryMs = from - othersDone;
			break;
		}
	}
	return {
		sent,
		rejected: sent - allAdmitted.length,
		rejectedShare: sent > 0 ? (sent - allAdmitted.length) / sent : 0,
		whileShared: { sent: sharedSent, rejected: sharedRejected, rejectedShare: sharedSent > 0 ? sharedRejected / sharedSent : 0 },
		sharedMs,
		together,
		allActiveMs: allMs,
		rates,
		fairShare,
		shareOfFair,
		tail: { run: last, ms: tailMs, recoveryMs },
	};
}

/**
 * Admitted starts per run in consecutive windows of `stepMs`, as requests per second: the rate of
 * each run over time, for the plot beside the benchmark.
 */
export function ratesOverTime(
	runs: RunRequests[],
	{ from, to, stepMs = 1000 }: { from: number; to: number; stepMs?: number },
): { times: number[]; rates: number[][] } {
	const times: number[] = [];
	for (let at = from; at < to; at += stepMs) times.push(at);
	return {
		times: times.map((at) => at - from),
		rates: runs.map(({ admitted }) =>
			times.map((at) => (admitted.filter((time) => time >= at && time < at + stepMs).length * 1000) / stepMs),
		),
	};
}
