#!/usr/bin/env node
'use strict';
/*
 * `npm run bench`: the throughput benchmark of issue 4 (a script, not a timed test).
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

const REPO = path.resolve(__dirname, '..');
const MODEL = 'gpt-4o-mini';
const TARGETS = {
	floorRatio: 1.15,
	poolRatio: 1.1,
	targetConcurrency: 16,
	minRps: 22,
	rateLimit: 25,
	// Section 4: the steady rate at every latency as a share of the default cap; runs on one key.
	steadyShareOfCap: 0.9,
	sharedShareOfLimit: 0.9,
	sharedMaxRejected: 0.05,
	sharedFairFactor: 2,
	sharedRecoverShareOfCap: 0.9,
	sharedRecoverMs: 10_000,
	memoryGrowthMb: 200,
};

// ---------------------------------------------------------------------------------------------
// Emulator child process
// ---------------------------------------------------------------------------------------------

async function emulatorChild() {
	const { startEmulator } = require('../test/support/emulator.ts');
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

/** Admitted (200) requests per second between the first and the last admitted start. */
function steadyRate({ okCount, firstOk, lastOk }) {
	return lastOk > firstOk ? (okCount - 1) / ((lastOk - firstOk) / 1000) : NaN;
}

/** Run names in section 4's rows of runs on one key. */
const RUN_NAMES = 'ABCDEFGHIJKLMNOP'.split('');

/** The figures of a row of runs on one key, from the start times the emulator saw (test/support/sharedKey.js). */
function sharedFigures(row) {
	const { sharedKeyFigures } = require('../test/support/sharedKey.ts');
	const runs = row.runResults.map((r) => {
		const mine = row.emulator.perPrefix[r.prefix] ?? {};
		return { admitted: mine.okTimes ?? [], rejected: mine.rejectedTimes ?? [] };
	});
	return sharedKeyFigures(runs, { cap: row.cap });
}

/** Which of the targets a row of runs on one key missed (none: all met). */
function sharedMisses(row) {
	const f = row.figures;
	const misses = [];
	if (!(f.together >= TARGETS.sharedShareOfLimit * TARGETS.rateLimit)) misses.push('rate together');
	if (Math.max(f.rejectedShare, f.whileShared.rejectedShare) > TARGETS.sharedMaxRejected) misses.push('429 share');
	if (row.runResults.some((r) => r.check.failed > 0 || !r.check.ordered)) misses.push('rows lost or out of order');
	if (f.shareOfFair.some((share) => !(share >= 1 / TARGETS.sharedFairFactor && share <= TARGETS.sharedFairFactor))) misses.push('fair share');
	if (!(f.tail.recoveryMs <= TARGETS.sharedRecoverMs)) misses.push('recovery');
	return misses;
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
			const { runNode } = require('../test/support/harness.ts');
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
// Report
// ---------------------------------------------------------------------------------------------

const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes) => `${Math.round(bytes / (1024 * 1024))} MB`;
const yesNo = (ok) => (ok ? 'yes' : 'NO');
const plural = (count, noun) => `${count} ${noun}${count === 1 ? '' : 's'}`;
const concurrencyLabel = (c) => (c === 0 ? 'Auto' : String(c));

function table(headers, rows) {
	const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
	for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
	return lines.join('\n');
}

function renderReport(results) {
	const { config, env, scaling, rate, cpu, real } = results;
	const withHelper = scaling.filter((r) => r.helper && r.poolNew);
	const L = config.latencyMs;
	const out = [];
	out.push('<!-- Generated by `npm run bench -- --write` (scripts/bench.js). The image path is relative to the repository root, for README.md. -->');
	out.push(`## Benchmark`);
	out.push('');
	out.push(
		`\`npm run bench${config.argsText ? ` -- ${config.argsText}` : ''}\`, ${env.date}: Node ${env.node}, n8n-core ${env.n8nCore}, ` +
			`undici ${env.undici}, ${env.cpus}× ${env.cpuModel}, ${env.platform}. ` +
			`The node runs inside n8n-core's real \`WorkflowExecute\` (test/support/harness.js) against the ` +
			`NanoGPT emulator in a child process over loopback HTTP; every figure below comes from this one run ` +
			`(${f1(results.totalMs / 1000)} s in all; load average ${env.loadBefore.map(f2).join(' ')} before, ` +
			`${env.loadAfter.map(f2).join(' ')} after).`,
	);
	out.push('');
	if (scaling.length) {
		out.push(`### 1. Throughput: ${L} ms latency, rate cap off`);
		out.push('');
		out.push(
			`Floor = N·L/C, the time C parallel requests of ${L} ms need. undici Pool = the same N requests ` +
				`(same JSON bodies, same \`Authorization\` header) sent straight with an \`undici\` Pool of C connections, ` +
				`the client-side floor. Node options: \`concurrency: C, requestsPerSecond: 0\`.` +
				(config.repeat > 1 ? ` Each row is the median of ${config.repeat} runs (wall range in brackets).` : ''),
		);
		out.push('');
		out.push(
			table(
				['C', 'N', 'Floor N·L/C', 'Node wall', 'Node items/s', 'Node / floor', 'Pool wall', 'Pool items/s', 'Pool / floor', 'Node / pool', 'Max in flight', 'TCP conns node / pool', 'Failed', 'Order kept'],
				scaling.map((r) => [
					r.concurrency,
					`${r.items}${r.scaledDown ? ' (--quick)' : ''}`,
					secs(r.floorMs),
					config.repeat > 1 ? `${secs(r.node.wallMs)} (${f2(r.node.range[0] / 1000)}–${f2(r.node.range[1] / 1000)})` : secs(r.node.wallMs),
					f1(r.items / (r.node.wallMs / 1000)),
					`${f2(r.node.wallMs / r.floorMs)}x`,
					config.repeat > 1 ? `${secs(r.pool.wallMs)} (${f2(r.pool.range[0] / 1000)}–${f2(r.pool.range[1] / 1000)})` : secs(r.pool.wallMs),
					f1(r.items / (r.pool.wallMs / 1000)),
					`${f2(r.pool.wallMs / r.floorMs)}x`,
					`${f2(r.node.wallMs / r.pool.wallMs)}x`,
					r.node.emulator.stats.maxInFlight,
					`${r.node.emulator.stats.connections} / ${r.pool.emulator.stats.connections}`,
					r.node.check.failed + r.pool.check.failed,
					yesNo(r.node.check.ordered && r.pool.check.ordered),
				]),
			),
		);
		if (withHelper.length) {
			out.push('');
			out.push(`#### Where the time goes`);
			out.push('');
			out.push(
				`From the client-side floor up to the node, one step at a time, each measured in this run: an undici Pool ` +
					`that opens a new TCP connection for every request (as n8n's helper does); a "bare helper" reference node ` +
					`in the same harness that only calls \`this.helpers.httpRequestWithAuthentication\` with the node's request ` +
					`options, C at a time (no validation, retries, pacing or output shaping); the NanoGPT node. ` +
					`"Step" = wall time ÷ the row above. "Before 1st request" = run start until the emulator saw the first request. ` +
					`CPU = the benchmark process during the run ÷ items (the emulator runs in its own process).`,
			);
			out.push('');
			const ladder = [];
			for (const r of withHelper) {
				const steps = [
					['undici Pool, keep-alive (the floor above)', r.pool, ''],
					['undici Pool, new TCP connection per request', r.poolNew, 'connection setup'],
					['Bare n8n helper in WorkflowExecute', r.helper, "n8n's request helper and engine"],
					['NanoGPT node', r.node, "the node's own logic"],
				];
				steps.forEach(([name, run, what], k) => {
					ladder.push([
						k === 0 ? `C=${r.concurrency}, N=${r.items}` : '',
						name,
						secs(run.wallMs),
						`${f2(run.wallMs / r.floorMs)}x`,
						k === 0 ? '' : `${f2(run.wallMs / steps[k - 1][1].wallMs)}x (${what})`,
						`${Math.round(run.emulator.firstStart - run.startEpoch)} ms`,
						`${f2(run.cpuMs / r.items)} ms`,
						run.emulator.stats.connections,
					]);
				});
			}
			out.push(table(['Run', 'Client', 'Wall', '/ floor', 'Step', 'Before 1st request', 'CPU per item', 'TCP connections'], ladder));
		}
	}
	if (rate) {
		out.push('');
		out.push(`### 2. Against NanoGPT's limit: ${TARGETS.rateLimit} requests/s, 429 + \`Retry-After: 1\` beyond it`);
		out.push('');
		out.push(
			`${L} ms latency. First row: the node's DEFAULT request options (concurrency ${concurrencyLabel(rate.defaults.concurrency)}, ` +
				`${rate.defaults.requestsPerSecond} requests/s, ${rate.defaults.maxRetries} retries), no \`requestOptions\` set. ` +
				`Second row: the cap switched off (\`requestsPerSecond: 0\`, other options default), so the limit is hit and ` +
				`the 429 + Retry-After path does the work. Continue On Fail is on so that a failure costs one item, not the run. ` +
				`Achieved = items completed ÷ node wall time; steady = 200 responses per second between the first and the ` +
				`last admitted request, as the emulator saw them; peak = most 200s in any 1 s window.`,
		);
		out.push('');
		out.push(
			table(
				['Request options', 'Items', 'Wall', 'Achieved req/s', 'Steady req/s', 'Peak 200s in 1 s', 'Requests sent', '429s received', 'Retried items', 'Failed items', 'Order kept'],
				rate.rows.map((row) => {
					const e = row.node.emulator;
					const steady = steadyRate(e);
					return [
						row.label,
						row.items,
						secs(row.node.wallMs),
						f1((row.items - row.node.check.failed) / (row.node.wallMs / 1000)),
						f1(steady),
						e.peakOkPerSecond,
						e.count,
						e.stats.rateLimited,
						row.node.check.retried,
						row.node.check.failed,
						yesNo(row.node.check.ordered),
					];
				}),
			),
		);
	}
	if (cpu) {
		out.push('');
		out.push(`### 3. Cost per item: ${cpu.items} items, zero latency, rate cap off`);
		out.push('');
		out.push(
			`CPU = process.cpuUsage() delta of the client's process (node + n8n-core + harness; the emulator runs in ` +
				`its own process) ÷ items. Each client runs in a fresh process (n8n-core, the harness and the node loaded, a ` +
				`64-item warm-up, then a full GC: "RSS before"); RSS is sampled every 50 ms during the run. ` +
				`Node options: \`concurrency: ${cpu.concurrency}, requestsPerSecond: 0\`; the bare n8n helper (same concurrency) and the ` +
				`undici Pool (${cpu.concurrency} connections) rows are for scale.`,
		);
		out.push('');
		out.push(
			table(
				['Client', 'Wall', 'Items/s', 'CPU per item', 'Peak RSS', 'RSS before', 'RSS growth', 'TCP connections', 'Connections per item', 'Failed', 'Order kept'],
				[
					['NanoGPT node in n8n', cpu.node],
					['Bare n8n helper in n8n', cpu.helper],
					['undici Pool', cpu.pool],
				].map(([name, r]) => [
					name,
					secs(r.wallMs),
					f1(cpu.items / (r.wallMs / 1000)),
					`${f2(r.cpuMs / cpu.items)} ms`,
					mb(r.peakRss),
					mb(r.baseRss),
					mb(r.peakRss - r.baseRss),
					r.emulator.stats.connections,
					f2(r.emulator.stats.connections / cpu.items),
					r.check.failed,
					yesNo(r.check.ordered),
				]),
			),
		);
	}
	if (real) {
		const cap = real.defaults.requestsPerSecond;
		out.push('');
		out.push(`### 4. At real latencies: default request options under the ${TARGETS.rateLimit} requests/s limit`);
		out.push('');
		out.push(
			`The node with its DEFAULT request options (concurrency ${concurrencyLabel(real.defaults.concurrency)}, ${cap} requests/s, ` +
				`${real.defaults.maxRetries} retries), the emulator answering after the given latency and refusing with 429 + ` +
				`\`Retry-After: 1\` beyond ${TARGETS.rateLimit} requests in any second; Continue On Fail on. ` +
				`Steady rate = requests the emulator admitted (200) between the first and the last admitted start, divided by that ` +
				`span: at 20 s per completion, start-up and the tail dominate items ÷ wall time, so the targets are set on it. ` +
				`Max in flight as the emulator saw it.`,
		);
		if (real.rows.length) out.push('');
		if (real.rows.length) out.push(
			table(
				['Latency', 'Items', 'Steady req/s', '/ cap ' + cap, '/ limit ' + TARGETS.rateLimit, 'Items ÷ wall', 'Wall', 'Max in flight', '429s', 'Retried items', 'Failed items', 'Order kept'],
				real.rows.map((row) => {
					const e = row.node.emulator;
					const steady = steadyRate(e);
					return [
						`${f1(row.latencyMs / 1000)} s`,
						row.items,
						f1(steady),
						f2(steady / cap),
						f2(steady / TARGETS.rateLimit),
						f1(row.items / (row.node.wallMs / 1000)),
						secs(row.node.wallMs),
						e.stats.maxInFlight,
						e.stats.rateLimited,
						row.node.check.retried,
						row.node.check.failed,
						yesNo(row.node.check.ordered),
					];
				}),
			),
		);
		if (real.shared?.length) {
			const rows = real.shared;
			const cap = rows[0].cap;
			out.push('');
			out.push(`#### Runs on one key`);
			out.push('');
			out.push(
				`2, 4 and 8 node runs on one key at once, at ${f1(rows[0].latencyMs / 1000)} s per completion, each in a harness process of its own ` +
					`with the default request options: the emulator's one limit is shared, as by workflows, n8n instances or queue workers ` +
					`using the same key. Each row is one run of its own: the runs share ${config.sharedItems} items evenly, started together ` +
					`or ${f1(config.sharedGapMs / 1000)} s apart, and run A has ${config.sharedTailSeconds} s more at the cap (${rows[0].extra} items), plus its head start in ` +
					`the rows started apart (the last run's delay at the cap), so that it goes on alone after the others. A run is active from its first to its last admitted start (test/support/sharedKey.js). ` +
					`"Together" = the admitted requests of all runs while at least two were active, per second; "429s while sharing" counts ` +
					`only the requests started then, so that run A's time alone does not dilute them (the 5% target holds for both). "Each run's share" = its ` +
					`admitted requests per second while all were active, divided by the mean of the runs (1.00 = an equal split). ` +
					`"Back at ${TARGETS.sharedRecoverShareOfCap} of the cap" = from run A's first start after every other run's last one until ` +
					`1 s in which it had ${TARGETS.sharedRecoverShareOfCap} of its cap (${Math.ceil(TARGETS.sharedRecoverShareOfCap * cap)} requests) admitted.`,
			);
			out.push('');
			out.push(
				table(
					['Runs', 'Started', 'Items each (+ run A)', 'Together req/s', '/ limit ' + TARGETS.rateLimit, '429s (of requests sent)', '429s while sharing', "Each run's share", 'Back at 0.9 of the cap after', 'Failed items', 'Order kept'],
					rows.map((row) => {
						const f = row.figures;
						return [
							row.runs,
							row.gapMs ? `${f1(row.gapMs / 1000)} s apart` : 'together',
							`${row.items} (+${row.extra})`,
							f1(f.together),
							f2(f.together / TARGETS.rateLimit),
							`${f.rejected} of ${f.sent} (${f1(100 * f.rejectedShare)}%)`,
							`${f1(100 * f.whileShared.rejectedShare)}%`,
							f.shareOfFair.map(f2).join(' '),
							f.tail.recoveryMs === undefined ? `not within ${secs(f.tail.ms)}` : secs(f.tail.recoveryMs),
							row.runResults.reduce((a, r) => a + r.check.failed, 0),
							yesNo(row.runResults.every((r) => r.check.ordered)),
						];
					}),
				),
			);
		}
		if (real.memory) {
			const m = real.memory;
			out.push('');
			out.push(
				`Memory: ${m.items} items at ${f1(m.latencyMs / 1000)} s per completion with the default request options, in a fresh ` +
					`process (warm-up, full GC, then RSS sampled every 50 ms): peak RSS ${mb(m.peakRss)}, ${mb(m.baseRss)} before, ` +
					`growth ${mb(m.peakRss - m.baseRss)}; up to ${m.emulator.stats.maxInFlight} requests in flight; ${m.check.failed} failed, ` +
					`order ${m.check.ordered ? 'kept' : 'NOT kept'}.`,
			);
		}
	}
	out.push('');
	out.push('### Targets');
	out.push('');
	const t16 = scaling.find((r) => r.concurrency === TARGETS.targetConcurrency);
	const defaultRow = rate?.rows[0];
	const achieved = defaultRow ? (defaultRow.items - defaultRow.node.check.failed) / (defaultRow.node.wallMs / 1000) : NaN;
	const targetRows = [];
	if (t16) {
		const fr = t16.node.wallMs / t16.floorMs;
		const pr = t16.node.wallMs / t16.pool.wallMs;
		targetRows.push([`C=16, L=${L} ms, N=${t16.items}: node within ${TARGETS.floorRatio}x of N·L/C`, `${f2(fr)}x`, fr <= TARGETS.floorRatio ? 'met' : 'MISSED']);
		targetRows.push([`C=16, L=${L} ms, N=${t16.items}: node within ${TARGETS.poolRatio}x of the undici Pool`, `${f2(pr)}x`, pr <= TARGETS.poolRatio ? 'met' : 'MISSED']);
	}
	for (const row of rate?.rows ?? []) {
		targetRows.push([`${TARGETS.rateLimit} req/s limit, ${row.label}: zero failed items`, `${row.node.check.failed} failed`, row.node.check.failed === 0 ? 'met' : 'MISSED']);
	}
	if (rate) {
		targetRows.push([`${TARGETS.rateLimit} req/s limit, default request options: at least ${TARGETS.minRps} req/s`, `${f1(achieved)} req/s`, achieved >= TARGETS.minRps ? 'met' : 'MISSED']);
	}
	for (const row of real?.rows ?? []) {
		const steady = steadyRate(row.node.emulator);
		const ok = steady >= TARGETS.steadyShareOfCap * real.defaults.requestsPerSecond && row.node.check.failed === 0 && row.node.check.ordered;
		targetRows.push([
			`${f1(row.latencyMs / 1000)} s per completion, default options: steady rate at least ${TARGETS.steadyShareOfCap} of the cap, 0 failed, order kept`,
			`${f2(steady / real.defaults.requestsPerSecond)} of the cap, ${row.node.check.failed} failed, order ${row.node.check.ordered ? 'kept' : 'NOT kept'}`,
			ok ? 'met' : 'MISSED',
		]);
	}
	for (const row of real?.shared ?? []) {
		const f = row.figures;
		const misses = sharedMisses(row);
		targetRows.push([
			`${row.runs} runs on one key, ${row.gapMs ? `${f1(row.gapMs / 1000)} s apart` : 'started together'}: at least ${TARGETS.sharedShareOfLimit} of the limit ` +
				`together while two or more run, at most ${100 * TARGETS.sharedMaxRejected}% answered 429, 0 failed and order kept, each run within ` +
				`${TARGETS.sharedFairFactor}x of an equal share, the run left alone back at ${TARGETS.sharedRecoverShareOfCap} of its cap within ${TARGETS.sharedRecoverMs / 1000} s`,
			`${f2(f.together / TARGETS.rateLimit)} of the limit, ${f1(100 * f.rejectedShare)}% 429 (${f1(100 * f.whileShared.rejectedShare)}% while sharing), ${row.runResults.reduce((a, r) => a + r.check.failed, 0)} failed, ` +
				`order ${row.runResults.every((r) => r.check.ordered) ? 'kept' : 'NOT kept'}, shares ${f2(Math.min(...f.shareOfFair))} to ${f2(Math.max(...f.shareOfFair))}, ` +
				`back after ${f.tail.recoveryMs === undefined ? 'never' : secs(f.tail.recoveryMs)}`,
			misses.length ? `MISSED (${misses.join(', ')})` : 'met',
		]);
	}
	if (real?.memory) {
		// Within section 3's zero-latency run when it ran, else within the issue's figure for it.
		const growth = real.memory.peakRss - real.memory.baseRss;
		const limit = cpu ? cpu.node.peakRss - cpu.node.baseRss : TARGETS.memoryGrowthMb * 1024 * 1024;
		const within = cpu ? `section 3's ${cpu.items}-item run (${mb(limit)})` : `${TARGETS.memoryGrowthMb} MB`;
		targetRows.push([
			`${real.memory.items} items at 2 s, default options: peak RSS growth within ${within}`,
			mb(growth),
			growth <= limit ? 'met' : 'MISSED',
		]);
	}
	out.push(table(['Target', 'Measured', 'Result'], targetRows));
	out.push('');
	out.push('### Findings');
	out.push('');
	const at = scaling.find((r) => r.concurrency === TARGETS.targetConcurrency && r.helper && r.poolNew) ?? withHelper[0];
	if (at && cpu) {
		const met = at.node.wallMs / at.floorMs <= TARGETS.floorRatio && at.node.wallMs / at.pool.wallMs <= TARGETS.poolRatio;
		out.push(
			`- At C=${at.concurrency} the node takes ${secs(at.node.wallMs)}: ${f2(at.node.wallMs / at.floorMs)}x the floor and ` +
				`${f2(at.node.wallMs / at.pool.wallMs)}x the undici Pool (targets ${TARGETS.floorRatio}x and ${TARGETS.poolRatio}x: ` +
				`${met ? 'met' : 'missed'}). The bare n8n helper, doing nothing but the requests, takes ${secs(at.helper.wallMs)}, ` +
				`so the node's own logic (validation, pacing, retries, output shaping) is a ${f2(at.node.wallMs / at.helper.wallMs)}x step; ` +
				`a new TCP connection per request is ${f2(at.poolNew.wallMs / at.pool.wallMs)}x on loopback; ` +
				`n8n's request helper and engine are the ${f2(at.helper.wallMs / at.poolNew.wallMs)}x step between. ` +
				`Per item the helper costs ${f2(cpu.helper.cpuMs / cpu.items)} ms of CPU against the Pool's ${f2(cpu.pool.cpuMs / cpu.items)} ms ` +
				`(section 3; the node ${f2(cpu.node.cpuMs / cpu.items)} ms). What the helper does per request: axios and follow-redirects, a new http Agent and socket, the proxy ` +
				`environment lookup, and the credential's \`Bearer {{$credentials.apiKey}}\` expression resolved again for every request. ` +
				`That work runs on n8n's one JavaScript thread, so responses that arrive together wait for each other, and the ` +
				`more requests are in flight the more it shows.`,
		);
		out.push(
			`- Before its first request the node resolves and checks every item, so that bad input costs no request: ` +
				`${Math.round(at.node.emulator.firstStart - at.node.startEpoch)} ms for ${at.items} items in this run ` +
				`(the bare helper, which resolves only the prompt: ${Math.round(at.helper.emulator.firstStart - at.helper.startEpoch)} ms).`,
		);
	}
	const burst = rate?.rows[1];
	if (rate) out.push(
		`- Under the ${TARGETS.rateLimit} requests/s limit, with the default cap of ${rate.defaults.requestsPerSecond}/s the emulator ` +
			`refused ${rate.rows[0].node.emulator.stats.rateLimited} requests and the node completed ${f1(achieved)} items/s` +
			(burst
				? `; with the cap off the node hit the limit ${burst.node.emulator.stats.rateLimited} times, waited out each ` +
					`Retry-After and retried ${burst.node.check.retried} items, and ${burst.node.check.failed === 0 ? 'lost none' : `lost ${burst.node.check.failed}`}.`
				: '.'),
	);
	if (real?.rows.length) {
		const cap = real.defaults.requestsPerSecond;
		const steadies = real.rows.map((row) => steadyRate(row.node.emulator));
		const longest = real.rows[real.rows.length - 1];
		out.push(
			`- At real latencies the pace, not a concurrency, sets the speed: with the default options the steady rate was ` +
				`${f1(Math.min(...steadies))} to ${f1(Math.max(...steadies))} req/s (${f2(Math.min(...steadies) / cap)} to ` +
				`${f2(Math.max(...steadies) / cap)} of the cap) from ${f1(real.rows[0].latencyMs / 1000)} s to ` +
				`${f1(longest.latencyMs / 1000)} s per completion, with up to ${longest.node.emulator.stats.maxInFlight} requests in flight ` +
				`at ${f1(longest.latencyMs / 1000)} s. A fixed 16 in flight would allow ${real.rows.map((row) => f1(Math.min(cap, 16000 / row.latencyMs))).join(', ')} req/s ` +
				`at those latencies.`,
		);
	}
	if (real?.shared?.length) {
		const rows = real.shared;
		const worst = (pick) => rows.reduce((a, b) => (pick(b) > pick(a) ? b : a));
		const lowest = rows.reduce((a, b) => (b.figures.together < a.figures.together ? b : a));
		const mostRejected = worst((row) => row.figures.rejectedShare);
		const slowest = worst((row) => row.figures.tail.recoveryMs ?? Infinity);
		out.push(
			`- Runs on one key: from ${rows.map((row) => row.runs).filter((n, i, all) => all.indexOf(n) === i).join(', ')} runs at once, together ` +
				`${f1(lowest.figures.together)} to ${f1(Math.max(...rows.map((row) => row.figures.together)))} req/s of the ${TARGETS.rateLimit} allowed while two or more ran; at most ` +
				`${f1(100 * mostRejected.figures.rejectedShare)}% of the requests sent were answered 429 (${mostRejected.runs} runs, ${mostRejected.gapMs ? 'staggered' : 'together'}), ` +
				`each retried; the runs' shares stayed between ${f2(Math.min(...rows.flatMap((row) => row.figures.shareOfFair)))} and ` +
				`${f2(Math.max(...rows.flatMap((row) => row.figures.shareOfFair)))} of an equal split; the run left alone was back at ` +
				`${TARGETS.sharedRecoverShareOfCap} of its cap after ${slowest.figures.tail.recoveryMs === undefined ? 'more than its tail' : secs(slowest.figures.tail.recoveryMs)} at the most; ` +
				`${plural(rows.reduce((a, row) => a + row.runResults.reduce((b, r) => b + r.check.failed, 0), 0), 'item')} failed and every run kept its order` +
				`${rows.every((row) => row.runResults.every((r) => r.check.ordered)) ? '' : ' (NOT: see the table)'}.`,
		);
	}
	const conns = cpu ? cpu.node.emulator.stats.connections / cpu.items : NaN;
	if (cpu) out.push(
		`- TCP connections: the node opened ${cpu.node.emulator.stats.connections} connections for ${cpu.items} requests ` +
			`(${f2(conns)} per request); the undici Pool opened ${cpu.pool.emulator.stats.connections}. n8n 2.41's request helper ` +
			`(\`this.helpers.httpRequestWithAuthentication\` → @n8n/backend-network's axios path) builds a new http/https Agent ` +
			`for every request and takes no Agent from the caller (\`agentOptions\` only configure the new one), so ` +
			`connections are never reused: against a TLS endpoint such as nano-gpt.com every request also pays a TCP and ` +
			`TLS handshake, which loopback does not show. The node cannot bring its own connection pool: n8n's ` +
			`community-node rules (\`no-restricted-imports\`) allow neither \`node:http(s)\` nor \`undici\`, and the global ` +
			`\`fetch\` would bypass n8n's proxy settings, SSRF policy and credential handling.`,
	);
	out.push('');
	out.push('### Notes');
	out.push('');
	out.push(
		`- ${config.repeat > 1 ? `Each row of section 1 is the median of ${config.repeat} runs; sections 2 and 3 run once` : 'Each configuration runs once'}, ` +
			`after a warm-up (${results.warmupItems} items through the node, the bare helper and the Pool at zero latency); ` +
			`the node's wall time includes n8n-core's WorkflowExecute around the node. The machine's load average is given ` +
			`above: other work on it lengthens the node's runs more than the Pool's.`,
	);
	if (scaling.some((r) => r.scaledDown)) {
		out.push(`- \`--quick\`: the C=1 row uses ${scaling.find((r) => r.scaledDown).items} items instead of ${config.items}.`);
	}
	out.push('');
	return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Chart
// ---------------------------------------------------------------------------------------------

function renderChart(results) {
	const rows = results.scaling;
	const W = 640;
	const H = 300;
	const left = 56;
	const right = 16;
	const top = 40;
	const bottom = 56;
	const plotW = W - left - right;
	const plotH = H - top - bottom;
	const series = [
		{ name: 'Ideal N·L/C', color: '#c7c7c7', value: (r) => r.items / (r.floorMs / 1000) },
		{ name: 'undici Pool', color: '#6b8fb8', value: (r) => r.items / (r.pool.wallMs / 1000) },
		{ name: 'NanoGPT node in n8n', color: '#2f9e6e', value: (r) => r.items / (r.node.wallMs / 1000) },
	];
	const max = Math.max(...rows.flatMap((r) => series.map((s) => s.value(r))));
	const step = [10, 20, 25, 50, 100, 200, 250, 500, 1000].find((s) => max / s <= 6) ?? 1000;
	const yMax = Math.ceil(max / step) * step;
	const y = (v) => top + plotH - (v / yMax) * plotH;
	const groupW = plotW / rows.length;
	const barW = Math.min(36, (groupW * 0.75) / series.length);
	const parts = [];
	parts.push(
		`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
	);
	parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
	parts.push(
		`<text x="${left}" y="22" font-size="14" font-weight="600" fill="#222">Items per second, ${results.config.latencyMs} ms latency, rate cap off</text>`,
	);
	for (let v = 0; v <= yMax; v += step) {
		parts.push(`<line x1="${left}" x2="${W - right}" y1="${y(v)}" y2="${y(v)}" stroke="#e6e6e6"/>`);
		parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${v}</text>`);
	}
	rows.forEach((r, g) => {
		const x0 = left + g * groupW + (groupW - barW * series.length) / 2;
		series.forEach((s, k) => {
			const v = s.value(r);
			parts.push(
				`<rect x="${(x0 + k * barW).toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(top + plotH - y(v)).toFixed(1)}" fill="${s.color}"><title>${s.name}, C=${r.concurrency}: ${v.toFixed(1)} items/s</title></rect>`,
			);
			parts.push(
				`<text x="${(x0 + k * barW + (barW - 2) / 2).toFixed(1)}" y="${(y(v) - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#444">${Math.round(v)}</text>`,
			);
		});
		parts.push(
			`<text x="${(left + g * groupW + groupW / 2).toFixed(1)}" y="${top + plotH + 18}" text-anchor="middle" fill="#333">C = ${r.concurrency}${r.scaledDown ? ` (N=${r.items})` : ''}</text>`,
		);
	});
	parts.push(`<line x1="${left}" x2="${W - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#999"/>`);
	let lx = left;
	for (const s of series) {
		parts.push(`<rect x="${lx}" y="${H - 20}" width="12" height="12" fill="${s.color}"/>`);
		parts.push(`<text x="${lx + 16}" y="${H - 10}" fill="#333">${s.name}</text>`);
		lx += 28 + s.name.length * 6.5;
	}
	parts.push('</svg>');
	return `${parts.join('\n')}\n`;
}

/** The row of runs on one key that the sharing chart shows: 4 runs, staggered when that ran. */
function sharingChartRow(results) {
	const rows = results.real?.shared ?? [];
	return rows.find((row) => row.runs === 4 && row.gapMs > 0) ?? rows.find((row) => row.runs === 4);
}

/** Requests admitted per second of each run over time, for one row of runs on one key. */
function renderSharingChart(row) {
	const { ratesOverTime } = require('../test/support/sharedKey.ts');
	const runs = row.runResults.map((r) => ({ admitted: row.emulator.perPrefix[r.prefix]?.okTimes ?? [], rejected: [] }));
	const all = runs.flatMap((r) => r.admitted);
	const from = Math.min(...all);
	const to = Math.max(...all) + 1;
	const { times, rates } = ratesOverTime(runs, { from, to, stepMs: 1000 });
	const totals = times.map((_, k) => rates.reduce((sum, series) => sum + series[k], 0));
	const W = 640;
	const H = 320;
	const left = 44;
	const right = 16;
	const top = 40;
	const bottom = 64;
	const plotW = W - left - right;
	const plotH = H - top - bottom;
	const yMax = 30;
	const xMax = Math.ceil(times[times.length - 1] / 10_000) * 10;
	const x = (ms) => left + (ms / 1000 / xMax) * plotW;
	const y = (v) => top + plotH - (Math.min(v, yMax) / yMax) * plotH;
	const colors = ['#2f9e6e', '#6b8fb8', '#d98b2b', '#a05eb5', '#c44e52', '#8c8c3a', '#4bacc6', '#7f7f7f'];
	const parts = [];
	parts.push(
		`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
	);
	parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
	parts.push(
		`<text x="${left}" y="22" font-size="14" font-weight="600" fill="#222">Requests admitted per second: ${row.runs} runs on one key, ${row.gapMs ? `started ${f1(row.gapMs / 1000)} s apart` : 'started together'}</text>`,
	);
	for (let v = 0; v <= yMax; v += 5) {
		parts.push(`<line x1="${left}" x2="${W - right}" y1="${y(v)}" y2="${y(v)}" stroke="#eeeeee"/>`);
		parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${v}</text>`);
	}
	for (let s = 0; s <= xMax; s += 10) {
		parts.push(`<text x="${x(s * 1000)}" y="${top + plotH + 16}" text-anchor="middle" fill="#555">${s} s</text>`);
	}
	parts.push(`<line x1="${left}" x2="${W - right}" y1="${y(TARGETS.rateLimit)}" y2="${y(TARGETS.rateLimit)}" stroke="#c44e52" stroke-dasharray="6 4"/>`);
	parts.push(`<text x="${W - right - 4}" y="${y(TARGETS.rateLimit) - 5}" text-anchor="end" fill="#c44e52">NanoGPT's limit, ${TARGETS.rateLimit}/s</text>`);
	const line = (values, color, width, title) =>
		`<polyline fill="none" stroke="${color}" stroke-width="${width}" stroke-linejoin="round" points="${values.map((v, k) => `${x(times[k] + 500).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"><title>${title}</title></polyline>`;
	parts.push(line(totals, '#333333', 2.5, 'all runs together'));
	rates.forEach((series, k) => parts.push(line(series, colors[k % colors.length], 1.8, `run ${RUN_NAMES[k]}`)));
	parts.push(`<line x1="${left}" x2="${W - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#999"/>`);
	let lx = left;
	const legend = [['together', '#333333'], ...rates.map((_, k) => [`run ${RUN_NAMES[k]}${k === 0 ? ` (+${row.extra} items)` : ''}`, colors[k % colors.length]])];
	for (const [name, color] of legend) {
		parts.push(`<rect x="${lx}" y="${H - 22}" width="12" height="12" fill="${color}"/>`);
		parts.push(`<text x="${lx + 16}" y="${H - 12}" fill="#333">${name}</text>`);
		lx += 30 + name.length * 6.5;
	}
	parts.push('</svg>');
	return `${parts.join('\n')}\n`;
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

/** Prints the report and, with `write`, writes README.md's Benchmark section and the chart. */
function publish(results, write, log) {
	const report = renderReport(results);
	process.stdout.write(`\n${report}\n`);
	if (write) {
		const docs = path.join(REPO, 'docs');
		fs.mkdirSync(docs, { recursive: true });
		fs.writeFileSync(path.join(docs, 'benchmark-throughput.svg'), renderChart(results));
		const chartNote = `\n![Items per second by concurrency: ideal, undici Pool, the node](docs/benchmark-throughput.svg)\n`;
		const withChart = report.replace(/(### 1\. [^\n]*\n\n[^\n]*\n\n(?:\|[^\n]*\n)+)/, `$1${chartNote}`);
		let withCharts = withChart;
		const sharingRow = sharingChartRow(results);
		if (sharingRow) {
			fs.writeFileSync(path.join(docs, 'benchmark-sharing.svg'), renderSharingChart(sharingRow));
			const sharingNote = `\n![Requests admitted per second of each of ${sharingRow.runs} runs on one key, and together](docs/benchmark-sharing.svg)\n`;
			withCharts = withChart.replace(/(#### Runs on one key\n\n[^\n]*\n\n(?:\|[^\n]*\n)+)/, `$1${sharingNote}`);
		}
		const readmePath = path.join(REPO, 'README.md');
		const readme = fs.readFileSync(readmePath, 'utf8');
		const section = /<!-- benchmark:start -->[\s\S]*<!-- benchmark:end -->/;
		if (!section.test(readme)) throw new Error('README.md has no <!-- benchmark:start --> ... <!-- benchmark:end --> section');
		fs.writeFileSync(readmePath, readme.replace(section, () => `<!-- benchmark:start -->\n${withCharts.trim()}\n<!-- benchmark:end -->`));
		log(`wrote the Benchmark section of README.md, docs/benchmark-throughput.svg${sharingRow ? ' and docs/benchmark-sharing.svg' : ''}`);
	}
	return report;
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
