#!/usr/bin/env node
'use strict';
/*
 * `npm run bench`: the throughput benchmark (a script, not a timed test).
 *
 * Runs the built NanoGPT node (dist/) inside n8n-core's real WorkflowExecute (test/support/harness)
 * against the NanoGPT emulator, and prints a table; every figure comes from the same run:
 *
 *   1. N items at emulator latency L for concurrency C in {1, 4, 16, 32}, rate cap off: wall time,
 *      items/s, ratio to the floor N·L/C, and the same N requests sent straight with an undici Pool
 *      of C connections (same bodies, same Authorization header) as the client-side floor.
 *   2. The emulator enforcing 25 requests/s (429 + Retry-After: 1 beyond it), the node with its
 *      DEFAULT request options: achieved requests/s, 429s received, failed items, order preserved.
 *   3. 10,000 items at zero latency: CPU time per item, peak RSS, TCP connections per run.
 *   4. At real latencies (0.1, 1, 2, 6, 20 s per completion), the node with its DEFAULT request
 *      options under the 25 requests/s limit: the steady rate as the emulator saw it, in flight,
 *      429s, failures and order; peak RSS growth for 2,000 items at 2 s; and 2, 4 and 8 node runs on
 *      one key at once, each in a harness process of its own, started together and a few seconds
 *      apart: the rate together, the 429 share, each run's share, and how soon the run left alone
 *      takes back the whole cap (test/support/sharedKey.js), plotted for 4 runs.
 *
 * The emulator runs in a child process (this script with --emulator-child), so its CPU time and
 * memory are not counted as the node's, and its timers do not share an event loop with the node.
 *
 * Options:
 *   --items N          items per run of section 1 (default 1000)
 *   --latency MS       emulator latency for sections 1 and 2 (default 100)
 *   --concurrency LIST concurrencies of section 1 (default 1,4,16,32)
 *   --quick            C=1 runs --quick-items items (default 200) instead of N (about 160 s less)
 *   --repeat R         run each row of section 1 R times and report the median (default 1)
 *   --helper LIST      concurrencies of section 1 that also run the bare n8n-helper reference node and
 *                      an undici Pool opening a new connection per request (default 16; none)
 *   --rate-items N     items of section 2 with the default request options (default 400)
 *   --burst-items N    items of section 2 with the rate cap off (default 150; 0 skips the row)
 *   --cpu-items N      items of section 3 (default 10000)
 *   --real-latencies L latencies in ms of section 4 (default 100,1000,2000,6000,20000; none skips them)
 *   --real-items N     items per latency of section 4 (default 740: over 30 s of starts at 23 req/s)
 *   --memory-items N   items of section 4's memory run at 2 s (default 2000; 0 skips it)
 *   --shared-runs LIST how many runs share one key in section 4 (default 2,4,8; none skips them)
 *   --shared-items N   items of all runs on one key together, split evenly (default 1200)
 *   --shared-gap MS    the runs' start times apart in the staggered rows (default 3000; 0: only together)
 *   --shared-tail S    run A's extra items: S seconds at the default cap, alone after the others (default 20),
 *                      plus its head start in the staggered rows (the other runs' delays, at the cap)
 *   --sections LIST    sections to run (default 1,2,3,4)
 *   --write            also write README.md's Benchmark section and docs/benchmark-throughput.svg
 *   --json FILE        also write every measured figure as JSON
 *   --report FILE      print (and with --write, write) the report of a run saved with --json; measures nothing
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { fork } = require('node:child_process');
const { performance } = require('node:perf_hooks');

const { TARGETS, RUN_NAMES, steadyRate, sharedFigures } = require('./bench/figures');
const { f1, f2, secs, mb } = require('./bench/format');
const { publish } = require('./bench/publish');

const REPO = path.resolve(__dirname, '..');
const MODEL = 'gpt-4o-mini';

// ---------------------------------------------------------------------------------------------
// Emulator child process
// ---------------------------------------------------------------------------------------------

async function emulatorChild() {
	const { startEmulator } = require('../test/support/emulator');
	const emu = await startEmulator({});
	const summarize = ({ times = false } = {}) => {
		const completions = emu.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/v1/completions'));
		const ok = completions.filter((r) => r.status === 200).map((r) => r.startedAt);
		const all = completions.map((r) => r.startedAt);
		// Most requests admitted (200) in any 1 s window starting at an admitted request.
		let peakWindow = 0;
		for (let i = 0, j = 0; i < ok.length; i++) {
			while (ok[i] - ok[j] >= 1000) j++;
			peakWindow = Math.max(peakWindow, i - j + 1);
		}
		const first = completions[0];
		// Per run when several runs share the emulator: their prompts start with different words.
		const perPrefix = {};
		for (const r of completions) {
			const prefix = String(r.body?.prompt ?? '').split(' ')[0];
			const entry = (perPrefix[prefix] ??= { ok: 0, rejected: 0, firstOk: null, lastOk: null, ...(times ? { okTimes: [], rejectedTimes: [] } : {}) });
			if (times && r.status === 200) entry.okTimes.push(r.startedAt);
			if (times && r.status === 429) entry.rejectedTimes.push(r.startedAt);
			if (r.status === 200) {
				entry.ok++;
				entry.firstOk = entry.firstOk === null ? r.startedAt : Math.min(entry.firstOk, r.startedAt);
				entry.lastOk = entry.lastOk === null ? r.startedAt : Math.max(entry.lastOk, r.startedAt);
			} else if (r.status === 429) entry.rejected++;
		}
		return {
			okCount: ok.length,
			perPrefix,
			stats: JSON.parse(JSON.stringify(emu.stats)),
			count: completions.length,
			firstStart: all.length ? Math.min(...all) : null,
			lastStart: all.length ? Math.max(...all) : null,
			firstOk: ok.length ? ok[0] : null,
			lastOk: ok.length ? ok[ok.length - 1] : null,
			peakOkPerSecond: peakWindow,
			serverMsMean: completions.length
				? completions.reduce((sum, r) => sum + ((r.finishedAt ?? r.startedAt) - r.startedAt), 0) / completions.length
				: null,
			sample: first ? { headers: first.headers, body: first.body } : null,
		};
	};
	const commands = {
		configure({ latencyMs = 0, rateLimit }) {
			emu.reset();
			emu.setLatency(latencyMs);
			emu.setRateLimit(rateLimit);
			return {};
		},
		summary: (args) => summarize(args),
		async close() {
			await emu.close();
			setImmediate(() => process.exit(0));
			return {};
		},
	};
	process.on('message', async (message) => {
		try {
			const result = await commands[message.cmd](message.args ?? {});
			process.send({ id: message.id, result });
		} catch (error) {
			process.send({ id: message.id, error: String(error?.stack ?? error) });
		}
	});
	process.on('disconnect', () => process.exit(0));
	process.send({ ready: { baseUrl: emu.baseUrl, origin: emu.origin, apiKey: emu.apiKey } });
}

function startEmulatorChild() {
	const child = fork(__filename, ['--emulator-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	let nextId = 0;
	const pending = new Map();
	return new Promise((resolve, reject) => {
		child.once('exit', (code) => reject(new Error(`emulator child exited (${code})`)));
		child.on('message', (message) => {
			if (message.ready) {
				resolve({
					...message.ready,
					call(cmd, args) {
						const id = ++nextId;
						child.send({ id, cmd, args });
						return new Promise((res, rej) => pending.set(id, { res, rej }));
					},
					async close() {
						const exited = new Promise((res) => child.once('exit', res));
						await this.call('close').catch(() => undefined);
						await exited;
					},
				});
				return;
			}
			const waiter = pending.get(message.id);
			if (!waiter) return;
			pending.delete(message.id);
			if (message.error) waiter.rej(new Error(message.error));
			else waiter.res(message.result);
		});
	});
}

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

function promptFor(i, prefix = 'Row') {
	return `${prefix} ${i + 1}: write a one-line description of product SKU-${String(i + 1).padStart(5, '0')}`;
}

/** The quoted prompt excerpt the emulator puts in every completion text. */
function excerptOf(prompt) {
	return `"${prompt.slice(0, 40).replace(/\s+/g, ' ').trim()}"`;
}

function makeItems(n, prefix) {
	return Array.from({ length: n }, (_, i) => ({ prompt: promptFor(i, prefix) }));
}

/** A full garbage collection, so that a run's RSS baseline does not carry the previous run's garbage. */
function collectGarbage() {
	const v8 = require('node:v8');
	const vm = require('node:vm');
	v8.setFlagsFromString('--expose-gc');
	vm.runInNewContext('gc')();
}

/** Samples RSS every ~50 ms while running `fn`; returns CPU time, wall time and peak RSS. */
async function measure(fn) {
	let peakRss = process.memoryUsage().rss;
	const baseRss = peakRss;
	const timer = setInterval(() => {
		peakRss = Math.max(peakRss, process.memoryUsage().rss);
	}, 50);
	const cpu0 = process.cpuUsage();
	const t0 = performance.now();
	const startEpoch = performance.timeOrigin + t0;
	let value;
	try {
		value = await fn();
	} finally {
		clearInterval(timer);
	}
	const wallMs = performance.now() - t0;
	const cpu = process.cpuUsage(cpu0);
	peakRss = Math.max(peakRss, process.memoryUsage().rss);
	return { value, wallMs, startEpoch, cpuMs: (cpu.user + cpu.system) / 1000, baseRss, peakRss };
}

/** The run with the median wall time (the lower middle one for an even count). */
function medianRun(runs) {
	const sorted = [...runs].sort((a, b) => a.wallMs - b.wallMs);
	return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Failed items and order/pairing check of a node run's output. */
function checkOutput(result, prompts) {
	const out = result.items;
	let failed = 0;
	let misordered = 0;
	let retried = 0;
	const errors = new Map();
	for (let i = 0; i < prompts.length; i++) {
		const item = out[i];
		const json = item?.json;
		if (!json || json.error !== undefined || typeof json.text !== 'string') {
			failed++;
			const reason = String(json?.error ?? 'missing item');
			errors.set(reason, (errors.get(reason) ?? 0) + 1);
			continue;
		}
		if (typeof json.attempts === 'number' && json.attempts > 1) retried++;
		const paired = item.pairedItem && item.pairedItem.item === i;
		if (!paired || !json.text.includes(excerptOf(prompts[i]))) misordered++;
	}
	if (result.error) errors.set(`execution error: ${result.error.message}`, prompts.length);
	return {
		outputItems: out.length,
		failed: result.error ? prompts.length : failed,
		ordered: !result.error && out.length === prompts.length && misordered === 0,
		misordered,
		retried,
		errors: [...errors].map(([message, count]) => `${count}× ${message}`),
	};
}

function nodeParameters(requestOptions) {
	const parameters = {
		operation: 'complete',
		model: { __rl: true, mode: 'id', value: MODEL },
		prompt: '={{ $json.prompt }}',
	};
	if (requestOptions) parameters.requestOptions = requestOptions;
	return parameters;
}

/**
 * Reference node for attributing overhead: per item one `this.helpers.httpRequestWithAuthentication`
 * call with the request options the NanoGPT node sends, C at a time, and nothing else (no
 * validation, retries, pacing or output shaping). Node ÷ this = the node's own logic; this ÷ the
 * undici Pool = n8n's request helper and the execution engine.
 */
class BareHelperNode {
	description = {
		displayName: 'Bare helper (bench)',
		name: 'bareHelperBench',
		group: ['transform'],
		version: 1,
		description: 'Benchmark reference: the n8n request helper alone',
		defaults: { name: 'Bare helper' },
		inputs: ['main'],
		outputs: ['main'],
		credentials: [{ name: 'nanoGptApi', required: true }],
		properties: [
			{ displayName: 'Concurrency', name: 'concurrency', type: 'number', default: 16 },
			{ displayName: 'Model', name: 'model', type: 'string', default: MODEL },
			{ displayName: 'Prompt', name: 'prompt', type: 'string', default: '' },
		],
	};

	async execute() {
		const items = this.getInputData();
		const concurrency = this.getNodeParameter('concurrency', 0);
		const model = this.getNodeParameter('model', 0);
		const { baseUrl } = await this.getCredentials('nanoGptApi');
		const prompts = items.map((_, i) => this.getNodeParameter('prompt', i));
		const out = new Array(items.length);
		let next = 0;
		const worker = async () => {
			while (next < items.length) {
				const i = next++;
				const response = await this.helpers.httpRequestWithAuthentication.call(this, 'nanoGptApi', {
					method: 'POST',
					url: `${String(baseUrl).replace(/\/+$/, '')}/v1/completions`,
					headers: { Accept: 'application/json' },
					body: { model, prompt: prompts[i] },
					json: true,
					encoding: 'text',
					returnFullResponse: true,
					ignoreHttpStatusErrors: true,
					timeout: 300000,
				});
				const body = typeof response.body === 'string' ? JSON.parse(response.body) : response.body;
				out[i] = { json: { text: body?.choices?.[0]?.text }, pairedItem: { item: i } };
			}
		};
		await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
		return [out];
	}
}

async function runBareHelperOnce(ctx, { items, concurrency, latencyMs }) {
	await ctx.emu.call('configure', { latencyMs });
	const prompts = items.map((item) => item.prompt);
	const m = await measure(() =>
		ctx.runNode({
			node: ctx.bareNode,
			credentialTypes: [ctx.credentialType],
			credentials: { nanoGptApi: { apiKey: ctx.emu.apiKey, baseUrl: ctx.emu.baseUrl } },
			parameters: { concurrency, model: MODEL, prompt: '={{ $json.prompt }}' },
			items,
		}),
	);
	const summary = await ctx.emu.call('summary');
	return { ...m, value: undefined, check: checkOutput(m.value, prompts), emulator: summary };
}

async function runNodeOnce(ctx, { items, requestOptions, latencyMs, rateLimit, continueOnFail = false }) {
	await ctx.emu.call('configure', { latencyMs, rateLimit });
	const prompts = items.map((item) => item.prompt);
	const m = await measure(() =>
		ctx.runNode({
			node: ctx.node,
			credentialTypes: [ctx.credentialType],
			credentials: { nanoGptApi: { apiKey: ctx.emu.apiKey, baseUrl: ctx.emu.baseUrl } },
			parameters: nodeParameters(requestOptions),
			items,
			continueOnFail,
		}),
	);
	const summary = await ctx.emu.call('summary');
	return { ...m, value: undefined, check: checkOutput(m.value, prompts), emulator: summary };
}

async function runPoolOnce(ctx, { prompts, concurrency, latencyMs, newConnectionEachRequest = false }) {
	await ctx.emu.call('configure', { latencyMs });
	const { Pool } = require('undici');
	const { origin, completionsPath, headers, bodyTemplate } = ctx.direct;
	const texts = new Array(prompts.length);
	let failed = 0;
	const m = await measure(async () => {
		const pool = new Pool(origin, { connections: concurrency });
		let next = 0;
		const worker = async () => {
			while (next < prompts.length) {
				const i = next++;
				const { statusCode, body } = await pool.request({
					path: completionsPath,
					method: 'POST',
					headers,
					body: JSON.stringify({ ...bodyTemplate, prompt: prompts[i] }),
					// `reset` closes the connection after the response: one TCP connection per request, as n8n's helper does.
					reset: newConnectionEachRequest,
				});
				const json = await body.json();
				if (statusCode !== 200) failed++;
				else texts[i] = json.choices[0].text;
			}
		};
		await Promise.all(Array.from({ length: Math.min(concurrency, prompts.length) }, worker));
		await pool.close();
	});
	const summary = await ctx.emu.call('summary');
	const misordered = prompts.filter((p, i) => !(texts[i] ?? '').includes(excerptOf(p))).length - failed;
	return { ...m, value: undefined, check: { failed, misordered, ordered: failed === 0 && misordered === 0 }, emulator: summary };
}

// ---------------------------------------------------------------------------------------------
// Section 3 runs each client in a fresh process, so its RSS and CPU time are its own
// ---------------------------------------------------------------------------------------------

function loadNode() {
	const { ensureBuilt } = require('./lib/build');
	return {
		ensureBuilt,
		load() {
			const { NanoGpt } = require(path.join(REPO, 'dist', 'nodes', 'NanoGpt', 'NanoGpt.node.js'));
			const { NanoGptApi } = require(path.join(REPO, 'dist', 'credentials', 'NanoGptApi.credentials.js'));
			const defaults = require(path.join(REPO, 'dist', 'nodes', 'NanoGpt', 'description', 'requestOptions.js'));
			const { runNode } = require('../test/support/harness');
			return { NanoGpt, NanoGptApi, defaults, runNode };
		},
	};
}

/**
 * Child: warm up, report ready, wait for 'go', run `items` once and send the measurement.
 * `requestOptions: null` runs the node with its default request options.
 */
async function costChild() {
	const setup = JSON.parse(process.env.NANOGPT_BENCH_COST_CHILD);
	const { NanoGpt, NanoGptApi, runNode } = loadNode().load();
	// The parent configures and resets the emulator; here `configure` is a no-op and the summary is the parent's.
	const emu = { ...setup.emu, call: async () => ({}) };
	const ctx = { emu, node: new NanoGpt(), bareNode: new BareHelperNode(), credentialType: new NanoGptApi(), runNode, direct: setup.direct };
	const { concurrency } = setup;
	const requestOptions = setup.requestOptions === null ? undefined : (setup.requestOptions ?? { concurrency, requestsPerSecond: 0 });
	const run = (items) => {
		if (setup.client === 'node') return runNodeOnce(ctx, { items, requestOptions, latencyMs: 0, continueOnFail: true });
		if (setup.client === 'helper') return runBareHelperOnce(ctx, { items, concurrency, latencyMs: 0 });
		return runPoolOnce(ctx, { prompts: items.map((i) => i.prompt), concurrency, latencyMs: 0 });
	};
	await run(makeItems(64, 'Warm-up'));
	const items = makeItems(setup.items, setup.prefix);
	collectGarbage();
	process.send({ warm: true });
	await new Promise((resolve) => process.once('message', resolve));
	if (setup.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, setup.delayMs));
	const result = await run(items);
	process.send({ result: { ...result, emulator: undefined } });
}

/**
 * Runs clients in fresh processes at the same moment: each warms up at zero latency, then the
 * emulator is set to `latencyMs` and `rateLimit` and they all start together. Returns each
 * client's measurement and the emulator's summary of the runs.
 */
async function runChildren(ctx, setups, { latencyMs = 0, rateLimit, times = false } = {}) {
	await ctx.emu.call('configure', { latencyMs: 0 });
	const emu = { baseUrl: ctx.emu.baseUrl, origin: ctx.emu.origin, apiKey: ctx.emu.apiKey };
	const children = setups.map((setup) => {
		const child = fork(__filename, ['--cost-child'], {
			env: { ...process.env, NANOGPT_BENCH_COST_CHILD: JSON.stringify({ ...setup, emu, direct: ctx.direct }) },
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		});
		const exited = new Promise((resolve) => child.once('exit', resolve));
		const next = () =>
			new Promise((resolve, reject) => {
				const onExit = (code) => reject(new Error(`bench child (${setup.client}) exited (${code})`));
				child.once('exit', onExit);
				child.once('message', (message) => {
					child.off('exit', onExit);
					resolve(message);
				});
			});
		return { child, exited, next };
	});
	await Promise.all(children.map(({ next }) => next())); // warm
	await ctx.emu.call('configure', { latencyMs, rateLimit }); // the warm-ups' requests do not count
	const results = children.map(({ next }) => next());
	for (const { child } of children) child.send('go');
	const measured = (await Promise.all(results)).map(({ result }) => result);
	for (const { child } of children) if (child.connected) child.disconnect();
	await Promise.all(children.map(({ exited }) => exited));
	return { results: measured, emulator: await ctx.emu.call('summary', { times }) };
}

async function runCostChild(ctx, client, items, concurrency) {
	const { results, emulator } = await runChildren(ctx, [{ client, items, concurrency }]);
	return { ...results[0], emulator };
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

function parseArgs(argv) {
	const args = {
		items: 1000, latency: 100, concurrency: '1,4,16,32', helper: '16', repeat: 1, quick: false, quickItems: 200, rateItems: 400,
		burstItems: 150, cpuItems: 10000, realLatencies: '100,1000,2000,6000,20000', realItems: 740, memoryItems: 2000, sharedItems: 1200,
		sharedRuns: '2,4,8', sharedGap: 3000, sharedTail: 20,
		sections: '1,2,3,4', write: false, json: undefined,
	};
	const names = {
		items: 'items', latency: 'latency', concurrency: 'concurrency', helper: 'helper', repeat: 'repeat', 'quick-items': 'quickItems',
		'rate-items': 'rateItems', 'burst-items': 'burstItems', 'cpu-items': 'cpuItems', 'real-latencies': 'realLatencies',
		'real-items': 'realItems', 'memory-items': 'memoryItems', 'shared-items': 'sharedItems', 'shared-runs': 'sharedRuns',
		'shared-gap': 'sharedGap', 'shared-tail': 'sharedTail', sections: 'sections', json: 'json', report: 'report',
	};
	for (let i = 0; i < argv.length; i++) {
		const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
		if (!m) throw new Error(`bench: unexpected argument ${argv[i]}`);
		if (m[1] === 'quick' || m[1] === 'write') {
			args[m[1]] = true;
			continue;
		}
		const key = names[m[1]];
		if (!key) throw new Error(`bench: unknown option --${m[1]}`);
		args[key] = m[2] ?? argv[++i];
	}
	const int = (v, name) => {
		const n = Number(v);
		if (!Number.isInteger(n) || n < 0) throw new Error(`bench: --${name} must be a whole number, got ${v}`);
		return n;
	};
	return {
		items: int(args.items, 'items'),
		latencyMs: int(args.latency, 'latency'),
		concurrencies: String(args.concurrency).split(',').map((c) => int(c, 'concurrency')),
		helperConcurrencies: args.helper === 'none' ? [] : String(args.helper).split(',').map((c) => int(c, 'helper')),
		repeat: Math.max(1, int(args.repeat, 'repeat')),
		quick: args.quick,
		quickItems: int(args.quickItems, 'quick-items'),
		rateItems: int(args.rateItems, 'rate-items'),
		burstItems: int(args.burstItems, 'burst-items'),
		cpuItems: int(args.cpuItems, 'cpu-items'),
		realLatencies: args.realLatencies === 'none' ? [] : String(args.realLatencies).split(',').map((l) => int(l, 'real-latencies')),
		realItems: int(args.realItems, 'real-items'),
		memoryItems: int(args.memoryItems, 'memory-items'),
		sharedItems: int(args.sharedItems, 'shared-items'),
		sharedRuns: args.sharedRuns === 'none' ? [] : String(args.sharedRuns).split(',').map((n) => int(n, 'shared-runs')),
		sharedGapMs: int(args.sharedGap, 'shared-gap'),
		sharedTailSeconds: int(args.sharedTail, 'shared-tail'),
		sections: String(args.sections).split(',').map((n) => int(n, 'sections')),
		write: args.write,
		json: args.json,
		report: args.report,
		argsText: argv.filter((a, i) => a !== '--write' && !a.startsWith('--json') && argv[i - 1] !== '--json').join(' '),
	};
}

function environment() {
	const version = (name) => {
		try {
			return require(`${name}/package.json`).version;
		} catch {
			return '?';
		}
	};
	return {
		date: new Date().toISOString().slice(0, 10),
		node: process.versions.node,
		n8nCore: version('n8n-core'),
		undici: version('undici'),
		cpus: os.cpus().length,
		cpuModel: (os.cpus()[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim(),
		platform: `${os.type()} ${os.release()}`,
	};
}

async function main() {
	const config = parseArgs(process.argv.slice(2));
	const log = (m) => process.stderr.write(`${m}\n`);
	if (config.report) {
		// Re-render a saved run (--json FILE) without measuring again; the figures of runs on one key are
		// counted again from the start times saved with them, so that a run saved before a figure was added has it.
		const saved = JSON.parse(fs.readFileSync(config.report, 'utf8'));
		for (const row of saved.real?.shared ?? []) row.figures = sharedFigures(row);
		publish(saved, config.write, log);
		return;
	}
	const started = performance.now();
	const loadBefore = os.loadavg();
	if (loadBefore[0] > os.cpus().length * 0.5) {
		log(`warning: load average ${loadBefore.map(f2).join(' ')} on ${os.cpus().length} CPUs: other work will skew the figures`);
	}

	const loader = loadNode();
	loader.ensureBuilt({ log });
	const { NanoGpt, NanoGptApi, defaults, runNode } = loader.load();

	const emu = await startEmulatorChild();
	const ctx = { emu, node: new NanoGpt(), bareNode: new BareHelperNode(), credentialType: new NanoGptApi(), runNode, direct: undefined };
	try {
		// Warm-up (JIT, module loading, n8n-core's DI container) and the request the node sends,
		// which the undici Pool then replays: same path, same body fields, same auth header.
		const warmupItems = 64;
		log(`warm-up: ${warmupItems} items through the node ...`);
		const warm = await runNodeOnce(ctx, { items: makeItems(warmupItems), requestOptions: { concurrency: 16, requestsPerSecond: 0 }, latencyMs: 0 });
		if (warm.check.failed) throw new Error(`warm-up failed: ${warm.check.errors.join('; ')}`);
		const sample = warm.emulator.sample;
		const { prompt: _prompt, ...bodyTemplate } = sample.body;
		ctx.direct = {
			origin: emu.origin,
			completionsPath: new URL(`${emu.baseUrl}/v1/completions`).pathname,
			headers: {
				authorization: sample.headers.authorization,
				'content-type': 'application/json',
				accept: 'application/json',
			},
			bodyTemplate,
		};
		log(`  node sends ${JSON.stringify({ ...bodyTemplate, prompt: '…' })} with Authorization: Bearer …`);
		await runPoolOnce(ctx, { prompts: makeItems(warmupItems).map((i) => i.prompt), concurrency: 16, latencyMs: 0 });
		await runBareHelperOnce(ctx, { items: makeItems(warmupItems), concurrency: 16, latencyMs: 0 });

		const wanted = (section) => config.sections.includes(section);
		// 1. Scaling with concurrency.
		const scaling = [];
		for (const concurrency of wanted(1) ? config.concurrencies : []) {
			const scaledDown = config.quick && concurrency === 1 && config.quickItems < config.items;
			const n = scaledDown ? config.quickItems : config.items;
			const items = makeItems(n);
			const floorMs = (n * config.latencyMs) / concurrency;
			log(`1. C=${concurrency}, N=${n}, L=${config.latencyMs} ms (floor ${secs(floorMs)}) ...`);
			const repeats = { node: [], pool: [], helper: [], poolNew: [] };
			for (let rep = 0; rep < config.repeat; rep++) {
				const node = await runNodeOnce(ctx, { items, requestOptions: { concurrency, requestsPerSecond: 0 }, latencyMs: config.latencyMs });
				log(`   node  ${secs(node.wallMs)} (${f2(node.wallMs / floorMs)}x floor), failed ${node.check.failed}, max in flight ${node.emulator.stats.maxInFlight}`);
				if (node.check.errors.length) log(`   node errors: ${node.check.errors.slice(0, 5).join('; ')}`);
				repeats.node.push(node);
				const pool = await runPoolOnce(ctx, { prompts: items.map((i) => i.prompt), concurrency, latencyMs: config.latencyMs });
				log(`   pool  ${secs(pool.wallMs)} (${f2(pool.wallMs / floorMs)}x floor); node/pool ${f2(node.wallMs / pool.wallMs)}x`);
				repeats.pool.push(pool);
				if (config.helperConcurrencies.includes(concurrency)) {
					const helper = await runBareHelperOnce(ctx, { items, concurrency, latencyMs: config.latencyMs });
					log(`   bare n8n helper ${secs(helper.wallMs)} (${f2(helper.wallMs / floorMs)}x floor); node/helper ${f2(node.wallMs / helper.wallMs)}x`);
					repeats.helper.push(helper);
					const poolNew = await runPoolOnce(ctx, { prompts: items.map((i) => i.prompt), concurrency, latencyMs: config.latencyMs, newConnectionEachRequest: true });
					log(`   pool, new connection per request ${secs(poolNew.wallMs)} (${f2(poolNew.wallMs / floorMs)}x floor), ${poolNew.emulator.stats.connections} connections`);
					repeats.poolNew.push(poolNew);
				}
			}
			const node = medianRun(repeats.node);
			const pool = medianRun(repeats.pool);
			const helper = repeats.helper.length ? medianRun(repeats.helper) : undefined;
			const poolNew = repeats.poolNew.length ? medianRun(repeats.poolNew) : undefined;
			node.range = [Math.min(...repeats.node.map((r) => r.wallMs)), Math.max(...repeats.node.map((r) => r.wallMs))];
			pool.range = [Math.min(...repeats.pool.map((r) => r.wallMs)), Math.max(...repeats.pool.map((r) => r.wallMs))];
			// Failures and order over every repetition, not only the median one.
			node.check = { ...node.check, failed: Math.max(...repeats.node.map((r) => r.check.failed)), ordered: repeats.node.every((r) => r.check.ordered) };
			pool.check = { ...pool.check, failed: Math.max(...repeats.pool.map((r) => r.check.failed)), ordered: repeats.pool.every((r) => r.check.ordered) };
			scaling.push({ concurrency, items: n, scaledDown, floorMs, node, pool, helper, poolNew });
		}

		// 2. Against the rate limit: default request options, then a burst with the cap off.
		const rateLimit = { requestsPerSecond: TARGETS.rateLimit, retryAfterSeconds: 1 };
		const rateRow = async (label, n, requestOptions) => {
			log(`2. ${n} items against a ${TARGETS.rateLimit} req/s limit, ${label} ...`);
			const run = await runNodeOnce(ctx, { items: makeItems(n), requestOptions, latencyMs: config.latencyMs, rateLimit, continueOnFail: true });
			log(`   ${secs(run.wallMs)}, ${f1((n - run.check.failed) / (run.wallMs / 1000))} req/s, 429s ${run.emulator.stats.rateLimited}, failed ${run.check.failed}`);
			if (run.check.errors.length) log(`   errors: ${run.check.errors.slice(0, 5).join('; ')}`);
			return { label, items: n, requestOptions, node: run };
		};
		const requestDefaults = {
			concurrency: defaults.DEFAULT_CONCURRENCY,
			requestsPerSecond: defaults.DEFAULT_REQUESTS_PER_SECOND,
			maxRetries: defaults.DEFAULT_MAX_RETRIES,
		};
		let rate;
		if (wanted(2)) {
			rate = { defaults: requestDefaults, rows: [await rateRow('default request options', config.rateItems, undefined)] };
			if (config.burstItems > 0) {
				rate.rows.push(await rateRow('cap off (requestsPerSecond: 0)', config.burstItems, { requestsPerSecond: 0 }));
			}
		}

		// 3. CPU and memory per item at zero latency, at the concurrency of section 1's targets.
		let cpu;
		if (wanted(3)) {
			const cpuConcurrency = TARGETS.targetConcurrency;
			log(`3. ${config.cpuItems} items at zero latency, concurrency ${cpuConcurrency}, rate cap off ...`);
			const cpuNode = await runCostChild(ctx, 'node', config.cpuItems, cpuConcurrency);
			log(`   node  ${secs(cpuNode.wallMs)}, ${f2(cpuNode.cpuMs / config.cpuItems)} ms CPU per item, peak RSS ${mb(cpuNode.peakRss)}, ${cpuNode.emulator.stats.connections} connections`);
			const cpuHelper = await runCostChild(ctx, 'helper', config.cpuItems, cpuConcurrency);
			log(`   bare n8n helper ${secs(cpuHelper.wallMs)}, ${f2(cpuHelper.cpuMs / config.cpuItems)} ms CPU per item, peak RSS ${mb(cpuHelper.peakRss)}`);
			const cpuPool = await runCostChild(ctx, 'pool', config.cpuItems, cpuConcurrency);
			log(`   pool  ${secs(cpuPool.wallMs)}, ${f2(cpuPool.cpuMs / config.cpuItems)} ms CPU per item, peak RSS ${mb(cpuPool.peakRss)}, ${cpuPool.emulator.stats.connections} connections`);
			cpu = { items: config.cpuItems, concurrency: cpuConcurrency, node: cpuNode, pool: cpuPool, helper: cpuHelper };
		}

		// 4. At real latencies, default request options, under the limit.
		let real;
		if (wanted(4)) {
			real = { defaults: requestDefaults, rows: [] };
			for (const latencyMs of config.realLatencies) {
				log(`4. ${config.realItems} items at ${latencyMs} ms per completion, ${TARGETS.rateLimit} req/s limit, default request options ...`);
				const node = await runNodeOnce(ctx, { items: makeItems(config.realItems), requestOptions: undefined, latencyMs, rateLimit, continueOnFail: true });
				const e = node.emulator;
				log(`   steady ${f1(steadyRate(e))} req/s, ${secs(node.wallMs)}, max in flight ${e.stats.maxInFlight}, 429s ${e.stats.rateLimited}, failed ${node.check.failed}`);
				real.rows.push({ latencyMs, items: config.realItems, node });
			}
			if (config.memoryItems > 0) {
				log(`4. memory: ${config.memoryItems} items at 2000 ms, default request options, in a fresh process ...`);
				const { results: [memory], emulator } = await runChildren(ctx, [{ client: 'node', items: config.memoryItems, requestOptions: null }], { latencyMs: 2000, rateLimit });
				real.memory = { ...memory, items: config.memoryItems, latencyMs: 2000, emulator };
				log(`   peak RSS growth ${mb(memory.peakRss - memory.baseRss)}, max in flight ${emulator.stats.maxInFlight}, failed ${memory.check.failed}`);
			}
			if (config.sharedRuns.length > 0) {
				real.shared = [];
				const cap = requestDefaults.requestsPerSecond;
				for (const runs of config.sharedRuns) {
					for (const gapMs of config.sharedGapMs > 0 ? [0, config.sharedGapMs] : [0]) {
						const each = Math.round(config.sharedItems / runs);
						// Run A's head start in the staggered rows is added, else it finishes its extra items before the others do.
						const extra = Math.round((config.sharedTailSeconds + ((runs - 1) * gapMs) / 1000) * cap);
						const setups = Array.from({ length: runs }, (_, k) => ({
							client: 'node',
							items: each + (k === 0 ? extra : 0),
							requestOptions: null,
							prefix: `${RUN_NAMES[k]}-row`,
							delayMs: k * gapMs,
						}));
						log(`4. ${runs} runs on one key at 2000 ms, ${gapMs ? `${gapMs} ms apart` : 'started together'}, ${each} items each (+${extra} on run A), in ${runs} processes ...`);
						const { results, emulator } = await runChildren(ctx, setups, { latencyMs: 2000, rateLimit, times: true });
						const row = { runs, gapMs, items: each, extra, latencyMs: 2000, cap, runResults: results.map((r, k) => ({ ...r, prefix: setups[k].prefix, delayMs: setups[k].delayMs })), emulator };
						row.figures = sharedFigures(row);
						real.shared.push(row);
						const f = row.figures;
						log(
							`   together ${f1(f.together)} req/s, 429s ${f.rejected} (${f1(100 * f.rejectedShare)}%, ${f1(100 * f.whileShared.rejectedShare)}% while sharing), shares ${f.shareOfFair.map(f2).join(' ')}, ` +
								`tail back at 0.9 of the cap after ${f.tail.recoveryMs === undefined ? 'never' : secs(f.tail.recoveryMs)}, failed ${results.map((r) => r.check.failed).join(' + ')}`,
						);
					}
				}
			}
		}

		const env = { ...environment(), loadBefore, loadAfter: os.loadavg() };
		const results = { config, env, warmupItems, scaling, rate, cpu, real, totalMs: performance.now() - started };
		if (config.json) fs.writeFileSync(config.json, `${JSON.stringify(results, null, 2)}\n`);
		const report = publish(results, config.write, log);
		const targetsMissed = (report.match(/\| MISSED/g) ?? []).length;
		log(`bench finished in ${f1((performance.now() - started) / 1000)} s${targetsMissed ? `; ${targetsMissed} target(s) missed` : '; all targets met'}`);
	} finally {
		await emu.close();
	}
}

if (process.argv[2] === '--emulator-child' || process.argv[2] === '--cost-child') {
	(process.argv[2] === '--emulator-child' ? emulatorChild() : costChild()).catch((error) => {
		process.stderr.write(`${error?.stack ?? error}\n`);
		process.exit(1);
	});
} else {
	main().catch((error) => {
		process.stderr.write(`bench: ${error?.stack ?? error}\n`);
		process.exitCode = 1;
	});
}
