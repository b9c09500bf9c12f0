import { parseErrorBody } from '../../../nodes/NanoGpt/transport/completionFailure';
import { checkCredential, redactSecret } from '../../../nodes/NanoGpt/transport/credentialSettings';
import { filterModels } from '../../../nodes/NanoGpt/methods/modelSearch';
import { readOutputSettings, readRequestSettings } from '../../../nodes/NanoGpt/request/runSettings';
import { toErrorJson, toOutputJson, toSimplifiedCompletion } from '../../../nodes/NanoGpt/output/toOutputItem';

const response = {
	id: 'cmpl-9',
	object: 'text_completion',
	model: 'gpt-4o-mini',
	choices: [{ text: '  Hi there \n', index: 0, logprobs: { tokens: ['Hi'] }, finish_reason: 'stop' }],
	usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
	x_nanogpt_pricing: { amount: 0.0012, currency: 'USD', extra: 1 },
};

describe('response mapping', () => {
	it('simplifies text, finish reason, model, id, usage and cost; text verbatim', () => {
		expect(toSimplifiedCompletion(response, { trimText: false, includeLogprobs: false })).toEqual({
			text: '  Hi there \n',
			finishReason: 'stop',
			model: 'gpt-4o-mini',
			id: 'cmpl-9',
			usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7 },
			cost: { amount: 0.0012, currency: 'USD' },
		});
	});

	it('trims on request, adds logprobs when asked, usage null when missing', () => {
		const { usage: _usage, x_nanogpt_pricing: _pricing, ...bare } = response;
		const simplified = toSimplifiedCompletion(bare, { trimText: true, includeLogprobs: true });
		expect(simplified).toMatchObject({ text: 'Hi there', logprobs: { tokens: ['Hi'] }, usage: null });
		expect(simplified).not.toHaveProperty('cost');
	});

	it('keeps input fields and puts the result under the output field; raw when not simplified', () => {
		const settings = readOutputSettings(false, { includeInputFields: true, outputField: 'ai' });
		expect(toOutputJson(response, settings, { sku: 'A1' }, { attempts: 1 })).toEqual({ sku: 'A1', ai: response });
		const simplified = readOutputSettings(true, {});
		expect(toOutputJson(response, simplified, { sku: 'A1' }, { attempts: 3 })).toMatchObject({ text: '  Hi there \n', attempts: 3 });
		expect(toOutputJson(response, simplified, {}, { attempts: 1 })).not.toHaveProperty('attempts');
	});

	it('an item that reused another item\'s request says which, and carries neither usage nor cost', () => {
		const simplified = readOutputSettings(true, { includeInputFields: true, outputField: 'ai' });
		const sent = toOutputJson(response, simplified, { row: 1 }, { attempts: 1 });
		const reused = toOutputJson(response, simplified, { row: 2 }, { reusedFrom: 0 });
		expect(sent.ai).toMatchObject({ usage: expect.any(Object), cost: expect.any(Object) });
		const { usage: _usage, cost: _cost, ...shared } = sent.ai as Record<string, unknown>;
		expect(reused).toEqual({ row: 2, ai: { ...shared, reusedFrom: 0 } });
		// Raw output is the body as NanoGPT sent it, repeated.
		expect(toOutputJson(response, readOutputSettings(false, {}), {}, { reusedFrom: 0 })).toBe(response);
	});

	it('builds error items with status, request ID and attempts', () => {
		const error = { message: 'NanoGPT returned 503: busy', description: 'Request ID: r1', context: { httpCode: '503', requestId: 'r1', attempts: 4 } };
		expect(toErrorJson(error, { includeInputFields: true }, { row: 1 })).toEqual({
			row: 1,
			error: 'NanoGPT returned 503: busy',
			description: 'Request ID: r1',
			httpCode: '503',
			requestId: 'r1',
			attempts: 4,
		});
	});
});

describe('error bodies', () => {
	it.each([
		['spec shape', { error: 400, message: 'temperature too high' }, 'temperature too high', undefined],
		['nested OpenAI shape', { error: { message: 'Too long', type: 'invalid_request_error', code: 'context_length_exceeded' } }, 'Too long', 'context_length_exceeded'],
		['402 insufficient balance', { error: 'Insufficient balance', requiredBalance: 0.0035, status: 402 }, 'Insufficient balance (required balance 0.0035)', undefined],
		['rate limited', { code: 'rate_limited', message: 'Rate limit exceeded' }, 'Rate limit exceeded', 'rate_limited'],
	])('reads the %s', (_label, body, message, code) => {
		const parsed = parseErrorBody(JSON.stringify(body), 'application/json');
		expect(parsed.apiMessage).toBe(message);
		expect(parsed.code).toBe(code);
	});

	it('reads an HTML proxy page by its title', () => {
		const html = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Oops</h1></body></html>';
		expect(parseErrorBody(html, 'text/html').apiMessage).toBe('502 Bad Gateway');
	});
});

describe('key redaction', () => {
	it('replaces the key in every string of an error body, keys included', () => {
		const body = { error: { message: 'bad key sk-9 given', echo: ['sk-9'] }, 'sk-9': 1 };
		expect(redactSecret(body, 'sk-9')).toEqual({
			error: { message: 'bad key [redacted API key] given', echo: ['[redacted API key]'] },
			'[redacted API key]': 1,
		});
	});
});

describe('settings', () => {
	it('checks the credential without ever repeating the key', () => {
		expect(checkCredential({ apiKey: 'sk-1', baseUrl: 'http://127.0.0.1:9/api/' })).toEqual({ baseUrl: 'http://127.0.0.1:9/api', apiKey: 'sk-1' });
		expect(checkCredential({ apiKey: '', baseUrl: 'x' })).toEqual({ problem: expect.stringMatching(/no API key/) });
		const padded = checkCredential({ apiKey: ' sk-secret ', baseUrl: 'https://a' });
		expect(padded).toEqual({ problem: expect.stringMatching(/whitespace/) });
		expect(JSON.stringify(padded)).not.toContain('sk-secret');
		expect(checkCredential({ apiKey: 'k', baseUrl: 'nano-gpt.com/api' })).toEqual({ problem: expect.stringMatching(/http:\/\/ or https:\/\//) });
	});

	it('reads request options with defaults and bounds', () => {
		expect(readRequestSettings({})).toEqual({ concurrency: 0, requestsPerSecond: 23, maxRetries: 3, timeoutMs: 300000, streamIdleTimeoutMs: 60000, reuseIdenticalRequests: false, maxSpendPerRunUsd: 0 });
		expect(readRequestSettings({ maxSpendPerRun: '0.01' }).maxSpendPerRunUsd).toBe(0.01);
		expect(() => readRequestSettings({ maxSpendPerRun: -1 })).toThrow('Invalid value for "Request Options > Max Spend per Run": must be at least 0, got -1');
		expect(readRequestSettings({ reuseIdenticalRequests: "true" }).reuseIdenticalRequests).toBe(true);
		expect(() => readRequestSettings({ reuseIdenticalRequests: "yes" })).toThrow('Invalid value for "Request Options > Reuse Identical Requests": must be true or false, got "yes"');
		expect(readRequestSettings({ concurrency: 0 }).concurrency).toBe(0);
		expect(readRequestSettings({ concurrency: '512' }).concurrency).toBe(512);
		expect(() => readRequestSettings({ concurrency: -1 })).toThrow('Invalid value for "Request Options > Concurrency": must be between 0 and 512, got -1');
		expect(() => readRequestSettings({ concurrency: 513 })).toThrow(/Concurrency.*between 0 and 512, got 513/);
		expect(() => readRequestSettings({ maxRetries: 1.5 })).toThrow(/Max Retries/);
	});

	it('filters models by ID or name, case-insensitive', () => {
		const models = [{ id: 'gpt-4o-mini', name: 'GPT-4o mini' }, { id: 'claude-3', name: 'Claude' }, { id: 'llama' }];
		expect(filterModels(models, 'GPT').map((model) => model.value)).toEqual(['gpt-4o-mini']);
		expect(filterModels(models, 'claude')[0]).toEqual({ name: 'Claude · claude-3', value: 'claude-3', description: undefined });
		expect(filterModels(models, '')).toHaveLength(3);
	});
});
