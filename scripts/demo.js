#!/usr/bin/env node
'use strict';
/*
 * `npm run demo`: the package's main job in the real n8n application.
 *
 * Builds the package when dist/ is stale, provisions n8n (first run only: a few minutes), installs
 * the package into a fresh n8n user folder as a community package, starts the NanoGPT emulator
 * (unless NANOGPT_API_KEY is set: then the real API is used, NANOGPT_MODEL picks the model),
 * imports the credential and the two spreadsheet workflows, runs them with `n8n execute`, and prints
 * the enriched rows, the CSVs they wrote and, for "Describe each category once" (Reuse Identical
 * Requests), how many requests reuse saved.
 *
 * Environment: NANOGPT_API_KEY, NANOGPT_MODEL (default chatgpt-4o-latest), NANOGPT_BASE_URL
 * (default https://nano-gpt.com/api), NANOGPT_DEMO_OUTPUT (output folder), NANOGPT_CACHE_DIR.
 */
const fs = require('node:fs');
const path = require('node:path');
const { provision, cacheDir } = require('./provision');
const { REPO, N8nInstance, nodeItems, tail } = require('./lib/n8n');
const ex = require('./lib/examples');
const { ensureBuilt } = require('./lib/build');

const log = (m) => console.log(m);

function printTable(rows, columns) {
	const width = Math.max(80, process.stdout.columns || 120);
	const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
	// Shrink the widest column (the generated text) to fit the terminal.
	const total = () => widths.reduce((a, b) => a + b, 0) + 3 * (columns.length - 1);
	const widest = widths.indexOf(Math.max(...widths));
	if (total() > width) widths[widest] = Math.max(20, widths[widest] - (total() - width));
	const cell = (v, w) => {
		const s = String(v ?? '').replace(/\s+/g, ' ');
		return s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w);
	};
	const line = (vals) => vals.map((v, i) => cell(v, widths[i])).join(' | ').trimEnd();
	console.log(line(columns));
	console.log(widths.map((w) => '-'.repeat(w)).join('-+-'));
	for (const r of rows) console.log(line(columns.map((c) => r[c])));
}

/** Runs a workflow with `n8n execute`; returns the run, or throws with n8n's error. */
async function runWorkflow(inst, wf) {
	const r = await inst.execute(wf.id);
	if (!r.run) throw new Error(`n8n execute printed no run (exit ${r.code}):\n${tail(r.stdout)}\n${tail(r.stderr)}`);
	if (r.error) {
		const node = r.error.node ? ` in node "${r.error.node.name}"` : '';
		throw new Error(`"${wf.name}" failed${node}: ${r.error.message}${r.error.description ? `\n${r.error.description}` : ''}`);
	}
	return r.run;
}

async function main() {
	const t0 = Date.now();
	ensureBuilt({ log });
	const prov = await provision({ log });

	const realApi = Boolean(process.env.NANOGPT_API_KEY);
	let emulator = null;
	let apiKey;
	let baseUrl;
	let model = process.env.NANOGPT_MODEL || 'chatgpt-4o-latest';
	if (realApi) {
		apiKey = process.env.NANOGPT_API_KEY;
		baseUrl = process.env.NANOGPT_BASE_URL || 'https://nano-gpt.com/api';
		log(`Using the real NanoGPT API at ${baseUrl} with model ${model}.`);
	} else {
		const { startEmulator } = require('../test/support/emulator.ts');
		emulator = await startEmulator({});
		apiKey = emulator.apiKey;
		baseUrl = emulator.baseUrl;
		log(`NANOGPT_API_KEY is not set: using the local NanoGPT emulator at ${baseUrl}.`);
	}

	const outputDir = path.resolve(process.env.NANOGPT_DEMO_OUTPUT || path.join(cacheDir(), 'demo-output'));
	fs.mkdirSync(outputDir, { recursive: true });
	const realOutputDir = fs.realpathSync(outputDir);
	const inputDir = fs.realpathSync(path.join(REPO, 'examples'));

	const inst = await N8nInstance.create(prov, {
		label: 'demo',
		// Let the workflows' file nodes read the shipped CSVs and write the output folder, nothing else.
		extraEnv: { N8N_RESTRICT_FILE_ACCESS_TO: `${inputDir};${realOutputDir}` },
	});
	let ok = false;
	try {
		log(`Fresh n8n ${prov.version} user folder with n8n-nodes-nanogpt installed: ${inst.userFolder}`);
		log('Importing the credential and the workflows "Enrich spreadsheet rows" and "Describe each category once" ...');
		await inst.importCredentials([ex.credential({ apiKey, baseUrl })]);
		const [enrich, categories] = ['enrich', 'categories'].map((key) =>
			ex.withModel(ex.localizeFiles(ex.loadExample(key), { inputDir, outputDir: realOutputDir }), model),
		);
		await inst.importWorkflows([enrich, categories]);
		for (const wf of [enrich, categories]) fs.rmSync(ex.outputFileOf(wf), { force: true });

		log('Running "Enrich spreadsheet rows" with `n8n execute` ...');
		const enriched = await runWorkflow(inst, enrich);
		const rows = ex.parseCsv(fs.readFileSync(ex.outputFileOf(enrich), 'utf8').replace(/^\uFEFF/, ''));
		console.log('');
		printTable(rows, ['sku', 'name', 'price', 'tagline', 'total_tokens']);
		console.log('');
		const tokens = (nodeItems(enriched, 'Shape columns') || []).reduce((a, it) => a + (Number(it.json.total_tokens) || 0), 0);
		log(`${rows.length} rows enriched by NanoGPT (${model}${emulator ? ', emulator' : ''}) in n8n ${prov.version}, ${tokens} tokens.`);
		log(`Enriched CSV: ${ex.outputFileOf(enrich)}`);

		log('');
		log('Running "Describe each category once" (Reuse Identical Requests on) ...');
		const described = await runWorkflow(inst, categories);
		const results = (nodeItems(described, 'NanoGPT') || []).map((it) => it.json.blurb || {});
		const sent = results.filter((r) => r.reusedFrom === undefined).length;
		const byCategory = ex.parseCsv(fs.readFileSync(ex.outputFileOf(categories), 'utf8').replace(/^\uFEFF/, ''));
		console.log('');
		printTable(byCategory.filter((r) => r.request === 'sent'), ['category', 'category_blurb', 'total_tokens']);
		console.log('');
		log(`${results.length} rows, ${sent} requests sent: Reuse Identical Requests saved ${results.length - sent} requests.`);
		log(`CSV with a blurb per row: ${ex.outputFileOf(categories)}`);
		log(`Done in ${((Date.now() - t0) / 1000).toFixed(1)}s.`);
		ok = true;
	} finally {
		await inst.stopAll();
		if (emulator) await emulator.close();
		if (ok) fs.rmSync(inst.userFolder, { recursive: true, force: true });
		else console.error(`(n8n user folder kept for inspection: ${inst.userFolder})`);
	}
}

main().catch((err) => {
	console.error(`demo failed: ${err.message}`);
	process.exit(1);
});
