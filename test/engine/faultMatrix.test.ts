/**
 * Fault matrix: every hostile condition, with Continue On Fail off and on, run through
 * n8n-core's real WorkflowExecute (test/support/harness.ts) against the NanoGPT emulator.
 *
 * Each condition runs over three items; only the middle one (item 1) meets the fault, so every
 * case also proves the other items are unaffected, that output stays paired and in order, and
 * how many requests the faulted item cost (= attempts, counted by the emulator).
 */
import * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { NanoGptApi } from '../../credentials/NanoGptApi.credentials';
import { NanoGpt } from '../../nodes/NanoGpt/NanoGpt.node';
import { completionTextFor, startEmulator, type Emulator, type Fault, type StatusFault } from '../support/emulator';
import { runNode, startNode, type RunResult } from '../support/harness';

jest.setTimeout(20_000);

const MODEL = 'gpt-4o-mini';
const FAULT_PROMPT = 'Describe the blue mug (this item meets the fault)';
const PROMPTS = ['Describe the red mug', FAULT_PROMPT, 'Describe the green mug'];
/** The fast request options every case uses unless it says otherwise. */
const FAST = { maxRetries: 1, timeout: 2_000, requestsPerSecond: 0, streamIdleTimeout: 2 };

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => {
	await emu.close();
});
beforeEach(() => emu.reset());

interface RunOptions {
	continueOnFail: boolean;
	stream?: boolean;
	simplify?: boolean;
	requestOptions?: IDataObject;
	baseUrl?: string;
	prompts?: string[];
}

async function run(o: RunOptions): Promise<RunResult> {
	const options: INodeParameters = o.stream ? { stream: true } : {};
	return await runNode({
		node: new NanoGpt(),
		credentialTypes: [new NanoGptApi()],
		credentials: { nanoGptApi: { apiKey: emu.apiKey, baseUrl: o.baseUrl ?? emu.baseUrl } },
		parameters: {
			operation: 'complete',
			model: { __rl: true, mode: 'id', value: MODEL },
			prompt: '={{ $json.prompt }}',
			simplify: o.simplify ?? true,
			options,
			requestOptions: { ...FAST, ...o.requestOptions },
		},
		items: (o.prompts ?? PROMPTS).map((prompt, row) => ({ row, prompt })),
		continueOnFail: o.continueOnFail,
	});
}

const requestsFor = (prompt: string) => emu.requests.filter((r) => r.body?.prompt === prompt);

/** Faults only the FAULT_PROMPT item: `faults[k]` for its attempt k+1, `always` on every attempt. */
function injectFault(spec: { always?: Fault | (() => Fault); faults?: Array<Fault | (() => Fault)> }) {
	emu.setFaultRule((ctx) => {
		if (ctx.body.prompt !== FAULT_PROMPT) return undefined;
		const fault = spec.always ?? spec.faults?.[ctx.attempt - 1];
		return typeof fault === 'function' ? fault() : fault;
	});
}

function expectCleanItem(item: INodeExecutionData, index: number, stream = false) {
	const expected = completionTextFor({ model: MODEL, prompt: PROMPTS[index], ...(stream ? { stream: true } : {}) });
	expect(item.pairedItem).toEqual({ item: index });
	expect(item.json.text).toBe(expected.text);
	expect(item.json.finishReason).toBe(expected.finishReason);
	expect(item.json.attempts).toBeUndefined();
}

/** What the node must report for the faulted item when the condition is a failure. */
interface FailureOutcome {
	/** Exact error message. */
	message: string;
	/** HTTP status as n8n's httpCode (string), or null when NanoGPT never answered. */
	status: number | null;
	/** NanoGPT's (or the network's) error code shown in the description, if any. */
	code?: string;
	/** Whether NanoGPT's X-Request-ID reached the node (it does whenever a status line arrived). */
	requestId: boolean;
	attempts: number;
	/** Text streamed before the failure, when the stream broke off. */
	partialText?: boolean;
}

function expectedDescription(o: FailureOutcome, requestId: string | undefined) {
	return [
		o.requestId ? `Request ID: ${requestId}` : undefined,
		o.code ? `Code: ${o.code}` : undefined,
		`Attempts: ${o.attempts}${o.status ? `, last status ${o.status}` : ''}`,
	]
		.filter(Boolean)
		.join('. ');
}

/** Asserts the whole outcome of one failing condition, Continue On Fail off or on. */
function expectFailure(result: RunResult, o: FailureOutcome, continueOnFail: boolean, stream = false) {
	const faulted = requestsFor(FAULT_PROMPT);
	// Retried exactly as often as the outcome says; the other items were sent once each.
	expect(faulted).toHaveLength(o.attempts);
	expect(requestsFor(PROMPTS[0])).toHaveLength(1);
	expect(requestsFor(PROMPTS[2])).toHaveLength(1);
	const requestId = o.requestId ? (faulted.at(-1)?.id ?? undefined) : undefined;
	if (o.requestId) expect(requestId).toMatch(/^req_\d+$/);
	const description = expectedDescription(o, requestId);
	const httpCode = o.status === null ? null : String(o.status);

	if (!continueOnFail) {
		// The execution fails with a NodeApiError naming item 1, and the node yields no output.
		expect(result.items).toEqual([]);
		const error = result.error!;
		expect(error).toBeDefined();
		expect(error.name).toBe('NodeApiError');
		expect(error.message).toBe(o.message);
		expect(error.description).toBe(description);
		expect(error.httpCode ?? null).toBe(httpCode);
		const context = error.context as IDataObject;
		expect(context.itemIndex).toBe(1);
		expect(context.attempts).toBe(o.attempts);
		expect(context.requestId).toBe(requestId);
		expect(context.code).toBe(o.code);
		// n8n logs the error that stops the run: it carries no text NanoGPT streamed.
		expect(context.partialText).toBeUndefined();
		expect(result.runData.NanoGPT[0].error?.message).toBe(o.message);
		return;
	}

	// Continue On Fail: three items, in order, paired; item 1 is the error, the others are fine.
	expect(result.error).toBeUndefined();
	expect(result.items).toHaveLength(3);
	expectCleanItem(result.items[0], 0, stream);
	expectCleanItem(result.items[2], 2, stream);
	const errorItem = result.items[1];
	expect(errorItem.pairedItem).toEqual({ item: 1 });
	const expected: IDataObject = { error: o.message, description, attempts: o.attempts };
	if (httpCode !== null) expected.httpCode = httpCode;
	if (requestId !== undefined) expected.requestId = requestId;
	if (o.partialText) expected.partialText = expect.any(String);
	expect(errorItem.json).toEqual(expected);
	if (o.partialText) {
		// What streamed before the failure: a non-empty beginning of the text NanoGPT was sending.
		const partial = errorItem.json.partialText as string;
		expect(partial.length).toBeGreaterThan(0);
		expect(completionTextFor({ model: MODEL, prompt: FAULT_PROMPT }).text.startsWith(partial)).toBe(true);
	}
}

/**
 * Asserts a run in which no request reached NanoGPT (the first item fails, Continue On Fail off), or
 * every item failed the same way (on): no HTTP status, paired and in order.
 */
function expectNoItemReachedNanoGpt(
	result: RunResult,
	continueOnFail: boolean,
	expected: { message: string; description: string; attempts: number },
) {
	const { message, description, attempts } = expected;
	expect(emu.requests).toHaveLength(0);
	if (!continueOnFail) {
		expect(result.items).toEqual([]);
		expect(result.error?.name).toBe('NodeApiError');
		expect(result.error?.message).toBe(message);
		expect(result.error?.description).toBe(description);
		expect(result.error?.httpCode ?? null).toBeNull();
		expect((result.error?.context as IDataObject).itemIndex).toBe(0);
		return;
	}
	expect(result.error).toBeUndefined();
	expect(result.items).toEqual([0, 1, 2].map((item) => ({ json: { error: message, description, attempts }, pairedItem: { item } })));
}

const BOTH = [false, true] as const;

// ---------------------------------------------------------------------------------------------
// Error statuses that are never retried
// ---------------------------------------------------------------------------------------------

interface StatusCase {
	name: string;
	fault: Fault;
	outcome: FailureOutcome;
}

const NOT_RETRIED: StatusCase[] = [
	{
		name: '400 in the spec shape {error: 400, message}',
		fault: { status: 400, shape: 'spec', message: 'max_tokens must be at most 16384' },
		outcome: { message: 'NanoGPT returned 400: max_tokens must be at most 16384', status: 400, requestId: true, attempts: 1 },
	},
	{
		name: '400 in the nested OpenAI shape with code context_length_exceeded',
		fault: {
			status: 400,
			shape: 'openai',
			code: 'context_length_exceeded',
			message: "This model's maximum context length is 128000 tokens. However, you requested 130512 tokens.",
		},
		outcome: {
			message: "NanoGPT returned 400: This model's maximum context length is 128000 tokens. However, you requested 130512 tokens.",
			status: 400,
			code: 'context_length_exceeded',
			requestId: true,
			attempts: 1,
		},
	},
	{
		name: '401 invalid key',
		fault: { status: 401, message: 'Invalid API key' },
		outcome: { message: 'NanoGPT returned 401: Invalid API key', status: 401, code: 'invalid_api_key', requestId: true, attempts: 1 },
	},
	{
		name: '402 insufficient balance (string `error`)',
		fault: { status: 402 },
		outcome: {
			// A 402 stops the run (every later request would get it too); the message says what to top up.
			message:
				'NanoGPT returned 402: Insufficient balance (required balance 0.0035). Top up your NanoGPT balance; this run sends no further requests.',
			status: 402,
			requestId: true,
			attempts: 1,
		},
	},
	{
		name: '403 forbidden',
		fault: { status: 403, message: 'This API key may not use this model' },
		outcome: { message: 'NanoGPT returned 403: This API key may not use this model', status: 403, code: 'forbidden', requestId: true, attempts: 1 },
	},
	{
		name: '404 model not found',
		fault: { status: 404, message: 'Model gpt-4o-mini not found' },
		outcome: { message: 'NanoGPT returned 404: Model gpt-4o-mini not found', status: 404, code: 'model_not_found', requestId: true, attempts: 1 },
	},
	{
		name: '413 payload too large',
		fault: { status: 413, message: 'Request body too large' },
		outcome: { message: 'NanoGPT returned 413: Request body too large', status: 413, code: 'request_too_large', requestId: true, attempts: 1 },
	},
];

describe.each(NOT_RETRIED)('$name: not retried', ({ fault, outcome }) => {
	test.each(BOTH)('Continue On Fail %p', async (continueOnFail) => {
		// maxRetries 3 proves these are not retried even when retries are allowed.
		injectFault({ always: fault });
		const result = await run({ continueOnFail, requestOptions: { maxRetries: 3 } });
		expectFailure(result, outcome, continueOnFail);
	});
});

// ---------------------------------------------------------------------------------------------
// Retryable statuses: retried up to Max Retries, success when the fault clears
// ---------------------------------------------------------------------------------------------

const RETRIED: StatusCase[] = [
	{
		name: '429 without Retry-After',
		fault: { status: 429, retryAfter: null },
		outcome: { message: 'NanoGPT returned 429: Rate limit exceeded (after 2 attempts)', status: 429, code: 'rate_limited', requestId: true, attempts: 2 },
	},
	{
		name: '500 internal error',
		fault: { status: 500, message: 'Internal server error' },
		outcome: { message: 'NanoGPT returned 500: Internal server error (after 2 attempts)', status: 500, code: 'internal_error', requestId: true, attempts: 2 },
	},
	{
		name: '502 with an HTML body',
		fault: { status: 502, shape: 'html' },
		outcome: { message: 'NanoGPT returned 502: 502 Bad Gateway (after 2 attempts)', status: 502, requestId: true, attempts: 2 },
	},
	{
		name: '503 service unavailable',
		fault: { status: 503, message: 'Service temporarily unavailable' },
		outcome: {
			message: 'NanoGPT returned 503: Service temporarily unavailable (after 2 attempts)',
			status: 503,
			code: 'service_unavailable',
			requestId: true,
			attempts: 2,
		},
	},
	{
		name: '504 gateway timeout (HTML)',
		fault: { status: 504, shape: 'html' },
		outcome: { message: 'NanoGPT returned 504: 504 Gateway Timeout (after 2 attempts)', status: 504, requestId: true, attempts: 2 },
	},
];

describe.each(RETRIED)('$name: retried', ({ fault, outcome }) => {
	test.each(BOTH)('persistent, Continue On Fail %p: fails after 1 + Max Retries attempts', async (continueOnFail) => {
		injectFault({ always: fault });
		const result = await run({ continueOnFail });
		expectFailure(result, outcome, continueOnFail);
	});

	test.each(BOTH)('once, Continue On Fail %p: the retry succeeds (attempts 2)', async (continueOnFail) => {
		injectFault({ faults: [fault] });
		const result = await run({ continueOnFail });
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(3);
		expectCleanItem(result.items[0], 0);
		expectCleanItem(result.items[2], 2);
		expect(result.items[1].pairedItem).toEqual({ item: 1 });
		expect(result.items[1].json.text).toBe(completionTextFor({ model: MODEL, prompt: FAULT_PROMPT }).text);
		expect(result.items[1].json.attempts).toBe(2);
		expect(requestsFor(FAULT_PROMPT).map((r) => r.status)).toEqual([(fault as StatusFault).status, 200]);
	});
});

test('503 persistent with Max Retries 2: exactly 3 attempts, then the error', async () => {
	injectFault({ always: { status: 503, message: 'Service temporarily unavailable' } });
	const result = await run({ continueOnFail: true, requestOptions: { maxRetries: 2 } });
	expectFailure(
		result,
		{
			message: 'NanoGPT returned 503: Service temporarily unavailable (after 3 attempts)',
			status: 503,
			code: 'service_unavailable',
			requestId: true,
			attempts: 3,
		},
		true,
	);
});

test('Max Retries 0: a 503 fails on the first attempt', async () => {
	injectFault({ always: { status: 503, message: 'Service temporarily unavailable' } });
	const result = await run({ continueOnFail: true, requestOptions: { maxRetries: 0 } });
	expectFailure(
		result,
		{ message: 'NanoGPT returned 503: Service temporarily unavailable', status: 503, code: 'service_unavailable', requestId: true, attempts: 1 },
		true,
	);
});

// ---------------------------------------------------------------------------------------------
// 429 with Retry-After: the wait is honoured in both forms
// ---------------------------------------------------------------------------------------------

describe('429 with Retry-After', () => {
	test.each(BOTH)('in seconds (1), Continue On Fail %p: waits at least 1 s, then succeeds', async (continueOnFail) => {
		injectFault({ faults: [{ status: 429, retryAfter: 1 }] });
		const result = await run({ continueOnFail });
		expect(result.error).toBeUndefined();
		expect(result.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(result.items[1].json.attempts).toBe(2);
		expect(result.items[1].json.text).toBe(completionTextFor({ model: MODEL, prompt: FAULT_PROMPT }).text);
		const [first, second] = requestsFor(FAULT_PROMPT);
		expect([first.status, second.status]).toEqual([429, 200]);
		expect(second.startedAt - first.finishedAt!).toBeGreaterThanOrEqual(990);
		expect(second.startedAt - first.finishedAt!).toBeLessThan(1_900);
	});

	test.each(BOTH)('as an HTTP date, Continue On Fail %p: waits until that date, then succeeds', async (continueOnFail) => {
		let until = 0;
		injectFault({
			faults: [
				() => {
					// HTTP dates have whole seconds: the next whole second at least 1 s away.
					until = Math.ceil((Date.now() + 1_000) / 1_000) * 1_000;
					return { status: 429, retryAfter: new Date(until).toUTCString() };
				},
			],
		});
		const result = await run({ continueOnFail });
		expect(result.error).toBeUndefined();
		expect(result.items[1].json.attempts).toBe(2);
		const [first, second] = requestsFor(FAULT_PROMPT);
		expect(first.status).toBe(429);
		expect(String(first.fault && 'retryAfter' in first.fault ? first.fault.retryAfter : '')).toMatch(/GMT$/);
		expect(second.status).toBe(200);
		expect(second.startedAt).toBeGreaterThanOrEqual(until - 50);
		expect(second.startedAt).toBeLessThan(until + 900);
	});

	// A short Retry-After (at most 2 s) is the per-second limit shared with other runs pushing back:
	// waiting is all it needs, so it does not use up Max Retries and no row is lost to it.
	test.each(BOTH)('short (1 s), four times in a row with Max Retries 0, Continue On Fail %p: waits each time, then succeeds', async (continueOnFail) => {
		injectFault({ faults: Array.from({ length: 4 }, () => ({ status: 429, retryAfter: 1 })) });
		const result = await run({ continueOnFail, requestOptions: { maxRetries: 0 } });
		expect(result.error).toBeUndefined();
		expect(result.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(result.items[1].json.attempts).toBe(5);
		expect(result.items[1].json.text).toBe(completionTextFor({ model: MODEL, prompt: FAULT_PROMPT }).text);
		const faulted = requestsFor(FAULT_PROMPT);
		expect(faulted.map((request) => request.status)).toEqual([429, 429, 429, 429, 200]);
		for (let index = 1; index < faulted.length; index++) {
			expect(faulted[index].startedAt - faulted[index - 1].finishedAt!).toBeGreaterThanOrEqual(990);
		}
	}, 30_000);

	test.each(BOTH)('short (1 s) then a 503 with Max Retries 1, Continue On Fail %p: only the 503 counts, so the second 503 fails it', async (continueOnFail) => {
		const unavailable = { status: 503, message: 'Service temporarily unavailable' };
		injectFault({ faults: [{ status: 429, retryAfter: 1 }, unavailable, unavailable] });
		const result = await run({ continueOnFail });
		expectFailure(
			result,
			{ message: 'NanoGPT returned 503: Service temporarily unavailable (after 3 attempts)', status: 503, code: 'service_unavailable', requestId: true, attempts: 3 },
			continueOnFail,
		);
	}, 30_000);

	test.each(BOTH)('persistent with Retry-After 0, Continue On Fail %p: a budget of its own, 20 retries, then a clear error', async (continueOnFail) => {
		injectFault({ always: { status: 429, retryAfter: 0 } });
		const result = await run({ continueOnFail });
		expectFailure(
			result,
			{
				message:
					'NanoGPT returned 429: Rate limit exceeded (the per-second rate limit refused it 21 times; the node retries such a refusal at most 20 times) (after 21 attempts)',
				status: 429,
				code: 'rate_limited',
				requestId: true,
				attempts: 21,
			},
			continueOnFail,
		);
	});

	test.each(BOTH)('persistent with Retry-After 3 (longer than 2 s), Continue On Fail %p: counts against Max Retries', async (continueOnFail) => {
		injectFault({ always: { status: 429, retryAfter: 3 } });
		const result = await run({ continueOnFail });
		expectFailure(
			result,
			{ message: 'NanoGPT returned 429: Rate limit exceeded (after 2 attempts)', status: 429, code: 'rate_limited', requestId: true, attempts: 2 },
			continueOnFail,
		);
	}, 30_000);

	test.each(BOTH)('longer than the node waits (3600 s), Continue On Fail %p: fails at once, saying so', async (continueOnFail) => {
		injectFault({ always: { status: 429, retryAfter: 3600 } });
		const result = await run({ continueOnFail, requestOptions: { maxRetries: 3 } });
		expectFailure(
			result,
			{
				message: 'NanoGPT returned 429: Rate limit exceeded (Retry-After asks for 3600 s, more than the 120 s the node waits)',
				status: 429,
				code: 'rate_limited',
				requestId: true,
				attempts: 1,
			},
			continueOnFail,
		);
	});

	// A Retry-After the node will not wait for fails that item at once, and must not pause the
	// shared pacer either: the items behind it go on.
	test('longer than the node waits (3600 s): the items behind it are not held for an hour', async () => {
		injectFault({ always: { status: 429, retryAfter: 3600 } });
		const handle = startNode({
			node: new NanoGpt(),
			credentialTypes: [new NanoGptApi()],
			credentials: { nanoGptApi: { apiKey: emu.apiKey, baseUrl: emu.baseUrl } },
			parameters: {
				operation: 'complete',
				model: { __rl: true, mode: 'id', value: MODEL },
				prompt: '={{ $json.prompt }}',
				requestOptions: { ...FAST, concurrency: 1 },
			},
			items: PROMPTS.map((prompt) => ({ prompt })),
			continueOnFail: true,
		});
		let timer: NodeJS.Timeout | undefined;
		const outcome = await Promise.race([
			handle.result,
			new Promise<'stalled'>((resolve) => (timer = setTimeout(() => resolve('stalled'), 3_000))),
		]);
		clearTimeout(timer);
		if (outcome === 'stalled') {
			handle.cancel();
			await handle.result.catch(() => undefined);
		}
		// 'stalled' would mean item 2 was still waiting on the pacer, never sent.
		expect(outcome).not.toBe('stalled');
		expect(requestsFor(PROMPTS[2])).toHaveLength(1);
		const items = (outcome as RunResult).items;
		expect(items).toHaveLength(3);
		expectCleanItem(items[2], 2);
	});
});

// ---------------------------------------------------------------------------------------------
// Network failures
// ---------------------------------------------------------------------------------------------

describe('network failures', () => {
	test.each(BOTH)('connection reset before any response, Continue On Fail %p: retried', async (continueOnFail) => {
		injectFault({ always: { kind: 'reset' } });
		const result = await run({ continueOnFail });
		expectFailure(
			result,
			{ message: 'Could not reach NanoGPT: the connection was reset (after 2 attempts)', status: null, code: 'ECONNRESET', requestId: false, attempts: 2 },
			continueOnFail,
		);
	});

	test.each(BOTH)('connection reset once, Continue On Fail %p: the retry succeeds', async (continueOnFail) => {
		injectFault({ faults: [{ kind: 'reset' }] });
		const result = await run({ continueOnFail });
		expect(result.error).toBeUndefined();
		expect(result.items[1].json.attempts).toBe(2);
		expect(requestsFor(FAULT_PROMPT)).toHaveLength(2);
	});

	test.each(BOTH)('no response (hang) with Timeout 300 ms, Continue On Fail %p: timed out and retried', async (continueOnFail) => {
		injectFault({ always: { kind: 'hang' } });
		const started = Date.now();
		const result = await run({ continueOnFail, requestOptions: { timeout: 300 } });
		expectFailure(
			result,
			{ message: 'Could not reach NanoGPT: no response within 300 ms (after 2 attempts)', status: null, code: 'ETIMEDOUT', requestId: false, attempts: 2 },
			continueOnFail,
		);
		expect(Date.now() - started).toBeGreaterThanOrEqual(600);
		// The node gave up on both hanging requests: the emulator sees each connection close
		// (the last close may arrive a moment after the node returned).
		for (let waited = 0; emu.stats.inFlight > 0 && waited < 1_000; waited += 20) await sleep(20);
		for (const r of requestsFor(FAULT_PROMPT)) expect(r.finishedAt).toBeDefined();
	});

	// Connection refused: the whole base URL is unreachable, so every item meets it. Concurrency 1
	// makes "which item failed first" deterministic with Continue On Fail off.
	async function refusedBaseUrl(): Promise<string> {
		const server = net.createServer();
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const { port } = server.address() as net.AddressInfo;
		await new Promise<void>((resolve) => server.close(() => resolve()));
		return `http://127.0.0.1:${port}/api`;
	}

	test.each(BOTH)('connection refused, Continue On Fail %p: retried, every item reports it', async (continueOnFail) => {
		const baseUrl = await refusedBaseUrl();
		const result = await run({ continueOnFail, baseUrl, requestOptions: { concurrency: 1 } });
		expectNoItemReachedNanoGpt(result, continueOnFail, {
			message: 'Could not reach NanoGPT: the connection was refused (after 2 attempts)',
			description: 'Code: ECONNREFUSED. Attempts: 2',
			attempts: 2,
		});
	});

	// A host name that does not resolve (`.invalid` never does): a configuration error, not retried.
	test.each(BOTH)('host name does not resolve, Continue On Fail %p: not retried, every item reports it', async (continueOnFail) => {
		const result = await run({ continueOnFail, baseUrl: 'http://nanogpt.invalid/api', requestOptions: { concurrency: 1, maxRetries: 3 } });
		expectNoItemReachedNanoGpt(result, continueOnFail, {
			message: 'Could not reach NanoGPT: the host name could not be resolved',
			description: 'Code: ENOTFOUND. Attempts: 1',
			attempts: 1,
		});
	});

	// A cut after the status line and part of the body reaches the node as axios'
	// ERR_BAD_RESPONSE "stream has been aborted": retried like a reset, with its own message.
	test.each(BOTH)('connection reset mid-response (non-streaming), Continue On Fail %p: retried like a reset', async (continueOnFail) => {
		injectFault({ always: { kind: 'reset-mid-body' } });
		const result = await run({ continueOnFail });
		expectFailure(
			result,
			{
				message: "NanoGPT's answer broke off: the connection closed before the whole response arrived (after 2 attempts)",
				status: null,
				code: 'ERR_RESPONSE_ABORTED',
				requestId: false,
				attempts: 2,
			},
			continueOnFail,
		);
	});

	test.each(BOTH)('connection reset mid-response once (non-streaming), Continue On Fail %p: the retry succeeds', async (continueOnFail) => {
		injectFault({ faults: [{ kind: 'reset-mid-body' }] });
		const result = await run({ continueOnFail });
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(3);
		expect(result.items[1].json.attempts).toBe(2);
		expect(result.items[1].json.text).toBe(completionTextFor({ model: MODEL, prompt: FAULT_PROMPT }).text);
	});

	// n8n's NodeApiError replaces any message containing a Node error code (ECONNRESET,
	// ETIMEDOUT, ...) with its generic text; the node's own wording must survive.
	test.each(BOTH)('connection reset mid-stream, Continue On Fail %p: not retried, partial text kept', async (continueOnFail) => {
		injectFault({ always: { kind: 'reset-mid-body', afterChunks: 2 } });
		const result = await run({ continueOnFail, stream: true });
		expectFailure(
			result,
			{
				message: "NanoGPT's stream broke off: the connection closed before the completion finished",
				status: null,
				code: 'ECONNRESET',
				requestId: true,
				attempts: 1,
				partialText: true,
			},
			continueOnFail,
			true,
		);
	});

	// Same for NanoGPT's (or its proxy's) own message when it merely mentions a Node error code.
	test.each(BOTH)('502 whose text body names ETIMEDOUT, Continue On Fail %p: NanoGPT\'s message is kept', async (continueOnFail) => {
		injectFault({ always: { status: 502, shape: 'text', message: 'upstream request failed: connect ETIMEDOUT 10.0.3.7:443' } });
		const result = await run({ continueOnFail });
		expectFailure(
			result,
			{
				message: 'NanoGPT returned 502: upstream request failed: connect ETIMEDOUT 10.0.3.7:443 (after 2 attempts)',
				status: 502,
				requestId: true,
				attempts: 2,
			},
			continueOnFail,
		);
	});
});

// ---------------------------------------------------------------------------------------------
// 200 answers that are not what they should be
// ---------------------------------------------------------------------------------------------

describe('broken 200 answers', () => {
	test.each(BOTH)('malformed JSON, Continue On Fail %p: not retried, INVALID_JSON', async (continueOnFail) => {
		injectFault({ always: { kind: 'malformed-json' } });
		const result = await run({ continueOnFail });
		const faulted = requestsFor(FAULT_PROMPT);
		expect(faulted).toHaveLength(1);
		const message = continueOnFail ? String(result.items[1].json.error) : String(result.error?.message);
		// The error item quotes the first 200 characters of the cut body; the error that stops the run
		// quotes nothing, since n8n logs it. Only the completion's id (the order in which the three
		// requests arrived) and its `created` second vary from run to run.
		const stable = message.replace(/^(.{0,120}"id":"cmpl-)[1-3](",)/, '$1N$2').replace(/("created":)\d{10},/, '$1TIME,');
		expect(stable).toBe(
			continueOnFail
				? 'NanoGPT returned 200: NanoGPT answered with a body that is not a JSON object: ' +
						'{"id":"cmpl-N","object":"text_completion","created":TIME,"model":"gpt-4o-mini","choices":[{"text":' +
						'" Completion 988 for \\"Describe the blue mug (this item meets t\\" from gpt-4o-mini: desk near a '
				: 'NanoGPT returned 200: NanoGPT answered with a body that is not a JSON object',
		);
		expectFailure(result, { message, status: 200, code: 'INVALID_JSON', requestId: true, attempts: 1 }, continueOnFail);
	});

	test.each(BOTH)('200 with empty choices, Continue On Fail %p: not retried, NO_CHOICES', async (continueOnFail) => {
		injectFault({ always: { kind: 'empty-choices' } });
		const result = await run({ continueOnFail });
		expectFailure(
			result,
			{ message: 'NanoGPT returned 200: NanoGPT answered without any completion choices', status: 200, code: 'NO_CHOICES', requestId: true, attempts: 1 },
			continueOnFail,
		);
	});

	test.each(BOTH)('200 without usage, Continue On Fail %p: succeeds with usage null (raw output has no usage)', async (continueOnFail) => {
		injectFault({ always: { kind: 'no-usage' } });
		const result = await run({ continueOnFail });
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(3);
		expectCleanItem(result.items[1], 1);
		expect(result.items[1].json.usage).toBeNull();
		expect(result.items[0].json.usage).toEqual(expect.objectContaining({ totalTokens: expect.any(Number) }));
		expect(requestsFor(FAULT_PROMPT)).toHaveLength(1);

		emu.reset();
		injectFault({ always: { kind: 'no-usage' } });
		const raw = await run({ continueOnFail, simplify: false });
		expect(raw.items[1].json).not.toHaveProperty('usage');
		expect((raw.items[1].json.choices as IDataObject[])[0].text).toBe(completionTextFor({ model: MODEL, prompt: FAULT_PROMPT }).text);
	});

	test.each(BOTH)('a 5 MB response body, Continue On Fail %p: delivered whole', async (continueOnFail) => {
		const bytes = 5 * 1024 * 1024;
		injectFault({ always: { kind: 'huge', bytes } });
		const result = await run({ continueOnFail });
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(3);
		expectCleanItem(result.items[0], 0);
		expectCleanItem(result.items[2], 2);
		const text = result.items[1].json.text as string;
		expect(text).toHaveLength(bytes);
		expect(text.startsWith('lorem ipsum dolor sit amet ')).toBe(true);
		expect(result.items[1].json.finishReason).toBe('length');
		expect(requestsFor(FAULT_PROMPT)).toHaveLength(1);
	});

	test.each(BOTH)('a 5 MB streamed response, Continue On Fail %p: delivered whole', async (continueOnFail) => {
		const bytes = 5 * 1024 * 1024;
		injectFault({ always: { kind: 'huge', bytes } });
		const result = await run({ continueOnFail, stream: true });
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(3);
		expect((result.items[1].json.text as string).length).toBe(bytes);
		expect(result.items[1].json.usage).toEqual(expect.objectContaining({ completionTokens: Math.ceil(bytes / 4) }));
	});
});

// ---------------------------------------------------------------------------------------------
// Streams that go wrong
// ---------------------------------------------------------------------------------------------

describe('server-sent events', () => {
	test.each(BOTH)('truncated stream (no finish, no [DONE]), Continue On Fail %p: not retried, partial text kept', async (continueOnFail) => {
		injectFault({ always: { kind: 'truncated-stream', afterChunks: 2 } });
		const result = await run({ continueOnFail, stream: true });
		expectFailure(
			result,
			{
				message: 'NanoGPT closed the stream before the completion finished (no finish reason and no [DONE])',
				status: null,
				code: 'STREAM_FAILED',
				requestId: true,
				attempts: 1,
				partialText: true,
			},
			continueOnFail,
			true,
		);
	});

	test.each(BOTH)('SSE error event, Continue On Fail %p: not retried, the event\'s status and message', async (continueOnFail) => {
		injectFault({ always: { kind: 'stream-error', afterChunks: 2 } });
		const result = await run({ continueOnFail, stream: true });
		expectFailure(
			result,
			{
				message: 'NanoGPT stream failed: Upstream provider failed (upstream status 500)',
				status: null,
				code: 'upstream_error',
				requestId: true,
				attempts: 1,
				partialText: true,
			},
			continueOnFail,
			true,
		);
	});

	test.each(BOTH)('stream goes silent, Stream Idle Timeout 0.3 s, Continue On Fail %p', async (continueOnFail) => {
		injectFault({ always: { kind: 'stream-stall', afterChunks: 2 } });
		const result = await run({ continueOnFail, stream: true, requestOptions: { streamIdleTimeout: 0.3 } });
		expectFailure(
			result,
			{
				message: "NanoGPT's stream sent nothing for 0.3 s (Stream Idle Timeout)",
				status: null,
				code: 'STREAM_IDLE_TIMEOUT',
				requestId: true,
				attempts: 1,
				partialText: true,
			},
			continueOnFail,
			true,
		);
	});
});
