'use strict';
// Section 3: CPU, memory and connections per item at zero latency, at the concurrency of section 1's
// targets; each client in a fresh process.
const { TARGETS } = require('./figures');
const { f2, secs, mb } = require('./format');
const { runCostChild } = require('./freshProcesses');

async function measureCostPerItem(ctx, config, log) {
	const cpuConcurrency = TARGETS.targetConcurrency;
	log(`3. ${config.cpuItems} items at zero latency, concurrency ${cpuConcurrency}, rate cap off ...`);
	const cpuNode = await runCostChild(ctx, 'node', config.cpuItems, cpuConcurrency);
	log(`   node  ${secs(cpuNode.wallMs)}, ${f2(cpuNode.cpuMs / config.cpuItems)} ms CPU per item, peak RSS ${mb(cpuNode.peakRss)}, ${cpuNode.emulator.stats.connections} connections`);
	const cpuHelper = await runCostChild(ctx, 'helper', config.cpuItems, cpuConcurrency);
	log(`   bare n8n helper ${secs(cpuHelper.wallMs)}, ${f2(cpuHelper.cpuMs / config.cpuItems)} ms CPU per item, peak RSS ${mb(cpuHelper.peakRss)}`);
	const cpuPool = await runCostChild(ctx, 'pool', config.cpuItems, cpuConcurrency);
	log(`   pool  ${secs(cpuPool.wallMs)}, ${f2(cpuPool.cpuMs / config.cpuItems)} ms CPU per item, peak RSS ${mb(cpuPool.peakRss)}, ${cpuPool.emulator.stats.connections} connections`);
	return { items: config.cpuItems, concurrency: cpuConcurrency, node: cpuNode, pool: cpuPool, helper: cpuHelper };
}

module.exports = { measureCostPerItem };
