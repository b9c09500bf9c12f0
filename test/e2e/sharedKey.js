'use strict';
/*
 * Several n8n instances on one NanoGPT key (README, Throughput): four n8n processes, each with a
 * user folder of its own, run a workflow of 150 rows with the node's default request options at
 * the same time, against the emulator's limit of 25 requests per second on the key (429 with
 * Retry-After: 1 beyond it) at 2 s per completion. Nothing passes between the instances but the
 * answers NanoGPT gives each of them. Every row of every run must come out once, in order, and at
 * most 20% of the requests NanoGPT received may be answered 429. The bound sits between what the
 * pacer does and what a pacer that never adapts does, with room on both sides, so that a loaded
 * machine does not fail it and a pacer that stopped adapting does: measured with this pacer 5.4% to
 * 7.8% (n8n 2.41.1 and 1.123.81, four CI runs) and 12.7% once on a loaded 2-core machine (which
 * failed the earlier 10% bound); a pacer that keeps 23 req/s whatever NanoGPT answers would send
 * 4 x 23 = 92 per second against 25, about 70% refused: 67-71% in the simulation of this case
 * (test/support/flowSimulation.ts, 4 runs of 150 rows started up to 4 s apart, 30 seeds; this pacer
 * 3.1-7.6% there). Not yet measured in the real n8n: repeated runs, with and without a CPU hog, and
 * one with a pacer that never adapts, are still to do. The issue's
 * target of 5% and the rates are `npm run bench`'s to measure (the instances here start seconds
 * apart as each n8n process boots, and each run lasts seconds, so joining and leaving weigh more
 * than in the benchmark); the figures are printed.
 */
const { assert } = require('./framework');
const n8n = require('../../scripts/lib/n8n');
const { completionTextFor } = require('../support/emulator.ts');
const { sharedKeyFigures } = require('../support/sharedKey.ts');

const INSTANCES = 4;
const ROWS = 150;
const LATENCY_MS = 2000;
const LIMIT = 25;
const MAX_REJECTED_SHARE = 0.2;
const DEFAULT_CAP = 23;
const MODEL = 'gpt-4o-mini';

const NAMES = {
	run: `shared key: ${INSTANCES} n8n instances run ${ROWS} rows each on one key at once: every row of every run comes out once, in order`,
	rejected: `shared key: at most ${100 * MAX_REJECTED_SHARE}% of the requests NanoGPT received from the ${INSTANCES} instances are answered 429`,
};

const RUN_NAMES = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];
const workflowId = (k) => `nanoGptE2eShare${k}`;
const promptsOf = (k) => Array.from({ length: ROWS }, (_, i) => `Run${RUN_NAMES[k]} row ${i + 1}: one line about product ${i + 1}`);

/** Manual trigger, the run's rows, one item per row, NanoGPT with its default request options. */
function workflow(k, credential) {
	const id = (name) => `e2e-shared-${k}-${name}`;
	return {
		id: workflowId(k),
		name: `E2E: run ${RUN_NAMES[k]} on the shared key`,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{ id: id('trigger'), name: 'Run manually', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: id('rows'),
				name: 'Rows',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [220, 0],
				parameters: { mode: 'raw', jsonOutput: JSON.stringify({ rows: promptsOf(k).map((prompt) => ({ prompt })) }), options: {} },
			},
			{
				id: id('split'),
				name: 'One item per row',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [440, 0],
				parameters: { fieldToSplitOut: 'rows', options: {} },
			},
			{
				id: id('nanogpt'),
				name: 'NanoGPT',
				type: n8n.NODE_TYPE,
				typeVersion: 1,
				position: [660, 0],
				onError: 'continueRegularOutput',
				credentials: { nanoGptApi: { id: credential.id, name: credential.name } },
				parameters: {
					operation: 'complete',
					model: { __rl: true, mode: 'id', value: MODEL },
					prompt: '={{ $json.prompt }}',
					simplify: true,
				},
			},
		],
		connections: {
			'Run manually': { main: [[{ node: 'Rows', type: 'main', index: 0 }]] },
			Rows: { main: [[{ node: 'One item per row', type: 'main', index: 0 }]] },
			'One item per row': { main: [[{ node: 'NanoGPT', type: 'main', index: 0 }]] },
		},
	};
}

/** The run's requests as NanoGPT saw them: start times of those it admitted and of those it refused. */
function requestsOfRun(emu, k) {
	const mine = emu.requests.filter((r) => r.body && typeof r.body.prompt === 'string' && r.body.prompt.startsWith(`Run${RUN_NAMES[k]} `));
	return {
		admitted: mine.filter((r) => r.status === 200).map((r) => r.startedAt),
		rejected: mine.filter((r) => r.status === 429).map((r) => r.startedAt),
	};
}

/** Sets up the instances, runs them at once, and checks every row and the share answered 429. */
async function run(suite, { prov, emu, credential, runDirs }) {
	let figures = null;
	const instances = [];
	const ran = await suite.case(
		NAMES.run,
		async () => {
			for (let k = 0; k < INSTANCES; k++) {
				const inst = await n8n.N8nInstance.create(prov, { label: `e2e-shared-${RUN_NAMES[k]}` });
				instances.push(inst);
				runDirs.push(inst.userFolder);
			}
			await Promise.all(
				instances.map(async (inst, k) => {
					await inst.importCredentials([credential]);
					await inst.importWorkflows([workflow(k, credential)]);
				}),
			);
			emu.reset();
			emu.setLatency(LATENCY_MS);
			emu.setRateLimit({ requestsPerSecond: LIMIT, retryAfterSeconds: 1 });
			let runs;
			try {
				runs = await Promise.all(instances.map((inst, k) => inst.execute(workflowId(k), { timeoutMs: 8 * 60 * 1000 })));
			} finally {
				emu.setLatency(0);
				emu.setRateLimit(undefined);
			}
			runs.forEach((r, k) => {
				const name = `run ${RUN_NAMES[k]}`;
				assert.ok(r.run, `${name}: no run printed (exit ${r.code})\n${n8n.tail(r.stdout)}\n${n8n.tail(r.stderr)}`);
				assert.equal(r.error, undefined, `${name}: workflow error: ${r.error && r.error.message}`);
				const items = n8n.nodeItems(r.run, 'NanoGPT');
				assert.equal(items.length, ROWS, `${name}: one output item per row`);
				const prompts = promptsOf(k);
				items.forEach((item, i) => {
					assert.deepEqual(item.pairedItem, { item: i }, `${name}: item ${i} paired to row ${i}`);
					assert.equal(item.json.error, undefined, `${name}: row ${i} failed: ${item.json.error}`);
					assert.equal(item.json.text, completionTextFor({ model: MODEL, prompt: prompts[i] }).text, `${name}: row ${i} has its own completion`);
				});
				// Each row was admitted once: nothing lost, nothing sent twice after it succeeded.
				const admitted = emu.requests.filter((q) => q.status === 200 && q.body && prompts.includes(q.body.prompt));
				assert.equal(admitted.length, ROWS, `${name}: NanoGPT completed each row once`);
			});
			figures = sharedKeyFigures(
				instances.map((_, k) => requestsOfRun(emu, k)),
				{ cap: DEFAULT_CAP },
			);
			const f = figures;
			console.log(
				`      ${f.sent} requests, ${f.rejected} answered 429 (${(100 * f.rejectedShare).toFixed(1)}%, ` +
					`${(100 * f.whileShared.rejectedShare).toFixed(1)}% while two or more ran); together ${f.together.toFixed(1)} req/s ` +
					`while two or more ran; shares ${f.shareOfFair.map((s) => s.toFixed(2)).join(' ')} of an equal split`,
			);
		},
		{ timeoutMs: 15 * 60 * 1000 },
	);
	for (const inst of instances) await inst.stopAll().catch(() => {});
	if (!ran) return suite.notRun(NAMES.rejected, 'the runs on one key did not complete');
	await suite.case(NAMES.rejected, async () => {
		assert.ok(
			figures.rejectedShare <= MAX_REJECTED_SHARE,
			`${figures.rejected} of ${figures.sent} requests answered 429 (${(100 * figures.rejectedShare).toFixed(1)}%)`,
		);
	});
}

module.exports = { NAMES, run };
