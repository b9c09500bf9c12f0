import type { StructuredChunk } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';
import { completionTextFor } from '../../support/emulator';
import { emulatorForFile } from '../../support/emulatorForFile';
import { MODEL, completeParameters, runCompletion } from '../nodeRun';

const emulator = emulatorForFile();

const CATEGORIES = ['mugs', 'lamps', 'chairs', 'desks', 'plants', 'rugs'];
/** 120 rows whose prompt only depends on their category: 6 distinct requests. */
const rows = Array.from({ length: 120 }, (_, index) => ({ sku: `SKU-${index}`, category: CATEGORIES[(index * 7) % 6] }));
const categoryPrompt = '={{ "Write a tagline for our " + $json.category + " range" }}';
const reuse = (extra: Record<string, unknown> = {}) =>
	completeParameters({ prompt: categoryPrompt, requestOptions: { reuseIdenticalRequests: true }, ...extra });
const completionRequests = () => emulator.requests.filter((request) => request.path.endsWith('/v1/completions'));
const promptOf = (category: string) => `Write a tagline for our ${category} range`;
const firstIndexOf = (category: string) => rows.findIndex((row) => row.category === category);

async function billedCost(): Promise<number> {
	const response = await fetch(`${emulator.baseUrl}/v1/usage`, { headers: { authorization: `Bearer ${emulator.apiKey}` } });
	return ((await response.json()) as { cost_usd: number }).cost_usd;
}

describe('Reuse Identical Requests (n8n-core, emulator)', () => {
	it('sends 120 rows with 6 distinct prompts as 6 requests, and outputs 120 paired items in order', async () => {
		const { items, error } = await runCompletion({
			emulator,
			items: rows,
			parameters: reuse({ options: { includeInputFields: true } }),
		});
		expect(error).toBeUndefined();
		expect(completionRequests()).toHaveLength(6);
		expect(new Set(completionRequests().map((request) => (request.body as { prompt: string }).prompt))).toEqual(
			new Set(CATEGORIES.map(promptOf)),
		);
		expect(items).toHaveLength(120);
		items.forEach((item, index) => {
			const row = rows[index];
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json).toMatchObject(row);
			const result = item.json.completion as Record<string, unknown>;
			expect(result.text).toBe(completionTextFor({ model: MODEL, prompt: promptOf(row.category) }).text);
			const source = firstIndexOf(row.category);
			if (index === source) {
				expect(result).not.toHaveProperty('reusedFrom');
				expect(result.usage).toEqual(expect.objectContaining({ totalTokens: expect.any(Number) }));
				expect(result.cost).toEqual(expect.objectContaining({ amount: expect.any(Number) }));
			} else {
				expect(result.reusedFrom).toBe(source);
				expect(result).not.toHaveProperty('usage');
				expect(result).not.toHaveProperty('cost');
				const sent = items[source].json.completion as Record<string, unknown>;
				expect([result.id, result.model, result.finishReason]).toEqual([sent.id, sent.model, sent.finishReason]);
			}
		});
		// Sums over the output are what NanoGPT billed.
		const costs = items.map((item) => ((item.json.completion as { cost?: { amount: number } }).cost?.amount ?? 0));
		expect(costs.reduce((sum, amount) => sum + amount, 0)).toBeCloseTo(await billedCost(), 10);
	});

	it('is off by default: 12 rows send 12 requests, and each row gets the completion of its own request', async () => {
		const sent = rows.slice(0, 12);
		// Two rows of each category: with reuse on, only 6 requests would go out.
		expect(new Set(sent.map((row) => row.category)).size).toBe(6);
		const { items, error } = await runCompletion({ emulator, items: sent, parameters: completeParameters({ prompt: categoryPrompt }) });
		expect(error).toBeUndefined();
		expect(completionRequests()).toHaveLength(12);
		expect(items).toHaveLength(12);
		items.forEach((item, index) => {
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json).not.toHaveProperty('reusedFrom');
			expect(item.json.text).toBe(completionTextFor({ model: MODEL, prompt: promptOf(sent[index].category) }).text);
			expect(item.json.usage).toEqual(expect.objectContaining({ totalTokens: expect.any(Number) }));
			expect(item.json.cost).toEqual(expect.objectContaining({ amount: expect.any(Number) }));
		});
		// Each row is a completion of its own: twelve distinct ids, one per request sent.
		expect(new Set(items.map((item) => item.json.id)).size).toBe(12);
	});

	it('a failing shared request fails every item that shares it; retries count once', async () => {
		const items = [{ prompt: 'Flaky [[fault:503]]' }, { prompt: 'Fine' }, { prompt: 'Flaky [[fault:503]]' }, { prompt: 'Flaky [[fault:503]]' }];
		const parameters = completeParameters({ requestOptions: { reuseIdenticalRequests: true, maxRetries: 2 } });
		const withContinue = await runCompletion({ emulator, items, parameters, continueOnFail: true });
		const flakyRequests = () => completionRequests().filter((request) => (request.body as { prompt: string }).prompt.startsWith('Flaky'));
		expect(flakyRequests()).toHaveLength(3);
		expect(withContinue.items).toHaveLength(4);
		expect(withContinue.items.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
		const expectedError = 'NanoGPT returned 503: Service Unavailable (after 3 attempts)';
		expect(withContinue.items[0].json).toMatchObject({ error: expectedError, httpCode: '503', attempts: 3 });
		expect(withContinue.items[0].json).not.toHaveProperty('reusedFrom');
		for (const index of [2, 3]) {
			expect(withContinue.items[index].json).toMatchObject({ error: expectedError, httpCode: '503', attempts: 3, reusedFrom: 0 });
		}
		expect(withContinue.items[1].json.text).toBe(completionTextFor({ model: MODEL, prompt: 'Fine' }).text);

		emulator.reset();
		const withoutContinue = await runCompletion({ emulator, items, parameters });
		expect(withoutContinue.error).toBeInstanceOf(NodeApiError);
		expect(withoutContinue.error?.message).toBe(expectedError);
		expect(flakyRequests()).toHaveLength(3);
	});

	it('with streaming, forwards chunks once, for the item whose request was sent', async () => {
		const chunks: StructuredChunk[] = [];
		const items = [{ prompt: 'Same' }, { prompt: 'Same' }, { prompt: 'Other' }];
		const { items: output, error } = await runCompletion({
			emulator,
			items,
			parameters: completeParameters({ options: { stream: true }, requestOptions: { reuseIdenticalRequests: true } }),
			onChunk: (chunk) => void chunks.push(chunk),
		});
		expect(error).toBeUndefined();
		expect(completionRequests()).toHaveLength(2);
		expect(output.map((item) => item.json.text)).toEqual(items.map(({ prompt }) => completionTextFor({ model: MODEL, prompt }).text));
		expect(output[1].json.reusedFrom).toBe(0);
		const chunkedItems = new Set(chunks.map((chunk) => chunk.metadata.itemIndex));
		expect(chunkedItems).toEqual(new Set([0, 2]));
		expect(chunks.filter((chunk) => chunk.metadata.itemIndex === 0 && chunk.type === 'item').map((chunk) => chunk.content).join('')).toBe(
			output[0].json.text,
		);
	});

	it('with Simplify off, repeats the body NanoGPT sent (same id) for every item that reused it', async () => {
		const { items } = await runCompletion({
			emulator,
			items: [{ prompt: 'Raw' }, { prompt: 'Raw' }],
			parameters: completeParameters({ simplify: false, requestOptions: { reuseIdenticalRequests: true } }),
		});
		expect(completionRequests()).toHaveLength(1);
		expect(items[1].json).toEqual(items[0].json);
		expect(items[0].json).toMatchObject({ id: expect.any(String), usage: expect.any(Object), x_nanogpt_pricing: expect.any(Object) });
		// Equal, not the same object: a later node that changes one item in place leaves the other as it was.
		expect(items[1].json).not.toBe(items[0].json);
		expect(items[1].json.choices).not.toBe(items[0].json.choices);
	});

	it('still rejects an invalid item on its own, before anything is sent, and reuses for the rest', async () => {
		const items = [{ prompt: 'Shared', t: 0.2 }, { prompt: 'Shared', t: 9 }, { prompt: 'Shared', t: 0.2 }];
		const parameters = completeParameters({
			options: { temperature: '={{ $json.t }}' },
			requestOptions: { reuseIdenticalRequests: true },
		});
		const { items: output } = await runCompletion({ emulator, items, parameters, continueOnFail: true });
		expect(completionRequests()).toHaveLength(1);
		expect(output[1].json).toMatchObject({
			error: 'Invalid value for "Options > Temperature" in item 1: must be between 0 and 2, got 9',
			parameter: 'Options > Temperature',
		});
		expect(output[2].json.reusedFrom).toBe(0);

		emulator.reset();
		const failing = await runCompletion({ emulator, items, parameters });
		expect(failing.error?.message).toBe('Invalid value for "Options > Temperature" in item 1: must be between 0 and 2, got 9');
		expect(completionRequests()).toHaveLength(0);
	});

	it('treats different options as different requests, whatever their order', async () => {
		const items = [
			{ prompt: 'Same', bias: '{"50256": -100, "198": 5}' },
			{ prompt: 'Same', bias: '{"198": 5, "50256": -100}' },
			{ prompt: 'Same', bias: '{"198": 6, "50256": -100}' },
		];
		const { items: output } = await runCompletion({
			emulator,
			items,
			parameters: completeParameters({
				tokenControl: { logitBias: '={{ $json.bias }}' },
				requestOptions: { reuseIdenticalRequests: true },
			}),
		});
		expect(completionRequests()).toHaveLength(2);
		expect(output.map((item) => item.json.reusedFrom)).toEqual([undefined, 0, undefined]);
	});

	it('sends items that differ only in Temperature as separate requests', async () => {
		const items = [
			{ prompt: 'Same', t: 0.2 },
			{ prompt: 'Same', t: 0.9 },
			{ prompt: 'Same', t: 0.2 },
		];
		const { items: output, error } = await runCompletion({
			emulator,
			items,
			parameters: completeParameters({ options: { temperature: '={{ $json.t }}' }, requestOptions: { reuseIdenticalRequests: true } }),
		});
		expect(error).toBeUndefined();
		expect(completionRequests().map((request) => (request.body as { temperature: number }).temperature)).toEqual([0.2, 0.9]);
		expect(output.map((item) => item.json.reusedFrom)).toEqual([undefined, undefined, 0]);
	});

	it('items sharing a billed request that failed (no valid JSON) carry its usage and cost once, on the item that sent it', async () => {
		const prompt = '[[json:invalid]] Shared and billed';
		const { items: output, error } = await runCompletion({
			emulator,
			continueOnFail: true,
			items: [{ prompt }, { prompt: '[[json:bare]] Fine' }, { prompt }, { prompt }],
			parameters: completeParameters({ options: { jsonOutput: true, jsonRetries: 1 }, requestOptions: { reuseIdenticalRequests: true } }),
		});
		expect(error).toBeUndefined();
		// The shared prompt went out twice (one retry on invalid JSON), the other once; both completions of
		// the shared prompt were billed.
		const shared = completionRequests().filter((request) => (request.body as { prompt: string }).prompt === prompt);
		expect(shared.map((request) => request.status)).toEqual([200, 200]);
		expect(completionRequests()).toHaveLength(3);
		const failure = 'No valid JSON in the completion of item 0 (Options > Output Content as JSON).';
		expect(String(output[0].json.error).startsWith(failure)).toBe(true);
		expect(output[0].json).toMatchObject({ attempts: 2, usage: { totalTokens: expect.any(Number) }, cost: { amount: expect.any(Number) } });
		for (const index of [2, 3]) {
			expect(output[index].json).toMatchObject({ error: output[0].json.error, attempts: 2, reusedFrom: 0 });
			expect(output[index].json).not.toHaveProperty('usage');
			expect(output[index].json).not.toHaveProperty('cost');
		}
		// Summing over the output gives what NanoGPT billed: the shared failure counts once.
		const costs = output.map((item) => (item.json.cost as { amount?: number } | undefined)?.amount ?? 0);
		expect(costs.reduce((sum, amount) => sum + amount, 0)).toBeCloseTo(await billedCost(), 10);
	});

	it('items with Output Content as JSON that differ only in Retries on Invalid JSON do not share a request', async () => {
		const prompt = '[[json:invalid]] Retries differ';
		const { items: output } = await runCompletion({
			emulator,
			continueOnFail: true,
			items: [
				{ prompt, retries: 0 },
				{ prompt, retries: 1 },
			],
			parameters: completeParameters({
				options: { jsonOutput: true, jsonRetries: '={{ $json.retries }}' },
				requestOptions: { reuseIdenticalRequests: true },
			}),
		});
		// Item 0 sends once, item 1 sends its own request and retries it once: three in all.
		expect(completionRequests()).toHaveLength(3);
		expect(output[0].json).toMatchObject({ attempts: 1, description: expect.stringMatching(/^Sent 1 time \(Options > Retries on Invalid JSON: 0\)/) });
		expect(output[1].json).toMatchObject({ attempts: 2, description: expect.stringMatching(/^Sent 2 times \(Options > Retries on Invalid JSON: 1\)/) });
		expect(output[1].json).not.toHaveProperty('reusedFrom');
	});
});
