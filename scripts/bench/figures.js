'use strict';
// The targets the report checks, and the figures both the measuring and the report derive from raw measurements.

const TARGETS = {
	floorRatio: 1.15,
	poolRatio: 1.1,
	targetConcurrency: 16,
	minRps: 22,
	rateLimit: 25,
	// Section 4: the steady rate at every latency as a share of the default cap; runs on one key.
	steadyShareOfCap: 0.9,
	sharedShareOfLimit: 0.9,
	sharedMaxRejected: 0.05,
	sharedFairFactor: 2,
	sharedRecoverShareOfCap: 0.9,
	sharedRecoverMs: 10_000,
	memoryGrowthMb: 200,
};

/** NanoGPT's limit as the emulator enforces it in sections 2 and 4: 429 + `Retry-After: 1` beyond it. */
const NANOGPT_LIMIT = { requestsPerSecond: TARGETS.rateLimit, retryAfterSeconds: 1 };

/** Admitted (200) requests per second between the first and the last admitted start. */
function steadyRate({ okCount, firstOk, lastOk }) {
	return lastOk > firstOk ? (okCount - 1) / ((lastOk - firstOk) / 1000) : NaN;
}

/** Run names in section 4's rows of runs on one key. */
const RUN_NAMES = 'ABCDEFGHIJKLMNOP'.split('');

/** The figures of a row of runs on one key, from the start times the emulator saw (test/support/sharedKey.ts). */
function sharedFigures(row) {
	const { sharedKeyFigures } = require('../../test/support/sharedKey.ts');
	const runs = row.runResults.map((r) => {
		const mine = row.emulator.perPrefix[r.prefix] ?? {};
		return { admitted: mine.okTimes ?? [], rejected: mine.rejectedTimes ?? [] };
	});
	return sharedKeyFigures(runs, { cap: row.cap });
}

/** Which of the targets a row of runs on one key missed (none: all met). */
function sharedMisses(row) {
	const f = row.figures;
	const misses = [];
	if (!(f.together >= TARGETS.sharedShareOfLimit * TARGETS.rateLimit)) misses.push('rate together');
	if (Math.max(f.rejectedShare, f.whileShared.rejectedShare) > TARGETS.sharedMaxRejected) misses.push('429 share');
	if (row.runResults.some((r) => r.check.failed > 0 || !r.check.ordered)) misses.push('rows lost or out of order');
	if (f.shareOfFair.some((share) => !(share >= 1 / TARGETS.sharedFairFactor && share <= TARGETS.sharedFairFactor))) misses.push('fair share');
	if (!(f.tail.recoveryMs <= TARGETS.sharedRecoverMs)) misses.push('recovery');
	return misses;
}

module.exports = { TARGETS, NANOGPT_LIMIT, RUN_NAMES, steadyRate, sharedFigures, sharedMisses };
