/**
 * The emulator's provider routing, routing suffixes, billing mode, inline moderation and PII
 * redaction, against NanoGPT's docs (provider-selection.mdx, model-suffixes.mdx,
 * billing-override.mdx, inline-moderation.mdx, pii-redaction.mdx, streaming-protocol.mdx): what
 * it accepts, what it refuses and with which body, and what it bills.
 */
import { request } from 'undici';
import {
	DEFAULT_MODELS,
	MODERATION_USD,
	PROVIDER_MARKUP,
	REDACTION_USD,
	WEB_SEARCH_PRICES,
	completionTextFor,
	startEmulator,
	usageDetailsFor,
	type Emulator,
	type EmulatorOptions,
} from '../support/emulator';

const KEY = 'sk-nano-test-key';
const AUTH = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const ROUTED = 'meta-llama/llama-3.3-70b-instruct';
const PLAIN = 'gpt-4o-mini';

async function call(emu: Emulator, body: unknown, headers: Record<string, string> = {}, path = '/v1/completions', method = 'POST') {
	const res = await request(`${emu.baseUrl}${path}`, {
		method: method as 'GET' | 'POST',
		headers: { ...AUTH, ...headers },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.body.text();
	return { status: res.statusCode, headers: res.headers, json: () => JSON.parse(text), text };
}

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => await emu.close());
afterEach(() => emu.reset());

async function withEmulator<T>(options: EmulatorOptions, fn: (e: Emulator) => Promise<T>): Promise<T> {
	const other = await startEmulator(options);
	try {
		return await fn(other);
	} finally {
		await other.close();
	}
}

const costOf = (model: string, prompt: string, perMillion: { prompt: number; completion: number }, extra = 0) => {
	const { promptTokens, completionTokens } = completionTextFor({ model, prompt });
	return Math.round(((promptTokens * perMillion.prompt + completionTokens * perMillion.completion) / 1e6 + extra) * 1e10) / 1e10;
};
const llama = DEFAULT_MODELS.find((model) => model.id === ROUTED)!;
const provider = (id: string) => llama.providers!.find((entry) => entry.provider === id)!;

describe('provider routing', () => {
	it('bills the cheapest provider that meets the constraints, at its price plus 5%', async () => {
		const body = { model: ROUTED, prompt: 'cheap', provider: { sort: 'price', max_price: { prompt: 0.3, completion: 0.5 } } };
		const answer = await call(emu, body);
		expect(answer.status).toBe(200);
		const deepinfra = provider('deepinfra');
		expect(emu.requests[0].routing?.provider).toBe('deepinfra');
		expect(answer.json().x_nanogpt_pricing.amount).toBe(
			costOf(ROUTED, 'cheap', { prompt: deepinfra.prompt * PROVIDER_MARKUP, completion: deepinfra.completion * PROVIDER_MARKUP }),
		);
	});

	it.each([
		[{ order: ['together', 'deepinfra'] }, 'together'],
		[{ only: ['novita', 'together'] }, 'novita'],
		[{ ignore: ['deepinfra'] }, 'novita'],
		[{ quantizations: ['fp16'] }, 'together'],
		[{ min_quantization: 'fp16' }, 'novita'],
		['fireworks', 'fireworks'],
	])('routes %j to %s', async (routing, expected) => {
		expect((await call(emu, { model: ROUTED, prompt: 'x', provider: routing })).status).toBe(200);
		expect(emu.requests[0].routing?.provider).toBe(expected);
	});

	it('ignores a provider choice for a model without provider selection (model price)', async () => {
		const answer = await call(emu, { model: PLAIN, prompt: 'plain', provider: { only: ['nobody'] } });
		expect(answer.status).toBe(200);
		expect(emu.requests[0].routing?.provider).toBeUndefined();
		const { pricing } = DEFAULT_MODELS.find((model) => model.id === PLAIN)!;
		expect(answer.json().x_nanogpt_pricing.amount).toBe(costOf(PLAIN, 'plain', pricing as { prompt: number; completion: number }));
	});

	it.each([
		[{ speed: 1 }, 'provider.speed', 'invalid_parameter_value'],
		[{ order: 'deepinfra' }, 'provider.order', 'invalid_parameter_value'],
		[{ sort: 'cheapest' }, 'provider.sort', 'invalid_parameter_value'],
		[{ quantizations: [] }, 'provider.quantizations', 'invalid_parameter_value'],
		[{ quantizations: ['fp7'] }, 'provider.quantizations', 'invalid_parameter_value'],
		[{ min_quantization: 'unknown' }, 'provider.min_quantization', 'invalid_parameter_value'],
		[{ quantizations: ['fp4'], min_quantization: 'fp8' }, 'provider.min_quantization', 'invalid_parameter_value'],
		[{ max_price: { prompt: -1 } }, 'provider.max_price.prompt', 'invalid_parameter_value'],
		[{ max_price: { input: 1 } }, 'provider.max_price', 'invalid_parameter_value'],
		[{ allow_fallbacks: 'no' }, 'provider.allow_fallbacks', 'invalid_parameter_value'],
		[{ only: ['not-a-provider'] }, 'provider.only', 'provider_unknown_provider'],
		['not-a-provider', 'provider', 'provider_unknown_provider'],
		[['deepinfra'], 'provider', 'invalid_parameter_value'],
	])('refuses provider %j with 400 naming %s (%s)', async (routing, param, code) => {
		const answer = await call(emu, { model: ROUTED, prompt: 'x', provider: routing });
		expect(answer.status).toBe(400);
		expect(answer.json().error).toMatchObject({ type: 'invalid_request_error', param, code });
	});

	it('fails when no provider meets the constraints: 400 no_fallback_available without fallbacks, else 503 all_fallbacks_failed', async () => {
		const noFallback = await call(emu, { model: ROUTED, prompt: 'x', provider: { max_price: { prompt: 0.01 }, allow_fallbacks: false } });
		expect([noFallback.status, noFallback.json().error.code]).toEqual([400, 'no_fallback_available']);
		const allFailed = await call(emu, { model: ROUTED, prompt: 'x', provider: { only: ['groq'] } });
		expect([allFailed.status, allFailed.json().error.code]).toEqual([503, 'all_fallbacks_failed']);
	});

	it('with lenient.availability, accepts unknown IDs and unmet constraints, and still checks shapes', async () => {
		await withEmulator({ lenient: { availability: true } }, async (lenient) => {
			expect((await call(lenient, { model: ROUTED, prompt: 'x', provider: { only: ['nobody'], max_price: { prompt: 0 } } })).status).toBe(200);
			expect((await call(lenient, { model: ROUTED, prompt: 'x', provider: { only: 'nobody' } })).status).toBe(400);
		});
	});
});

describe('routing suffixes', () => {
	it.each(['speed', 'fast', 'throughput', 'latency', 'price', 'cheap', 'floor', 'tools', 'caching', 'cache', 'cached'])(
		'accepts :%s on a model with provider selection, billed at a provider\'s price plus 5%',
		async (suffix) => {
			expect((await call(emu, { model: `${ROUTED}:${suffix}`, prompt: 'x' })).status).toBe(200);
			expect(emu.requests[0].routing).toMatchObject({ provider: expect.any(String), paygo: true });
		},
	);

	it.each([
		[`${ROUTED}:fast:cheap`, {}, 'speed_suffix_conflict'],
		[`${ROUTED}:tools:fast`, {}, 'speed_suffix_tools_conflict'],
		[`${ROUTED}:caching:tools`, {}, 'speed_suffix_caching_conflict'],
		[`${ROUTED}:cheap`, { provider: 'deepinfra' }, 'speed_suffix_provider_conflict'],
		[`${ROUTED}:caching`, { provider: { sort: 'price' } }, 'speed_suffix_provider_conflict'],
		[`${ROUTED}:fast:deepinfra`, {}, 'speed_suffix_provider_conflict'],
		[`${PLAIN}:fast`, {}, 'speed_suffix_unsupported_model'],
	])('refuses %s %j with %s', async (model, extra, code) => {
		const answer = await call(emu, { model, prompt: 'x', ...extra });
		expect(answer.status).toBe(400);
		expect(answer.json().error).toMatchObject({ type: 'invalid_request_error', code, param: 'model' });
	});

	it('refuses a routing suffix with an X-Provider header', async () => {
		const answer = await call(emu, { model: `${ROUTED}:price`, prompt: 'x' }, { 'x-provider': 'novita' });
		expect(answer.json().error.code).toBe('speed_suffix_provider_conflict');
	});

	it('accepts :reasoning-exclude, :thinking and every documented web search suffix, billing its price per request', async () => {
		for (const [search, usd] of Object.entries(WEB_SEARCH_PRICES)) {
			emu.reset();
			const model = `${PLAIN}:thinking:${search}:reasoning-exclude`;
			const answer = await call(emu, { model, prompt: 'news' });
			expect(answer.status).toBe(200);
			expect(answer.json().x_nanogpt_pricing.web_search_cost).toBe(usd);
		}
		const unknown = await call(emu, { model: `${PLAIN}:online/bing`, prompt: 'x' });
		expect([unknown.status, unknown.json().error.param]).toEqual([400, 'model']);
	});
});

describe('billing mode', () => {
	it.each(['paygo', 'PAYGO', 'pay-as-you-go', 'pay_as_you_go', 'paid', 'payg'])('accepts billing_mode %s', async (mode) => {
		expect((await call(emu, { model: PLAIN, prompt: 'x', billing_mode: mode })).status).toBe(200);
		expect(emu.requests[0].routing?.paygo).toBe(true);
	});

	it('refuses an unknown billing mode naming billing_mode', async () => {
		const answer = await call(emu, { model: PLAIN, prompt: 'x', billing_mode: 'subscription' });
		expect([answer.status, answer.json().error.param]).toEqual([400, 'billing_mode']);
	});

	it('with the paid-models API off, refuses pay-as-you-go requests (403 paid_features_disabled) and serves the rest', async () => {
		emu.setAccount({ paidModelsApi: false });
		for (const body of [
			{ model: PLAIN, prompt: 'x', billing_mode: 'paygo' },
			{ model: ROUTED, prompt: 'x', provider: 'novita' },
			{ model: `${ROUTED}:price`, prompt: 'x' },
		]) {
			const answer = await call(emu, body);
			expect([answer.status, answer.json().error.code]).toEqual([403, 'paid_features_disabled']);
		}
		expect((await call(emu, { model: PLAIN, prompt: 'x' })).status).toBe(200);
		emu.reset();
		expect((await call(emu, { model: PLAIN, prompt: 'x', billing_mode: 'paygo' })).status).toBe(200);
	});
});

describe('inline moderation and PII redaction', () => {
	it('moderates with the default model, reports it in the response headers, and charges the check', async () => {
		const answer = await call(emu, { model: PLAIN, prompt: 'fine' }, { moderation: 'true' });
		expect(answer.status).toBe(200);
		expect(answer.headers).toMatchObject({
			'x-nanogpt-inline-moderation-model': 'omni-moderation-latest',
			'x-nanogpt-inline-moderation-flagged': 'false',
			'x-nanogpt-inline-moderation-cost-usd': String(MODERATION_USD),
		});
		const usage = (await call(emu, undefined, {}, '/v1/usage', 'GET')).json();
		expect(usage.cost_usd).toBeCloseTo(answer.json().x_nanogpt_pricing.amount + MODERATION_USD, 12);
	});

	it('refuses a flagged prompt with NanoGPT\'s content_policy_violation body and the moderation headers', async () => {
		const answer = await call(emu, { model: PLAIN, prompt: 'bad [[moderation:flag]]' }, { moderation: 'meta-llama/llama-guard-4-12b' });
		expect(answer.status).toBe(400);
		expect(answer.json()).toMatchObject({
			error: { code: 'content_policy_violation', type: 'invalid_request_error' },
			moderation: { model: 'meta-llama/llama-guard-4-12b', results: [{ flagged: true }] },
		});
		expect(answer.headers['x-nanogpt-inline-moderation-flagged']).toBe('true');
		expect((await call(emu, undefined, {}, '/v1/usage', 'GET')).json().cost_usd).toBeCloseTo(MODERATION_USD, 12);
	});

	it.each([
		[{ moderation: 'false' }, 200],
		[{ moderation: 'off' }, 200],
		[{ moderation: 'true', 'moderation-model': 'meta-llama/llama-guard-4-12b' }, 200],
		[{ moderation: 'omni-moderation-latest', 'moderation-model': 'meta-llama/llama-guard-4-12b' }, 400],
		[{ moderation: 'some-guard' }, 404],
	])('moderation headers %j: %s', async (headers, status) => {
		const answer = await call(emu, { model: PLAIN, prompt: 'x' }, headers);
		expect(answer.status).toBe(status);
		if (status === 200 && headers.moderation !== 'true') expect(answer.headers['x-nanogpt-inline-moderation-model']).toBeUndefined();
	});

	it('adds $0.0005 per request with redaction on, nothing with it off, and refuses an unreadable value', async () => {
		const on = await call(emu, { model: PLAIN, prompt: 'Email jane@example.com' }, { redaction: 'true' });
		const off = await call(emu, { model: PLAIN, prompt: 'Email jane@example.com' }, { redaction: 'false' });
		expect(on.json().x_nanogpt_pricing.amount).toBeCloseTo(off.json().x_nanogpt_pricing.amount + REDACTION_USD, 12);
		const bad = await call(emu, { model: PLAIN, prompt: 'x' }, { piiredaction: 'maybe' });
		expect([bad.status, bad.json().error.param]).toEqual([400, 'piiredaction']);
	});
});

describe('the model provider list and the documented response shapes', () => {
	it('lists a model\'s providers with prices per 1K tokens including the markup; encoded slash required', async () => {
		const answer = await call(emu, undefined, {}, `/models/${encodeURIComponent(ROUTED)}/providers`, 'GET');
		expect(answer.status).toBe(200);
		const body = answer.json();
		expect(body).toMatchObject({ canonicalId: ROUTED, supportsProviderSelection: true });
		const deepinfra = body.providers.find((entry: { provider: string }) => entry.provider === 'deepinfra');
		expect(deepinfra.pricing.inputPer1kTokens).toBeCloseTo((provider('deepinfra').prompt * PROVIDER_MARKUP) / 1000, 12);
		expect(body.providers.find((entry: { provider: string }) => entry.provider === 'groq').available).toBe(false);
		expect((await call(emu, undefined, {}, `/models/${ROUTED}/providers`, 'GET')).status).toBe(404);
		expect((await call(emu, undefined, {}, `/models/${PLAIN}/providers`, 'GET')).json()).toMatchObject({ supportsProviderSelection: false, providers: [] });
		expect((await call(emu, undefined, {}, '/models/nope/providers', 'GET')).status).toBe(400);
		expect((await call(emu, undefined, {}, `/v1/models/${PLAIN}/providers`, 'GET')).status).toBe(404);
	});

	it('pricingShape "cost" sends the streaming example\'s x_nanogpt_pricing: cost, no amount, no currency', async () => {
		await withEmulator({ pricingShape: 'cost' }, async (costly) => {
			const answer = await call(costly, { model: PLAIN, prompt: 'x' });
			const pricing = answer.json().x_nanogpt_pricing;
			expect(pricing).toEqual({
				cost: expect.any(Number),
				inputTokens: 1,
				outputTokens: expect.any(Number),
				cacheCost: 0,
				paymentSource: 'USD',
				billedToTeam: false,
				billedTeamId: null,
				billedTeamName: null,
			});
		});
	});

	it('usageDetails adds the documented usage detail fields', async () => {
		await withEmulator({ usageDetails: true }, async (detailed) => {
			const body = { model: `${PLAIN}:online`, prompt: 'one two three four five' };
			const { usage } = (await call(detailed, body)).json();
			const { promptTokens, completionTokens } = completionTextFor(body);
			expect(usage).toEqual({
				prompt_tokens: promptTokens,
				completion_tokens: completionTokens,
				total_tokens: promptTokens + completionTokens,
				...usageDetailsFor(body, promptTokens, completionTokens),
			});
			expect(usage).toMatchObject({ prompt_tokens_details: { cached_tokens: 2 }, num_search_queries: 1, cache_creation_input_tokens: 3 });
		});
	});
});
