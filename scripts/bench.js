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
const { performance } = require('node:perf_hooks');

const { TARGETS, RUN_NAMES, steadyRate, sharedFigures } = require('./bench/figures');
const { f1, f2, secs, mb } = require('./bench/format');
const { publish } = require('./bench/publish');
const { parseArgs } = require('./bench/options');
const { startEmulatorChild } = require('./bench/emulatorProcess');
const { BareHelperNode } = require('./bench/bareHelperNode');
const { makeItems, medianRun, runNodeOnce, runBareHelperOnce, runPoolOnce, loadNode } = require('./bench/clients');
const { runChildren, runCostChild } = require('./bench/freshProcesses');

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

main().catch((error) => {
	process.stderr.write(`bench: ${error?.stack ?? error}\n`);
	process.exitCode = 1;
});
