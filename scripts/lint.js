'use strict';
// npm run lint, offline, six legs; any error fails it:
//   1. n8n's node lint (@n8n/node-cli's config, eslint.config.mjs, unchanged so that the package
//      stays in n8n's strict mode) on what n8n verifies: nodes/, credentials/, package.json;
//   2. the tests with their own config (test/eslint.config.mjs);
//   3. the tests type-checked (test/tsconfig.json; jest only transpiles them);
//   4. the test support that scripts load through Node 24's type stripping, checked for erasable
//      syntax only (test/support/tsconfig.json);
//   5-6. n8n's community-package scan (the rules n8n applies before it verifies a package, see
//      @n8n/scan-community-package) on the source tree and on the packed tarball.
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, relative } = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { ESLint } = require('eslint');

const root = join(__dirname, '..');

/** Lints `targets` with one config; prints the problems and one PASS/FAIL line. Returns true when it passed. */
async function eslintLeg(label, targets, options = {}) {
	const eslint = new ESLint({ cwd: root, errorOnUnmatchedPattern: true, ...options });
	const results = await eslint.lintFiles(targets);
	const errors = results.reduce((sum, r) => sum + r.errorCount + r.fatalErrorCount, 0);
	const warnings = results.reduce((sum, r) => sum + r.warningCount, 0);
	const problems = await (await eslint.loadFormatter('stylish')).format(results);
	if (problems.trim()) console.log(problems.trimEnd());
	// A lint that matched no file would pass while checking nothing.
	const passed = errors === 0 && results.length > 0;
	console.log(
		`${passed ? 'PASS' : 'FAIL'} ${label}: ${results.length} files, ${errors} errors, ${warnings} warnings` +
			` (${targets.join(', ')})`,
	);
	return passed;
}

/** Type-checks one tsconfig (no output files); prints the errors and one PASS/FAIL line. Returns true when it passed. */
function tscLeg(label, project) {
	const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', project, '--pretty', 'false'], {
		cwd: root,
		encoding: 'utf8',
	});
	const output = `${tsc.stdout ?? ''}${tsc.stderr ?? ''}`.trim();
	if (output) console.log(output);
	const errors = (output.match(/error TS\d+/g) ?? []).length;
	const passed = tsc.status === 0;
	console.log(`${passed ? 'PASS' : 'FAIL'} ${label}: ${errors} errors (tsc -p ${project})`);
	return passed;
}

async function scanLegs() {
	const { analyzePackage, SOURCE_FILE_PATTERNS } = await import('@n8n/scan-community-package/scanner/scanner.mjs');
	const unpacked = mkdtempSync(join(tmpdir(), 'nanogpt-pack-'));
	try {
		const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', unpacked], {
			cwd: root,
			encoding: 'utf8',
		})
			.trim()
			.split('\n')
			.pop();
		execFileSync('tar', ['-xzf', join(unpacked, tarball), '-C', unpacked, '--strip-components=1']);
		const legs = [
			['source tree', root, SOURCE_FILE_PATTERNS],
			['packed tarball', unpacked, ['**/*.js', 'package.json']],
		];
		let passed = true;
		for (const [label, dir, patterns] of legs) {
			const result = await analyzePackage(dir, patterns);
			console.log(`${result.passed ? 'PASS' : 'FAIL'} n8n community scan of the ${label}${result.message ? `: ${result.message}` : ''}`);
			if (result.details) console.log(result.details);
			passed &&= result.passed;
		}
		return passed;
	} finally {
		rmSync(unpacked, { recursive: true, force: true });
	}
}

async function main() {
	const testConfig = join(root, 'test', 'eslint.config.mjs');
	const legs = [
		await eslintLeg("n8n node lint (@n8n/node-cli's config)", ['nodes', 'credentials', 'package.json']),
		await eslintLeg(`test lint (${relative(root, testConfig)})`, ['test'], { overrideConfigFile: testConfig }),
		tscLeg('tests type-checked', 'test/tsconfig.json'),
		tscLeg('test support erasable for Node 24 type stripping', 'test/support/tsconfig.json'),
		await scanLegs(),
	];
	process.exitCode = legs.every(Boolean) ? 0 : 1;
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
