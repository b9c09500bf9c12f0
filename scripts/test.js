'use strict';
// npm test: builds, then runs the jest suites and ends with the totals line CI reads:
// "N passed, M failed, K skipped". A skipped or todo test is a gap, not a pass: it fails the run
// like a failed test does (exit 1), and CI adds K to the failures.
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');
const { jestTotals } = require('./lib/jestTotals');

const root = join(__dirname, '..');
const build = spawnSync(process.execPath, [join(__dirname, 'build.js')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
	console.log('0 passed, 1 failed, 0 skipped');
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
let results;
try {
	results = JSON.parse(readFileSync(resultsFile, 'utf8'));
} catch {
	// No results file: jest itself failed to start; jestTotals counts that as one failure.
}
rmSync(resultsDir, { recursive: true, force: true });
const totals = jestTotals(results, jest.status, root);
if (totals.skipped.length) {
	console.log('\nNot run, so counted against the run (a skipped or todo test hides a gap):');
	for (const line of totals.skipped) console.log(`  ${line}`);
}
console.log(totals.line);
process.exit(totals.exitCode);
