'use strict';
/*
 * Failed rows in the real n8n (README "Failed rows"): workflows run with `n8n execute` that use
 * On Error's error output, Retry On Fail with and without Continue, and a key that meets its daily
 * cap, an empty balance or Max Spend per Run, each checked against the items n8n printed and the requests the emulator
 * received. The "Enrich rows, failed rows to their own CSV" example runs too, writing both CSVs.
 * The same cases run on every n8n line.
 */
const fs = require('node:fs');
const path = require('node:path');
const { assert } = require('./framework');
const n8n = require('../../scripts/lib/n8n');
const ex = require('../../scripts/lib/examples');
const { completionTextFor } = require('../support/emulator.ts');

const NAMES = {
	example: 'cli: "Enrich rows, failed rows to their own CSV" writes completions to one CSV and the failed rows, from the error output, to another',
	kinds: 'failed rows: each kind of failure leaves by the error output with its details, paired with its row',
	retryContinue: 'failed rows: Retry On Fail (3 tries) with Continue, the first of 6 rows failing: 8 requests, not 18',
	retryThrow: 'failed rows: Retry On Fail with Continue off sends the failed row again and the rows never sent, no answered row',
	dailyCap: 'failed rows: 300 rows on a key past its daily cap: no request after the cap answers, every unanswered row on the error output',
	balance: "failed rows: a 402 stops the run with what to top up, and Retry On Fail's re-runs send nothing",
	spendLimit: 'failed rows: Max Spend per Run 0.01 USD at 0.001 USD a completion, 100 rows, Auto concurrency: 10 requests, the other rows on the error output',
};
/** The cases and the --only parts that run them: the example with the CLI runs, the rest with the faults. */
const CASES = Object.entries(NAMES).map(([key, name]) => ({ name, parts: [key === 'example' ? 'cli' : 'faults'] }));
const registered = (suite) => Object.values(NAMES).filter((name) => suite.planned.includes(name));

const MODEL = 'gpt-4o-mini';
const ids = {
	kinds: 'nanoGptE2eFailKinds',
	retryContinue: 'nanoGptE2eRetryCont',
	retryThrow: 'nanoGptE2eRetryThrw',
	dailyCap: 'nanoGptE2eDailyCap1',
	balance: 'nanoGptE2eBalance01',
	spendLimit: 'nanoGptE2eSpendLim1',
};
const FAST = { maxRetries: 0, requestsPerSecond: 0, timeout: 2000 };
const rowsOf = (count, prefix = 'Row') => Array.from({ length: count }, (_, row) => ({ row, prompt: `${prefix} ${row}` }));

/**
 * Manual trigger -> the rows (Edit Fields, raw JSON) -> one item per row -> NanoGPT with the given
 * Settings; its outputs go to "Completions" and, with the error output on, "Failed rows".
 */
function rowsWorkflow({ id, name, rows, settings = {}, options = {}, requestOptions = FAST, credential }) {
	const errorOutput = settings.onError === 'continueErrorOutput';
	const node = (suffix, extra) => ({ id: `${id}-${suffix}`, typeVersion: 1, parameters: {}, ...extra });
	return {
		id,
		name,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			node('trigger', { name: 'Run manually', type: 'n8n-nodes-base.manualTrigger', position: [0, 0] }),
			node('rows', {
				name: 'Rows',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [220, 0],
				parameters: { mode: 'raw', jsonOutput: JSON.stringify({ rows }), options: {} },
			}),
			node('split', { name: 'One item per row', type: 'n8n-nodes-base.splitOut', position: [440, 0], parameters: { fieldToSplitOut: 'rows', options: {} } }),
			node('nanogpt', {
				name: 'NanoGPT',
				type: n8n.NODE_TYPE,
				position: [660, 0],
				...settings,
				credentials: { nanoGptApi: { id: credential.id, name: credential.name } },
				parameters: {
					operation: 'complete',
					model: { __rl: true, mode: 'id', value: MODEL },
					prompt: '={{ $json.prompt }}',
					simplify: true,
					options,
					requestOptions,
				},
			}),
			node('completions', { name: 'Completions', type: 'n8n-nodes-base.noOp', position: [880, -100] }),
			...(errorOutput ? [node('failed', { name: 'Failed rows', type: 'n8n-nodes-base.noOp', position: [880, 100] })] : []),
		],
		connections: {
			'Run manually': { main: [[{ node: 'Rows', type: 'main', index: 0 }]] },
			Rows: { main: [[{ node: 'One item per row', type: 'main', index: 0 }]] },
			'One item per row': { main: [[{ node: 'NanoGPT', type: 'main', index: 0 }]] },
			NanoGPT: {
				main: [
					[{ node: 'Completions', type: 'main', index: 0 }],
					...(errorOutput ? [[{ node: 'Failed rows', type: 'main', index: 0 }]] : []),
				],
			},
		},
	};
}

const KIND_ROWS = [
	{ kind: 'clean', prompt: 'A clean row' },
	{ kind: 'parameter', prompt: 'A row with a bad temperature', t: 9 },
	{ kind: 'api', prompt: 'A row NanoGPT refuses' },
	{ kind: 'network', prompt: '[[fault:reset]] A row whose connection resets' },
	{ kind: 'timeout', prompt: '[[fault:hang]] A row NanoGPT never answers' },
	{ kind: 'invalidJson', prompt: '[[json:invalid]] A row whose answer holds no JSON', json: true },
	{ kind: 'shared', prompt: '[[fault:500]] Two rows, one request' },
	{ kind: 'reused', prompt: '[[fault:500]] Two rows, one request' },
	{ kind: 'stream', prompt: '[[fault:truncated-stream:2]] A row whose stream is cut', stream: true },
];
const DAILY_CAP = 10;
const CAP_CONCURRENCY = 8;
const SPEND_LIMIT_USD = 0.01;
const COMPLETION_USD = 0.001;

/** The workflows to import: the example (its files in local folders, failing rows for the emulator) and one per case. */
function workflows({ credential, localFiles }) {
	return [
		ex.forEmulator(ex.localizeFiles(ex.loadExample('failed'), localFiles)),
		rowsWorkflow({
			id: ids.kinds,
			name: 'E2E: each kind of failure on the error output',
			rows: KIND_ROWS,
			settings: { onError: 'continueErrorOutput' },
			options: { temperature: '={{ $json.t ?? 0.7 }}', jsonOutput: '={{ $json.json === true }}', jsonRetries: 0, stream: '={{ $json.stream === true }}' },
			requestOptions: { ...FAST, reuseIdenticalRequests: true },
			credential,
		}),
		rowsWorkflow({
			id: ids.retryContinue,
			name: 'E2E: Retry On Fail with Continue',
			rows: rowsOf(6).map((row) => (row.row === 0 ? { ...row, prompt: `${row.prompt} [[fault:400]]` } : row)),
			settings: { onError: 'continueRegularOutput', retryOnFail: true, maxTries: 3, waitBetweenTries: 1 },
			credential,
		}),
		rowsWorkflow({
			id: ids.retryThrow,
			name: 'E2E: Retry On Fail with Continue off',
			rows: rowsOf(8).map((row) => (row.row === 5 ? { ...row, prompt: `${row.prompt} [[fault:400x1]]` } : row)),
			settings: { retryOnFail: true, maxTries: 2, waitBetweenTries: 1 },
			requestOptions: { ...FAST, concurrency: 1 },
			credential,
		}),
		rowsWorkflow({
			id: ids.dailyCap,
			name: 'E2E: a key past its daily cap',
			rows: rowsOf(300),
			settings: { onError: 'continueErrorOutput' },
			requestOptions: { ...FAST, timeout: 30000, concurrency: CAP_CONCURRENCY },
			credential,
		}),
		rowsWorkflow({
			id: ids.spendLimit,
			name: 'E2E: Max Spend per Run',
			rows: rowsOf(100),
			settings: { onError: 'continueErrorOutput' },
			// Auto concurrency and the default pace: up to 512 in flight but for the limit.
			requestOptions: { maxRetries: 0, timeout: 30000, maxSpendPerRun: SPEND_LIMIT_USD },
			credential,
		}),
		rowsWorkflow({
			id: ids.balance,
			name: 'E2E: an empty balance',
			rows: rowsOf(10).map((row) => (row.row === 3 ? { ...row, prompt: `${row.prompt} [[fault:402]]` } : row)),
			settings: { retryOnFail: true, maxTries: 3, waitBetweenTries: 1 },
			requestOptions: { ...FAST, concurrency: 1 },
			credential,
		}),
	];
}

const completionRequests = (emu) => emu.requests.filter((r) => r.method === 'POST' && /\/v1\/completions$/.test(r.path));
const sentFor = (emu, prompt) => completionRequests(emu).filter((r) => r.body && r.body.prompt === prompt);
const itemIndex = (item) => item.pairedItem && item.pairedItem.item;

async function executed(app, id, { expectError = false } = {}) {
	const r = await app.execute(id);
	assert.ok(r.run, `no run printed (exit ${r.code})\n${n8n.tail(r.stdout)}\n${n8n.tail(r.stderr)}`);
	if (!expectError) assert.equal(r.error, undefined, `workflow error: ${r.error && r.error.message}`);
	return r;
}

/** The failed-rows example: answered rows to one CSV, the failed rows from the error output to another. */
async function failedRowsExample({ app, emu, localFiles }) {
	emu.reset();
	const wf = ex.loadExample('failed');
	const r = await executed(app, wf.id);
	const csvRows = ex.parseCsv(fs.readFileSync(path.join(ex.EXAMPLES_DIR, 'products.csv'), 'utf8'));
	const failing = Object.keys(ex.EMULATOR_FAILED_ROWS).map(Number);
	const success = n8n.nodeItems(r.run, 'NanoGPT', 0);
	const failed = n8n.nodeItems(r.run, 'NanoGPT', 1);
	assert.deepEqual(success.map(itemIndex), csvRows.map((_, i) => i).filter((i) => !failing.includes(i)), 'the answered rows on the success output');
	assert.deepEqual(failed.map(itemIndex), failing, 'the failed rows on the error output');
	const reqs = completionRequests(emu);
	// The 413 is not retried, the 503 is sent 1 + Max Retries (3) times, the others once.
	assert.equal(reqs.length, csvRows.length - 2 + 1 + 4, 'requests');
	const read = (name) => ex.parseCsv(fs.readFileSync(path.join(localFiles.outputDir, name), 'utf8').replace(/^\uFEFF/, ''));
	const tagged = read('products-tagged.csv');
	assert.deepEqual(tagged.map((row) => row.sku), success.map((item) => csvRows[itemIndex(item)].sku));
	tagged.forEach((row, i) => assert.equal(row.tagline, success[i].json.completion.text.trim()));
	const failedCsv = read('products-failed.csv');
	assert.deepEqual(failedCsv.map((row) => row.sku), failing.map((i) => csvRows[i].sku), 'the failed-rows CSV holds exactly the failed rows');
	assert.deepEqual(Object.keys(failedCsv[0]), ['sku', 'name', 'category', 'price', 'error', 'code', 'http_status', 'request_id', 'failed_at']);
	assert.equal(failedCsv[0].error, 'NanoGPT returned 413: Payload Too Large');
	assert.equal(failedCsv[0].code, 'request_too_large');
	assert.equal(failedCsv[0].http_status, '413');
	assert.equal(failedCsv[1].error, 'NanoGPT returned 503: Service Unavailable (after 4 attempts)');
	assert.equal(failedCsv[1].code, 'service_unavailable');
	assert.ok(failedCsv.every((row) => /^req_\d+$/.test(row.request_id)), 'each failed row has its request ID');
	assert.ok(!JSON.stringify(r.run).includes(emu.apiKey), 'the API key appears nowhere in the run');
}

/** Every kind of failure leaves by the error output with its details, paired with its row. */
async function everyKindOfFailure({ app, emu }) {
	emu.reset();
	emu.setFaultRule(({ body }) =>
		body.prompt === 'A row NanoGPT refuses' ? { status: 400, shape: 'openai', code: 'context_length_exceeded', message: 'Prompt too long' } : undefined,
	);
	const r = await executed(app, ids.kinds);
	const success = n8n.nodeItems(r.run, 'NanoGPT', 0);
	const failed = n8n.nodeItems(r.run, 'NanoGPT', 1);
	assert.deepEqual(success.map(itemIndex), [0]);
	assert.equal(success[0].json.text, completionTextFor({ model: MODEL, prompt: KIND_ROWS[0].prompt }).text);
	assert.deepEqual(failed.map(itemIndex), KIND_ROWS.slice(1).map((_, i) => i + 1), 'every failed row on the error output, in order');
	const details = {};
	for (const item of failed) {
		const row = KIND_ROWS[itemIndex(item)];
		for (const [key, value] of Object.entries(row)) assert.deepEqual(item.json[key], value, `row ${itemIndex(item)} keeps ${key}`);
		details[row.kind] = item.json.error;
	}
	assert.equal(details.parameter.message, 'Invalid value for "Options > Temperature" in item 1: must be between 0 and 2, got 9');
	assert.equal(details.parameter.parameter, 'Options > Temperature');
	const [refused] = sentFor(emu, 'A row NanoGPT refuses');
	assert.deepEqual(details.api, {
		message: 'NanoGPT returned 400: Prompt too long',
		description: `Request ID: ${refused.id}. Code: context_length_exceeded. Attempts: 1, last status 400`,
		httpCode: '400',
		code: 'context_length_exceeded',
		requestId: refused.id,
		attempts: 1,
	});
	assert.equal(details.network.code, 'ECONNRESET');
	assert.equal(details.timeout.code, 'ETIMEDOUT');
	assert.match(details.invalidJson.message, /^No valid JSON in the completion of item 5/);
	assert.equal(details.invalidJson.completionText, completionTextFor({ model: MODEL, prompt: KIND_ROWS[5].prompt }).text);
	assert.equal(sentFor(emu, KIND_ROWS[6].prompt).length, 1, 'two identical rows, one request');
	assert.equal(details.shared.code, 'internal_error');
	assert.equal(details.reused.reusedFrom, 6);
	assert.equal(details.stream.code, 'STREAM_FAILED');
	assert.ok(details.stream.partialText.length > 0, 'the cut stream keeps what arrived');
}

/** Retry On Fail with Continue: only the failed row is sent again. */
async function retryOnFailWithContinue({ app, emu }) {
	emu.reset();
	const r = await executed(app, ids.retryContinue);
	const items = n8n.nodeItems(r.run, 'NanoGPT', 0);
	const reqs = completionRequests(emu);
	console.log(`      6 rows, the first failing, Max Tries 3: ${reqs.length} requests`);
	assert.equal(reqs.length, 8);
	assert.equal(sentFor(emu, 'Row 0 [[fault:400]]').length, 3, 'the failed row is tried 3 times');
	assert.equal(items.length, 6);
	assert.equal(items[0].json.error, 'NanoGPT returned 400: Bad Request');
	items.slice(1).forEach((item, i) => {
		assert.equal(item.json.text, completionTextFor({ model: MODEL, prompt: `Row ${i + 1}` }).text);
		assert.equal(sentFor(emu, `Row ${i + 1}`).length, 1, `row ${i + 1} sent once`);
	});
}

/** Retry On Fail with Continue off: the failed row and the rows never sent go again, no answered row. */
async function retryOnFailWithoutContinue({ app, emu }) {
	emu.reset();
	const r = await executed(app, ids.retryThrow);
	assert.equal(r.code, 0, 'the second try succeeded');
	const items = n8n.nodeItems(r.run, 'NanoGPT', 0);
	assert.equal(items.length, 8);
	const reqs = completionRequests(emu);
	console.log(`      8 rows, row 5 failing once, Continue off, Max Tries 2: ${reqs.length} requests`);
	assert.equal(reqs.length, 9);
	items.forEach((item, i) => {
		const prompt = i === 5 ? 'Row 5 [[fault:400x1]]' : `Row ${i}`;
		assert.equal(item.json.text, completionTextFor({ model: MODEL, prompt }).text);
		assert.equal(sentFor(emu, prompt).length, i === 5 ? 2 : 1, `row ${i}`);
	});
}

/** A key past its daily cap: no request after the cap answers; every unanswered row on the error output. */
async function pastTheDailyCap({ app, emu }) {
	emu.reset();
	emu.setDailyLimit({ requests: DAILY_CAP, code: 'daily_usd_limit_exceeded' });
	const started = Date.now();
	const r = await executed(app, ids.dailyCap);
	const success = n8n.nodeItems(r.run, 'NanoGPT', 0);
	const failed = n8n.nodeItems(r.run, 'NanoGPT', 1);
	const reqs = completionRequests(emu);
	const refused = reqs.filter((q) => q.status === 429);
	console.log(`      300 rows, cap ${DAILY_CAP} requests, Concurrency ${CAP_CONCURRENCY}: ${reqs.length} requests (${refused.length} refused), ${success.length} completions, ${failed.length} failed rows; n8n execute took ${((Date.now() - started) / 1000).toFixed(1)} s`);
	assert.ok(reqs.length <= DAILY_CAP + CAP_CONCURRENCY, `at most the cap and the requests in flight: ${reqs.length}`);
	assert.equal(success.length, DAILY_CAP);
	assert.equal(failed.length, 300 - DAILY_CAP);
	const message = /^NanoGPT's daily USD limit for this API key is reached: no further requests until it resets at \d{4}-\d\d-\d\d 00:00 UTC \(in [^)]+\)\. NanoGPT said: "Daily USD limit exceeded \(\$10\.00\/\$10\.00\)\. Resets at midnight UTC\." \(code daily_usd_limit_exceeded\)$/;
	for (const item of failed) {
		assert.match(item.json.error.message, message);
		assert.equal(item.json.error.code, 'daily_usd_limit_exceeded');
		assert.equal(item.json.prompt, `Row ${itemIndex(item)}`, 'n8n merged the row in');
	}
	const all = [...success, ...failed].map(itemIndex).sort((a, b) => a - b);
	assert.deepEqual(all, rowsOf(300).map((row) => row.row), 'every row once');
}

/** A 402 stops the run; Retry On Fail's re-runs send nothing. */
async function emptyBalance({ app, emu }) {
	emu.reset();
	const r = await executed(app, ids.balance, { expectError: true });
	assert.notEqual(r.code, 0, 'the run fails');
	assert.equal(
		r.error && r.error.message,
		'NanoGPT returned 402: Insufficient balance (required balance 0.0035). Top up your NanoGPT balance; this run sends no further requests.',
	);
	const reqs = completionRequests(emu);
	console.log(`      10 rows, the fourth answered 402, Continue off, Max Tries 3: ${reqs.length} requests`);
	assert.equal(reqs.length, 4, 'rows 0-3 once each; the re-runs sent nothing');
}

/** Max Spend per Run: the requests the limit pays for, the other rows on the error output. */
async function maxSpendPerRun({ app, emu }) {
	emu.reset();
	emu.setCompletionCost(COMPLETION_USD);
	emu.setLatency(300);
	let r;
	const started = Date.now();
	try {
		r = await executed(app, ids.spendLimit);
	} finally {
		emu.setLatency(0);
	}
	const success = n8n.nodeItems(r.run, 'NanoGPT', 0);
	const failed = n8n.nodeItems(r.run, 'NanoGPT', 1);
	const reqs = completionRequests(emu);
	console.log(`      100 rows, limit ${SPEND_LIMIT_USD} USD, ${COMPLETION_USD} USD a completion, 0.3 s each, Auto: ${reqs.length} requests, ${success.length} completions, ${failed.length} failed rows; n8n execute took ${((Date.now() - started) / 1000).toFixed(1)} s`);
	assert.equal(reqs.length, 10, 'the requests the limit pays for');
	assert.equal(success.length, 10);
	assert.equal(failed.length, 90);
	for (const item of success) assert.deepEqual(item.json.cost, { amount: COMPLETION_USD, currency: 'USD' });
	for (const item of failed) {
		assert.equal(item.json.error.message, 'Max Spend per Run reached: 0.0100 USD spent of the 0.01 USD limit.');
		assert.match(item.json.error.description, /^Not sent to NanoGPT\. The run stopped sending when the cost NanoGPT reported for it reached Request Options > Max Spend per Run\./);
		assert.equal(item.json.prompt, `Row ${itemIndex(item)}`, 'n8n merged the row in');
	}
	const all = [...success, ...failed].map(itemIndex).sort((a, b) => a - b);
	assert.deepEqual(all, rowsOf(100).map((row) => row.row), 'every row once');
}

/** Each case's check, in the order they run. */
const CHECKS = {
	example: failedRowsExample,
	kinds: everyKindOfFailure,
	retryContinue: retryOnFailWithContinue,
	retryThrow: retryOnFailWithoutContinue,
	dailyCap: pastTheDailyCap,
	balance: emptyBalance,
	spendLimit: maxSpendPerRun,
};

async function run(suite, parts) {
	for (const [key, check] of Object.entries(CHECKS)) {
		if (suite.planned.includes(NAMES[key])) await suite.case(NAMES[key], async () => await check(parts));
	}
}

module.exports = { NAMES, CASES, registered, workflows, run };
