#!/usr/bin/env node
'use strict';
/*
 * `npm start`: the n8n editor on http://127.0.0.1:5678 with n8n-nodes-nanogpt installed as a
 * community package, an owner account preset (printed), the NanoGPT credential (and an OpenAI one on
 * NanoGPT for the AI Agent example's chat model) and every example workflow of examples/ imported. The webhook and chat examples are published, so they answer at
 * once. Ctrl-C stops everything this script started (n8n and the emulator).
 *
 * Uses the local NanoGPT emulator unless NANOGPT_API_KEY is set (then the real API with
 * NANOGPT_MODEL, default chatgpt-4o-latest). Each run uses a fresh n8n user folder, removed on exit,
 * unless NANOGPT_N8N_USER_FOLDER names a folder to keep. NANOGPT_N8N_PORT changes the port.
 */
const fs = require('node:fs');
const path = require('node:path');
const { provision, cacheDir } = require('./provision');
const { REPO, N8nInstance, RestClient, freePorts, installPackage, packageRoot, ownerEnv, makeRunDir } = require('./lib/n8n');
const ex = require('./lib/examples');
const { ensureBuilt } = require('./lib/build');

const OWNER = { email: 'owner@example.com', password: 'NanoGPT-demo-1' };
const log = (m) => console.log(m);
let cleanup = async () => {};

async function portIsFree(port) {
	const net = require('node:net');
	return new Promise((resolve) => {
		const s = net.createServer();
		s.once('error', () => resolve(false));
		s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
	});
}

/** NanoGPT itself when NANOGPT_API_KEY is set, else the emulator on 127.0.0.1. */
async function nanoGptApi() {
	const model = process.env.NANOGPT_MODEL || 'chatgpt-4o-latest';
	if (process.env.NANOGPT_API_KEY) {
		return { emulator: null, apiKey: process.env.NANOGPT_API_KEY, baseUrl: process.env.NANOGPT_BASE_URL || 'https://nano-gpt.com/api', model };
	}
	const { startEmulator } = require('../test/support/emulator.ts');
	const emulator = await startEmulator({});
	return { emulator, apiKey: emulator.apiKey, baseUrl: emulator.baseUrl, model };
}

/** The NanoGPT credentials and the example workflows, into a new n8n user folder. */
async function importExamples(inst, { emulator, apiKey, baseUrl, model }, { examplesDir, outputDir }) {
	log('Importing the NanoGPT credentials and the example workflows ...');
	// The AI Agent example's chat model talks to NanoGPT (or the emulator) through an OpenAI credential.
	await inst.importCredentials([ex.credential({ apiKey, baseUrl }), ex.openAiCredential({ apiKey, baseUrl })]);
	const workflows = ex.allExamples().map((wf) => {
		let w = ex.localizeFiles(wf, { inputDir: examplesDir, outputDir: fs.realpathSync(outputDir) });
		w = emulator ? ex.forEmulator(w) : ex.withModel(w, model);
		return w;
	});
	await inst.importWorkflows(workflows);
	await inst.publish([ex.loadExample('webhook').id, ex.loadExample('chat').id]);
}

/** Where n8n runs, how to sign in, and what to try. */
function printWelcome({ prov, port, t0, emulator, baseUrl, model, logFile }) {
	const url = `http://127.0.0.1:${port}`;
	const webhookPath = ex.loadExample('webhook').nodes[0].parameters.path;
	const chatId = ex.loadExample('chat').nodes[0].webhookId;
	log('');
	log(`n8n ${prov.version} with n8n-nodes-nanogpt is running at ${url}  (ready in ${((Date.now() - t0) / 1000).toFixed(0)}s)`);
	log(`  Sign in:   ${OWNER.email}  /  ${OWNER.password}`);
	log(`  NanoGPT:   ${emulator ? `local emulator at ${baseUrl} (set NANOGPT_API_KEY to use the real API)` : `${baseUrl}, model ${model}`}`);
	log(`  Workflows: ${ex.allExamples().map((w) => `"${w.name}"`).join(', ')}`);
	log(`  Try:       curl -N -X POST ${url}/webhook/${webhookPath} -H 'content-type: application/json' -d '{"prompt":"Write a haiku about n8n"}'`);
	log(`  Chat:      ${url}/webhook/${chatId}/chat`);
	log(`  n8n log:   ${logFile}`);
	log('Press Ctrl-C to stop.');
}

async function main() {
	const t0 = Date.now();
	ensureBuilt({ log });
	const prov = await provision({ log });
	const port = Number(process.env.NANOGPT_N8N_PORT || 5678);
	if (!(await portIsFree(port))) {
		throw new Error(`port ${port} on 127.0.0.1 is in use (another n8n?). Stop it or set NANOGPT_N8N_PORT.`);
	}

	const { emulator, apiKey, baseUrl, model } = await nanoGptApi();

	const keep = process.env.NANOGPT_N8N_USER_FOLDER;
	const userFolder = keep ? path.resolve(keep) : makeRunDir('start');
	fs.mkdirSync(userFolder, { recursive: true });
	const fresh = !fs.existsSync(path.join(userFolder, '.n8n', 'database.sqlite'));
	const [brokerPort] = await freePorts(1);
	const outputDir = path.join(cacheDir(), 'start-output');
	fs.mkdirSync(outputDir, { recursive: true });
	const examplesDir = fs.realpathSync(path.join(REPO, 'examples'));
	const inst = new N8nInstance(prov, {
		userFolder: fs.realpathSync(userFolder),
		port,
		brokerPort,
		extraEnv: {
			...ownerEnv(prov, OWNER),
			N8N_RESTRICT_FILE_ACCESS_TO: `${examplesDir};${fs.realpathSync(outputDir)}`,
		},
	});
	installPackage(inst.userFolder, { root: packageRoot() });

	let stopping = false;
	const stop = async (code) => {
		if (stopping) return;
		stopping = true;
		log('\nStopping n8n and the emulator ...');
		await inst.stopAll({ graceMs: 10000 });
		if (emulator) await emulator.close();
		if (!keep) fs.rmSync(inst.userFolder, { recursive: true, force: true });
		process.exit(code);
	};
	cleanup = async () => {
		stopping = true;
		await inst.stopAll({ graceMs: 5000 });
		if (emulator) await emulator.close();
	};
	process.on('SIGINT', () => stop(0));
	process.on('SIGTERM', () => stop(0));

	if (fresh) await importExamples(inst, { emulator, apiKey, baseUrl, model }, { examplesDir, outputDir });

	log('Starting n8n ...');
	const child = await inst.start({ timeoutMs: 180000 });
	// n8n 1.x takes no owner from the environment: set it up as the first visit would.
	await new RestClient(`http://127.0.0.1:${port}`).setUpOwnerIfNeeded(OWNER);
	child.exited.then(({ code }) => {
		if (!stopping) {
			console.error(`n8n exited (${code}); its log: ${child.logFile}`);
			stop(1);
		}
	});
	printWelcome({ prov, port, t0, emulator, baseUrl, model, logFile: child.logFile });
}

main().catch(async (err) => {
	console.error(`start failed: ${err.message}`);
	await cleanup().catch(() => {});
	process.exit(1);
});
