import { startEmulator, type Emulator } from '../support/emulator';
import { quoteToolResults, toolArgumentsFor } from '../support/chatCompletions';

/** The emulator's chat route as n8n's OpenAI Chat Model reaches it: Base URL `<emulator>/api/v1`. */
const MODEL = 'gpt-4o-mini';
const NANOGPT_TOOL = {
	type: 'function',
	function: {
		name: 'Complete_text_with_NanoGPT',
		description: 'Complete text with NanoGPT',
		parameters: {
			type: 'object',
			properties: {
				prompt: { type: 'string', description: 'The text NanoGPT continues' },
				max_tokens: { type: 'number', description: 'Most tokens to write' },
			},
			required: ['prompt', 'max_tokens'],
			additionalProperties: false,
		},
	},
};
const OTHER_TOOL = { type: 'function', function: { name: 'calculator', description: 'Adds numbers', parameters: { type: 'object', properties: { a: { type: 'integer', maximum: 9 } } } } };

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => {
	await emu.close();
});
beforeEach(() => emu.reset());

async function chat(body: unknown, headers: Record<string, string> = { authorization: `Bearer ${emu.apiKey}` }) {
	const res = await fetch(`${emu.baseUrl}/v1/chat/completions`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body: typeof body === 'string' ? body : JSON.stringify(body),
	});
	const text = await res.text();
	let json: any;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: res.status, text, json };
}

const ask = (content: string, extra: object = {}) => ({ model: MODEL, messages: [{ role: 'system', content: 'You are a helpful assistant' }, { role: 'user', content }], ...extra });

describe('the scripted conversation', () => {
	test('first turn: a call to the NanoGPT tool, with an argument for every schema property', async () => {
		const r = await chat(ask('Write a tagline for a solar lantern', { tools: [OTHER_TOOL, NANOGPT_TOOL], temperature: 0.7, stream: false, n: 1 }));
		expect(r.status).toBe(200);
		expect(r.json).toMatchObject({ object: 'chat.completion', model: MODEL, choices: [{ index: 0, finish_reason: 'tool_calls' }] });
		const message = r.json.choices[0].message;
		expect(message.content).toBeNull();
		expect(message.tool_calls).toHaveLength(1);
		const [call] = message.tool_calls;
		expect(call).toMatchObject({ type: 'function', function: { name: 'Complete_text_with_NanoGPT' } });
		expect(call.id).toMatch(/^call_/);
		expect(JSON.parse(call.function.arguments)).toEqual({ prompt: 'Answer in one line: Write a tagline for a solar lantern', max_tokens: 40 });
		expect(r.json.usage.total_tokens).toBe(r.json.usage.prompt_tokens + r.json.usage.completion_tokens);
		expect(emu.requests[0].reply).toEqual(message);
	});

	test('second turn: once the tool answered, a final answer quoting the completion text', async () => {
		const first = (await chat(ask('Write a tagline', { tools: [NANOGPT_TOOL] }))).json.choices[0].message;
		const toolResult = JSON.stringify([{ text: ' A lantern "that" glows.', finishReason: 'stop', usage: { totalTokens: 9 } }]);
		const r = await chat({
			model: MODEL,
			messages: [{ role: 'user', content: 'Write a tagline' }, { ...first, content: '' }, { role: 'tool', tool_call_id: first.tool_calls[0].id, content: toolResult }],
			tools: [NANOGPT_TOOL],
		});
		expect(r.status).toBe(200);
		expect(r.json.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: 'The tool returned: A lantern "that" glows.' } });
	});

	test('a tool result that is not the tool\'s output items (an error) is quoted as sent', () => {
		expect(quoteToolResults(['There was an error: "NanoGPT returned 400: refused"'])).toBe('There was an error: "NanoGPT returned 400: refused"');
		expect(quoteToolResults(['{"error":"NanoGPT returned 429: Rate limit exceeded"}'])).toBe('{"error":"NanoGPT returned 429: Rate limit exceeded"}');
	});

	test('numbers stay within the schema bounds; enums take their first value', () => {
		expect(toolArgumentsFor(OTHER_TOOL, 'x')).toEqual({ a: 9 });
		expect(toolArgumentsFor({ function: { parameters: { properties: { mode: { type: 'string', enum: ['fast', 'slow'] }, on: { type: 'boolean' } } } } }, 'x')).toEqual({ mode: 'fast', on: true });
	});

	test('tool_choice names the tool to call; "none" and no tools give a plain answer', async () => {
		const named = await chat(ask('Add', { tools: [NANOGPT_TOOL, OTHER_TOOL], tool_choice: { type: 'function', function: { name: 'calculator' } } }));
		expect(named.json.choices[0].message.tool_calls[0].function.name).toBe('calculator');
		const none = await chat(ask('Hello there', { tools: [NANOGPT_TOOL], tool_choice: 'none' }));
		expect(none.json.choices[0].message).toEqual({ role: 'assistant', content: 'You said: Hello there', refusal: null });
		const noTools = await chat(ask('Hello there'));
		expect(noTools.json.choices[0].message.content).toBe('You said: Hello there');
	});

	test('stream: the same answer as OpenAI chunks, usage with stream_options, then [DONE]', async () => {
		const r = await chat(ask('Write a tagline', { tools: [NANOGPT_TOOL], stream: true, stream_options: { include_usage: true } }));
		expect(r.status).toBe(200);
		const events = r.text.split('\n\n').filter(Boolean).map((block) => block.replace(/^data: /, ''));
		expect(events.at(-1)).toBe('[DONE]');
		const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
		expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
		const args = chunks.flatMap((c) => c.choices.flatMap((choice: any) => choice.delta.tool_calls ?? [])).map((t: any) => t.function.arguments).join('');
		expect(JSON.parse(args)).toEqual({ prompt: 'Answer in one line: Write a tagline', max_tokens: 40 });
		expect(chunks.at(-2).choices[0].finish_reason).toBe('tool_calls');
		expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: expect.any(Number) } });
	});
});

describe('strict, as OpenAI is', () => {
	const refused = async (body: unknown, status: number, message: RegExp, param?: string | null) => {
		const r = await chat(body);
		expect({ status: r.status, message: r.json?.error?.message }).toEqual({ status, message: expect.stringMatching(message) });
		if (param !== undefined) expect(r.json.error.param).toBe(param);
		expect(r.json.error).toEqual({ message: expect.any(String), type: 'invalid_request_error', param: r.json.error.param, code: r.json.error.code });
	};

	test('the key only as Authorization: Bearer', async () => {
		expect((await chat(ask('hi'), {})).status).toBe(401);
		expect((await chat(ask('hi'), { 'x-api-key': emu.apiKey })).status).toBe(401);
		expect((await chat(ask('hi'), { authorization: 'Bearer wrong' })).status).toBe(401);
	});

	test('only under the base path', async () => {
		const res = await fetch(`${emu.origin}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${emu.apiKey}` }, body: JSON.stringify(ask('hi')) });
		expect(res.status).toBe(404);
	});

	test('a body that is not JSON, an unknown or misspelled field, an unknown model', async () => {
		await refused('{"model":', 400, /could not parse the JSON body/);
		await refused(ask('hi', { temprature: 1 }), 400, /^Unrecognized request argument supplied: temprature$/, 'temprature');
		await refused({ ...ask('hi'), model: 'gpt-9' }, 404, /model `gpt-9` does not exist/);
		await refused({ model: MODEL }, 400, /Missing required parameter: 'messages'/, 'messages');
		await refused({ model: MODEL, messages: [] }, 400, /empty array/, 'messages');
	});

	test('messages: known roles, the fields of each role, content required', async () => {
		await refused({ model: MODEL, messages: [{ role: 'robot', content: 'hi' }] }, 400, /Invalid value: 'robot'/, 'messages[0].role');
		await refused({ model: MODEL, messages: [{ role: 'user', content: 'hi', tool_call_id: 'x' }] }, 400, /unknown parameter 'tool_call_id'/, 'messages[0].tool_call_id');
		await refused({ model: MODEL, messages: [{ role: 'user' }] }, 400, /Missing required parameter: 'messages\[0\].content'/);
		await refused({ model: MODEL, messages: [{ role: 'tool', content: 'x' }] }, 400, /Missing required parameter: 'messages\[0\].tool_call_id'/);
	});

	test('tool results answer the tool calls just before them, every one', async () => {
		const call = { id: 'call_1', type: 'function', function: { name: NANOGPT_TOOL.function.name, arguments: '{}' } };
		const user = { role: 'user', content: 'hi' };
		await refused({ model: MODEL, tools: [NANOGPT_TOOL], messages: [user, { role: 'tool', tool_call_id: 'call_1', content: 'x' }] }, 400, /must be a response to a preceeding message with 'tool_calls'/);
		await refused({ model: MODEL, tools: [NANOGPT_TOOL], messages: [user, { role: 'assistant', content: null, tool_calls: [call] }] }, 400, /did not have response messages: call_1/);
		await refused(
			{ model: MODEL, tools: [NANOGPT_TOOL], messages: [user, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_2', content: 'x' }] },
			400,
			/must be a response to a preceeding message/,
		);
	});

	test('tools: OpenAI\'s shape and names; tool_choice and parallel_tool_calls only with tools', async () => {
		await refused(ask('hi', { tools: [] }), 400, /empty array/, 'tools');
		await refused(ask('hi', { tools: [{ type: 'function', function: { name: 'has space' } }] }), 400, /Invalid 'tools\[0\]\.function\.name'/);
		await refused(ask('hi', { tools: [{ type: 'function', function: { name: 'x', parameters: {}, extra: 1 } }] }), 400, /unknown parameter 'extra'/);
		await refused(ask('hi', { tools: [NANOGPT_TOOL, NANOGPT_TOOL] }), 400, /unique/);
		await refused(ask('hi', { tool_choice: 'auto' }), 400, /'tool_choice' is only allowed when 'tools' are specified/);
		await refused(ask('hi', { parallel_tool_calls: false }), 400, /'parallel_tool_calls' is only allowed when 'tools' are specified/);
		await refused(ask('hi', { tools: [NANOGPT_TOOL], tool_choice: { type: 'function', function: { name: 'nope' } } }), 400, /no function named 'nope'/);
	});

	test('ranges and pairings OpenAI checks', async () => {
		await refused(ask('hi', { temperature: 3 }), 400, /Invalid 'temperature'/, 'temperature');
		await refused(ask('hi', { max_tokens: 0 }), 400, /Invalid 'max_tokens'/);
		await refused(ask('hi', { stream_options: { include_usage: true } }), 400, /only allowed when 'stream' is enabled/);
		await refused(ask('hi', { top_logprobs: 2 }), 400, /'logprobs' must be set to true/);
	});
});
