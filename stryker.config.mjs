// Mutation testing with StrykerJS: `npm run test:mutation` (scripts/mutation.js). See README,
// "Mutation testing", for what is measured and why.
import { homedir } from 'node:os';
import { join } from 'node:path';

// The results a rerun reuses: machine state, kept in the project's cache beside the provisioned n8n.
const cache = process.env.NANOGPT_CACHE_DIR || join(homedir(), '.cache', 'n8n-nodes-nanogpt');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
	mutate: ['nodes/**/*.ts', 'credentials/**/*.ts'],
	plugins: ['@stryker-mutator/jest-runner', '@stryker-mutator/typescript-checker', './scripts/mutation/displayStrings.mjs'],
	ignorers: ['displayStrings'],
	testRunner: 'jest',
	jest: {
		projectType: 'custom',
		// The n8n 2.x project only (the 1.x project runs the same node code a second time), less the
		// suites that cannot judge a mutant fairly: see that file.
		configFile: 'scripts/mutation/jest.config.js',
		enableFindRelatedTests: true,
	},
	// Each mutant runs only the tests that executed its code in the first, unmutated run.
	coverageAnalysis: 'perTest',
	// A static mutant (in code that runs only while a module loads: the node's description, tables
	// of constants) is covered by no single test, so it runs every suite that imports its file; one
	// that survives costs a whole run, minutes here, and nodes/ has about 400 of them. Left out (not
	// counted) unless `npm run test:mutation -- --static` asks for them.
	ignoreStatic: process.env.NANOGPT_MUTATION_STATIC !== '1',
	checkers: ['typescript'],
	tsconfigFile: 'tsconfig.json',
	typescriptChecker: { prioritizePerformanceOverAccuracy: true },
	disableTypeChecks: '{nodes,credentials}/**/*.ts',
	// Two cores: the type checker and one test runner; once every mutant is checked, two test runners.
	concurrency: 2,
	// A mutant times out at 2.5 times its tests' unmutated time plus 20 s: generous, so that a machine
	// slowed by other work rarely turns a slow run into a "timed out" (which counts as detected); an
	// endless loop still ends. The report shows timeouts in a column of their own.
	timeoutFactor: 2.5,
	timeoutMS: 20_000,
	incremental: true,
	// scripts/mutation.js passes its own for a run narrowed with --mutate.
	incrementalFile: join(cache, 'mutation', 'incremental.json'),
	reporters: ['clear-text', 'progress', 'json', 'html'],
	jsonReporter: { fileName: 'reports/mutation/mutation.json' },
	htmlReporter: { fileName: 'reports/mutation/mutation.html' },
	ignorePatterns: ['dist', 'docs', 'reports', 'coverage', 'test-artifacts', '.n8n'],
	tempDirName: '.stryker-tmp',
	cleanTempDir: true,
};
