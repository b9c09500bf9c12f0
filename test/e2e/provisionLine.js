'use strict';
/*
 * Setting up one n8n line's e2e run: the package built, n8n provisioned, the emulator started, and
 * the instance of the CLI runs with the credentials, the examples and the fixtures imported.
 */
const fs = require('node:fs');
const path = require('node:path');
const { provision } = require('../../scripts/provision');
const n8n = require('../../scripts/lib/n8n');
const ex = require('../../scripts/lib/examples');
const { ensureBuilt } = require('../../scripts/lib/build');
const { startEmulator } = require('../support/emulator.ts');
const faults = require('./faults');
const failedRows = require('./failedRows');
const routingBilling = require('./routingBilling');
const agent = require('./agent');
const { N } = require('./cases');
const { OWNER, REPO } = require('./line');

/** The setup case: `{ prov, emu }`, or undefined when it failed. */
async function setUp(suite, cleanups) {
	let prov;
	let emu;
	const setupOk = await suite.case(N.setup, async () => {
		ensureBuilt({ log: console.log });
		prov = await provision({ log: console.log });
		emu = await startEmulator({});
		cleanups.push(() => emu.close());
	}, { timeoutMs: 20 * 60 * 1000 });
	return setupOk ? { prov, emu } : undefined;
}

/**
 * One instance for the CLI runs, then `n8n start` in the same user folder for the server parts; the
 * import case fills it. Returns what the parts use: the instance, the credential, the examples
 * localized to its folders, and whether the import passed.
 */
async function prepareMainInstance(suite, { prov, emu, want, cleanups, runDirs }) {
	const credential = ex.credential({ apiKey: emu.apiKey, baseUrl: emu.baseUrl });
	const apiHeader = `Bearer ${emu.apiKey}`;
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
	const workflows = {
		enrichWf,
		enrichOut: ex.outputFileOf(enrichWf),
		categoriesWf: ex.localizeFiles(ex.loadExample('categories'), localFiles),
		jsonWf: ex.forEmulator(ex.localizeFiles(ex.loadExample('json'), localFiles)),
	};
	const needMain = ['cli', 'faults', 'streaming', 'tool', 'editor'].some(want);
	const importOk = needMain && (await importFixtures(suite, { app, emu, credential, localFiles, workflows }));
	return { credential, apiHeader, app, localFiles, workflows, importOk };
}

/** The import case: the credentials, the examples and every part's fixtures, the webhook and chat examples published. */
async function importFixtures(suite, { app, emu, credential, localFiles, workflows }) {
	const [closedPort] = await n8n.freePorts(1);
	const faultFixtures = faults.fixtures({ credential, closedPort });
	const routingFixtures = routingBilling.fixtures(localFiles);
	const agentFixtures = agent.fixtures({ apiKey: emu.apiKey, baseUrl: emu.baseUrl });
	return await suite.case(N.import, async () => {
		await app.importCredentials([credential, faultFixtures.credential, ...agentFixtures.credentials]);
		await app.importWorkflows([
			faultFixtures.workflow,
			routingFixtures.example,
			routingFixtures.options,
			...agentFixtures.workflows,
			workflows.enrichWf,
			workflows.categoriesWf,
			workflows.jsonWf,
			ex.loadExample('scheduled'),
			ex.loadExample('chat'),
			ex.loadExample('webhook'),
			...failedRows.workflows({ credential, localFiles }),
		]);
		await app.publish([ex.loadExample('webhook').id, ex.loadExample('chat').id]);
	});
}

module.exports = { setUp, prepareMainInstance };
