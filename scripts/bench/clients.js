'use strict';
// One measured run of a client in this process: the NanoGPT node, the bare n8n helper, an undici Pool.
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const REPO = path.resolve(__dirname, '..', '..');
const MODEL = 'gpt-4o-mini';

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

function loadNode() {
	const { ensureBuilt } = require('../lib/build');
	return {
		ensureBuilt,
		load() {
			const { NanoGpt } = require(path.join(REPO, 'dist', 'nodes', 'NanoGpt', 'NanoGpt.node.js'));
			const { NanoGptApi } = require(path.join(REPO, 'dist', 'credentials', 'NanoGptApi.credentials.js'));
			const defaults = require(path.join(REPO, 'dist', 'nodes', 'NanoGpt', 'description', 'requestOptions.js'));
			const { runNode } = require('../../test/support/harness.ts');
			return { NanoGpt, NanoGptApi, defaults, runNode };
		},
	};
}

/**
 * Warm-up (JIT, module loading, n8n-core's DI container) of the node, the Pool and the bare helper, and
 * `ctx.direct`: the request the node sends, which the undici Pool then replays (same path, same body
 * fields, same auth header).
 */
async function warmUp(ctx, warmupItems, log) {
	log(`warm-up: ${warmupItems} items through the node ...`);
	const warm = await runNodeOnce(ctx, { items: makeItems(warmupItems), requestOptions: { concurrency: 16, requestsPerSecond: 0 }, latencyMs: 0 });
	if (warm.check.failed) throw new Error(`warm-up failed: ${warm.check.errors.join('; ')}`);
	const sample = warm.emulator.sample;
	const { prompt: _prompt, ...bodyTemplate } = sample.body;
	ctx.direct = {
		origin: ctx.emu.origin,
		completionsPath: new URL(`${ctx.emu.baseUrl}/v1/completions`).pathname,
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
}

module.exports = { MODEL, makeItems, collectGarbage, medianRun, runNodeOnce, runBareHelperOnce, runPoolOnce, loadNode, warmUp };
