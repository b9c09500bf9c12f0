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
 * Used by jest tests, the benchmark, the demo and the e2e scripts. This file is the server (its
 * routes, the streaming writer) and the CLI; emulator/ holds its types and its pure parts: the
 * answers' text (completionText.ts), faults and error bodies (faults.ts), spec validation
 * (validation.ts), routing and billing (routing.ts).
 * CLI: node test/support/emulator.ts [--port N] [--key K] [--latency MS] [--chunk-delay MS]
 *      [--rate-limit RPS] [--base-path P] [--seed N] [--sse-style lf|crlf]
 *      [--lenient routesAtRoot,apiKeyHeader,unknownFields,availability]
 * prints one JSON line {"baseUrl","origin","apiKey"} on stdout and runs until SIGTERM/SIGINT.
 */

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import { sendChatCompletion } from './chatCompletions.ts';
import type {
	CompletionBody,
	CompletionText,
	Directives,
	Emulator,
	EmulatorOptions,
	Fault,
	FaultContext,
	FaultRule,
	ModelInfo,
	ProviderInfo,
	RecordedRequest,
	StatusFault,
} from './emulator/types.ts';

export type * from './emulator/types.ts';
export { completionTextFor, parseJsonDirective } from './emulator/completionText.ts';
export { parseDirectives } from './emulator/faults.ts';
export { SPEC_PATH } from './emulator/validation.ts';
export { MODERATION_USD, PROVIDER_MARKUP, REDACTION_USD, WEB_SEARCH_PRICES, usageDetailsFor } from './emulator/routing.ts';
import { completionTextFor, countPromptTokens, logprobsFor } from './emulator/completionText.ts';
import { streamCompletion } from './emulator/stream.ts';
import { FAULT_KINDS, authError, directiveFault, errorResponse, dailyCapResponse, NOT_FOUND, parseDirectives, type AnyFault, type Answer } from './emulator/faults.ts';
import { validator, validationError } from './emulator/validation.ts';
import {
	costShapedPricing,
	invalidRequest,
	moderationHeaders,
	moderationRefusal,
	modelProvidersBody,
	routeRequest,
	usageDetailsFor,
	type Price,
	type Routing,
	type Usage,
} from './emulator/routing.ts';

const DEFAULT_KEY = 'sk-nano-test-key';
const HUGE_DEFAULT_BYTES = 5 * 1024 * 1024;
const HUGE_PIECE = 64 * 1024;

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

// ---------------------------------------------------------------------------------------------
// The server

const now = () => performance.timeOrigin + performance.now();

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
			const target = { res, signal: ctx.signal, record: ctx.record, head: (status: number, headers: Record<string, string | null>) => head(ctx, status, headers) };
			return streamCompletion(target, { sseStyle, seed, streamUsage, pricingShape }, { base, completion, usageObj, price, reportsCost, includeUsage, fault, chunkDelay, index, requestIdHeader });
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
