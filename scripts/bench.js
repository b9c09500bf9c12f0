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
 *      takes back the whole cap (test/support/sharedKey.ts), plotted for 4 runs.
 *
 * The emulator runs in a child process (scripts/bench/emulatorProcess.js), so its CPU time and
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

const { sharedFigures } = require('./bench/figures');
const { f1, f2 } = require('./bench/format');
const { publish } = require('./bench/publish');
const { parseArgs } = require('./bench/options');
const { startEmulatorChild } = require('./bench/emulatorProcess');
const { BareHelperNode } = require('./bench/bareHelperNode');
const { loadNode, warmUp } = require('./bench/clients');
const { measureThroughput } = require('./bench/section1Throughput');
const { measureRateLimit } = require('./bench/section2RateLimit');
const { measureCostPerItem } = require('./bench/section3CostPerItem');
const { measureRealLatencies } = require('./bench/section4RealLatencies');

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
	const requestDefaults = {
		concurrency: defaults.DEFAULT_CONCURRENCY,
		requestsPerSecond: defaults.DEFAULT_REQUESTS_PER_SECOND,
		maxRetries: defaults.DEFAULT_MAX_RETRIES,
	};

	const emu = await startEmulatorChild();
	const ctx = { emu, node: new NanoGpt(), bareNode: new BareHelperNode(), credentialType: new NanoGptApi(), runNode, direct: undefined, requestDefaults };
	try {
		const warmupItems = 64;
		await warmUp(ctx, warmupItems, log);
		const wanted = (section) => config.sections.includes(section);
		const scaling = wanted(1) ? await measureThroughput(ctx, config, log) : [];
		const rate = wanted(2) ? await measureRateLimit(ctx, config, log) : undefined;
		const cpu = wanted(3) ? await measureCostPerItem(ctx, config, log) : undefined;
		const real = wanted(4) ? await measureRealLatencies(ctx, config, log) : undefined;

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
