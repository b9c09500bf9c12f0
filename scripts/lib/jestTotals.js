'use strict';
/*
 * The totals of a jest run, from jest's --json results: "N passed, M failed, K skipped".
 * A skipped, todo or disabled test did not run, so it is a gap, not a pass: the run fails
 * (exit 1) and CI counts K with the failures.
 * A run that left out registered suites (a path filter, --selectProjects, --shard, --onlyChanged,
 * --bail...) says so on the same line, "N passed, M failed, K skipped, S suites not run", and CI
 * counts S with the failures. Its exit code follows the tests that ran only when the run was
 * narrowed on purpose (arguments given), so that `npm test -- <file>` stays usable.
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
	const registered = registeredSuites(root, env);
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
	return jestTotals(results, jest.status, root, { registered, narrowed: args.length > 0 });
}

/**
 * Every suite the jest configuration registers, once per project that runs it (a suite of both
 * n8n lines is listed twice), as `jest --listTests` finds them with no filter; undefined when
 * jest could not list them.
 * @param {string} root
 * @param {NodeJS.ProcessEnv} env
 * @returns {string[] | undefined} absolute test file paths
 */
function registeredSuites(root, env) {
	const jest = join(root, 'node_modules', '.bin', 'jest');
	const run = (args) => {
		const result = spawnSync(jest, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
		return result.status === 0 ? JSON.parse(result.stdout) : undefined;
	};
	try {
		const { configs } = run(['--showConfig']);
		const suites = [];
		for (const config of configs) {
			const name = config.displayName?.name;
			suites.push(...run(['--listTests', '--json', ...(name ? ['--selectProjects', name] : [])]));
		}
		return suites;
	} catch {
		return undefined;
	}
}

/**
 * The registered suites (one entry per project) that have no result in this run.
 * @param {string[]} registered
 * @param {any} results
 */
function suitesNotRun(registered, results) {
	const ran = new Map();
	for (const suite of results?.testResults ?? []) ran.set(suite.name, (ran.get(suite.name) ?? 0) + 1);
	const notRun = [];
	for (const file of registered) {
		const left = ran.get(file) ?? 0;
		if (left > 0) ran.set(file, left - 1);
		else notRun.push(file);
	}
	return notRun;
}

/**
 * @param {any} results jest's --json output, or undefined when jest wrote none
 * @param {number | null} jestStatus jest's exit status
 * @param {string} root the repo root, to show test files relative to it
 * @param {{registered?: string[], narrowed?: boolean}} [suites] the registered suites, when they
 *   could be listed (a list that could not be made counts as one failure), and whether the run was
 *   narrowed on purpose
 * @returns {{passed: number, failed: number, skipped: string[], notRun: string[], line: string, exitCode: number}}
 */
function jestTotals(results, jestStatus, root, suites) {
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
	const relative = (file) => String(file).replace(`${root}/`, '');
	const notRun = [];
	if (suites && results) {
		if (suites.registered === undefined) failed += 1; // the run cannot prove it ran everything
		else notRun.push(...suitesNotRun(suites.registered, results).map(relative));
	}
	const ranEverything = notRun.length === 0 || suites?.narrowed === true;
	return {
		passed,
		failed,
		skipped,
		notRun,
		line: `${passed} passed, ${failed} failed, ${skipped.length} skipped${notRun.length ? `, ${notRun.length} suites not run` : ''}`,
		exitCode: failed === 0 && skipped.length === 0 && jestStatus === 0 && ranEverything ? 0 : 1,
	};
}

/** Lists the tests and suites that did not run, when there are any. */
function printNotRun(totals) {
	if (totals.skipped.length) {
		console.log('\nNot run, so counted against the run (a skipped or todo test hides a gap):');
		for (const line of totals.skipped) console.log(`  ${line}`);
	}
	if (totals.notRun.length) {
		console.log(`\nA partial run: ${totals.notRun.length} registered suites did not run (CI counts them as failed):`);
		for (const file of totals.notRun) console.log(`  ${file}`);
	}
}

module.exports = { jestTotals, printNotRun, registeredSuites, runJest };
