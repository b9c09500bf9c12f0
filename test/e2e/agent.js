'use strict';
/*
 * The NanoGPT tool in a real AI Agent run, on every n8n line: the example workflow "AI Agent with
 * the NanoGPT tool" (Manual Trigger -> AI Agent, n8n's own OpenAI Chat Model with an OpenAI
 * credential whose Base URL is the emulator's /api/v1, and the NanoGPT tool whose prompt and max
 * tokens come from $fromAI()), run with `n8n execute`. The emulator's chat route scripts the model:
 * first a call to the NanoGPT tool with arguments it chose, then a final answer quoting the tool's
 * result (test/support/chatCompletions.ts).
 *
 * Then the failures as the agent sees them: the same workflow with a fault in the agent's prompt
 * (the model's tool call carries it to the completions route: [[fault:400]], [[fault:429:3]] on every
 * attempt (Retry-After 3 s, longer than the per-second limit's, so Max Retries counts it),
 * [[fault:hang]] past the tool's Timeout) or NanoGPT's daily cap (a fault rule: 429 with
 * code daily_rpd_limit_exceeded and Retry-After to midnight UTC). In each the agent must get a
 * readable error and the run must succeed; the key must appear in no log or output.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { assert } = require('./framework');
const n8n = require('../../scripts/lib/n8n');
const ex = require('../../scripts/lib/examples');
const { completionTextFor } = require('../support/emulator.ts');
const { quoteToolResults } = require('../support/chatCompletions.ts');

const NAMES = {
	answer: 'agent: the AI Agent calls the NanoGPT tool with the prompt and max tokens its model chose, and its answer quotes the completion',
	offered: 'agent: the model is offered the tool by its node name and description, with only the $fromAI() parameters',
	badRequest: 'agent: a 400 inside the tool reaches the agent as a readable error and the run succeeds',
	rateLimited: "agent: a 429 past the tool's retries reaches the agent as a readable error and the run succeeds",
	timeout: "agent: no answer within the tool's Timeout reaches the agent as a readable error and the run succeeds",
	dailyCap: "agent: NanoGPT's daily cap reaches the agent as a readable error at once and the run succeeds",
};
/** Run in the editor's part (a browser): the README's screenshot, docs/agent-tool.png. */
const EDITOR_NAMES = {
	editor: "editor: the agent workflow run from the editor shows the NanoGPT tool's input from the model and its completion",
};
const SCREENSHOT = path.join(__dirname, '..', '..', 'docs', 'agent-tool.png');

const AGENT = 'AI Agent';
const TOOL = 'Complete text with NanoGPT';
const TOOL_NAME = 'Complete_text_with_NanoGPT';
const TIMEOUT_MS = 2000;
const DAILY_CAP = 'Daily request limit exceeded (1000/1000). Resets at midnight UTC.';

/** The workflow variants: the example, and one per failure with its fault in the agent's prompt. */
const CASES = {
	answer: { id: 'nanoGptAgentTool', text: null },
	badRequest: { id: 'nanoGptAgentE400', text: 'Write a tagline for the refused lantern [[fault:400]]' },
	rateLimited: { id: 'nanoGptAgentE429', text: 'Write a tagline for the busy lantern [[fault:429:3]]' },
	timeout: { id: 'nanoGptAgentHang', text: 'Write a tagline for the silent lantern [[fault:hang]]' },
	dailyCap: { id: 'nanoGptAgentCap1', text: 'Write a tagline for the lantern past the daily cap' },
};

function workflowFor(name) {
	const wf = JSON.parse(JSON.stringify(ex.loadExample('agent')));
	const variant = CASES[name];
	if (variant.text === null) return wf;
	wf.id = variant.id;
	wf.name = `E2E: AI Agent, ${name}`;
	ex.nodeByName(wf, AGENT).parameters.text = variant.text;
	ex.nodeByName(wf, TOOL).parameters.requestOptions = { maxRetries: 1, timeout: TIMEOUT_MS, requestsPerSecond: 0 };
	return wf;
}

/** The credentials and workflows to import. */
function fixtures({ apiKey, baseUrl }) {
	return { credentials: [ex.openAiCredential({ apiKey, baseUrl })], workflows: Object.keys(CASES).map(workflowFor) };
}

/** Output items of a node's last run in an execution. */
function lastRunItems(run, nodeName) {
	const tasks = (run && run.data && run.data.resultData && run.data.resultData.runData && run.data.resultData.runData[nodeName]) || [];
	for (let i = tasks.length - 1; i >= 0; i--) {
		const main = tasks[i].data && tasks[i].data.main;
		if (main && main[0]) return main[0];
	}
	return null;
}

const chatRequests = (emu) => emu.requests.filter((r) => r.method === 'POST' && /\/v1\/chat\/completions$/.test(r.path));
const completionRequests = (emu) => emu.requests.filter((r) => r.method === 'POST' && /\/v1\/completions$/.test(r.path));

/** Seconds from now to the next midnight UTC, as NanoGPT's daily cap sends in Retry-After. */
function secondsToMidnightUtc() {
	const now = new Date();
	return Math.ceil((Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000);
}

/**
 * Runs one variant and checks what every agent run must show: the run succeeded; the model called
 * the tool once with arguments for the prompt and max tokens; the completions route got exactly the
 * prompt and max tokens of that call; the model's second request carries the tool's result; the
 * agent's answer is the model's final answer; the key is in no log or output. Returns what the
 * case needs to check further.
 */
async function runAgent(app, emu, name) {
	emu.reset();
	if (name === 'dailyCap') {
		emu.setFaultRule(({ body }) =>
			body.prompt.includes('past the daily cap')
				? { status: 429, shape: 'openai', code: 'daily_rpd_limit_exceeded', message: DAILY_CAP, retryAfter: secondsToMidnightUtc() }
				: undefined,
		);
	}
	const r = await app.execute(CASES[name].id);
	assert.ok(r.run, `no run printed (exit ${r.code})\n${n8n.tail(r.stdout)}\n${n8n.tail(r.stderr)}`);
	assert.equal(r.error, undefined, `the workflow failed: ${r.error && r.error.message}`);
	assert.equal(r.code, 0, 'n8n execute exits 0');

	const chats = chatRequests(emu);
	assert.equal(chats.length, 2, `two chat requests, the tool call and the final answer (got ${chats.length})`);
	for (const chat of chats) assert.equal(chat.status, 200, `chat request answered: ${JSON.stringify(chat.body).slice(0, 300)}`);
	const [call] = chats[0].reply.tool_calls;
	assert.equal(call.function.name, TOOL_NAME, 'the model called the NanoGPT tool');
	const args = JSON.parse(call.function.arguments);
	assert.deepEqual(Object.keys(args).sort(), ['max_tokens', 'prompt']);

	const sent = completionRequests(emu);
	assert.ok(sent.length >= 1, 'the tool sent a completion request');
	for (const req of sent) {
		assert.equal(req.body.prompt, args.prompt, 'the completions route got the prompt the tool call chose');
		assert.equal(req.body.max_tokens, args.max_tokens, 'and its max tokens');
		assert.equal(req.headers.authorization, `Bearer ${emu.apiKey}`);
	}

	const toolMessages = chats[1].body.messages.filter((m) => m.role === 'tool');
	assert.equal(toolMessages.length, 1, 'the final request carries the tool result');
	assert.equal(toolMessages[0].tool_call_id, call.id);
	const toolResult = typeof toolMessages[0].content === 'string' ? toolMessages[0].content : toolMessages[0].content.map((p) => p.text).join('\n');
	const answer = lastRunItems(r.run, AGENT);
	assert.ok(answer && answer.length === 1, `one agent output item: ${JSON.stringify(answer)}`);
	const output = answer[0].json.output;
	assert.equal(output, `The tool returned: ${quoteToolResults([toolResult])}`, "the agent's answer is the model's final answer");

	const text = `${r.stdout}\n${r.stderr}\n${JSON.stringify(r.run)}`;
	assert.ok(!text.includes(emu.apiKey), 'the API key appears in no log or output');
	return { r, chats, args, sent, toolResult, output };
}

/** The tool's error as the agent got it: one item with NanoGPT's message, the way Continue On Fail reports it. */
function agentError(toolResult) {
	let items;
	try {
		items = JSON.parse(toolResult);
	} catch {
		items = null;
	}
	assert.ok(Array.isArray(items) && items.length === 1 && typeof items[0].error === 'string', `the tool result is one error item: ${toolResult}`);
	return items[0];
}

async function run(suite, { app, emu }) {
	await suite.case(NAMES.answer, async () => {
		const { args, sent, toolResult, output } = await runAgent(app, emu, 'answer');
		assert.equal(sent.length, 1, 'one completion request');
		const expected = completionTextFor(sent[0].body);
		assert.equal(sent[0].status, 200);
		assert.equal(args.prompt, `Answer in one line: ${ex.nodeByName(ex.loadExample('agent'), AGENT).parameters.text}`);
		const items = JSON.parse(toolResult);
		assert.equal(items.length, 1);
		assert.equal(items[0].text, expected.text, "the tool's result is the completion");
		assert.deepEqual(items[0].usage, { promptTokens: expected.promptTokens, completionTokens: expected.completionTokens, totalTokens: expected.promptTokens + expected.completionTokens });
		assert.ok(output.includes(expected.text.trim()), `the agent's answer contains the completion: ${output}`);
	});

	await suite.case(NAMES.offered, async () => {
		const chats = chatRequests(emu);
		assert.ok(chats.length > 0, 'the answer case ran');
		const tools = chats[0].body.tools;
		assert.equal(tools.length, 1);
		const fn = tools[0].function;
		assert.equal(fn.name, TOOL_NAME, 'the tool is named after its node');
		assert.match(fn.description, /^Complete text with NanoGPT: /, `the description says what it does: ${fn.description}`);
		assert.deepEqual(Object.keys(fn.parameters.properties).sort(), ['max_tokens', 'prompt'], 'only the parameters left to $fromAI()');
		assert.equal(fn.parameters.properties.prompt.type, 'string');
		assert.equal(fn.parameters.properties.prompt.description, 'The text for NanoGPT to continue');
		assert.equal(fn.parameters.properties.max_tokens.type, 'number');
		const [sent] = completionRequests(emu);
		assert.equal(sent.body.model, 'chatgpt-4o-latest', 'the model set in the node');
		assert.equal(sent.body.temperature, 0.7, 'the temperature set in the node');
	});

	await suite.case(NAMES.badRequest, async () => {
		const { sent, toolResult, output } = await runAgent(app, emu, 'badRequest');
		assert.deepEqual(sent.map((q) => q.status), [400], 'one request, not retried');
		const error = agentError(toolResult);
		assert.equal(error.error, 'NanoGPT returned 400: Bad Request');
		assert.equal(error.httpCode, '400');
		assert.equal(error.requestId, sent[0].id);
		assert.ok(output.includes('NanoGPT returned 400: Bad Request'), output);
	});

	await suite.case(NAMES.rateLimited, async () => {
		const { sent, toolResult, output } = await runAgent(app, emu, 'rateLimited');
		assert.deepEqual(sent.map((q) => q.status), [429, 429], 'the first attempt and its one retry');
		const error = agentError(toolResult);
		assert.equal(error.error, 'NanoGPT returned 429: Rate limit exceeded (after 2 attempts)');
		assert.equal(error.attempts, 2);
		assert.ok(output.includes('NanoGPT returned 429: Rate limit exceeded (after 2 attempts)'), output);
	});

	await suite.case(NAMES.timeout, async () => {
		const { sent, toolResult, output } = await runAgent(app, emu, 'timeout');
		assert.equal(sent.length, 2, 'the first attempt and its one retry');
		assert.ok(sent.every((q) => q.status === undefined && q.finishedAt !== undefined), 'both silent, both closed by the node');
		const error = agentError(toolResult);
		assert.equal(error.error, `Could not reach NanoGPT: no response within ${TIMEOUT_MS} ms (after 2 attempts)`);
		assert.ok(output.includes(`no response within ${TIMEOUT_MS} ms`), output);
	}, { timeoutMs: 240000 });

	await suite.case(NAMES.dailyCap, async () => {
		try {
			const { sent, toolResult, output } = await runAgent(app, emu, 'dailyCap');
			assert.deepEqual(sent.map((q) => q.status), [429], 'one request: a wait until midnight is not retried');
			const error = agentError(toolResult);
			assert.ok(error.error.startsWith("NanoGPT's daily request limit for this API key is reached: no further requests until it resets at "), error.error);
			assert.ok(error.error.endsWith(`NanoGPT said: "${DAILY_CAP}" (code daily_rpd_limit_exceeded)`), error.error);
			assert.ok(output.includes(DAILY_CAP), output);
		} finally {
			emu.setFaultRule(undefined);
		}
	});
}

/**
 * The example run from the editor (headless Chromium): the canvas with the logs panel open on the
 * NanoGPT tool's run, its input from the model (prompt, max tokens) and its output as JSON. On n8n
 * 2.x the screenshot becomes docs/agent-tool.png when that is missing or with UPDATE_SCREENSHOTS=1.
 */
async function editor(suite, { baseUrl, owner, emu, artifacts, line }) {
	const { chromiumPath, CHROMIUM_ARGS } = require('./editor');
	let playwright;
	try {
		playwright = require('playwright-core');
	} catch (err) {
		return suite.notRun(EDITOR_NAMES.editor, `playwright-core not installed: ${err.message}`);
	}
	const exe = chromiumPath();
	if (!exe) return suite.notRun(EDITOR_NAMES.editor, 'chromium not found (apt-get install -y chromium, or set CHROMIUM_PATH)');
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-agent-chromium-'));
	let context;
	try {
		await suite.case(EDITOR_NAMES.editor, async () => {
			context = await playwright.chromium.launchPersistentContext(profile, {
				executablePath: exe,
				args: CHROMIUM_ARGS,
				viewport: { width: 1440, height: 1000 },
				headless: true,
			});
			const page = context.pages()[0] || (await context.newPage());
			page.setDefaultTimeout(30000);
			const login = await page.request.post(`${baseUrl}/rest/login`, { data: { emailOrLdapLoginId: owner.email, password: owner.password } });
			assert.equal(login.status(), 200, 'login from the browser');
			const before = emu.requests.length;
			await page.goto(`${baseUrl}/workflow/${CASES.answer.id}`, { waitUntil: 'domcontentloaded' });
			await page.locator('[data-test-id="canvas-node"]', { hasText: TOOL }).first().waitFor({ state: 'visible', timeout: 90000 });
			await page.locator('[data-test-id="execute-workflow-button"]').click();
			// The run is over once the model has given its final answer.
			for (const deadline = Date.now() + 90000; chatRequests({ requests: emu.requests.slice(before) }).filter((r) => r.finishedAt).length < 2; ) {
				if (Date.now() > deadline) throw new Error('the agent did not finish: fewer than two chat requests reached the emulator');
				await page.waitForTimeout(250);
			}
			const [sent] = completionRequests({ requests: emu.requests.slice(before) });
			assert.ok(sent, 'the tool sent a completion request');
			const expected = completionTextFor(sent.body).text;

			await page.locator('[data-test-id="logs-panel"]').getByText('Logs', { exact: true }).first().click();
			const entry = page.locator('[data-test-id="logs-overview-body"]').getByText(TOOL, { exact: true }).first();
			await entry.waitFor({ state: 'visible', timeout: 60000 });
			await entry.click();
			const details = page.locator('[data-test-id="log-details"]');
			const output = page.locator('[data-test-id="log-details-output"]');
			await output.locator('[data-test-id="radio-button-json"]').click();
			// Taller logs, then the canvas fitted above them with some room around.
			const panel = await page.locator('[data-test-id="logs-panel"]').boundingBox();
			await page.mouse.move(panel.x + 400, panel.y + 1);
			await page.mouse.down();
			await page.mouse.move(panel.x + 400, panel.y - 160, { steps: 10 });
			await page.mouse.up();
			await page.locator('[data-test-id="zoom-to-fit"]').click();
			await page.locator('[data-test-id="zoom-out-button"]').click();
			await page.waitForTimeout(800);

			const shown = await details.innerText();
			assert.ok(shown.includes(sent.body.prompt), `the tool's input shows the prompt the model chose: ${shown.slice(0, 400)}`);
			assert.match(shown, new RegExp(`max_tokens\\s+${sent.body.max_tokens}`), 'and the max tokens');
			const tail = expected.slice(expected.lastIndexOf('"') + 1).trim(); // the JSON view escapes the quotes before it
			assert.ok((await output.innerText()).includes(tail), `the tool's output shows the completion (${tail})`);
			assert.match(await output.innerText(), /"totalTokens"/);

			// The "Workflow executed successfully" toast would cover the canvas.
			for (const close of await page.locator('.el-notification__closeBtn').all()) await close.click().catch(() => {});
			await page.waitForTimeout(500);
			const file = path.join(artifacts, 'agent-tool.png');
			await page.screenshot({ path: file });
			if (line.major >= 2 && (process.env.UPDATE_SCREENSHOTS === '1' || !fs.existsSync(SCREENSHOT))) fs.copyFileSync(file, SCREENSHOT);
		});
	} finally {
		if (context) await context.close().catch(() => {});
		fs.rmSync(profile, { recursive: true, force: true });
	}
}

module.exports = { NAMES, EDITOR_NAMES, fixtures, run, editor, lastRunItems, TOOL, AGENT };
