'use strict';
// npm test: builds, then runs the jest suites and ends with the totals line CI reads:
// "N passed, M failed, K skipped". A skipped or todo test is a gap, not a pass: it fails the run
// like a failed test does (exit 1), and CI adds K to the failures. Arguments go to jest
// (`npm test -- test/unit/transport/sseParser.test.ts`); a run that left out registered suites ends with
// ", S suites not run", which CI adds to the failures too (scripts/lib/jestTotals.js).
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');
const { printNotRun, runJest } = require('./lib/jestTotals');

const root = join(__dirname, '..');
const build = spawnSync(process.execPath, [join(__dirname, 'build.js')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
	console.log('0 passed, 1 failed, 0 skipped');
	process.exit(1);
}

const totals = runJest(root, process.argv.slice(2));
printNotRun(totals);
console.log(totals.line);
process.exit(totals.exitCode);
