import type { CompletionCall } from '../../../nodes/NanoGpt/request/buildCompletionRequest';
import { explainFailure } from '../../../nodes/NanoGpt/run/failureExplanation';
import { duration } from '../../../nodes/NanoGpt/run/runProgress';
import { stopReasonFor } from '../../../nodes/NanoGpt/run/stopReasons';

// What the user reads about a failure: the parameter an API failure concerns with what to do, and
// why a run stops on a daily cap or a 402. Every message is written out by hand.

const RBS = 'Routing, Billing and Safety';
const call = (body: Record<string, unknown> = {}, headers: Record<string, string> = {}): CompletionCall => ({
	body: { model: 'm', prompt: 'p', ...body },
	headers,
});

describe('which parameter an API failure concerns', () => {
	const policy = "NanoGPT's content policy refused the prompt. Not retried: the same prompt would be refused again.";

	it('a refused prompt: moderation when the item asked for it', () => {
		const refused = { code: 'content_policy_violation' };
		expect(explainFailure(refused, call({}, { moderation: 'true' }))).toEqual({
			parameter: `${RBS} > Moderation`,
			hint: "NanoGPT's moderation refused the prompt; the check is still charged (the item's moderation.cost). Not retried: the same prompt would be refused again.",
		});
		expect(explainFailure(refused, call({}, { moderation: 'omni' }))?.parameter).toBe(`${RBS} > Moderation`);
		expect(explainFailure(refused, call({}, { moderation: 'false' }))).toEqual({ hint: policy });
		expect(explainFailure(refused, call())).toEqual({ hint: policy });
	});

	it('an empty answer', () => {
		expect(explainFailure({ code: 'empty_response' }, call())).toEqual({
			hint: 'NanoGPT answered without any text and did not charge for it. Not retried: the same request would get the same answer (stop sequences, a very low Max Tokens or filtering are common causes).',
		});
	});

	it('a provider field NanoGPT names', () => {
		const refusedField = 'NanoGPT refused this provider routing field.';
		const named = (param: string, provider: unknown, code?: string) => explainFailure({ code, body: { error: { param } } }, call({ provider }));
		expect(named('provider', 'deepinfra')).toEqual({ parameter: 'Provider Routing > Provider Name or ID', hint: refusedField });
		expect(named('provider.only', { only: ['x'] }, 'provider_unknown_provider')).toEqual({
			parameter: 'Provider Routing > Allowed Provider Names or IDs',
			hint: "NanoGPT does not know a provider of this list for the model: take the IDs from the list of the model's providers.",
		});
		expect(named('provider.max_price.prompt', { max_price: { prompt: 1 } })).toEqual({ parameter: 'Provider Routing > Max Prompt Price', hint: refusedField });
		expect(named('provider', { sort: 'price' })).toEqual({ parameter: 'Provider Routing > Provider Name or ID', hint: refusedField });
		expect(named('provider.unheard_of', { sort: 'price' })).toEqual({ parameter: 'Provider Routing', hint: refusedField });
		expect(explainFailure({ body: { error: { param: 5 } } }, call())).toBeUndefined();
		expect(explainFailure({ body: { error: 'provider' } }, call())).toBeUndefined();
		expect(explainFailure({ body: 'provider.only' }, call())).toBeUndefined();
	});

	it('the moderation header: the model when one was sent, else the mode', () => {
		const hint = 'NanoGPT refused the moderation header: check the moderation model ID (GET /api/v1/moderation-models lists them).';
		expect(explainFailure({ code: 'conflicting_moderation_model' }, call({}, { moderation: 'omni-x' }))).toEqual({ parameter: `${RBS} > Moderation Model`, hint });
		expect(explainFailure({ body: { error: { param: 'moderation' } } }, call({}, { moderation: 'true' }))).toEqual({ parameter: `${RBS} > Moderation`, hint });
		expect(explainFailure({ body: { error: { param: 'moderation' } } }, call({}, { moderation: 'false' }))).toEqual({ parameter: `${RBS} > Moderation`, hint });
	});

	it('the billing mode', () => {
		const billing = { parameter: `${RBS} > Billing Mode`, hint: 'NanoGPT refused the billing mode.' };
		expect(explainFailure({ body: { error: { param: 'billing_mode' } } }, call())).toEqual(billing);
		expect(explainFailure({ body: { error: { param: 'billingMode' } } }, call())).toEqual(billing);
	});

	it('a routing suffix NanoGPT refused', () => {
		const hint = 'NanoGPT refused the routing suffix: it takes one routing suffix, none with a provider choice, and none for models without provider selection.';
		expect(explainFailure({ code: 'speed_suffix_conflict' }, call({ model: 'm:thinking:cached' }))).toEqual({ parameter: `${RBS} > Prompt Caching`, hint });
		expect(explainFailure({ code: 'speed_suffix_conflict' }, call({ model: 'm:tools' }))).toEqual({ parameter: `${RBS} > Tool Support`, hint });
		expect(explainFailure({ code: 'speed_suffix_conflict' }, call({ model: 'm:fast' }))).toEqual({ parameter: `${RBS} > Routing Preference`, hint });
		expect(explainFailure({ code: 'speed_suffix_conflict' }, call({ model: 'm:thinking' }))).toEqual({ parameter: 'Model', hint });
	});

	it('no provider available: the routing that narrowed it, else the model', () => {
		expect(explainFailure({ code: 'model_not_available' }, call())).toEqual({
			parameter: 'Model',
			hint: 'NanoGPT has no provider available for the model right now: widen the provider routing, allow fallbacks, or choose another model.',
		});
		expect(explainFailure({ code: 'all_fallbacks_failed' }, call({ model: 'm:price' }))).toEqual({
			parameter: `${RBS} > Routing Preference`,
			hint: 'every provider NanoGPT tried for the model failed: widen the provider routing, allow fallbacks, or choose another model.',
		});
		const noFallback = 'no provider the routing allows is available, and fallbacks are off: widen the provider routing, allow fallbacks, or choose another model.';
		expect(explainFailure({ code: 'no_fallback_available' }, call({ provider: { allow_fallbacks: false } }))).toEqual({
			parameter: 'Provider Routing > Allow Fallbacks',
			hint: noFallback,
		});
		expect(explainFailure({ code: 'no_fallback_available' }, call({ provider: { allow_fallbacks: true } }))).toEqual({ parameter: 'Provider Routing', hint: noFallback });
		expect(explainFailure({ code: 'no_fallback_available' }, call({ provider: 'deepinfra' }))).toEqual({ parameter: 'Provider Routing', hint: noFallback });
		expect(explainFailure({ code: 'model_not_available' }, call({ provider: { allow_fallbacks: false } }))?.parameter).toBe('Provider Routing');
		expect(explainFailure({ code: 'toString' }, call())).toBeUndefined();
	});

	it('a pay-as-you-go request refused: billing mode, then provider choice, then routing suffix', () => {
		const hint =
			"NanoGPT refused a pay-as-you-go request: the account's paid-models API is off. Turn on paid API use in NanoGPT's settings, or set Billing Mode to Default (a provider choice or routing suffix is always pay-as-you-go).";
		expect(explainFailure({ status: 403 }, call({ billing_mode: 'paygo', provider: 'x', model: 'm:fast' }))).toEqual({ parameter: `${RBS} > Billing Mode`, hint });
		expect(explainFailure({ status: 403 }, call({ provider: 'x', model: 'm:fast' }))).toEqual({ parameter: 'Provider Routing', hint });
		expect(explainFailure({ code: 'paid_features_disabled' }, call({ model: 'm:fast' }))).toEqual({ parameter: `${RBS} > Routing Preference`, hint });
		expect(explainFailure({ status: 403, code: 'api_key_origin_not_allowed' }, call({ billing_mode: 'paygo' }))).toBeUndefined();
		expect(explainFailure({ status: 403 }, call())).toBeUndefined();
		expect(explainFailure({ status: 401 }, call({ billing_mode: 'paygo' }))).toBeUndefined();
	});
});

describe('why a run stops', () => {
	const now = Date.parse('2026-12-02T22:30:10Z');

	it('a daily cap: the cap, when it resets and how long that is, NanoGPT\'s words and code', () => {
		expect(
			stopReasonFor(
				{ kind: 'dailyCap', cap: 'daily request limit', code: 'daily_rpd_limit_exceeded', resetsAt: Date.parse('2026-12-03T00:00:20Z') },
				{ apiMessage: 'Daily limit reached', code: 'daily_rpd_limit_exceeded', retryable: true },
				3,
				now,
			),
		).toEqual({
			message:
				'NanoGPT\'s daily request limit for this API key is reached: no further requests until it resets at 2026-12-03 00:00 UTC (in 1 h 30 min). NanoGPT said: "Daily limit reached" (code daily_rpd_limit_exceeded)',
			description: 'The run stopped sending when NanoGPT refused item 3 for this cap. Run the rows that failed this way again after 2026-12-03 00:00 UTC.',
			code: 'daily_rpd_limit_exceeded',
		});
	});

	it('a daily cap whose reset has passed: in 0 s, and the minute rounded up from 30 s', () => {
		const reason = stopReasonFor(
			{ kind: 'dailyCap', cap: 'daily USD limit', code: 'x', resetsAt: Date.parse('2026-12-02T22:29:30Z') },
			{ apiMessage: 'cap', retryable: true },
			0,
			now,
		);
		expect(reason.message).toBe('NanoGPT\'s daily USD limit for this API key is reached: no further requests until it resets at 2026-12-02 22:30 UTC (in 0 s). NanoGPT said: "cap"');
		expect(reason.code).toBeUndefined();
	});

	it('a 402: what to top up, and Web Search when that is what needs the balance', () => {
		const failure = { apiMessage: 'Insufficient balance', code: 'webSearch_balance_required', retryable: false };
		expect(stopReasonFor({ kind: 'balance', need: 'web search' }, failure, 2, now)).toEqual({
			message:
				'NanoGPT returned 402: Insufficient balance (code webSearch_balance_required). Web search needs a prepaid balance: top up your NanoGPT balance or turn off Options > Web Search; this run sends no further requests.',
			description: 'The run stopped sending when NanoGPT answered item 2 with 402. After topping up, run the rows that failed this way again.',
			code: 'webSearch_balance_required',
		});
		expect(stopReasonFor({ kind: 'balance', need: 'memory' }, { ...failure, code: 'memory_balance_required' }, 2, now).message).toBe(
			'NanoGPT returned 402: Insufficient balance (code memory_balance_required). Memory needs a prepaid balance: top up your NanoGPT balance; this run sends no further requests.',
		);
		expect(stopReasonFor({ kind: 'balance', need: 'web search and memory' }, failure, 2, now).message).toBe(
			'NanoGPT returned 402: Insufficient balance (code webSearch_balance_required). Web search and memory need a prepaid balance: top up your NanoGPT balance or turn off Options > Web Search; this run sends no further requests.',
		);
		expect(stopReasonFor({ kind: 'balance' }, { apiMessage: 'Insufficient balance', retryable: false }, 0, now)).toEqual({
			message: 'NanoGPT returned 402: Insufficient balance. Top up your NanoGPT balance; this run sends no further requests.',
			description: 'The run stopped sending when NanoGPT answered item 0 with 402. After topping up, run the rows that failed this way again.',
			code: undefined,
		});
	});

	it('words durations in seconds, minutes and hours', () => {
		expect(duration(59_400)).toBe('59 s');
		expect(duration(59_500)).toBe('1 min 0 s');
		expect(duration(3_599_000)).toBe('59 min 59 s');
		expect(duration(3_600_000)).toBe('1 h 0 min');
		expect(duration(7_325_000)).toBe('2 h 2 min');
	});
});
