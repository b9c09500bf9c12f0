'use strict';
// Section 1: N items at the emulator's latency for each concurrency, rate cap off: the node against an
// undici Pool sending the same requests (the client-side floor), and at the --helper concurrencies the
// bare n8n helper and a Pool opening a new connection per request.
const { f2, secs } = require('./format');
const { makeItems, medianRun, runNodeOnce, runBareHelperOnce, runPoolOnce } = require('./clients');

async function measureThroughput(ctx, config, log) {
	const scaling = [];
	for (const concurrency of config.concurrencies) scaling.push(await measureConcurrency(ctx, config, concurrency, log));
	return scaling;
}

/** One row: each client `config.repeat` times; the median run, with failures and order over every repetition. */
async function measureConcurrency(ctx, config, concurrency, log) {
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
	return { concurrency, items: n, scaledDown, floorMs, node, pool, helper, poolNew };
}

module.exports = { measureThroughput };
