import { completionTextFor, parseJsonDirective, startEmulator, type Emulator } from '../support/emulator';

const MODEL = 'gpt-4o-mini';
let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator();
});
afterEach(() => emu.reset());
afterAll(async () => await emu.close());

async function complete(body: Record<string, unknown>): Promise<{ text: string; finish: string | null; usage: unknown }> {
	const response = await fetch(`${emu.baseUrl}/v1/completions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${emu.apiKey}`, 'content-type': 'application/json' },
		body: JSON.stringify({ model: MODEL, ...body }),
	});
	const raw = await response.text();
	if (body.stream !== true) {
		const json = JSON.parse(raw);
		return { text: json.choices[0].text, finish: json.choices[0].finish_reason, usage: json.usage };
	}
	let text = '';
	let finish: string | null = null;
	let usage: unknown;
	for (const line of raw.split(/\r?\n/)) {
		if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
		const event = JSON.parse(line.slice(6));
		text += event.choices[0]?.text ?? '';
		finish = event.choices[0]?.finish_reason ?? finish;
		usage = event.usage ?? usage;
	}
	return { text, finish, usage };
}

describe('the emulator\'s [[json:...]] directive', () => {
	it('parses the shape and the keys; anything else is no directive', () => {
		expect(parseJsonDirective('x [[json:fenced]] y')).toEqual({ shape: 'fenced' });
		expect(parseJsonDirective('[[json:prose:brand, colour,material]]')).toEqual({ shape: 'prose', keys: ['brand', 'colour', 'material'] });
		expect(parseJsonDirective('[[json:banana]]')).toBeUndefined();
		expect(parseJsonDirective('no directive')).toBeUndefined();
	});

	it('answers each shape with the text completionTextFor gives, streamed or not', async () => {
		for (const shape of ['bare', 'fenced', 'prose', 'invalid', 'length']) {
			for (const stream of [false, true]) {
				const prompt = `[[json:${shape}]] ${stream ? 'streamed' : 'plain'}`;
				const expected = completionTextFor({ model: MODEL, prompt });
				const answer = await complete({ prompt, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) });
				expect({ shape, stream, text: answer.text, finish: answer.finish }).toEqual({ shape, stream, text: expected.text, finish: expected.finishReason });
			}
		}
	});

	it('carries the value in the text for bare, fenced and prose, and none for invalid and length', () => {
		const value = (shape: string) => completionTextFor({ model: MODEL, prompt: `[[json:${shape}:brand,colour]] lamp` });
		const bare = value('bare');
		expect(bare.json).toEqual({ brand: expect.any(String), colour: expect.any(String) });
		expect(JSON.parse(bare.text)).toEqual(bare.json);
		const fenced = value('fenced');
		expect(fenced.text).toContain(`\`\`\`json\n${JSON.stringify(fenced.json, null, 2)}\n\`\`\``);
		const prose = value('prose');
		expect(prose.text).toContain(JSON.stringify(prose.json, null, 1));
		expect(Object.keys(prose.json as object)).toEqual(['brand', 'colour']);
		expect(value('invalid')).not.toHaveProperty('json');
		expect(() => JSON.parse(value('invalid').text)).toThrow();
		const cut = value('length');
		expect(cut.finishReason).toBe('length');
		expect(cut).not.toHaveProperty('json');
		expect(() => JSON.parse(cut.text)).toThrow();
	});

	it('answers invalid-once with invalid JSON the first time and valid JSON afterwards', async () => {
		const prompt = '[[json:invalid-once]] twice';
		const first = await complete({ prompt });
		const second = await complete({ prompt });
		expect(first.text).toBe(completionTextFor({ model: MODEL, prompt }, 1).text);
		expect(first.text).toContain("{'id'");
		expect(JSON.parse(second.text)).toEqual(completionTextFor({ model: MODEL, prompt }, 2).json);
	});

	it('still applies max_tokens and stop sequences to the JSON text', async () => {
		const prompt = '[[json:bare]] short';
		const cut = await complete({ prompt, max_tokens: 3 });
		expect(cut.finish).toBe('length');
		const expected = completionTextFor({ model: MODEL, prompt, max_tokens: 3 });
		expect(expected.text).toBe(cut.text);
		expect(expected).not.toHaveProperty('json');
		const stopped = completionTextFor({ model: MODEL, prompt, stop: '"words"' });
		expect(stopped.text.endsWith('"words"')).toBe(false);
		expect(stopped).not.toHaveProperty('json');
	});
});
