'use strict';
/* Builds dist/ when it is missing or older than the sources (used by demo, start and e2e). */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { REPO, distIsStale } = require('./n8n');

function ensureBuilt({ log = (m) => console.error(m), force = false } = {}) {
	if (!force && !distIsStale(REPO)) return false;
	const buildScript = path.join(REPO, 'scripts', 'build.js');
	if (!fs.existsSync(buildScript)) {
		throw new Error('dist/ is missing or stale and scripts/build.js does not exist: run `npm run build` first.');
	}
	log('Building the package (npm run build) ...');
	const t0 = Date.now();
	const r = spawnSync(process.execPath, [buildScript], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
	if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
	if (!fs.existsSync(path.join(REPO, 'dist', 'nodes', 'NanoGpt', 'NanoGpt.node.js'))) {
		throw new Error('the build did not produce dist/nodes/NanoGpt/NanoGpt.node.js');
	}
	log(`  built in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
	return true;
}

module.exports = { ensureBuilt };
