'use strict';
/*
 * Helpers to run the real n8n application (provisioned by scripts/provision.js) with this package
 * installed as a community package: fresh user folders, free loopback ports, CLI imports and
 * executions, and servers (`n8n start`, `n8n worker`) with readiness checks.
 */
const fs = require('node:fs');
const path = require('node:path');
const net = require('node:net');
const http = require('node:http');
const os = require('node:os');
const { spawn, spawnSync } = require('node:child_process');
const { cacheDir } = require('../provision');

const REPO = path.resolve(__dirname, '..', '..');
const PACKAGE_NAME = 'n8n-nodes-nanogpt';
const NODE_TYPE = `${PACKAGE_NAME}.nanoGpt`;
const TOOL_NODE_TYPE = `${PACKAGE_NAME}.nanoGptTool`;
const CREDENTIAL_TYPE = 'nanoGptApi';
const ENCRYPTION_KEY = 'n8n-nodes-nanogpt-local-encryption-key';

/** Distinct free TCP ports on 127.0.0.1. */
async function freePorts(count) {
	const servers = [];
	const ports = [];
	try {
		for (let i = 0; i < count; i++) {
			const server = net.createServer();
			await new Promise((resolve, reject) => {
				server.once('error', reject);
				server.listen(0, '127.0.0.1', resolve);
			});
			servers.push(server);
			ports.push(server.address().port);
		}
	} finally {
		await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
	}
	return ports;
}

/** A fresh folder for one run under <cache>/runs; runs older than a day are pruned. */
function makeRunDir(label) {
	const root = path.join(cacheDir(), 'runs');
	fs.mkdirSync(root, { recursive: true });
	const dayAgo = Date.now() - 24 * 3600 * 1000;
	for (const name of fs.readdirSync(root)) {
		const p = path.join(root, name);
		try {
			if (fs.statSync(p).mtimeMs < dayAgo) fs.rmSync(p, { recursive: true, force: true });
		} catch {
			/* ignore */
		}
	}
	return fs.realpathSync(fs.mkdtempSync(path.join(root, `${label}-`)));
}

function copyDir(src, dest) {
	fs.cpSync(src, dest, { recursive: true, dereference: true });
}

/**
 * Installs the built package into `<userFolder>/.n8n/nodes/node_modules/n8n-nodes-nanogpt`, the
 * folder where n8n keeps community packages, the way users get it: `npm pack` of the package
 * (only what package.json `files` ships), unpacked there, with no node_modules of its own, so n8n
 * resolves `n8n-workflow` from its own installation as for any community package.
 * NANOGPT_INSTALL_MODE=copy copies package.json, dist/, README and LICENSE instead (no npm needed).
 */
function installPackage(userFolder, { root = REPO, mode = process.env.NANOGPT_INSTALL_MODE || 'pack' } = {}) {
	const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const dest = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	fs.rmSync(dest, { recursive: true, force: true });
	fs.mkdirSync(dest, { recursive: true });
	if (mode === 'pack') {
		const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nanogpt-pack-'));
		try {
			const r = spawnSync('npm', ['pack', root, '--json', '--pack-destination', tmp, '--ignore-scripts', '--loglevel=error'], {
				cwd: tmp,
				encoding: 'utf8',
				env: { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}` },
			});
			if (r.status !== 0) throw new Error(`npm pack failed: ${r.stderr || r.stdout}`);
			const { filename } = JSON.parse(r.stdout)[0];
			const x = spawnSync('tar', ['-xzf', path.join(tmp, filename), '-C', dest, '--strip-components=1'], { encoding: 'utf8' });
			if (x.status !== 0) throw new Error(`tar failed: ${x.stderr}`);
		} finally {
			fs.rmSync(tmp, { recursive: true, force: true });
		}
	} else {
		const shipped = { ...pkg };
		delete shipped.devDependencies;
		delete shipped.scripts;
		fs.writeFileSync(path.join(dest, 'package.json'), JSON.stringify(shipped, null, 2) + '\n');
		for (const f of ['index.js', 'README.md', 'LICENSE']) {
			if (fs.existsSync(path.join(root, f))) fs.copyFileSync(path.join(root, f), path.join(dest, f));
		}
		copyDir(path.join(root, 'dist'), path.join(dest, 'dist'));
	}
	if (!fs.existsSync(path.join(dest, 'dist', 'nodes', 'NanoGpt', 'NanoGpt.node.js'))) {
		throw new Error(`the installed package lacks dist/nodes/NanoGpt/NanoGpt.node.js (${dest})`);
	}
	fs.writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: pkg.version } }, null, 2) + '\n',
	);
	return dest;
}

/** The package folder to install: the repo, or NANOGPT_PACKAGE_DIR (e.g. an unpacked `npm pack`). */
function packageRoot() {
	return path.resolve(process.env.NANOGPT_PACKAGE_DIR || REPO);
}

/**
 * The environment for every n8n process: offline, quiet, loopback only, one user folder.
 * `line` is provision's lineOf(version): 2.x needs mcp-registry disabled to stay offline, 1.x has
 * no such module and aborts at startup when it is named.
 */
function n8nEnv({ userFolder, port, brokerPort, extra = {}, base = process.env, line }) {
	const env = { ...base };
	// npm/jest variables of the calling script would only confuse n8n.
	for (const k of Object.keys(env)) if (k.startsWith('npm_') || k.startsWith('N8N_') || k === 'NODE_OPTIONS') delete env[k];
	Object.assign(env, {
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_DIAGNOSTICS_CONFIG_FRONTEND: '',
		N8N_DIAGNOSTICS_CONFIG_BACKEND: '',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_VERIFIED_PACKAGES_ENABLED: 'false',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_HOST: '127.0.0.1',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		N8N_SECURE_COOKIE: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_LOG_LEVEL: 'info',
		N8N_NO_COLOR: 'true',
		NO_COLOR: '1',
		DB_SQLITE_POOL_SIZE: '2',
	});
	if (line.disabledModules) env.N8N_DISABLED_MODULES = line.disabledModules;
	if (port) {
		env.N8N_PORT = String(port);
		env.WEBHOOK_URL = `http://127.0.0.1:${port}/`;
		env.N8N_EDITOR_BASE_URL = `http://127.0.0.1:${port}/`;
	}
	if (brokerPort) env.N8N_RUNNERS_BROKER_PORT = String(brokerPort);
	for (const [k, v] of Object.entries(extra)) {
		if (v === undefined || v === null) delete env[k];
		else env[k] = String(v);
	}
	return env;
}

/** Runs `n8n <args>` to completion; resolves {code, stdout, stderr, ms}. */
function runN8n(prov, args, { env, cwd, timeoutMs = 180000 } = {}) {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const [cmd, argv] = prov.n8nCommand(args);
		const child = spawn(cmd, argv, { env, cwd: cwd || env.N8N_USER_FOLDER, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		// Decoded as a stream, so that a character split between two chunks stays whole.
		child.stdout.setEncoding('utf8');
		child.stderr.setEncoding('utf8');
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`n8n ${args.join(' ')} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
		}, timeoutMs);
		child.on('error', (err) => {
			clearTimeout(timer);
			reject(err);
		});
		child.on('exit', (code) => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr, ms: Date.now() - started });
		});
	});
}

/**
 * Finds the execution (IRun) in the output of `N8N_LOG_FORMAT=json n8n execute --rawOutput`: one
 * JSON object per line, the run is the line whose `message` is itself a JSON object.
 */
function parseRun(stdout) {
	let run = null;
	for (const line of stdout.split('\n')) {
		const t = line.trim();
		if (!t.startsWith('{')) continue;
		let obj;
		try {
			obj = JSON.parse(t);
		} catch {
			continue;
		}
		const msg = typeof obj.message === 'string' ? obj.message.trim() : '';
		if (msg.startsWith('{')) {
			try {
				const parsed = JSON.parse(msg);
				if (parsed && parsed.data && parsed.data.resultData) run = parsed;
			} catch {
				/* not the run */
			}
		}
	}
	if (!run) {
		// Plain (non-JSON) logging: the run is the pretty-printed object at the end.
		const at = stdout.search(/^\{\s*$/m);
		if (at >= 0) {
			try {
				run = JSON.parse(stdout.slice(at));
			} catch {
				run = null;
			}
		}
	}
	return run;
}

/** Output items (json only) of a node in a run, first run index, main output `output`. */
function nodeItems(run, nodeName, output = 0) {
	const runData = run && run.data && run.data.resultData && run.data.resultData.runData;
	const task = runData && runData[nodeName] && runData[nodeName][0];
	const main = task && task.data && task.data.main;
	return main && main[output] ? main[output] : null;
}

function httpGet(url, { timeoutMs = 5000, headers = {} } = {}) {
	return new Promise((resolve, reject) => {
		const req = http.get(url, { headers, timeout: timeoutMs }, (res) => {
			let body = '';
			res.setEncoding('utf8');
			res.on('data', (d) => (body += d));
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
		});
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.on('error', reject);
	});
}

/**
 * One n8n instance: a user folder with the package installed, ports, and the env for its commands.
 */
class N8nInstance {
	constructor(prov, { userFolder, port, brokerPort, extraEnv = {}, log = () => {} }) {
		this.prov = prov;
		this.userFolder = userFolder;
		this.port = port;
		this.brokerPort = brokerPort;
		this.extraEnv = extraEnv;
		this.log = log;
		this.children = new Set();
		this.baseUrl = port ? `http://127.0.0.1:${port}` : null;
	}

	static async create(prov, { label = 'n8n', extraEnv = {}, log, install = true, runDir } = {}) {
		const dir = runDir || makeRunDir(label);
		const [port, brokerPort] = await freePorts(2);
		const inst = new N8nInstance(prov, { userFolder: dir, port, brokerPort, extraEnv, log });
		if (install) installPackage(dir, { root: packageRoot() });
		return inst;
	}

	env(extra = {}) {
		return n8nEnv({
			userFolder: this.userFolder,
			port: this.port,
			brokerPort: this.brokerPort,
			extra: { ...this.extraEnv, ...extra },
			line: this.prov.line,
		});
	}

	async cli(args, { extraEnv = {}, timeoutMs, check = true } = {}) {
		const r = await runN8n(this.prov, args, { env: this.env(extraEnv), timeoutMs });
		if (check && r.code !== 0) {
			throw new Error(`n8n ${args.join(' ')} exited ${r.code}\n${tail(r.stdout)}\n${tail(r.stderr)}`);
		}
		return r;
	}

	/** Imports credentials given as plain data: [{id, name, type, data}]. */
	async importCredentials(creds) {
		const file = path.join(this.userFolder, 'import-credentials.json');
		fs.writeFileSync(file, JSON.stringify(creds, null, 2));
		return this.cli(['import:credentials', `--input=${file}`]);
	}

	/** Imports workflow objects (each carries its `id`). */
	async importWorkflows(workflows) {
		const dir = path.join(this.userFolder, 'import-workflows');
		fs.rmSync(dir, { recursive: true, force: true });
		fs.mkdirSync(dir, { recursive: true });
		workflows.forEach((wf, i) => fs.writeFileSync(path.join(dir, `${i}-${wf.id}.json`), JSON.stringify(wf, null, 2)));
		return this.cli(['import:workflow', '--separate', `--input=${dir}`]);
	}

	/** Makes workflows live (triggers, production webhooks): `publish:workflow` in 2.x, activation in 1.x. */
	async publish(ids) {
		for (const id of [].concat(ids)) {
			const args = this.prov.line.major < 2 ? ['update:workflow', `--id=${id}`, '--active=true'] : ['publish:workflow', `--id=${id}`];
			await this.cli(args);
		}
	}

	/** `n8n execute --id --rawOutput`; resolves {code, run, error, stdout, stderr, ms}. */
	async execute(id, { extraEnv = {}, timeoutMs = 300000 } = {}) {
		const r = await runN8n(this.prov, ['execute', `--id=${id}`, '--rawOutput'], {
			env: this.env({ N8N_LOG_FORMAT: 'json', ...extraEnv }),
			timeoutMs,
		});
		const run = parseRun(r.stdout);
		const error = run && run.data && run.data.resultData && run.data.resultData.error;
		return { ...r, run, error };
	}

	/** Starts a long-running n8n process (`start`, `worker`, `webhook`); output goes to a log file. */
	spawn(args, { extraEnv = {}, name = args[0], brokerPort } = {}) {
		const logFile = path.join(this.userFolder, `${name}.log`);
		const out = fs.openSync(logFile, 'a');
		const env = this.env({ ...extraEnv, ...(brokerPort ? { N8N_RUNNERS_BROKER_PORT: brokerPort } : {}) });
		const [cmd, argv] = this.prov.n8nCommand(args);
		const child = spawn(cmd, argv, { env, cwd: this.userFolder, stdio: ['ignore', out, out], detached: true });
		fs.closeSync(out);
		child.logFile = logFile;
		child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
		this.children.add(child);
		child.exited.then(() => this.children.delete(child));
		return child;
	}

	async start({ extraEnv = {}, timeoutMs = 120000 } = {}) {
		const child = this.spawn(['start'], { extraEnv, name: 'start' });
		this.server = child;
		await this.waitReady({ child, timeoutMs });
		// n8n 1.x answers the readiness check before its REST routes are mounted (/rest/login is a 404
		// for a few seconds): wait for the public settings route as well.
		await this.waitReady({ child, timeoutMs, url: `${this.baseUrl}/rest/settings` });
		return child;
	}

	async waitReady({ child, timeoutMs = 120000, url = `${this.baseUrl}/healthz/readiness` } = {}) {
		const deadline = Date.now() + timeoutMs;
		let exited = null;
		if (child) child.exited.then((e) => (exited = e));
		while (Date.now() < deadline) {
			if (exited) throw new Error(`n8n exited (${exited.code ?? exited.signal}) before it was ready; log ${child.logFile}:\n${tail(readLog(child.logFile))}`);
			try {
				const r = await httpGet(url, { timeoutMs: 2000 });
				if (r.status === 200) return;
			} catch {
				/* not yet */
			}
			await new Promise((r) => setTimeout(r, 500));
		}
		throw new Error(`n8n not ready at ${url} after ${timeoutMs} ms${child ? `; log ${child.logFile}:\n${tail(readLog(child.logFile))}` : ''}`);
	}

	/** Stops every process this instance started: SIGTERM to its process group, SIGKILL after `graceMs`. */
	async stopAll({ graceMs = 8000 } = {}) {
		await Promise.all([...this.children].map((c) => stopChild(c, graceMs)));
	}
}

async function stopChild(child, graceMs = 8000) {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const kill = (sig) => {
		try {
			process.kill(-child.pid, sig);
		} catch {
			try {
				child.kill(sig);
			} catch {
				/* gone */
			}
		}
	};
	kill('SIGTERM');
	const timer = setTimeout(() => kill('SIGKILL'), graceMs);
	await child.exited;
	clearTimeout(timer);
}

function readLog(file) {
	try {
		return fs.readFileSync(file, 'utf8');
	} catch {
		return '';
	}
}

function tail(text, lines = 30) {
	return String(text || '').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Whether dist/ is missing or older than any source file (nodes/, credentials/, package.json). */
function distIsStale(root = REPO) {
	if (process.env.NANOGPT_PACKAGE_DIR) return false;
	const distMarker = path.join(root, 'dist', 'nodes', 'NanoGpt', 'NanoGpt.node.js');
	if (!fs.existsSync(distMarker)) return true;
	const built = fs.statSync(distMarker).mtimeMs;
	const newest = (p) => {
		let m = 0;
		if (!fs.existsSync(p)) return 0;
		const st = fs.statSync(p);
		if (!st.isDirectory()) return st.mtimeMs;
		for (const e of fs.readdirSync(p)) m = Math.max(m, newest(path.join(p, e)));
		return m;
	};
	const src = Math.max(
		newest(path.join(root, 'nodes')),
		newest(path.join(root, 'credentials')),
		newest(path.join(root, 'tsconfig.json')),
		newest(path.join(root, 'gulpfile.js')),
	);
	return src > built;
}

module.exports = {
	REPO,
	PACKAGE_NAME,
	NODE_TYPE,
	TOOL_NODE_TYPE,
	CREDENTIAL_TYPE,
	ENCRYPTION_KEY,
	freePorts,
	makeRunDir,
	installPackage,
	packageRoot,
	n8nEnv,
	runN8n,
	parseRun,
	nodeItems,
	httpGet,
	N8nInstance,
	stopChild,
	distIsStale,
	tail,
	readLog,
};

/** Environment that makes n8n create (or update) the owner account at start, no setup screen. */
function ownerEnv(prov, { email, password, firstName = 'Demo', lastName = 'Owner' }) {
	const bcrypt = require(path.join(prov.n8nDir, 'node_modules', 'bcryptjs'));
	return {
		N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
		N8N_INSTANCE_OWNER_EMAIL: email,
		N8N_INSTANCE_OWNER_FIRST_NAME: firstName,
		N8N_INSTANCE_OWNER_LAST_NAME: lastName,
		N8N_INSTANCE_OWNER_PASSWORD_HASH: bcrypt.hashSync(password, 10),
	};
}

/** A tiny REST client for a running n8n: login, then JSON requests with the auth cookie. */
class RestClient {
	constructor(baseUrl) {
		this.baseUrl = baseUrl;
		this.cookie = '';
	}

	request(method, urlPath, body, { headers = {}, timeoutMs = 30000 } = {}) {
		return new Promise((resolve, reject) => {
			const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
			const req = http.request(
				`${this.baseUrl}${urlPath}`,
				{
					method,
					timeout: timeoutMs,
					headers: {
						accept: 'application/json',
						...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}),
						...(this.cookie ? { cookie: this.cookie } : {}),
						...headers,
					},
				},
				(res) => {
					let text = '';
					res.setEncoding('utf8');
					res.on('data', (d) => (text += d));
					res.on('end', () => {
						const set = res.headers['set-cookie'];
						if (set) {
							const auth = set.map((c) => c.split(';')[0]).find((c) => c.startsWith('n8n-auth='));
							if (auth) this.cookie = auth;
						}
						let json = null;
						try {
							json = JSON.parse(text);
						} catch {
							json = null;
						}
						resolve({ status: res.statusCode, headers: res.headers, text, json });
					});
				},
			);
			req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
			req.on('error', reject);
			if (data) req.write(data);
			req.end();
		});
	}

	/**
	 * n8n 1.x has no owner from the environment (N8N_INSTANCE_OWNER_*, see ownerEnv): while its
	 * settings ask for the owner setup, set the owner up the way the first visit to the editor does.
	 * Returns whether it did.
	 */
	async setUpOwnerIfNeeded({ email, password, firstName = 'Demo', lastName = 'Owner' }) {
		const settings = await this.request('GET', '/rest/settings');
		const data = settings.json && (settings.json.data || settings.json);
		if (!(data && data.userManagement && data.userManagement.showSetupOnFirstLoad === true)) return false;
		const r = await this.request('POST', '/rest/owner/setup', { email, firstName, lastName, password });
		if (r.status !== 200) throw new Error(`owner setup failed: ${r.status} ${r.text.slice(0, 300)}`);
		return true;
	}

	async login(email, password) {
		const r = await this.request('POST', '/rest/login', { emailOrLdapLoginId: email, password });
		if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.text.slice(0, 300)}`);
		return r.json;
	}
}

module.exports.ownerEnv = ownerEnv;
module.exports.RestClient = RestClient;
