'use strict';
// Section 4: the node with its default request options under NanoGPT's limit at real latencies; the
// memory of a long run at 2 s; and several runs on one key at once, each in a process of its own.
const { NANOGPT_LIMIT, TARGETS, RUN_NAMES, steadyRate, sharedFigures } = require('./figures');
const { f1, f2, secs, mb } = require('./format');
const { makeItems, runNodeOnce } = require('./clients');
const { runChildren } = require('./freshProcesses');

async function measureRealLatencies(ctx, config, log) {
	const real = { defaults: ctx.requestDefaults, rows: [] };
	for (const latencyMs of config.realLatencies) {
		log(`4. ${config.realItems} items at ${latencyMs} ms per completion, ${TARGETS.rateLimit} req/s limit, default request options ...`);
		const node = await runNodeOnce(ctx, { items: makeItems(config.realItems), requestOptions: undefined, latencyMs, rateLimit: NANOGPT_LIMIT, continueOnFail: true });
		const e = node.emulator;
		log(`   steady ${f1(steadyRate(e))} req/s, ${secs(node.wallMs)}, max in flight ${e.stats.maxInFlight}, 429s ${e.stats.rateLimited}, failed ${node.check.failed}`);
		real.rows.push({ latencyMs, items: config.realItems, node });
	}
	if (config.memoryItems > 0) real.memory = await measureMemory(ctx, config, log);
	if (config.sharedRuns.length > 0) {
		real.shared = [];
		for (const runs of config.sharedRuns) {
			for (const gapMs of config.sharedGapMs > 0 ? [0, config.sharedGapMs] : [0]) {
				real.shared.push(await measureRunsOnOneKey(ctx, config, runs, gapMs, log));
			}
		}
	}
	return real;
}

async function measureMemory(ctx, config, log) {
	log(`4. memory: ${config.memoryItems} items at 2000 ms, default request options, in a fresh process ...`);
	const { results: [memory], emulator } = await runChildren(ctx, [{ client: 'node', items: config.memoryItems, requestOptions: null }], { latencyMs: 2000, rateLimit: NANOGPT_LIMIT });
	log(`   peak RSS growth ${mb(memory.peakRss - memory.baseRss)}, max in flight ${emulator.stats.maxInFlight}, failed ${memory.check.failed}`);
	return { ...memory, items: config.memoryItems, latencyMs: 2000, emulator };
}

/** One row of runs on one key: `runs` runs started `gapMs` apart, run A with extra items to run on alone. */
async function measureRunsOnOneKey(ctx, config, runs, gapMs, log) {
	const cap = ctx.requestDefaults.requestsPerSecond;
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
	const { results, emulator } = await runChildren(ctx, setups, { latencyMs: 2000, rateLimit: NANOGPT_LIMIT, times: true });
	const row = { runs, gapMs, items: each, extra, latencyMs: 2000, cap, runResults: results.map((r, k) => ({ ...r, prefix: setups[k].prefix, delayMs: setups[k].delayMs })), emulator };
	row.figures = sharedFigures(row);
	const f = row.figures;
	log(
		`   together ${f1(f.together)} req/s, 429s ${f.rejected} (${f1(100 * f.rejectedShare)}%, ${f1(100 * f.whileShared.rejectedShare)}% while sharing), shares ${f.shareOfFair.map(f2).join(' ')}, ` +
			`tail back at 0.9 of the cap after ${f.tail.recoveryMs === undefined ? 'never' : secs(f.tail.recoveryMs)}, failed ${results.map((r) => r.check.failed).join(' + ')}`,
	);
	return row;
}

module.exports = { measureRealLatencies };
