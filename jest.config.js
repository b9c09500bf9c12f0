const path = require('node:path');

/**
 * Two projects. "n8n 2.x": every suite, in n8n-core / n8n-workflow 2.41 (the devDependencies).
 * "n8n 1.x": the suites that run the node in n8n's real execution engine, again in n8n-core 1.122
 * (the n8n-core-v1 alias, the core of n8n 1.123) with its own n8n-workflow 1.120: every
 * `n8n-core` and `n8n-workflow` import, the node's own included, resolves to the 1.x copies, so
 * the 1.x differences (error shapes, sleep, sendChunk) are what the node meets.
 *
 * With NANOGPT_COMPAT_CORE_DIR (set by `npm run test:compat`, scripts/compat.js) the only project
 * is "n8n <NANOGPT_COMPAT_N8N>": the fault matrix and the per-feature checks in an older n8n-core.
 */

const common = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	rootDir: __dirname,
	roots: ['<rootDir>/test'],
	// The real-n8n suite has its own runner (npm run test:e2e), the older-n8n suite its own script.
	testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/', '<rootDir>/test/compat/'],
	setupFilesAfterEnv: ['<rootDir>/test/support/everyTestAsserts.ts'],
	// Jest's 5 s default fails a test that merely waited for a busy machine (two cores shared by both
	// projects' workers); a test with a bound of its own keeps it.
	testTimeout: 30_000,
	transform: {
		// Transpile only (isolatedModules): type checking is npm run lint's job (test/tsconfig.json),
		// tests stay fast. The support modules' import.meta becomes __dirname and its kin.
		'^.+\\.ts$': [
			'ts-jest',
			{
				astTransformers: { before: ['<rootDir>/scripts/lib/jestImportMeta.js'] },
				tsconfig: {
					isolatedModules: true,
					module: 'commonjs',
					target: 'es2022',
					esModuleInterop: true,
					strict: true,
				},
			},
		],
	},
};

/** Resolves `n8n-core` and `n8n-workflow` (the node's imports included) to the copies in `coreDir`. */
function onCore(coreDir) {
	const workflowMain = require.resolve('n8n-workflow', { paths: [coreDir] });
	const workflowDir = path.dirname(require.resolve('n8n-workflow/package.json', { paths: [coreDir] }));
	return {
		'^n8n-core$': coreDir,
		'^n8n-core/package\\.json$': path.join(coreDir, 'package.json'),
		'^n8n-workflow$': workflowMain,
		'^n8n-workflow/package\\.json$': path.join(workflowDir, 'package.json'),
	};
}

const compatCoreDir = process.env.NANOGPT_COMPAT_CORE_DIR;

/** @type {import('jest').Config} */
module.exports = compatCoreDir
	? {
			projects: [
				{
					...common,
					displayName: `n8n ${process.env.NANOGPT_COMPAT_N8N || path.basename(compatCoreDir)}`,
					testPathIgnorePatterns: ['/node_modules/'],
					testMatch: ['<rootDir>/test/engine/faultMatrix.test.ts', '<rootDir>/test/compat/*.test.ts'],
					moduleNameMapper: onCore(compatCoreDir),
				},
			],
		}
	: {
			projects: [
				{ ...common, displayName: 'n8n 2.x' },
				{
					...common,
					displayName: 'n8n 1.x',
					// The suites where the node meets what n8n-core and n8n-workflow differ in: request errors,
					// waits and cancellation, streaming, parameters, what reaches logs. The pacing and load
					// suites (timing-bound, line-independent logic) run once, in the 2.x project.
					testMatch: [
						'<rootDir>/test/engine/faultMatrix.test.ts',
						'<rootDir>/test/engine/lineCompatibility.test.ts',
						'<rootDir>/test/olderN8n/*.test.ts',
						'<rootDir>/test/engine/secrets.test.ts',
						'<rootDir>/test/node/completeText.test.ts',
						'<rootDir>/test/node/run/requestOptions.test.ts',
						'<rootDir>/test/node/transport/streaming.test.ts',
						'<rootDir>/test/node/run/failedRows.test.ts',
						'<rootDir>/test/node/output/jsonOutput.test.ts',
						'<rootDir>/test/node/run/reuseIdenticalRequests.test.ts',
						'<rootDir>/test/node/methods/modelSearch.test.ts',
						'<rootDir>/test/node/request/routingBillingSafety.test.ts',
						'<rootDir>/test/node/run/spendLimit.test.ts',
						'<rootDir>/test/node/agentTool.test.ts',
					],
					moduleNameMapper: onCore(path.dirname(require.resolve('n8n-core-v1/package.json'))),
				},
			],
		};
