'use strict';
/*
 * Provider Routing, the routing suffixes, Billing Mode, Moderation and PII Redaction in the real
 * n8n: the example "Enrich rows on the cheapest provider" run with `n8n execute`, and one workflow
 * whose NanoGPT nodes set each of the new options once (five nodes, since NanoGPT refuses some of
 * them together). Each case checks the requests the emulator got and the output n8n printed.
 */
const fs = require('node:fs');
const path = require('node:path');
const { assert } = require('./framework');
const n8n = require('../../scripts/lib/n8n');
const ex = require('../../scripts/lib/examples');
const { DEFAULT_MODELS, MODERATION_USD, PROVIDER_MARKUP, completionTextFor } = require('../support/emulator.ts');

const NAMES = {
	example: 'cli: "Enrich rows on the cheapest provider" sends every row to the cheapest provider under the price ceiling, Pay As You Go',
	everyOption: 'cli: one workflow sets each Provider Routing, routing suffix, billing, moderation and redaction option once; NanoGPT gets each',
	providerList: 'server: the Provider Routing lists offer the model\'s providers, cheapest first with their price (n8n\'s dynamic-node-parameters endpoint)',
};

const WORKFLOW_ID = 'nanoGptE2eRoutingOptions';
const ROUTED = 'meta-llama/llama-3.3-70b-instruct';
const providerPrice = (id) => DEFAULT_MODELS.find((m) => m.id === ROUTED).providers.find((p) => p.provider === id);

/** Each node: its parameters beyond model and prompt, and what NanoGPT must get. */
const NODES = {
	'Routing object': {
		parameters: {
			options: { hideReasoning: true, webSearch: 'online/tavily' },
			providerRouting: {
				order: ['together', 'deepinfra'],
				only: ['deepinfra', 'novita'],
				ignore: ['fireworks'],
				sort: 'price',
				quantizations: ['fp8', 'fp16'],
				minQuantization: 'fp8',
				maxPromptPrice: 0.5,
				maxCompletionPrice: 0.8,
				allowFallbacks: false,
				requireParameters: true,
			},
			routingBillingSafety: { billingMode: 'paygo', moderation: 'on', moderationModel: 'meta-llama/llama-guard-4-12b', piiRedaction: 'on' },
		},
		model: `${ROUTED}:online/tavily:reasoning-exclude`,
		body: {
			provider: {
				order: ['together', 'deepinfra'],
				only: ['deepinfra', 'novita'],
				ignore: ['fireworks'],
				sort: 'price',
				quantizations: ['fp8', 'fp16'],
				min_quantization: 'fp8',
				max_price: { prompt: 0.5, completion: 0.8 },
				allow_fallbacks: false,
				require_parameters: true,
			},
			billing_mode: 'paygo',
		},
		headers: { moderation: 'meta-llama/llama-guard-4-12b', redaction: 'true' },
		provider: 'deepinfra',
	},
	'One provider': {
		parameters: { providerRouting: { provider: 'novita' }, routingBillingSafety: { moderation: 'off', piiRedaction: 'off' } },
		model: ROUTED,
		body: { provider: 'novita' },
		headers: { moderation: 'false', redaction: 'false' },
		provider: 'novita',
	},
	'Routing preference': {
		parameters: { routingBillingSafety: { routingPreference: 'throughput' } },
		model: `${ROUTED}:throughput`,
		body: {},
		headers: {},
	},
	'Tool support': { parameters: { routingBillingSafety: { toolSupport: true } }, model: `${ROUTED}:tools`, body: {}, headers: {} },
	'Prompt caching': { parameters: { routingBillingSafety: { promptCaching: true } }, model: `${ROUTED}:caching`, body: {}, headers: {} },
};
const PROMPT = 'Describe the walnut desk lamp in one line';
const FLAGGED = 'Describe the forbidden lamp [[moderation:flag]]';

function workflow() {
	const nodeNames = Object.keys(NODES);
	const nodes = [
		{ id: 'e2e-routing-trigger', name: 'Run manually', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{
			id: 'e2e-routing-rows',
			name: 'Rows',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [220, 0],
			parameters: { mode: 'raw', jsonOutput: JSON.stringify({ prompt: PROMPT }), options: {} },
		},
		{
			id: 'e2e-routing-flagged',
			name: 'Two rows',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [220, -200],
			parameters: { mode: 'raw', jsonOutput: JSON.stringify({ rows: [{ prompt: PROMPT }, { prompt: FLAGGED }] }), options: {} },
		},
		{
			id: 'e2e-routing-split',
			name: 'Rows with a flagged one',
			type: 'n8n-nodes-base.splitOut',
			typeVersion: 1,
			position: [360, -200],
			parameters: { fieldToSplitOut: 'rows', options: {} },
		},
		...nodeNames.map((name, index) => ({
			id: `e2e-routing-${index}`,
			name,
			type: n8n.NODE_TYPE,
			typeVersion: 1,
			position: [480, -200 + index * 120],
			onError: 'continueRegularOutput',
			credentials: { nanoGptApi: { id: ex.CREDENTIAL_ID, name: ex.CREDENTIAL_NAME } },
			parameters: {
				operation: 'complete',
				model: { __rl: true, mode: 'id', value: ROUTED },
				prompt: '={{ $json.prompt }}',
				simplify: true,
				requestOptions: { maxRetries: 1, requestsPerSecond: 0 },
				...NODES[name].parameters,
			},
		})),
	];
	const [first, ...rest] = nodeNames;
	return {
		id: WORKFLOW_ID,
		name: 'E2E: every routing, billing and safety option once',
		active: false,
		settings: { executionOrder: 'v1' },
		nodes,
		connections: {
			'Run manually': { main: [[{ node: 'Rows', type: 'main', index: 0 }, { node: 'Two rows', type: 'main', index: 0 }]] },
			'Two rows': { main: [[{ node: 'Rows with a flagged one', type: 'main', index: 0 }]] },
			'Rows with a flagged one': { main: [[{ node: first, type: 'main', index: 0 }]] },
			Rows: { main: [rest.map((node) => ({ node, type: 'main', index: 0 }))] },
		},
	};
}

/** The workflows to import: the example (its files localized) and the every-option workflow. */
function fixtures(localFiles) {
	return { example: ex.localizeFiles(ex.loadExample('cheapest'), localFiles), options: workflow() };
}

const completionRequests = (emu) => emu.requests.filter((r) => r.method === 'POST' && /\/v1\/completions$/.test(r.path));

/** Runs both cases; the caller imported fixtures(localFiles) and the example credential. */
async function run(suite, { app, emu, localFiles }) {
	const { example, options } = fixtures(localFiles);
	await suite.case(NAMES.example, async () => {
		emu.reset();
		const r = await app.execute(example.id);
		assert.ok(r.run, `no run printed (exit ${r.code})\n${n8n.tail(r.stdout)}\n${n8n.tail(r.stderr)}`);
		assert.equal(r.error, undefined, `workflow error: ${r.error && r.error.message}`);
		const rows = ex.parseCsv(fs.readFileSync(path.join(ex.EXAMPLES_DIR, 'products.csv'), 'utf8'));
		const reqs = completionRequests(emu);
		assert.equal(reqs.length, rows.length, 'one request per row');
		const deepinfra = providerPrice('deepinfra');
		for (const q of reqs) {
			assert.equal(q.status, 200);
			assert.deepEqual(q.body.provider, { sort: 'price', max_price: { prompt: 0.3, completion: 0.5 } });
			assert.equal(q.body.billing_mode, 'paygo');
			assert.equal(q.routing.provider, 'deepinfra', 'the cheapest provider under the ceiling');
		}
		const items = n8n.nodeItems(r.run, 'NanoGPT');
		assert.equal(items.length, rows.length);
		items.forEach((item, i) => {
			const req = reqs.find((q) => q.body.prompt.includes(`Product: ${rows[i].name} (`));
			const answer = completionTextFor(req.body);
			const amount = (answer.promptTokens * deepinfra.prompt + answer.completionTokens * deepinfra.completion) * PROVIDER_MARKUP / 1e6;
			assert.ok(Math.abs(item.json.completion.cost.amount - amount) < 1e-9, `row ${i} billed at deepinfra's price plus 5%: ${item.json.completion.cost.amount} vs ${amount}`);
		});
		const written = ex.parseCsv(fs.readFileSync(ex.outputFileOf(example), 'utf8').replace(/^\uFEFF/, ''));
		assert.equal(written.length, rows.length, 'the CSV has every row');
		written.forEach((w, i) => assert.equal(Number(w.cost_usd), items[i].json.completion.cost.amount, `row ${i} has its cost`));
	});

	await suite.case(NAMES.everyOption, async () => {
		emu.reset();
		const r = await app.execute(options.id);
		assert.ok(r.run, `no run printed (exit ${r.code})\n${n8n.tail(r.stdout)}\n${n8n.tail(r.stderr)}`);
		assert.equal(r.error, undefined, `workflow error: ${r.error && r.error.message}`);
		const reqs = completionRequests(emu);
		for (const [name, expected] of Object.entries(NODES)) {
			const items = n8n.nodeItems(r.run, name);
			const sent = reqs.filter((q) => q.body.model === expected.model && q.body.prompt === PROMPT);
			assert.equal(sent.length, 1, `${name}: one request with model ${expected.model} (got ${reqs.map((q) => q.body.model).join(', ')})`);
			const [q] = sent;
			assert.equal(q.status, 200, `${name}: accepted`);
			assert.deepEqual(q.body, { model: expected.model, prompt: PROMPT, ...expected.body }, `${name}: the body`);
			for (const header of ['moderation', 'redaction']) assert.equal(q.headers[header], expected.headers[header], `${name}: header ${header}`);
			if (expected.provider) assert.equal(q.routing.provider, expected.provider, `${name}: routed to ${expected.provider}`);
			const completion = items[0].json;
			assert.equal(completion.text, completionTextFor(q.body).text, `${name}: the text`);
		}
		const routed = n8n.nodeItems(r.run, 'Routing object');
		assert.equal(routed.length, 2);
		assert.deepEqual(routed[0].json.moderation, { model: 'meta-llama/llama-guard-4-12b', flagged: false, cost: MODERATION_USD });
		const refused = routed[1].json;
		assert.equal(refused.error, 'NanoGPT returned 400: Your request was blocked by content moderation.');
		assert.equal(refused.parameter, 'Routing, Billing and Safety > Moderation');
		assert.equal(refused.attempts, 1, 'not retried');
		assert.deepEqual(refused.moderation, { model: 'meta-llama/llama-guard-4-12b', flagged: true, cost: MODERATION_USD });
		assert.equal(reqs.filter((q) => q.body.prompt === FLAGGED).length, 1);
		assert.ok(!JSON.stringify(r.run).includes(emu.apiKey), 'the API key appears nowhere in the run');
	});
}

/** Asks the running n8n for the Provider Routing list as the editor does, for a model with and one without providers. */
async function runServer(suite, { rest, emu }) {
	if (!rest) return suite.notRun(NAMES.providerList, 'no server');
	await suite.case(NAMES.providerList, async () => {
		emu.reset();
		const ask = (model) =>
			rest.request('POST', '/rest/dynamic-node-parameters/options', {
				path: 'parameters.providerRouting.order',
				nodeTypeAndVersion: { name: n8n.NODE_TYPE, version: 1 },
				methodName: 'getModelProviders',
				currentNodeParameters: { operation: 'complete', model: { __rl: true, mode: 'id', value: model }, prompt: 'x', providerRouting: {} },
				credentials: { nanoGptApi: { id: ex.CREDENTIAL_ID, name: ex.CREDENTIAL_NAME } },
			});
		const routed = await ask(ROUTED);
		assert.equal(routed.status, 200, routed.text.slice(0, 300));
		const options = routed.json.data || routed.json;
		assert.deepEqual(options.map((o) => o.value), ['deepinfra', 'novita', 'groq', 'together', 'fireworks'], 'cheapest first');
		assert.equal(options[0].name, 'deepinfra · $0.2415 / $0.42 per 1M');
		const [list] = emu.requests.filter((r) => r.path.endsWith('/providers'));
		assert.equal(list.path, `/api/models/${encodeURIComponent(ROUTED)}/providers`);
		const plain = await ask('gpt-4o-mini');
		assert.equal(plain.status, 200, plain.text.slice(0, 300));
		assert.deepEqual(plain.json.data || plain.json, [], 'none for a model without provider selection');
	});
}

module.exports = { NAMES, fixtures, run, runServer };
