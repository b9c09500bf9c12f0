/**
 * A test of the tests: deliberately broken copies of the node (a wrong auth header, a dropped base
 * path, a misspelled field) must fail against the emulator, which is strict by default. The same
 * broken copy passes against an emulator lenient on exactly that point, so it is the strictness
 * that catches the mistake, and the broken copy is otherwise a working node.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ICredentialType, INodeType } from 'n8n-workflow';
import { completionTextFor, startEmulator, type Emulator, type Leniency } from '../support/emulator';
import { runNode } from '../support/harness';

const ROOT = path.join(__dirname, '..', '..');
const MODEL = 'gpt-4o-mini';
const PROMPT = 'Is this node built right?';

interface Mutation {
	/** The mistake, as a developer could make it. */
	label: string;
	/** Source file of the node package, relative to the repo root. */
	file: string;
	from: string;
	to: string;
	/** The one leniency under which the broken copy still works. */
	lenient: Leniency;
	/** What the node reports against the strict emulator. */
	message: string;
	httpCode: string;
}

const MUTATIONS: Mutation[] = [
	{
		label: 'sends the key as X-API-Key instead of Authorization: Bearer',
		file: 'credentials/NanoGptApi.credentials.ts',
		from: "Authorization: '=Bearer {{$credentials.apiKey}}',",
		to: "'X-API-Key': '={{$credentials.apiKey}}',",
		lenient: { apiKeyHeader: true },
		message: 'NanoGPT returned 401: Invalid API key',
		httpCode: '401',
	},
	{
		label: 'drops the base path (new URL(path, baseUrl) resolves /v1/... against the host)',
		file: 'nodes/NanoGpt/transport/credentialSettings.ts',
		from: 'return `${baseUrl}${path}`;',
		to: 'return new URL(path, baseUrl).href;',
		lenient: { routesAtRoot: true },
		message: 'NanoGPT returned 404: Not found',
		httpCode: '404',
	},
	{
		label: 'misspells the temperature field as temprature',
		file: 'nodes/NanoGpt/description/options.ts',
		from: "apiField: 'temperature',",
		to: "apiField: 'temprature',",
		lenient: { unknownFields: true },
		message: 'NanoGPT returned 400: unknown field "temprature"',
		httpCode: '400',
	},
];

const mutantsDir = path.join(ROOT, 'test-artifacts', 'mutants');
let workDir: string;
beforeAll(() => {
	mkdirSync(mutantsDir, { recursive: true });
	workDir = mkdtempSync(path.join(mutantsDir, 'run-'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/**
 * A copy of the node's source (inside the repo, so that it resolves n8n-workflow as the node does)
 * with one mistake in it; jest compiles it like the original.
 */
function buildCopy(name: string, mutation?: Mutation): { node: INodeType; credential: ICredentialType } {
	const dir = path.join(workDir, name);
	for (const folder of ['nodes', 'credentials']) cpSync(path.join(ROOT, folder), path.join(dir, folder), { recursive: true });
	if (mutation) {
		const file = path.join(dir, mutation.file);
		const source = readFileSync(file, 'utf8');
		// Exactly one place to break: if the node changed, this test must be updated, not pass vacuously.
		const found = source.split(mutation.from).length - 1;
		if (found !== 1) throw new Error(`${mutation.file}: expected the mutation point once, found it ${found} times: ${mutation.from}`);
		writeFileSync(file, source.replace(mutation.from, mutation.to));
	}
	/* eslint-disable @typescript-eslint/no-require-imports -- the copies exist only at run time */
	const { NanoGpt } = require(path.join(dir, 'nodes/NanoGpt/NanoGpt.node.ts'));
	const { NanoGptApi } = require(path.join(dir, 'credentials/NanoGptApi.credentials.ts'));
	/* eslint-enable @typescript-eslint/no-require-imports */
	return { node: new NanoGpt(), credential: new NanoGptApi() };
}

async function runAgainst(emulator: Emulator, build: { node: INodeType; credential: ICredentialType }) {
	return await runNode({
		node: build.node,
		credentialTypes: [build.credential],
		credentials: { nanoGptApi: { apiKey: emulator.apiKey, baseUrl: emulator.baseUrl } },
		parameters: {
			operation: 'complete',
			model: { __rl: true, mode: 'id', value: MODEL },
			prompt: '={{ $json.prompt }}',
			options: { temperature: 0.5 },
			requestOptions: { maxRetries: 0 },
		},
		items: [{ prompt: PROMPT }],
	});
}

const expectedText = completionTextFor({ model: MODEL, prompt: PROMPT }).text;

let strict: Emulator;
beforeAll(async () => {
	strict = await startEmulator();
});
afterAll(async () => await strict.close());

test('the unbroken copy passes against the strict emulator (the control)', async () => {
	const { items, error } = await runAgainst(strict, buildCopy('control'));
	expect(error).toBeUndefined();
	expect(items.map((item) => item.json.text)).toEqual([expectedText]);
});

describe.each(MUTATIONS)('a node that $label', (mutation) => {
	let broken: ReturnType<typeof buildCopy>;
	beforeAll(() => {
		broken = buildCopy(mutation.file.replace(/\W+/g, '-'), mutation);
	});

	test('fails against the strict emulator', async () => {
		const { items, error } = await runAgainst(strict, broken);
		expect(items).toEqual([]);
		expect(error?.message).toBe(mutation.message);
		expect(error?.httpCode).toBe(mutation.httpCode);
	});

	test('works against an emulator lenient on that one point', async () => {
		const lenient = await startEmulator({ lenient: mutation.lenient });
		try {
			const { items, error } = await runAgainst(lenient, broken);
			expect(error).toBeUndefined();
			expect(items.map((item) => item.json.text)).toEqual([expectedText]);
		} finally {
			await lenient.close();
		}
	});
});
