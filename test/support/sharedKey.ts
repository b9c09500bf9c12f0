'use strict';
/**
 * The figures of several node runs on one NanoGPT key, from the requests NanoGPT saw: one
 * definition for the unit tests on a virtual clock, `npm run bench` and the real-n8n e2e case.
 *
 * A run is active from its first to its last admitted start (the span the steady rate is measured
 * on). Times are milliseconds on any one clock.
 */

const WINDOW_MS = 1000;
const RECOVERY_STEP_MS = 100;

/** Time ranges in which at least `least` of the spans overlap, as [from, to] pairs. */
function overlapping(spans, least) {
	const edges = spans.flatMap(([from, to]) => [
		[from, 1],
		[to, -1],
	]);
	edges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
	const ranges = [];
	let active = 0;
	let since;
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

const within = (ranges, time) => ranges.some(([from, to]) => time >= from && time <= to);
const measure = (ranges) => ranges.reduce((sum, [from, to]) => sum + (to - from), 0);

/**
 * @param {Array<{admitted: number[], rejected: number[]}>} runs start times of each run's
 *   attempts that NanoGPT admitted, and of those it refused with 429
 * @param {{cap: number}} options the Requests per Second of each run
 */
function sharedKeyFigures(runs, { cap }) {
	const sorted = runs.map(({ admitted, rejected }) => ({
		admitted: [...admitted].sort((a, b) => a - b),
		rejected: [...rejected].sort((a, b) => a - b),
	}));
	const spans = sorted.map(({ admitted }) => [admitted[0], admitted[admitted.length - 1]]);
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
	let recoveryMs;
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
function ratesOverTime(runs, { from, to, stepMs = 1000 }) {
	const times = [];
	for (let at = from; at < to; at += stepMs) times.push(at);
	return {
		times: times.map((at) => at - from),
		rates: runs.map(({ admitted }) =>
			times.map((at) => (admitted.filter((time) => time >= at && time < at + stepMs).length * 1000) / stepMs),
		),
	};
}

module.exports = { sharedKeyFigures, ratesOverTime };
