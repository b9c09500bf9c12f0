'use strict';
/* The case table of the e2e suite: every case's name, the --only parts that need it, the lines it applies to. */
const { NAMES: EDITOR, APPLIES_TO: EDITOR_APPLIES_TO } = require('./editor');
const faults = require('./faults');
const failedRows = require('./failedRows');
const routingBilling = require('./routingBilling');
const sharedKey = require('./sharedKey');
const agent = require('./agent');

/** Case names, used both to register the cases and to run them. */
const N = {
	setup: 'setup: build, provision n8n, start the emulator',
	import: 'setup: import the credentials, the nine examples and the fixtures',
	enrich: 'cli: "Enrich spreadsheet rows" enriches every CSV row in order',
	categories: 'cli: "Describe each category once" sends 6 requests for 120 rows (Reuse Identical Requests)',
	json: 'cli: "Extract product attributes as JSON" writes brand, colour and material as columns (Output Content as JSON)',
	scheduled: 'cli: "Scheduled pipeline" writes one briefing per topic into the digest',
	wrongKey: 'cli: a wrong API key fails the run with the API message and no key in output',
	server: 'server: n8n start is ready and the owner can log in',
	chat: 'chat: streaming chat example answers through its public chat endpoint',
	streaming: 'streaming: first chunk reaches the client long before the last is produced',
	tool: 'tool: n8n-nodes-nanogpt.nanoGpt and nanoGptTool are registered, credential type too',
	queueReady: 'queue: redis, main and two workers start',
	queueScheduled: 'queue: the published scheduled pipeline fires on its Schedule Trigger and runs on a worker',
	queueBatch: 'queue: 200 items through a published webhook complete on the workers, all present and in order',
};
/**
 * Every case of the suite: the --only parts that need it and, when not every n8n line has what it
 * tests, `appliesTo(line)`. The cases of a run are registered before anything runs, so a case that
 * does not run (its setup failed, a tool is missing, the run stopped) counts as failed; a case that
 * does not apply to an n8n line is not registered for that line, so it is neither run nor counted.
 */
const CASES = [
	{ name: N.setup, parts: ['cli', 'faults', 'editor', 'streaming', 'queue', 'tool', 'shared'] },
	{ name: N.import, parts: ['cli', 'faults', 'editor', 'streaming', 'tool'] },
	{ name: N.enrich, parts: ['cli'] },
	{ name: N.categories, parts: ['cli'] },
	{ name: N.json, parts: ['cli'] },
	{ name: N.scheduled, parts: ['cli'] },
	{ name: N.wrongKey, parts: ['cli'] },
	{ name: N.server, parts: ['cli', 'editor', 'streaming', 'tool'] },
	{ name: N.chat, parts: ['cli'] },
	{ name: N.streaming, parts: ['streaming'] },
	{ name: N.tool, parts: ['tool'] },
	...Object.values(faults.NAMES).map((name) => ({ name, parts: ['faults'] })),
	...failedRows.CASES,
	...Object.values(routingBilling.NAMES).map((name) => ({ name, parts: ['cli'] })),
	...Object.values(sharedKey.NAMES).map((name) => ({ name, parts: ['shared'] })),
	...Object.values(agent.NAMES).map((name) => ({ name, parts: ['tool'] })),
	...Object.values(agent.EDITOR_NAMES).map((name) => ({ name, parts: ['editor'] })),
	...Object.values(EDITOR).map((name) => ({ name, parts: ['editor'], appliesTo: EDITOR_APPLIES_TO[name] })),
	// Queue mode is covered on n8n 2.x only.
	{ name: N.queueReady, parts: ['queue'], appliesTo: (line) => line.major >= 2 },
	{ name: N.queueScheduled, parts: ['queue'], appliesTo: (line) => line.major >= 2 },
	{ name: N.queueBatch, parts: ['queue'], appliesTo: (line) => line.major >= 2 },
];

/** The names of the cases a run of `line` registers, `want(part)` saying which --only parts it runs. */
const casesFor = (line, want) => CASES.filter((c) => c.parts.some(want) && (!c.appliesTo || c.appliesTo(line))).map((c) => c.name);

module.exports = { N, CASES, casesFor };
