'use strict';
/*
 * The totals of a jest run, from jest's --json results: "N passed, M failed, K skipped".
 * A skipped, todo or disabled test did not run, so it is a gap, not a pass: the run fails
 * (exit 1) and CI counts K with the failures.
 */

const NOT_RUN = new Set(['pending', 'skipped', 'todo', 'disabled']);

/**
 * @param {any} results jest's --json output, or undefined when jest wrote none
 * @param {number | null} jestStatus jest's exit status
 * @param {string} root the repo root, to show test files relative to it
 * @returns {{passed: number, failed: number, skipped: string[], line: string, exitCode: number}}
 */
function jestTotals(results, jestStatus, root) {
	let passed = 0;
	let failed = 0;
	const skipped = [];
	if (!results) {
		failed = 1; // jest wrote no results: it failed to start
	} else {
		passed = results.numPassedTests;
		failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
		for (const suite of results.testResults ?? []) {
			for (const test of suite.assertionResults ?? []) {
				if (NOT_RUN.has(test.status)) {
					skipped.push(`${test.status === 'todo' ? 'todo' : 'skipped'}: ${test.fullName} (${String(suite.name).replace(`${root}/`, '')})`);
				}
			}
		}
		// jest's own counters and the per-test list must agree, or a gap could hide between them.
		const counted = results.numPendingTests + results.numTodoTests;
		if (counted !== skipped.length) failed += 1;
		if (jestStatus !== 0 && failed === 0 && skipped.length === 0) failed = 1;
	}
	return {
		passed,
		failed,
		skipped,
		line: `${passed} passed, ${failed} failed, ${skipped.length} skipped`,
		exitCode: failed === 0 && skipped.length === 0 && jestStatus === 0 ? 0 : 1,
	};
}

module.exports = { jestTotals };
