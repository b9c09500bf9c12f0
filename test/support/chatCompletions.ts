/**
 * The emulator's POST /v1/chat/completions: the OpenAI chat format, enough for n8n's own OpenAI Chat
 * Model pointed at the emulator (an OpenAI credential with the Base URL `<emulator>/api/v1`, the way
 * NanoGPT's n8n page connects chat models), as strict as the completions route: a body field, a
 * message field or a tool field OpenAI does not name is refused by name, and so are a tool result
 * that answers no tool call, a tool call left unanswered, `tool_choice` without tools and an unknown
 * model.
 *
 * Its answers are scripted by the conversation, so that an AI Agent run is deterministic:
 * - while the last user message has no tool result after it and tools are offered: a call to the
 *   NanoGPT tool (the first tool whose name or description says NanoGPT, else the first tool), with
 *   arguments for every property of its schema (`toolArgumentsFor`): each string is
 *   `Answer in one line: <the user's message>` (so the emulator's [[fault:...]] directives in the
 *   user's message reach the completions route), each number 40 (within the schema's bounds), each
 *   boolean true, each enum its first value;
 * - once tool results follow the user's message: a final answer that quotes them (`quoteToolResults`);
 * - without tools (or with tool_choice "none"): an answer that repeats the user's message.
 *
 * `chatCompletion(body, {models})` is pure: it returns the error or the assistant message and usage;
 * `sendChatCompletion` writes it as JSON or, with `stream: true`, as OpenAI's SSE chunks.
 */
import Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';

export interface ChatToolCall {
	id: string;
	type: 'function';
	function: { name: string; arguments: string };
}

/** The assistant message the script answers with (recorded with the request as `reply`). */
export interface ChatReply {
	role: 'assistant';
	content: string | null;
	tool_calls?: ChatToolCall[];
	refusal: null;
}

export interface ChatTool {
	function: { name?: string; description?: string; parameters?: { properties?: Record<string, any> } };
	[field: string]: unknown;
}

/** An OpenAI error as {status, type, message, param, code}. */
export interface ChatError {
	status: number;
	type: string;
	message: string;
	param: string | null;
	code: string | null;
}

type TextPart = { type: string; text?: string };
type MessageContent = string | TextPart[] | null | undefined;

interface ChatMessage {
	role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';
	content?: MessageContent;
	tool_call_id?: string;
	tool_calls?: ChatToolCall[];
}

type RequestTool = {
	type: 'function';
	function: { name: string; description?: string; parameters?: { properties?: Record<string, any> } };
};

/** A request body that passed the schema (the fields the script reads). */
interface ChatRequest {
	model: string;
	messages: ChatMessage[];
	tools?: RequestTool[];
	tool_choice?: 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };
	parallel_tool_calls?: boolean;
	stream?: boolean | null;
	stream_options?: { include_usage?: boolean } | null;
	logprobs?: boolean | null;
	top_logprobs?: number | null;
	n?: number | null;
}

interface ScriptedReply {
	message: ChatReply;
	finishReason: 'stop' | 'tool_calls';
}

interface ChatUsage {
	prompt_tokens: number;
	completion_tokens: number;
	total_tokens: number;
}

/** FNV-1a 32-bit hash, for deterministic tool call ids. */
function hash(s: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < s.length; i++) {
		h ^= s.charCodeAt(i);
		h = Math.imul(h, 0x01000193) >>> 0;
	}
	return h;
}

const words = (text: string | null | undefined): number => String(text ?? '').split(/\s+/).filter(Boolean).length;

// ---------------------------------------------------------------------------------------------
// The request OpenAI accepts (https://platform.openai.com/docs/api-reference/chat/create)

const textParts = { type: 'array', items: { type: 'object', required: ['type', 'text'], properties: { type: { const: 'text' }, text: { type: 'string' } }, additionalProperties: false } };
const textContent = { oneOf: [{ type: 'string' }, textParts] };
const userParts = {
	type: 'array',
	items: {
		type: 'object',
		required: ['type'],
		properties: {
			type: { enum: ['text', 'image_url', 'input_audio', 'file'] },
			text: { type: 'string' },
			image_url: { type: 'object' },
			input_audio: { type: 'object' },
			file: { type: 'object' },
		},
		additionalProperties: false,
	},
};
const toolCall = {
	type: 'object',
	required: ['id', 'type', 'function'],
	properties: {
		id: { type: 'string', minLength: 1 },
		type: { const: 'function' },
		function: {
			type: 'object',
			required: ['name', 'arguments'],
			properties: { name: { type: 'string' }, arguments: { type: 'string' } },
			additionalProperties: false,
		},
	},
	additionalProperties: false,
};
const message = {
	type: 'object',
	required: ['role'],
	discriminator: { propertyName: 'role' },
	oneOf: [
		{ properties: { role: { const: 'system' }, content: textContent, name: { type: 'string' } }, required: ['content'], additionalProperties: false },
		{ properties: { role: { const: 'developer' }, content: textContent, name: { type: 'string' } }, required: ['content'], additionalProperties: false },
		{ properties: { role: { const: 'user' }, content: { oneOf: [{ type: 'string' }, userParts] }, name: { type: 'string' } }, required: ['content'], additionalProperties: false },
		{
			properties: {
				role: { const: 'assistant' },
				content: { oneOf: [{ type: 'string' }, { type: 'null' }, textParts] },
				name: { type: 'string' },
				refusal: { type: ['string', 'null'] },
				tool_calls: { type: 'array', items: toolCall },
				function_call: { type: 'object' },
				audio: { type: 'object' },
			},
			additionalProperties: false,
		},
		{ properties: { role: { const: 'tool' }, content: textContent, tool_call_id: { type: 'string' } }, required: ['content', 'tool_call_id'], additionalProperties: false },
		{ properties: { role: { const: 'function' }, content: { type: ['string', 'null'] }, name: { type: 'string' } }, required: ['content', 'name'], additionalProperties: false },
	],
};
const tool = {
	type: 'object',
	required: ['type', 'function'],
	properties: {
		type: { const: 'function' },
		function: {
			type: 'object',
			required: ['name'],
			properties: {
				name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' },
				description: { type: 'string' },
				parameters: { type: 'object' },
				strict: { type: ['boolean', 'null'] },
			},
			additionalProperties: false,
		},
	},
	additionalProperties: false,
};
const REQUEST_SCHEMA = {
	type: 'object',
	required: ['model', 'messages'],
	properties: {
		model: { type: 'string' },
		messages: { type: 'array', minItems: 1, items: message },
		audio: { type: ['object', 'null'] },
		frequency_penalty: { type: ['number', 'null'], minimum: -2, maximum: 2 },
		function_call: {},
		functions: { type: 'array' },
		logit_bias: { type: ['object', 'null'] },
		logprobs: { type: ['boolean', 'null'] },
		max_completion_tokens: { type: ['integer', 'null'], minimum: 1 },
		max_tokens: { type: ['integer', 'null'], minimum: 1 },
		metadata: { type: ['object', 'null'] },
		modalities: { type: ['array', 'null'] },
		n: { type: ['integer', 'null'], minimum: 1, maximum: 128 },
		parallel_tool_calls: { type: 'boolean' },
		prediction: { type: ['object', 'null'] },
		presence_penalty: { type: ['number', 'null'], minimum: -2, maximum: 2 },
		prompt_cache_key: { type: 'string' },
		prompt_cache_retention: { type: ['string', 'null'] },
		reasoning_effort: { enum: ['minimal', 'low', 'medium', 'high', null] },
		response_format: { type: 'object', required: ['type'], properties: { type: { enum: ['text', 'json_object', 'json_schema'] } } },
		safety_identifier: { type: 'string' },
		seed: { type: ['integer', 'null'] },
		service_tier: { enum: ['auto', 'default', 'flex', 'scale', 'priority', null] },
		stop: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, maxItems: 4 }, { type: 'null' }] },
		store: { type: ['boolean', 'null'] },
		stream: { type: ['boolean', 'null'] },
		stream_options: { type: ['object', 'null'], properties: { include_usage: { type: 'boolean' }, include_obfuscation: { type: 'boolean' } }, additionalProperties: false },
		temperature: { type: ['number', 'null'], minimum: 0, maximum: 2 },
		tool_choice: {
			oneOf: [
				{ enum: ['none', 'auto', 'required'] },
				{
					type: 'object',
					required: ['type', 'function'],
					properties: { type: { const: 'function' }, function: { type: 'object', required: ['name'], properties: { name: { type: 'string' } }, additionalProperties: false } },
					additionalProperties: false,
				},
			],
		},
		tools: { type: 'array', minItems: 1, items: tool },
		top_logprobs: { type: ['integer', 'null'], minimum: 0, maximum: 20 },
		top_p: { type: ['number', 'null'], minimum: 0, maximum: 1 },
		user: { type: 'string' },
		verbosity: { enum: ['low', 'medium', 'high', null] },
		web_search_options: { type: 'object' },
	},
	additionalProperties: false,
};

let validateRequest: ValidateFunction<ChatRequest> | undefined;
function requestValidator(): ValidateFunction<ChatRequest> {
	validateRequest ??= new Ajv2020({ strict: false, allErrors: false, discriminator: true }).compile<ChatRequest>(REQUEST_SCHEMA);
	return validateRequest;
}

/** `/messages/1/tool_calls/0` -> `messages[1].tool_calls[0]`, as OpenAI names parameters. */
function paramOf(instancePath: string): string {
	return instancePath
		.split('/')
		.filter(Boolean)
		.map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : `${i > 0 ? '.' : ''}${part}`))
		.join('');
}

const invalid = (message: string, param: string | null = null, code: string | null = null): ChatError => ({ status: 400, type: 'invalid_request_error', message, param, code });

/** The first schema error as OpenAI words it. */
function schemaError([e]: ErrorObject[]): ChatError {
	if (!e) return invalid('Invalid body.');
	const param = paramOf(e.instancePath);
	if (e.keyword === 'additionalProperties') {
		const field = e.params.additionalProperty;
		return param === ''
			? invalid(`Unrecognized request argument supplied: ${field}`, field)
			: invalid(`Invalid '${param}': unknown parameter '${field}'.`, `${param}.${field}`, 'unknown_parameter');
	}
	if (e.keyword === 'required') {
		const field = e.params.missingProperty;
		return invalid(`Missing required parameter: '${param ? `${param}.` : ''}${field}'.`, `${param ? `${param}.` : ''}${field}`, 'missing_required_parameter');
	}
	if (e.keyword === 'minItems' && e.params.limit === 1) {
		return invalid(`Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`, param, 'empty_array');
	}
	if (e.keyword === 'discriminator') {
		return invalid(`Invalid value: '${String(e.params.tagValue ?? '')}'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool', and 'function'.`, `${param}.role`, 'invalid_value');
	}
	return invalid(`Invalid '${param || 'body'}': ${e.message}.`, param || null, 'invalid_value');
}

/** Tool results must answer the tool calls of the assistant message just before them, every one. */
function toolCallError(messages: ChatMessage[]): ChatError | undefined {
	let pending: Set<string> | null = null; // ids the last assistant message called and no tool message answered yet
	for (let i = 0; i < messages.length; i++) {
		const m = messages[i];
		if (m.role === 'tool') {
			if (!pending || !pending.has(m.tool_call_id ?? '')) {
				return invalid(
					"Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
					`messages.[${i}].role`,
				);
			}
			pending.delete(m.tool_call_id ?? '');
			continue;
		}
		if (pending && pending.size > 0) {
			return invalid(
				`An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
				'messages',
			);
		}
		pending = m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0 ? new Set(m.tool_calls.map((c) => c.id)) : null;
	}
	if (pending && pending.size > 0) {
		return invalid(
			`An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
			'messages',
		);
	}
	return undefined;
}

/** The request's error as {status, type, message, param, code}, or undefined when OpenAI would accept it. */
export function chatRequestError(body: unknown, models: Array<{ id: string }>): ChatError | undefined {
	if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
		return invalid('We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly. The OpenAI API expects a JSON payload.)');
	}
	const validate = requestValidator();
	if (!validate(body)) return schemaError(validate.errors ?? []);
	const toolCalls = toolCallError(body.messages);
	if (toolCalls) return toolCalls;
	const names = (body.tools ?? []).map((t) => t.function.name);
	if (new Set(names).size !== names.length) return invalid('Invalid \'tools\': tool names must be unique.', 'tools');
	if (body.tool_choice !== undefined && body.tools === undefined) {
		return invalid("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", 'tool_choice');
	}
	if (body.parallel_tool_calls !== undefined && body.tools === undefined) {
		return invalid("Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.", 'parallel_tool_calls');
	}
	if (typeof body.tool_choice === 'object' && !names.includes(body.tool_choice.function.name)) {
		return invalid(`Invalid value for 'tool_choice': no function named '${body.tool_choice.function.name}' was specified in the 'tools' parameter.`, 'tool_choice');
	}
	if (body.stream_options != null && body.stream !== true) {
		return invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
	}
	if (body.top_logprobs != null && body.logprobs !== true) {
		return invalid("Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.", 'top_logprobs');
	}
	if (!models.some((m) => m.id === body.model)) {
		return { status: 404, type: 'invalid_request_error', message: `The model \`${body.model}\` does not exist or you do not have access to it.`, param: null, code: 'model_not_found' };
	}
	return undefined;
}

// ---------------------------------------------------------------------------------------------
// The script

/** A message's text: its content string, or its text parts joined. */
function textOf(content: MessageContent): string {
	if (typeof content === 'string') return content;
	if (Array.isArray(content)) return content.filter((part) => part.type === 'text').map((part) => part.text).join('\n');
	return '';
}

/** Each number the script passes to a tool (within the property's minimum and maximum). */
export const NUMBER_ARGUMENT = 40;

/** A value for one JSON schema property, as the script's model chooses it. */
function argumentFor(schema: any, userText: string): unknown {
	const types: string[] = [].concat(schema?.type ?? (schema?.anyOf ?? []).map((s: any) => s.type)).filter(Boolean);
	if (Array.isArray(schema?.enum) && schema.enum.length > 0) return schema.enum[0];
	if (types.includes('string')) return `Answer in one line: ${userText}`;
	if (types.includes('integer') || types.includes('number')) {
		let value = NUMBER_ARGUMENT;
		if (typeof schema.minimum === 'number') value = Math.max(value, schema.minimum);
		if (typeof schema.maximum === 'number') value = Math.min(value, schema.maximum);
		return value;
	}
	if (types.includes('boolean')) return true;
	if (types.includes('array')) return [];
	if (types.includes('object')) return {};
	return `Answer in one line: ${userText}`;
}

/**
 * The arguments the script's model passes to a tool: a value for every property of the tool's
 * parameter schema (see the file's comment).
 */
export function toolArgumentsFor(tool: ChatTool, userText: string): Record<string, unknown> {
	const properties = tool.function.parameters?.properties ?? {};
	return Object.fromEntries(Object.entries(properties).map(([key, schema]) => [key, argumentFor(schema, userText)]));
}

/** The tool the script calls: the one tool_choice names, else the first that says NanoGPT, else the first. */
function chosenTool(body: ChatRequest): RequestTool | undefined {
	const tools = body.tools ?? [];
	const choice = body.tool_choice;
	if (typeof choice === 'object') return tools.find((t) => t.function.name === choice.function.name);
	return tools.find((t) => /nano\s*gpt/i.test(`${t.function.name} ${t.function.description ?? ''}`)) ?? tools[0];
}

/** Every `text` string in a JSON value, depth first. */
function textsIn(value: unknown): string[] {
	if (Array.isArray(value)) return value.flatMap(textsIn);
	if (value && typeof value === 'object') {
		return Object.entries(value).flatMap(([key, v]) => (key === 'text' && typeof v === 'string' ? [v] : textsIn(v)));
	}
	return [];
}

/**
 * The final answer's quote of the tool results: the completion texts when a result is JSON holding
 * `text` fields (the NanoGPT tool's output items), else the result as the tool sent it (an error
 * message, say). `results`: the tool messages' contents.
 */
export function quoteToolResults(results: string[]): string {
	return results
		.map((result) => {
			try {
				const texts = textsIn(JSON.parse(result)).map((t) => t.trim());
				if (texts.length > 0) return texts.join('\n');
			} catch {
				/* not JSON: quoted as it is */
			}
			return result;
		})
		.join('\n');
}

/** The scripted assistant message for a valid request. */
function scriptedReply(body: ChatRequest): ScriptedReply {
	const { messages } = body;
	let lastUser = -1;
	for (let i = messages.length - 1; i >= 0; i--) {
		if (messages[i].role === 'user') {
			lastUser = i;
			break;
		}
	}
	const userText = lastUser >= 0 ? textOf(messages[lastUser].content) : '';
	const results = messages.slice(lastUser + 1).filter((m) => m.role === 'tool').map((m) => textOf(m.content));
	if (results.length > 0) {
		return { message: { role: 'assistant', content: `The tool returned: ${quoteToolResults(results)}`, refusal: null }, finishReason: 'stop' };
	}
	const tool = body.tool_choice === 'none' ? undefined : chosenTool(body);
	if (!tool) {
		return { message: { role: 'assistant', content: `You said: ${userText}`, refusal: null }, finishReason: 'stop' };
	}
	const args = JSON.stringify(toolArgumentsFor(tool, userText));
	const id = `call_${hash(`${JSON.stringify(messages)}\n${tool.function.name}`).toString(36)}`;
	return {
		message: { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: tool.function.name, arguments: args } }], refusal: null },
		finishReason: 'tool_calls',
	};
}

/** Validates the request and scripts the answer. */
export function chatCompletion(
	body: unknown,
	{ models }: { models: Array<{ id: string }> },
): { error: ChatError } | { reply: ScriptedReply; usage: ChatUsage } {
	const error = chatRequestError(body, models);
	if (error) return { error };
	const request = body as ChatRequest; // chatRequestError accepted it
	const reply = scriptedReply(request);
	const promptTokens = Math.max(1, request.messages.reduce((sum, m) => sum + words(textOf(m.content)), 0));
	const completionTokens = Math.max(1, words(reply.message.content ?? (reply.message.tool_calls ?? []).map((c) => c.function.arguments).join(' ')));
	return { reply, usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } };
}

// ---------------------------------------------------------------------------------------------
// The answer on the wire

/**
 * Answers one chat completion request. `send(status, headers, body)` and `stream(status, headers,
 * events)` write the response (the emulator's own writers, so status counts and request ids apply).
 * Returns the assistant message sent (recorded with the request as `reply`).
 */
export async function sendChatCompletion({
	body,
	models,
	id,
	created,
	send,
	stream,
}: {
	body: unknown;
	models: Array<{ id: string }>;
	id: string;
	created: number;
	send: (status: number, headers: Record<string, string>, body: string) => Promise<unknown>;
	stream: (status: number, headers: Record<string, string>, events: string[]) => Promise<unknown>;
}): Promise<ChatReply | undefined> {
	const result = chatCompletion(body, { models });
	if ('error' in result) {
		const { status, message, type, param, code } = result.error;
		await send(status, { 'Content-Type': 'application/json' }, JSON.stringify({ error: { message, type, param, code } }));
		return undefined;
	}
	const { reply, usage } = result;
	const request = body as ChatRequest; // chatCompletion accepted it
	const base = { id, object: 'chat.completion', created, model: request.model, system_fingerprint: 'fp_emulator' };
	const n = request.n ?? 1;
	if (request.stream !== true) {
		const choices = Array.from({ length: n }, (_, index) => ({ index, message: reply.message, logprobs: null, finish_reason: reply.finishReason }));
		await send(200, { 'Content-Type': 'application/json' }, JSON.stringify({ ...base, choices, usage }));
		return reply.message;
	}
	const chunk = (choices: unknown[], extra: object = {}): string => JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra });
	const events: string[] = [];
	for (let index = 0; index < n; index++) {
		events.push(chunk([{ index, delta: { role: 'assistant', content: reply.message.content === null ? null : '', refusal: null }, logprobs: null, finish_reason: null }]));
		if (reply.message.tool_calls) {
			reply.message.tool_calls.forEach((call, callIndex) => {
				const { name, arguments: args } = call.function;
				const half = Math.ceil(args.length / 2);
				events.push(chunk([{ index, delta: { tool_calls: [{ index: callIndex, id: call.id, type: 'function', function: { name, arguments: '' } }] }, logprobs: null, finish_reason: null }]));
				for (const piece of [args.slice(0, half), args.slice(half)]) {
					events.push(chunk([{ index, delta: { tool_calls: [{ index: callIndex, function: { arguments: piece } }] }, logprobs: null, finish_reason: null }]));
				}
			});
		} else {
			for (const piece of (reply.message.content ?? '').match(/\s*\S+|\s+/g) ?? []) {
				events.push(chunk([{ index, delta: { content: piece }, logprobs: null, finish_reason: null }]));
			}
		}
		events.push(chunk([{ index, delta: {}, logprobs: null, finish_reason: reply.finishReason }]));
	}
	if (request.stream_options?.include_usage === true) events.push(chunk([], { usage }));
	events.push('[DONE]');
	await stream(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' }, events);
	return reply.message;
}
