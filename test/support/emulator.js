'use strict';
/**
 * NanoGPT emulator: a real HTTP server on 127.0.0.1 that answers like NanoGPT's
 * POST /v1/completions (plus GET /v1/models, GET /v1/usage and, for chat models in agent tests,
 * POST /v1/chat/completions: test/support/chatCompletions.js), with injectable faults.
 *
 * Strict by default, like the spec: routes only under the base path (/api), the key only as
 * `Authorization: Bearer`, no body field the spec does not name (documented extensions aside).
 * A test that needs more asks for it with `lenient` (see Leniency in emulator.d.ts).
 *
 * Used by jest tests, the benchmark, the demo and the e2e scripts. See emulator.d.ts for the API.
 * CLI: node test/support/emulator.js [--port N] [--key K] [--latency MS] [--chunk-delay MS]
 *      [--rate-limit RPS] [--base-path P] [--seed N] [--sse-style lf|crlf]
 *      [--lenient routesAtRoot,apiKeyHeader,unknownFields]
 * prints one JSON line {"baseUrl","origin","apiKey"} on stdout and runs until SIGTERM/SIGINT.
 */

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { once } = require('node:events');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep, setImmediate: tick } = require('node:timers/promises');
const YAML = require('yaml');
const Ajv2020 = require('ajv/dist/2020').default;
const { sendChatCompletion } = require('./chatCompletions');

const SPEC_PATH = path.join(__dirname, '..', 'spec', 'nanogpt-completions.openapi.yaml');
const DEFAULT_KEY = 'sk-nano-test-key';
const HUGE_DEFAULT_BYTES = 5 * 1024 * 1024;
const HUGE_PIECE = 64 * 1024;
const STREAM_CUT_KINDS = new Set(['truncated-stream', 'stream-error', 'stream-invalid-json', 'stream-stall']);
const FAULT_KINDS = new Set([
	'reset', 'reset-mid-body', 'hang', 'malformed-json', 'empty-choices', 'no-usage', 'huge', 'delay',
	...STREAM_CUT_KINDS,
]);

/** Default model catalogue; prices are USD per million tokens. */
const DEFAULT_MODELS = [
	['chatgpt-4o-latest', 'openai', 'ChatGPT-4o', 128000, 16384, 5, 15],
	['gpt-4o-mini', 'openai', 'GPT-4o mini', 128000, 16384, 0.15, 0.6],
	['claude-3-5-sonnet-20241022', 'anthropic', 'Claude 3.5 Sonnet', 200000, 8192, 3, 15],
	['claude-3-5-haiku-20241022', 'anthropic', 'Claude 3.5 Haiku', 200000, 8192, 0.8, 4],
	['meta-llama/llama-3.3-70b-instruct', 'meta-llama', 'Llama 3.3 70B Instruct', 131072, 8192, 0.23, 0.4],
	['deepseek-ai/DeepSeek-V3', 'deepseek-ai', 'DeepSeek V3', 128000, 8192, 0.38, 0.89],
	['qwen/qwen-2.5-72b-instruct', 'qwen', 'Qwen 2.5 72B Instruct', 131072, 8192, 0.35, 0.4],
	['mistralai/mistral-large', 'mistralai', 'Mistral Large', 128000, 8192, 2, 6],
].map(([id, owned_by, name, context_length, max_output_tokens, prompt, completion]) => ({
	id, owned_by, name, context_length, max_output_tokens, pricing: { prompt, completion },
}));

// ---------------------------------------------------------------------------------------------
// Deterministic completion text

/** FNV-1a 32-bit hash of a string. */
function hash(s) {
	let h = 0x811c9dc5;
	for (let i = 0; i < s.length; i++) {
		h ^= s.charCodeAt(i);
		h = Math.imul(h, 0x01000193) >>> 0;
	}
	return h;
}

/** Small seeded PRNG (mulberry32), returns floats in [0, 1). */
function rngFrom(seed) {
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
function tokenize(text) {
	return text.match(/\s*\S+|\s+/g) ?? [];
}

/** Number of whitespace-separated words in the prompt, at least 1. */
function countPromptTokens(prompt) {
	return Math.max(1, String(prompt ?? '').split(/\s+/).filter(Boolean).length);
}

/**
 * The text the emulator answers for a request body, independent of the transport.
 * @param {{prompt: string, model: string, max_tokens?: number, stop?: string|string[], include_stop_str_in_output?: boolean}} body
 * @param {number} [attempt] 1-based count of requests with this prompt (only [[json:invalid-once]] reads it)
 * @returns {{text: string, tokens: string[], finishReason: 'stop'|'length', promptTokens: number, completionTokens: number, json?: unknown}}
 */
function completionTextFor(body, attempt = 1) {
	const prompt = String(body.prompt ?? '');
	const model = String(body.model ?? '');
	const h = hash(`${model}\n${prompt}`);
	const excerpt = prompt.slice(0, 40).replace(/\s+/g, ' ').trim();
	const filler = [];
	for (let i = 0; i < 6; i++) {
		const pick = hash(`${h}:${i}`);
		filler.push(i === 3 ? NON_ASCII[pick % NON_ASCII.length] : WORDS[pick % WORDS.length]);
	}
	const jsonDirective = parseJsonDirective(prompt);
	const jsonAnswer = jsonDirective ? jsonAnswerFor(jsonDirective, h, filler, attempt) : undefined;
	let text = jsonAnswer?.text ?? ` Completion ${h % 10000} for "${excerpt}" from ${model}: ${filler.join(' ')}.`;
	let finishReason = /** @type {'stop'|'length'} */ ('stop');

	const stops = (Array.isArray(body.stop) ? body.stop : [body.stop]).filter((s) => typeof s === 'string' && s !== '');
	let cut = -1;
	let cutStop = '';
	for (const s of stops) {
		const at = text.indexOf(s);
		if (at >= 0 && (cut < 0 || at < cut)) [cut, cutStop] = [at, s];
	}
	if (cut >= 0) text = text.slice(0, cut) + (body.include_stop_str_in_output ? cutStop : '');

	let tokens = tokenize(text);
	if (Number.isInteger(body.max_tokens) && tokens.length > body.max_tokens) {
		tokens = tokens.slice(0, body.max_tokens);
		text = tokens.join('');
		finishReason = 'length';
	}
	if (jsonDirective?.shape === 'length' && finishReason === 'stop') {
		tokens = tokens.slice(0, Math.ceil(tokens.length / 2));
		text = tokens.join('');
		finishReason = 'length';
	}
	const result = { text, tokens, finishReason, promptTokens: countPromptTokens(prompt), completionTokens: tokens.length };
	// The value the text holds, when it holds one whole (not cut by a stop sequence or Max Tokens).
	if (jsonAnswer?.valid && cut < 0 && finishReason === 'stop') result.json = jsonAnswer.value;
	return result;
}

// ---------------------------------------------------------------------------------------------
// JSON answers: [[json:<shape>]] or [[json:<shape>:<key>,<key>,...]] in the prompt

const JSON_SHAPES = new Set(['bare', 'fenced', 'prose', 'invalid', 'invalid-once', 'length']);

/**
 * The prompt's [[json:...]] directive, or undefined. Keys, when given, are the answer's keys.
 * @param {string} prompt
 * @returns {{shape: string, keys?: string[]} | undefined}
 */
function parseJsonDirective(prompt) {
	const m = /\[\[json:([a-z-]+)(?::([^\]]*))?\]\]/.exec(String(prompt ?? ''));
	if (!m || !JSON_SHAPES.has(m[1])) return undefined;
	const keys = (m[2] ?? '').split(',').map((key) => key.trim()).filter(Boolean);
	return keys.length > 0 ? { shape: m[1], keys } : { shape: m[1] };
}

/**
 * The JSON answer for a directive: the value (the keys asked for with a word each, else an object
 * whose strings hold braces, brackets, quotes and a backslash) and the text that carries it.
 */
function jsonAnswerFor({ shape, keys }, h, filler, attempt) {
	const value = keys
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

function logprobsFor(tokens) {
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
 * @param {string} prompt
 */
function parseDirectives(prompt) {
	/** @type {{faults: {fault: object, times: number}[], latencyMs?: number, chunkDelayMs?: number}} */
	const out = { faults: [] };
	for (const [, name, value] of String(prompt ?? '').matchAll(/\[\[(fault|latency|chunk-delay):([^\]]*)\]\]/g)) {
		if (name === 'latency' && /^\d+$/.test(value)) out.latencyMs = Number(value);
		else if (name === 'chunk-delay' && /^\d+$/.test(value)) out.chunkDelayMs = Number(value);
		else if (name === 'fault') {
			const m = /^(\d{3}|[a-z-]+)(?::(\d+))?(?:x(\d+))?$/.exec(value);
			if (!m) continue;
			const [, what, param, times] = m;
			const n = param === undefined ? undefined : Number(param);
			let fault;
			if (/^\d{3}$/.test(what)) fault = n === undefined ? { status: Number(what) } : { status: Number(what), retryAfter: n };
			else if (FAULT_KINDS.has(what)) {
				fault = { kind: what };
				if (n !== undefined) fault[what === 'huge' ? 'bytes' : what === 'delay' ? 'ms' : 'afterChunks'] = n;
			} else continue;
			out.faults.push({ fault, times: times === undefined ? Infinity : Number(times) });
		}
	}
	return out;
}

/** The directive fault for the given 1-based attempt, if any. */
function directiveFault(faults, attempt) {
	let left = attempt;
	for (const { fault, times } of faults) {
		if (left <= times) return fault;
		left -= times;
	}
	return undefined;
}

// ---------------------------------------------------------------------------------------------
// Error bodies

const OPENAI_TYPES = { 401: 'authentication_error', 403: 'permission_error', 429: 'rate_limit_error' };
const OPENAI_CODES = { 401: 'invalid_api_key', 403: 'forbidden', 404: 'model_not_found', 413: 'request_too_large', 500: 'internal_error', 503: 'service_unavailable' };
const DEFAULT_SHAPES = { 400: 'spec', 402: 'insufficient', 429: 'rate-limited', 502: 'html', 504: 'html' };

/**
 * Builds {status, headers, body} for a status fault (or any error the emulator sends).
 * @param {{status: number, shape?: string, message?: string, code?: string, retryAfter?: number|string|null}} f
 */
function errorResponse(f) {
	const status = f.status;
	const statusText = http.STATUS_CODES[status] ?? 'Error';
	const shape = f.shape ?? DEFAULT_SHAPES[status] ?? 'openai';
	const message = f.message ?? (status === 404 ? 'Model not found' : statusText);
	/** @type {Record<string, string>} */
	const headers = { 'Content-Type': 'application/json' };
	const retryAfter = 'retryAfter' in f ? f.retryAfter : status === 429 ? 1 : undefined;
	if (retryAfter !== undefined && retryAfter !== null) headers['Retry-After'] = String(retryAfter);
	let body;
	switch (shape) {
		case 'spec':
			body = JSON.stringify({ error: status, message });
			break;
		case 'insufficient':
			body = JSON.stringify({ error: f.message ?? 'Insufficient balance', requiredBalance: 0.0035, status });
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

const authError = (code, message) => ({
	status: 401,
	headers: { 'Content-Type': 'application/json' },
	body: JSON.stringify({ error: { message, type: 'authentication_error', code } }),
});
const NOT_FOUND = {
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
};

/** @type {{strict?: import('ajv').ValidateFunction, lenient?: import('ajv').ValidateFunction}} */
const validators = {};
/**
 * The spec's CompletionRequest schema. Strict: only the fields it names (plus the documented
 * extensions); lenient: any further field too, as the spec itself does not forbid them.
 */
function validator(strict) {
	const key = strict ? 'strict' : 'lenient';
	if (!validators[key]) {
		const spec = YAML.parse(fs.readFileSync(SPEC_PATH, 'utf8'));
		const schema = spec.components.schemas.CompletionRequest;
		const ajv = new Ajv2020({ strict: false, allErrors: true });
		validators[key] = ajv.compile(
			strict ? { ...schema, properties: { ...schema.properties, ...DOCUMENTED_EXTENSIONS }, additionalProperties: false } : schema,
		);
	}
	return validators[key];
}

/**
 * Returns an error message like '/temperature must be <= 2' or 'unknown field "temprature"',
 * or undefined when the body is valid.
 */
function validationError(body, strict) {
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
// The server

const now = () => performance.timeOrigin + performance.now();
const abortError = () => Object.assign(new Error('aborted'), { name: 'AbortError' });

/**
 * Starts an emulator on 127.0.0.1. See emulator.d.ts for option and handle documentation.
 * @param {import('./emulator').EmulatorOptions} [options]
 * @returns {Promise<import('./emulator').Emulator>}
 */
async function startEmulator(options = {}) {
	const apiKey = options.apiKey ?? DEFAULT_KEY;
	const basePath = (options.basePath ?? '/api').replace(/\/+$/, '');
	const lenient = { routesAtRoot: false, apiKeyHeader: false, unknownFields: false, ...options.lenient };
	const pricing = options.pricing ?? true;
	const streamUsage = options.streamUsage ?? 'separate-event';
	const sseStyle = options.sseStyle ?? 'lf';
	const seed = options.seed ?? 1;
	const models = (options.models ?? DEFAULT_MODELS).map((m) => (typeof m === 'string' ? { id: m } : m));
	const created = 1730000000;
	validator(!lenient.unknownFields); // compile the spec schema now rather than on the first request

	let latencyMs = options.latencyMs ?? 0;
	let chunkDelayMs = options.chunkDelayMs ?? 0;
	let rateLimit = options.rateLimit;
	/** @type {((ctx: any) => any) | undefined} */
	let faultRule;

	/** @type {any[]} */
	const requests = [];
	const stats = { inFlight: 0, maxInFlight: 0, connections: 0, completions: 0, rateLimited: 0, byStatus: {} };
	const totals = { prompt_tokens: 0, completion_tokens: 0, cost: 0 };
	/** @type {Map<string, number>} */
	const attempts = new Map();
	/** @type {number[]} */
	let windowStarts = [];
	let completionIndex = 0;
	let requestCounter = 0;
	const sockets = new Set();
	/** @type {Map<import('node:http').ServerResponse, AbortController>} */
	const open = new Map(); // responses not yet closed

	// --- route table -------------------------------------------------------------------------
	const routes = {
		'POST /v1/completions': completions,
		'GET /v1/models': listModels,
		'GET /v1/usage': usage,
		'POST /v1/chat/completions': chatCompletions,
	};

	const server = http.createServer({ keepAlive: true }, handle);
	server.on('connection', (socket) => {
		stats.connections++;
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	server.listen(options.port ?? 0, '127.0.0.1');
	await once(server, 'listening');
	const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
	const origin = `http://127.0.0.1:${port}`;

	async function handle(req, res) {
		const url = new URL(req.url ?? '/', origin);
		const record = {
			id: `req_${++requestCounter}`,
			method: req.method,
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
		const ctx = { req, res, record, url, signal: controller.signal, body: undefined };
		try {
			await route(ctx);
		} catch (err) {
			if (err?.name === 'AbortError' || res.destroyed) return; // client went away or emu.close()
			process.stderr.write(`emulator: ${err?.stack ?? err}\n`);
			if (!res.headersSent) send(ctx, errorResponse({ status: 500, message: `Emulator error: ${err?.message}` }));
			else res.destroy();
		}
	}

	/** Reads the body, then dispatches through the route table. */
	async function route(ctx) {
		const { req, url, record } = ctx;
		const chunks = [];
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
		if (!handler) return send(ctx, NOT_FOUND);
		return handler(ctx);
	}

	/** Writes the status line and headers, and counts the status. */
	function head(ctx, status, headers) {
		ctx.record.status = status;
		stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
		if (status === 429) stats.rateLimited++;
		const { 'X-Request-ID': requestId = ctx.record.id, ...rest } = headers; // null: send none
		ctx.res.writeHead(status, requestId === null ? rest : { 'X-Request-ID': requestId, ...rest });
	}

	function send(ctx, { status, headers, body }) {
		head(ctx, status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
		ctx.res.end(body);
	}

	const sendJson = (ctx, status, value) => send(ctx, { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });

	/** The spec's one scheme, `Authorization: Bearer <key>`; `X-API-Key` only when asked to be lenient. */
	function keyOf(req) {
		const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
		const candidates = [bearer?.[1]?.trim(), lenient.apiKeyHeader ? req.headers['x-api-key'] : undefined].filter(Boolean);
		return { present: candidates.length > 0, valid: candidates.includes(apiKey) };
	}

	// --- routes ------------------------------------------------------------------------------
	function listModels(ctx) {
		const detailed = ctx.url.searchParams.get('detailed') === 'true';
		const data = models.map((m) => {
			const base = { id: m.id, object: 'model', created, owned_by: m.owned_by ?? m.id.split('/')[0] };
			if (!detailed) return base;
			const price = m.pricing ?? { prompt: 1, completion: 3 };
			const entry = {
				...base,
				name: m.name ?? m.id,
				description: m.description ?? `${m.name ?? m.id} (emulated)`,
				context_length: m.context_length ?? 128000,
				max_output_tokens: m.max_output_tokens ?? 8192,
				capabilities: { vision: false, reasoning: false, tool_calling: false },
				pricing: { prompt: price.prompt, completion: price.completion, currency: price.currency ?? 'USD', unit: 'per_million_tokens' },
			};
			// null in the model's info: the catalogue leaves that field out, as NanoGPT may for a model.
			for (const field of ['name', 'context_length', 'max_output_tokens', 'pricing']) if (m[field] === null) delete entry[field];
			return entry;
		});
		sendJson(ctx, 200, { object: 'list', data });
	}

	function usage(ctx) {
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

	async function completions(ctx) {
		stats.completions++;
		if (!keyOf(ctx.req).valid) return send(ctx, authError('invalid_api_key', 'Invalid API key'));

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

		const body = ctx.body;
		const attempt = (attempts.get(body.prompt) ?? 0) + 1;
		attempts.set(body.prompt, attempt);
		ctx.attempt = attempt;
		const index = completionIndex++;
		const directives = parseDirectives(body.prompt);
		const fault = chooseFault({ body, attempt, index, headers: ctx.record.headers }, directives);
		ctx.record.fault = fault;

		const wait = (directives.latencyMs ?? latencyMs) + (fault?.kind === 'delay' ? (fault.ms ?? 1000) : 0);
		if (wait > 0) await sleep(wait, undefined, { signal: ctx.signal });
		const chunkDelay = directives.chunkDelayMs ?? chunkDelayMs;
		return answer(ctx, body, index, fault, chunkDelay);
	}

	/** OpenAI's chat format, scripted by the conversation (test/support/chatCompletions.js). */
	async function chatCompletions(ctx) {
		if (!keyOf(ctx.req).valid) return send(ctx, authError('invalid_api_key', 'Invalid API key'));
		ctx.record.reply = await sendChatCompletion({
			body: ctx.body,
			models,
			id: `chatcmpl-${ctx.record.id}`,
			created: Math.floor(Date.now() / 1000),
			send: (status, headers, body) => send(ctx, { status, headers, body }),
			stream: (status, headers, events) => {
				head(ctx, status, headers);
				ctx.res.end(events.map((event) => `data: ${event}\n\n`).join(''));
			},
		});
	}

	// --- the one place that decides faults, and the one that applies them ---------------------
	/** The fault rule's answer if it returns one, else the prompt directives' fault for this attempt. */
	function chooseFault(faultCtx, directives) {
		try {
			return faultRule?.(faultCtx) ?? directiveFault(directives.faults, faultCtx.attempt);
		} catch (err) {
			return { status: 500, message: `Emulator fault rule threw: ${err?.message ?? err}` };
		}
	}

	/** Sends the completion response, shaped by the fault if there is one. */
	async function answer(ctx, body, index, fault, chunkDelay) {
		const { res } = ctx;
		const kind = fault?.kind;
		const stream = body.stream === true;
		const requestIdHeader = fault?.requestId !== undefined ? { 'X-Request-ID': fault.requestId } : {};
		if (fault?.requestId !== undefined) ctx.record.id = fault.requestId;
		if (fault && kind === undefined) {
			const r = Number.isInteger(fault.status) ? errorResponse(fault) : errorResponse({ status: 500, message: 'Emulator: fault has neither status nor kind' });
			return send(ctx, { ...r, headers: { ...r.headers, ...requestIdHeader } });
		}
		if (kind !== undefined && !FAULT_KINDS.has(kind)) {
			return send(ctx, errorResponse({ status: 500, message: `Emulator: unknown fault kind '${kind}'` }));
		}
		if (kind === 'reset') return void resetSocket(res);
		if (kind === 'hang') return; // answered never; closed by client abort or emu.close()

		const completion = kind === 'huge' ? hugeCompletion(body, fault.bytes ?? HUGE_DEFAULT_BYTES) : completionTextFor(body, ctx.attempt);
		const usageObj = {
			prompt_tokens: completion.promptTokens,
			completion_tokens: completion.completionTokens,
			total_tokens: completion.promptTokens + completion.completionTokens,
		};
		const price = pricingFor(body.model, usageObj);
		totals.prompt_tokens += usageObj.prompt_tokens;
		totals.completion_tokens += usageObj.completion_tokens;
		totals.cost += price.amount;
		const base = { id: `cmpl-${index + 1}`, object: 'text_completion', created: Math.floor(Date.now() / 1000), model: body.model };

		if (stream) {
			const includeUsage = streamUsage !== 'none' && kind !== 'no-usage' && body.stream_options?.include_usage === true;
			return streamCompletion(ctx, { base, completion, usageObj, price, includeUsage, fault, chunkDelay, index, requestIdHeader });
		}

		const choice = {
			text: completion.text,
			index: 0,
			logprobs: body.logprobs ? logprobsFor(completion.tokens) : null,
			finish_reason: completion.finishReason,
		};
		/** @type {Record<string, unknown>} */
		const response = { ...base, choices: kind === 'empty-choices' ? [] : [choice] };
		if (kind !== 'no-usage') response.usage = usageObj;
		if (pricing) response.x_nanogpt_pricing = price;
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

	function hugeCompletion(body, bytes) {
		const unit = 'lorem ipsum dolor sit amet '; // ASCII: text.length === bytes
		const text = unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
		const tokens = [];
		for (let i = 0; i < text.length; i += HUGE_PIECE) tokens.push(text.slice(i, i + HUGE_PIECE));
		return { text, tokens, finishReason: 'length', promptTokens: countPromptTokens(body.prompt), completionTokens: Math.ceil(bytes / 4) };
	}

	function pricingFor(model, u) {
		const [baseId, ...suffixes] = String(model).split(':');
		const m = models.find((x) => x.id === baseId);
		const p = { prompt: m?.pricing?.prompt ?? 1, completion: m?.pricing?.completion ?? 3 };
		const search = suffixes.join(':').startsWith('online/linkup-deep') ? 0.06 : suffixes[0] === 'online' ? 0.006 : 0;
		const inputCost = (u.prompt_tokens * p.prompt) / 1e6;
		const outputCost = (u.completion_tokens * p.completion) / 1e6;
		const round = (x) => Math.round(x * 1e10) / 1e10;
		return { amount: round(inputCost + outputCost + search), currency: 'USD', input_cost: round(inputCost), output_cost: round(outputCost), web_search_cost: search };
	}

	async function streamCompletion(ctx, { base, completion, usageObj, price, includeUsage, fault, chunkDelay, index, requestIdHeader }) {
		const { res, signal } = ctx;
		const kind = fault?.kind;
		const eol = sseStyle === 'crlf' ? '\r\n' : '\n';
		ctx.record.writes = [];
		const rng = rngFrom(seed * 7919 + index);
		head(ctx, 200, {
			'Content-Type': 'text/event-stream; charset=utf-8',
			'Cache-Control': 'no-cache',
			...(kind === 'truncated-stream' ? { Connection: 'close' } : {}),
			...requestIdHeader,
		});

		async function write(data) {
			if (signal.aborted || res.destroyed) throw abortError();
			ctx.record.writes.push(Buffer.byteLength(data));
			if (!res.write(data)) await once(res, 'drain', { signal });
		}
		/** One SSE event, sometimes preceded by a keep-alive comment, often split in two writes. */
		async function writeEvent(data) {
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
		/** @type {any[]} */
		let events = pieces.map((text, i) => ({
			...base,
			choices: [{ text, index: 0, logprobs: null, finish_reason: i === pieces.length - 1 ? completion.finishReason : null }],
		}));
		if (kind === 'empty-choices') events = [{ ...base, choices: [] }];
		if (includeUsage && streamUsage === 'final-chunk') events[events.length - 1].usage = usageObj;
		if (includeUsage && streamUsage === 'separate-event') events.push({ ...base, choices: [], usage: usageObj });
		if (pricing) events[events.length - 1].x_nanogpt_pricing = price;

		const cutKind = kind === 'malformed-json' ? 'stream-invalid-json' : kind;
		const cut = STREAM_CUT_KINDS.has(cutKind) || kind === 'reset-mid-body'
			? Math.max(0, Math.min(fault.afterChunks ?? (kind === 'malformed-json' ? 0 : 2), pieces.length - 1))
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
		reset() {
			requests.length = 0;
			Object.assign(stats, { maxInFlight: stats.inFlight, connections: 0, completions: 0, rateLimited: 0, byStatus: {} });
			Object.assign(totals, { prompt_tokens: 0, completion_tokens: 0, cost: 0 });
			attempts.clear();
			windowStarts = [];
			completionIndex = 0;
			faultRule = undefined;
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
function resetSocket(res) {
	const socket = res.socket;
	if (!socket || socket.destroyed) return;
	if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
	else socket.destroy();
}

/** Picks a split offset inside an SSE event, sometimes inside a multi-byte UTF-8 character. */
function splitPoint(bytes, rng) {
	const leads = [];
	for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0xc0) leads.push(i);
	if (leads.length > 0 && rng() < 0.5) return leads[Math.floor(rng() * leads.length)] + 1;
	return 1 + Math.floor(rng() * (bytes.length - 1));
}

// ---------------------------------------------------------------------------------------------
// CLI

async function main(argv) {
	const args = {};
	for (let i = 0; i < argv.length; i++) {
		const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
		if (!m) throw new Error(`emulator: unexpected argument ${argv[i]}`);
		args[m[1]] = m[2] ?? argv[++i];
	}
	const num = (v) => (v === undefined ? undefined : Number(v));
	const emu = await startEmulator({
		port: num(args.port),
		apiKey: args.key,
		latencyMs: num(args.latency),
		chunkDelayMs: num(args['chunk-delay']),
		rateLimit: args['rate-limit'] ? { requestsPerSecond: Number(args['rate-limit']), retryAfterSeconds: 1 } : undefined,
		basePath: args['base-path'],
		seed: num(args.seed),
		sseStyle: args['sse-style'],
		lenient: args.lenient === undefined ? undefined : Object.fromEntries(args.lenient.split(',').map((what) => [what, true])),
	});
	process.stdout.write(`${JSON.stringify({ baseUrl: emu.baseUrl, origin: emu.origin, apiKey: emu.apiKey })}\n`);
	const stop = () => emu.close().then(() => process.exit(0));
	process.once('SIGTERM', stop);
	process.once('SIGINT', stop);
}

if (require.main === module) {
	main(process.argv.slice(2)).catch((err) => {
		process.stderr.write(`${err?.stack ?? err}\n`);
		process.exit(1);
	});
}

module.exports = { startEmulator, completionTextFor, parseDirectives, parseJsonDirective, DEFAULT_MODELS, SPEC_PATH };
