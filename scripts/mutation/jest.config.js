'use strict';
// The jest configuration of the mutation run (stryker.config.mjs): the "n8n 2.x" project of
// jest.config.js, less the suites that cannot judge a mutant fairly.
const { projects } = require('../../jest.config.js');

const n8n2 = projects.find((project) => project.displayName === 'n8n 2.x');

/** Suites left out of the mutation run, and why. */
const LEFT_OUT = [
	// Timing-bound: they assert rates, so a machine slowed by the mutation run would fail them and
	// count a slow run as a kill. The pacing logic they exercise is covered by test/unit/run/flowControl.test.ts.
	'<rootDir>/test/node/run/throughput.test.ts',
	'<rootDir>/test/engine/loadWithFaults.test.ts',
	// Reads the node's source text to build broken copies; the mutation sandbox holds instrumented source.
	'<rootDir>/test/engine/brokenNodeBuilds.test.ts',
];

// `test:mutation -- --unit`: the unit suites only (test/unit/), for a quick measure of the pure
// folders. Each suite that runs the node in n8n's engine loads n8n anew for every mutant, minutes
// per mutant here; a unit suite takes a second. A mutant only the engine suites would kill counts
// as surviving, so the score is a lower bound.
const unitOnly = process.env.NANOGPT_MUTATION_UNIT === '1';

/** @type {import('jest').Config} */
module.exports = {
	...n8n2,
	displayName: undefined,
	// The node's folders too, so that jest's dependency graph (--findRelatedTests) reaches them.
	roots: [...n8n2.roots, '<rootDir>/nodes', '<rootDir>/credentials'],
	testPathIgnorePatterns: [...n8n2.testPathIgnorePatterns, ...LEFT_OUT],
	...(unitOnly && { testMatch: ['<rootDir>/test/unit/**/*.test.ts'] }),
	setupFilesAfterEnv: [...n8n2.setupFilesAfterEnv, '<rootDir>/scripts/mutation/recordTestNames.js'],
	testSequencer: '<rootDir>/scripts/mutation/fastestFirst.js',
};
