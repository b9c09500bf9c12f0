import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
	InvalidParameterError,
	buildCompletionCall,
	buildCompletionRequest,
	type CompletionParameters,
} from '../../../nodes/NanoGpt/request/buildCompletionRequest';
import { completionFieldsByCollection, fieldCollections } from '../../../nodes/NanoGpt/request/completionFields';
import { allSampleCollections, expectedRequest, fieldSamples, sampleCollections, sampleRuns } from '../../support/fieldSamples';

const spec = parse(readFileSync(join(__dirname, '..', '..', 'spec', 'nanogpt-completions.openapi.yaml'), 'utf8'));
const specFields = Object.keys(spec.components.schemas.CompletionRequest.properties as object);
/**
 * What NanoGPT documented for POST /v1/completions after the spec (its docs' openapi.json and
 * miscellaneous pages): body fields, the provider routing object's fields, headers and suffixes.
 */
const DOCUMENTED = {
	body: ['provider', 'billing_mode'],
	providerObject: ['order', 'only', 'ignore', 'sort', 'quantizations', 'min_quantization', 'max_price.prompt', 'max_price.completion', 'allow_fallbacks', 'require_parameters'],
	header: ['moderation', 'redaction'],
	modelSuffix: ['speed|throughput|latency|price', 'tools', 'caching', 'reasoning-exclude'],
};
const rows = fieldCollections.flatMap((collection) => completionFieldsByCollection[collection]);
const rowsSentAs = (kind: string) => rows.filter((row) => (row.sentAs ?? 'body') === kind).map((row) => row.apiField);

const base = { model: 'gpt-4o-mini', prompt: 'Say hi' };

function build(parameters: Partial<CompletionParameters>) {
	return buildCompletionRequest({ ...base, ...parameters });
}

function expectInvalid(parameters: Partial<CompletionParameters>, parameter: string, problem: RegExp) {
	let caught: unknown;
	try {
		build(parameters);
	} catch (error) {
		caught = error;
	}
	expect(caught).toBeInstanceOf(InvalidParameterError);
	expect((caught as InvalidParameterError).parameter).toBe(parameter);
	expect((caught as InvalidParameterError).problem).toMatch(problem);
}

describe('the parameter -> API field table', () => {
	it('covers every request field of the spec and every body field documented since, each once', () => {
		const bodyFields = rowsSentAs('body').filter((field) => !field.startsWith('provider.'));
		expect([...bodyFields, 'model', 'prompt'].sort()).toEqual([...specFields, ...DOCUMENTED.body].sort());
		const providerObject = rowsSentAs('body').filter((field) => field.startsWith('provider.')).map((field) => field.slice('provider.'.length));
		expect(providerObject.sort()).toEqual([...DOCUMENTED.providerObject].sort());
	});

	it('covers the documented headers and model suffixes', () => {
		expect([...new Set(rowsSentAs('header'))].sort()).toEqual([...DOCUMENTED.header].sort());
		expect(rowsSentAs('modelSuffix').sort()).toEqual([...DOCUMENTED.modelSuffix].sort());
	});

	it('has a sample for every table row (so every row is exercised below)', () => {
		const sampled = fieldSamples.map((sample) => `${sample.collection}.${sample.parameter} -> ${sample.apiField}`).sort();
		const tableFields = fieldCollections
			.flatMap((collection) => completionFieldsByCollection[collection].map((field) => `${collection}.${field.property.name} -> ${field.apiField}`))
			.sort();
		expect(sampled).toEqual(tableFields);
	});
});

describe('buildCompletionRequest', () => {
	it('sends only model and prompt when no option was added', () => {
		expect(build({})).toEqual(base);
	});

	it.each(fieldSamples)('sends $collection.$parameter as $apiField', (sample) => {
		const call = buildCompletionCall({ ...base, ...sampleCollections([sample]) });
		expect(call).toEqual(expectedRequest([sample], base.model, base.prompt));
	});

	it('sends every field together with the right names and types (those NanoGPT refuses together in requests of their own)', () => {
		expect(build(allSampleCollections())).toEqual(expectedRequest(fieldSamples.filter((sample) => !sample.alone), base.model, base.prompt).body);
		for (const run of sampleRuns()) {
			expect(buildCompletionCall({ ...base, ...sampleCollections(run) })).toEqual(expectedRequest(run, base.model, base.prompt));
		}
	});

	it('adds stream_options.include_usage when streaming, so usage arrives in the stream', () => {
		expect(build({ options: { stream: true } })).toEqual({
			...base,
			stream: true,
			stream_options: { include_usage: true },
		});
	});

	it.each([
		['none', 'gpt-4o-mini'],
		['online', 'gpt-4o-mini:online'],
		['online/linkup-deep', 'gpt-4o-mini:online/linkup-deep'],
	])('web search %s gives model %s', (webSearch, model) => {
		expect(build({ options: { webSearch } }).model).toBe(model);
	});

	it('does not add a web search suffix twice', () => {
		expect(build({ model: 'gpt-4o-mini:online', options: { webSearch: 'online' } }).model).toBe(
			'gpt-4o-mini:online',
		);
	});

	it('accepts one stop string, or an array from an expression nested in the list', () => {
		expect(build({ options: { stop: 'END' } }).stop).toBe('END');
		expect(build({ options: { stop: [['a', 'b'], 'c'] } }).stop).toEqual(['a', 'b', 'c']);
		expect(build({ options: { stop: [] } })).not.toHaveProperty('stop');
	});

	it('accepts token ID lists as arrays, comma-separated text or JSON text', () => {
		expect(build({ tokenControl: { stopTokenIds: [1, '2'] } }).stop_token_ids).toEqual([1, 2]);
		expect(build({ tokenControl: { stopTokenIds: '[3, 4]' } }).stop_token_ids).toEqual([3, 4]);
		expect(build({ tokenControl: { customTokenBans: ' 5,6 ,7 ' } }).custom_token_bans).toEqual([5, 6, 7]);
		expect(build({ tokenControl: { customTokenBans: '[]' } })).not.toHaveProperty('custom_token_bans');
	});

	it('accepts logit bias as an object from an expression', () => {
		expect(build({ tokenControl: { logitBias: { '13': 2.5 } } }).logit_bias).toEqual({ '13': 2.5 });
	});

	it('sends logprobs as given: true, false or an integer', () => {
		expect(build({ options: { logprobs: true } }).logprobs).toBe(true);
		expect(build({ options: { logprobs: 'false' } }).logprobs).toBe(false);
		expect(build({ options: { logprobs: 3 } }).logprobs).toBe(3);
	});

	it('converts numeric text (a spreadsheet cell) to a number', () => {
		expect(build({ options: { temperature: '0.3', maxTokens: '12' } })).toMatchObject({
			temperature: 0.3,
			max_tokens: 12,
		});
	});

	it.each([
		[{ options: { temperature: 2.5 } }, 'Options > Temperature', /between 0 and 2, got 2.5/],
		[{ options: { temperature: 'hot' } }, 'Options > Temperature', /must be a number/],
		[{ options: { temperature: Number.NaN } }, 'Options > Temperature', /finite number/],
		[{ options: { topP: -0.1 } }, 'Options > Top P', /between 0 and 1/],
		[{ options: { maxTokens: 0 } }, 'Options > Max Tokens', /at least 1/],
		[{ options: { maxTokens: 10.5 } }, 'Options > Max Tokens', /whole number/],
		[{ options: { seed: 2 ** 60 } }, 'Options > Seed', /whole number/],
		[{ options: { stop: [''] } }, 'Options > Stop Sequences', /must not be empty/],
		[{ options: { stop: [42] } }, 'Options > Stop Sequences', /must be text/],
		[{ options: { stream: 'yes' } }, 'Options > Stream', /true or false/],
		[{ options: { logprobs: -1 } }, 'Options > Logprobs', /true, false or a whole number/],
		[{ options: { logprobs: 'lots' } }, 'Options > Logprobs', /true, false or a whole number/],
		[{ options: { webSearch: 'bing' } }, 'Options > Web Search', /must be one of/],
		[{ penalties: { frequencyPenalty: 3 } }, 'Penalties > Frequency Penalty', /between -2 and 2/],
		[{ penalties: { presencePenalty: -2.01 } }, 'Penalties > Presence Penalty', /between -2 and 2/],
		[{ penalties: { repetitionPenalty: Infinity } }, 'Penalties > Repetition Penalty', /finite number/],
		[{ penalties: { noRepeatNgramSize: -1 } }, 'Penalties > No Repeat N-Gram Size', /at least 0/],
		[{ advancedSampling: { topK: 1.5 } }, 'Advanced Sampling > Top K', /whole number/],
		[{ advancedSampling: { minP: 1.1 } }, 'Advanced Sampling > Min P', /between 0 and 1/],
		[{ advancedSampling: { tfs: -1 } }, 'Advanced Sampling > Tail Free Sampling', /between 0 and 1/],
		[{ advancedSampling: { typicalP: 2 } }, 'Advanced Sampling > Typical P', /between 0 and 1/],
		[{ advancedSampling: { mirostatMode: 3 } }, 'Advanced Sampling > Mirostat Mode', /one of 0, 1, 2/],
		[{ advancedSampling: { mirostatTau: {} } }, 'Advanced Sampling > Mirostat Tau', /must be a number/],
		[{ tokenControl: { minTokens: -5 } }, 'Token Control > Min Tokens', /at least 0/],
		[{ tokenControl: { stopTokenIds: '12, abc' } }, 'Token Control > Stop Token IDs', /whole numbers/],
		[{ tokenControl: { customTokenBans: [1.5] } }, 'Token Control > Banned Token IDs', /whole numbers/],
		[{ tokenControl: { logitBias: '{"50256": ' } }, 'Token Control > Logit Bias', /not valid JSON/],
		[{ tokenControl: { logitBias: '[1, 2]' } }, 'Token Control > Logit Bias', /must be an object/],
		[{ tokenControl: { logitBias: { abc: 1 } } }, 'Token Control > Logit Bias', /keys must be token IDs/],
		[{ tokenControl: { logitBias: { '1': 'x' } } }, 'Token Control > Logit Bias', /must be a number/],
		[{ tokenControl: { logitBias: { '1': 101 } } }, 'Token Control > Logit Bias', /between -100 and 100/],
		[{ tokenControl: { ignoreEos: 1 } }, 'Token Control > Ignore EOS', /true or false/],
		[{ model: '' }, 'Model', /model ID is required/],
		[{ model: undefined }, 'Model', /model ID is required/],
		[{ prompt: '   ' }, 'Prompt', /must not be empty/],
		[{ prompt: { text: 'x' } }, 'Prompt', /must be text/],
	])('rejects %j naming %s', (parameters, parameter, problem) => {
		expectInvalid(parameters as Partial<CompletionParameters>, parameter as string, problem as RegExp);
	});
});

describe('provider routing, routing suffixes, billing and safety', () => {
	const call = (parameters: Partial<CompletionParameters>) => buildCompletionCall({ ...base, ...parameters });

	it('orders suffixes as documented: the ID as typed, the routing suffix, web search, then :reasoning-exclude', () => {
		expect(
			call({
				model: 'moonshotai/kimi-k2.6:thinking',
				options: { webSearch: 'online/tavily', hideReasoning: true },
				routingBillingSafety: { routingPreference: 'price' },
			}).body.model,
		).toBe('moonshotai/kimi-k2.6:thinking:price:online/tavily:reasoning-exclude');
		expect(call({ routingBillingSafety: { toolSupport: true }, options: { webSearch: 'online' } }).body.model).toBe('gpt-4o-mini:tools:online');
		expect(call({ routingBillingSafety: { promptCaching: 'true' } }).body.model).toBe('gpt-4o-mini:caching');
	});

	it('does not add a suffix the typed ID already carries (aliases included)', () => {
		expect(call({ model: 'x:cheap', routingBillingSafety: { routingPreference: 'price' } }).body.model).toBe('x:cheap');
		expect(call({ model: 'x:reasoning-exclude', options: { hideReasoning: true } }).body.model).toBe('x:reasoning-exclude');
		expect(call({ model: 'x:CACHED', routingBillingSafety: { promptCaching: true } }).body.model).toBe('x:CACHED');
	});

	it('adds nothing for the choices that send nothing', () => {
		expect(
			call({
				options: { hideReasoning: false },
				providerRouting: { provider: '', order: [], only: '' },
				routingBillingSafety: { routingPreference: 'none', toolSupport: false, promptCaching: 'false', billingMode: 'default', moderation: 'default', piiRedaction: 'default', moderationModel: '' },
			}),
		).toEqual({ body: base, headers: {} });
	});

	it.each([
		'online', 'online/linkup', 'online/linkup-deep', 'online/tavily', 'online/tavily-deep', 'online/brave', 'online/brave-deep',
		'online/sofya', 'online/exa-fast', 'online/exa-auto', 'online/exa-neural', 'online/exa-deep', 'online/exa-deep-reasoning',
		'online/exa-instant', 'online/kagi', 'online/kagi-web', 'online/kagi-news', 'online/kagi-search', 'online/perplexity',
		'online/perplexity-deep', 'online/valyu', 'online/valyu-deep', 'online/valyu-web', 'online/valyu-web-deep',
	])('web search %s is the documented suffix', (webSearch) => {
		expect(build({ options: { webSearch } }).model).toBe(`gpt-4o-mini:${webSearch}`);
	});

	it('reads lists as arrays or comma-separated text', () => {
		expect(call({ providerRouting: { ignore: ' a, b ,', quantizations: 'fp8, unknown' } }).body.provider).toEqual({
			ignore: ['a', 'b'],
			quantizations: ['fp8', 'unknown'],
		});
	});

	it('sends Moderation Off and PII Redaction Off as false headers, and the moderation model as the header value', () => {
		expect(call({ routingBillingSafety: { moderation: 'off', piiRedaction: 'off' } }).headers).toEqual({ moderation: 'false', redaction: 'false' });
		expect(call({ routingBillingSafety: { moderation: 'on', moderationModel: ' omni-moderation-latest ' } }).headers).toEqual({ moderation: 'omni-moderation-latest' });
	});

	it('accepts quantization filters that overlap', () => {
		expect(call({ providerRouting: { quantizations: ['fp4', 'bf16'], minQuantization: 'fp16' } }).body.provider).toEqual({ quantizations: ['fp4', 'bf16'], min_quantization: 'fp16' });
		expect(call({ providerRouting: { quantizations: ['int8'], minQuantization: 'fp8' } }).body.provider).toEqual({ quantizations: ['int8'], min_quantization: 'fp8' });
	});

	const RBS = 'Routing, Billing and Safety';
	it.each([
		[{ routingBillingSafety: { routingPreference: 'price', toolSupport: true } }, `${RBS} > Tool Support`, /cannot be combined with Routing Preference/],
		[{ routingBillingSafety: { routingPreference: 'speed', promptCaching: true } }, `${RBS} > Prompt Caching`, /one routing suffix/],
		[{ routingBillingSafety: { toolSupport: true, promptCaching: true } }, `${RBS} > Prompt Caching`, /cannot be combined with Tool Support/],
		[{ routingBillingSafety: { routingPreference: 'latency' }, providerRouting: { provider: 'deepinfra' } }, `${RBS} > Routing Preference`, /Provider Routing/],
		[{ routingBillingSafety: { toolSupport: true }, providerRouting: { only: ['deepinfra'] } }, `${RBS} > Tool Support`, /provider choice/],
		[{ routingBillingSafety: { promptCaching: true }, providerRouting: { sort: 'price' } }, `${RBS} > Prompt Caching`, /provider choice/],
		[{ model: 'x:fast', providerRouting: { maxPromptPrice: 1 } }, 'Model', /:speed suffix together with a provider choice/],
		[{ model: 'x:fast', routingBillingSafety: { routingPreference: 'latency' } }, `${RBS} > Routing Preference`, /model ID's :speed suffix/],
		[{ model: 'x:tools:cheap' }, 'Model', /two routing suffixes/],
		[{ providerRouting: { provider: 'deepinfra', order: ['novita'] } }, 'Provider Routing > Provider Name or ID', /Preferred Provider Names or IDs: NanoGPT takes one provider ID or a routing object/],
		[{ providerRouting: { quantizations: ['fp4', 'int4'], minQuantization: 'fp8' } }, 'Provider Routing > Min Quantization', /no chosen quantization \(fp4, int4\) is fp8 or finer/],
		[{ providerRouting: { quantizations: ['unknown'], minQuantization: 'int4' } }, 'Provider Routing > Min Quantization', /do not overlap/],
		[{ providerRouting: { maxPromptPrice: -0.01 } }, 'Provider Routing > Max Prompt Price', /at least 0/],
		[{ providerRouting: { maxCompletionPrice: 'cheap' } }, 'Provider Routing > Max Completion Price', /must be a number/],
		[{ providerRouting: { sort: 'cheapest' } }, 'Provider Routing > Sort', /must be one of auto, default, latency, none, price, speed, throughput/],
		[{ providerRouting: { quantizations: ['fp8', 'fp7'] } }, 'Provider Routing > Quantizations', /each entry must be one of/],
		[{ providerRouting: { minQuantization: 'unknown' } }, 'Provider Routing > Min Quantization', /must be one of/],
		[{ providerRouting: { only: ['deepinfra', ''] } }, 'Provider Routing > Allowed Provider Names or IDs', /non-empty text/],
		[{ providerRouting: { order: 42 } }, 'Provider Routing > Preferred Provider Names or IDs', /must be a list/],
		[{ providerRouting: { provider: ['deepinfra'] } }, 'Provider Routing > Provider Name or ID', /must be text/],
		[{ providerRouting: { allowFallbacks: 'no' } }, 'Provider Routing > Allow Fallbacks', /true or false/],
		[{ routingBillingSafety: { billingMode: 'subscription' } }, `${RBS} > Billing Mode`, /must be one of default, paygo/],
		[{ routingBillingSafety: { moderation: true } }, `${RBS} > Moderation`, /must be one of default, off, on/],
		[{ routingBillingSafety: { moderationModel: 'omni-moderation-latest' } }, `${RBS} > Moderation Model`, /only with Moderation On/],
		[{ routingBillingSafety: { moderation: 'off', moderationModel: 'omni-moderation-latest' } }, `${RBS} > Moderation Model`, /only with Moderation On/],
		[{ routingBillingSafety: { piiRedaction: true } }, `${RBS} > PII Redaction`, /must be one of default, off, on/],
		[{ routingBillingSafety: { routingPreference: 'fast' } }, `${RBS} > Routing Preference`, /must be one of/],
		[{ options: { hideReasoning: 'yes' } }, 'Options > Hide Reasoning', /true or false/],
		[{ providerRouting: 'deepinfra' }, 'Provider Routing', /must be a collection/],
	])('rejects %j naming %s', (parameters, parameter, problem) => {
		expectInvalid(parameters as Partial<CompletionParameters>, parameter as string, problem as RegExp);
	});
});
