/** The emulator's route table, and the routes that answer from the catalogue and the key's totals. */
import { sendChatCompletion } from '../chatCompletions.ts';
import { completions } from './completions.ts';
import { authError, NOT_FOUND } from './faults.ts';
import { head, keyOf, send, sendJson, type RequestContext } from './replies.ts';
import { invalidRequest, modelProvidersBody } from './routing.ts';

type Route = (ctx: RequestContext, ...captures: string[]) => unknown;

/** Method and path under the base path, to the route that answers. */
const ROUTES: Record<string, Route> = {
	'POST /v1/completions': completions,
	'GET /v1/models': listModels,
	'GET /v1/usage': usage,
	'POST /v1/chat/completions': chatCompletions,
};

/** Routes with a parameter in their path: [method, pattern, route(ctx, ...captures)]. */
const PATTERN_ROUTES: Array<[string, RegExp, Route]> = [['GET', /^\/models\/([^/]+)\/providers$/, modelProviders]];

/** Reads the body, then dispatches through the route table. */
export async function route(ctx: RequestContext): Promise<unknown> {
	const { state, req, url, record } = ctx;
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
	const { basePath } = state;
	const underBasePath = basePath === '' || url.pathname.startsWith(`${basePath}/`);
	const routePath = underBasePath ? url.pathname.slice(basePath.length) : state.lenient.routesAtRoot ? url.pathname : undefined;
	const handler = routePath === undefined ? undefined : ROUTES[`${req.method} ${routePath}`];
	if (handler) return handler(ctx);
	for (const [method, pattern, patternHandler] of PATTERN_ROUTES) {
		const match = routePath !== undefined && req.method === method ? pattern.exec(routePath) : null;
		if (match) return patternHandler(ctx, ...match.slice(1));
	}
	return send(ctx, NOT_FOUND);
}

function listModels(ctx: RequestContext) {
	const { models, created } = ctx.state;
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
	const key = keyOf(ctx);
	if (!key.present) return send(ctx, authError('missing_api_key', 'Missing API key'));
	if (!key.valid) return send(ctx, authError('invalid_api_key', 'Invalid API key'));
	const { stats, totals } = ctx.state;
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
	if (!keyOf(ctx).valid) return send(ctx, authError('invalid_api_key', 'Invalid API key'));
	let canonicalId: string;
	try {
		canonicalId = decodeURIComponent(encodedId);
	} catch {
		canonicalId = encodedId;
	}
	const providersBody = modelProvidersBody(ctx.state.models, canonicalId);
	if (!providersBody) return send(ctx, invalidRequest(`Invalid model ID: ${canonicalId}`, 'model_not_found', 'canonicalId'));
	sendJson(ctx, 200, providersBody);
}

/** OpenAI's chat format, scripted by the conversation (test/support/chatCompletions.ts). */
async function chatCompletions(ctx: RequestContext) {
	if (!keyOf(ctx).valid) return send(ctx, authError('invalid_api_key', 'Invalid API key'));
	ctx.record.reply = await sendChatCompletion({
		body: ctx.body,
		models: ctx.state.models,
		id: `chatcmpl-${ctx.record.id}`,
		created: Math.floor(Date.now() / 1000),
		send: async (status, headers, body) => send(ctx, { status, headers, body }),
		stream: async (status, headers, events) => {
			head(ctx, status, headers);
			ctx.res.end(events.map((event) => `data: ${event}\n\n`).join(''));
		},
	});
}
