/**
 * The totals line of npm test (scripts/lib/jestTotals.js), from the results of a real jest run of a
 * small fixture: a skipped or todo test counts against the run.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script of the repo
const { jestTotals } = require('../../scripts/lib/jestTotals');

const ROOT = path.join(__dirname, '..', '..');
const JEST = path.join(ROOT, 'node_modules', '.bin', 'jest');

let dir: string;
beforeAll(() => {
	mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
	dir = mkdtempSync(path.join(ROOT, 'test-artifacts', 'jest-totals-'));
	writeFileSync(path.join(dir, 'jest.config.js'), "module.exports = { testEnvironment: 'node', transform: {} };\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs jest on one fixture file and returns what npm test would make of it. */
function runFixture(name: string, source: string) {
	const folder = path.join(dir, name);
	mkdirSync(folder);
	writeFileSync(path.join(folder, 'fixture.test.js'), source);
	const output = path.join(folder, 'results.json');
	const jest = spawnSync(JEST, ['--ci', '--json', `--outputFile=${output}`, '--rootDir', folder, '--config', path.join(dir, 'jest.config.js')], {
		cwd: folder,
		encoding: 'utf8',
		timeout: 120_000,
	});
	return jestTotals(JSON.parse(readFileSync(output, 'utf8')), jest.status, folder);
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
