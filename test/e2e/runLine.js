'use strict';
/*
 * One n8n line's e2e run, in this process: registers the line's cases, sets up, runs the parts in
 * order, then prints the totals (framework.js) and exits 1 on any failure.
 */
const fs = require('node:fs');
const { Suite } = require('./framework');
const faults = require('./faults');
const failedRows = require('./failedRows');
const routingBilling = require('./routingBilling');
const sharedKey = require('./sharedKey');
const agent = require('./agent');
const { N, casesFor } = require('./cases');
const { LINE, ARTIFACTS, copyLog } = require('./line');
const { setUp, prepareMainInstance } = require('./provisionLine');
const { runCliExamples } = require('./cliExamples');
const { startServer, runChat, runStreaming, runToolRegistered, runEditor } = require('./serverParts');
const { runQueue } = require('./queueMode');

const suite = new Suite();
/** Stops what the run started (emulator, n8n), also when it stops outside a case. */
const cleanups = [];
/** n8n user folders of this run: removed when every case passed, kept for inspection otherwise. */
const runDirs = [];

/** The parts that run workflows with `n8n execute`. */
async function runExecuteParts(context, want) {
	const { app, emu, localFiles, importOk } = context;
	if (want('cli')) await runCliExamples(suite, context, importOk);
	if (want('cli')) {
		suite.section('1b. Provider routing, billing and safety options, through n8n execute');
		if (!importOk) suite.notRun(Object.values(routingBilling.NAMES), 'import failed');
		else await routingBilling.run(suite, { app, emu, localFiles });
	}
	if (want('faults')) {
		suite.section('6. Faults, with Continue On Fail, through n8n execute');
		if (!importOk) suite.notRun(Object.values(faults.NAMES), 'import failed');
		else await faults.run(suite, { app, emu });
	}
	if (failedRows.registered(suite).length > 0) {
		suite.section('7. Failed rows: the error output, Retry On Fail, daily caps and 402s, through n8n execute');
		if (!importOk) suite.notRun(failedRows.registered(suite), 'import failed');
		else await failedRows.run(suite, { app, emu, localFiles });
	}
	if (want('tool')) {
		suite.section('5. The NanoGPT tool in an AI Agent run, through n8n execute');
		if (!importOk) suite.notRun(Object.values(agent.NAMES), 'import failed');
		else await agent.run(suite, { app, emu });
	}
}

/** The parts that need `n8n start` in the CLI runs' user folder; the server stops after them. */
async function runServerParts(context, want) {
	const { app, emu, importOk } = context;
	const needServer = want('streaming') || want('tool') || want('editor') || want('cli');
	const { server, rest } = needServer && importOk ? await startServer(suite, context) : { server: null, rest: null };
	const withServer = { ...context, server, rest };
	if (want('cli')) await routingBilling.runServer(suite, { rest: server && rest, emu });
	if (want('cli')) await runChat(suite, withServer);
	if (want('streaming')) await runStreaming(suite, withServer);
	if (want('tool')) await runToolRegistered(suite, withServer);
	if (want('editor')) await runEditor(suite, withServer);
	if (server) {
		await app.stopAll();
		copyLog(server.logFile, 'n8n-start.log');
	}
}

async function main(want) {
	suite.register(casesFor(LINE, want));
	console.log(`e2e against n8n ${LINE.version}: ${suite.planned.length} cases`);
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	const onSignal = async () => {
		for (const c of cleanups.reverse()) await c().catch(() => {});
		process.exit(130);
	};
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);

	const setup = await setUp(suite, cleanups);
	if (!setup) return finish('setup failed');
	const context = { ...setup, ...(await prepareMainInstance(suite, { ...setup, want, cleanups, runDirs })) };
	await runExecuteParts(context, want);
	await runServerParts(context, want);

	// Registered only for the lines it applies to (2.x).
	if (want('queue') && suite.planned.includes(N.queueReady)) {
		suite.section('4. Queue mode: Redis, one main, two workers');
		await runQueue(suite, { prov: setup.prov, emu: setup.emu, credential: context.credential, runDirs });
	}
	if (want('shared')) {
		suite.section('7. Runs on one key: four n8n instances under one rate limit');
		await sharedKey.run(suite, { prov: setup.prov, emu: setup.emu, credential: context.credential, runDirs });
	}
	return finish();
}

async function finish(reason) {
	for (const c of cleanups.reverse()) await c().catch(() => {});
	const failed = suite.summary(reason);
	if (!failed) for (const d of runDirs) fs.rmSync(d, { recursive: true, force: true });
	else if (runDirs.length) console.log(`n8n user folders kept for inspection: ${runDirs.join(' ')}`);
	process.exit(failed ? 1 : 0);
}

/** Runs this process's line; `want(part)` says which --only parts run. */
function runLine(want) {
	return main(want).catch(async (err) => {
		// Outside any case: every case that had not run yet fails with this error, and the totals still print.
		console.error(err);
		await finish(`the suite stopped: ${String((err && err.message) || err).split('\n')[0]}`);
	});
}

module.exports = { runLine };
