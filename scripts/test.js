'use strict';
// npm test: builds, then runs the jest suites and ends with the totals line CI reads:
// "N passed, M failed" (skipped tests are reported after it when there are any).
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const build = spawnSync(process.execPath, [join(__dirname, 'build.js')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
	console.log('0 passed, 1 failed');
	process.exit(1);
}

const resultsDir = mkdtempSync(join(tmpdir(), 'nanogpt-jest-'));
const resultsFile = join(resultsDir, 'results.json');
const jest = spawnSync(
	join(root, 'node_modules', '.bin', 'jest'),
	// --forceExit: a socket left open by a test must not hang CI after the results are in.
	['--ci', '--forceExit', '--json', `--outputFile=${resultsFile}`, ...process.argv.slice(2)],
	{ cwd: root, stdio: 'inherit' },
);
let passed = 0;
let failed = jest.status === 0 ? 0 : 1;
let skipped = 0;
try {
	const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
	passed = results.numPassedTests;
	failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
	skipped = results.numPendingTests + results.numTodoTests;
	if (jest.status !== 0 && failed === 0) failed = 1;
} catch {
	// No results file: jest itself failed to start; counted as one failure above.
}
rmSync(resultsDir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 && jest.status === 0 ? 0 : 1);
