#!/usr/bin/env node
'use strict';
/*
 * `npm run test:compat`: the node in the execution engine (n8n-core) of older n8n 1.x releases,
 * one release on each side of every per-feature minimum the README states (Compatibility):
 * the fault matrix and test/compat/olderN8n.test.ts, once per release.
 *
 * Each release's n8n-core (with its own n8n-workflow, axios, ...) is installed from the npm
 * registry into `<cache>/n8n-core-<version>` on first use (about 30 s and 160 MB each; the cache
 * is $NANOGPT_CACHE_DIR or ~/.cache/n8n-nodes-nanogpt), then jest runs with
 * NANOGPT_COMPAT_CORE_DIR pointing at it (jest.config.js maps the imports there).
 *
 * Usage: node scripts/compat.js [n8n release ...]   (default: all of RELEASES)
 * Ends with the totals line "N passed, M failed"; exits 1 on any failure.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { cacheDir, MARKER_NAME: MARKER } = require('./provision');
const { printNotRun, runJest } = require('./lib/jestTotals');

const ROOT = path.join(__dirname, '..');

/** n8n releases (as in this registry) and the n8n-core each pins, around each minimum. */
const RELEASES = [
	{ n8n: '1.82.3', core: '1.81.1', why: 'below NodeConnectionTypes (1.85): the node still loads' },
	{ n8n: '1.85.4', core: '1.84.0', why: 'NodeConnectionTypes, AI tools from community packages; no abortable wait (the node waits in steps)' },
	{ n8n: '1.101.1', core: '1.100.0', why: 'sleepWithAbort: a cancel cuts waits short; no streaming to the caller yet' },
	{ n8n: '1.104.2', core: '1.103.2', why: 'isStreaming and sendChunk(type, itemIndex, content): streaming to the caller' },
];

function installCore(core) {
	const dir = path.join(cacheDir(), `n8n-core-${core}`);
	const coreDir = path.join(dir, 'node_modules', 'n8n-core');
	if (fs.existsSync(path.join(dir, MARKER)) && fs.existsSync(path.join(coreDir, 'package.json'))) return coreDir;
	console.log(`Installing n8n-core ${core} into ${dir} (first run only, about 30 s) ...`);
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(
		path.join(dir, 'package.json'),
		JSON.stringify({ name: 'n8n-core-compat', private: true, dependencies: { 'n8n-core': core } }, null, 2) + '\n',
	);
	// --ignore-scripts: native addons (ssh2, isolated-vm) are never loaded by these tests.
	const r = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
		cwd: dir,
		stdio: 'inherit',
		env: { ...process.env, npm_config_yes: 'true', npm_config_update_notifier: 'false' },
	});
	if (r.status !== 0) throw new Error(`npm install n8n-core@${core} failed (exit ${r.status})`);
	fs.writeFileSync(path.join(dir, MARKER), JSON.stringify({ version: core, at: new Date().toISOString() }, null, 2) + '\n');
	return coreDir;
}

function runRelease({ n8n, core, why }) {
	console.log(`\n== n8n ${n8n} (n8n-core ${core}): ${why}`);
	const coreDir = installCore(core);
	const totals = runJest(ROOT, [], { ...process.env, NANOGPT_COMPAT_N8N: n8n, NANOGPT_COMPAT_CORE_DIR: coreDir });
	printNotRun(totals);
	const passed = totals.passed;
	// A test or a registered suite that did not run is a gap: it counts with the failures.
	const failed = totals.failed + totals.skipped.length + totals.notRun.length;
	console.log(`n8n ${n8n}: ${passed} passed, ${failed} failed`);
	return { passed, failed };
}

function main() {
	const wanted = process.argv.slice(2);
	const releases = wanted.length ? RELEASES.filter((r) => wanted.includes(r.n8n)) : RELEASES;
	if (wanted.length && releases.length !== wanted.length) {
		console.error(`Known releases: ${RELEASES.map((r) => r.n8n).join(', ')}`);
		console.log('0 passed, 1 failed');
		process.exit(1);
	}
	let passed = 0;
	let failed = 0;
	for (const release of releases) {
		try {
			const r = runRelease(release);
			passed += r.passed;
			failed += r.failed;
		} catch (error) {
			console.error(error.message);
			failed += 1;
		}
	}
	console.log(`\n${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

main();
