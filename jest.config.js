/** @type {import('jest').Config} */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
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
