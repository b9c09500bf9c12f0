const path = require('node:path');

/**
 * Two projects. "n8n 2.x": every suite, in n8n-core / n8n-workflow 2.41 (the devDependencies).
 * "n8n 1.x": the suites that run the node in n8n's real execution engine, again in n8n-core 1.122
 * (the n8n-core-v1 alias, the core of n8n 1.123) with its own n8n-workflow 1.120: every
 * `n8n-core` and `n8n-workflow` import, the node's own included, resolves to the 1.x copies, so
 * the 1.x differences (error shapes, sleep, sendChunk) are what the node meets.
 */
const v1CoreDir = path.dirname(require.resolve('n8n-core-v1/package.json'));
const v1WorkflowMain = require.resolve('n8n-workflow', { paths: [v1CoreDir] });
const v1WorkflowDir = path.dirname(require.resolve('n8n-workflow/package.json', { paths: [v1CoreDir] }));

const common = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	rootDir: __dirname,
	roots: ['<rootDir>/test'],
	// The real-n8n suite has its own runner (npm run test:e2e).
	testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
	transform: {
		// Transpile only (isolatedModules): type checking is the build's job, tests stay fast.
		'^.+\\.ts$': [
			'ts-jest',
			{
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

/** @type {import('jest').Config} */
module.exports = {
	projects: [
		{ ...common, displayName: 'n8n 2.x' },
		{
			...common,
			displayName: 'n8n 1.x',
			// The suites where the node meets what n8n-core and n8n-workflow differ in: request errors,
			// waits and cancellation, streaming, parameters, what reaches logs. The pacing and load suites (timing-bound,
			// line-independent logic) run once, in the 2.x project.
			testMatch: [
				'<rootDir>/test/faultMatrix.test.ts',
				'<rootDir>/test/lineCompatibility.test.ts',
				'<rootDir>/test/secrets.test.ts',
				'<rootDir>/test/node/completeText.test.ts',
				'<rootDir>/test/node/requestOptions.test.ts',
				'<rootDir>/test/node/streaming.test.ts',
			],
			moduleNameMapper: {
				'^n8n-core$': v1CoreDir,
				'^n8n-core/package\\.json$': path.join(v1CoreDir, 'package.json'),
				'^n8n-workflow$': v1WorkflowMain,
				'^n8n-workflow/package\\.json$': path.join(v1WorkflowDir, 'package.json'),
			},
		},
	],
};
