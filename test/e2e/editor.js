'use strict';
/*
 * Part 2 of the e2e suite: the real n8n editor in headless Chromium (Debian's `chromium`, driven by
 * playwright-core). Screenshots go to test-artifacts/e2e/; the one of the NanoGPT node with its
 * output after a run from the editor is copied to docs/editor.png for the README, the open model
 * list to docs/model-picker.png, the failed-rows example after a run (completions on one branch,
 * failed rows on the error output's) to docs/failed-rows.png (each only when missing or with
 * UPDATE_SCREENSHOTS=1).
 */
const fs = require('node:fs');
const path = require('node:path');
const { assert } = require('./framework');

const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--disable-dev-shm-usage',
];

const COLLECTIONS = ['options', 'providerRouting', 'routingBillingSafety', 'penalties', 'advancedSampling', 'tokenControl', 'requestOptions'];

/** The model whose rendered text the list case checks: the emulator's default figures for it. */
const LLAMA = {
	id: 'meta-llama/llama-3.3-70b-instruct',
	figures: '$0.23 / $0.40 per 1M · 131k context',
	text: 'Llama 3.3 70B Instruct · $0.23 / $0.40 per 1M · 131k context · meta-llama/llama-3.3-70b-instruct',
	description: 'Llama 3.3 70B Instruct (emulated)', // what the emulator sends as `description`
};
const PICKER_SCREENSHOT = path.join(__dirname, '..', '..', 'docs', 'model-picker.png');
const FAILED_ROWS_SCREENSHOT = path.join(__dirname, '..', '..', 'docs', 'failed-rows.png');

/** Screenshot area: the Model field with its open list, a little of the panel around it. */
async function pickerBox(fieldLocator, item) {
	const field = await fieldLocator.boundingBox();
	const list = await item.evaluate((el) => {
		const r = el.parentElement.parentElement.getBoundingClientRect();
		return { x: r.x, y: r.y, width: r.width, height: r.height };
	});
	const x = Math.max(0, Math.min(field.x, list.x) - 16);
	const y = Math.max(0, field.y - 38);
	const right = Math.max(field.x + field.width, list.x + list.width) + 16;
	const bottom = list.y + list.height + 16;
	return { x, y, width: right - x, height: bottom - y };
}

/** CHROMIUM_PATH when set (a Chrome or Chromium; only that one), else Debian's chromium. */
function chromiumPath() {
	const candidates = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
	return candidates.find((p) => fs.existsSync(p));
}

const NAMES = {
	search: 'editor: NanoGPT is found by searching "NanoGPT" in the nodes panel',
	panel: 'editor: its parameter panel opens with credential, operation, model, prompt',
	collections: 'editor: every collection opens and lists all its fields',
	models: "editor: the model list shows each model's price and context, and filters by display name and id",
	// n8n 2.41's list width; n8n 1.123 draws the list narrower (314 px) and cuts the figures of long names.
	modelsFit: 'editor: each model\'s name and figures fit before the "…" of the list (n8n 2.x)',
	credential: 'editor: credential test passes with the right key and fails with a wrong one in the dialog',
	run: 'editor: running a workflow from the editor shows the NanoGPT output',
	errorOutput: 'editor: the failed-rows example runs from the editor, completions on the success branch and failed rows on the error branch',
};

/** Cases that need what only some n8n lines have: registered for the lines `appliesTo` accepts. */
const APPLIES_TO = {
	[NAMES.modelsFit]: (line) => line.major >= 2,
};

/** The editor cases this run registered (a case that does not apply to the line is not among them). */
const registered = (suite) => Object.values(NAMES).filter((name) => suite.planned.includes(name));

/** Nodes panel: search "NanoGPT", pick it, see its action. */
async function searchNode(s) {
	const { page, shot, baseUrl } = s;
	await page.goto(`${baseUrl}/workflow/new`, { waitUntil: 'domcontentloaded' });
	await page.waitForSelector('[data-test-id="node-creator-plus-button"]', { timeout: 90000 });
	await page.click('[data-test-id="node-creator-plus-button"]');
	await page.fill('[data-test-id="node-creator-search-bar"]', 'NanoGPT');
	const item = page.locator('[data-test-id="node-creator-item-name"]', { hasText: /^NanoGPT$/ });
	await item.first().waitFor({ state: 'visible' });
	await shot('editor-1-node-search.png');
	await item.first().click();
	const action = page.locator('[data-test-id="node-creator-item-name"]', { hasText: /^Complete text$/i });
	await action.first().waitFor({ state: 'visible' });
}

/** The parameter panel: credential preselected, operation, model, prompt, every collection. */
async function openPanel(s) {
	const { page, ndv, shot } = s;
	await page.locator('[data-test-id="node-creator-item-name"]', { hasText: /^Complete text$/i }).first().click();
	await ndv.waitFor({ state: 'visible' });
	for (const id of ['node-credentials-select', 'parameter-input-operation', 'resource-locator-model', 'parameter-input-prompt', 'parameter-input-simplify']) {
		await ndv.locator(`[data-test-id="${id}"]`).first().waitFor({ state: 'visible' });
	}
	const text = await ndv.innerText();
	const cred = ndv.locator('[data-test-id="node-credentials-select"]').first();
	const credText = `${await cred.innerText()} ${await cred.locator('input').first().inputValue().catch(() => '')}`;
	assert.match(credText, /NanoGPT account/, `the imported credential is preselected (${credText.trim()})`);
	const op = await ndv.locator('[data-test-id="parameter-input-operation"] input').first().inputValue();
	assert.equal(op, 'Complete Text', 'operation');
	for (const label of ['Options', 'Provider Routing', 'Routing, Billing and Safety', 'Penalties', 'Advanced Sampling', 'Token Control', 'Request Options']) {
		assert.ok(text.includes(label), `collection ${label} shown`);
	}
	await shot('editor-2-parameters.png');
}

/** Each collection's Add Option list holds every field the node description declares. */
async function openCollections(s) {
	const { page, ndv, shot, description } = s;
	assert.ok(description, 'n8n-nodes-nanogpt.nanoGpt in /types/nodes.json');
	// n8n 2.x marks a collection's Add Option dropdown; in 1.x it is the select in .add-option.
	let adds = ndv.locator('[data-test-id="collection-parameter-add"]');
	if ((await adds.count()) === 0) adds = ndv.locator('.collection-parameter .add-option');
	assert.equal(await adds.count(), COLLECTIONS.length, 'one "add" dropdown per collection');
	for (let i = 0; i < COLLECTIONS.length; i++) {
		const prop = description.properties.find((p) => p.name === COLLECTIONS[i]);
		assert.ok(prop && prop.type === 'collection', `${COLLECTIONS[i]} is a collection`);
		const expected = prop.options.map((o) => o.displayName).sort();
		const add = adds.nth(i);
		await add.scrollIntoViewIfNeeded();
		await add.click();
		const listId = await add.locator('input').first().getAttribute('aria-controls');
		const items = page.locator(`[id="${listId}"] .el-select-dropdown__item`);
		await items.first().waitFor({ state: 'visible' });
		const shown = (await items.allInnerTexts()).map((t) => t.trim()).sort();
		if (i === 0) await shot('editor-3-options.png');
		await page.keyboard.press('Escape');
		await items.first().waitFor({ state: 'hidden' }).catch(() => {});
		assert.deepEqual(shown, expected, `${prop.displayName} lists all its fields`);
	}
	assert.ok(await ndv.isVisible(), 'the panel stays open');
}

/** The rendered text of a model's line in the list, where its figures end and where the "…" would begin. */
async function measureRendered(llama) {
	return await llama.evaluate((el, figures) => {
		const span = el.querySelector('span');
		const textNode = span.firstChild;
		const range = document.createRange();
		range.setStart(textNode, 0);
		range.setEnd(textNode, span.textContent.indexOf(figures) + figures.length);
		const box = span.getBoundingClientRect();
		const cut = span.scrollWidth > span.clientWidth;
		return {
			text: el.innerText.trim(),
			figuresRight: range.getBoundingClientRect().right,
			// Where the "…" begins when the text is cut (it takes about 10 px).
			visibleRight: box.right - (cut ? 12 : 0),
			width: Math.round(box.width),
			titles: [...el.querySelectorAll('[title]')].map((e) => e.getAttribute('title')),
		};
	}, LLAMA.figures);
}

/** The model list: every model, the Llama line as rendered (kept on s for the fit case), search by name and by id, from GET /v1/models with the credential. */
async function listModels(s) {
	const { page, ndv, shot, emu, models, artifacts, updateDocs } = s;
	const before = emu.requests.filter((r) => /\/v1\/models$/.test(r.path)).length;
	const rl = ndv.locator('[data-test-id="resource-locator-model"]');
	await rl.scrollIntoViewIfNeeded();
	await rl.locator('[data-test-id="rlc-input"]').first().click();
	const items = page.locator('[data-test-id="rlc-item"]');
	await items.first().waitFor({ state: 'visible' });
	const all = (await items.allInnerTexts()).map((t) => t.trim());
	const modelIds = [...models].sort();
	for (const id of modelIds) assert.ok(all.some((t) => t.includes(id)), `model ${id} listed (got ${all.join(', ')})`);
	assert.equal(all.length, modelIds.length);

	// One model as rendered: n8n 2.41's list shows an item's name only, one line cut with "…"
	// to the Model field's width, so the figures sit in the name, before the id.
	const llama = items.filter({ hasText: LLAMA.id }).first();
	await llama.hover();
	await page.waitForTimeout(500); // a tooltip, were there one, would be up by now
	const rendered = await measureRendered(llama);
	assert.equal(rendered.text, LLAMA.text, 'the rendered text of the Llama model');
	s.llamaRendered = rendered;
	const pageText = await page.locator('body').innerText();
	assert.ok(
		!pageText.includes(LLAMA.description) && !rendered.titles.some((t) => t.includes(LLAMA.description)),
		'the catalogue description is not rendered (list, hover)',
	);

	await shot('editor-4-model-list.png');
	const picker = path.join(artifacts, 'editor-4-model-picker.png');
	await page.screenshot({ path: picker, clip: await pickerBox(rl, llama) });
	// docs/model-picker.png (README) is refreshed only on request, like docs/editor.png.
	if (updateDocs && (process.env.UPDATE_SCREENSHOTS === '1' || !fs.existsSync(PICKER_SCREENSHOT))) {
		fs.mkdirSync(path.dirname(PICKER_SCREENSHOT), { recursive: true });
		fs.copyFileSync(picker, PICKER_SCREENSHOT);
	}

	// Search by display name: "3.5 haiku" is in "Claude 3.5 Haiku", not in its id "claude-3-5-haiku-...".
	await page.locator('[data-test-id="rlc-search"]').first().fill('3.5 haiku');
	await page.waitForFunction(
		() => [...document.querySelectorAll('[data-test-id="rlc-item"]')].filter((e) => e.offsetParent !== null).length === 1,
		undefined,
		{ timeout: 15000 },
	);
	const byName = (await items.allInnerTexts()).map((t) => t.trim()).filter(Boolean);
	assert.equal(byName.length, 1, `"3.5 haiku" finds one model: ${byName.join(', ')}`);
	assert.match(byName[0], /^Claude 3\.5 Haiku · \$0\.80 \/ \$4 per 1M · 200k context · claude-3-5-haiku-20241022$/);

	// Search by id.
	await page.locator('[data-test-id="rlc-search"]').first().fill('claude');
	const claude = modelIds.filter((id) => id.includes('claude'));
	await page.waitForFunction(
		(n) => [...document.querySelectorAll('[data-test-id="rlc-item"]')].filter((e) => e.offsetParent !== null).length === n,
		claude.length,
		{ timeout: 15000 },
	);
	const filtered = (await items.allInnerTexts()).map((t) => t.trim()).filter(Boolean);
	await shot('editor-4-model-search.png');
	assert.equal(filtered.length, claude.length, `filtered: ${filtered.join(', ')}`);
	for (const id of claude) assert.ok(filtered.some((t) => t.includes(id)), `${id} kept by the filter`);
	await page.locator('[data-test-id="rlc-item"]', { hasText: claude[0] }).first().click();
	const after = emu.requests.filter((r) => /\/v1\/models$/.test(r.path));
	assert.ok(after.length > before, 'the list came from GET /v1/models on the emulator');
	assert.ok(after.every((r) => r.headers.authorization === `Bearer ${emu.apiKey}`), 'with the credential');
	assert.ok(after.slice(before).every((r) => r.query.detailed === 'true'), 'from the detailed catalogue');
}

/** The Llama line's name and figures end before the list cuts it with "…". */
async function modelFiguresFit(s) {
	const rendered = s.llamaRendered;
	assert.ok(rendered, 'the model list case measured the Llama line');
	assert.ok(
		rendered.figuresRight <= rendered.visibleRight,
		`name and figures visible before the "…" in a ${rendered.width} px list (figures end at ${Math.round(rendered.figuresRight)}, room to ${Math.round(rendered.visibleRight)})`,
	);
}

/** The credential dialog: a wrong key fails its test (401), the right one passes (200). */
async function testCredentialInDialog(s) {
	const { page, ndv, shot, emu, rest } = s;
	const usage = () => emu.requests.filter((r) => /\/v1\/usage$/.test(r.path));
	const n0 = usage().length;
	await ndv.locator('[data-test-id="credential-edit-button"]').click();
	const modal = page.locator('[data-test-id="editCredential-modal"]');
	await modal.waitFor({ state: 'visible' });
	const success = modal.locator('[data-test-id="credentials-config-container-test-success"]');
	const key = modal.locator('[data-test-id="parameter-input-apiKey"] input').first();
	// A wrong key: save runs the credential test, which must fail.
	await key.fill('sk-wrong-key-from-the-editor');
	await modal.locator('[data-test-id="credential-save-button"]').click();
	await modal.getByText(/Couldn.t connect with these settings/).waitFor({ state: 'visible', timeout: 20000 });
	await shot('editor-5-credential-wrong-key.png');
	const bad = usage().slice(n0).filter((r) => r.headers.authorization === 'Bearer sk-wrong-key-from-the-editor');
	assert.ok(bad.length >= 1 && bad.every((r) => r.status === 401), 'the test request with the wrong key got 401');
	// The right key: the test passes.
	await key.fill(emu.apiKey);
	await modal.locator('[data-test-id="credential-save-button"]').click();
	await success.waitFor({ state: 'visible', timeout: 20000 });
	assert.match(await modal.innerText(), /Connection tested successfully/);
	await shot('editor-6-credential-ok.png');
	const good = usage().slice(n0).filter((r) => r.headers.authorization === `Bearer ${emu.apiKey}`);
	assert.ok(good.some((r) => r.status === 200), 'the test request with the right key got 200');
	await page.keyboard.press('Escape');
	await modal.waitFor({ state: 'hidden' });
	// The stored credential works again for the REST test too.
	const creds = await rest.request('GET', '/rest/credentials');
	assert.ok((creds.json.data || []).some((c) => c.type === 'nanoGptApi'));
}

/** A run from the editor shows the completion in the NanoGPT node's output. */
async function runFromEditor(s) {
	const { page, ndv, shot, emu, baseUrl, runWorkflowId, screenshotForDocs, updateDocs } = s;
	const before = emu.requests.length;
	await page.goto(`${baseUrl}/workflow/${runWorkflowId}`, { waitUntil: 'domcontentloaded' });
	const nanoNode = page.locator('[data-test-id="canvas-node"]', { hasText: 'NanoGPT' });
	await nanoNode.first().waitFor({ state: 'visible', timeout: 90000 });
	await page.locator('[data-test-id="execute-workflow-button"]').click();
	const deadline = Date.now() + 60000;
	while (!emu.requests.slice(before).some((r) => /\/v1\/completions$/.test(r.path) && r.finishedAt)) {
		if (Date.now() > deadline) throw new Error('no completion request reached the emulator');
		await page.waitForTimeout(250);
	}
	await page.waitForTimeout(1500);
	await nanoNode.first().dblclick();
	await ndv.waitFor({ state: 'visible' });
	const output = ndv.locator('[data-test-id="output-panel"]');
	await output.locator('[data-test-id="node-run-status-success"], [data-test-id="ndv-items-count"]').first().waitFor({ state: 'visible', timeout: 60000 });
	await page.waitForTimeout(500);
	const text = await output.innerText();
	const reqs = emu.requests.slice(before).filter((r) => /\/v1\/completions$/.test(r.path));
	assert.ok(reqs.length >= 1, 'the run reached the emulator');
	const { completionTextFor } = require('../support/emulator.ts');
	const firstText = completionTextFor(reqs[0].body).text.trim();
	assert.ok(text.includes(firstText.slice(0, 30)), `output shows the completion text (${firstText.slice(0, 30)})`);
	assert.match(text, /totalTokens/);
	const file = await shot('editor-7-run-output.png');
	// docs/editor.png (README) is refreshed only on request, so a run leaves the tree clean.
	if (updateDocs && screenshotForDocs && (process.env.UPDATE_SCREENSHOTS === '1' || !fs.existsSync(screenshotForDocs))) {
		fs.mkdirSync(path.dirname(screenshotForDocs), { recursive: true });
		fs.copyFileSync(file, screenshotForDocs);
	}
}

/** The failed-rows example run from the editor: four rows on the success branch, two on the error branch. */
async function runFailedRowsExample(s) {
	const { page, emu, baseUrl, artifacts, errorOutputWorkflowId, updateDocs } = s;
	const completions = () => emu.requests.filter((r) => /\/v1\/completions$/.test(r.path));
	const before = completions().length;
	await page.goto(`${baseUrl}/workflow/${errorOutputWorkflowId}`, { waitUntil: 'domcontentloaded' });
	const canvasNode = (name) => page.locator('[data-test-id="canvas-node"]', { hasText: name }).first();
	await canvasNode('Write failed rows CSV').waitFor({ state: 'visible', timeout: 90000 });
	await page.locator('[data-test-id="execute-workflow-button"]').click();
	// Six rows: four answered, one refused (413), one sent 1 + Max Retries times (503).
	const deadline = Date.now() + 60000;
	while (completions().slice(before).filter((r) => r.finishedAt).length < 9) {
		if (Date.now() > deadline) throw new Error(`the run sent ${completions().length - before} requests, not 9`);
		await page.waitForTimeout(250);
	}
	// The canvas labels each connection with the items that passed along it once the run is done.
	const canvas = page.locator('[data-test-id="canvas-wrapper"], #canvas, .vue-flow').first();
	await page.waitForFunction(() => /2 items/.test(document.body.innerText) && /4 items/.test(document.body.innerText), undefined, { timeout: 30000 });
	await page.waitForTimeout(1000);
	const text = await canvas.innerText().catch(async () => await page.locator('body').innerText());
	assert.match(text, /4 items/, 'four rows on the success branch');
	assert.match(text, /2 items/, 'two rows on the error branch');
	const file = path.join(artifacts, 'editor-8-failed-rows.png');
	await page.screenshot({ path: file });
	if (updateDocs && (process.env.UPDATE_SCREENSHOTS === '1' || !fs.existsSync(FAILED_ROWS_SCREENSHOT))) {
		fs.mkdirSync(path.dirname(FAILED_ROWS_SCREENSHOT), { recursive: true });
		fs.copyFileSync(file, FAILED_ROWS_SCREENSHOT);
	}
}

/** The editor cases in the order they run: each starts where the one before left the editor. */
const CASES = [
	[NAMES.search, searchNode],
	[NAMES.panel, openPanel],
	[NAMES.collections, openCollections],
	[NAMES.models, listModels],
	[NAMES.modelsFit, modelFiguresFit],
	[NAMES.credential, testCredentialInDialog],
	[NAMES.run, runFromEditor],
	[NAMES.errorOutput, runFailedRowsExample],
];

/** Headless Chromium with a fresh profile; undefined (every editor case marked not run) when it cannot start. */
async function launchBrowser(suite) {
	let playwright;
	const exe = chromiumPath();
	try {
		playwright = require('playwright-core');
	} catch (err) {
		suite.notRun(registered(suite), `playwright-core not installed: ${err.message}`);
		return;
	}
	if (!exe) {
		const wanted = process.env.CHROMIUM_PATH ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist` : 'chromium not found (apt-get install -y chromium, or set CHROMIUM_PATH to a Chrome or Chromium)';
		suite.notRun(registered(suite), wanted);
		return;
	}
	const profile = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'e2e-chromium-'));
	try {
		const context = await playwright.chromium.launchPersistentContext(profile, {
			executablePath: exe,
			args: CHROMIUM_ARGS,
			viewport: { width: 1440, height: 900 },
			headless: true,
		});
		return { context, profile };
	} catch (err) {
		fs.rmSync(profile, { recursive: true, force: true });
		suite.notRun(registered(suite), `${exe} did not start: ${String(err.message).split('\n')[0]}`);
		return;
	}
}

async function run(suite, parts) {
	const { baseUrl, owner, rest, line, artifacts } = parts;
	// The README's screenshots show n8n 2.x; another line's run never replaces them.
	const updateDocs = line.major >= 2;
	const browser = await launchBrowser(suite);
	if (!browser) return;
	const { context, profile } = browser;
	const page = context.pages()[0] || (await context.newPage());
	page.setDefaultTimeout(30000);
	const shot = async (name) => {
		const file = path.join(artifacts, name);
		await page.screenshot({ path: file }).catch(() => {});
		return file;
	};
	const ndv = page.locator('[data-test-id="ndv"]');

	try {
		// The node description as the editor gets it: the source of the expected collection fields.
		const types = (await rest.request('GET', '/types/nodes.json')).json || [];
		const description = types.find((t) => t.name === 'n8n-nodes-nanogpt.nanoGpt');

		const login = await page.request
			.post(`${baseUrl}/rest/login`, { data: { emailOrLdapLoginId: owner.email, password: owner.password } })
			.catch((err) => ({ status: () => String(err.message).split('\n')[0] }));
		if (login.status() !== 200) {
			suite.notRun(registered(suite), `login from the browser failed: ${login.status()}`);
			return;
		}

		const s = { ...parts, page, ndv, shot, description, updateDocs, llamaRendered: undefined };
		for (const [name, check] of CASES) {
			if (APPLIES_TO[name] && !suite.planned.includes(name)) continue;
			await suite.case(name, async () => await check(s));
		}
	} finally {
		await context.close().catch(() => {});
		fs.rmSync(profile, { recursive: true, force: true });
	}
}

module.exports = { run, NAMES, APPLIES_TO, registered, chromiumPath, CHROMIUM_ARGS };
