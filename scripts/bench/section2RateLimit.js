'use strict';
// Section 2: against NanoGPT's limit, the node with its default request options, then with the cap off
// so that the 429 + Retry-After path does the work.
const { NANOGPT_LIMIT, TARGETS } = require('./figures');
const { f1, secs } = require('./format');
const { makeItems, runNodeOnce } = require('./clients');

async function measureRateLimit(ctx, config, log) {
	const rateRow = async (label, n, requestOptions) => {
		log(`2. ${n} items against a ${TARGETS.rateLimit} req/s limit, ${label} ...`);
		const run = await runNodeOnce(ctx, { items: makeItems(n), requestOptions, latencyMs: config.latencyMs, rateLimit: NANOGPT_LIMIT, continueOnFail: true });
		log(`   ${secs(run.wallMs)}, ${f1((n - run.check.failed) / (run.wallMs / 1000))} req/s, 429s ${run.emulator.stats.rateLimited}, failed ${run.check.failed}`);
		if (run.check.errors.length) log(`   errors: ${run.check.errors.slice(0, 5).join('; ')}`);
		return { label, items: n, requestOptions, node: run };
	};
	const rate = { defaults: ctx.requestDefaults, rows: [await rateRow('default request options', config.rateItems, undefined)] };
	if (config.burstItems > 0) {
		rate.rows.push(await rateRow('cap off (requestsPerSecond: 0)', config.burstItems, { requestsPerSecond: 0 }));
	}
	return rate;
}

module.exports = { measureRateLimit };
