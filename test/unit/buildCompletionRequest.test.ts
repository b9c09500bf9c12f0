import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
	InvalidParameterError,
	buildCompletionRequest,
	type CompletionParameters,
} from '../../nodes/NanoGpt/request/buildCompletionRequest';
import { completionFieldsByCollection, fieldCollections } from '../../nodes/NanoGpt/request/completionFields';
import { allSampleCollections, fieldSamples } from '../fieldSamples';

const spec = parse(readFileSync(join(__dirname, '..', 'spec', 'nanogpt-completions.openapi.yaml'), 'utf8'));
const specFields = Object.keys(spec.components.schemas.CompletionRequest.properties as object);

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
	it('covers every request field of the spec exactly once', () => {
		const tableFields = fieldCollections.flatMap((collection) =>
			completionFieldsByCollection[collection].map((field) => field.apiField),
		);
		expect([...tableFields, 'model', 'prompt'].sort()).toEqual([...specFields].sort());
	});

	it('has a sample for every table row (so every row is exercised below)', () => {
		const sampled = fieldSamples.map((sample) => sample.apiField).sort();
		const tableFields = fieldCollections
			.flatMap((collection) => completionFieldsByCollection[collection].map((field) => field.apiField))
			.sort();
		expect(sampled).toEqual(tableFields);
	});
});

describe('buildCompletionRequest', () => {
	it('sends only model and prompt when no option was added', () => {
		expect(build({})).toEqual(base);
	});

	it.each(fieldSamples)('sends $collection.$parameter as $apiField', (sample) => {
		const body = build({ [sample.collection]: { [sample.parameter]: sample.value } });
		expect(body).toEqual({ ...base, [sample.apiField]: sample.sent });
	});

	it('sends every field together with the right names and types', () => {
		const body = build(allSampleCollections());
		const expected = Object.fromEntries(fieldSamples.map((sample) => [sample.apiField, sample.sent]));
		expect(body).toEqual({ ...base, ...expected });
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
