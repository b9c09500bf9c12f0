/**
 * The totals line of npm test (scripts/lib/jestTotals.js), from the results of a real jest run of a
 * small fixture: a skipped or todo test counts against the run, and so does a registered suite
 * that did not run.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script of the repo
const { jestTotals, registeredSuites } = require('../../scripts/lib/jestTotals');

const ROOT = path.join(__dirname, '..', '..');
const JEST = path.join(ROOT, 'node_modules', '.bin', 'jest');

let dir: string;
beforeAll(() => {
	mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
	dir = mkdtempSync(path.join(ROOT, 'test-artifacts', 'jest-totals-'));
	writeFileSync(path.join(dir, 'jest.config.js'), "module.exports = { testEnvironment: 'node', transform: {} };\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs jest on fixture files (all, or those `only` names) and returns its results and exit status. */
function jestOnFixtures(name: string, sources: Record<string, string>, only: string[] = []) {
	const folder = path.join(dir, name);
	mkdirSync(folder);
	for (const [file, source] of Object.entries(sources)) writeFileSync(path.join(folder, file), source);
	const output = path.join(folder, 'results.json');
	const config = ['--rootDir', folder, '--config', path.join(dir, 'jest.config.js')];
	const jest = spawnSync(JEST, ['--ci', '--json', `--outputFile=${output}`, ...config, ...only], { cwd: folder, encoding: 'utf8', timeout: 120_000 });
	return { folder, results: JSON.parse(readFileSync(output, 'utf8')), status: jest.status };
}

/** Runs jest on one fixture file and returns what npm test would make of it. */
function runFixture(name: string, source: string) {
	const { folder, results, status } = jestOnFixtures(name, { 'fixture.test.js': source });
	return jestTotals(results, status, folder);
}

test('skipped and todo tests count against the run, with their names', () => {
	const totals = runFixture(
		'gaps',
		[
			"test('runs', () => expect(1).toBe(1));",
			"test.skip('was skipped', () => expect(1).toBe(2));",
			"test.todo('is still to do');",
			"describe.skip('a skipped group', () => { test('inside it', () => expect(1).toBe(2)); });",
		].join('\n'),
	);
	expect(totals.line).toBe('1 passed, 0 failed, 3 skipped');
	expect(totals.exitCode).toBe(1);
	expect(totals.skipped).toEqual([
		'skipped: was skipped (fixture.test.js)',
		'todo: is still to do (fixture.test.js)',
		'skipped: a skipped group inside it (fixture.test.js)',
	]);
});

test('failed tests are counted, and a clean run passes', () => {
	const failing = runFixture('failing', "test('runs', () => {}); test('fails', () => expect(1).toBe(2));");
	expect([failing.line, failing.exitCode]).toEqual(['1 passed, 1 failed, 0 skipped', 1]);
	const clean = runFixture('clean', "test('runs', () => {}); test('runs too', () => {});");
	expect([clean.line, clean.exitCode]).toEqual(['2 passed, 0 failed, 0 skipped', 0]);
});

test('no results from jest is one failure', () => {
	expect(jestTotals(undefined, 1, ROOT)).toMatchObject({ line: '0 passed, 1 failed, 0 skipped', exitCode: 1 });
});

describe('a run that left out registered suites', () => {
	const sources = { 'a.test.js': "test('a', () => expect(1).toBe(1));", 'b.test.js': "test('b', () => expect(2).toBe(2));" };

	test('says how many suites did not run; it fails unless the run was narrowed on purpose', () => {
		// jest matches a path pattern against the absolute path: anchored, so no folder above the fixture matches it.
		const { folder, results, status } = jestOnFixtures('partial', sources, ['/a\\.test\\.js$']);
		const registered = [path.join(folder, 'a.test.js'), path.join(folder, 'b.test.js')];
		const unasked = jestTotals(results, status, folder, { registered, narrowed: false });
		expect(unasked).toMatchObject({ line: '1 passed, 0 failed, 0 skipped, 1 suites not run', notRun: ['b.test.js'], exitCode: 1 });
		const asked = jestTotals(results, status, folder, { registered, narrowed: true });
		expect(asked).toMatchObject({ line: '1 passed, 0 failed, 0 skipped, 1 suites not run', exitCode: 0 });
	});

	test('a suite registered in two projects must run twice', () => {
		const { folder, results, status } = jestOnFixtures('twice', sources);
		const [a, b] = ['a.test.js', 'b.test.js'].map((file) => path.join(folder, file));
		expect(jestTotals(results, status, folder, { registered: [a, b, a], narrowed: false })).toMatchObject({
			line: '2 passed, 0 failed, 0 skipped, 1 suites not run',
			notRun: ['a.test.js'],
			exitCode: 1,
		});
		expect(jestTotals(results, status, folder, { registered: [a, b], narrowed: false })).toMatchObject({
			line: '2 passed, 0 failed, 0 skipped',
			exitCode: 0,
		});
	});

	test('registered suites that could not be listed are one failure', () => {
		const { folder, results, status } = jestOnFixtures('unlisted', sources);
		expect(jestTotals(results, status, folder, { registered: undefined, narrowed: false })).toMatchObject({
			line: '2 passed, 1 failed, 0 skipped',
			exitCode: 1,
		});
	});

	test("the project's registered suites: each project's, a suite of both n8n lines twice", () => {
		const suites: string[] = registeredSuites(ROOT, process.env).map((file: string) => path.relative(ROOT, file));
		const count = (file: string) => suites.filter((suite) => suite === file).length;
		expect(count('test/engine/lineCompatibility.test.ts')).toBe(2);
		expect(count('test/tooling/jestTotals.test.ts')).toBe(1);
		expect(count('test/e2e/run.js')).toBe(0);
	});
});
