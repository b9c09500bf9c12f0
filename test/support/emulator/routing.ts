/**
 * Provider routing, routing suffixes, billing mode, inline moderation and PII redaction, as NanoGPT
 * documents them since the spec, and the prices and usage details an answer reports.
 */
import type { AccountSettings, CompletionBody, ModelInfo, ProviderInfo, RecordedRequest } from './types.ts';
import type { Answer } from './faults.ts';

/** How an admitted completion is routed and billed (recorded with the request). */
export type Routing = NonNullable<RecordedRequest['routing']>;
export type RequestHeaders = RecordedRequest['headers'];

export interface Usage {
	prompt_tokens: number;
	completion_tokens: number;
	total_tokens: number;
	[detail: string]: unknown;
}

export interface Price {
	amount: number;
	[field: string]: unknown;
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
export function invalidRequest(message: string, code: string, param: string | null, status = 400): Answer {
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
export function routeRequest(
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
export function moderationHeaders(moderation: NonNullable<Routing['moderation']>, flagged: boolean): Record<string, string> {
	return {
		'x-nanogpt-inline-moderation-model': moderation.model,
		'x-nanogpt-inline-moderation-flagged': String(flagged),
		'x-nanogpt-inline-moderation-cost-usd': String(moderation.costUsd),
	};
}

/** The 400 a prompt moderation flags ([[moderation:flag]] in the prompt), with NanoGPT's body and headers. */
export function moderationRefusal(moderation: NonNullable<Routing['moderation']>, promptTokens: number): Answer {
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
export function costShapedPricing(price: Price, usage: Usage) {
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
export function modelProvidersBody(models: ModelInfo[], canonicalId: string) {
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

