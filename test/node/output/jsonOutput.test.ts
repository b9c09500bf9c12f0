import type { IDataObject, StructuredChunk } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { DEFAULT_MODELS, completionTextFor } from '../../support/emulator';
import { emulatorForFile } from '../../support/emulatorForFile';
import { captureN8nLogs, type LoggedEntry } from '../../support/logCapture';
import { MODEL, completeParameters, runCompletion, usageOf } from '../nodeRun';

const emulator = emulatorForFile({ seed: 3 });

const completions = () => emulator.requests.filter((request) => request.path.endsWith('/v1/completions'));
const jsonParameters = (options: IDataObject = {}, extra: IDataObject = {}) =>
	completeParameters({ options: { jsonOutput: true, ...options }, ...extra });

/** What NanoGPT bills one attempt of a prompt, from the emulator's text and the model's price. */
function billed(prompt: string, attempt = 1, body: IDataObject = {}) {
	const answer = completionTextFor({ model: MODEL, prompt, ...body }, attempt);
	const price = DEFAULT_MODELS.find((model) => model.id === MODEL)!.pricing!;
	return {
		promptTokens: answer.promptTokens,
		completionTokens: answer.completionTokens,
		amount: (answer.promptTokens * price.prompt! + answer.completionTokens * price.completion!) / 1e6,
	};
}

describe('Output Content as JSON in n8n-core against the emulator', () => {
	it.each(['bare', 'fenced', 'prose'])('finds the JSON of a %s answer: data beside the text, one request', async (shape) => {
		const prompt = `[[json:${shape}]] Describe the walnut lamp`;
		const expected = completionTextFor({ model: MODEL, prompt });
		expect(expected.json).toEqual(expect.objectContaining({ note: expect.stringContaining('} and a {') }));
		const { items, error } = await runCompletion({ emulator, items: [{ prompt }], parameters: jsonParameters() });
		expect(error).toBeUndefined();
		expect(items[0].json).toEqual({
			text: expected.text,
			data: expected.json,
			finishReason: 'stop',
			model: MODEL,
			id: expect.stringMatching(/^cmpl-/),
			usage: usageOf(expected),
			cost: { amount: expect.any(Number), currency: 'USD' },
		});
		expect(completions()).toHaveLength(1);
	});

	it('puts text and data under the Output Field with the rest of the result when Include Input Fields is on', async () => {
		const prompt = '[[json:fenced:brand,colour,material]] Walnut Desk Lamp';
		const { items } = await runCompletion({
			emulator,
			items: [{ sku: 'LMP-014', prompt }],
			parameters: jsonParameters({ includeInputFields: true, outputField: 'attributes' }),
		});
		const expected = completionTextFor({ model: MODEL, prompt });
		expect(Object.keys(expected.json as object)).toEqual(['brand', 'colour', 'material']);
		expect(items[0].json).toEqual({
			sku: 'LMP-014',
			prompt,
			attributes: expect.objectContaining({ text: expected.text, data: expected.json, finishReason: 'stop' }),
		});
	});

	it('leaves the raw body exactly as NanoGPT sent it when Simplify Output is off', async () => {
		const { items } = await runCompletion({
			emulator,
			items: [{ prompt: '[[json:invalid]] raw' }],
			parameters: jsonParameters({}, { simplify: false }),
		});
		expect(items[0].json).toMatchObject({ object: 'text_completion', choices: [{ text: expect.stringContaining("{'id'") }] });
		expect(items[0].json).not.toHaveProperty('data');
		expect(completions()).toHaveLength(1);
	});

	it('applies Trim Text to the text only; the text is parsed as it came', async () => {
		const prompt = '[[json:bare]] trimmed';
		const { items } = await runCompletion({ emulator, items: [{ prompt }], parameters: jsonParameters({ trimText: true }) });
		const expected = completionTextFor({ model: MODEL, prompt });
		expect(items[0].json).toMatchObject({ text: expected.text.trim(), data: expected.json });
	});

	describe('no valid JSON', () => {
		it('fails the item naming the option and the item after one retry by default; the error that stops the run quotes no text', async () => {
			const prompt = '[[json:invalid]] Self-Watering Planter';
			const { error, items } = await runCompletion({
				emulator,
				items: [{ prompt: '[[json:bare]] fine' }, { prompt }],
				parameters: jsonParameters(),
			});
			const text = completionTextFor({ model: MODEL, prompt }).text;
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error?.message).toBe('No valid JSON in the completion of item 1 (Options > Output Content as JSON).');
			expect(error?.description).toBe(
				'Sent 2 times (Options > Retries on Invalid JSON: 1), each completion billed. Ask for JSON only, for example "Answer with a JSON object and nothing else". Attempts: 2. The text is left out of this error, which n8n logs; with On Error set to a Continue mode, the error item carries it as completionText.',
			);
			expect(JSON.stringify(error)).not.toContain(text.slice(0, 30));
			expect(items).toEqual([]);
			expect(completions().filter((request) => (request.body as { prompt: string }).prompt === prompt)).toHaveLength(2);
		});

		it('the error item quotes the text, and only the first 200 characters of a long one', async () => {
			const prompt = '[[json:invalid]] long';
			emulator.setFaultRule(() => ({ kind: 'huge', bytes: 5000 }));
			const { items } = await runCompletion({ emulator, items: [{ prompt }], parameters: jsonParameters({ jsonRetries: 0 }), continueOnFail: true });
			// The huge answer is cut by length: no retry, and the error says why.
			expect(items[0].json.error).toBe(
				`No valid JSON in the completion of item 0 (Options > Output Content as JSON): Max Tokens cut the text off (finish reason "length"). The text begins (first 200 characters): "${'lorem ipsum dolor sit amet '.repeat(8).slice(0, 200)}…"`,
			);
		});

		it('with Continue On Fail gives the whole text of a long completion as completionText, not the quoted excerpt', async () => {
			emulator.setFaultRule(() => ({ kind: 'huge', bytes: 5000 }));
			const { items } = await runCompletion({
				emulator,
				continueOnFail: true,
				items: [{ prompt: '[[json:invalid]] long' }],
				parameters: jsonParameters({ jsonRetries: 0 }),
			});
			// The emulator's huge answer: its 27-character unit repeated, cut at 5000 characters.
			const whole = 'lorem ipsum dolor sit amet '.repeat(186).slice(0, 5000);
			expect(items[0].json.completionText).toBe(whole);
			expect(String(items[0].json.error)).toContain(`"${whole.slice(0, 200)}…"`);
			expect(String(items[0].json.error)).not.toContain(whole.slice(0, 201));
		});

		it('with Continue On Fail gives an error item with completionText and attempts, beside the input fields', async () => {
			const prompt = '[[json:invalid]] Waxed Canvas Tote';
			const { error, items } = await runCompletion({
				emulator,
				continueOnFail: true,
				items: [{ sku: 'BAG-203', prompt }, { sku: 'MUG-001', prompt: '[[json:prose]] Stoneware Mug' }],
				parameters: jsonParameters({ includeInputFields: true, jsonRetries: 2 }),
			});
			expect(error).toBeUndefined();
			const text = completionTextFor({ model: MODEL, prompt }).text;
			// The three completions were billed: the error item carries their usage and cost.
			const once = billed(prompt);
			expect(items[0].json).toEqual({
				sku: 'BAG-203',
				prompt,
				error: `No valid JSON in the completion of item 0 (Options > Output Content as JSON). The text: "${text}"`,
				description: expect.stringMatching(/^Sent 3 times \(Options > Retries on Invalid JSON: 2\), each completion billed\. .* Attempts: 3\.$/),
				attempts: 3,
				completionText: text,
				usage: usageOf(once, 3),
				cost: { amount: expect.any(Number), currency: 'USD' },
			});
			expect((items[0].json.cost as IDataObject).amount).toBeCloseTo(3 * once.amount, 9);
			expect(items[1].json).toMatchObject({ sku: 'MUG-001', completion: { data: expect.any(Object) } });
			expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
			expect(completions()).toHaveLength(4);
		});

		it('sends no retry when Retries on Invalid JSON is 0', async () => {
			const { items } = await runCompletion({
				emulator,
				continueOnFail: true,
				items: [{ prompt: '[[json:invalid]] once' }],
				parameters: jsonParameters({ jsonRetries: 0 }),
			});
			expect(items[0].json).toMatchObject({ attempts: 1, description: expect.stringMatching(/^Sent 1 time \(/) });
			expect(completions()).toHaveLength(1);
		});

		it.each([
			['the emulator cuts the JSON off', '[[json:length]] cut', {}],
			['Max Tokens is too small for the JSON', '[[json:bare]] small', { maxTokens: 6 } as { maxTokens?: number }],
		])('is not retried when %s (finish reason length), and the error says so at once', async (_label, prompt, options) => {
			const { items } = await runCompletion({
				emulator,
				continueOnFail: true,
				items: [{ prompt }],
				parameters: jsonParameters({ jsonRetries: 3, ...options }),
			});
			const answer = completionTextFor({ model: MODEL, prompt, ...(options.maxTokens ? { max_tokens: options.maxTokens } : {}) });
			expect(answer.finishReason).toBe('length');
			expect(items[0].json).toEqual({
				error: `No valid JSON in the completion of item 0 (Options > Output Content as JSON): Max Tokens cut the text off (finish reason "length"). The text: "${answer.text}"`,
				description:
					'Not sent again: the same Max Tokens would cut the text off again. Raise Options > Max Tokens or ask for a shorter answer. Attempts: 1.',
				attempts: 1,
				completionText: answer.text,
				usage: usageOf(answer),
				cost: { amount: expect.any(Number), currency: 'USD' },
			});
			expect(completions()).toHaveLength(1);
		});

		it('refuses Retries on Invalid JSON outside 0 to 3 before sending anything', async () => {
			const { error } = await runCompletion({ emulator, items: [{ prompt: 'x' }], parameters: jsonParameters({ jsonRetries: 4 }) });
			expect(error?.message).toBe('Invalid value for "Options > Retries on Invalid JSON" in item 0: must be between 0 and 3, got 4');
			expect(completions()).toHaveLength(0);
		});
	});

	describe('Retries on Invalid JSON', () => {
		it('re-sends the same request after invalid JSON; attempts, usage and cost add up both attempts', async () => {
			const prompt = '[[json:invalid-once]] Noise-Cancelling Headphones';
			const logs: LoggedEntry[] = [];
			const capture = captureN8nLogs(logs);
			let run;
			try {
				run = await runCompletion({ emulator, items: [{ prompt }], parameters: jsonParameters() });
			} finally {
				capture.restore();
			}
			const bodies = completions().map((request) => request.body);
			expect(bodies).toHaveLength(2);
			expect(bodies[1]).toEqual(bodies[0]);
			const [first, second] = [billed(prompt, 1), billed(prompt, 2)];
			expect(first.completionTokens).not.toBe(second.completionTokens);
			const json = run.items[0].json;
			expect(json).toMatchObject({
				text: completionTextFor({ model: MODEL, prompt }, 2).text,
				data: completionTextFor({ model: MODEL, prompt }, 2).json,
				attempts: 2,
				usage: {
					promptTokens: first.promptTokens + second.promptTokens,
					completionTokens: first.completionTokens + second.completionTokens,
					totalTokens: first.promptTokens + first.completionTokens + second.promptTokens + second.completionTokens,
				},
			});
			expect((json.cost as IDataObject).amount).toBeCloseTo(first.amount + second.amount, 9);
			// Each attempt is a billed request in the run's summary.
			const summary = String(logs.find((entry) => String(entry.message).startsWith('NanoGPT run finished: '))?.message);
			const tokens = (json.usage as IDataObject).totalTokens;
			expect(summary).toContain('2 requests sent (1 retries)');
			expect(summary).toContain(`= ${tokens};`);
		});

		it('counts network and status retries in attempts, and bills only the completions', async () => {
			const prompt = '[[json:invalid-once]] Dot Grid Notebook';
			// Attempt 1: invalid JSON; attempt 2 (the JSON retry): 503; attempt 3 (its status retry): valid.
			emulator.setFaultRule(({ attempt }) => (attempt === 2 ? { status: 503 } : undefined));
			const { items } = await runCompletion({ emulator, items: [{ prompt }], parameters: jsonParameters() });
			expect(completions().map((request) => request.status)).toEqual([200, 503, 200]);
			const [first, third] = [billed(prompt, 1), billed(prompt, 3)];
			expect(items[0].json).toMatchObject({
				data: completionTextFor({ model: MODEL, prompt }, 3).json,
				attempts: 3,
				usage: { completionTokens: first.completionTokens + third.completionTokens },
			});
			expect((items[0].json.cost as IDataObject).amount).toBeCloseTo(first.amount + third.amount, 9);
		});
	});

	it('a JSON retry that fails at NanoGPT fails the item with the attempts of both sends', async () => {
		emulator.setFaultRule(({ attempt }) => (attempt === 2 ? { status: 400, shape: 'spec', message: 'prompt rejected' } : undefined));
		const { error } = await runCompletion({ emulator, items: [{ prompt: '[[json:invalid]] rejected later' }], parameters: jsonParameters() });
		expect(error?.message).toBe('NanoGPT returned 400: prompt rejected (after 2 attempts)');
		expect(error?.description).toContain('Attempts: 2, last status 400');
		expect(completions().map((request) => request.status)).toEqual([200, 400]);
	});

	it('under Continue On Fail, an item whose JSON retry fails at NanoGPT carries what its first completion billed', async () => {
		emulator.setFaultRule(({ attempt }) => (attempt === 2 ? { status: 400, shape: 'spec', message: 'prompt rejected' } : undefined));
		const prompt = '[[json:invalid]] rejected later';
		const { items } = await runCompletion({ emulator, continueOnFail: true, items: [{ prompt }], parameters: jsonParameters() });
		const first = billed(prompt);
		expect(items[0].json).toMatchObject({
			error: 'NanoGPT returned 400: prompt rejected (after 2 attempts)',
			httpCode: '400',
			attempts: 2,
			usage: { promptTokens: first.promptTokens, completionTokens: first.completionTokens },
		});
		expect((items[0].json.cost as IDataObject).amount).toBeCloseTo(first.amount, 9);
	});

	it('with Reuse Identical Requests, items share a request only when they also handle its answer alike', async () => {
		// Output Content as JSON per item: the JSON item must not take the plain item's answer, nor the
		// plain item fail with the JSON item's error.
		const prompt = '[[json:invalid]] Linen Throw';
		const { items } = await runCompletion({
			emulator,
			continueOnFail: true,
			items: [
				{ prompt, json: false },
				{ prompt, json: true },
				{ prompt, json: false },
			],
			parameters: completeParameters({
				options: { jsonOutput: '={{ $json.json }}', jsonRetries: 0 },
				requestOptions: { reuseIdenticalRequests: true },
			}),
		});
		const text = completionTextFor({ model: MODEL, prompt }).text;
		expect(items[0].json).toMatchObject({ text });
		expect(items[0].json).not.toHaveProperty('error');
		expect(items[1].json).toMatchObject({ error: expect.stringMatching(/^No valid JSON in the completion of item 1 /), usage: expect.any(Object) });
		expect(items[1].json).not.toHaveProperty('reusedFrom');
		expect(items[2].json).toMatchObject({ text, reusedFrom: 0 });
		expect(completions()).toHaveLength(2);
	});

	it('with Reuse Identical Requests, the items that reuse a request share its parsed value', async () => {
		const prompt = '[[json:invalid-once:brand,colour]] Stoneware Coffee Mug';
		const { items } = await runCompletion({
			emulator,
			items: [{ prompt }, { prompt: '[[json:bare]] other' }, { prompt }],
			parameters: jsonParameters({}, { requestOptions: { reuseIdenticalRequests: true } }),
		});
		const data = completionTextFor({ model: MODEL, prompt }, 2).json;
		expect(data).toEqual({ brand: expect.any(String), colour: expect.any(String) });
		expect(items[0].json).toMatchObject({ data, attempts: 2, usage: expect.any(Object), cost: expect.any(Object) });
		expect(items[2].json).toMatchObject({ data, reusedFrom: 0 });
		expect(items[2].json.data).not.toBe(items[0].json.data);
		expect(items[2].json).not.toHaveProperty('usage');
		expect(items[2].json).not.toHaveProperty('cost');
		// Two attempts for the shared prompt, one for the other.
		expect(completions()).toHaveLength(3);
	});

	describe('with Stream on', () => {
		const streamed = (options: IDataObject = {}) => jsonParameters({ stream: true, ...options });

		it('still streams the chunks to the caller and parses the JSON at the end', async () => {
			const chunks: StructuredChunk[] = [];
			const prompt = '[[json:fenced]] stream me';
			const { items } = await runCompletion({ emulator, items: [{ prompt }], parameters: streamed(), onChunk: (chunk) => void chunks.push(chunk) });
			const expected = completionTextFor({ model: MODEL, prompt, stream: true });
			expect(chunks.filter((chunk) => chunk.type === 'item').length).toBeGreaterThan(5);
			expect(chunks.filter((chunk) => chunk.type === 'item').map((chunk) => chunk.content).join('')).toBe(expected.text);
			expect(chunks[chunks.length - 1].type).toBe('end');
			expect(items[0].json).toMatchObject({ text: expected.text, data: expected.json });
		});

		it('does not retry invalid JSON whose text already streamed to a caller', async () => {
			const chunks: StructuredChunk[] = [];
			const { items } = await runCompletion({
				emulator,
				continueOnFail: true,
				items: [{ prompt: '[[json:invalid-once]] streamed' }],
				parameters: streamed({ jsonRetries: 3 }),
				onChunk: (chunk) => void chunks.push(chunk),
			});
			expect(items[0].json).toMatchObject({
				error: expect.stringMatching(/^No valid JSON in the completion of item 0 /),
				description: 'Not sent again: the text had already streamed to the caller. Attempts: 1.',
				attempts: 1,
			});
			expect(completions()).toHaveLength(1);
			expect(chunks.map((chunk) => chunk.type)).toContain('error');
		});

		it('retries invalid JSON of a stream that went to no caller', async () => {
			const prompt = '[[json:invalid-once]] not forwarded';
			const { items } = await runCompletion({ emulator, items: [{ prompt }], parameters: streamed() });
			expect(items[0].json).toMatchObject({ data: completionTextFor({ model: MODEL, prompt }, 2).json, attempts: 2 });
			expect(completions()).toHaveLength(2);
		});
	});
});
