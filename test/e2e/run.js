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
 * The cases of the run are registered up front (the table in cases.js); it prints PASS/FAIL per
 * case and a final line `N passed, M failed`, where a registered case that did not run counts as
 * failed; exits 1 on any failure.
 * Artifacts (screenshots, n8n logs) go to test-artifacts/e2e/.
 *
 * This file reads the command line and starts the run: runLines.js runs the lines and sums their
 * totals; runLine.js runs one line's parts in order, after provisionLine.js set it up; the case
 * table is in cases.js, and each part in a module of its own (cliExamples.js, serverParts.js,
 * queueMode.js, faults.js, failedRows.js, routingBilling.js, agent.js, editor.js, sharedKey.js).
 */
const { DEFAULT_N8N_VERSION, N8N_V1_VERSION } = require('../../scripts/provision');

/** The n8n lines `npm run test:e2e` covers when NANOGPT_N8N_VERSION names none: 2.x and the pinned 1.x. */
const LINES = [DEFAULT_N8N_VERSION, N8N_V1_VERSION];

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

if (!process.env.NANOGPT_N8N_VERSION) {
	require('./runLines').runLines(LINES, { script: __filename, args });
} else {
	require('./runLine').runLine(want);
}
