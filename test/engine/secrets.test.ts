/**
 * Secrets: the API key never appears in output items (simplified and raw), error
 * messages, descriptions, error cause/context objects n8n stores in execution data, or anything
 * logged. Every fault of the matrix runs with a recognisable key through n8n-core's real
 * WorkflowExecute against the emulator, and everything the execution left behind is searched:
 *  - JSON.stringify of the whole IRun (what n8n persists: runData, resultData.error via toJSON),
 *  - a deep walk of the same objects that also reads non-enumerable properties (Error `cause`,
 *    `stack`, `errorResponse`, `messages`), so a leak hidden from JSON is still found,
 *  - the revived execution error and the output items,
 *  - everything n8n's Logger (root and scoped, via Logger.prototype.log), LoggerProxy and the
 *    console received during the run.
 * Credentials with an empty key, whitespace around the key or a base URL without a scheme give a
 * clear error and no request.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import type { IDataObject } from 'n8n-workflow';

import { NanoGptApi } from '../../credentials/NanoGptApi.credentials';
import { NanoGpt } from '../../nodes/NanoGpt/NanoGpt.node';
import { captureN8nLogs, type LoggedEntry } from '../support/logCapture';
import { completionTextFor, startEmulator, type Emulator, type Fault } from '../support/emulator';
import { runNode, testCredential, type RunResult } from '../support/harness';

jest.setTimeout(30_000);

const KEY = 'sk-nano-SECRET-7f3a9c';
/** The key and a distinctive fragment of it (a partial leak counts too). */
const NEEDLES = [KEY, 'SECRET-7f3a9c'];
const MODEL = 'gpt-4o-mini';

// ---------------------------------------------------------------------------------------------
// Capturing everything that is logged
// ---------------------------------------------------------------------------------------------

const n8nCoreDir = path.dirname(require.resolve('n8n-core/package.json'));
// n8n-core's own copies of its dependencies, so that the test sees the logger n8n-core uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromCore = (id: string) => require(require.resolve(id, { paths: [n8nCoreDir] }));
const { Container } = requireFromCore('@n8n/di');
const { GlobalConfig } = requireFromCore('@n8n/config');

const logged: unknown[] = [];
let restoreLogger: () => void = () => {};
const consoleSpies: jest.SpyInstance[] = [];

beforeAll(() => {
	// Log everything (debug), but into this array instead of a terminal.
	Container.get(GlobalConfig).logging.level = 'debug';
	restoreLogger = captureN8nLogs(logged as LoggedEntry[]).restore;
	Container.get(requireFromCore('@n8n/backend-common').Logger); // the root logger registers itself with n8n-workflow's LoggerProxy
	for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
		consoleSpies.push(jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void logged.push({ console: method, args })));
	}
});
afterAll(() => {
	restoreLogger();
	for (const spy of consoleSpies) spy.mockRestore();
});

// ---------------------------------------------------------------------------------------------
// Searching
// ---------------------------------------------------------------------------------------------

/** Every string reachable from `value`, own properties enumerable or not (Error cause, stack...). */
function reachableStrings(value: unknown, out: string[] = [], seen = new Set<unknown>()): string[] {
	if (typeof value === 'string') {
		out.push(value);
		return out;
	}
	if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'symbol') return out;
	if (value === null || value === undefined || seen.has(value)) return out;
	if (typeof value !== 'object' && typeof value !== 'function') return out;
	seen.add(value);
	if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
		out.push(Buffer.from(value as Uint8Array).toString('latin1'));
		return out;
	}
	if (value instanceof Map) {
		for (const [k, v] of value) {
			reachableStrings(k, out, seen);
			reachableStrings(v, out, seen);
		}
	}
	if (value instanceof Set) for (const v of value) reachableStrings(v, out, seen);
	if (typeof value === 'function') return out; // node classes and hooks: code, not data
	for (const key of Reflect.ownKeys(value as object)) {
		if (typeof key === 'string') out.push(key);
		let child: unknown;
		try {
			child = (value as Record<string | symbol, unknown>)[key];
		} catch {
			continue;
		}
		reachableStrings(child, out, seen);
	}
	return out;
}

function leaks(what: string, value: unknown): string[] {
	const found: string[] = [];
	let json = '';
	try {
		json = JSON.stringify(value) ?? '';
	} catch (error) {
		json = String(error);
	}
	for (const needle of NEEDLES) {
		if (json.includes(needle)) found.push(`${what} (JSON) contains ${needle}`);
		const hit = reachableStrings(value).find((s) => s.includes(needle));
		if (hit !== undefined) found.push(`${what} (deep) contains ${needle} in: ${hit.slice(0, 200)}`);
	}
	return found;
}

function expectNoLeak(result: RunResult, logStart: number) {
	const found = [
		...leaks('execution data (IRun)', result.executionData),
		...leaks('runData', result.runData),
		...leaks('execution error', result.error),
		...leaks('output items', result.items),
		...leaks('logs', logged.slice(logStart)),
	];
	expect(found).toEqual([]);
}

test('the searcher finds a key hidden in a non-enumerable cause, a stack or a log entry (control)', () => {
	const error = new Error('outer', { cause: { config: { headers: { Authorization: `Bearer ${KEY}` } } } });
	expect(JSON.stringify(error)).not.toContain(KEY); // invisible to JSON...
	expect(leaks('control', error).length).toBeGreaterThan(0); // ...but found by the deep walk
	const stack = new Error('x');
	stack.stack = `at request (${KEY})`;
	expect(leaks('control', { stack }).length).toBeGreaterThan(0);
	expect(leaks('control', [{ metadata: new Map([['k', KEY]]) }]).length).toBeGreaterThan(0);
});

// ---------------------------------------------------------------------------------------------
// Every fault, with Continue On Fail off and on, simplified and raw
// ---------------------------------------------------------------------------------------------

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator({ apiKey: KEY });
});
afterAll(async () => {
	await emu.close();
});

interface Case {
	name: string;
	fault?: Fault;
	stream?: boolean;
	/** Point the credential somewhere that refuses connections. */
	refused?: boolean;
}

const CASES: Case[] = [
	{ name: 'success' },
	{ name: 'success, streamed', stream: true },
	{ name: '400 spec shape', fault: { status: 400, shape: 'spec', message: 'max_tokens too large' } },
	{ name: '400 OpenAI shape, context_length_exceeded', fault: { status: 400, shape: 'openai', code: 'context_length_exceeded', message: 'too long' } },
	{ name: '401', fault: { status: 401, message: 'Invalid API key' } },
	{ name: '402 insufficient balance', fault: { status: 402 } },
	{ name: '403', fault: { status: 403 } },
	{ name: '404 model not found', fault: { status: 404 } },
	{ name: '413', fault: { status: 413 } },
	{ name: '429 Retry-After seconds', fault: { status: 429, retryAfter: 0 } },
	{ name: '429 Retry-After HTTP date', fault: { status: 429, retryAfter: new Date(0).toUTCString() } },
	{ name: '500', fault: { status: 500 } },
	{ name: '502 HTML', fault: { status: 502, shape: 'html' } },
	{ name: '503', fault: { status: 503 } },
	{ name: '504', fault: { status: 504 } },
	{ name: 'connection refused', refused: true },
	{ name: 'connection reset', fault: { kind: 'reset' } },
	{ name: 'connection reset mid-response', fault: { kind: 'reset-mid-body' } },
	{ name: 'connection reset mid-stream', fault: { kind: 'reset-mid-body' }, stream: true },
	{ name: 'no response (timeout)', fault: { kind: 'hang' } },
	{ name: 'malformed JSON', fault: { kind: 'malformed-json' } },
	{ name: '200 with empty choices', fault: { kind: 'empty-choices' } },
	{ name: '200 without usage', fault: { kind: 'no-usage' } },
	{ name: 'truncated SSE', fault: { kind: 'truncated-stream' }, stream: true },
	{ name: 'SSE error event', fault: { kind: 'stream-error' }, stream: true },
	{ name: 'stream goes silent', fault: { kind: 'stream-stall' }, stream: true },
	{ name: 'a 2 MB body', fault: { kind: 'huge', bytes: 2 * 1024 * 1024 } },
	{ name: 'a 2 MB streamed body', fault: { kind: 'huge', bytes: 2 * 1024 * 1024 }, stream: true },
];

async function closedPortUrl(): Promise<string> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return `http://127.0.0.1:${port}/api`;
}

/** Short waits, for the faults that need them to end (a hang, a silent stream); long ones otherwise. */
const SHORT_WAITS = { timeout: 300, streamIdleTimeout: 0.3 };
const LONG_WAITS = { timeout: 10_000, streamIdleTimeout: 10 };

function run(o: {
	baseUrl: string;
	prompt: string;
	stream?: boolean;
	continueOnFail: boolean;
	simplify: boolean;
	apiKey?: string;
	waits?: typeof SHORT_WAITS;
}) {
	return runNode({
		node: new NanoGpt(),
		credentialTypes: [new NanoGptApi()],
		credentials: { nanoGptApi: { apiKey: o.apiKey ?? KEY, baseUrl: o.baseUrl } },
		parameters: {
			operation: 'complete',
			model: { __rl: true, mode: 'id', value: MODEL },
			prompt: '={{ $json.prompt }}',
			simplify: o.simplify,
			options: o.stream ? { stream: true, includeInputFields: true } : { includeInputFields: true },
			requestOptions: { maxRetries: 1, requestsPerSecond: 0, ...(o.waits ?? SHORT_WAITS) },
		},
		items: [{ prompt: `${o.prompt} (clean)` }, { prompt: o.prompt }],
		continueOnFail: o.continueOnFail,
	});
}

const VARIANTS = [
	{ continueOnFail: false, simplify: true },
	{ continueOnFail: true, simplify: true },
	{ continueOnFail: true, simplify: false },
];

describe.each(CASES)('$name', ({ name, fault, stream, refused }) => {
	test('the key appears nowhere: Continue On Fail off and on, simplified and raw', async () => {
		emu.reset();
		const prompt = `Secret hygiene: ${name}`;
		if (fault) emu.setFaultRule((ctx) => (ctx.body.prompt === prompt ? fault : undefined));
		const baseUrl = refused ? await closedPortUrl() : emu.baseUrl;
		const logStart = logged.length;
		// The three variants run side by side; each is searched on its own.
		// A 2 MB body on a loaded machine may take longer than the short waits: only the hang and the
		// silent stream need them.
		const kind = (fault as { kind?: string } | undefined)?.kind;
		const waits = kind === 'hang' || kind === 'stream-stall' ? SHORT_WAITS : LONG_WAITS;
		const results = await Promise.all(VARIANTS.map((variant) => run({ baseUrl, prompt, stream, waits, ...variant })));
		for (const [index, result] of results.entries()) {
			const { continueOnFail } = VARIANTS[index];
			// The runs did what the fault says (so the search looked at a real failure or success).
			const failed = continueOnFail ? result.items.some((item) => item.json.error !== undefined) : result.error !== undefined;
			const shouldFail = refused || (fault !== undefined && !['no-usage', 'huge'].includes((fault as { kind?: string }).kind ?? ''));
			expect(failed).toBe(shouldFail);
			expectNoLeak(result, logStart);
		}
		// The key did travel where it belongs: in the Authorization header the emulator received.
		if (!refused) expect(emu.requests.some((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
	});
});

test('n8n logs reach the capture (debug level), so the log search is not vacuous', async () => {
	emu.reset();
	const logStart = logged.length;
	const result = await run({ baseUrl: emu.baseUrl, prompt: 'Secret hygiene: log capture', continueOnFail: false, simplify: true });
	expect(result.error).toBeUndefined();
	expect(logged.length).toBeGreaterThan(logStart);
	expect(reachableStrings(logged).some((s) => /Workflow execution|Running node|Start executing node/.test(s))).toBe(true);
});

// When NanoGPT, or a proxy in front of it, echoes the key in its error body, the node redacts
// its credential's key from everything it surfaces (message, error body, error item, logs).
test.each([false, true])('an error body that echoes the key is redacted (Continue On Fail %p)', async (continueOnFail) => {
	emu.reset();
	const prompt = 'Secret hygiene: echoing proxy';
	emu.setFaultRule((ctx) =>
		ctx.body.prompt === prompt ? { status: 401, message: `Invalid API key provided: ${KEY} (Authorization: Bearer ${KEY})` } : undefined,
	);
	const logStart = logged.length;
	const result = await run({ baseUrl: emu.baseUrl, prompt, continueOnFail, simplify: true });
	const failed = continueOnFail ? String(result.items[1]?.json.error) : String(result.error?.message);
	expect(failed).toMatch(/^NanoGPT returned 401: Invalid API key provided: \S/);
	expect(failed).not.toContain('SECRET');
	expectNoLeak(result, logStart);
});

test('the credential test with a wrong key reports failure without the key', async () => {
	const wrong = 'sk-nano-SECRET-7f3a9c-wrong';
	const result = await testCredential({ credentialType: new NanoGptApi(), data: { apiKey: wrong, baseUrl: emu.baseUrl } });
	expect(result.status).toBe('Error');
	expect(JSON.stringify(result)).not.toContain('SECRET-7f3a9c');
});

// ---------------------------------------------------------------------------------------------
// Credentials that cannot work: a clear error, and no request
// ---------------------------------------------------------------------------------------------

describe('unusable credentials', () => {
	const CREDENTIAL_CASES: Array<{ name: string; apiKey: string; baseUrl?: (emu: Emulator) => string; message: RegExp }> = [
		{ name: 'an empty key', apiKey: '', message: /^The NanoGPT credential has no API key$/ },
		{ name: 'a key of spaces', apiKey: '   ', message: /^The NanoGPT credential has no API key$/ },
		{ name: 'spaces around the key', apiKey: `  ${KEY}  `, message: /API key starts or ends with whitespace/ },
		{ name: 'a line break after the key', apiKey: `${KEY}\n`, message: /API key starts or ends with whitespace/ },
		{ name: 'a base URL without scheme', apiKey: KEY, baseUrl: (e) => e.baseUrl.replace(/^http:\/\//, ''), message: /Base URL must start with http:\/\/ or https:\/\// },
		{ name: 'a base URL with another scheme', apiKey: KEY, baseUrl: (e) => e.baseUrl.replace(/^http:/, 'ftp:'), message: /Base URL must start with http:\/\/ or https:\/\// },
	];

	describe.each(CREDENTIAL_CASES)('$name', ({ apiKey, baseUrl, message }) => {
		test.each([false, true])('Continue On Fail %p: clear error, nothing sent, key not repeated', async (continueOnFail) => {
			emu.reset();
			const logStart = logged.length;
			const result = await run({
				baseUrl: baseUrl ? baseUrl(emu) : emu.baseUrl,
				prompt: 'Secret hygiene: unusable credential',
				continueOnFail,
				simplify: true,
				apiKey,
			});
			expect(emu.requests).toHaveLength(0);
			expect(emu.stats.connections).toBe(0);
			if (continueOnFail) {
				expect(result.error).toBeUndefined();
				expect(result.items).toHaveLength(2);
				result.items.forEach((item, index) => {
					expect(item.pairedItem).toEqual({ item: index });
					expect(String(item.json.error)).toMatch(message);
				});
			} else {
				expect(result.items).toEqual([]);
				expect(result.error?.name).toBe('NodeOperationError');
				expect(result.error?.message).toMatch(message);
			}
			expectNoLeak(result, logStart);
			const text = continueOnFail ? String((result.items[0].json as IDataObject).error) : String(result.error?.message);
			expect(text).not.toContain(KEY.slice(-6));
		});
	});
});

// ---------------------------------------------------------------------------------------------
// Logs carry no prompt and no completion either: failures, JSON output, reuse, a long run's progress
// ---------------------------------------------------------------------------------------------

describe('the logs carry no prompt, no completion and no key', () => {
	/** Every prompt below holds this, so that a prompt logged in part is found too. */
	const PROMPT_MARK = 'Hygiene prompt';

	/**
	 * What `value` holds that it must not: the key, any prompt, any completion text (the first 30
	 * characters of each, so that a part is found too).
	 */
	function leaks(value: unknown, completions: string[], where: string): string[] {
		const needles = [...NEEDLES, PROMPT_MARK, ...completions.map((text) => text.slice(0, 30))];
		const strings = reachableStrings(value);
		return needles.flatMap((needle) => {
			const hit = strings.find((text) => text.includes(needle));
			return hit === undefined ? [] : [`${where} hold "${needle}" in: ${hit.slice(0, 300)}`];
		});
	}

	/** What the node's run put in the logs from `logStart` on that it must not. */
	const logLeaks = (logStart: number, completions: string[]) => leaks(logged.slice(logStart), completions, 'the logs');

	/** What an error that stopped the run holds (message, description, context, cause...) that it must not: n8n logs it. */
	const errorLeaks = (error: Error | undefined, completions: string[]) => leaks(error, completions, 'the error does');

	/** The node's own summary reached the capture: the search looked at the logs of this run. */
	function expectSummaryLogged(logStart: number, items: number) {
		const messages = reachableStrings(logged.slice(logStart));
		expect(messages.some((text) => text.startsWith(`NanoGPT run finished: ${items} items`))).toBe(true);
	}

	/** Texts the emulator answers for these prompts, on their first three attempts, streamed or not. */
	function completionsFor(prompts: string[]): string[] {
		return prompts.flatMap((prompt) =>
			[1, 2, 3].flatMap((attempt) => [false, true].map((stream) => completionTextFor({ model: MODEL, prompt, stream }, attempt).text)),
		);
	}

	function runItems(prompts: Array<{ prompt: string; stream?: boolean }>, continueOnFail: boolean, parameters: Record<string, unknown> = {}) {
		return runNode({
			node: new NanoGpt(),
			credentialTypes: [new NanoGptApi()],
			credentials: { nanoGptApi: { apiKey: KEY, baseUrl: emu.baseUrl } },
			parameters: {
				operation: 'complete',
				model: { __rl: true, mode: 'id', value: MODEL },
				prompt: '={{ $json.prompt }}',
				...parameters,
				options: { stream: '={{ $json.stream === true }}', ...(parameters.options as object) },
				requestOptions: { maxRetries: 1, requestsPerSecond: 0, ...(parameters.requestOptions as object) },
			},
			items: prompts,
			continueOnFail,
		});
	}

	test('the search finds a prompt or a completion in a log entry (control)', () => {
		const start = logged.length;
		logged.push({ level: 'info', message: `item 3 failed: ${PROMPT_MARK} 3`, metadata: {} });
		logged.push({ level: 'debug', message: 'done', metadata: { text: 'the mug holds warm coffee quietly on a desk' } });
		expect(logLeaks(start, ['the mug holds warm coffee quietly on a desk'])).toHaveLength(2);
		logged.splice(start);
	});

	test.each([false, true])('failures (400, retried 503, malformed JSON, cut stream), Continue On Fail %p', async (continueOnFail) => {
		emu.reset();
		const items = [
			{ prompt: `${PROMPT_MARK} F0 [[fault:400]]` },
			{ prompt: `${PROMPT_MARK} F1 [[fault:503x1]]` },
			{ prompt: `${PROMPT_MARK} F2 [[fault:malformed-json]]` },
			{ prompt: `${PROMPT_MARK} F3` },
			{ prompt: `${PROMPT_MARK} F4 [[fault:truncated-stream]]`, stream: true },
		];
		const logStart = logged.length;
		const result = await runItems(items, continueOnFail);
		if (continueOnFail) {
			expect(result.items.map((item) => item.json.error !== undefined)).toEqual([true, false, true, false, true]);
			expect(String(result.items[4].json.partialText).length).toBeGreaterThan(0);
		} else {
			expect(result.error?.message).toMatch(/^NanoGPT returned 400: /);
		}
		expectSummaryLogged(logStart, items.length);
		expect(logLeaks(logStart, completionsFor(items.map(({ prompt }) => prompt)))).toEqual([]);
	});

	test.each([false, true])('Output Content as JSON: valid, invalid and invalid once, Continue On Fail %p', async (continueOnFail) => {
		emu.reset();
		const items = [
			{ prompt: `[[json:bare]] ${PROMPT_MARK} J0` },
			{ prompt: `[[json:invalid-once]] ${PROMPT_MARK} J1` },
			{ prompt: `[[json:invalid]] ${PROMPT_MARK} J2` },
		];
		const logStart = logged.length;
		const result = await runItems(items, continueOnFail, { options: { jsonOutput: true, jsonRetries: 1 } });
		if (continueOnFail) {
			expect(result.items.map((item) => item.json.error !== undefined)).toEqual([false, false, true]);
			expect(result.items[2].json.completionText).toBe(completionTextFor({ model: MODEL, prompt: items[2].prompt }, 2).text);
		} else {
			expect(result.error?.message).toMatch(/^No valid JSON in the completion of item 2 /);
		}
		expectSummaryLogged(logStart, items.length);
		// Without Continue On Fail the item's error stops the execution and n8n logs it: it quotes no text.
		expect(logLeaks(logStart, completionsFor(items.map(({ prompt }) => prompt)))).toEqual([]);
		if (!continueOnFail) expect(errorLeaks(result.error, completionsFor(items.map(({ prompt }) => prompt)))).toEqual([]);
	});

	test.each([
		['a 200 whose body is not JSON', { prompt: `${PROMPT_MARK} T0 [[fault:malformed-json]]` }],
		['a stream cut off after some text', { prompt: `${PROMPT_MARK} T1 [[fault:truncated-stream:6]]`, stream: true }],
		['a stream event that is not JSON', { prompt: `${PROMPT_MARK} T2 [[fault:stream-invalid-json:6]]`, stream: true }],
		['a stream broken by a reset', { prompt: `${PROMPT_MARK} T3 [[fault:reset-mid-body:6]]`, stream: true }],
		['a prompt moderation refuses', { prompt: `${PROMPT_MARK} T4 [[moderation:flag]]` }],
	])('the error that stops the run on %s quotes neither prompt nor completion, and n8n logs none', async (_, item) => {
		emu.reset();
		const logStart = logged.length;
		const result = await runItems([item], false, { routingBillingSafety: { moderation: 'on' } });
		expect(result.error).toBeDefined();
		expectSummaryLogged(logStart, 1);
		const completions = completionsFor([item.prompt]);
		expect(logLeaks(logStart, completions)).toEqual([]);
		expect(errorLeaks(result.error, completions)).toEqual([]);
	});

	test('Reuse Identical Requests: shared successes and a shared failure', async () => {
		emu.reset();
		const items = [
			{ prompt: `${PROMPT_MARK} R0` },
			{ prompt: `${PROMPT_MARK} R1 [[fault:400]]` },
			{ prompt: `${PROMPT_MARK} R0` },
			{ prompt: `${PROMPT_MARK} R1 [[fault:400]]` },
		];
		const logStart = logged.length;
		const result = await runItems(items, true, { requestOptions: { reuseIdenticalRequests: true } });
		expect(result.items.map((item) => item.json.reusedFrom)).toEqual([undefined, undefined, 0, 1]);
		expect(emu.requests).toHaveLength(2);
		expectSummaryLogged(logStart, items.length);
		expect(logLeaks(logStart, completionsFor(items.map(({ prompt }) => prompt)))).toEqual([]);
	});

	test('a long run: its progress lines and summary count failures without quoting them', async () => {
		emu.reset();
		// 102 items (a long run logs progress), every tenth refused with 400; two answer only after
		// 10.5 s and 11 s, so that a progress line is due (10 s after the start) while one is still open.
		const items = Array.from({ length: 102 }, (_, index) => {
			const latency = index === 0 ? '[[latency:10500]] ' : index === 1 ? '[[latency:11000]] ' : '';
			const fault = index % 10 === 5 ? ' [[fault:400]]' : '';
			return { prompt: `${latency}${PROMPT_MARK} L${index}${fault}` };
		});
		const logStart = logged.length;
		const result = await runItems(items, true);
		expect(result.items.filter((item) => item.json.error !== undefined)).toHaveLength(10);
		const messages = reachableStrings(logged.slice(logStart));
		const progress = messages.filter((text) => text.startsWith('NanoGPT progress: '));
		expect(progress).toHaveLength(1);
		expect(progress[0]).toMatch(/^NanoGPT progress: 101 of 102 items done, .*, 10 failed, /);
		expectSummaryLogged(logStart, items.length);
		expect(logLeaks(logStart, completionsFor(items.map(({ prompt }) => prompt)))).toEqual([]);
	});
});
