// Lint config for the tests (npm run lint uses it for test/; the package itself is linted with
// n8n's default config in ../eslint.config.mjs). Built on the same @n8n/node-cli config, so tests
// get its TypeScript and import rules, minus the rules written for code that runs inside n8n:
// tests start servers, read files, time things and print, which n8n forbids a node to do.
import js from '@eslint/js';
import { config as n8nNodeConfig } from '@n8n/node-cli/eslint';

/** Rules of n8n's node and community-package plugins: they describe a node's runtime, not a test's. */
const n8nRuntimeRules = Object.fromEntries(
	n8nNodeConfig
		.flatMap((block) => Object.keys(block.rules ?? {}))
		.filter((rule) => rule.startsWith('@n8n/community-nodes/') || rule.startsWith('n8n-nodes-base/'))
		.map((rule) => [rule, 'off']),
);

const nodeGlobals = Object.fromEntries(
	[
		'AbortController', 'AbortSignal', 'Buffer', 'TextDecoder', 'TextEncoder', 'URL', 'URLSearchParams',
		'clearImmediate', 'clearInterval', 'clearTimeout', 'console', 'fetch', 'performance', 'process',
		'queueMicrotask', 'setImmediate', 'setInterval', 'setTimeout', 'structuredClone',
	].map((name) => [name, 'readonly']),
);
const commonJsGlobals = { require: 'readonly', module: 'writable', exports: 'writable', __dirname: 'readonly', __filename: 'readonly' };

export default [
	...n8nNodeConfig,
	{
		files: ['**/*.ts'],
		rules: {
			...n8nRuntimeRules,
			'no-console': 'off',
			// Answers parsed from HTTP bodies have no static shape; tests assert on them instead.
			'@typescript-eslint/no-explicit-any': 'off',
			// `const { id: _id, ...rest } = item` is how a test drops a field before comparing.
			'@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^_', argsIgnorePattern: '^_', ignoreRestSiblings: true }],
		},
	},
	{
		// The emulator, the harness and the e2e suite are plain CommonJS run by Node.
		files: ['**/*.js'],
		...js.configs.recommended,
		languageOptions: { ecmaVersion: 2024, sourceType: 'commonjs', globals: { ...nodeGlobals, ...commonJsGlobals } },
	},
	{
		// Code that editor.js hands to the browser (page.waitForFunction) runs there.
		files: ['**/e2e/editor.js'],
		languageOptions: { globals: { document: 'readonly' } },
	},
];
