import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { once } from 'node:events';
import { Agent, request } from 'undici';
import { waitFor } from '../support/timers';
import {
	completionTextFor,
	parseDirectives,
	startEmulator,
	type Emulator,
	type EmulatorOptions,
	type Fault,
} from '../support/emulator';

const KEY = 'sk-nano-test-key';
const AUTH = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const MODEL = 'claude-3-5-sonnet-20241022';

interface Answer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	text: string;
	json: () => any;
	chunks: Buffer[];
}

async function call(
	emu: Emulator,
	body: unknown,
	opts: { headers?: Record<string, string>; path?: string; method?: 'GET' | 'POST'; signal?: AbortSignal; dispatcher?: Agent } = {},
): Promise<Answer> {
	const res = await request(`${emu.baseUrl}${opts.path ?? '/v1/completions'}`, {
		method: opts.method ?? 'POST',
		headers: opts.headers ?? AUTH,
		body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
		signal: opts.signal,
		dispatcher: opts.dispatcher,
	});
	const chunks: Buffer[] = [];
	for await (const chunk of res.body) chunks.push(chunk as Buffer);
	const text = Buffer.concat(chunks).toString('utf8');
	return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text), chunks };
}

/** Parses an SSE body into data payloads and comments (LF or CRLF line ends). */
function parseSse(text: string): { data: string[]; comments: string[] } {
	const data: string[] = [];
	const comments: string[] = [];
	for (const block of text.split(/\r?\n\r?\n/)) {
		for (const line of block.split(/\r?\n/)) {
			if (line.startsWith('data: ')) data.push(line.slice(6));
			else if (line.startsWith(':')) comments.push(line);
		}
	}
	return { data, comments };
}

const streamBody = (prompt: string, extra: object = {}) => ({
	model: MODEL,
	prompt,
	stream: true,
	stream_options: { include_usage: true },
	...extra,
});

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => {
	await emu.close();
});
beforeEach(() => {
	emu.reset();
	emu.setLatency(0);
	emu.setChunkDelay(0);
	emu.setRateLimit(undefined);
});

async function withEmulator<T>(options: EmulatorOptions, fn: (e: Emulator) => Promise<T>): Promise<T> {
	const e = await startEmulator(options);
	try {
		return await fn(e);
	} finally {
		await e.close();
	}
}

describe('addressing and auth', () => {
	test('baseUrl and origin are on 127.0.0.1; routes answer only under the base path', async () => {
		expect(emu.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
		expect(emu.origin).toBe(emu.baseUrl.replace(/\/api$/, ''));
		const body = { model: MODEL, prompt: 'Hi' };
		expect((await call(emu, body)).status).toBe(200);
		for (const route of ['/v1/completions', '/v1/models', '/v1/usage']) {
			const atRoot = await request(`${emu.origin}${route}`, { method: route === '/v1/completions' ? 'POST' : 'GET', headers: AUTH, body: route === '/v1/completions' ? JSON.stringify(body) : undefined });
			expect([route, atRoot.statusCode, await atRoot.body.json()]).toEqual([
				route,
				404,
				{ error: { message: 'Not found', type: 'invalid_request_error', code: 'not_found' } },
			]);
		}
		expect(emu.requests.map((r) => [r.path, r.status])).toEqual([
			['/api/v1/completions', 200],
			['/v1/completions', 404],
			['/v1/models', 404],
			['/v1/usage', 404],
		]);
	});

	test('lenient.routesAtRoot also serves the routes at the root', async () => {
		await withEmulator({ lenient: { routesAtRoot: true } }, async (e) => {
			const atRoot = await request(`${e.origin}/v1/completions`, { method: 'POST', headers: AUTH, body: JSON.stringify({ model: MODEL, prompt: 'Hi' }) });
			expect(atRoot.statusCode).toBe(200);
			await atRoot.body.dump();
			expect((await call(e, { model: MODEL, prompt: 'Hi' })).status).toBe(200);
			expect(e.requests.map((r) => r.path)).toEqual(['/v1/completions', '/api/v1/completions']);
		});
	});

	test('missing or wrong key gets 401 in the nested shape; only Authorization: Bearer carries the key', async () => {
		const body = { model: MODEL, prompt: 'Hi' };
		const shape = { error: { message: 'Invalid API key', type: 'authentication_error', code: 'invalid_api_key' } };
		const missing = await call(emu, body, { headers: { 'content-type': 'application/json' } });
		expect([missing.status, missing.json()]).toEqual([401, shape]);
		const wrong = await call(emu, body, { headers: { authorization: 'Bearer sk-nano-wrong' } });
		expect([wrong.status, wrong.json()]).toEqual([401, shape]);
		const xApiKey = await call(emu, body, { headers: { 'x-api-key': KEY, 'content-type': 'application/json' } });
		expect([xApiKey.status, xApiKey.json()]).toEqual([401, shape]);
		const bareKey = await call(emu, body, { headers: { authorization: KEY, 'content-type': 'application/json' } });
		expect([bareKey.status, bareKey.json()]).toEqual([401, shape]);
		const usage = await call(emu, undefined, { method: 'GET', path: '/v1/usage', headers: { 'x-api-key': KEY } });
		expect([usage.status, usage.json().error.code]).toEqual([401, 'missing_api_key']);
		expect((await call(emu, body)).status).toBe(200);
	});

	test('lenient.apiKeyHeader also accepts X-API-Key', async () => {
		await withEmulator({ lenient: { apiKeyHeader: true } }, async (e) => {
			const body = { model: MODEL, prompt: 'Hi' };
			expect((await call(e, body, { headers: { 'x-api-key': KEY } })).status).toBe(200);
			expect((await call(e, body, { headers: { 'x-api-key': 'sk-nano-wrong' } })).status).toBe(401);
			expect((await call(e, body)).status).toBe(200);
		});
	});

	test('every response carries X-Request-ID matching the record', async () => {
		const a = await call(emu, { model: MODEL, prompt: 'Hi' });
		const b = await call(emu, undefined, { method: 'GET', path: '/nowhere' });
		expect(a.headers['x-request-id']).toBe(emu.requests[0].id);
		expect(b.headers['x-request-id']).toBe(emu.requests[1].id);
		expect(a.headers['x-request-id']).toMatch(/^req_\d+$/);
		expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
	});

	test('requests are recorded with method, path, query, lower-case headers, parsed body and status', async () => {
		await call(emu, { model: MODEL, prompt: 'Hi', temperature: 0.5 }, { path: '/v1/completions?x=1', headers: { ...AUTH, 'X-Custom': 'y' } });
		const [r] = emu.requests;
		expect(r).toMatchObject({ method: 'POST', path: '/api/v1/completions', query: { x: '1' }, status: 200 });
		expect(r.headers['x-custom']).toBe('y');
		expect(r.body).toEqual({ model: MODEL, prompt: 'Hi', temperature: 0.5 });
		expect(typeof r.startedAt).toBe('number');
	});
});

describe('other routes', () => {
	test('GET /v1/models answers any key; detailed=true adds pricing', async () => {
		const plain = await call(emu, undefined, { method: 'GET', path: '/v1/models', headers: {} });
		expect(plain.status).toBe(200);
		const list = plain.json();
		expect(list.object).toBe('list');
		expect(list.data.length).toBeGreaterThanOrEqual(6);
		expect(list.data.map((m: any) => m.id)).toEqual(expect.arrayContaining(['chatgpt-4o-latest', 'gpt-4o-mini', MODEL]));
		expect(Object.keys(list.data[0]).sort()).toEqual(['created', 'id', 'object', 'owned_by']);
		const detailed = (await call(emu, undefined, { method: 'GET', path: '/v1/models?detailed=true', headers: { authorization: 'Bearer bad' } })).json();
		expect(detailed.data[0]).toMatchObject({
			name: expect.any(String),
			context_length: expect.any(Number),
			max_output_tokens: expect.any(Number),
			pricing: { prompt: expect.any(Number), completion: expect.any(Number), currency: 'USD', unit: 'per_million_tokens' },
		});
	});

	test('GET /v1/usage checks the key', async () => {
		const missing = await call(emu, undefined, { method: 'GET', path: '/v1/usage', headers: {} });
		expect([missing.status, missing.json().error.code]).toEqual([401, 'missing_api_key']);
		const bad = await call(emu, undefined, { method: 'GET', path: '/v1/usage', headers: { authorization: 'Bearer nope' } });
		expect([bad.status, bad.json().error.code]).toEqual([401, 'invalid_api_key']);
		const ok = await call(emu, undefined, { method: 'GET', path: '/v1/usage' });
		expect(ok.status).toBe(200);
		expect(ok.json()).toMatchObject({ object: 'usage', requests: expect.any(Number) });
	});

	test('unknown routes get 404 not_found', async () => {
		const r = await call(emu, undefined, { method: 'GET', path: '/v1/completions' });
		expect(r.status).toBe(404);
		expect(r.json()).toEqual({ error: { message: 'Not found', type: 'invalid_request_error', code: 'not_found' } });
	});
});

describe('validation (spec error shape)', () => {
	test.each([
		[{ model: MODEL, prompt: 'x', temperature: 3 }, '/temperature must be <= 2'],
		[{ model: MODEL, prompt: 'x', max_tokens: 0 }, '/max_tokens must be >= 1'],
		[{ model: MODEL, prompt: 'x', top_k: 1.5 }, '/top_k must be integer'],
		[{ model: MODEL }, "must have required property 'prompt'"],
		[{ model: MODEL, prompt: 'x', mirostat_mode: 3 }, '/mirostat_mode must be equal to one of the allowed values'],
	])('%j -> 400 %s', async (body, message) => {
		const r = await call(emu, body);
		expect(r.status).toBe(400);
		expect(r.json()).toEqual({ error: 400, message: expect.stringContaining(message) });
	});

	test('bad JSON gets 400 in the spec shape and the raw body is recorded', async () => {
		const r = await call(emu, '{"model":');
		expect(r.status).toBe(400);
		expect(r.json()).toEqual({ error: 400, message: expect.any(String) });
		expect(emu.requests[0].body).toBe('{"model":');
	});

	test('fields outside the spec are refused by name, a misspelled one included', async () => {
		const r = await call(emu, { model: MODEL, prompt: 'x', user: 'u1', temprature: 0.5 });
		expect([r.status, r.json()]).toEqual([400, { error: 400, message: 'unknown field "user"; unknown field "temprature"' }]);
		const nested = await call(emu, streamBody('x', { stream_options: { include_usage: true, chunk_size: 4 } }));
		expect([nested.status, nested.json()]).toEqual([400, { error: 400, message: '/stream_options: unknown field "chunk_size"' }]);
	});

	test('documented extensions outside the spec (stream_options) are accepted', async () => {
		const r = await call(emu, streamBody('x'));
		expect(r.status).toBe(200);
		expect(r.text).toContain('"usage"');
	});

	test('lenient.unknownFields accepts fields outside the spec', async () => {
		await withEmulator({ lenient: { unknownFields: true } }, async (e) => {
			const r = await call(e, { model: MODEL, prompt: 'x', user: 'u1', n: 1, echo: false });
			expect(r.status).toBe(200);
			// The spec's own rules still apply.
			expect((await call(e, { model: MODEL, prompt: 'x', temperature: 3 })).status).toBe(400);
		});
	});
});

describe('deterministic completions', () => {
	test('text is a function of prompt and model, with non-ASCII content', () => {
		const a = completionTextFor({ model: MODEL, prompt: 'Describe the mug' });
		expect(completionTextFor({ model: MODEL, prompt: 'Describe the mug' })).toEqual(a);
		expect(completionTextFor({ model: 'gpt-4o-mini', prompt: 'Describe the mug' }).text).not.toBe(a.text);
		expect(a.text).toContain('"Describe the mug" from claude-3-5-sonnet-20241022:');
		expect(a.text).toMatch(/\P{ASCII}/u);
		expect(a.tokens.join('')).toBe(a.text);
		expect(a.completionTokens).toBe(a.tokens.length);
		expect(a.completionTokens).toBeGreaterThanOrEqual(10);
		expect(a.promptTokens).toBe(3);
		expect(a.finishReason).toBe('stop');
		expect(completionTextFor({ model: MODEL, prompt: '' }).promptTokens).toBe(1);
	});

	test('non-streaming response matches completionTextFor, with usage and pricing', async () => {
		const body = { model: MODEL, prompt: 'Describe the mug in one sentence.' };
		const expected = completionTextFor(body);
		const r = await call(emu, body);
		expect(r.status).toBe(200);
		expect(r.headers['content-type']).toMatch(/^application\/json/);
		const json = r.json();
		expect(json).toMatchObject({
			id: expect.stringMatching(/^cmpl-/),
			object: 'text_completion',
			created: expect.any(Number),
			model: MODEL,
			choices: [{ text: expected.text, index: 0, logprobs: null, finish_reason: 'stop' }],
			usage: {
				prompt_tokens: expected.promptTokens,
				completion_tokens: expected.completionTokens,
				total_tokens: expected.promptTokens + expected.completionTokens,
			},
			x_nanogpt_pricing: { amount: expect.any(Number), currency: 'USD' },
		});
		expect(json.x_nanogpt_pricing.amount).toBeGreaterThan(0);
	});

	test('max_tokens cuts to that many words with finish_reason length', async () => {
		const body = { model: MODEL, prompt: 'Tell me', max_tokens: 3 };
		const expected = completionTextFor(body);
		expect(expected).toMatchObject({ finishReason: 'length', completionTokens: 3 });
		expect(expected.text.split(' ').filter(Boolean)).toHaveLength(3);
		const json = (await call(emu, body)).json();
		expect(json.choices[0]).toMatchObject({ text: expected.text, finish_reason: 'length' });
		expect(json.usage.completion_tokens).toBe(3);
	});

	test('stop strings cut before the earliest match; include_stop_str_in_output keeps it', async () => {
		const full = completionTextFor({ model: MODEL, prompt: 'Stop test' }).text;
		const cutAt = full.indexOf(' from ');
		const a = completionTextFor({ model: MODEL, prompt: 'Stop test', stop: ['zzz', ' from '] });
		expect(a).toMatchObject({ text: full.slice(0, cutAt), finishReason: 'stop' });
		const b = completionTextFor({ model: MODEL, prompt: 'Stop test', stop: ' from ', include_stop_str_in_output: true });
		expect(b.text).toBe(full.slice(0, cutAt + ' from '.length));
		const json = (await call(emu, { model: MODEL, prompt: 'Stop test', stop: ' from ' })).json();
		expect(json.choices[0]).toMatchObject({ text: a.text, finish_reason: 'stop' });
		// stop beyond max_tokens: length wins
		expect(completionTextFor({ model: MODEL, prompt: 'Stop test', stop: ' from ', max_tokens: 1 }).finishReason).toBe('length');
	});

	test('logprobs are returned when requested', async () => {
		const body = { model: MODEL, prompt: 'Hi', logprobs: true };
		const { tokens } = completionTextFor(body);
		const lp = (await call(emu, body)).json().choices[0].logprobs;
		expect(lp.tokens).toEqual(tokens);
		expect(lp.token_logprobs).toHaveLength(tokens.length);
		expect(lp.text_offset[1]).toBe(tokens[0].length);
		expect(lp.top_logprobs).toBeNull();
	});
});

describe('streaming', () => {
	test('one event per word, finish on the last text event, usage event, pricing, [DONE]', async () => {
		const body = streamBody('Stream the mug story');
		const expected = completionTextFor(body);
		const r = await call(emu, body);
		expect(r.status).toBe(200);
		expect(r.headers['content-type']).toMatch(/^text\/event-stream/);
		const { data } = parseSse(r.text);
		expect(data.at(-1)).toBe('[DONE]');
		const events = data.slice(0, -1).map((d) => JSON.parse(d));
		const textEvents = events.filter((e) => e.choices.length > 0);
		expect(textEvents.map((e) => e.choices[0].text)).toEqual(expected.tokens);
		expect(textEvents.map((e) => e.choices[0].finish_reason)).toEqual([...expected.tokens.slice(1).map(() => null), 'stop']);
		expect(textEvents[0]).toMatchObject({ id: expect.stringMatching(/^cmpl-/), object: 'text_completion', model: MODEL });
		expect(textEvents[0].choices[0]).toEqual({ text: expected.tokens[0], index: 0, logprobs: null, finish_reason: null });
		const last = events.at(-1);
		expect(last.choices).toEqual([]);
		expect(last.usage).toEqual({
			prompt_tokens: expected.promptTokens,
			completion_tokens: expected.completionTokens,
			total_tokens: expected.promptTokens + expected.completionTokens,
		});
		expect(last.x_nanogpt_pricing).toMatchObject({ currency: 'USD' });
	});

	test('streamUsage final-chunk and none; no usage without stream_options.include_usage', async () => {
		const body = streamBody('Usage modes', { max_tokens: 4 });
		await withEmulator({ streamUsage: 'final-chunk', pricing: false }, async (e) => {
			const events = parseSse((await call(e, body)).text).data.slice(0, -1).map((d) => JSON.parse(d));
			expect(events).toHaveLength(4);
			expect(events[3].choices[0].finish_reason).toBe('length');
			expect(events[3].usage).toMatchObject({ completion_tokens: 4 });
			expect(events.some((ev) => 'x_nanogpt_pricing' in ev)).toBe(false);
		});
		await withEmulator({ streamUsage: 'none' }, async (e) => {
			const events = parseSse((await call(e, body)).text).data.slice(0, -1).map((d) => JSON.parse(d));
			expect(events.some((ev) => 'usage' in ev)).toBe(false);
		});
		const { stream_options: _omit, ...noOptIn } = body;
		const events = parseSse((await call(emu, noOptIn)).text).data.slice(0, -1).map((d) => JSON.parse(d));
		expect(events.some((ev) => 'usage' in ev)).toBe(false);
	});

	test('crlf style, keep-alive comments and splits inside UTF-8 characters happen', async () => {
		await withEmulator({ sseStyle: 'crlf', seed: 7 }, async (e) => {
			let comments = 0;
			let splitsInsideChar = 0;
			for (let i = 0; i < 6; i++) {
				const body = streamBody(`Split run ${i} with café`);
				const r = await call(e, body);
				expect(r.text).toContain('\r\n\r\n');
				expect(r.text.replace(/\r\n/g, '')).not.toMatch(/\n/);
				const parsed = parseSse(r.text);
				comments += parsed.comments.length;
				const texts = parsed.data.slice(0, -1).map((d) => JSON.parse(d)).filter((ev) => ev.choices.length).map((ev) => ev.choices[0].text);
				expect(texts.join('')).toBe(completionTextFor(body).text);
				// Where the emulator cut the body into writes, checked on the bytes that arrived: the
				// network may coalesce writes, so what the client read is not where the cuts were.
				const bytes = Buffer.concat(r.chunks);
				const writes = e.requests[i].writes ?? [];
				expect(writes.reduce((sum, n) => sum + n, 0)).toBe(bytes.length);
				let offset = 0;
				for (const length of writes.slice(0, -1)) {
					offset += length;
					if ((bytes[offset] & 0xc0) === 0x80) splitsInsideChar++; // a continuation byte starts the next write
				}
			}
			expect(comments).toBeGreaterThan(0);
			expect(splitsInsideChar).toBeGreaterThan(0);
		});
	});

	test('chunk delay paces events', async () => {
		emu.setChunkDelay(15);
		const body = streamBody('Paced', { max_tokens: 5 });
		const t0 = performance.now();
		await call(emu, body);
		expect(performance.now() - t0).toBeGreaterThanOrEqual(4 * 15 - 5);
	});
});

describe('faults', () => {
	const prompt = 'Fault me please';
	const body = { model: MODEL, prompt };
	const useFault = (fault: Fault) => emu.setFaultRule(() => fault);

	test.each<[Fault, number, (a: Answer) => void]>([
		[{ status: 400 }, 400, (a) => expect(a.json()).toEqual({ error: 400, message: expect.any(String) })],
		[{ status: 401 }, 401, (a) => expect(a.json().error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key', param: null })],
		[{ status: 402 }, 402, (a) => expect(a.json()).toEqual({ error: 'Insufficient balance', requiredBalance: 0.0035, status: 402 })],
		[{ status: 402, code: 'webSearch_balance_required' }, 402, (a) => {
			expect(a.json()).toEqual({ error: 'Web search requires a positive balance', requiredBalance: 0.0035, status: 402, code: 'webSearch_balance_required' });
		}],
		[{ status: 402, code: 'memory_balance_required' }, 402, (a) => expect(a.json()).toMatchObject({ error: 'Memory requires a positive balance', code: 'memory_balance_required' })],
		[{ status: 402, code: 'both_balance_required' }, 402, (a) => expect(a.json().code).toBe('both_balance_required')],
		[{ status: 403 }, 403, (a) => expect(a.json().error).toMatchObject({ message: expect.any(String), type: expect.any(String) })],
		[{ status: 404 }, 404, (a) => expect(a.json().error.code).toBe('model_not_found')],
		[{ status: 413 }, 413, (a) => expect(a.json().error.type).toBe('invalid_request_error')],
		[{ status: 429 }, 429, (a) => {
			expect(a.json()).toEqual({ code: 'rate_limited', message: 'Rate limit exceeded' });
			expect(a.headers['retry-after']).toBe('1');
		}],
		[{ status: 500 }, 500, (a) => expect(a.json().error.type).toBe('server_error')],
		[{ status: 503, retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT' }, 503, (a) => {
			expect(a.json().error.type).toBe('server_error');
			expect(a.headers['retry-after']).toBe('Wed, 21 Oct 2015 07:28:00 GMT');
		}],
		[{ status: 502 }, 502, (a) => {
			expect(a.headers['content-type']).toMatch(/^text\/html/);
			expect(a.text).toContain('502 Bad Gateway');
		}],
		[{ status: 504 }, 504, (a) => expect(a.headers['content-type']).toMatch(/^text\/html/)],
		[{ status: 500, shape: 'text', message: 'oops' }, 500, (a) => expect([a.headers['content-type'], a.text]).toEqual(['text/plain; charset=utf-8', 'oops'])],
		[{ status: 429, shape: 'openai', retryAfter: 3, message: 'Slow down' }, 429, (a) => {
			expect(a.json().error).toMatchObject({ message: 'Slow down', type: 'rate_limit_error' });
			expect(a.headers['retry-after']).toBe('3');
		}],
		[{ status: 503, requestId: 'req_custom' }, 503, (a) => expect(a.headers['x-request-id']).toBe('req_custom')],
		[{ status: 503, requestId: null }, 503, (a) => expect(a.headers['x-request-id']).toBeUndefined()],
	])('status fault %j', async (fault, status, check) => {
		useFault(fault);
		const a = await call(emu, body);
		expect(a.status).toBe(status);
		check(a);
		expect(emu.requests[0].status).toBe(status);
		expect(emu.stats.byStatus[status]).toBe(1);
	});

	test('reset destroys the socket (TCP RST) before any response', async () => {
		useFault({ kind: 'reset' });
		await expect(call(emu, body)).rejects.toMatchObject({ code: 'ECONNRESET' });
		expect(emu.requests[0].status).toBeUndefined();
		await waitFor(() => emu.stats.inFlight === 0);
	});

	test('reset-mid-body sends headers and part of the body', async () => {
		useFault({ kind: 'reset-mid-body' });
		const res = await request(`${emu.baseUrl}/v1/completions`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) });
		expect(res.statusCode).toBe(200);
		await expect(res.body.text()).rejects.toThrow();
		useFault({ kind: 'reset-mid-body' });
		await expect(call(emu, streamBody(prompt))).rejects.toThrow();
	});

	test('hang never answers; a client abort frees the slot', async () => {
		useFault({ kind: 'hang' });
		await expect(call(emu, body, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
		await waitFor(() => emu.stats.inFlight === 0);
		expect(emu.stats.maxInFlight).toBe(1);
		emu.setFaultRule(undefined);
		expect((await call(emu, body)).status).toBe(200);
	});

	test('malformed-json is a 200 JSON content type with invalid JSON', async () => {
		useFault({ kind: 'malformed-json' });
		const a = await call(emu, body);
		expect(a.status).toBe(200);
		expect(a.headers['content-type']).toMatch(/^application\/json/);
		expect(() => a.json()).toThrow();
	});

	test('empty-choices and no-usage', async () => {
		useFault({ kind: 'empty-choices' });
		expect((await call(emu, body)).json()).toMatchObject({ object: 'text_completion', choices: [] });
		useFault({ kind: 'no-usage' });
		const json = (await call(emu, body)).json();
		expect(json.usage).toBeUndefined();
		expect(json.choices[0].text).toBe(completionTextFor(body).text);
	});

	test('huge returns a text of the requested size (default 5 MB)', async () => {
		useFault({ kind: 'huge', bytes: 100_000 });
		expect((await call(emu, body)).json().choices[0].text).toHaveLength(100_000);
		useFault({ kind: 'huge' });
		expect((await call(emu, body)).json().choices[0].text).toHaveLength(5 * 1024 * 1024);
	});

	test('delay adds latency then answers normally', async () => {
		useFault({ kind: 'delay', ms: 80 });
		const t0 = performance.now();
		const a = await call(emu, body);
		expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
		expect(a.json().choices[0].text).toBe(completionTextFor(body).text);
	});

	const streamEvents = (a: Answer) => parseSse(a.text).data;

	test('truncated-stream closes after n events without finish or [DONE]', async () => {
		useFault({ kind: 'truncated-stream', afterChunks: 3 });
		const a = await call(emu, streamBody(prompt));
		const data = streamEvents(a);
		expect(data).toHaveLength(3);
		expect(data.every((d) => JSON.parse(d).choices[0].finish_reason === null)).toBe(true);
	});

	test('stream-error sends an error event then [DONE]', async () => {
		useFault({ kind: 'stream-error', afterChunks: 2 });
		const data = streamEvents(await call(emu, streamBody(prompt)));
		expect(data).toHaveLength(4);
		expect(JSON.parse(data[2])).toMatchObject({
			choices: [{ text: '', index: 0, finish_reason: 'error' }],
			error: { status: 500, message: 'Upstream provider failed', code: 'upstream_error' },
		});
		expect(data[3]).toBe('[DONE]');
	});

	test('stream-invalid-json sends an unparseable event', async () => {
		useFault({ kind: 'stream-invalid-json', afterChunks: 1 });
		const data = streamEvents(await call(emu, streamBody(prompt)));
		expect(() => JSON.parse(data[0])).not.toThrow();
		expect(() => JSON.parse(data[1])).toThrow();
	});

	test('stream-stall keeps the connection open after n events', async () => {
		useFault({ kind: 'stream-stall', afterChunks: 2 });
		const res = await request(`${emu.baseUrl}/v1/completions`, { method: 'POST', headers: AUTH, body: JSON.stringify(streamBody(prompt)) });
		let received = '';
		const reading = (async () => {
			res.body.setEncoding('utf8');
			for await (const chunk of res.body) received += chunk;
		})();
		await waitFor(() => parseSse(received).data.length === 2);
		await sleep(60);
		expect(parseSse(received).data).toHaveLength(2);
		expect(emu.stats.inFlight).toBe(1);
		res.body.destroy();
		await reading.catch(() => undefined);
		await waitFor(() => emu.stats.inFlight === 0);
	});

	test('a client abort mid-stream frees the slot and the emulator keeps serving', async () => {
		emu.setChunkDelay(20);
		const res = await request(`${emu.baseUrl}/v1/completions`, { method: 'POST', headers: AUTH, body: JSON.stringify(streamBody('Abort me')) });
		let received = '';
		const reading = (async () => {
			res.body.setEncoding('utf8');
			for await (const chunk of res.body) received += chunk;
		})();
		await waitFor(() => parseSse(received).data.length >= 2);
		res.body.destroy();
		await reading.catch(() => undefined);
		await waitFor(() => emu.stats.inFlight === 0);
		emu.setChunkDelay(0);
		expect((await call(emu, streamBody('After abort'))).status).toBe(200);
	});

	test('stream faults do not apply to non-streaming requests', async () => {
		useFault({ kind: 'truncated-stream', afterChunks: 1 });
		expect((await call(emu, body)).json().choices[0].text).toBe(completionTextFor(body).text);
	});

	test('a fault rule that throws gives a 500', async () => {
		emu.setFaultRule(() => {
			throw new Error('boom');
		});
		const a = await call(emu, body);
		expect(a.status).toBe(500);
		expect(a.json().error.message).toContain('boom');
	});

	test('the rule sees body, attempt per prompt, index and headers; it wins over directives', async () => {
		const seen: Array<[string, number, number]> = [];
		emu.setFaultRule((ctx) => {
			seen.push([ctx.body.prompt, ctx.attempt, ctx.index]);
			expect(ctx.headers.authorization).toBe(`Bearer ${KEY}`);
			return ctx.body.prompt === 'B' && ctx.attempt === 1 ? { status: 500 } : undefined;
		});
		expect((await call(emu, { model: MODEL, prompt: 'A' })).status).toBe(200);
		expect((await call(emu, { model: MODEL, prompt: 'B' })).status).toBe(500);
		expect((await call(emu, { model: MODEL, prompt: 'B' })).status).toBe(200);
		expect((await call(emu, { model: MODEL, prompt: 'A' })).status).toBe(200);
		expect(seen).toEqual([['A', 1, 0], ['B', 1, 1], ['B', 2, 2], ['A', 2, 3]]);
		emu.setFaultRule(() => ({ status: 418 }));
		expect((await call(emu, { model: MODEL, prompt: 'x [[fault:503]]' })).status).toBe(418);
	});
});

describe('directives', () => {
	test('parseDirectives', () => {
		expect(parseDirectives('Describe the mug [[fault:503x2]]')).toEqual({ faults: [{ fault: { status: 503 }, times: 2 }] });
		expect(parseDirectives('[[fault:502]][[latency:40]][[chunk-delay:5]]')).toEqual({
			faults: [{ fault: { status: 502 }, times: Infinity }],
			latencyMs: 40,
			chunkDelayMs: 5,
		});
		expect(parseDirectives('[[fault:truncated-stream:3x1]] [[fault:huge:10]] [[fault:delay:20]] [[fault:429:7]]').faults).toEqual([
			{ fault: { kind: 'truncated-stream', afterChunks: 3 }, times: 1 },
			{ fault: { kind: 'huge', bytes: 10 }, times: Infinity },
			{ fault: { kind: 'delay', ms: 20 }, times: Infinity },
			{ fault: { status: 429, retryAfter: 7 }, times: Infinity },
		]);
		expect(parseDirectives('no directives [[fault:banana]] [[latency:x]]')).toEqual({ faults: [] });
	});

	test('[[fault:503x2]] fails the first two attempts of that prompt, then answers', async () => {
		const body = { model: MODEL, prompt: 'Describe the mug [[fault:503x2]]' };
		const statuses = [];
		for (let i = 0; i < 3; i++) statuses.push((await call(emu, body)).status);
		expect(statuses).toEqual([503, 503, 200]);
		expect((await call(emu, body)).json().choices[0].text).toBe(completionTextFor(body).text);
		expect(emu.requests[0].body.prompt).toBe(body.prompt);
	});

	test('sequential fault directives and kinds', async () => {
		const body = { model: MODEL, prompt: 'Seq [[fault:429x1]][[fault:resetx1]]' };
		const first = await call(emu, body);
		expect([first.status, first.headers['retry-after']]).toEqual([429, '1']);
		await expect(call(emu, body)).rejects.toThrow();
		expect((await call(emu, body)).status).toBe(200);
	});

	test('[[fault:<status>]] applies on every attempt', async () => {
		const body = { model: MODEL, prompt: 'Always [[fault:400]]' };
		expect((await call(emu, body)).json()).toEqual({ error: 400, message: expect.any(String) });
		expect((await call(emu, body)).status).toBe(400);
	});

	test('[[latency:ms]] delays the answer', async () => {
		const t0 = performance.now();
		await call(emu, { model: MODEL, prompt: 'Slow [[latency:80]]' });
		expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
	});
});

describe('a daily cap', () => {
	test.each([
		['daily_rpd_limit_exceeded', 'Daily request limit exceeded (3/3). Resets at midnight UTC.'],
		['daily_usd_limit_exceeded', 'Daily USD limit exceeded ($3.00/$3.00). Resets at midnight UTC.'],
	] as const)('%s: the requests after the cap get 429, Retry-After to 00:00 UTC and NanoGPT\'s body', async (code, message) => {
		emu.setDailyLimit({ requests: 3, code });
		const statuses: number[] = [];
		let refusal: Answer | undefined;
		for (let n = 0; n < 5; n++) {
			const a = await call(emu, { model: MODEL, prompt: `Row ${n}` });
			statuses.push(a.status);
			refusal ??= a.status === 429 ? a : undefined;
		}
		expect(statuses).toEqual([200, 200, 200, 429, 429]);
		expect(refusal?.json()).toEqual({ error: { message, type: 'rate_limit_error', code, param: null } });
		const day = 24 * 60 * 60 * 1000;
		const toMidnight = (Math.floor(Date.now() / day) * day + day - Date.now()) / 1000;
		expect(Math.abs(Number(refusal?.headers['retry-after']) - toMidnight)).toBeLessThanOrEqual(2);
		// reset() removes the cap.
		emu.reset();
		expect((await call(emu, { model: MODEL, prompt: 'Row 6' })).status).toBe(200);
	});
});

describe('rate limiting, concurrency, connections', () => {
	test('completions beyond N per sliding second get 429 with Retry-After', async () => {
		emu.setRateLimit({ requestsPerSecond: 5, retryAfterSeconds: 2 });
		const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => call(emu, { model: MODEL, prompt: `rl ${i}` })));
		const limited = answers.filter((a) => a.status === 429);
		expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
		expect(limited).toHaveLength(4);
		expect(limited[0].json()).toEqual({ code: 'rate_limited', message: 'Rate limit exceeded' });
		expect(limited[0].headers['retry-after']).toBe('2');
		expect(emu.stats.rateLimited).toBe(4);
		expect(emu.stats.completions).toBe(9);
	});

	test('the window slides: after 1 s requests are admitted again', async () => {
		emu.setRateLimit({ requestsPerSecond: 2 });
		expect((await call(emu, { model: MODEL, prompt: 'a' })).status).toBe(200);
		expect((await call(emu, { model: MODEL, prompt: 'b' })).status).toBe(200);
		expect((await call(emu, { model: MODEL, prompt: 'c' })).status).toBe(429);
		await sleep(1010);
		expect((await call(emu, { model: MODEL, prompt: 'd' })).status).toBe(200);
	});

	test('inFlight and maxInFlight follow concurrent requests', async () => {
		emu.setLatency(100);
		const pending = Promise.all(Array.from({ length: 6 }, (_, i) => call(emu, { model: MODEL, prompt: `c ${i}` })));
		await waitFor(() => emu.stats.inFlight === 6);
		await pending;
		expect(emu.stats).toMatchObject({ inFlight: 0, maxInFlight: 6, completions: 6 });
	});

	test('connections counts TCP connections; keep-alive reuses one', async () => {
		const agent = new Agent({ connections: 1 });
		try {
			for (let i = 0; i < 3; i++) expect((await call(emu, { model: MODEL, prompt: 'ka' }, { dispatcher: agent })).status).toBe(200);
			expect(emu.stats.connections).toBe(1);
		} finally {
			await agent.close();
		}
	});
});

describe('lifecycle', () => {
	test('reset clears requests, stats, attempts and the fault rule', async () => {
		emu.setFaultRule(() => ({ status: 500 }));
		const body = { model: MODEL, prompt: 'Reset me [[fault:503x1]]' };
		await call(emu, body);
		emu.reset();
		expect(emu.requests).toHaveLength(0);
		expect(emu.stats).toMatchObject({ completions: 0, rateLimited: 0, byStatus: {}, maxInFlight: 0, connections: 0 });
		expect((await call(emu, body)).status).toBe(503); // attempt counter restarted, rule gone
		expect((await call(emu, body)).status).toBe(200);
	});

	test('close() ends hanging requests and stalled streams quickly', async () => {
		const e = await startEmulator();
		e.setFaultRule((ctx) => (ctx.body.stream ? { kind: 'stream-stall', afterChunks: 1 } : { kind: 'hang' }));
		e.setLatency(0);
		const hanging = [
			call(e, { model: MODEL, prompt: 'h1' }),
			call(e, { model: MODEL, prompt: 'h2' }),
			call(e, streamBody('h3')),
		].map((p) => p.then(() => 'answered', () => 'failed'));
		await waitFor(() => e.stats.inFlight === 3);
		const t0 = performance.now();
		await e.close();
		expect(performance.now() - t0).toBeLessThan(500);
		expect(await Promise.all(hanging)).toEqual(['failed', 'failed', 'failed']);
		expect(e.stats.inFlight).toBe(0);
	});

	test('close() during latency does not leave timers behind', async () => {
		const e = await startEmulator({ latencyMs: 5000 });
		const p = call(e, { model: MODEL, prompt: 'x' }).catch(() => 'failed');
		await waitFor(() => e.stats.inFlight === 1);
		await e.close();
		expect(await p).toBe('failed');
	});

	test('CLI prints one JSON line and exits on SIGTERM', async () => {
		const child = spawn(process.execPath, [path.join(__dirname, '..', 'support', 'emulator.ts'), '--port', '0', '--key', 'sk-cli', '--latency', '1'], {
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let out = '';
		child.stdout.setEncoding('utf8');
		child.stdout.on('data', (d: string) => (out += d));
		const exited = once(child, 'exit');
		try {
			await waitFor(() => out.includes('\n'), 5000);
			const info = JSON.parse(out.trim());
			expect(info).toEqual({ baseUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/api$/), origin: expect.any(String), apiKey: 'sk-cli' });
			const res = await request(`${info.baseUrl}/v1/completions`, {
				method: 'POST',
				headers: { authorization: 'Bearer sk-cli' },
				body: JSON.stringify({ model: MODEL, prompt: 'cli' }),
			});
			expect(res.statusCode).toBe(200);
			await res.body.dump();
		} finally {
			child.kill('SIGTERM'); // also when an assertion failed, so that jest does not wait for it
		}
		const [code] = await exited;
		expect(code).toBe(0);
		expect(out.trim().split('\n')).toHaveLength(1);
	});
});

// ---------------------------------------------------------------------------------------------

function sleep(ms: number) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}


