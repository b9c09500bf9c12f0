'use strict';
/*
 * The totals of a jest run, from jest's --json results: "N passed, M failed, K skipped".
 * A skipped, todo or disabled test did not run, so it is a gap, not a pass: the run fails
 * (exit 1) and CI counts K with the failures.
 */

const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const NOT_RUN = new Set(['pending', 'skipped', 'todo', 'disabled']);

/**
 * Runs the project's jest with `args` (output to the terminal) and returns its totals.
 * --forceExit: a socket left open by a test must not hang CI after the results are in.
 * @param {string} root the repo root
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} [env]
 */
function runJest(root, args, env = process.env) {
	const resultsDir = mkdtempSync(join(tmpdir(), 'nanogpt-jest-'));
	const resultsFile = join(resultsDir, 'results.json');
	const jest = spawnSync(
		join(root, 'node_modules', '.bin', 'jest'),
		['--ci', '--forceExit', '--json', `--outputFile=${resultsFile}`, ...args],
		{ cwd: root, stdio: 'inherit', env },
	);
	let results;
	try {
		results = JSON.parse(readFileSync(resultsFile, 'utf8'));
	} catch {
		// No results file: jest itself failed to start; jestTotals counts that as one failure.
	}
	rmSync(resultsDir, { recursive: true, force: true });
	return jestTotals(results, jest.status, root);
}

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

/** Lists the tests that did not run, when there are any. */
function printNotRun(totals) {
	if (!totals.skipped.length) return;
	console.log('\nNot run, so counted against the run (a skipped or todo test hides a gap):');
	for (const line of totals.skipped) console.log(`  ${line}`);
}

module.exports = { jestTotals, printNotRun, runJest };
