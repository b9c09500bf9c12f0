/**
 * NanoGPT emulator: a real HTTP server on 127.0.0.1 that answers like NanoGPT's
 * POST /v1/completions (plus GET /v1/models, GET /v1/usage, GET /models/{id}/providers and, for chat
 * models in agent tests, POST /v1/chat/completions: test/support/chatCompletions.ts), with
 * injectable faults.
 *
 * Strict by default, like the spec: routes only under the base path (/api), the key only as
 * `Authorization: Bearer`, no body field the spec does not name (documented extensions aside).
 * Provider routing, routing suffixes, billing mode and the moderation and redaction headers are
 * refused the way NanoGPT's docs say it refuses them.
 * A test that needs more asks for it with `lenient` (see Leniency in emulator/types.ts).
 *
 * Used by jest tests, the benchmark, the demo and the e2e scripts. Its types: emulator/types.ts.
 * CLI: node test/support/emulator.ts [--port N] [--key K] [--latency MS] [--chunk-delay MS]
 *      [--rate-limit RPS] [--base-path P] [--seed N] [--sse-style lf|crlf]
 *      [--lenient routesAtRoot,apiKeyHeader,unknownFields,availability]
 * prints one JSON line {"baseUrl","origin","apiKey"} on stdout and runs until SIGTERM/SIGINT.
 */

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { sendChatCompletion } from './chatCompletions.ts';
import type {
	AccountSettings,
	CompletionBody,
	CompletionText,
	Directives,
	Emulator,
	EmulatorOptions,
	Fault,
	FaultContext,
	FaultRule,
	FaultShape,
	JsonDirective,
	JsonShape,
	KindFault,
	ModelInfo,
	ProviderInfo,
	RecordedRequest,
	StatusFault,
} from './emulator/types.ts';

export type * from './emulator/types.ts';

export const SPEC_PATH = path.join(import.meta.dirname, '..', 'spec', 'nanogpt-completions.openapi.yaml');
const DEFAULT_KEY = 'sk-nano-test-key';
const HUGE_DEFAULT_BYTES = 5 * 1024 * 1024;
const HUGE_PIECE = 64 * 1024;
const STREAM_CUT_KINDS = new Set(['truncated-stream', 'stream-error', 'stream-invalid-json', 'stream-stall']);
const FAULT_KINDS = new Set([
	'reset', 'reset-mid-body', 'hang', 'malformed-json', 'empty-choices', 'no-usage', 'huge', 'delay',
	...STREAM_CUT_KINDS,
]);

/**
 * The default models that support provider selection, and their providers: USD per million tokens
 * before NanoGPT's 5% provider-selection markup, the weights' quantization, and whether the
 * provider is available now.
 */
const MODEL_PROVIDERS: Record<string, ProviderInfo[]> = Object.fromEntries(
	Object.entries({
		'meta-llama/llama-3.3-70b-instruct': [
			['deepinfra', 0.23, 0.4, 'fp8'],
			['novita', 0.39, 0.39, 'bf16'],
			['groq', 0.59, 0.79, 'unknown', false],
			['together', 0.88, 0.88, 'fp16'],
			['fireworks', 0.9, 0.9, 'fp16'],
		],
		'deepseek-ai/DeepSeek-V3': [
			['deepinfra', 0.38, 0.89, 'fp8'],
			['novita', 0.4, 1.3, 'fp8'],
			['together', 1.25, 1.25, 'fp8'],
		],
		'qwen/qwen-2.5-72b-instruct': [
			['deepinfra', 0.13, 0.4, 'bf16'],
			['novita', 0.38, 0.4, 'bf16'],
			['together', 1.2, 1.2, 'fp8'],
		],
	} as Record<string, Array<[string, number, number, ProviderInfo['quantization'], boolean?]>>).map(([id, rows]) => [id, rows.map(([provider, prompt, completion, quantization, available = true]) => ({ provider, prompt, completion, quantization, available }))]),
);

/** Default model catalogue; prices are USD per million tokens. */
export const DEFAULT_MODELS: ModelInfo[] = ([
	['chatgpt-4o-latest', 'openai', 'ChatGPT-4o', 128000, 16384, 5, 15],
	['gpt-4o-mini', 'openai', 'GPT-4o mini', 128000, 16384, 0.15, 0.6],
	['claude-3-5-sonnet-20241022', 'anthropic', 'Claude 3.5 Sonnet', 200000, 8192, 3, 15],
	['claude-3-5-haiku-20241022', 'anthropic', 'Claude 3.5 Haiku', 200000, 8192, 0.8, 4],
	['meta-llama/llama-3.3-70b-instruct', 'meta-llama', 'Llama 3.3 70B Instruct', 131072, 8192, 0.23, 0.4],
	['deepseek-ai/DeepSeek-V3', 'deepseek-ai', 'DeepSeek V3', 128000, 8192, 0.38, 0.89],
	['qwen/qwen-2.5-72b-instruct', 'qwen', 'Qwen 2.5 72B Instruct', 131072, 8192, 0.35, 0.4],
	['mistralai/mistral-large', 'mistralai', 'Mistral Large', 128000, 8192, 2, 6],
] as Array<[string, string, string, number, number, number, number]>).map(([id, owned_by, name, context_length, max_output_tokens, prompt, completion]) => ({
	id, owned_by, name, context_length, max_output_tokens, pricing: { prompt, completion },
	...(MODEL_PROVIDERS[id] && { providers: MODEL_PROVIDERS[id] }),
}));

/** An answer the emulator sends whole: status, headers (an X-Request-ID of null sends none), body. */
interface Answer {
	status: number;
	headers: Record<string, string | null>;
	body: string;
}

/** How an admitted completion is routed and billed (recorded with the request). */
type Routing = NonNullable<RecordedRequest['routing']>;
type RequestHeaders = RecordedRequest['headers'];

interface Usage {
	prompt_tokens: number;
	completion_tokens: number;
	total_tokens: number;
	[detail: string]: unknown;
}

interface Price {
	amount: number;
	[field: string]: unknown;
}

/** Any fault, its fields read without asking which kind it is first. */
interface AnyFault {
	status?: number;
	kind?: string;
	ms?: number;
	bytes?: number;
	afterChunks?: number;
	requestId?: string | null;
}

// ---------------------------------------------------------------------------------------------
// Deterministic completion text

/** FNV-1a 32-bit hash of a string. */
function hash(s: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < s.length; i++) {
		h ^= s.charCodeAt(i);
		h = Math.imul(h, 0x01000193) >>> 0;
	}
	return h;
}

/** Small seeded PRNG (mulberry32), returns floats in [0, 1). */
function rngFrom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const WORDS = ['the', 'mug', 'holds', 'warm', 'coffee', 'quietly', 'on', 'a', 'wooden', 'desk', 'near', 'window', 'light', 'steady', 'blue'];
const NON_ASCII = ['café', 'naïve', '☕', '🚀', 'über', 'señor', '日本語', 'crème'];

/** Splits text into tokens, each with its leading whitespace; tokens.join('') === text. */
function tokenize(text: string): string[] {
	return text.match(/\s*\S+|\s+/g) ?? [];
}

/** Number of whitespace-separated words in the prompt, at least 1. */
function countPromptTokens(prompt: unknown): number {
	return Math.max(1, String(prompt ?? '').split(/\s+/).filter(Boolean).length);
}

/**
 * The text the emulator answers for a request body, independent of the transport. `attempt`: the
 * 1-based count of requests with this prompt (default 1; only [[json:invalid-once]] reads it).
 */
export function completionTextFor(body: Pick<CompletionBody, 'model' | 'prompt'> & Partial<CompletionBody>, attempt = 1): CompletionText {
	const prompt = String(body.prompt ?? '');
	const model = String(body.model ?? '');
	const h = hash(`${model}\n${prompt}`);
	const excerpt = prompt.slice(0, 40).replace(/\s+/g, ' ').trim();
	const filler: string[] = [];
	for (let i = 0; i < 6; i++) {
		const pick = hash(`${h}:${i}`);
		filler.push(i === 3 ? NON_ASCII[pick % NON_ASCII.length] : WORDS[pick % WORDS.length]);
	}
	const jsonDirective = parseJsonDirective(prompt);
	const jsonAnswer = jsonDirective ? jsonAnswerFor(jsonDirective, h, filler, attempt) : undefined;
	let text = jsonAnswer?.text ?? ` Completion ${h % 10000} for "${excerpt}" from ${model}: ${filler.join(' ')}.`;
	let finishReason: CompletionText['finishReason'] = 'stop';

	const stops = (Array.isArray(body.stop) ? body.stop : [body.stop]).filter((s): s is string => typeof s === 'string' && s !== '');
	let cut = -1;
	let cutStop = '';
	for (const s of stops) {
		const at = text.indexOf(s);
		if (at >= 0 && (cut < 0 || at < cut)) [cut, cutStop] = [at, s];
	}
	if (cut >= 0) text = text.slice(0, cut) + (body.include_stop_str_in_output ? cutStop : '');

	let tokens = tokenize(text);
	const maxTokens = body.max_tokens as number;
	if (Number.isInteger(maxTokens) && tokens.length > maxTokens) {
		tokens = tokens.slice(0, maxTokens);
		text = tokens.join('');
		finishReason = 'length';
	}
	if (jsonDirective?.shape === 'length' && finishReason === 'stop') {
		tokens = tokens.slice(0, Math.ceil(tokens.length / 2));
		text = tokens.join('');
		finishReason = 'length';
	}
	const result: CompletionText = { text, tokens, finishReason, promptTokens: countPromptTokens(prompt), completionTokens: tokens.length };
	// The value the text holds, when it holds one whole (not cut by a stop sequence or Max Tokens).
	if (jsonAnswer?.valid && cut < 0 && finishReason === 'stop') result.json = jsonAnswer.value;
	return result;
}

// ---------------------------------------------------------------------------------------------
// JSON answers: [[json:<shape>]] or [[json:<shape>:<key>,<key>,...]] in the prompt

const JSON_SHAPES = new Set<string>(['bare', 'fenced', 'prose', 'invalid', 'invalid-once', 'length']);

/** The prompt's [[json:...]] directive (see JsonShape), or undefined. Keys, when given, are the answer's keys. */
export function parseJsonDirective(prompt: string): JsonDirective | undefined {
	const m = /\[\[json:([a-z-]+)(?::([^\]]*))?\]\]/.exec(String(prompt ?? ''));
	if (!m || !JSON_SHAPES.has(m[1])) return undefined;
	const keys = (m[2] ?? '').split(',').map((key) => key.trim()).filter(Boolean);
	const shape = m[1] as JsonShape;
	return keys.length > 0 ? { shape, keys } : { shape };
}

/**
 * The JSON answer for a directive: the value (the keys asked for with a word each, else an object
 * whose strings hold braces, brackets, quotes and a backslash) and the text that carries it.
 */
function jsonAnswerFor(
	{ shape, keys }: JsonDirective,
	h: number,
	filler: string[],
	attempt: number,
): { value: Record<string, unknown>; valid: boolean; text: string } {
	const value: Record<string, unknown> = keys
		? Object.fromEntries(keys.map((key) => [key, filler[hash(`${h}:${key}`) % filler.length]]))
		: {
				id: h % 10000,
				words: filler,
				note: 'a } and a { and a [ stay "inside" this string, with a \\ too',
				nested: { ok: true, sizes: [1, 2, 3] },
			};
	const pretty = JSON.stringify(value, null, 2);
	// Single quotes and a trailing comma: not JSON, though a valid array sits inside it.
	const pairs = Object.entries(keys ? value : { id: value.id, note: 'not JSON' }).map(([k, v]) => `'${k}': '${v}'`);
	const invalid = ` Sure! {${pairs.join(', ')}, 'tags': ["almost", "json"],} Hope that helps.`;
	switch (shape === 'invalid-once' ? (attempt > 1 ? 'bare' : 'invalid') : shape) {
		case 'bare':
		case 'length':
			return { value, valid: true, text: `\n${pretty}` };
		case 'fenced':
			return { value, valid: true, text: ` Here is the JSON you asked for:\n\n\`\`\`json\n${pretty}\n\`\`\`\n\nAnything else?` };
		case 'prose':
			return { value, valid: true, text: ` Sure. The answer is ${JSON.stringify(value, null, 1)} and nothing more, as requested.` };
		default:
			return { value, valid: false, text: invalid };
	}
}

function logprobsFor(tokens: string[]) {
	let offset = 0;
	const text_offset = tokens.map((t) => ((offset += t.length), offset - t.length));
	return {
		tokens,
		token_logprobs: tokens.map((t) => -Math.round(1 + (hash(t) % 300)) / 100),
		top_logprobs: null,
		text_offset,
	};
}

// ---------------------------------------------------------------------------------------------
// Prompt directives

/**
 * Parses [[fault:...]], [[latency:MS]] and [[chunk-delay:MS]] directives in a prompt.
 * Fault directives: `<status>` or `<kind>`, optional `:<n>` parameter (afterChunks for stream
 * faults, bytes for huge, ms for delay, Retry-After seconds for a status), optional `x<k>`
 * (only the first k attempts of that prompt). Several fault directives apply in order:
 * "[[fault:503x1]][[fault:429x1]]" fails attempt 1 with 503, attempt 2 with 429, then succeeds.
 */
export function parseDirectives(prompt: string): Directives {
	const out: Directives = { faults: [] };
	for (const [, name, value] of String(prompt ?? '').matchAll(/\[\[(fault|latency|chunk-delay):([^\]]*)\]\]/g)) {
		if (name === 'latency' && /^\d+$/.test(value)) out.latencyMs = Number(value);
		else if (name === 'chunk-delay' && /^\d+$/.test(value)) out.chunkDelayMs = Number(value);
		else if (name === 'fault') {
			const m = /^(\d{3}|[a-z-]+)(?::(\d+))?(?:x(\d+))?$/.exec(value);
			if (!m) continue;
			const [, what, param, times] = m;
			const n = param === undefined ? undefined : Number(param);
			let fault: Fault;
			if (/^\d{3}$/.test(what)) fault = n === undefined ? { status: Number(what) } : { status: Number(what), retryAfter: n };
			else if (FAULT_KINDS.has(what)) {
				const kindFault: Record<string, string | number> = { kind: what };
				if (n !== undefined) kindFault[what === 'huge' ? 'bytes' : what === 'delay' ? 'ms' : 'afterChunks'] = n;
				fault = kindFault as unknown as KindFault;
			} else continue;
			out.faults.push({ fault, times: times === undefined ? Infinity : Number(times) });
		}
	}
	return out;
}

/** The directive fault for the given 1-based attempt, if any. */
function directiveFault(faults: Directives['faults'], attempt: number): Fault | undefined {
	let left = attempt;
	for (const { fault, times } of faults) {
		if (left <= times) return fault;
		left -= times;
	}
	return undefined;
}

// ---------------------------------------------------------------------------------------------
// Error bodies

/** NanoGPT's 402 codes for paid features (its error-handling docs), with the message the emulator sends. */
const BALANCE_REQUIRED: Record<string, string> = {
	webSearch_balance_required: 'Web search requires a positive balance',
	memory_balance_required: 'Memory requires a positive balance',
	both_balance_required: 'Web search and memory require a positive balance',
};

/** NanoGPT's per-key daily caps (its rate-limits docs): the 429 body's message for a cap of `limit`. */
const DAILY_CAPS: Record<string, (limit: number) => string> = {
	daily_rpd_limit_exceeded: (limit) => `Daily request limit exceeded (${limit}/${limit}). Resets at midnight UTC.`,
	daily_usd_limit_exceeded: (limit) => `Daily USD limit exceeded ($${limit.toFixed(2)}/$${limit.toFixed(2)}). Resets at midnight UTC.`,
};

/** Whole seconds from `time` to the next 00:00 UTC, as NanoGPT's Retry-After for a daily cap. */
function secondsToUtcMidnight(time = Date.now()): number {
	const day = 24 * 60 * 60 * 1000;
	return Math.ceil((Math.floor(time / day) * day + day - time) / 1000);
}

/**
 * The answer to a request past a key's daily cap: 429, Retry-After counting the seconds to 00:00
 * UTC, and NanoGPT's documented OpenAI-style body.
 */
function dailyCapResponse({ code, limit }: { code: string; limit: number }): Answer {
	return errorResponse({ status: 429, shape: 'openai', code, message: DAILY_CAPS[code](limit), retryAfter: secondsToUtcMidnight() });
}

const OPENAI_TYPES: Record<number, string> = { 401: 'authentication_error', 403: 'permission_error', 429: 'rate_limit_error' };
const OPENAI_CODES: Record<number, string> = { 401: 'invalid_api_key', 403: 'forbidden', 404: 'model_not_found', 413: 'request_too_large', 500: 'internal_error', 503: 'service_unavailable' };
const DEFAULT_SHAPES: Record<number, FaultShape> = { 400: 'spec', 402: 'insufficient', 429: 'rate-limited', 502: 'html', 504: 'html' };

/** Builds {status, headers, body} for a status fault (or any error the emulator sends). */
function errorResponse(f: StatusFault): Answer {
	const status = f.status;
	const statusText = http.STATUS_CODES[status] ?? 'Error';
	const shape = f.shape ?? DEFAULT_SHAPES[status] ?? 'openai';
	const message = f.message ?? (status === 404 ? 'Model not found' : statusText);
	const headers: Record<string, string> = { 'Content-Type': 'application/json' };
	const retryAfter = 'retryAfter' in f ? f.retryAfter : status === 429 ? 1 : undefined;
	if (retryAfter !== undefined && retryAfter !== null) headers['Retry-After'] = String(retryAfter);
	let body: string;
	switch (shape) {
		case 'spec':
			body = JSON.stringify({ error: status, message });
			break;
		case 'insufficient':
			body = JSON.stringify({
				error: f.message ?? BALANCE_REQUIRED[f.code ?? ''] ?? 'Insufficient balance',
				requiredBalance: 0.0035,
				status,
				...(f.code ? { code: f.code } : {}),
			});
			break;
		case 'rate-limited':
			body = JSON.stringify({ code: f.code ?? 'rate_limited', message: f.message ?? 'Rate limit exceeded' });
			break;
		case 'html':
			headers['Content-Type'] = 'text/html; charset=utf-8';
			body = `<html>\r\n<head><title>${status} ${statusText}</title></head>\r\n<body>\r\n<center><h1>${status} ${statusText}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
			break;
		case 'text':
			headers['Content-Type'] = 'text/plain; charset=utf-8';
			body = f.message ?? `${status} ${statusText}`;
			break;
		default: {
			const type = OPENAI_TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
			const code = f.code ?? OPENAI_CODES[status] ?? statusText.toLowerCase().replace(/\W+/g, '_');
			body = JSON.stringify({ error: { message, type, code, param: null } });
		}
	}
	return { status, headers, body };
}

const authError = (code: string, message: string): Answer => ({
	status: 401,
	headers: { 'Content-Type': 'application/json' },
	body: JSON.stringify({ error: { message, type: 'authentication_error', code } }),
});
const NOT_FOUND: Answer = {
	status: 404,
	headers: { 'Content-Type': 'application/json' },
	body: JSON.stringify({ error: { message: 'Not found', type: 'invalid_request_error', code: 'not_found' } }),
};

// ---------------------------------------------------------------------------------------------
// Request validation against the repo's spec copy

/**
 * Body fields NanoGPT documents outside the completions spec, accepted in strict mode too:
 * `stream_options` is the OpenAI-compatible opt-in for usage in a stream (NanoGPT's streaming docs).
 */
const DOCUMENTED_EXTENSIONS = {
	stream_options: {
		type: 'object',
		properties: { include_usage: { type: 'boolean' } },
		additionalProperties: false,
	},
	// Provider routing and billing (checked by routingError, with NanoGPT's own error bodies).
	provider: {},
	billing_mode: {},
	billingMode: {},
};

const validators: { strict?: ValidateFunction; lenient?: ValidateFunction } = {};
/**
 * The spec's CompletionRequest schema. Strict: only the fields it names (plus the documented
 * extensions); lenient: any further field too, as the spec itself does not forbid them.
 */
function validator(strict: boolean): ValidateFunction {
	const key = strict ? 'strict' : 'lenient';
	if (!validators[key]) {
		const spec = parseYaml(fs.readFileSync(SPEC_PATH, 'utf8'));
		const schema = spec.components.schemas.CompletionRequest;
		const ajv = new Ajv2020({ strict: false, allErrors: true });
		validators[key] = ajv.compile(
			strict ? { ...schema, properties: { ...schema.properties, ...DOCUMENTED_EXTENSIONS }, additionalProperties: false } : schema,
		);
	}
	return validators[key] as ValidateFunction;
}

/**
 * Returns an error message like '/temperature must be <= 2' or 'unknown field "temprature"',
 * or undefined when the body is valid.
 */
function validationError(body: unknown, strict: boolean): string | undefined {
	const validate = validator(strict);
	if (validate(body)) return undefined;
	return (validate.errors ?? [])
		.map((e) =>
			e.keyword === 'additionalProperties'
				? `${e.instancePath ? `${e.instancePath}: ` : ''}unknown field "${e.params.additionalProperty}"`
				: `${e.instancePath || 'body'} ${e.message}`,
		)
		.join('; ');
}

// ---------------------------------------------------------------------------------------------
// Provider routing, routing suffixes, billing mode, inline moderation and PII redaction
// (NanoGPT's docs since the spec: provider-selection.mdx, model-suffixes.mdx, billing-override.mdx,
// inline-moderation.mdx, pii-redaction.mdx). Refused the way NanoGPT refuses them; the exact
// `speed_suffix_*` codes and the status of a few refusals are not documented (noted below).

/** NanoGPT's provider-selection markup. */
export const PROVIDER_MARKUP = 1.05;
const PROVIDER_OBJECT_KEYS = new Set<string>(['order', 'only', 'ignore', 'sort', 'quantizations', 'min_quantization', 'max_price', 'allow_fallbacks', 'require_parameters']);
const PROVIDER_SORTS = new Set<string>(['speed', 'throughput', 'latency', 'price', 'auto', 'none', 'default']);
const QUANTIZATION_BITS: Record<string, number> = { int4: 4, fp4: 4, fp6: 6, int8: 8, fp8: 8, fp16: 16, bf16: 16, fp32: 32 };
const BILLING_MODES = new Set(['paygo', 'pay-as-you-go', 'pay_as_you_go', 'paid', 'payg']);
const TRUTHY = new Set(['true', '1', 'yes', 'on']);
const FALSY = new Set(['false', '0', 'no', 'off']);
const REDACTION_HEADERS = ['redaction', 'redacted', 'piiredaction', 'piiredacted'];
/** PII redaction, per request (USD), added to x_nanogpt_pricing.amount. */
export const REDACTION_USD = 0.0005;
const MODERATION_MODELS = ['omni-moderation-latest', 'meta-llama/llama-guard-4-12b'];
/** The cost of one inline moderation check (USD), in the -cost-usd header and the usage totals. */
export const MODERATION_USD = 0.00000123;
const ROUTING_SUFFIXES: Record<string, [kind: string, canonical: string]> = {
	speed: ['preference', 'speed'], fast: ['preference', 'speed'], throughput: ['preference', 'throughput'], latency: ['preference', 'latency'],
	price: ['preference', 'price'], cheap: ['preference', 'price'], floor: ['preference', 'price'],
	tools: ['tools', 'tools'], caching: ['caching', 'caching'], cache: ['caching', 'caching'], cached: ['caching', 'caching'],
};
/** Web search suffixes and their price per request (USD; chat docs' table, Exa without pages). */
export const WEB_SEARCH_PRICES: Record<string, number> = {
	online: 0.006, 'online/linkup': 0.006, 'online/linkup-deep': 0.06, 'online/tavily': 0.008, 'online/tavily-deep': 0.016,
	'online/brave': 0.005, 'online/brave-deep': 0.005, 'online/sofya': 0.01575, 'online/exa-fast': 0.005, 'online/exa-auto': 0.005,
	'online/exa-neural': 0.005, 'online/exa-deep': 0.005, 'online/exa-deep-reasoning': 0.005, 'online/exa-instant': 0.005,
	'online/kagi': 0.002, 'online/kagi-web': 0.002, 'online/kagi-news': 0.002, 'online/kagi-search': 0.025, 'online/perplexity': 0.005,
	'online/perplexity-deep': 0.005, 'online/valyu': 0.0015, 'online/valyu-deep': 0.0015, 'online/valyu-web': 0.0015, 'online/valyu-web-deep': 0.0015,
};

/** A 400 in NanoGPT's OpenAI shape, naming the request field. */
function invalidRequest(message: string, code: string, param: string | null, status = 400): Answer {
	const type = status === 403 ? 'permission_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
	return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error: { message, type, param, code } }) };
}

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((entry) => typeof entry === 'string');
const lowerHeader = (headers: RequestHeaders, name: string): string | undefined => {
	const value = headers[name];
	return typeof value === 'string' ? value.trim() : undefined;
};

/** The model ID's parts: its base, routing suffixes, web search suffix, provider suffix and the rest. */
function parseModelSuffixes(model: unknown, knownProviders: string[]) {
	const [base, ...suffixes] = String(model).split(':');
	const parsed: { base: string; routing: Array<[string, string]>; webSearch?: string; providerSuffix?: string; reasoningExclude: boolean } = { base, routing: [], webSearch: undefined, providerSuffix: undefined, reasoningExclude: false };
	for (const raw of suffixes) {
		const suffix = raw.toLowerCase();
		if (ROUTING_SUFFIXES[suffix]) parsed.routing.push(ROUTING_SUFFIXES[suffix]);
		else if (suffix === 'online' || suffix.startsWith('online/')) parsed.webSearch = suffix;
		else if (suffix === 'reasoning-exclude') parsed.reasoningExclude = true;
		else if (knownProviders.includes(suffix)) parsed.providerSuffix = suffix;
	}
	return parsed;
}

/** Checks the body's provider field as NanoGPT validates it; returns an error response or undefined. */
function providerShapeError(provider: any): Answer | undefined {
	if (provider === undefined) return undefined;
	if (typeof provider === 'string') return provider.trim() === '' ? invalidRequest('provider must not be empty', 'invalid_parameter_value', 'provider') : undefined;
	if (typeof provider !== 'object' || provider === null || Array.isArray(provider)) {
		return invalidRequest('provider must be a provider ID or a routing object', 'invalid_parameter_value', 'provider');
	}
	for (const key of Object.keys(provider)) {
		if (!PROVIDER_OBJECT_KEYS.has(key)) return invalidRequest(`Unknown field provider.${key}`, 'invalid_parameter_value', `provider.${key}`);
	}
	for (const key of ['order', 'only', 'ignore']) {
		if (key in provider && !isStringList(provider[key])) return invalidRequest(`provider.${key} must be an array of strings`, 'invalid_parameter_value', `provider.${key}`);
	}
	if ('sort' in provider && !PROVIDER_SORTS.has(provider.sort)) return invalidRequest(`provider.sort must be one of ${[...PROVIDER_SORTS].join(', ')}`, 'invalid_parameter_value', 'provider.sort');
	const q = provider.quantizations;
	if ('quantizations' in provider && !(isStringList(q) && q.length > 0 && q.every((entry: string) => entry === 'unknown' || entry in QUANTIZATION_BITS))) {
		return invalidRequest('provider.quantizations must be a non-empty array of supported quantizations', 'invalid_parameter_value', 'provider.quantizations');
	}
	const min = provider.min_quantization;
	if ('min_quantization' in provider && !(typeof min === 'string' && min in QUANTIZATION_BITS)) {
		return invalidRequest('provider.min_quantization must be a supported comparable quantization', 'invalid_parameter_value', 'provider.min_quantization');
	}
	if (q && min && !q.some((entry: string) => (QUANTIZATION_BITS[entry] ?? 0) >= QUANTIZATION_BITS[min])) {
		return invalidRequest('provider.quantizations and provider.min_quantization do not overlap', 'invalid_parameter_value', 'provider.min_quantization');
	}
	if ('max_price' in provider) {
		const cap = provider.max_price;
		if (typeof cap !== 'object' || cap === null || Array.isArray(cap) || Object.keys(cap).some((key) => !['prompt', 'completion'].includes(key))) {
			return invalidRequest('provider.max_price takes prompt and completion only', 'invalid_parameter_value', 'provider.max_price');
		}
		for (const key of Object.keys(cap)) {
			if (typeof cap[key] !== 'number' || !(cap[key] >= 0)) return invalidRequest(`provider.max_price.${key} must be a non-negative number`, 'invalid_parameter_value', `provider.max_price.${key}`);
		}
	}
	for (const key of ['allow_fallbacks', 'require_parameters']) {
		if (key in provider && typeof provider[key] !== 'boolean') return invalidRequest(`provider.${key} must be a boolean`, 'invalid_parameter_value', `provider.${key}`);
	}
	return undefined;
}

/**
 * The providers a request may use and the one it gets, for a model with provider selection.
 * Returns {provider} or {error}; with `lenient`, unknown IDs and constraints no provider meets give
 * {provider: undefined} (the model's default price) instead of an error.
 */
function chooseProvider(
	providers: ProviderInfo[],
	provider: any,
	preference: string | undefined,
	lenient: boolean,
): { error: Answer; provider?: undefined } | { provider: ProviderInfo | undefined; error?: undefined } {
	const known = providers.map((p) => p.provider);
	const price = (p: ProviderInfo) => p.prompt + p.completion;
	if (typeof provider === 'string') {
		const match = providers.find((p) => p.provider === provider.toLowerCase());
		if (!match && !lenient) return { error: invalidRequest(`Unknown or unavailable provider id in provider: ${provider}`, 'provider_unknown_provider', 'provider') };
		return { provider: match };
	}
	const routing = provider ?? {};
	const unknown = (routing.only ?? []).find((id: string) => !known.includes(id));
	if (unknown !== undefined && !lenient) return { error: invalidRequest(`Unknown or unavailable provider id in provider.only: ${unknown}`, 'provider_unknown_provider', 'provider.only') };
	let candidates = providers.filter((p) => p.available && !(routing.ignore ?? []).includes(p.provider));
	if (routing.only) candidates = candidates.filter((p) => routing.only.includes(p.provider));
	if (routing.quantizations) candidates = candidates.filter((p) => routing.quantizations.includes(p.quantization));
	if (routing.min_quantization) candidates = candidates.filter((p) => (QUANTIZATION_BITS[p.quantization] ?? 0) >= QUANTIZATION_BITS[routing.min_quantization]);
	const cap = routing.max_price ?? {};
	candidates = candidates.filter((p) => !(p.prompt * PROVIDER_MARKUP > (cap.prompt ?? Infinity)) && !(p.completion * PROVIDER_MARKUP > (cap.completion ?? Infinity)));
	if (candidates.length === 0) {
		if (lenient) return { provider: undefined };
		return routing.allow_fallbacks === false
			? { error: invalidRequest('No provider satisfies the routing constraints and fallbacks are disabled', 'no_fallback_available', null) }
			: { error: invalidRequest('All providers for this model failed', 'all_fallbacks_failed', null, 503) };
	}
	const ordered = (routing.order ?? []).map((id: string) => candidates.find((p) => p.provider === id)).filter(Boolean);
	if (ordered.length > 0) return { provider: ordered[0] };
	const sort = routing.sort ?? preference;
	if (sort === 'price' || sort === undefined) return { provider: [...candidates].sort((a, b) => price(a) - price(b))[0] };
	return { provider: candidates[0] };
}

/** The inline moderation a request asks for: {model} or {error}; undefined when off or absent. */
function moderationOf(headers: RequestHeaders, lenientIds: boolean): { error: Answer; model?: undefined } | { model: string; error?: undefined } | undefined {
	const value = lowerHeader(headers, 'moderation');
	if (value === undefined) return undefined;
	if (FALSY.has(value.toLowerCase())) return undefined;
	const named = TRUTHY.has(value.toLowerCase()) ? undefined : value;
	const extra = lowerHeader(headers, 'moderation-model');
	if (named && extra && named !== extra) return { error: invalidRequest('Conflicting moderation headers.', 'conflicting_moderation_model', 'moderation') };
	const model = named ?? extra ?? MODERATION_MODELS[0];
	if (!MODERATION_MODELS.includes(model) && !lenientIds) return { error: invalidRequest(`Model ${model} not found`, 'model_not_found', 'moderation', 404) };
	return { model };
}

/** Whether the request asks for PII redaction; {error} for a header value NanoGPT does not read. */
function redactionOf(headers: RequestHeaders): { error: Answer; on?: undefined } | { on: boolean; error?: undefined } {
	let on = false;
	for (const name of REDACTION_HEADERS) {
		const value = lowerHeader(headers, name)?.toLowerCase();
		if (value === undefined) continue;
		if (TRUTHY.has(value)) on = true;
		else if (!FALSY.has(value)) return { error: invalidRequest(`${name} must be true or false`, 'invalid_parameter_value', name) };
	}
	return { on };
}

/**
 * How a valid body and its headers are routed and billed, or the error NanoGPT answers:
 * {error} or {routing: {provider, prompt, completion, searchUsd, addOnUsd, moderation, paygo}}.
 * `models` is the emulator's catalogue; `account.paidModelsApi === false` refuses pay-as-you-go;
 * `lenientProviders` accepts any provider or moderation model ID and constraints no provider meets.
 */
function routeRequest(
	body: any,
	headers: RequestHeaders,
	models: ModelInfo[],
	account: AccountSettings,
	lenientProviders: boolean,
): { error: Answer; routing?: undefined } | { routing: Routing; error?: undefined } {
	const shapeError = providerShapeError(body.provider);
	if (shapeError) return { error: shapeError };
	const billing = body.billing_mode ?? body.billingMode;
	if (billing !== undefined && !(typeof billing === 'string' && BILLING_MODES.has(billing.toLowerCase()))) {
		return { error: invalidRequest(`billing_mode must be one of ${[...BILLING_MODES].join(', ')}`, 'invalid_parameter_value', 'billing_mode') };
	}
	const model = models.find((m) => m.id === String(body.model).split(':')[0]);
	const providers = model?.providers ?? [];
	const parsed = parseModelSuffixes(body.model, providers.map((p) => p.provider));
	if (parsed.webSearch && !(parsed.webSearch in WEB_SEARCH_PRICES)) {
		return { error: invalidRequest(`Unknown web search provider in :${parsed.webSearch}`, 'invalid_parameter_value', 'model') };
	}
	const kinds = new Set(parsed.routing.map(([kind]) => kind));
	const preferences = new Set(parsed.routing.filter(([kind]) => kind === 'preference').map(([, canonical]) => canonical));
	const providerChoice = body.provider !== undefined || lowerHeader(headers, 'x-provider') !== undefined || parsed.providerSuffix !== undefined;
	// The exact speed_suffix_* code names are not documented; these follow the family's name.
	if (preferences.size > 1) return { error: invalidRequest('Conflicting routing preference suffixes', 'speed_suffix_conflict', 'model') };
	if (kinds.has('tools') && kinds.has('preference')) return { error: invalidRequest(':tools cannot be combined with a routing preference suffix', 'speed_suffix_tools_conflict', 'model') };
	if (kinds.has('caching') && kinds.size > 1) return { error: invalidRequest(':caching cannot be combined with :tools or a routing preference suffix', 'speed_suffix_caching_conflict', 'model') };
	if (kinds.size > 0 && providerChoice) return { error: invalidRequest('Routing suffixes cannot be combined with a provider choice', 'speed_suffix_provider_conflict', 'model') };
	if (kinds.size > 0 && providers.length === 0) return { error: invalidRequest('This model does not support provider selection, so routing suffixes are not allowed', 'speed_suffix_unsupported_model', 'model') };

	const moderation = moderationOf(headers, lenientProviders);
	if (moderation?.error) return { error: moderation.error };
	const redaction = redactionOf(headers);
	if (redaction.error) return { error: redaction.error };

	// A model without provider selection ignores provider preferences, as NanoGPT does.
	const routed = providers.length > 0 && (providerChoice || kinds.size > 0);
	let chosen: ProviderInfo | undefined;
	if (routed) {
		const choice = chooseProvider(providers, body.provider, [...preferences][0] ?? 'price', lenientProviders);
		if (choice.error) return { error: choice.error };
		chosen = choice.provider;
	}
	const paygo = billing !== undefined || routed;
	if (paygo && account.paidModelsApi === false) {
		return { error: invalidRequest('Paid API requests are disabled for this account', 'paid_features_disabled', null, 403) };
	}
	const defaultPrice = { prompt: model?.pricing?.prompt ?? 1, completion: model?.pricing?.completion ?? 3 };
	return {
		routing: {
			provider: chosen?.provider,
			prompt: chosen ? chosen.prompt * PROVIDER_MARKUP : defaultPrice.prompt,
			completion: chosen ? chosen.completion * PROVIDER_MARKUP : defaultPrice.completion,
			searchUsd: parsed.webSearch ? WEB_SEARCH_PRICES[parsed.webSearch] : 0,
			addOnUsd: redaction.on ? REDACTION_USD : 0,
			moderation: moderation && { model: moderation.model, costUsd: MODERATION_USD },
			paygo,
		},
	};
}

/** The x-nanogpt-inline-moderation-* headers of a moderated answer. */
function moderationHeaders(moderation: NonNullable<Routing['moderation']>, flagged: boolean): Record<string, string> {
	return {
		'x-nanogpt-inline-moderation-model': moderation.model,
		'x-nanogpt-inline-moderation-flagged': String(flagged),
		'x-nanogpt-inline-moderation-cost-usd': String(moderation.costUsd),
	};
}

/** The 400 a prompt moderation flags ([[moderation:flag]] in the prompt), with NanoGPT's body and headers. */
function moderationRefusal(moderation: NonNullable<Routing['moderation']>, promptTokens: number): Answer {
	return {
		status: 400,
		headers: { 'Content-Type': 'application/json', ...moderationHeaders(moderation, true) },
		body: JSON.stringify({
			error: { message: 'Your request was blocked by content moderation.', type: 'invalid_request_error', code: 'content_policy_violation' },
			moderation: {
				id: 'modr_emulated',
				model: moderation.model,
				results: [{ flagged: true, categories: { violence: true }, category_scores: { violence: 0.97 } }],
				usage: { prompt_tokens: promptTokens, completion_tokens: 0, total_tokens: promptTokens },
			},
		}),
	};
}

/**
 * The usage detail fields the emulator adds with `usageDetails` (as NanoGPT documents them for chat
 * completions): half the prompt read from the cache, the rest written to it, two reasoning tokens,
 * one search query with web search.
 */
export function usageDetailsFor(body: Pick<CompletionBody, 'model'>, promptTokens: number, completionTokens: number): Record<string, unknown> {
	const cached = Math.floor(promptTokens / 2);
	const details: Record<string, unknown> = {
		prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
		completion_tokens_details: { reasoning_tokens: Math.min(2, completionTokens), audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
		cache_read_input_tokens: cached,
		cache_creation_input_tokens: promptTokens - cached,
	};
	if (String(body.model).split(':').some((suffix) => suffix === 'online' || suffix.startsWith('online/'))) details.num_search_queries = 1;
	return details;
}

/** x_nanogpt_pricing in the shape of NanoGPT's streaming example: `cost` and billing details, no `amount` or `currency`. */
function costShapedPricing(price: Price, usage: Usage) {
	return {
		cost: price.amount,
		inputTokens: usage.prompt_tokens,
		outputTokens: usage.completion_tokens,
		cacheCost: 0,
		paymentSource: 'USD',
		billedToTeam: false,
		billedTeamId: null,
		billedTeamName: null,
	};
}

/** GET /models/{canonicalId}/providers for the catalogue (not under /v1), prices per 1K tokens with the markup. */
function modelProvidersBody(models: ModelInfo[], canonicalId: string) {
	const model = models.find((m) => m.id === canonicalId);
	if (!model) return undefined;
	// A pricing side left undefined gives NaN, as it did untyped.
	const per1k = (usdPerMillion: number | undefined) => Math.round((Number(usdPerMillion) / 1000) * 1e12) / 1e12;
	const price = model.pricing ?? { prompt: 1, completion: 3 };
	return {
		canonicalId: model.id,
		displayName: model.name ?? model.id,
		supportsProviderSelection: (model.providers ?? []).length > 0,
		defaultPrice: { inputPer1kTokens: per1k(price.prompt), outputPer1kTokens: per1k(price.completion) },
		providers: (model.providers ?? []).map((p) => ({
			provider: p.provider,
			pricing: { inputPer1kTokens: per1k(p.prompt * PROVIDER_MARKUP), outputPer1kTokens: per1k(p.completion * PROVIDER_MARKUP) },
			available: p.available,
		})),
	};
}

// ---------------------------------------------------------------------------------------------
// The server

const now = () => performance.timeOrigin + performance.now();
const abortError = () => Object.assign(new Error('aborted'), { name: 'AbortError' });

/** What one request's handling carries from route to route. */
interface RequestContext {
	req: http.IncomingMessage;
	res: http.ServerResponse;
	record: RecordedRequest;
	url: URL;
	signal: AbortSignal;
	/** The parsed JSON body (any shape: the routes validate it), undefined when empty or not JSON. */
	body: any;
	attempt?: number;
	routing?: Routing;
	extraHeaders?: Record<string, string>;
}

interface StreamParts {
	base: Record<string, unknown>;
	completion: CompletionText;
	usageObj: Usage;
	price: Price;
	reportsCost: boolean;
	includeUsage: boolean;
	fault: AnyFault | undefined;
	chunkDelay: number;
	index: number;
	requestIdHeader: Record<string, string | null>;
}

/** Starts an emulator on 127.0.0.1 (options and handle: emulator/types.ts). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
	const apiKey = options.apiKey ?? DEFAULT_KEY;
	const basePath = (options.basePath ?? '/api').replace(/\/+$/, '');
	const lenient = { routesAtRoot: false, apiKeyHeader: false, unknownFields: false, availability: false, ...options.lenient };
	const pricing = options.pricing ?? true;
	const pricingShape = options.pricingShape ?? 'amount';
	const usageDetails = options.usageDetails ?? false;
	const account = { paidModelsApi: true, ...options.account };
	const streamUsage = options.streamUsage ?? 'separate-event';
	const sseStyle = options.sseStyle ?? 'lf';
	const seed = options.seed ?? 1;
	const models: ModelInfo[] = (options.models ?? DEFAULT_MODELS).map((m) => (typeof m === 'string' ? { id: m } : m));
	const created = 1730000000;
	validator(!lenient.unknownFields); // compile the spec schema now rather than on the first request

	let latencyMs = options.latencyMs ?? 0;
	let chunkDelayMs = options.chunkDelayMs ?? 0;
	let rateLimit = options.rateLimit;
	let dailyLimit = options.dailyLimit;
	let completionCost = options.completionCostUsd;
	/** Completions this key was admitted "today" (since the start or the last reset or setDailyLimit). */
	let admittedToday = 0;
	let faultRule: FaultRule | undefined;

	const requests: RecordedRequest[] = [];
	const stats: Emulator['stats'] = { inFlight: 0, maxInFlight: 0, connections: 0, completions: 0, rateLimited: 0, byStatus: {} };
	const totals = { prompt_tokens: 0, completion_tokens: 0, cost: 0 };
	const attempts = new Map<string, number>();
	let windowStarts: number[] = [];
	let completionIndex = 0;
	let requestCounter = 0;
	const sockets = new Set<Socket>();
	const open = new Map<http.ServerResponse, AbortController>(); // responses not yet closed

	// --- route table -------------------------------------------------------------------------
	const routes: Record<string, (ctx: RequestContext) => unknown> = {
		'POST /v1/completions': completions,
		'GET /v1/models': listModels,
		'GET /v1/usage': usage,
		'POST /v1/chat/completions': chatCompletions,
	};
	/** Routes with a parameter in their path: [method, pattern, handler(ctx, ...captures)]. */
	const patternRoutes: Array<[string, RegExp, (ctx: RequestContext, ...captures: string[]) => unknown]> = [['GET', /^\/models\/([^/]+)\/providers$/, modelProviders]];

	const server = http.createServer({ keepAlive: true }, handle);
	server.on('connection', (socket) => {
		stats.connections++;
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	server.listen(options.port ?? 0, '127.0.0.1');
	await once(server, 'listening');
	const { port } = server.address() as AddressInfo;
	const origin = `http://127.0.0.1:${port}`;

	async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
		const url = new URL(req.url ?? '/', origin);
		const record: RecordedRequest = {
			id: `req_${++requestCounter}`,
			method: req.method as string,
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			headers: { ...req.headers },
			body: undefined,
			startedAt: now(),
			status: undefined,
			fault: undefined,
			finishedAt: undefined,
		};
		requests.push(record);
		stats.inFlight++;
		stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
		const controller = new AbortController();
		open.set(res, controller);
		res.once('close', () => {
			stats.inFlight--;
			record.finishedAt = now();
			open.delete(res);
			controller.abort();
		});
		const ctx: RequestContext = { req, res, record, url, signal: controller.signal, body: undefined };
		try {
			await route(ctx);
		} catch (err: any) {
			if (err?.name === 'AbortError' || res.destroyed) return; // client went away or emu.close()
			process.stderr.write(`emulator: ${err?.stack ?? err}\n`);
			if (!res.headersSent) send(ctx, errorResponse({ status: 500, message: `Emulator error: ${err?.message}` }));
			else res.destroy();
		}
	}

	/** Reads the body, then dispatches through the route table. */
	async function route(ctx: RequestContext) {
		const { req, url, record } = ctx;
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk);
		const raw = Buffer.concat(chunks).toString('utf8');
		if (raw !== '') {
			try {
				ctx.body = JSON.parse(raw);
			} catch {
				ctx.body = undefined;
			}
			record.body = ctx.body === undefined ? raw : ctx.body;
		}

		// Strict: only under the base path, as NanoGPT serves its API under https://nano-gpt.com/api.
		const underBasePath = basePath === '' || url.pathname.startsWith(`${basePath}/`);
		const routePath = underBasePath ? url.pathname.slice(basePath.length) : lenient.routesAtRoot ? url.pathname : undefined;
		const handler = routePath === undefined ? undefined : routes[`${req.method} ${routePath}`];
		if (handler) return handler(ctx);
		for (const [method, pattern, patternHandler] of patternRoutes) {
			const match = routePath !== undefined && req.method === method ? pattern.exec(routePath) : null;
			if (match) return patternHandler(ctx, ...match.slice(1));
		}
		return send(ctx, NOT_FOUND);
	}

	/** Writes the status line and headers, and counts the status. */
	function head(ctx: RequestContext, status: number, headers: Record<string, string | null>) {
		ctx.record.status = status;
		stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
		if (status === 429) stats.rateLimited++;
		const { 'X-Request-ID': requestId = ctx.record.id, ...rest } = headers; // null: send none
		const sent = rest as Record<string, string>; // only X-Request-ID may be null
		ctx.res.writeHead(status, requestId === null ? sent : { 'X-Request-ID': requestId, ...sent });
	}

	function send(ctx: RequestContext, { status, headers, body }: Answer) {
		head(ctx, status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
		ctx.res.end(body);
	}

	const sendJson = (ctx: RequestContext, status: number, value: unknown) => send(ctx, { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });

	/** The spec's one scheme, `Authorization: Bearer <key>`; `X-API-Key` only when asked to be lenient. */
	function keyOf(req: http.IncomingMessage) {
		const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
		const candidates = [bearer?.[1]?.trim(), lenient.apiKeyHeader ? req.headers['x-api-key'] : undefined].filter(Boolean);
		return { present: candidates.length > 0, valid: candidates.includes(apiKey) };
	}

	// --- routes ------------------------------------------------------------------------------
	function listModels(ctx: RequestContext) {
		const detailed = ctx.url.searchParams.get('detailed') === 'true';
		const data = models.map((m) => {
			const base = { id: m.id, object: 'model', created, owned_by: m.owned_by ?? m.id.split('/')[0] };
			if (!detailed) return base;
			const price = m.pricing ?? { prompt: 1, completion: 3 };
			const entry: Record<string, unknown> = {
				...base,
				name: m.name ?? m.id,
				description: m.description ?? `${m.name ?? m.id} (emulated)`,
				context_length: m.context_length ?? 128000,
				max_output_tokens: m.max_output_tokens ?? 8192,
				capabilities: { vision: false, reasoning: false, tool_calling: false },
				pricing: { prompt: price.prompt, completion: price.completion, currency: price.currency ?? 'USD', unit: 'per_million_tokens' },
			};
			// null in the model's info: the catalogue leaves that field out, as NanoGPT may for a model.
			for (const field of ['name', 'context_length', 'max_output_tokens', 'pricing'] as const) if (m[field] === null) delete entry[field];
			return entry;
		});
		sendJson(ctx, 200, { object: 'list', data });
	}

	function usage(ctx: RequestContext) {
		const key = keyOf(ctx.req);
		if (!key.present) return send(ctx, authError('missing_api_key', 'Missing API key'));
		if (!key.valid) return send(ctx, authError('invalid_api_key', 'Invalid API key'));
		sendJson(ctx, 200, {
			object: 'usage',
			requests: stats.completions,
			prompt_tokens: totals.prompt_tokens,
			completion_tokens: totals.completion_tokens,
			total_tokens: totals.prompt_tokens + totals.completion_tokens,
			cost_usd: Math.round(totals.cost * 1e8) / 1e8,
			daily_limit_usd: null,
		});
	}

	/** GET /models/{canonicalId}/providers: the ID arrives encoded (`%2F` for `/`). */
	function modelProviders(ctx: RequestContext, encodedId: string) {
		if (!keyOf(ctx.req).valid) return send(ctx, authError('invalid_api_key', 'Invalid API key'));
		let canonicalId: string;
		try {
			canonicalId = decodeURIComponent(encodedId);
		} catch {
			canonicalId = encodedId;
		}
		const providersBody = modelProvidersBody(models, canonicalId);
		if (!providersBody) return send(ctx, invalidRequest(`Invalid model ID: ${canonicalId}`, 'model_not_found', 'canonicalId'));
		sendJson(ctx, 200, providersBody);
	}

	/**
	 * Routing, billing mode, moderation and redaction of a valid completion request; sends NanoGPT's
	 * refusal and returns false, or keeps what pricing and the answer's headers need on ctx.
	 */
	function admitRouting(ctx: RequestContext): boolean {
		const routed = routeRequest(ctx.body, ctx.record.headers, models, account, lenient.availability);
		if (routed.error) {
			send(ctx, routed.error);
			return false;
		}
		ctx.routing = routed.routing;
		ctx.record.routing = routed.routing;
		const moderation = routed.routing.moderation;
		if (!moderation) return true;
		totals.cost += moderation.costUsd;
		if (String(ctx.body.prompt).includes('[[moderation:flag]]')) {
			send(ctx, moderationRefusal(moderation, countPromptTokens(ctx.body.prompt)));
			return false;
		}
		ctx.extraHeaders = moderationHeaders(moderation, false);
		return true;
	}

	async function completions(ctx: RequestContext) {
		stats.completions++;
		if (!keyOf(ctx.req).valid) return send(ctx, authError('invalid_api_key', 'Invalid API key'));

		if (dailyLimit) {
			if (admittedToday >= dailyLimit.requests) {
				return send(ctx, dailyCapResponse({ code: dailyLimit.code ?? 'daily_rpd_limit_exceeded', limit: dailyLimit.requests }));
			}
			admittedToday++;
		}

		if (rateLimit) {
			const t = now();
			windowStarts = windowStarts.filter((s) => t - s < 1000);
			if (windowStarts.length >= rateLimit.requestsPerSecond) {
				return send(ctx, errorResponse({ status: 429, retryAfter: rateLimit.retryAfterSeconds ?? 1 }));
			}
			windowStarts.push(t);
		}

		if (ctx.body === undefined) return send(ctx, errorResponse({ status: 400, message: 'Invalid JSON in request body' }));
		const invalid = validationError(ctx.body, !lenient.unknownFields);
		if (invalid) return send(ctx, errorResponse({ status: 400, message: invalid }));
		if (!admitRouting(ctx)) return;

		const body = ctx.body;
		const attempt = (attempts.get(body.prompt) ?? 0) + 1;
		attempts.set(body.prompt, attempt);
		ctx.attempt = attempt;
		const index = completionIndex++;
		const directives = parseDirectives(body.prompt);
		const chosen = chooseFault({ body, attempt, index, headers: ctx.record.headers }, directives);
		ctx.record.fault = chosen;
		const fault: AnyFault | undefined = chosen;

		const wait = (directives.latencyMs ?? latencyMs) + (fault?.kind === 'delay' ? (fault.ms ?? 1000) : 0);
		if (wait > 0) await sleep(wait, undefined, { signal: ctx.signal });
		const chunkDelay = directives.chunkDelayMs ?? chunkDelayMs;
		return answer(ctx, body, index, fault, chunkDelay);
	}

	/** OpenAI's chat format, scripted by the conversation (test/support/chatCompletions.ts). */
	async function chatCompletions(ctx: RequestContext) {
		if (!keyOf(ctx.req).valid) return send(ctx, authError('invalid_api_key', 'Invalid API key'));
		ctx.record.reply = await sendChatCompletion({
			body: ctx.body,
			models,
			id: `chatcmpl-${ctx.record.id}`,
			created: Math.floor(Date.now() / 1000),
			send: async (status, headers, body) => send(ctx, { status, headers, body }),
			stream: async (status, headers, events) => {
				head(ctx, status, headers);
				ctx.res.end(events.map((event) => `data: ${event}\n\n`).join(''));
			},
		});
	}

	// --- the one place that decides faults, and the one that applies them ---------------------
	/** The fault rule's answer if it returns one, else the prompt directives' fault for this attempt. */
	function chooseFault(faultCtx: FaultContext, directives: Directives): Fault | undefined {
		try {
			return faultRule?.(faultCtx) ?? directiveFault(directives.faults, faultCtx.attempt);
		} catch (err: any) {
			return { status: 500, message: `Emulator fault rule threw: ${err?.message ?? err}` };
		}
	}

	/** Sends the completion response, shaped by the fault if there is one. */
	async function answer(ctx: RequestContext, body: any, index: number, fault: AnyFault | undefined, chunkDelay: number) {
		const { res } = ctx;
		const kind = fault?.kind;
		const stream = body.stream === true;
		const requestIdHeader = { ...(fault?.requestId !== undefined && { 'X-Request-ID': fault.requestId }), ...ctx.extraHeaders };
		if (fault?.requestId !== undefined) ctx.record.id = fault.requestId;
		if (fault && kind === undefined) {
			const r = Number.isInteger(fault.status) ? errorResponse(fault as StatusFault) : errorResponse({ status: 500, message: 'Emulator: fault has neither status nor kind' });
			return send(ctx, { ...r, headers: { ...r.headers, ...requestIdHeader } });
		}
		if (kind !== undefined && !FAULT_KINDS.has(kind)) {
			return send(ctx, errorResponse({ status: 500, message: `Emulator: unknown fault kind '${kind}'` }));
		}
		if (kind === 'reset') return void resetSocket(res);
		if (kind === 'hang') return; // answered never; closed by client abort or emu.close()

		const completion = kind === 'huge' ? hugeCompletion(body, fault?.bytes ?? HUGE_DEFAULT_BYTES) : completionTextFor(body, ctx.attempt);
		const usageObj: Usage = {
			prompt_tokens: completion.promptTokens,
			completion_tokens: completion.completionTokens,
			total_tokens: completion.promptTokens + completion.completionTokens,
		};
		if (usageDetails) Object.assign(usageObj, usageDetailsFor(body, usageObj.prompt_tokens, usageObj.completion_tokens));
		const price = pricingFor(body.model, usageObj, ctx.routing);
		if (typeof completionCost === 'number') price.amount = completionCost;
		const reportsCost = pricing && completionCost !== null;
		totals.prompt_tokens += usageObj.prompt_tokens;
		totals.completion_tokens += usageObj.completion_tokens;
		totals.cost += price.amount;
		const base = { id: `cmpl-${index + 1}`, object: 'text_completion', created: Math.floor(Date.now() / 1000), model: body.model };

		if (stream) {
			const includeUsage = streamUsage !== 'none' && kind !== 'no-usage' && body.stream_options?.include_usage === true;
			return streamCompletion(ctx, { base, completion, usageObj, price, reportsCost, includeUsage, fault, chunkDelay, index, requestIdHeader });
		}

		const choice = {
			text: completion.text,
			index: 0,
			logprobs: body.logprobs ? logprobsFor(completion.tokens) : null,
			finish_reason: completion.finishReason,
		};
		const response: Record<string, unknown> = { ...base, choices: kind === 'empty-choices' ? [] : [choice] };
		if (kind !== 'no-usage') response.usage = usageObj;
		if (reportsCost) response.x_nanogpt_pricing = pricingShape === 'cost' ? costShapedPricing(price, usageObj) : price;
		const json = JSON.stringify(response);
		const headers = { 'Content-Type': 'application/json', ...requestIdHeader };

		if (kind === 'malformed-json') {
			return send(ctx, { status: 200, headers, body: json.slice(0, Math.floor(json.length * 0.6)) });
		}
		if (kind === 'reset-mid-body') {
			const bytes = Buffer.from(json);
			head(ctx, 200, { ...headers, 'Content-Length': String(bytes.length) });
			res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
			await tick();
			return void res.socket?.destroy(); // FIN, so the client reads headers and the partial body first
		}
		return send(ctx, { status: 200, headers, body: json });
	}

	function hugeCompletion(body: CompletionBody, bytes: number): CompletionText {
		const unit = 'lorem ipsum dolor sit amet '; // ASCII: text.length === bytes
		const text = unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
		const tokens: string[] = [];
		for (let i = 0; i < text.length; i += HUGE_PIECE) tokens.push(text.slice(i, i + HUGE_PIECE));
		return { text, tokens, finishReason: 'length', promptTokens: countPromptTokens(body.prompt), completionTokens: Math.ceil(bytes / 4) };
	}

	/** The answer's cost: the routed provider's prices (default: the model's), web search and add-ons per request. */
	function pricingFor(model: string, u: Usage, routing: Routing | undefined): Price {
		const [baseId] = String(model).split(':');
		const m = models.find((x) => x.id === baseId);
		const p = routing ?? { prompt: m?.pricing?.prompt ?? 1, completion: m?.pricing?.completion ?? 3 };
		const search = (routing?.searchUsd ?? 0) + (routing?.addOnUsd ?? 0);
		const inputCost = (u.prompt_tokens * p.prompt) / 1e6;
		const outputCost = (u.completion_tokens * p.completion) / 1e6;
		const round = (x: number) => Math.round(x * 1e10) / 1e10;
		const addOn = routing?.addOnUsd ? { pii_redaction_cost: routing.addOnUsd } : {};
		return { amount: round(inputCost + outputCost + search), currency: 'USD', input_cost: round(inputCost), output_cost: round(outputCost), web_search_cost: routing?.searchUsd ?? 0, ...addOn };
	}

	async function streamCompletion(ctx: RequestContext, { base, completion, usageObj, price, reportsCost, includeUsage, fault, chunkDelay, index, requestIdHeader }: StreamParts) {
		const { res, signal } = ctx;
		const kind = fault?.kind;
		const eol = sseStyle === 'crlf' ? '\r\n' : '\n';
		const writes: number[] = [];
		ctx.record.writes = writes;
		const rng = rngFrom(seed * 7919 + index);
		head(ctx, 200, {
			'Content-Type': 'text/event-stream; charset=utf-8',
			'Cache-Control': 'no-cache',
			...(kind === 'truncated-stream' ? { Connection: 'close' } : {}),
			...requestIdHeader,
		});

		async function write(data: string | Buffer) {
			if (signal.aborted || res.destroyed) throw abortError();
			writes.push(Buffer.byteLength(data));
			if (!res.write(data)) await once(res, 'drain', { signal });
		}
		/** One SSE event, sometimes preceded by a keep-alive comment, often split in two writes. */
		async function writeEvent(data: string) {
			if (rng() < 0.2) await write(`: keep-alive${eol}${eol}`);
			const bytes = Buffer.from(`data: ${data}${eol}${eol}`);
			if (rng() < 0.6) {
				const at = splitPoint(bytes, rng);
				await write(bytes.subarray(0, at));
				await tick();
				await write(bytes.subarray(at));
			} else await write(bytes);
		}
		const pause = () => (chunkDelay > 0 ? sleep(chunkDelay, undefined, { signal }) : tick());

		const pieces = completion.tokens.length > 0 ? completion.tokens : [''];
		let events: any[] = pieces.map((text, i) => ({
			...base,
			choices: [{ text, index: 0, logprobs: null, finish_reason: i === pieces.length - 1 ? completion.finishReason : null }],
		}));
		if (kind === 'empty-choices') events = [{ ...base, choices: [] }];
		if (includeUsage && streamUsage === 'final-chunk') events[events.length - 1].usage = usageObj;
		if (includeUsage && streamUsage === 'separate-event') events.push({ ...base, choices: [], usage: usageObj });
		if (reportsCost) events[events.length - 1].x_nanogpt_pricing = pricingShape === 'cost' ? costShapedPricing(price, usageObj) : price;

		const cutKind = kind === 'malformed-json' ? 'stream-invalid-json' : (kind ?? '');
		const cut = STREAM_CUT_KINDS.has(cutKind) || kind === 'reset-mid-body'
			? Math.max(0, Math.min(fault?.afterChunks ?? (kind === 'malformed-json' ? 0 : 2), pieces.length - 1))
			: events.length;
		for (let i = 0; i < cut; i++) {
			if (i > 0) await pause();
			await writeEvent(JSON.stringify(events[i]));
		}
		if (cut > 0) await pause();

		switch (cutKind) {
			case 'truncated-stream':
				return void res.end(); // Connection: close, so the socket closes too
			case 'stream-stall':
				return; // keep the connection open, send nothing more
			case 'reset-mid-body': {
				const partial = `data: ${JSON.stringify(events[cut])}`;
				await write(partial.slice(0, Math.floor(partial.length / 2)));
				await tick();
				return void res.socket?.destroy();
			}
			case 'stream-error':
				await writeEvent(JSON.stringify({
					...base,
					choices: [{ text: '', index: 0, finish_reason: 'error' }],
					error: { status: 500, message: 'Upstream provider failed', code: 'upstream_error' },
				}));
				break;
			case 'stream-invalid-json': {
				const json = JSON.stringify(events[cut]);
				await writeEvent(json.slice(0, Math.floor(json.length / 2)));
				break;
			}
		}
		await writeEvent('[DONE]');
		res.end();
	}

	// --- handle ------------------------------------------------------------------------------
	return {
		baseUrl: `${origin}${basePath}`,
		origin,
		apiKey,
		port,
		requests,
		stats,
		setLatency(ms) {
			latencyMs = ms;
		},
		setChunkDelay(ms) {
			chunkDelayMs = ms;
		},
		setRateLimit(cfg) {
			rateLimit = cfg;
			windowStarts = [];
		},
		setFaultRule(rule) {
			faultRule = rule;
		},
		setDailyLimit(cfg) {
			dailyLimit = cfg;
			admittedToday = 0;
		},
		setAccount(cfg) {
			Object.assign(account, cfg);
		},
		setCompletionCost(usd) {
			completionCost = usd;
		},
		reset() {
			requests.length = 0;
			Object.assign(stats, { maxInFlight: stats.inFlight, connections: 0, completions: 0, rateLimited: 0, byStatus: {} });
			Object.assign(totals, { prompt_tokens: 0, completion_tokens: 0, cost: 0 });
			attempts.clear();
			windowStarts = [];
			completionIndex = 0;
			faultRule = undefined;
			dailyLimit = undefined;
			completionCost = options.completionCostUsd;
			admittedToday = 0;
			Object.assign(account, { paidModelsApi: true, ...options.account });
		},
		async close() {
			const closed = server.listening ? once(server, 'close') : Promise.resolve();
			const responsesClosed = [...open.keys()].map((res) => once(res, 'close'));
			server.close();
			for (const controller of open.values()) controller.abort();
			for (const socket of sockets) socket.destroy();
			server.closeAllConnections();
			await Promise.all([closed, ...responsesClosed]);
		},
	};
}

/** Drops the connection with a TCP RST (like a real reset), not a clean FIN. */
function resetSocket(res: http.ServerResponse) {
	const socket = res.socket;
	if (!socket || socket.destroyed) return;
	if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
	else socket.destroy();
}

/** Picks a split offset inside an SSE event, sometimes inside a multi-byte UTF-8 character. */
function splitPoint(bytes: Buffer, rng: () => number): number {
	const leads: number[] = [];
	for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0xc0) leads.push(i);
	if (leads.length > 0 && rng() < 0.5) return leads[Math.floor(rng() * leads.length)] + 1;
	return 1 + Math.floor(rng() * (bytes.length - 1));
}

// ---------------------------------------------------------------------------------------------
// CLI

async function main(argv: string[]) {
	const args: Record<string, string> = {};
	for (let i = 0; i < argv.length; i++) {
		const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
		if (!m) throw new Error(`emulator: unexpected argument ${argv[i]}`);
		args[m[1]] = m[2] ?? argv[++i];
	}
	const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
	const emu = await startEmulator({
		port: num(args.port),
		apiKey: args.key,
		latencyMs: num(args.latency),
		chunkDelayMs: num(args['chunk-delay']),
		rateLimit: args['rate-limit'] ? { requestsPerSecond: Number(args['rate-limit']), retryAfterSeconds: 1 } : undefined,
		basePath: args['base-path'],
		seed: num(args.seed),
		sseStyle: args['sse-style'] as EmulatorOptions['sseStyle'],
		lenient: args.lenient === undefined ? undefined : Object.fromEntries(args.lenient.split(',').map((what) => [what, true])),
	});
	process.stdout.write(`${JSON.stringify({ baseUrl: emu.baseUrl, origin: emu.origin, apiKey: emu.apiKey })}\n`);
	const stop = () => emu.close().then(() => process.exit(0));
	process.once('SIGTERM', stop);
	process.once('SIGINT', stop);
}

if (import.meta.main) {
	main(process.argv.slice(2)).catch((err) => {
		process.stderr.write(`${err?.stack ?? err}\n`);
		process.exit(1);
	});
}
