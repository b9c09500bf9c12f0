/** @type {import('jest').Config} */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
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
