import { NanoGptApi } from '../../../credentials/NanoGptApi.credentials';
import { NanoGpt } from '../../../nodes/NanoGpt/NanoGpt.node';
import { DEFAULT_MODELS, startEmulator, type Emulator, type ModelInfo } from '../../support/emulator';
import { searchList } from '../../support/harness';
import { credentialsFor } from '../nodeRun';

/** searchModels in n8n-core's LoadOptionsContext, as the editor's model list calls it. */
async function search(emulator: Emulator, filter?: string) {
	const list = await searchList({
		node: new NanoGpt(),
		credentialTypes: [new NanoGptApi()],
		credentials: credentialsFor(emulator),
		method: 'searchModels',
		filter,
	});
	return list.results;
}

describe('model list against the emulator\'s detailed catalogue', () => {
	let emulator: Emulator;
	beforeAll(async () => {
		emulator = await startEmulator();
	});
	afterEach(() => emulator.reset());
	afterAll(async () => await emulator.close());

	it('shows name, id, input / output price per 1M tokens and context length for every model', async () => {
		const results = await search(emulator);
		expect(results.map((result) => result.value).sort()).toEqual(DEFAULT_MODELS.map((model) => model.id).sort());
		// Every figure of every model, written out by hand from the emulator's catalogue (its DEFAULT_MODELS).
		expect(Object.fromEntries(results.map((result) => [result.value, result.name]))).toEqual({
			'chatgpt-4o-latest': 'ChatGPT-4o · $5 / $15 per 1M · 128k context · chatgpt-4o-latest',
			'gpt-4o-mini': 'GPT-4o mini · $0.15 / $0.60 per 1M · 128k context · gpt-4o-mini',
			'claude-3-5-sonnet-20241022': 'Claude 3.5 Sonnet · $3 / $15 per 1M · 200k context · claude-3-5-sonnet-20241022',
			'claude-3-5-haiku-20241022': 'Claude 3.5 Haiku · $0.80 / $4 per 1M · 200k context · claude-3-5-haiku-20241022',
			'meta-llama/llama-3.3-70b-instruct': 'Llama 3.3 70B Instruct · $0.23 / $0.40 per 1M · 131k context · meta-llama/llama-3.3-70b-instruct',
			'deepseek-ai/DeepSeek-V3': 'DeepSeek V3 · $0.38 / $0.89 per 1M · 128k context · deepseek-ai/DeepSeek-V3',
			'qwen/qwen-2.5-72b-instruct': 'Qwen 2.5 72B Instruct · $0.35 / $0.40 per 1M · 131k context · qwen/qwen-2.5-72b-instruct',
			'mistralai/mistral-large': 'Mistral Large · $2 / $6 per 1M · 128k context · mistralai/mistral-large',
		});
		// Sorted as shown, by display name.
		const names = results.map((result) => String(result.name));
		expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base', numeric: true })));
		const [request] = emulator.requests;
		expect(request.path).toBe('/api/v1/models');
		expect(request.query).toMatchObject({ detailed: 'true' });
		expect(request.headers.authorization).toBe(`Bearer ${emulator.apiKey}`);
	});

	it('finds models by display name, not only by id', async () => {
		// "3.5" is only in the display names ("Claude 3.5 Sonnet"), not in the ids ("claude-3-5-...").
		const byName = await search(emulator, 'Claude 3.5');
		expect(byName.map((result) => result.value)).toEqual(['claude-3-5-haiku-20241022', 'claude-3-5-sonnet-20241022']);
		const byNameWords = await search(emulator, '3.5 sonnet');
		expect(byNameWords.map((result) => result.value)).toEqual(['claude-3-5-sonnet-20241022']);
		const byWords = await search(emulator, 'llama 70B');
		expect(byWords.map((result) => result.value)).toEqual(['meta-llama/llama-3.3-70b-instruct']);
		const byId = await search(emulator, 'DEEPSEEK-AI/');
		expect(byId.map((result) => result.value)).toEqual(['deepseek-ai/DeepSeek-V3']);
		expect(await search(emulator, 'no such model')).toEqual([]);
	});
});

describe('model list when the catalogue lacks figures', () => {
	const models: ModelInfo[] = [
		{ id: 'acme/full', name: 'Acme Full', context_length: 32768, pricing: { prompt: 0.5, completion: 1.5 } },
		{ id: 'acme/no-pricing', name: 'Acme No Pricing', context_length: 65536, pricing: null },
		{ id: 'acme/no-context', name: 'Acme No Context', context_length: null, pricing: { prompt: 2, completion: 8 } },
		{ id: 'acme/input-only', name: 'Acme Input Only', pricing: { prompt: 0.07 } },
		{ id: 'acme/bare', name: null, context_length: null, pricing: null },
		{ id: 'acme/euro', name: 'Acme Euro', context_length: 8192, pricing: { prompt: 0.11, completion: 0.28, currency: 'EUR' } },
		{ id: 'acme/free', name: 'Acme Free', context_length: 4096, pricing: { prompt: 0, completion: 0 } },
	];
	let emulator: Emulator;
	beforeAll(async () => {
		emulator = await startEmulator({ models });
	});
	afterAll(async () => await emulator.close());

	it('shows what is known and invents nothing', async () => {
		const names = Object.fromEntries((await search(emulator)).map((result) => [result.value, result.name]));
		expect(names).toEqual({
			'acme/full': 'Acme Full · $0.50 / $1.50 per 1M · 32k context · acme/full',
			'acme/no-pricing': 'Acme No Pricing · 65k context · acme/no-pricing',
			'acme/no-context': 'Acme No Context · $2 / $8 per 1M · acme/no-context',
			'acme/input-only': 'Acme Input Only · $0.07 input per 1M · 128k context · acme/input-only',
			'acme/bare': 'acme/bare',
			'acme/euro': 'Acme Euro · 0.11 EUR / 0.28 EUR per 1M · 8k context · acme/euro',
			// A price of 0 is a price: free, not unknown.
			'acme/free': 'Acme Free · $0 / $0 per 1M · 4k context · acme/free',
		});
	});

	it('the emulator really left the figures out', async () => {
		await search(emulator);
		const response = await fetch(`${emulator.baseUrl}/v1/models?detailed=true`);
		const { data } = (await response.json()) as { data: Array<Record<string, unknown>> };
		const byId = Object.fromEntries(data.map((entry) => [entry.id, entry]));
		expect(byId['acme/no-pricing']).not.toHaveProperty('pricing');
		expect(byId['acme/no-context']).not.toHaveProperty('context_length');
		expect(byId['acme/bare']).not.toHaveProperty('name');
		expect(byId['acme/input-only'].pricing).toEqual({ prompt: 0.07, currency: 'USD', unit: 'per_million_tokens' });
		expect(byId['acme/euro'].pricing).toMatchObject({ currency: 'EUR' });
		expect(byId['acme/free'].pricing).toEqual({ prompt: 0, completion: 0, currency: 'USD', unit: 'per_million_tokens' });
	});
});
