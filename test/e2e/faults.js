'use strict';
/*
 * The README's "What happens when..." rows for network and API faults, in the real n8n: one
 * workflow run with `n8n execute`, one item per fault (the emulator's [[fault:...]] prompt
 * directives), Continue On Fail and Include Input Fields on, and a second NanoGPT node whose
 * credential points at a closed port. Each case then checks its item against the README's wording
 * and the requests the emulator saw. The same cases run on every n8n line.
 */
const { assert } = require('./framework');
const n8n = require('../../scripts/lib/n8n');
const { completionTextFor } = require('../support/emulator.ts');

const NAMES = {
	run: 'faults: a workflow of failing requests runs to its end with Continue On Fail',
	reset: 'faults: a connection reset is retried, then reported as ECONNRESET',
	refused: 'faults: a refused connection is retried, then reported as ECONNREFUSED',
	hang: 'faults: no answer within Timeout is retried, then reported as ETIMEDOUT',
	rateLimited: 'faults: a 429 with Retry-After 1 is retried after that wait and succeeds',
	serverError: 'faults: a 500 is retried, then reported with its status and NanoGPT\'s message',
	htmlBadGateway: 'faults: an HTML 502 is retried, then reported by the page title',
	streamCut: 'faults: a stream cut mid-answer is not retried and keeps the text that arrived',
};

const WORKFLOW_ID = 'nanoGptE2eFaults';
const REFUSED_CREDENTIAL = { id: 'nanoGptRefused01', name: 'NanoGPT refused' };
const MODEL = 'gpt-4o-mini';
const TIMEOUT_MS = 2000;
/** One item per fault; `prompt` carries the emulator's directive. */
const ITEMS = [
	{ case: 'clean', prompt: 'Describe the red mug' },
	{ case: 'reset', prompt: '[[fault:reset]] Describe the reset mug' },
	{ case: 'hang', prompt: '[[fault:hang]] Describe the silent mug' },
	{ case: 'rateLimited', prompt: '[[fault:429:1x1]] Describe the patient mug' },
	{ case: 'serverError', prompt: '[[fault:500]] Describe the broken mug' },
	{ case: 'htmlBadGateway', prompt: '[[fault:502]] Describe the proxied mug' },
	{ case: 'streamCut', prompt: '[[fault:reset-mid-body:2]] Describe the cut mug', stream: true },
];
const REFUSED_ITEM = { case: 'refused', prompt: 'Describe the unreachable mug' };

function nanoGptNode({ name, credential, position }) {
	return {
		id: `e2e-faults-${name.replace(/\W+/g, '-').toLowerCase()}`,
		name,
		type: n8n.NODE_TYPE,
		typeVersion: 1,
		position,
		onError: 'continueRegularOutput',
		credentials: { nanoGptApi: { id: credential.id, name: credential.name } },
		parameters: {
			operation: 'complete',
			model: { __rl: true, mode: 'id', value: MODEL },
			prompt: '={{ $json.prompt }}',
			simplify: true,
			options: { stream: '={{ $json.stream === true }}', includeInputFields: true },
			requestOptions: { maxRetries: 1, timeout: TIMEOUT_MS, requestsPerSecond: 0 },
		},
	};
}

function rawSet(name, json, position) {
	return {
		id: `e2e-faults-${name.replace(/\W+/g, '-').toLowerCase()}`,
		name,
		type: 'n8n-nodes-base.set',
		typeVersion: 3.4,
		position,
		parameters: { mode: 'raw', jsonOutput: JSON.stringify(json), options: {} },
	};
}

/** The workflow and the refused credential (a closed port on 127.0.0.1) to import. */
function fixtures({ credential, closedPort }) {
	const refused = {
		...credential,
		...REFUSED_CREDENTIAL,
		data: { ...credential.data, baseUrl: `http://127.0.0.1:${closedPort}/api` },
	};
	const workflow = {
		id: WORKFLOW_ID,
		name: 'E2E: faults with Continue On Fail',
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{ id: 'e2e-faults-trigger', name: 'Run manually', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			rawSet('Fault cases', { cases: ITEMS }, [220, -100]),
			{
				id: 'e2e-faults-split',
				name: 'One item per case',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [440, -100],
				parameters: { fieldToSplitOut: 'cases', options: {} },
			},
			nanoGptNode({ name: 'NanoGPT', credential, position: [660, -100] }),
			rawSet('Refused case', REFUSED_ITEM, [220, 100]),
			nanoGptNode({ name: 'NanoGPT refused', credential: refused, position: [440, 100] }),
		],
		connections: {
			'Run manually': { main: [[{ node: 'Fault cases', type: 'main', index: 0 }, { node: 'Refused case', type: 'main', index: 0 }]] },
			'Fault cases': { main: [[{ node: 'One item per case', type: 'main', index: 0 }]] },
			'One item per case': { main: [[{ node: 'NanoGPT', type: 'main', index: 0 }]] },
			'Refused case': { main: [[{ node: 'NanoGPT refused', type: 'main', index: 0 }]] },
		},
	};
	return { workflow, credential: refused };
}

const requestsFor = (emu, prompt) => emu.requests.filter((r) => r.body && r.body.prompt === prompt);

/** What an error item must say: the README's message, description and fields. */
function expectErrorItem(item, { message, code, attempts, status, requestId }) {
	const json = item.json;
	assert.equal(json.error, message);
	const description = [requestId ? `Request ID: ${requestId}` : undefined, code ? `Code: ${code}` : undefined, `Attempts: ${attempts}${status ? `, last status ${status}` : ''}`]
		.filter(Boolean)
		.join('. ');
	assert.equal(json.description, description);
	assert.equal(json.attempts, attempts);
	assert.equal(json.httpCode, status ? String(status) : undefined);
}

/** Runs the fault workflow once, then one case per fault. */
/** What each fault's output item must be, and the requests it cost; refusedItems is the output of the node whose Base URL refuses connections. */
const FAULT_CHECKS = {
	reset: async (item, input, { emu }) => {
		expectErrorItem(item, { message: 'Could not reach NanoGPT: the connection was reset (after 2 attempts)', code: 'ECONNRESET', attempts: 2 });
		assert.equal(requestsFor(emu, input.prompt).length, 2);
	},
	hang: async (item, input, { emu }) => {
		expectErrorItem(item, { message: `Could not reach NanoGPT: no response within ${TIMEOUT_MS} ms (after 2 attempts)`, code: 'ETIMEDOUT', attempts: 2 });
		const sent = requestsFor(emu, input.prompt);
		assert.equal(sent.length, 2);
		assert.ok(sent.every((r) => r.finishedAt !== undefined), 'the node closed both silent connections');
	},
	rateLimited: async (item, input, { emu }) => {
		const sent = requestsFor(emu, input.prompt);
		assert.deepEqual(sent.map((r) => r.status), [429, 200]);
		// A lower bound only: the second attempt waited out the Retry-After of 1 s.
		assert.ok(sent[1].startedAt - sent[0].finishedAt >= 950, `retried ${Math.round(sent[1].startedAt - sent[0].finishedAt)} ms after the 429`);
		const completion = item.json.completion;
		assert.ok(completion, `a completion, not an error: ${JSON.stringify(item.json).slice(0, 300)}`);
		assert.equal(completion.text, completionTextFor({ model: MODEL, prompt: input.prompt }).text);
		assert.equal(completion.attempts, 2);
	},
	serverError: async (item, input, { emu }) => {
		const sent = requestsFor(emu, input.prompt);
		assert.equal(sent.length, 2);
		expectErrorItem(item, {
			message: 'NanoGPT returned 500: Internal Server Error (after 2 attempts)',
			code: 'internal_error',
			attempts: 2,
			status: 500,
			requestId: sent[1].id,
		});
		assert.equal(item.json.requestId, sent[1].id);
	},
	htmlBadGateway: async (item, input, { emu }) => {
		const sent = requestsFor(emu, input.prompt);
		assert.equal(sent.length, 2);
		expectErrorItem(item, { message: 'NanoGPT returned 502: 502 Bad Gateway (after 2 attempts)', attempts: 2, status: 502, requestId: sent[1].id });
	},
	streamCut: async (item, input, { emu }) => {
		const sent = requestsFor(emu, input.prompt);
		assert.equal(sent.length, 1, 'not retried');
		assert.equal(sent[0].body.stream, true);
		expectErrorItem(item, {
			message: "NanoGPT's stream broke off: the connection closed before the completion finished",
			code: 'ECONNRESET',
			attempts: 1,
			requestId: sent[0].id,
		});
		const partial = item.json.partialText;
		assert.ok(typeof partial === 'string' && partial.length > 0, 'partialText holds what arrived');
		assert.ok(completionTextFor({ model: MODEL, prompt: input.prompt, stream: true }).text.startsWith(partial), 'partialText is the beginning of the answer');
	},
};

/** The fault workflow's run: one output item per fault, each in its place; returns its items, or undefined when it failed. */
async function runFaultWorkflow({ app, emu }) {
	emu.reset();
	const r = await app.execute(WORKFLOW_ID);
	assert.ok(r.run, `no run printed (exit ${r.code})\n${n8n.tail(r.stdout)}\n${n8n.tail(r.stderr)}`);
	assert.equal(r.error, undefined, `workflow error: ${r.error && r.error.message}`);
	const items = n8n.nodeItems(r.run, 'NanoGPT');
	const refusedItems = n8n.nodeItems(r.run, 'NanoGPT refused');
	assert.equal(items.length, ITEMS.length, 'one output item per fault, none lost');
	items.forEach((item, i) => {
		assert.equal(item.json.case, ITEMS[i].case, `item ${i} in its place, with its input fields`);
		assert.deepEqual(item.pairedItem, { item: i });
	});
	const clean = items[0].json.completion;
	assert.equal(clean.text, completionTextFor({ model: MODEL, prompt: ITEMS[0].prompt }).text, 'the clean item is untouched');
	assert.equal(requestsFor(emu, ITEMS[0].prompt).length, 1);
	assert.ok(!JSON.stringify(r.run).includes(emu.apiKey), 'the API key appears nowhere in the run');
	return { items, refusedItems };
}

/** The node whose Base URL refuses connections: its one item, with nothing sent. */
function checkRefused({ emu }, refusedItems) {
	assert.equal(refusedItems && refusedItems.length, 1, 'one output item');
	assert.equal(refusedItems[0].json.case, 'refused');
	expectErrorItem(refusedItems[0], { message: 'Could not reach NanoGPT: the connection was refused (after 2 attempts)', code: 'ECONNREFUSED', attempts: 2 });
	assert.equal(requestsFor(emu, REFUSED_ITEM.prompt).length, 0, 'nothing reached the emulator');
}

async function run(suite, parts) {
	let outputs;
	const ran = await suite.case(NAMES.run, async () => {
		outputs = await runFaultWorkflow(parts);
	});
	for (const name of ['reset', 'refused', 'hang', 'rateLimited', 'serverError', 'htmlBadGateway', 'streamCut']) {
		if (!ran) {
			suite.notRun(NAMES[name], 'the fault workflow did not run');
			continue;
		}
		await suite.case(NAMES[name], async () => {
			if (name === 'refused') return checkRefused(parts, outputs.refusedItems);
			const item = outputs.items.find((candidate) => candidate.json.case === name);
			assert.ok(item, `an output item for ${name}`);
			await FAULT_CHECKS[name](item, ITEMS.find((i) => i.case === name), parts);
		});
	}
}

module.exports = { NAMES, REFUSED_CREDENTIAL, fixtures, run };
