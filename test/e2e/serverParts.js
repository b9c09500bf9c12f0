'use strict';
/*
 * The parts of the e2e suite that need `n8n start`: the server itself, the streaming chat example,
 * streaming through a Webhook (part 3), the tool variant's registration (part 5) and the editor in
 * headless Chromium (part 2).
 */
const fs = require('node:fs');
const path = require('node:path');
const { assert } = require('./framework');
const n8n = require('../../scripts/lib/n8n');
const ex = require('../../scripts/lib/examples');
const { completionTextFor, DEFAULT_MODELS } = require('../support/emulator.ts');
const editor = require('./editor');
const faults = require('./faults');
const agent = require('./agent');
const { N } = require('./cases');
const { LINE, ARTIFACTS, OWNER, REPO, completionRequests, copyLog } = require('./line');
const { postStreaming, withWebhookRetry, parseNdjson } = require('./webhookCalls');

/**
 * Starts n8n in the CLI runs' user folder and logs the owner in: `{ server, rest }`, or a null
 * server when it did not start.
 */
async function startServer(suite, { app }) {
	let server = null;
	let rest = null;
	suite.section('n8n start (regular mode)');
	const ok = await suite.case(N.server, async () => {
		server = await app.start({ timeoutMs: 180000 });
		rest = new n8n.RestClient(app.baseUrl);
		await rest.setUpOwnerIfNeeded(OWNER);
		await rest.login(OWNER.email, OWNER.password);
		// The wrong-key credential of the CLI case and the closed-port one of the faults must not be
		// what the editor preselects.
		for (const id of ['nanoGptBadCred01', faults.REFUSED_CREDENTIAL.id]) {
			const del = await rest.request('DELETE', `/rest/credentials/${id}`);
			assert.ok([200, 204, 404].includes(del.status), `delete credential ${id}: ${del.status} ${del.text.slice(0, 200)}`);
		}
	});
	if (!ok) {
		if (server) copyLog(server.logFile, 'n8n-start.log');
		server = null;
	}
	return { server, rest };
}

/** The streaming chat example answers through its public chat endpoint, its text streamed whole. */
async function chatExample({ app, emu }) {
	emu.reset();
	const chat = ex.loadExample('chat');
	const url = `${app.baseUrl}/webhook/${chat.nodes[0].webhookId}/chat`;
	const r = await withWebhookRetry(() =>
		postStreaming(url, { action: 'sendMessage', sessionId: 'e2e-session', chatInput: 'What is n8n?' }),
	);
	assert.equal(r.status, 200, r.lines.map((l) => l.line).join('\n'));
	const events = parseNdjson(r.lines).filter((l) => l.obj);
	const types = events.map((e) => e.obj.type);
	assert.equal(types[0], 'begin');
	assert.ok(types.includes('item'));
	assert.equal(types[types.length - 1], 'end');
	const reqs = completionRequests(emu);
	assert.equal(reqs.length, 1);
	assert.equal(reqs[0].body.stream, true, 'the node asked for a stream');
	assert.ok(reqs[0].body.prompt.includes('What is n8n?'));
	const text = events.filter((e) => e.obj.type === 'item').map((e) => e.obj.content).join('');
	assert.equal(text, completionTextFor(reqs[0].body).text);
}

/** A Webhook in streaming response mode: the first chunk arrives long before the emulator's last. */
async function streamingWebhook({ app, emu }) {
	emu.reset();
	const url = `${app.baseUrl}/webhook/${ex.loadExample('webhook').nodes[0].parameters.path}`;
	const delay = 300;
	const r = await withWebhookRetry(() =>
		postStreaming(url, { prompt: `[[chunk-delay:${delay}]] Write a haiku about workflows`, max_tokens: 12 }),
	);
	assert.equal(r.status, 200, r.lines.map((l) => l.line).join('\n'));
	const events = parseNdjson(r.lines).filter((l) => l.obj);
	const items = events.filter((e) => e.obj.type === 'item' && e.obj.content);
	assert.ok(items.length >= 5, `several item chunks (got ${items.length})`);
	const reqs = completionRequests(emu);
	assert.equal(reqs.length, 1);
	const req = reqs[0];
	assert.equal(req.body.stream, true);
	assert.equal(req.body.max_tokens, 12);
	const text = items.map((e) => e.obj.content).join('');
	assert.equal(text, completionTextFor(req.body).text, 'streamed text is the whole completion');
	const first = items[0].at;
	const last = items[items.length - 1].at;
	const producedLast = req.finishedAt;
	console.log(
		`      first chunk at ${items[0].ms} ms, last chunk at ${items[items.length - 1].ms} ms, ` +
			`emulator finished ${Math.round(producedLast - r.t0)} ms after the request (${items.length} chunks, ${delay} ms apart)`,
	);
	assert.ok(producedLast - first >= 1000, `first chunk ${Math.round(producedLast - first)} ms before the emulator's last (want >= 1000)`);
	assert.ok(last - first >= 1000, 'chunks spread over time, not buffered');
	fs.writeFileSync(path.join(ARTIFACTS, 'streaming-arrivals.json'), JSON.stringify(r.lines.map((l) => ({ ms: l.ms, line: l.line })), null, 1));
}

/** n8n lists the node, its tool variant and the credential type. */
async function toolRegistered({ rest }) {
	const r = await rest.request('GET', '/types/nodes.json');
	assert.equal(r.status, 200);
	const types = r.json;
	const names = types.map((t) => t.name);
	assert.ok(names.includes(n8n.NODE_TYPE), 'nanoGpt registered');
	assert.ok(names.includes(n8n.TOOL_NODE_TYPE), 'nanoGptTool registered');
	const tool = types.find((t) => t.name === n8n.TOOL_NODE_TYPE);
	assert.match(JSON.stringify(tool.outputs), /ai_tool/, 'the tool variant outputs ai_tool');
	const creds = await rest.request('GET', '/types/credentials.json');
	assert.ok(creds.json.some((c) => c.name === n8n.CREDENTIAL_TYPE), 'nanoGptApi credential type registered');
}

async function runChat(suite, context) {
	if (!context.server) suite.notRun(N.chat, 'no server');
	else await suite.case(N.chat, () => chatExample(context));
}

async function runStreaming(suite, context) {
	suite.section('3. Streaming through a Webhook in streaming response mode');
	if (!context.server) suite.notRun(N.streaming, 'no server');
	else await suite.case(N.streaming, () => streamingWebhook(context));
}

async function runToolRegistered(suite, context) {
	suite.section('5. Tool variant');
	if (!context.server) suite.notRun(N.tool, 'no server');
	else await suite.case(N.tool, () => toolRegistered(context));
}

async function runEditor(suite, { server, app, emu, rest }) {
	suite.section('2. The editor in headless Chromium');
	if (!server) return suite.notRun([...editor.registered(suite), ...Object.values(agent.EDITOR_NAMES)], 'no server');
	await editor.run(suite, {
		baseUrl: app.baseUrl,
		owner: OWNER,
		emu,
		rest,
		artifacts: ARTIFACTS,
		runWorkflowId: ex.loadExample('scheduled').id,
		errorOutputWorkflowId: ex.loadExample('failed').id,
		line: LINE,
		screenshotForDocs: path.join(REPO, 'docs', 'editor.png'),
		models: DEFAULT_MODELS.map((m) => m.id),
	});
	await agent.editor(suite, { baseUrl: app.baseUrl, owner: OWNER, emu, artifacts: ARTIFACTS, line: LINE });
}

module.exports = { startServer, runChat, runStreaming, runToolRegistered, runEditor };
