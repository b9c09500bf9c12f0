import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { NanoGptApi } from '../../credentials/NanoGptApi.credentials';
import { NanoGpt } from '../../nodes/NanoGpt/NanoGpt.node';
import { PROVIDER_MODEL, expectedRequest, sampleCollections, sampleRuns } from '../support/fieldSamples';
import { completionTextFor } from '../support/emulator';
import { emulatorForFile } from '../support/emulatorForFile';
import { searchList, testCredential } from '../support/harness';
import { MODEL, completeParameters, credentialsFor, prompts, runCompletion, usageOf } from './nodeRun';

const emulator = emulatorForFile();

const completions = () => emulator.requests.filter((request) => request.path.endsWith('/v1/completions'));

describe('Complete Text in n8n-core against the emulator', () => {
	it('sends one request per item with the item\'s prompt and returns paired, simplified items in order', async () => {
		const items = prompts(3);
		const { items: output, error } = await runCompletion({ emulator, items });
		expect(error).toBeUndefined();
		expect(completions().map((request) => (request.body as { prompt: string }).prompt).sort()).toEqual(
			items.map((item) => item.prompt).sort(),
		);
		expect(output).toHaveLength(3);
		output.forEach((item, index) => {
			const expected = completionTextFor({ model: MODEL, prompt: `Row ${index}` });
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json).toEqual({
				text: expected.text,
				finishReason: expected.finishReason,
				model: MODEL,
				id: expect.stringMatching(/^cmpl-/),
				usage: usageOf(expected),
				cost: { amount: expect.any(Number), currency: 'USD' },
			});
		});
	});

	it('sends every API field with its name and type (body, headers, model suffixes), and authenticates with the bearer key', async () => {
		// One request with every field that goes with the others, one for each that NanoGPT refuses with them.
		const runs = sampleRuns();
		for (const [index, samples] of runs.entries()) {
			const { error } = await runCompletion({
				emulator,
				items: [{ prompt: `All fields ${index}` }],
				parameters: completeParameters({ model: { __rl: true, mode: 'id', value: PROVIDER_MODEL }, ...sampleCollections(samples) }),
			});
			expect(error).toBeUndefined();
		}
		expect(completions()).toHaveLength(runs.length);
		for (const [index, request] of completions().entries()) {
			expect(request.status).toBe(200);
			expect(request.headers.authorization).toBe(`Bearer ${emulator.apiKey}`);
			const expected = expectedRequest(runs[index], PROVIDER_MODEL, `All fields ${index}`);
			expect(request.body).toEqual(expected.body);
			for (const [name, value] of Object.entries(expected.headers)) expect(request.headers[name]).toBe(value);
		}
	});

	it('resolves field expressions per item, after which the values are checked', async () => {
		await runCompletion({
			emulator,
			items: [{ prompt: 'a', t: 0.1, stops: ['x', 'y'] }, { prompt: 'b', t: '1.5', stops: 'z' }],
			parameters: completeParameters({
				options: { temperature: '={{ $json.t }}', stop: ['={{ $json.stops }}'] },
				tokenControl: { logitBias: '={{ { "42": 5 } }}', stopTokenIds: '={{ [1, 2] }}' },
			}),
		});
		const bodies = completions()
			.map((request) => request.body as Record<string, unknown>)
			.sort((a, b) => String(a.prompt).localeCompare(String(b.prompt)));
		expect(bodies[0]).toMatchObject({ temperature: 0.1, stop: ['x', 'y'], logit_bias: { '42': 5 }, stop_token_ids: [1, 2] });
		expect(bodies[1]).toMatchObject({ temperature: 1.5, stop: 'z' });
	});

	it('appends the web search suffix and tolerates a trailing slash in the base URL', async () => {
		await runCompletion({
			emulator,
			items: [{ prompt: 'news' }],
			credentials: credentialsFor(emulator, { baseUrl: `${emulator.baseUrl}/` }),
			parameters: completeParameters({ options: { webSearch: 'online/linkup-deep' } }),
		});
		expect(completions()[0].path).toBe('/api/v1/completions');
		expect((completions()[0].body as { model: string }).model).toBe(`${MODEL}:online/linkup-deep`);
	});

	it('keeps the input fields and puts the result under the output field', async () => {
		const { items } = await runCompletion({
			emulator,
			items: [{ sku: 'A1', prompt: 'mug' }],
			parameters: completeParameters({ options: { includeInputFields: true, outputField: 'tagline' } }),
		});
		expect(items[0].json).toMatchObject({ sku: 'A1', prompt: 'mug', tagline: { text: expect.any(String), finishReason: 'stop' } });
	});

	it('returns the response body as the API sent it when Simplify Output is off', async () => {
		const { items } = await runCompletion({
			emulator,
			items: [{ prompt: 'raw' }],
			parameters: completeParameters({ simplify: false, options: { logprobs: 'true' } }),
		});
		expect(items[0].json).toMatchObject({
			object: 'text_completion',
			choices: [{ text: expect.any(String), logprobs: expect.objectContaining({ tokens: expect.any(Array) }) }],
			usage: { prompt_tokens: 1 },
			x_nanogpt_pricing: expect.any(Object),
		});
	});

	describe('validation before any request', () => {
		it.each([
			[{ options: { temperature: 2.5 } }, 'Options > Temperature'],
			[{ options: { maxTokens: '={{ "many" }}' } }, 'Options > Max Tokens'],
			[{ tokenControl: { logitBias: '{oops' } }, 'Token Control > Logit Bias'],
			[{ tokenControl: { stopTokenIds: '1, two' } }, 'Token Control > Stop Token IDs'],
			[{ advancedSampling: { mirostatMode: '={{ 7 }}' } }, 'Advanced Sampling > Mirostat Mode'],
			[{ prompt: '={{ "" }}' }, 'Prompt'],
			[{ model: { __rl: true, mode: 'id', value: '={{ "" }}' } }, 'Model'],
		])('%j fails naming %s and the item, and sends nothing', async (parameters, parameter) => {
			const { error, items } = await runCompletion({
				emulator,
				items: [{ prompt: 'ok' }, { prompt: 'second' }],
				parameters: completeParameters(parameters),
			});
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error?.message).toContain(`"${parameter}"`);
			expect(error?.message).toContain('item 0');
			expect(items).toEqual([]);
			expect(completions()).toHaveLength(0);
		});

		it('names the failing item when only a later item is bad', async () => {
			const { error } = await runCompletion({
				emulator,
				items: [{ prompt: 'fine', t: 1 }, { prompt: 'bad', t: 9 }],
				parameters: completeParameters({ options: { temperature: '={{ $json.t }}' } }),
			});
			expect(error?.message).toBe('Invalid value for "Options > Temperature" in item 1: must be between 0 and 2, got 9');
			expect(completions()).toHaveLength(0);
		});

		it('with Continue On Fail, the bad item becomes an error item and the others are sent', async () => {
			const { items, error } = await runCompletion({
				emulator,
				continueOnFail: true,
				items: [{ prompt: 'fine', t: 1 }, { prompt: 'bad', t: 9 }, { prompt: 'also fine', t: 0 }],
				parameters: completeParameters({ options: { temperature: '={{ $json.t }}' } }),
			});
			expect(error).toBeUndefined();
			expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
			expect(items[1].json.error).toContain('"Options > Temperature" in item 1');
			expect(items[0].json.text).toEqual(expect.any(String));
			expect(items[2].json.text).toEqual(expect.any(String));
			expect(completions()).toHaveLength(2);
		});

		it('keeps the row\'s fields in the error item when Include Input Fields is on', async () => {
			const { items } = await runCompletion({
				emulator,
				continueOnFail: true,
				items: [{ sku: 'A1', prompt: 'bad', t: 9 }],
				parameters: completeParameters({ options: { temperature: '={{ $json.t }}', includeInputFields: true } }),
			});
			expect(items[0].json).toMatchObject({ sku: 'A1', prompt: 'bad', error: expect.stringContaining('Temperature') });
			expect(completions()).toHaveLength(0);
		});
	});

	describe('API failures', () => {
		it.each([
			['400 spec shape', { status: 400, shape: 'spec', message: 'temperature is out of range' }, 'NanoGPT returned 400: temperature is out of range'],
			['400 nested shape', { status: 400, shape: 'openai', message: 'Prompt too long', code: 'context_length_exceeded' }, 'NanoGPT returned 400: Prompt too long'],
			[
				'402 insufficient balance',
				{ status: 402 },
				'NanoGPT returned 402: Insufficient balance (required balance 0.0035). Top up your NanoGPT balance; this run sends no further requests.',
			],
			['404 model not found', { status: 404, message: 'Model gpt-9 does not exist' }, 'NanoGPT returned 404: Model gpt-9 does not exist'],
			['502 HTML page', { status: 502 }, 'NanoGPT returned 502: 502 Bad Gateway'],
		] as const)('%s becomes a NodeApiError with status, NanoGPT\'s message and request ID', async (_label, fault, message) => {
			emulator.setFaultRule(() => ({ ...fault }));
			const { error } = await runCompletion({
				emulator,
				items: [{ prompt: 'x' }],
				parameters: completeParameters({ requestOptions: { maxRetries: 0 } }),
			});
			expect(error).toBeInstanceOf(NodeApiError);
			expect(error?.httpCode).toBe(String(fault.status));
			expect(error?.message).toBe(message);
			expect(error?.description).toContain(`Request ID: ${completions()[0].id}`);
		});

		it('with Continue On Fail, failed items carry the error and the rest go on, paired and in order', async () => {
			const items = prompts(6).map((item, index) => (index % 2 ? { prompt: `${item.prompt} [[fault:401]]` } : item));
			const { items: output, error } = await runCompletion({ emulator, continueOnFail: true, items });
			expect(error).toBeUndefined();
			expect(output).toHaveLength(6);
			output.forEach((item, index) => {
				expect(item.pairedItem).toEqual({ item: index });
				if (index % 2) {
					expect(item.json).toMatchObject({ error: expect.stringContaining('NanoGPT returned 401'), httpCode: '401', requestId: expect.any(String) });
				} else {
					expect(item.json.text).toContain(`Row ${index}`);
				}
			});
		});
	});

	it('never puts the API key in output items or errors', async () => {
		const items = [{ prompt: 'ok' }, { prompt: 'x [[fault:401]]' }, { prompt: 'y [[fault:500]]' }, { prompt: 'z [[fault:reset]]' }];
		const run = await runCompletion({
			emulator,
			continueOnFail: true,
			items,
			parameters: completeParameters({ requestOptions: { maxRetries: 1 } }),
		});
		const failing = await runCompletion({ emulator, items: [{ prompt: 'q [[fault:503]]' }] });
		expect(run.items.filter((item) => item.json.error)).toHaveLength(3);
		const serialized = JSON.stringify([run.executionData, failing.executionData, String(failing.error?.stack)]);
		expect(serialized).toContain('NanoGPT returned 503');
		expect(serialized).not.toContain(emulator.apiKey);
	});

	it('lists the emulator\'s models, filtered by the search text', async () => {
		const all = await searchList({ node: new NanoGpt(), credentialTypes: [new NanoGptApi()], credentials: credentialsFor(emulator), method: 'searchModels' });
		expect(all.results.length).toBeGreaterThan(3);
		const filtered = await searchList({ node: new NanoGpt(), credentialTypes: [new NanoGptApi()], credentials: credentialsFor(emulator), method: 'searchModels', filter: 'LLAMA' });
		expect(filtered.results.length).toBeGreaterThan(0);
		expect(filtered.results.length).toBeLessThan(all.results.length);
		for (const result of filtered.results) expect(`${result.name} ${result.value}`.toLowerCase()).toContain('llama');
	});

	it('passes the credential test with the right key and fails it with a wrong one', async () => {
		const credentialType = new NanoGptApi();
		expect(await testCredential({ credentialType, data: { apiKey: emulator.apiKey, baseUrl: `${emulator.baseUrl}/` } })).toMatchObject({ status: 'OK' });
		const bad = await testCredential({ credentialType, data: { apiKey: 'sk-nano-wrong', baseUrl: emulator.baseUrl } });
		expect(bad.status).toBe('Error');
		// n8n's helper re-authenticates once after a 401, so the bad key may be tried twice.
		expect(new Set(emulator.requests.map((request) => request.path))).toEqual(new Set(['/api/v1/usage']));
		const [good, ...rest] = emulator.requests.map((request) => request.status);
		expect(good).toBe(200);
		expect(rest.length).toBeGreaterThan(0);
		expect(rest.every((status) => status === 401)).toBe(true);
	});
});
