'use strict';
/* Part 1 of the e2e suite: CLI runs (`n8n execute`) of the example workflows, checked item by item against what the emulator answered. */
const fs = require('node:fs');
const path = require('node:path');
const { assert } = require('./framework');
const n8n = require('../../scripts/lib/n8n');
const ex = require('../../scripts/lib/examples');
const { completionTextFor } = require('../support/emulator.ts');
const { N } = require('./cases');
const { REPO, completionRequests } = require('./line');

/** "Enrich spreadsheet rows": every CSV row enriched, in order, with the API's text and usage. */
async function enrichSpreadsheet({ app, emu, apiHeader, workflows: { enrichWf, enrichOut } }) {
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
}
/** "Describe each category once": 6 requests for 120 rows, the cost carried once per category. */
async function describeEachCategoryOnce({ app, emu, apiHeader, workflows: { categoriesWf } }) {
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
}
/** "Extract product attributes as JSON": the data of each answer as columns, one retry for invalid JSON. */
async function extractAttributesAsJson({ app, emu, workflows: { jsonWf } }) {
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
}
/** "Scheduled pipeline": one briefing per topic in the digest, concurrency 2. */
async function scheduledPipeline({ app, emu }) {
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
}
/** A wrong API key fails the run with the API message, and the key is printed nowhere. */
async function wrongKey({ app, emu, credential }) {
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
}
/** Runs the CLI cases in order; `importOk` false marks them not run. */
async function runCliExamples(suite, context, importOk) {
	suite.section('1. CLI runs of the example workflows');
	if (!importOk) return suite.notRun([N.enrich, N.categories, N.json, N.scheduled, N.wrongKey], 'import failed');
	await suite.case(N.enrich, () => enrichSpreadsheet(context));
	await suite.case(N.categories, () => describeEachCategoryOnce(context));
	await suite.case(N.json, () => extractAttributesAsJson(context));
	await suite.case(N.scheduled, () => scheduledPipeline(context));
	await suite.case(N.wrongKey, () => wrongKey(context));
}

module.exports = { runCliExamples };
