'use strict';
// Sections 3 and 4 run each client in a fresh process, so its RSS and CPU time are its own.
const { fork } = require('node:child_process');
const { BareHelperNode } = require('./bareHelperNode');
const { makeItems, collectGarbage, runNodeOnce, runBareHelperOnce, runPoolOnce, loadNode } = require('./clients');

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
		const child = fork(__filename, [], {
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

if (require.main === module) {
	costChild().catch((error) => {
		process.stderr.write(`${error?.stack ?? error}\n`);
		process.exit(1);
	});
}

module.exports = { runChildren, runCostChild };
