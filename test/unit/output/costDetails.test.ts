import { providerListModelId, toProviderOptions } from '../../../nodes/NanoGpt/methods/modelProviders';
import { toBilledFields, toUsage } from '../../../nodes/NanoGpt/output/toOutputItem';
import type { CompletionResponse } from '../../../nodes/NanoGpt/transport/completionApi';
import { buildCompletionCall } from '../../../nodes/NanoGpt/request/buildCompletionRequest';
import { explainFailure } from '../../../nodes/NanoGpt/run/failureExplanation';
import { billedTotal } from '../../../nodes/NanoGpt/output/billedTotal';
import { RunProgress } from '../../../nodes/NanoGpt/run/runProgress';
import { readInlineModeration, totalModeration } from '../../../nodes/NanoGpt/transport/inlineModeration';
import { toModelProviders } from '../../../nodes/NanoGpt/transport/modelProviders';

const response = (extra: Partial<CompletionResponse>): CompletionResponse => ({ id: 'c', choices: [{ text: 'x' }], ...extra });

describe('cost', () => {
	it('takes amount, else cost (USD when no currency is given), with the billing details present', () => {
		expect(toBilledFields(response({ x_nanogpt_pricing: { amount: 0.002, currency: 'EUR', cost: 0.003 } })).cost).toEqual({ amount: 0.002, currency: 'EUR' });
		expect(toBilledFields(response({ x_nanogpt_pricing: { cost: 0.000169, paymentSource: 'USD', cacheCost: 0, billedToTeam: true, billedTeamId: 7, billedTeamName: 'Ops', inputTokens: 9 } })).cost).toEqual({
			amount: 0.000169,
			currency: 'USD',
			paymentSource: 'USD',
			cacheCost: 0,
			billedToTeam: true,
			billedTeamId: 7,
			billedTeamName: 'Ops',
		});
		expect(toBilledFields(response({ x_nanogpt_pricing: { cost: 0.5, currency: 'XNO' } })).cost).toEqual({ amount: 0.5, currency: 'XNO' });
		expect(toBilledFields(response({ x_nanogpt_pricing: { error: { message: 'pricing failed' } } })).cost).toEqual({ amount: null, currency: null });
		expect(toBilledFields(response({})).cost).toBeUndefined();
	});

	it('adds up over JSON retries: amount from cost, cacheCost summed, shared billing details kept, differing ones left out', () => {
		const total = billedTotal([
			response({ x_nanogpt_pricing: { cost: 0.001, cacheCost: 0.0001, paymentSource: 'USD', billedToTeam: false } }),
			response({ x_nanogpt_pricing: { cost: 0.002, cacheCost: 0.0002, paymentSource: 'USD', billedToTeam: true } }),
		]);
		expect(toBilledFields(total).cost).toEqual({ amount: 0.003, currency: 'USD', cacheCost: expect.closeTo(0.0003, 12), paymentSource: 'USD' });
	});
});

describe('usage details', () => {
	it('keeps the three counts and adds each detail NanoGPT sent, camelCase; a top-level reasoning_tokens counts', () => {
		expect(toUsage({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 })).toEqual({ promptTokens: 3, completionTokens: 4, totalTokens: 7 });
		expect(
			toUsage({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, reasoning_tokens: 2, citation_tokens: 1, input_tokens: 3, prompt_tokens_details: { cached_tokens: 'many' } }),
		).toEqual({ promptTokens: 3, completionTokens: 4, totalTokens: 7, reasoningTokens: 2, citationTokens: 1, inputTokens: 3, cachedTokens: null });
	});

	it('adds details up over retries; one some responses lacked is null, one none had is left out', () => {
		const total = billedTotal([
			response({ usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, prompt_tokens_details: { cached_tokens: 1 }, num_search_queries: 1 } }),
			response({ usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, prompt_tokens_details: { cached_tokens: 1 } } }),
		]);
		expect(toUsage(total.usage)).toEqual({ promptTokens: 2, completionTokens: 4, totalTokens: 6, cachedTokens: 2, numSearchQueries: null });
	});

	it('the run summary adds up the details it was given, and says nothing of those never reported', () => {
		const progress = new RunProgress(2, () => 0, () => 0);
		progress.onBilled(toUsage({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6, prompt_tokens_details: { cached_tokens: 3 } }), { cost: 0.5 });
		progress.onBilled(toUsage({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6, prompt_tokens_details: { cached_tokens: 1 }, cache_read_input_tokens: 1 }), { amount: 0.25, currency: 'USD' });
		expect(progress.summary()).toMatch(/tokens 8 prompt \+ 4 completion = 12 \(4 cached, 1 cache read\); reported cost 0\.75 USD$/);
	});
});

describe('inline moderation headers', () => {
	it('reads model, verdict and cost; none without the headers', () => {
		expect(
			readInlineModeration({
				'x-nanogpt-inline-moderation-model': 'omni-moderation-latest',
				'x-nanogpt-inline-moderation-flagged': 'TRUE',
				'x-nanogpt-inline-moderation-cost-usd': '0.00000123',
			}),
		).toEqual({ model: 'omni-moderation-latest', flagged: true, cost: 0.00000123 });
		expect(readInlineModeration({ 'x-nanogpt-inline-moderation-cost-usd': 'n/a' })).toEqual({ model: null, flagged: null, cost: null });
		expect(readInlineModeration({ 'content-type': 'application/json' })).toBeUndefined();
	});

	it('adds up the checks of several requests: costs summed, flagged when any was', () => {
		expect(totalModeration([{ model: 'a', flagged: false, cost: 1 }, undefined, { model: 'b', flagged: true, cost: 2 }])).toEqual({ model: 'b', flagged: true, cost: 3 });
		expect(totalModeration([{ model: 'a', flagged: false, cost: null }, { model: 'a', flagged: false, cost: 2 }])).toEqual({ model: 'a', flagged: false, cost: null });
	});
});

describe('the model\'s providers', () => {
	it('asks for the model without request suffixes (identity suffixes stay)', () => {
		expect(providerListModelId(' moonshotai/kimi-k2.6:thinking:cheap:online/tavily:reasoning-exclude:memory-30:redaction ')).toBe('moonshotai/kimi-k2.6:thinking');
	});

	it('reads the provider list (per 1K tokens) as prices per 1M, tolerating missing parts, and lists the cheapest first', () => {
		const providers = toModelProviders({
			supportsProviderSelection: true,
			providers: [
				{ provider: 'b', available: true, pricing: { inputPer1kTokens: 0.0005, outputPer1kTokens: 0.0026 } },
				{ provider: 'a', available: false, pricing: { inputPer1kTokens: 0.0001, outputPer1kTokens: 0.0002 } },
				{ provider: 'c' },
				{ name: 'no id' },
			],
		});
		expect(providers).toEqual({
			supportsProviderSelection: true,
			providers: [
				{ id: 'b', available: true, prompt: 0.5, completion: 2.6 },
				{ id: 'a', available: false, prompt: 0.1, completion: 0.2 },
				{ id: 'c' },
			],
		});
		expect(toProviderOptions(providers.providers).map((option) => option.name)).toEqual([
			'a · $0.10 / $0.20 per 1M · unavailable now',
			'b · $0.50 / $2.60 per 1M',
			'c',
		]);
		expect(toModelProviders('not json')).toEqual({ providers: [] });
	});
});

describe('what an API failure means for the item\'s parameters', () => {
	const call = (parameters: Parameters<typeof buildCompletionCall>[0]) => buildCompletionCall(parameters);
	const openai = (code: string, param: string | null = null) => ({ error: { message: 'm', type: 'invalid_request_error', code, param } });

	it.each([
		[{ status: 400, code: 'provider_unknown_provider', body: openai('provider_unknown_provider', 'provider.only') }, { providerRouting: { only: ['x'] } }, 'Provider Routing > Allowed Provider Names or IDs'],
		[{ status: 400, code: 'provider_unknown_provider', body: openai('provider_unknown_provider', 'provider') }, { providerRouting: { provider: 'x' } }, 'Provider Routing > Provider Name or ID'],
		[{ status: 400, code: 'invalid_parameter_value', body: openai('invalid_parameter_value', 'provider.max_price.prompt') }, { providerRouting: { maxPromptPrice: 1 } }, 'Provider Routing > Max Prompt Price'],
		[{ status: 400, code: 'speed_suffix_tools_conflict' }, { routingBillingSafety: { toolSupport: true } }, 'Routing, Billing and Safety > Tool Support'],
		[{ status: 400, code: 'speed_suffix_conflict' }, { model: 'x:fast' }, 'Routing, Billing and Safety > Routing Preference'],
		[{ status: 400, code: 'speed_suffix_conflict' }, {}, 'Model'],
		[{ status: 503, code: 'all_fallbacks_failed' }, { providerRouting: { only: ['x'] } }, 'Provider Routing'],
		[{ status: 503, code: 'model_not_available' }, {}, 'Model'],
		[{ status: 400, code: 'no_fallback_available' }, { routingBillingSafety: { promptCaching: true } }, 'Routing, Billing and Safety > Prompt Caching'],
		[{ status: 400, code: 'content_policy_violation' }, { routingBillingSafety: { moderation: 'on' } }, 'Routing, Billing and Safety > Moderation'],
		[{ status: 404, code: 'model_not_found', body: openai('model_not_found', 'moderation') }, { routingBillingSafety: { moderation: 'on', moderationModel: 'g' } }, 'Routing, Billing and Safety > Moderation Model'],
		[{ status: 400, code: 'conflicting_moderation_model' }, { routingBillingSafety: { moderation: 'on' } }, 'Routing, Billing and Safety > Moderation'],
		[{ status: 403, code: 'paid_features_disabled' }, { routingBillingSafety: { billingMode: 'paygo' } }, 'Routing, Billing and Safety > Billing Mode'],
		[{ status: 403, code: undefined }, { routingBillingSafety: { billingMode: 'paygo' } }, 'Routing, Billing and Safety > Billing Mode'],
		[{ status: 403, code: 'forbidden' }, { providerRouting: { sort: 'price' } }, 'Provider Routing'],
	])('%j with %j names %s', (details, parameters, parameter) => {
		const explanation = explainFailure(details as never, call({ model: 'm', prompt: 'p', ...parameters }));
		expect(explanation?.parameter).toBe(parameter);
		expect(explanation?.hint).toEqual(expect.any(String));
	});

	it.each([
		[{ status: 400, code: 'content_policy_violation' }, {}],
		[{ status: 503, code: 'empty_response' }, {}],
	])('%j explains without a parameter when the item set none', (details, parameters) => {
		const explanation = explainFailure(details, call({ model: 'm', prompt: 'p', ...parameters }));
		expect(explanation).toEqual({ hint: expect.stringContaining('Not retried') });
	});

	it.each([
		[{ status: 403, code: 'api_key_origin_not_allowed' }, { routingBillingSafety: { billingMode: 'paygo' } }],
		[{ status: 403, code: 'forbidden' }, {}],
		[{ status: 500, code: 'internal_error' }, { providerRouting: { sort: 'price' } }],
		[{ status: 400, code: 'context_length_exceeded' }, { routingBillingSafety: { moderation: 'on' } }],
	])('%j with %j concerns no parameter', (details, parameters) => {
		expect(explainFailure(details, call({ model: 'm', prompt: 'p', ...parameters }))).toBeUndefined();
	});
});
