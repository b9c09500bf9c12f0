#!/usr/bin/env node
'use strict';
/*
 * End-to-end suite in the real n8n application, on both lines: n8n 2.41.1 on Node 24 and n8n
 * 1.123.81 on Node 22 (provisioned by scripts/provision.js), with n8n-nodes-nanogpt installed as a
 * community package and the NanoGPT emulator as the API:
 *
 *   1. CLI runs of the example workflows (`n8n execute`), asserting output items and the requests
 *      the emulator recorded; the streaming chat example through its public chat endpoint.
 *   2. The editor in headless Chromium (test/e2e/editor.js).
 *   3. Streaming: a Webhook workflow in streaming response mode delivers the first chunk long
 *      before the emulator produces the last one.
 *   4. Queue mode: Redis, one main and two workers, a published webhook workflow with 200 items.
 *   5. The tool variant n8n-nodes-nanogpt.nanoGptTool is registered, and an AI Agent uses it
 *      (test/e2e/agent.js): it calls the tool, quotes its completion, and survives its failures.
 *   6. Faults (test/e2e/faults.js): reset, refused, hang past Timeout, 429 with Retry-After, 500,
 *      an HTML 502 and a stream cut, each item as the README's table says.
 *   7. Failed rows (test/e2e/failedRows.js): the error output, Retry On Fail with and without
 *      Continue, a daily cap and a 402 stopping the run, and the failed-rows example.
 *   8. Runs on one key (test/e2e/sharedKey.js): four n8n instances share the emulator's rate limit.
 *
 * Each line runs in a process of its own (this script, with NANOGPT_N8N_VERSION set), one after the
 * other; this process prints their output prefixed with the line and the sum of their totals.
 * Queue mode runs on 2.x only; cases that do not apply to a line are not registered for it.
 *
 * Usage: node test/e2e/run.js [--only cli,faults,editor,streaming,queue,tool,shared]
 * NANOGPT_N8N_VERSION=<version> runs one line only (the cases that apply to it).
 * UPDATE_SCREENSHOTS=1 also refreshes docs/editor.png (the README's screenshot); CHROMIUM_PATH and
 * REDIS_SERVER_PATH pick the browser and the redis-server.
 * The cases of the run are registered up front (CASES below); it prints PASS/FAIL per case and a
 * final line `N passed, M failed`, where a registered case that did not run counts as failed;
 * exits 1 on any failure.
 * Artifacts (screenshots, n8n logs) go to test-artifacts/e2e/.
 */
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const net = require('node:net');
const { spawn } = require('node:child_process');
const { Suite, assert } = require('./framework');
const { provision, lineOf, N8N_VERSION, DEFAULT_N8N_VERSION, N8N_V1_VERSION } = require('../../scripts/provision');
const n8n = require('../../scripts/lib/n8n');
const ex = require('../../scripts/lib/examples');
const { ensureBuilt } = require('../../scripts/lib/build');
const { startEmulator, completionTextFor, DEFAULT_MODELS } = require('../support/emulator');

const REPO = n8n.REPO;
/** The n8n lines `npm run test:e2e` covers when NANOGPT_N8N_VERSION names none: 2.x and the pinned 1.x. */
const LINES = [DEFAULT_N8N_VERSION, N8N_V1_VERSION];
const ARTIFACTS = path.join(REPO, 'test-artifacts', 'e2e', `n8n-${N8N_VERSION}`);
const OWNER = { email: 'e2e-owner@example.com', password: 'E2e-Passw0rd' };
const FIXTURES = path.join(__dirname, 'fixtures');
const fixture = (name) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));

const PARTS = ['cli', 'faults', 'editor', 'streaming', 'queue', 'tool', 'shared'];
const args = process.argv.slice(2);
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? new Set(String(args[onlyIdx + 1] || '').split(',').filter(Boolean)) : null;
const want = (part) => !only || only.has(part);
const unknownParts = only ? [...only].filter((part) => !PARTS.includes(part)) : [];
if (only && (only.size === 0 || unknownParts.length)) {
	// A misspelled part would otherwise run nothing and pass.
	console.log(`--only takes parts among ${PARTS.join(',')}; got ${[...only].join(',') || 'none'}`);
	console.log('0 passed, 1 failed');
	process.exit(1);
}

const { NAMES: EDITOR, APPLIES_TO: EDITOR_APPLIES_TO } = require('./editor');
const faults = require('./faults');
const failedRows = require('./failedRows');
const routingBilling = require('./routingBilling');
const sharedKey = require('./sharedKey');
const agent = require('./agent');
/** Case names, used both to register the cases and to run them. */
const N = {
	setup: 'setup: build, provision n8n, start the emulator',
	import: 'setup: import the credentials, the nine examples and the fixtures',
	enrich: 'cli: "Enrich spreadsheet rows" enriches every CSV row in order',
	categories: 'cli: "Describe each category once" sends 6 requests for 120 rows (Reuse Identical Requests)',
	json: 'cli: "Extract product attributes as JSON" writes brand, colour and material as columns (Output Content as JSON)',
	scheduled: 'cli: "Scheduled pipeline" writes one briefing per topic into the digest',
	wrongKey: 'cli: a wrong API key fails the run with the API message and no key in output',
	server: 'server: n8n start is ready and the owner can log in',
	chat: 'chat: streaming chat example answers through its public chat endpoint',
	streaming: 'streaming: first chunk reaches the client long before the last is produced',
	tool: 'tool: n8n-nodes-nanogpt.nanoGpt and nanoGptTool are registered, credential type too',
	queueReady: 'queue: redis, main and two workers start',
	queueScheduled: 'queue: the published scheduled pipeline fires on its Schedule Trigger and runs on a worker',
	queueBatch: 'queue: 200 items through a published webhook complete on the workers, all present and in order',
};
/**
 * Every case of the suite: the --only parts that need it and, when not every n8n line has what it
 * tests, `appliesTo(line)`. The cases of a run are registered before anything runs, so a case that
 * does not run (its setup failed, a tool is missing, the run stopped) counts as failed; a case that
 * does not apply to an n8n line is not registered for that line, so it is neither run nor counted.
 */
const CASES = [
	{ name: N.setup, parts: ['cli', 'faults', 'editor', 'streaming', 'queue', 'tool', 'shared'] },
	{ name: N.import, parts: ['cli', 'faults', 'editor', 'streaming', 'tool'] },
	{ name: N.enrich, parts: ['cli'] },
	{ name: N.categories, parts: ['cli'] },
	{ name: N.json, parts: ['cli'] },
	{ name: N.scheduled, parts: ['cli'] },
	{ name: N.wrongKey, parts: ['cli'] },
	{ name: N.server, parts: ['cli', 'editor', 'streaming', 'tool'] },
	{ name: N.chat, parts: ['cli'] },
	{ name: N.streaming, parts: ['streaming'] },
	{ name: N.tool, parts: ['tool'] },
	...Object.values(faults.NAMES).map((name) => ({ name, parts: ['faults'] })),
	...failedRows.CASES,
	...Object.values(routingBilling.NAMES).map((name) => ({ name, parts: ['cli'] })),
	...Object.values(sharedKey.NAMES).map((name) => ({ name, parts: ['shared'] })),
	...Object.values(agent.NAMES).map((name) => ({ name, parts: ['tool'] })),
	...Object.values(agent.EDITOR_NAMES).map((name) => ({ name, parts: ['editor'] })),
	...Object.values(EDITOR).map((name) => ({ name, parts: ['editor'], appliesTo: EDITOR_APPLIES_TO[name] })),
	// Queue mode is covered on n8n 2.x only.
	{ name: N.queueReady, parts: ['queue'], appliesTo: (line) => line.major >= 2 },
	{ name: N.queueScheduled, parts: ['queue'], appliesTo: (line) => line.major >= 2 },
	{ name: N.queueBatch, parts: ['queue'], appliesTo: (line) => line.major >= 2 },
];
/** The n8n line this run drives. */
const LINE = { version: N8N_VERSION, ...lineOf(N8N_VERSION) };
const casesFor = (line) => CASES.filter((c) => c.parts.some(want) && (!c.appliesTo || c.appliesTo(line))).map((c) => c.name);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** n8n user folders of this run: removed when every case passed, kept for inspection otherwise. */
const runDirs = [];

/** POSTs JSON and records the arrival time of every NDJSON line of the answer. */
function postStreaming(url, body, { timeoutMs = 60000 } = {}) {
	return new Promise((resolve, reject) => {
		const data = Buffer.from(JSON.stringify(body));
		const t0 = Date.now();
		const lines = [];
		let buf = '';
		const req = http.request(
			url,
			{ method: 'POST', timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': data.length } },
			(res) => {
				res.setEncoding('utf8');
				res.on('data', (chunk) => {
					const at = Date.now();
					buf += chunk;
					let nl;
					while ((nl = buf.indexOf('\n')) >= 0) {
						const line = buf.slice(0, nl).trim();
						buf = buf.slice(nl + 1);
						if (line) lines.push({ at, ms: at - t0, line });
					}
				});
				res.on('end', () => {
					if (buf.trim()) lines.push({ at: Date.now(), ms: Date.now() - t0, line: buf.trim() });
					resolve({ status: res.statusCode, headers: res.headers, lines, t0, ms: Date.now() - t0 });
				});
			},
		);
		req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out`)));
		req.on('error', reject);
		req.end(data);
	});
}

function postJson(url, body, { timeoutMs = 120000 } = {}) {
	return new Promise((resolve, reject) => {
		const data = Buffer.from(JSON.stringify(body));
		const req = http.request(
			url,
			{ method: 'POST', timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': data.length } },
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (d) => (text += d));
				res.on('end', () => {
					let json = null;
					try {
						json = JSON.parse(text);
					} catch {
						json = null;
					}
					resolve({ status: res.statusCode, text, json });
				});
			},
		);
		req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out`)));
		req.on('error', reject);
		req.end(data);
	});
}

/** Production webhooks can answer 404 for a few seconds after readiness: retry those. */
async function withWebhookRetry(fn, { tries = 20 } = {}) {
	for (let i = 0; ; i++) {
		const r = await fn();
		if (r.status !== 404 || i >= tries) return r;
		await sleep(1000);
	}
}

function parseNdjson(lines) {
	return lines.map((l) => {
		try {
			return { ...l, obj: JSON.parse(l.line) };
		} catch {
			return { ...l, obj: null };
		}
	});
}

function completionRequests(emu) {
	return emu.requests.filter((r) => r.method === 'POST' && /\/v1\/completions$/.test(r.path));
}

function copyLog(file, name) {
	try {
		fs.mkdirSync(ARTIFACTS, { recursive: true });
		fs.copyFileSync(file, path.join(ARTIFACTS, name));
	} catch {
		/* best effort */
	}
}

const suite = new Suite();
/** Stops what main started (emulator, n8n), also when main stops outside a case. */
const cleanups = [];

async function main() {
	suite.register(casesFor(LINE));
	console.log(`e2e against n8n ${LINE.version}: ${suite.planned.length} cases`);
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	const onSignal = async () => {
		for (const c of cleanups.reverse()) await c().catch(() => {});
		process.exit(130);
	};
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);

	let prov;
	let emu;
	const setupOk = await suite.case(N.setup, async () => {
		ensureBuilt({ log: console.log });
		prov = await provision({ log: console.log });
		emu = await startEmulator({});
		cleanups.push(() => emu.close());
	}, { timeoutMs: 20 * 60 * 1000 });
	if (!setupOk) return finish(suite, cleanups, 'setup failed');

	const credential = ex.credential({ apiKey: emu.apiKey, baseUrl: emu.baseUrl });
	const apiHeader = `Bearer ${emu.apiKey}`;

	// ---------------------------------------------------------------------------------------
	// One instance for the CLI runs, then `n8n start` in the same user folder for the server parts.
	const app = await n8n.N8nInstance.create(prov, {
		label: 'e2e-main',
		extraEnv: {
			...n8n.ownerEnv(prov, OWNER),
			N8N_RESTRICT_FILE_ACCESS_TO: `${fs.realpathSync(path.join(REPO, 'examples'))}`,
		},
	});
	cleanups.push(() => app.stopAll());
	runDirs.push(app.userFolder);
	const outputDir = path.join(app.userFolder, 'output');
	fs.mkdirSync(outputDir);
	app.extraEnv.N8N_RESTRICT_FILE_ACCESS_TO += `;${outputDir}`;
	const localFiles = { inputDir: fs.realpathSync(path.join(REPO, 'examples')), outputDir };
	const enrichWf = ex.localizeFiles(ex.loadExample('enrich'), localFiles);
	const enrichOut = ex.outputFileOf(enrichWf);
	const categoriesWf = ex.localizeFiles(ex.loadExample('categories'), localFiles);
	const jsonWf = ex.forEmulator(ex.localizeFiles(ex.loadExample('json'), localFiles));
	const needMain = ['cli', 'faults', 'streaming', 'tool', 'editor'].some(want);
	const [closedPort] = await n8n.freePorts(1);
	const faultFixtures = faults.fixtures({ credential, closedPort });
	const routingFixtures = routingBilling.fixtures(localFiles);
	const agentFixtures = agent.fixtures({ apiKey: emu.apiKey, baseUrl: emu.baseUrl });
	const importOk = needMain && await suite.case(N.import, async () => {
		await app.importCredentials([credential, faultFixtures.credential, ...agentFixtures.credentials]);
		await app.importWorkflows([
			faultFixtures.workflow,
			routingFixtures.example,
			routingFixtures.options,
			...agentFixtures.workflows,
			enrichWf,
			categoriesWf,
			jsonWf,
			ex.loadExample('scheduled'),
			ex.loadExample('chat'),
			ex.loadExample('webhook'),
			...failedRows.workflows({ credential, localFiles }),
		]);
		await app.publish([ex.loadExample('webhook').id, ex.loadExample('chat').id]);
	});

	if (want('cli')) {
		suite.section('1. CLI runs of the example workflows');
		if (!importOk) suite.notRun([N.enrich, N.categories, N.json, N.scheduled, N.wrongKey], 'import failed');
		else {
			await suite.case(N.enrich, async () => {
				emu.reset();
				const r = await app.execute(enrichWf.id);
				assert.ok(r.run, `no run printed (exit ${r.code})\n${n8n.tail(r.stdout)}\n${n8n.tail(r.stderr)}`);
				assert.equal(r.error, undefined, `workflow error: ${r.error && r.error.message}`);
				assert.equal(r.code, 0);
				const csvRows = ex.parseCsv(fs.readFileSync(path.join(REPO, 'examples', 'products.csv'), 'utf8'));
				const items = n8n.nodeItems(r.run, 'NanoGPT');
				assert.equal(items.length, csvRows.length, 'one output item per row');
				const reqs = completionRequests(emu);
				assert.equal(reqs.length, csvRows.length, 'one request per row');
				items.forEach((item, i) => {
					const row = csvRows[i];
					assert.deepEqual(item.pairedItem, { item: i }, `item ${i} paired to row ${i}`);
					for (const col of Object.keys(row)) assert.equal(item.json[col], row[col], `row ${i} keeps column ${col}`);
					const c = item.json.completion;
					assert.ok(c && typeof c.text === 'string' && c.text.length > 0, `row ${i} has text`);
					const req = reqs.find((q) => q.body.prompt.includes(`Product: ${row.name} (`));
					assert.ok(req, `a request for ${row.name}`);
					const expected = completionTextFor(req.body);
					assert.equal(c.text, expected.text, `row ${i} text is the API's text`);
					assert.equal(c.finishReason, expected.finishReason);
					assert.equal(c.model, 'chatgpt-4o-latest');
					assert.deepEqual(c.usage, {
						promptTokens: expected.promptTokens,
						completionTokens: expected.completionTokens,
						totalTokens: expected.promptTokens + expected.completionTokens,
					});
				});
				for (const q of reqs) {
					assert.equal(q.headers.authorization, apiHeader, 'bearer key sent');
					assert.equal(q.status, 200);
					assert.deepEqual(Object.keys(q.body).sort(), ['max_tokens', 'model', 'prompt', 'temperature'], 'only the set fields are sent');
					assert.equal(q.body.model, 'chatgpt-4o-latest');
					assert.equal(q.body.max_tokens, 60);
					assert.equal(q.body.temperature, 0.7);
				}
				const written = ex.parseCsv(fs.readFileSync(enrichOut, 'utf8').replace(/^\uFEFF/, ''));
				assert.equal(written.length, csvRows.length, 'enriched CSV has every row');
				written.forEach((w, i) => {
					assert.equal(w.sku, csvRows[i].sku);
					assert.equal(w.tagline, items[i].json.completion.text.trim());
					assert.equal(Number(w.total_tokens), items[i].json.completion.usage.totalTokens);
				});
				const flat = JSON.stringify(r.run);
				assert.ok(!flat.includes(emu.apiKey), 'the API key appears nowhere in the run');
			});

			await suite.case(N.categories, async () => {
				emu.reset();
				const r = await app.execute(categoriesWf.id);
				assert.ok(r.run, `no run printed (exit ${r.code})\n${n8n.tail(r.stdout)}\n${n8n.tail(r.stderr)}`);
				assert.equal(r.error, undefined, `workflow error: ${r.error && r.error.message}`);
				const csvRows = ex.parseCsv(fs.readFileSync(path.join(REPO, 'examples', 'catalogue.csv'), 'utf8'));
				const categories = [...new Set(csvRows.map((row) => row.category))];
				assert.equal(csvRows.length, 120);
				assert.equal(categories.length, 6);
				const reqs = completionRequests(emu);
				assert.equal(reqs.length, 6, 'one request per distinct prompt');
				const items = n8n.nodeItems(r.run, 'NanoGPT');
				assert.equal(items.length, 120, 'one output item per row');
				let cost = 0;
				items.forEach((item, i) => {
					assert.deepEqual(item.pairedItem, { item: i });
					const row = csvRows[i];
					assert.equal(item.json.sku, row.sku, `row ${i} in order`);
					const blurb = item.json.blurb;
					const req = reqs.find((q) => q.body.prompt.includes(` our ${row.category} range`));
					assert.ok(req, `a request for ${row.category}`);
					assert.equal(blurb.text, completionTextFor(req.body).text);
					const first = csvRows.findIndex((other) => other.category === row.category);
					if (i === first) {
						assert.equal(blurb.reusedFrom, undefined);
						cost += blurb.cost.amount;
					} else {
						assert.equal(blurb.reusedFrom, first, `row ${i} reuses row ${first}`);
						assert.equal(blurb.usage, undefined);
						assert.equal(blurb.cost, undefined);
					}
				});
				const usage = JSON.parse((await n8n.httpGet(`${emu.baseUrl}/v1/usage`, { headers: { authorization: apiHeader } })).body);
				assert.ok(cost > 0 && Math.abs(usage.cost_usd - cost) < 1e-9, `cost in the output ${cost} = cost billed ${usage.cost_usd}`);
				const written = ex.parseCsv(fs.readFileSync(ex.outputFileOf(categoriesWf), 'utf8').replace(/^\uFEFF/, ''));
				assert.equal(written.length, 120);
				assert.equal(written.filter((w) => w.request === 'sent').length, 6);
			});

			await suite.case(N.json, async () => {
				emu.reset();
				const r = await app.execute(jsonWf.id);
				assert.ok(r.run, `no run printed (exit ${r.code})\n${n8n.tail(r.stdout)}\n${n8n.tail(r.stderr)}`);
				assert.equal(r.error, undefined, `workflow error: ${r.error && r.error.message}`);
				const csvRows = ex.parseCsv(fs.readFileSync(path.join(REPO, 'examples', 'products.csv'), 'utf8'));
				const shapes = csvRows.map((_, i) => ex.EMULATOR_JSON_SHAPES[i % ex.EMULATOR_JSON_SHAPES.length]);
				const reqs = completionRequests(emu);
				const retried = shapes.filter((shape) => shape === 'invalid-once').length;
				assert.ok(retried > 0, 'a row answers invalid JSON once');
				assert.equal(reqs.length, csvRows.length + retried, 'one request per row, and one retry per row whose first answer held no JSON');
				const items = n8n.nodeItems(r.run, 'NanoGPT');
				const columns = n8n.nodeItems(r.run, 'Attributes to columns');
				assert.equal(items.length, csvRows.length);
				assert.equal(columns.length, csvRows.length);
				items.forEach((item, i) => {
					const row = csvRows[i];
					assert.deepEqual(item.pairedItem, { item: i });
					const sent = reqs.filter((q) => q.body.prompt.includes(`Product: ${row.name} (`));
					assert.ok(sent[0].body.prompt.startsWith(`[[json:${shapes[i]}:brand,colour,material]] `), `row ${i} asks for a ${shapes[i]} answer`);
					assert.equal(sent.length, shapes[i] === 'invalid-once' ? 2 : 1, `requests for row ${i}`);
					assert.deepEqual(sent[sent.length - 1].body, sent[0].body, 'the retry sends the same request');
					const answers = sent.map((q, attempt) => completionTextFor(q.body, attempt + 1));
					const last = answers[answers.length - 1];
					const a = item.json.attributes;
					assert.equal(a.text, last.text, `row ${i} keeps the text`);
					assert.deepEqual(a.data, last.json, `row ${i} data is the JSON in its ${shapes[i]} answer`);
					assert.deepEqual(Object.keys(a.data), ['brand', 'colour', 'material']);
					assert.equal(a.attempts, sent.length > 1 ? sent.length : undefined);
					assert.equal(a.usage.completionTokens, answers.reduce((sum, answer) => sum + answer.completionTokens, 0), `row ${i} usage adds up its attempts`);
					assert.deepEqual(columns[i].json, { ...row, ...last.json }, `row ${i}: its columns plus brand, colour and material`);
				});
				const written = ex.parseCsv(fs.readFileSync(ex.outputFileOf(jsonWf), 'utf8').replace(/^\uFEFF/, ''));
				assert.equal(written.length, csvRows.length, 'the CSV has every row');
				written.forEach((w, i) => assert.deepEqual(w, columns[i].json, `CSV row ${i}`));
				assert.ok(!JSON.stringify(r.run).includes(emu.apiKey), 'the API key appears nowhere in the run');
			});

			await suite.case(N.scheduled, async () => {
				emu.reset();
				const wf = ex.loadExample('scheduled');
				const r = await app.execute(wf.id);
				assert.ok(r.run, `no run printed (exit ${r.code})\n${n8n.tail(r.stdout)}\n${n8n.tail(r.stderr)}`);
				assert.equal(r.error, undefined, `workflow error: ${r.error && r.error.message}`);
				const topics = JSON.parse(ex.nodeByName(wf, 'Topics').parameters.jsonOutput).topics;
				const nano = n8n.nodeItems(r.run, 'NanoGPT');
				assert.equal(nano.length, topics.length);
				nano.forEach((it, i) => {
					assert.equal(it.json.topic, topics[i], 'order kept');
					assert.deepEqual(it.pairedItem, { item: i });
				});
				const digest = n8n.nodeItems(r.run, 'Digest');
				assert.equal(digest.length, 1);
				const briefings = digest[0].json.briefings;
				assert.equal(briefings.length, topics.length);
				const reqs = completionRequests(emu);
				assert.equal(reqs.length, topics.length);
				briefings.forEach((b, i) => {
					assert.equal(b.topic, topics[i]);
					const req = reqs.find((q) => q.body.prompt.startsWith(`Topic: ${topics[i]}.`));
					assert.ok(req, `request for ${topics[i]}`);
					assert.equal(b.briefing, completionTextFor(req.body).text.trim());
					assert.equal(req.body.max_tokens, 120);
					assert.equal(req.body.temperature, 0.5);
				});
				assert.ok(emu.stats.maxInFlight <= 2, `concurrency 2 respected (saw ${emu.stats.maxInFlight})`);
			});

			await suite.case(N.wrongKey, async () => {
				emu.reset();
				const bad = { ...credential, id: 'nanoGptBadCred01', name: 'NanoGPT wrong key', data: { ...credential.data, apiKey: 'sk-wrong-key-e2e' } };
				await app.importCredentials([bad]);
				const wf = JSON.parse(JSON.stringify(ex.loadExample('scheduled')));
				wf.id = 'nanoGptE2eBadKey';
				wf.name = 'E2E: wrong key';
				ex.nodeByName(wf, 'NanoGPT').credentials = { nanoGptApi: { id: bad.id, name: bad.name } };
				await app.importWorkflows([wf]);
				const r = await app.execute(wf.id);
				assert.notEqual(r.code, 0, 'n8n execute exits non-zero');
				assert.ok(r.error, 'the run carries an error');
				const text = `${r.stdout}\n${r.stderr}`;
				assert.match(JSON.stringify(r.error), /401|unauthori[sz]ed|invalid/i);
				assert.ok(!text.includes('sk-wrong-key-e2e'), 'the key is not printed');
			});
		}
	}

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

	// ---------------------------------------------------------------------------------------
	const needServer = want('streaming') || want('tool') || want('editor') || want('cli');
	let server = null;
	let rest = null;
	if (needServer && importOk) {
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
	}

	if (want('cli')) await routingBilling.runServer(suite, { rest: server && rest, emu });

	if (want('cli')) {
		if (!server) suite.notRun(N.chat, 'no server');
		else
			await suite.case(N.chat, async () => {
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
			});
	}

	if (want('streaming')) {
		suite.section('3. Streaming through a Webhook in streaming response mode');
		if (!server) suite.notRun(N.streaming, 'no server');
		else
			await suite.case(N.streaming, async () => {
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
			});
	}

	if (want('tool')) {
		suite.section('5. Tool variant');
		if (!server) suite.notRun(N.tool, 'no server');
		else
			await suite.case(N.tool, async () => {
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
			});
	}

	if (want('editor')) {
		suite.section('2. The editor in headless Chromium');
		if (!server) suite.notRun([...require('./editor').registered(suite), ...Object.values(agent.EDITOR_NAMES)], 'no server');
		else {
			const editor = require('./editor');
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
	}

	if (server) {
		await app.stopAll();
		copyLog(server.logFile, 'n8n-start.log');
	}

	// Registered only for the lines it applies to (2.x).
	if (want('queue') && suite.planned.includes(N.queueReady)) {
		suite.section('4. Queue mode: Redis, one main, two workers');
		await runQueue(suite, { prov, emu, credential });
	}

	if (want('shared')) {
		suite.section('7. Runs on one key: four n8n instances under one rate limit');
		await sharedKey.run(suite, { prov, emu, credential, runDirs });
	}

	return finish(suite, cleanups);
}

function isExecutable(file) {
	try {
		fs.accessSync(file, fs.constants.X_OK);
		return fs.statSync(file).isFile();
	} catch {
		return false;
	}
}

/** The path of an executable: `candidates` first, then the PATH; undefined when there is none. */
function findExecutable(name, candidates = []) {
	const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
	return [...candidates, ...dirs.map((dir) => path.join(dir, name))].find(isExecutable);
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
async function waitForPort(port, { timeoutMs, what, child }) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const open = await new Promise((resolve) => {
			const socket = net.connect(port, '127.0.0.1');
			socket.once('connect', () => (socket.destroy(), resolve(true)));
			socket.once('error', () => resolve(false));
		});
		if (open) return;
		if (child && child.startError) throw new Error(`${what} could not start: ${child.startError.message}`);
		if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
		if (Date.now() > deadline) throw new Error(`${what} did not listen on port ${port} within ${timeoutMs} ms`);
		await sleep(200);
	}
}

const logSize = (file) => {
	try {
		return fs.statSync(file).size;
	} catch {
		return 0;
	}
};

/** n8n's JSON log entries (N8N_LOG_FORMAT=json) written to `file` after byte `offset`. */
function jsonLog(file, offset = 0) {
	let text = '';
	try {
		text = fs.readFileSync(file).subarray(offset).toString('utf8');
	} catch {
		return [];
	}
	return text.split('\n').flatMap((line) => {
		try {
			const entry = JSON.parse(line);
			return entry && typeof entry.message === 'string' ? [entry] : [];
		} catch {
			return []; // a line that is not n8n's (or not complete yet)
		}
	});
}

/** Executions of `workflowId` the workers finished, from their logs after `offsets`: [{id, success, worker}]. */
function finishedOnWorkers(workers, workflowId, offsets = []) {
	return workers.flatMap((w, i) =>
		jsonLog(w.logFile, offsets[i] || 0)
			.filter((e) => e.message.startsWith('Worker finished execution ') && e.metadata && e.metadata.workflowId === workflowId)
			.map((e) => ({ id: String(e.metadata.executionId), success: e.metadata.success, worker: path.basename(w.logFile, '.log') })),
	);
}

/** Execution ids the main put on the queue, from its log after `offset`. */
function enqueuedByMain(main, offset = 0) {
	return jsonLog(main.logFile, offset).flatMap((e) => {
		const m = /^Enqueued execution (\S+) /.exec(e.message);
		return m ? [m[1]] : [];
	});
}

async function runQueue(suite, { prov, emu, credential }) {
	const queueCases = [N.queueReady, N.queueScheduled, N.queueBatch];
	// REDIS_SERVER_PATH: that redis-server and only that one.
	const wanted = process.env.REDIS_SERVER_PATH;
	const redisBin = wanted ? [wanted].find(isExecutable) : findExecutable('redis-server', ['/usr/bin/redis-server', '/usr/sbin/redis-server']);
	if (!redisBin) {
		suite.notRun(queueCases, wanted ? `REDIS_SERVER_PATH=${wanted} is not an executable` : 'redis-server not found (apt-get install -y redis-server)');
		return;
	}
	const [redisPort, brokerA, brokerB] = await n8n.freePorts(3);
	const inst = await n8n.N8nInstance.create(prov, {
		label: 'e2e-queue',
		extraEnv: {
			...n8n.ownerEnv(prov, OWNER),
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: redisPort,
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			QUEUE_HEALTH_CHECK_ACTIVE: 'false',
			// JSON log lines carry each execution's id and workflow id (the text format only its message).
			N8N_LOG_FORMAT: 'json',
		},
	});
	runDirs.push(inst.userFolder);
	let redis = null;
	const wf = fixture('queue-batch.json');
	// The scheduled example, published with a 10-second schedule: its Schedule Trigger fires on the main
	// and the executions run on the workers.
	const scheduled = JSON.parse(JSON.stringify(ex.loadExample('scheduled')));
	scheduled.id = 'nanoGptE2eSched1';
	scheduled.name = 'E2E: scheduled pipeline every 10 s';
	ex.nodeByName(scheduled, 'Every morning at 8').parameters.rule = { interval: [{ field: 'seconds', secondsInterval: 10 }] };
	try {
		const ready = await suite.case(N.queueReady, async () => {
			redis = spawn(redisBin, ['--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no'], {
				stdio: 'ignore',
				detached: true,
			});
			redis.exited = new Promise((r) => redis.on('exit', r));
			redis.on('error', (err) => (redis.startError = err));
			await waitForPort(redisPort, { timeoutMs: 20000, what: `redis-server (${redisBin})`, child: redis });
			await inst.importCredentials([credential]);
			await inst.importWorkflows([wf, scheduled]);
			await inst.publish([wf.id, scheduled.id]);
			const mainProc = inst.spawn(['start'], { name: 'queue-main' });
			await inst.waitReady({ child: mainProc, timeoutMs: 180000 });
			const w1 = inst.spawn(['worker', '--concurrency=4'], { name: 'worker-1', brokerPort: brokerA });
			const w2 = inst.spawn(['worker', '--concurrency=4'], { name: 'worker-2', brokerPort: brokerB });
			// Workers log "n8n worker is now ready" once they listen to the queue.
			const deadline = Date.now() + 120000;
			for (const w of [w1, w2]) {
				while (!/worker is now ready|Worker started|ready to receive/i.test(n8n.readLog(w.logFile))) {
					if (w.exitCode !== null) throw new Error(`worker exited: ${n8n.tail(n8n.readLog(w.logFile))}`);
					if (Date.now() > deadline) throw new Error(`worker not ready: ${n8n.tail(n8n.readLog(w.logFile))}`);
					await sleep(500);
				}
			}
			inst.workers = [w1, w2];
			inst.mainProc = mainProc;
		}, { timeoutMs: 300000 });
		if (!ready) {
			suite.notRun([N.queueScheduled, N.queueBatch], 'queue setup failed');
			return;
		}
		await suite.case(N.queueScheduled, async () => {
			const topics = JSON.parse(ex.nodeByName(scheduled, 'Topics').parameters.jsonOutput).topics;
			const deadline = Date.now() + 60000;
			// An execution of this workflow that a worker finished and the main had enqueued.
			const ranOnWorker = () => {
				const enqueued = enqueuedByMain(inst.mainProc);
				return finishedOnWorkers(inst.workers, scheduled.id).filter((r) => r.success === true && enqueued.includes(r.id));
			};
			for (;;) {
				const briefs = completionRequests(emu).filter((r) => r.body.prompt.startsWith('Topic: ') && r.status === 200);
				if (briefs.length >= topics.length && ranOnWorker().length >= 1) break;
				if (Date.now() > deadline) {
					throw new Error(`schedule did not fire: ${briefs.length} briefing requests, executions finished on workers: ${JSON.stringify(finishedOnWorkers(inst.workers, scheduled.id))}`);
				}
				await sleep(500);
			}
			const briefs = completionRequests(emu).filter((r) => r.body.prompt.startsWith('Topic: '));
			for (const t of topics) assert.ok(briefs.some((r) => r.body.prompt.startsWith(`Topic: ${t}.`)), `a briefing for ${t}`);
		}, { timeoutMs: 90000 });
		await suite.case(N.queueBatch, async () => {
			emu.reset();
			const rows = Array.from({ length: 200 }, (_, i) => ({ n: i, prompt: `Queue row ${i}: say something about the number ${i}` }));
			const url = `${inst.baseUrl}/webhook/nanogpt/batch`;
			// Log offsets before the request: only what is logged after them can be this execution.
			const mainOffset = logSize(inst.mainProc.logFile);
			const workerOffsets = inst.workers.map((w) => logSize(w.logFile));
			const r = await withWebhookRetry(() => postJson(url, { rows }, { timeoutMs: 240000 }));
			assert.equal(r.status, 200, r.text.slice(0, 500));
			const out = r.json;
			assert.ok(Array.isArray(out), `array response: ${r.text.slice(0, 300)}`);
			assert.equal(out.length, 200, 'all 200 items');
			out.forEach((o, i) => {
				assert.equal(o.n, i, `item ${i} in order`);
				assert.equal(o.prompt, rows[i].prompt);
				assert.equal(o.completion.text, completionTextFor({ prompt: rows[i].prompt, model: 'gpt-4o-mini', max_tokens: 16 }).text);
			});
			const reqs = completionRequests(emu).filter((q) => q.body.prompt.startsWith('Queue row '));
			assert.equal(reqs.length, 200, 'one request per item');
			// Ran on a worker: since the request, the main enqueued an execution of this workflow and a
			// worker finished that same execution id (a worker may log it just after the answer).
			let finished = [];
			for (const deadline = Date.now() + 30000; Date.now() < deadline; await sleep(250)) {
				finished = finishedOnWorkers(inst.workers, wf.id, workerOffsets);
				if (finished.length) break;
			}
			const enqueued = enqueuedByMain(inst.mainProc, mainOffset);
			const logs = () => inst.workers.map((w) => n8n.tail(n8n.readLog(w.logFile), 8)).join('\n--\n');
			assert.equal(finished.length, 1, `one execution of ${wf.id} finished on a worker since the request: ${JSON.stringify(finished)}\n${logs()}`);
			const [execution] = finished;
			assert.equal(execution.success, true, `execution ${execution.id} succeeded on ${execution.worker}`);
			assert.ok(enqueued.includes(execution.id), `the main enqueued execution ${execution.id} after the request (it enqueued: ${enqueued.join(', ') || 'none'})`);
			console.log(`      execution ${execution.id} enqueued by the main, finished on ${execution.worker}`);
		}, { timeoutMs: 300000 });
	} finally {
		for (const c of inst.children) copyLog(c.logFile, `queue-${path.basename(c.logFile)}`);
		await inst.stopAll();
		if (redis) {
			try {
				process.kill(-redis.pid, 'SIGTERM');
			} catch {
				/* gone */
			}
			await Promise.race([redis.exited, sleep(5000)]);
		}
	}
}

async function finish(suite, cleanups, reason) {
	for (const c of cleanups.reverse()) await c().catch(() => {});
	const failed = suite.summary(reason);
	if (!failed) for (const d of runDirs) fs.rmSync(d, { recursive: true, force: true });
	else if (runDirs.length) console.log(`n8n user folders kept for inspection: ${runDirs.join(' ')}`);
	process.exit(failed ? 1 : 0);
}

/**
 * Runs the suite once per line, each in a child process (this script with NANOGPT_N8N_VERSION),
 * one after the other; prints their output prefixed with the line, then the sum of their totals.
 * A line whose run printed no totals counts as one failure.
 */
async function runLines(versions) {
	let passed = 0;
	let failed = 0;
	const summaries = [];
	const started = Date.now();
	let current = null;
	let stopping = false;
	// A stop (Ctrl-C, a CI timeout) ends the line running now and starts no further line.
	const stopChild = () => {
		stopping = true;
		if (current) current.kill('SIGTERM');
	};
	process.on('SIGINT', stopChild);
	process.on('SIGTERM', stopChild);
	for (const version of versions) {
		if (stopping) {
			summaries.push(`n8n ${version}: not run (stopped)`);
			failed += 1;
			continue;
		}
		const lineStarted = Date.now();
		const prefix = `[n8n ${version}] `;
		let totals = null;
		const child = spawn(process.execPath, [__filename, ...args], {
			env: { ...process.env, NANOGPT_N8N_VERSION: version },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		current = child;
		const relay = (stream, out) => {
			let buffer = '';
			stream.setEncoding('utf8');
			stream.on('data', (chunk) => {
				buffer += chunk;
				let nl;
				while ((nl = buffer.indexOf('\n')) >= 0) {
					const line = buffer.slice(0, nl);
					buffer = buffer.slice(nl + 1);
					const m = /^(\d+) passed, (\d+) failed/.exec(line);
					if (m && out === process.stdout) totals = { passed: Number(m[1]), failed: Number(m[2]) };
					out.write(`${prefix}${line}\n`);
				}
			});
			stream.on('end', () => buffer && out.write(`${prefix}${buffer}\n`));
		};
		relay(child.stdout, process.stdout);
		relay(child.stderr, process.stderr);
		const code = await new Promise((resolve) => child.on('close', (c, signal) => resolve(c ?? signal)));
		current = null;
		const secs = Math.round((Date.now() - lineStarted) / 1000);
		const printed = totals !== null;
		if (!printed) totals = { passed: 0, failed: 1 };
		else if (code !== 0 && totals.failed === 0) totals.failed = 1;
		passed += totals.passed;
		failed += totals.failed;
		summaries.push(`n8n ${version}: ${totals.passed} passed, ${totals.failed} failed in ${secs}s${printed ? '' : ` (no totals printed, exit ${code})`}`);
	}
	console.log('');
	for (const line of summaries) console.log(line);
	console.log(`e2e on ${versions.length} n8n lines finished in ${Math.round((Date.now() - started) / 1000)}s`);
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

if (!process.env.NANOGPT_N8N_VERSION) {
	runLines(LINES);
} else {
	main().catch(async (err) => {
		// Outside any case: every case that had not run yet fails with this error, and the totals still print.
		console.error(err);
		await finish(suite, cleanups, `the suite stopped: ${String((err && err.message) || err).split('\n')[0]}`);
	});
}
