#!/usr/bin/env node
'use strict';
/*
 * `npm run demo`: the package's main job in the real n8n application.
 *
 * Builds the package when dist/ is stale, provisions n8n (first run only: a few minutes), installs
 * the package into a fresh n8n user folder as a community package, starts the NanoGPT emulator
 * (unless NANOGPT_API_KEY is set: then the real API is used, NANOGPT_MODEL picks the model),
 * imports the credential and the "Enrich spreadsheet rows" workflow, runs it with `n8n execute`,
 * and prints the enriched rows plus the path of the CSV it wrote.
 *
 * Environment: NANOGPT_API_KEY, NANOGPT_MODEL (default chatgpt-4o-latest), NANOGPT_BASE_URL
 * (default https://nano-gpt.com/api), NANOGPT_DEMO_OUTPUT (output CSV path), NANOGPT_CACHE_DIR.
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
		const { startEmulator } = require('../test/support/emulator');
		emulator = await startEmulator({});
		apiKey = emulator.apiKey;
		baseUrl = emulator.baseUrl;
		log(`NANOGPT_API_KEY is not set: using the local NanoGPT emulator at ${baseUrl}.`);
	}

	const outputFile = path.resolve(process.env.NANOGPT_DEMO_OUTPUT || path.join(cacheDir(), 'demo-output', 'products-enriched.csv'));
	fs.mkdirSync(path.dirname(outputFile), { recursive: true });
	const outputDir = fs.realpathSync(path.dirname(outputFile));
	const inputFile = path.join(REPO, 'examples', 'products.csv');
	const realOutput = path.join(outputDir, path.basename(outputFile));
	fs.rmSync(realOutput, { force: true });

	const inst = await N8nInstance.create(prov, {
		label: 'demo',
		extraEnv: {
			// Let the workflow's file nodes read the shipped CSV and write the output folder, nothing else.
			N8N_RESTRICT_FILE_ACCESS_TO: `${fs.realpathSync(path.dirname(inputFile))};${outputDir}`,
		},
	});
	let ok = false;
	try {
		log(`Fresh n8n ${prov.version} user folder with n8n-nodes-nanogpt installed: ${inst.userFolder}`);
		log('Importing the credential and the workflow "Enrich spreadsheet rows" ...');
		await inst.importCredentials([ex.credential({ apiKey, baseUrl })]);
		let wf = ex.localizeEnrich(ex.loadExample('enrich'), { inputFile: fs.realpathSync(inputFile), outputFile: realOutput });
		wf = ex.withModel(wf, model);
		await inst.importWorkflows([wf]);
		log('Running it with `n8n execute` ...');
		const r = await inst.execute(wf.id);
		if (!r.run) {
			throw new Error(`n8n execute printed no run (exit ${r.code}):\n${tail(r.stdout)}\n${tail(r.stderr)}`);
		}
		if (r.error) {
			const node = r.error.node ? ` in node "${r.error.node.name}"` : '';
			throw new Error(`the workflow failed${node}: ${r.error.message}${r.error.description ? `\n${r.error.description}` : ''}`);
		}
		const items = nodeItems(r.run, 'Shape columns') || [];
		const csv = fs.readFileSync(realOutput, 'utf8').replace(/^\uFEFF/, '');
		const rows = ex.parseCsv(csv);
		console.log('');
		printTable(rows, ['sku', 'name', 'price', 'tagline', 'total_tokens']);
		console.log('');
		const tokens = items.reduce((a, it) => a + (Number(it.json.total_tokens) || 0), 0);
		log(`${rows.length} rows enriched by NanoGPT (${model}${emulator ? ', emulator' : ''}) in n8n ${prov.version}, ${tokens} tokens.`);
		log(`Enriched CSV: ${realOutput}`);
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
