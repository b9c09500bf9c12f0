'use strict';
/*
 * The example workflows of examples/ and what the demo, `npm start` and the e2e suite need to
 * run them locally: the credential they reference and local file paths for the spreadsheet example.
 */
const fs = require('node:fs');
const path = require('node:path');

const EXAMPLES_DIR = path.resolve(__dirname, '..', '..', 'examples');
const CREDENTIAL_ID = 'nanoGptCredentl1';
const CREDENTIAL_NAME = 'NanoGPT account';
const OPENAI_CREDENTIAL_ID = 'nanoGptOpenAiApi';

const EXAMPLES = {
	enrich: 'enrich-spreadsheet.json',
	scheduled: 'scheduled-pipeline.json',
	chat: 'streaming-chat.json',
	webhook: 'webhook-api.json',
	categories: 'category-blurbs.json',
	json: 'extract-attributes-json.json',
	failed: 'failed-rows.json',
	cheapest: 'cheapest-provider.json',
	agent: 'agent-tool.json',
};

function loadExample(key) {
	const file = EXAMPLES[key] || key;
	return JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8'));
}

function allExamples() {
	return Object.keys(EXAMPLES).map(loadExample);
}

function nodeByName(wf, name) {
	const node = wf.nodes.find((n) => n.name === name);
	if (!node) throw new Error(`workflow "${wf.name}" has no node "${name}"`);
	return node;
}

/**
 * Points a spreadsheet example's Read/Write Files from Disk nodes at local folders: it reads its CSV
 * (by file name) from `inputDir` and writes its output file (by file name) into `outputDir`.
 * Workflows without file nodes are returned unchanged.
 */
function localizeFiles(wf, { inputDir, outputDir }) {
	const copy = JSON.parse(JSON.stringify(wf));
	for (const node of copy.nodes.filter((n) => n.type === 'n8n-nodes-base.readWriteFile')) {
		if (node.parameters.operation === 'write') {
			node.parameters.fileName = path.join(outputDir, path.basename(node.parameters.fileName));
		} else {
			node.parameters.fileSelector = path.join(inputDir, path.basename(node.parameters.fileSelector));
		}
	}
	return copy;
}

/** The file a localized spreadsheet example writes. */
function outputFileOf(wf) {
	const writer = wf.nodes.find((n) => n.type === 'n8n-nodes-base.readWriteFile' && n.parameters.operation === 'write');
	return writer && writer.parameters.fileName;
}

/**
 * The emulator answers with JSON only when the prompt carries a [[json:...]] directive
 * (test/support/emulator/types.ts), so the JSON example gets one per row: bare, fenced and prose
 * answers in turn, and the fifth row invalid once, then valid (one retry). Every extraction path
 * and a retry in one run. Other workflows are returned unchanged.
 */
const EMULATOR_JSON_SHAPES = ['bare', 'fenced', 'prose', 'fenced', 'invalid-once', 'prose'];
/**
 * NanoGPT rarely refuses a tagline, so against the emulator the failed-rows example gets two rows
 * that fail: the third is refused as too large (413, not retried), the fifth meets a 503 on every
 * attempt (retried Max Retries times, then failed). Both leave by the error output.
 */
const EMULATOR_FAILED_ROWS = { 2: '[[fault:413]]', 4: '[[fault:503]]' };
function forEmulator(wf) {
	if (wf.id === loadExample('failed').id) return withFailingRows(wf);
	if (wf.id !== loadExample('json').id) return wf;
	const copy = JSON.parse(JSON.stringify(wf));
	const node = nodeByName(copy, 'NanoGPT');
	const shape = `{{ ${JSON.stringify(EMULATOR_JSON_SHAPES).replace(/"/g, "'")}[$itemIndex % ${EMULATOR_JSON_SHAPES.length}] }}`;
	node.parameters.prompt = `=[[json:${shape}:brand,colour,material]] ${node.parameters.prompt.replace(/^=/, '')}`;
	return copy;
}

function withFailingRows(wf) {
	const copy = JSON.parse(JSON.stringify(wf));
	const node = nodeByName(copy, 'NanoGPT');
	const directives = Object.fromEntries(Object.entries(EMULATOR_FAILED_ROWS).map(([row, fault]) => [row, `${fault} `]));
	const fault = `{{ ${JSON.stringify(directives).replace(/"/g, "'")}[$itemIndex] ?? '' }}`;
	node.parameters.prompt = `=${fault}${node.parameters.prompt.replace(/^=/, '')}`;
	return copy;
}

/** Sets the model id (mode "id") of every NanoGPT node of a workflow. */
function withModel(wf, model) {
	const copy = JSON.parse(JSON.stringify(wf));
	for (const n of copy.nodes) {
		const current = n.parameters && n.parameters.model;
		if (!n.type.startsWith('n8n-nodes-nanogpt.') || !current) continue;
		if (typeof current.value === 'string' && current.value.startsWith('=')) {
			// An expression such as `={{ $json.body.model || 'chatgpt-4o-latest' }}`: change its fallback.
			current.value = current.value.replace(/'chatgpt-4o-latest'/g, JSON.stringify(model).replace(/"/g, "'"));
		} else {
			n.parameters.model = { __rl: true, mode: 'id', value: model };
		}
	}
	return copy;
}

/** The credential in import:credentials form. */
function credential({ apiKey, baseUrl }) {
	return { id: CREDENTIAL_ID, name: CREDENTIAL_NAME, type: 'nanoGptApi', data: { apiKey, baseUrl } };
}

/**
 * The OpenAI credential the AI Agent example's chat model uses (import:credentials form): NanoGPT's
 * key and its OpenAI-compatible Base URL (`<NanoGPT Base URL>/v1`), as NanoGPT's n8n guide sets it up.
 */
function openAiCredential({ apiKey, baseUrl }) {
	return { id: OPENAI_CREDENTIAL_ID, name: 'NanoGPT (OpenAI-compatible)', type: 'openAiApi', data: { apiKey, url: `${baseUrl.replace(/\/+$/, '')}/v1` } };
}

/** Parses a CSV as written by n8n's Convert to File (RFC 4180 quoting). */
function parseCsv(text) {
	const rows = [];
	let row = [];
	let field = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (quoted) {
			if (c === '"' && text[i + 1] === '"') {
				field += '"';
				i++;
			} else if (c === '"') quoted = false;
			else field += c;
		} else if (c === '"') quoted = true;
		else if (c === ',') {
			row.push(field);
			field = '';
		} else if (c === '\n' || c === '\r') {
			if (c === '\r' && text[i + 1] === '\n') i++;
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
		} else field += c;
	}
	if (field !== '' || row.length) {
		row.push(field);
		rows.push(row);
	}
	const [header, ...body] = rows.filter((r) => r.length > 1 || r[0] !== '');
	return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

module.exports = {
	EXAMPLES_DIR,
	EXAMPLES,
	CREDENTIAL_ID,
	CREDENTIAL_NAME,
	loadExample,
	allExamples,
	nodeByName,
	localizeFiles,
	outputFileOf,
	withModel,
	forEmulator,
	EMULATOR_JSON_SHAPES,
	EMULATOR_FAILED_ROWS,
	credential,
	openAiCredential,
	parseCsv,
};
