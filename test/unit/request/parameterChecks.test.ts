import type { IDataObject, INodeProperties } from 'n8n-workflow';
import type { CompletionField, ValueKind } from '../../../nodes/NanoGpt/description/completionField';
import {
	InvalidParameterError,
	buildCompletionCall,
	describeValue,
	toApiValue,
	type CompletionParameters,
} from '../../../nodes/NanoGpt/request/buildCompletionRequest';
import { composeModelId, routingSuffix, suffixesOf } from '../../../nodes/NanoGpt/request/modelSuffixes';
import { readOutputSettings, readRequestSettings } from '../../../nodes/NanoGpt/request/runSettings';

// Every check of a parameter value, with the whole message a user reads: the value converters on
// fields made up here (so that each bound and branch is reached, whatever the node's table holds),
// then the combinations NanoGPT refuses on the node's own fields. Messages are written out by hand.

function field(kind: ValueKind, property: Partial<INodeProperties> = {}, extra: Partial<CompletionField> = {}): CompletionField {
	return {
		apiField: 'x',
		kind,
		property: { displayName: 'X', name: 'x', type: 'string', default: '', ...property },
		...extra,
	};
}

function problemOf(run: () => unknown): { parameter: string; problem: string; message: string } {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(InvalidParameterError);
		const { parameter, problem, message, name } = error as InvalidParameterError;
		expect(name).toBe('InvalidParameterError');
		return { parameter, problem, message };
	}
	throw new Error('accepted');
}

const check = (kind: ValueKind, value: unknown, property: Partial<INodeProperties> = {}, extra: Partial<CompletionField> = {}) =>
	toApiValue(field(kind, property, extra), value, 'Group > X');
const problem = (kind: ValueKind, value: unknown, property: Partial<INodeProperties> = {}, extra: Partial<CompletionField> = {}) =>
	problemOf(() => check(kind, value, property, extra)).problem;

describe('describeValue, the value quoted in an error', () => {
	it('quotes text, cut after 40 characters', () => {
		expect(describeValue('hot')).toBe('"hot"');
		expect(describeValue('a'.repeat(40))).toBe(`"${'a'.repeat(40)}"`);
		expect(describeValue('b'.repeat(41))).toBe(`"${'b'.repeat(40)}…"`);
	});

	it('writes numbers, booleans and null as they are, undefined as nothing, and names other kinds', () => {
		expect(describeValue(2.5)).toBe('2.5');
		expect(describeValue(false)).toBe('false');
		expect(describeValue(null)).toBe('null');
		expect(describeValue(undefined)).toBe('nothing');
		expect(describeValue([1])).toBe('an array');
		expect(describeValue({ a: 1 })).toBe('a value of type object');
		expect(describeValue(() => 1)).toBe('a value of type function');
	});
});

describe('the message of an invalid parameter', () => {
	it('names the parameter, then the problem', () => {
		const error = problemOf(() => check('number', 'hot'));
		expect(error).toEqual({ parameter: 'Group > X', problem: 'must be a number, got "hot"', message: 'Invalid value for "Group > X": must be a number, got "hot"' });
	});
});

describe('numbers', () => {
	it('reads numbers and numeric text, trimmed', () => {
		expect(check('number', 0.25)).toBe(0.25);
		expect(check('number', ' 0.5 ')).toBe(0.5);
		expect(check('number', '-3')).toBe(-3);
	});

	it('refuses what is no finite number', () => {
		expect(problem('number', Number.NaN)).toBe('must be a finite number, got NaN');
		expect(problem('number', Number.POSITIVE_INFINITY)).toBe('must be a finite number, got Infinity');
		expect(problem('number', 'hot')).toBe('must be a number, got "hot"');
		expect(problem('number', '')).toBe('must be a number, got ""');
		expect(problem('number', '   ')).toBe('must be a number, got "   "');
		expect(problem('number', 'Infinity')).toBe('must be a number, got "Infinity"');
		expect(problem('number', true)).toBe('must be a number, got true');
		expect(problem('number', undefined)).toBe('must be a number, got nothing');
	});

	it('checks both bounds, each one included', () => {
		const bounds = { typeOptions: { minValue: -2, maxValue: 2 } };
		expect(check('number', -2, bounds)).toBe(-2);
		expect(check('number', 2, bounds)).toBe(2);
		expect(problem('number', -2.01, bounds)).toBe('must be between -2 and 2, got -2.01');
		expect(problem('number', 2.01, bounds)).toBe('must be between -2 and 2, got 2.01');
	});

	it('says "at least" with only a minimum and "at most" with only a maximum', () => {
		expect(check('number', 1, { typeOptions: { minValue: 1 } })).toBe(1);
		expect(check('number', 1e9, { typeOptions: { minValue: 1 } })).toBe(1e9);
		expect(problem('number', 0.5, { typeOptions: { minValue: 1 } })).toBe('must be at least 1, got 0.5');
		expect(check('number', 3, { typeOptions: { maxValue: 3 } })).toBe(3);
		expect(check('number', -1e9, { typeOptions: { maxValue: 3 } })).toBe(-1e9);
		expect(problem('number', 3.5, { typeOptions: { maxValue: 3 } })).toBe('must be at most 3, got 3.5');
		expect(check('number', -1e9)).toBe(-1e9);
	});

	it('wants whole numbers for an integer, saying "an integer" where a number would say "a number"', () => {
		expect(check('integer', '12')).toBe(12);
		expect(check('integer', -7)).toBe(-7);
		expect(problem('integer', 'many')).toBe('must be an integer, got "many"');
		expect(problem('integer', 10.5)).toBe('must be a whole number, got 10.5');
		expect(problem('integer', '10.5')).toBe('must be a whole number, got "10.5"');
		expect(problem('integer', 2 ** 53)).toBe('must be a whole number, got 9007199254740992');
		expect(problem('integer', Number.NaN)).toBe('must be a finite number, got NaN');
		expect(problem('integer', 0, { typeOptions: { minValue: 1 } })).toBe('must be at least 1, got 0');
	});
});

describe('booleans', () => {
	it('reads booleans and their text', () => {
		expect(check('boolean', true)).toBe(true);
		expect(check('boolean', false)).toBe(false);
		expect(check('boolean', 'true')).toBe(true);
		expect(check('boolean', 'false')).toBe(false);
	});

	it('refuses anything else', () => {
		expect(problem('boolean', 'yes')).toBe('must be true or false, got "yes"');
		expect(problem('boolean', 1)).toBe('must be true or false, got 1');
		expect(problem('boolean', ' true')).toBe('must be true or false, got " true"');
	});

	it('reads true, false or a whole number of 0 or more where both are allowed', () => {
		expect(check('booleanOrInteger', true)).toBe(true);
		expect(check('booleanOrInteger', false)).toBe(false);
		expect(check('booleanOrInteger', ' true ')).toBe(true);
		expect(check('booleanOrInteger', 'false')).toBe(false);
		expect(check('booleanOrInteger', ' 5 ')).toBe(5);
		expect(check('booleanOrInteger', 0)).toBe(0);
		expect(check('booleanOrInteger', 3)).toBe(3);
		const refused = 'must be true, false or a whole number of 0 or more, got ';
		expect(problem('booleanOrInteger', -1)).toBe(`${refused}-1`);
		expect(problem('booleanOrInteger', 1.5)).toBe(`${refused}1.5`);
		expect(problem('booleanOrInteger', '-1')).toBe(`${refused}"-1"`);
		expect(problem('booleanOrInteger', '1.5')).toBe(`${refused}"1.5"`);
		expect(problem('booleanOrInteger', 'x5')).toBe(`${refused}"x5"`);
		expect(problem('booleanOrInteger', '5x')).toBe(`${refused}"5x"`);
		expect(problem('booleanOrInteger', '99999999999999999999')).toBe(`${refused}"99999999999999999999"`);
		expect(problem('booleanOrInteger', 2 ** 53)).toBe(`${refused}9007199254740992`);
		expect(problem('booleanOrInteger', null)).toBe(`${refused}null`);
	});
});

describe('options', () => {
	const choices = { options: [{ name: 'Off', value: 0 }, { name: 'On', value: 1 }, { name: 'Fast', value: 'fast' }] };

	it('matches the value, or its text, trimmed', () => {
		expect(check('option', 1, choices)).toBe(1);
		expect(check('option', '1', choices)).toBe(1);
		expect(check('option', ' 0 ', choices)).toBe(0);
		expect(check('option', 'fast', choices)).toBe('fast');
		expect(check('option', ' fast ', choices)).toBe('fast');
	});

	it('refuses any other value, listing the allowed ones', () => {
		expect(problem('option', 2, choices)).toBe('must be one of 0, 1, fast, got 2');
		expect(problem('option', 'slow', choices)).toBe('must be one of 0, 1, fast, got "slow"');
		expect(problem('option', [1], choices)).toBe('must be one of 0, 1, fast, got an array');
		expect(problem('option', true, choices)).toBe('must be one of 0, 1, fast, got true');
		expect(problem('option', 'x', {})).toBe('must be one of , got "x"');
	});

	it('sends nothing for a choice that sends nothing, and the API value of a renamed one', () => {
		const extra = { sendsNothing: ['fast'], apiValues: { '1': 'true' } };
		expect(check('option', 'fast', choices, extra)).toBeUndefined();
		expect(check('option', 1, choices, extra)).toBe('true');
		expect(check('option', 0, choices, extra)).toBe(0);
	});

	it('reads a list of options as an array or comma-separated text, empty entries dropped', () => {
		expect(check('optionList', [1, 'fast'], choices)).toEqual([1, 'fast']);
		expect(check('optionList', ' fast, ,1 ,', choices)).toEqual(['fast', 1]);
		expect(check('optionList', '', choices)).toBeUndefined();
		expect(check('optionList', [], choices)).toBeUndefined();
		expect(problem('optionList', 'fast, slow', choices)).toBe('each entry must be one of 0, 1, fast, got "slow"');
		expect(problem('optionList', 7, choices)).toBe('must be a list (an array, or text separated by commas), got 7');
	});
});

describe('text', () => {
	it('sends text trimmed, and nothing for blank text', () => {
		expect(check('text', '  deepinfra ')).toBe('deepinfra');
		expect(check('text', '   ')).toBeUndefined();
		expect(problem('text', 5)).toBe('must be text, got 5');
	});

	it('reads lists of text, each entry trimmed and none blank', () => {
		expect(check('textList', [' a ', 'b'])).toEqual(['a', 'b']);
		expect(check('textList', 'a , b,,')).toEqual(['a', 'b']);
		expect(check('textList', ' , ')).toBeUndefined();
		expect(check('textList', [])).toBeUndefined();
		expect(problem('textList', ['a', ' '])).toBe('each entry must be a non-empty text, got " "');
		expect(problem('textList', ['a', 3])).toBe('each entry must be a non-empty text, got 3');
		expect(problem('textList', { a: 1 })).toBe('must be a list (an array, or text separated by commas), got a value of type object');
	});

	it('sends one stop sequence as text and several as a list, flattening nested lists', () => {
		expect(check('stopSequences', '\n')).toBe('\n');
		expect(check('stopSequences', ['END'])).toBe('END');
		expect(check('stopSequences', ['a', ['b', 'c']])).toEqual(['a', 'b', 'c']);
		expect(check('stopSequences', [])).toBeUndefined();
		expect(problem('stopSequences', ['a', ''])).toBe('stop sequences must not be empty');
		expect(problem('stopSequences', ['a', 4])).toBe('each stop sequence must be text, got 4');
		expect(problem('stopSequences', null)).toBe('each stop sequence must be text, got null');
	});
});

describe('token ID lists', () => {
	it('reads an array, one number, or text with commas, spaces or brackets', () => {
		expect(check('tokenIdList', [1, '2'])).toEqual([1, 2]);
		expect(check('tokenIdList', 0)).toEqual([0]);
		expect(check('tokenIdList', '50256, 198')).toEqual([50256, 198]);
		expect(check('tokenIdList', '[1 2,3]')).toEqual([1, 2, 3]);
		expect(check('tokenIdList', '[\n4,\n5\n]')).toEqual([4, 5]);
		expect(check('tokenIdList', ' 7 ')).toEqual([7]);
		expect(check('tokenIdList', [' 8 '])).toEqual([8]);
		expect(check('tokenIdList', '[]')).toBeUndefined();
		expect(check('tokenIdList', '  ')).toBeUndefined();
		expect(check('tokenIdList', [])).toBeUndefined();
	});

	it('refuses entries that are not whole numbers of 0 or more', () => {
		const refused = 'token IDs must be whole numbers of 0 or more, got ';
		expect(problem('tokenIdList', '12, abc')).toBe(`${refused}"abc"`);
		expect(problem('tokenIdList', '1, -2')).toBe(`${refused}"-2"`);
		expect(problem('tokenIdList', [-1])).toBe(`${refused}-1`);
		expect(problem('tokenIdList', [1.5])).toBe(`${refused}1.5`);
		expect(problem('tokenIdList', ['1.5'])).toBe(`${refused}"1.5"`);
		expect(problem('tokenIdList', ['1a'])).toBe(`${refused}"1a"`);
		expect(problem('tokenIdList', ['a1'])).toBe(`${refused}"a1"`);
		expect(problem('tokenIdList', [true])).toBe(`${refused}true`);
		expect(problem('tokenIdList', [2 ** 53])).toBe(`${refused}9007199254740992`);
		// Brackets count only around the whole list.
		expect(problem('tokenIdList', '1 [2]')).toBe(`${refused}"[2]"`);
		expect(problem('tokenIdList', '[1] 2')).toBe(`${refused}"[1]"`);
		expect(problem('tokenIdList', { a: 1 })).toBe(
			'must be token IDs such as "50256, 198" or an array of integers, got a value of type object',
		);
	});
});

describe('logit bias', () => {
	it('reads an object or its JSON text; empty sends nothing', () => {
		expect(check('tokenBiasMap', { '50256': -100, '1': 100 })).toEqual({ '50256': -100, '1': 100 });
		expect(check('tokenBiasMap', '{"2": 0.5}')).toEqual({ '2': 0.5 });
		expect(check('tokenBiasMap', '  ')).toBeUndefined();
		expect(check('tokenBiasMap', '{}')).toBeUndefined();
		expect(check('tokenBiasMap', {})).toBeUndefined();
	});

	it('refuses what is not a map of token IDs to biases within ±100', () => {
		expect(problem('tokenBiasMap', '{"1": ')).toBe('must be a JSON object such as {"50256": -100}, and the text is not valid JSON');
		expect(problem('tokenBiasMap', '[1]')).toBe('must be an object mapping token IDs to numbers, got an array');
		expect(problem('tokenBiasMap', 'null')).toBe('must be an object mapping token IDs to numbers, got null');
		expect(problem('tokenBiasMap', 3)).toBe('must be an object mapping token IDs to numbers, got 3');
		expect(problem('tokenBiasMap', { abc: 1 })).toBe('keys must be token IDs (whole numbers), got "abc"');
		expect(problem('tokenBiasMap', { '1a': 1 })).toBe('keys must be token IDs (whole numbers), got "1a"');
		expect(problem('tokenBiasMap', { a1: 1 })).toBe('keys must be token IDs (whole numbers), got "a1"');
		expect(problem('tokenBiasMap', { '1': 'x' })).toBe('the bias for token 1 must be a number, got "x"');
		expect(problem('tokenBiasMap', { '1': Number.NaN })).toBe('the bias for token 1 must be a number, got NaN');
		expect(problem('tokenBiasMap', { '1': 100.5 })).toBe('the bias for token 1 must be between -100 and 100, got 100.5');
		expect(problem('tokenBiasMap', { '1': -101 })).toBe('the bias for token 1 must be between -100 and 100, got -101');
	});
});

describe('the combinations NanoGPT refuses, with the whole message', () => {
	const base = { model: 'gpt-4o-mini', prompt: 'Say hi' };
	const refusal = (parameters: Partial<CompletionParameters>) => problemOf(() => buildCompletionCall({ ...base, ...parameters }));
	const RBS = 'Routing, Billing and Safety';

	it('refuses a missing model, prompt or a bad web search', () => {
		expect(refusal({ model: '  ' })).toMatchObject({ parameter: 'Model', problem: 'a model ID is required, got "  "' });
		expect(refusal({ model: 4 })).toMatchObject({ parameter: 'Model', problem: 'a model ID is required, got 4' });
		expect(refusal({ prompt: '' })).toMatchObject({ parameter: 'Prompt', problem: 'must not be empty' });
		expect(refusal({ prompt: null })).toMatchObject({ parameter: 'Prompt', problem: 'must be text, got null' });
		const webSearch = refusal({ options: { webSearch: 'bing' } });
		expect(webSearch.parameter).toBe('Options > Web Search');
		expect(webSearch.problem).toMatch(/^must be one of none, online, online\/linkup, online\/linkup-deep, .*, online\/valyu-web-deep, got "bing"$/);
		expect(buildCompletionCall({ ...base, options: { webSearch: 'none' } }).body).toEqual(base);
		expect(buildCompletionCall({ ...base, options: { webSearch: 'online/linkup' } }).body).toEqual({ ...base, model: 'gpt-4o-mini:online/linkup' });
		expect(refusal({ penalties: [] as never })).toMatchObject({ parameter: 'Penalties', problem: 'must be a collection of fields, got an array' });
		expect(refusal({ tokenControl: 'x' as never })).toMatchObject({ parameter: 'Token Control', problem: 'must be a collection of fields, got "x"' });
	});

	it('trims the model ID and sends numbers as prompt text', () => {
		expect(buildCompletionCall({ model: ' gpt-4o-mini ', prompt: 42 }).body).toEqual({ model: 'gpt-4o-mini', prompt: '42' });
		expect(buildCompletionCall({ model: 'm', prompt: BigInt(7) }).body).toEqual({ model: 'm', prompt: '7' });
		expect(buildCompletionCall({ model: 'm', prompt: '  x ' }).body).toEqual({ model: 'm', prompt: '  x ' });
	});

	it('refuses two routing suffixes', () => {
		expect(refusal({ model: 'x:tools:cheap' })).toMatchObject({
			parameter: 'Model',
			problem: 'the ID carries two routing suffixes (:tools, :price); NanoGPT takes at most one',
		});
		expect(refusal({ routingBillingSafety: { routingPreference: 'price', toolSupport: true } })).toMatchObject({
			parameter: `${RBS} > Tool Support`,
			problem: 'cannot be combined with Routing Preference: NanoGPT takes one routing suffix (:price or :tools), not both',
		});
		expect(refusal({ model: 'x:fast', routingBillingSafety: { promptCaching: true } })).toMatchObject({
			parameter: `${RBS} > Prompt Caching`,
			problem: "cannot be combined with the model ID's :speed suffix: NanoGPT takes one routing suffix",
		});
	});

	it('accepts a routing suffix typed twice under two aliases, or typed and chosen alike', () => {
		expect(buildCompletionCall({ ...base, model: 'x:fast:speed' }).body.model).toBe('x:fast:speed');
		expect(buildCompletionCall({ ...base, model: 'x:cheap', routingBillingSafety: { routingPreference: 'price' } }).body.model).toBe('x:cheap');
		expect(buildCompletionCall({ ...base, model: 'x:thinking', options: { hideReasoning: true }, routingBillingSafety: { toolSupport: true } }).body.model).toBe(
			'x:thinking:tools:reasoning-exclude',
		);
	});

	it('refuses a routing suffix with a provider choice, naming what was chosen', () => {
		expect(refusal({ routingBillingSafety: { routingPreference: 'latency' }, providerRouting: { provider: 'deepinfra' } })).toMatchObject({
			parameter: `${RBS} > Routing Preference`,
			problem: 'cannot be combined with Provider Routing: NanoGPT refuses :latency together with a provider choice',
		});
		expect(refusal({ model: 'x:cached', providerRouting: { allowFallbacks: false } })).toMatchObject({
			parameter: 'Model',
			problem: "cannot be combined with Provider Routing: NanoGPT refuses the model ID's :caching suffix together with a provider choice",
		});
	});

	it('accepts a provider choice with Hide Reasoning, and a routing suffix with other body fields', () => {
		expect(buildCompletionCall({ ...base, options: { hideReasoning: true }, providerRouting: { provider: 'deepinfra' } }).body).toEqual({
			...base,
			model: 'gpt-4o-mini:reasoning-exclude',
			provider: 'deepinfra',
		});
		expect(buildCompletionCall({ ...base, options: { temperature: 1 }, routingBillingSafety: { routingPreference: 'speed', billingMode: 'paygo' } }).body).toEqual({
			...base,
			model: 'gpt-4o-mini:speed',
			temperature: 1,
			billing_mode: 'paygo',
		});
	});

	it('refuses a provider ID with routing fields, and quantization filters without overlap', () => {
		expect(refusal({ providerRouting: { provider: 'deepinfra', only: ['a'], sort: 'price' } })).toMatchObject({
			parameter: 'Provider Routing > Provider Name or ID',
			problem:
				'cannot be combined with Allowed Provider Names or IDs, Sort: NanoGPT takes one provider ID or a routing object, not both',
		});
		expect(refusal({ providerRouting: { quantizations: ['fp4', 'int8'], minQuantization: 'fp16' } })).toMatchObject({
			parameter: 'Provider Routing > Min Quantization',
			problem:
				'no chosen quantization (fp4, int8) is fp16 or finer, so no provider could serve the request; NanoGPT refuses filters that do not overlap',
		});
	});

	it('accepts quantization filters that meet the floor exactly, and a provider ID alone', () => {
		expect(buildCompletionCall({ ...base, providerRouting: { quantizations: ['fp4', 'int8'], minQuantization: 'fp8' } }).body).toEqual({
			...base,
			provider: { quantizations: ['fp4', 'int8'], min_quantization: 'fp8' },
		});
		expect(buildCompletionCall({ ...base, providerRouting: { quantizations: ['unknown'] } }).body).toEqual({
			...base,
			provider: { quantizations: ['unknown'] },
		});
		expect(buildCompletionCall({ ...base, providerRouting: { provider: 'deepinfra' } }).body).toEqual({ ...base, provider: 'deepinfra' });
	});

	it('sends the moderation header: Off, On, or the moderation model with On; refuses a model without On', () => {
		const headers = (routingBillingSafety: IDataObject) => buildCompletionCall({ ...base, routingBillingSafety }).headers;
		expect(headers({ moderation: 'off' })).toEqual({ moderation: 'false' });
		expect(headers({ moderation: 'on' })).toEqual({ moderation: 'true' });
		expect(headers({ moderation: 'on', moderationModel: ' omni ' })).toEqual({ moderation: 'omni' });
		expect(headers({ moderation: 'default' })).toEqual({});
		expect(headers({ moderation: 'on', piiRedaction: 'on' })).toEqual({ moderation: 'true', redaction: 'true' });
		expect(headers({ piiRedaction: 'off' })).toEqual({ redaction: 'false' });
		expect(refusal({ routingBillingSafety: { moderation: 'default', moderationModel: 'omni' } })).toMatchObject({
			parameter: `${RBS} > Moderation Model`,
			problem: 'is used only with Moderation On; set Moderation to On or remove the Moderation Model',
		});
	});

	it('adds stream_options only when streaming', () => {
		expect(buildCompletionCall({ ...base, options: { stream: false } }).body).toEqual({ ...base, stream: false });
		expect(buildCompletionCall({ ...base, options: { stream: true } }).body).toEqual({ ...base, stream: true, stream_options: { include_usage: true } });
	});

	it('sends a suffix switched off as nothing, and a body field switched off as false', () => {
		expect(buildCompletionCall({ ...base, options: { hideReasoning: false }, routingBillingSafety: { toolSupport: 'false' } }).body).toEqual(base);
		expect(buildCompletionCall({ ...base, providerRouting: { allowFallbacks: false } }).body).toEqual({ ...base, provider: { allow_fallbacks: false } });
	});
});

describe('the output settings', () => {
	const read = (simplify: unknown, options?: Record<string, unknown>) => readOutputSettings(simplify, options as never);
	const refusal = (simplify: unknown, options: Record<string, unknown>) => problemOf(() => read(simplify, options)).message;

	it('defaults: simplified, under "completion", no JSON, nothing else', () => {
		expect(read(undefined)).toEqual({
			simplify: true,
			includeInputFields: false,
			outputField: 'completion',
			trimText: false,
			includeLogprobs: false,
			jsonOutput: false,
			jsonRetries: 0,
		});
	});

	it('reads each flag, as a boolean or its text', () => {
		expect(read('false', { includeInputFields: 'true', trimText: true, outputField: 'ai' })).toEqual({
			simplify: false,
			includeInputFields: true,
			outputField: 'ai',
			trimText: true,
			includeLogprobs: false,
			jsonOutput: false,
			jsonRetries: 0,
		});
		expect(read(true, { includeInputFields: false, trimText: 'false' })).toMatchObject({ simplify: true, includeInputFields: false, trimText: false });
	});

	it('parses JSON only in the simplified output, with one retry unless set', () => {
		expect(read(true, { jsonOutput: true })).toMatchObject({ jsonOutput: true, jsonRetries: 1 });
		expect(read(true, { jsonOutput: 'true', jsonRetries: '3' })).toMatchObject({ jsonOutput: true, jsonRetries: 3 });
		expect(read(true, { jsonOutput: true, jsonRetries: 0 })).toMatchObject({ jsonOutput: true, jsonRetries: 0 });
		expect(read(false, { jsonOutput: true, jsonRetries: 2 })).toMatchObject({ jsonOutput: false, jsonRetries: 0 });
		expect(read(true, { jsonOutput: false, jsonRetries: 2 })).toMatchObject({ jsonOutput: false, jsonRetries: 0 });
	});

	it('includes logprobs when either logprobs option asks for them', () => {
		const logprobs = (options: Record<string, unknown>) => read(true, options).includeLogprobs;
		expect(logprobs({ promptLogprobs: true })).toBe(true);
		expect(logprobs({ promptLogprobs: 'true' })).toBe(false);
		expect(logprobs({ logprobs: true })).toBe(true);
		expect(logprobs({ logprobs: 5 })).toBe(true);
		expect(logprobs({ logprobs: '5' })).toBe(true);
		expect(logprobs({ logprobs: false })).toBe(false);
		expect(logprobs({ logprobs: 'false' })).toBe(false);
		expect(logprobs({ logprobs: 0 })).toBe(false);
		expect(logprobs({ logprobs: '0' })).toBe(false);
		expect(logprobs({ promptLogprobs: false, logprobs: 0 })).toBe(false);
	});

	it('refuses a blank output field, a flag that is not one, and retries out of range', () => {
		expect(refusal(true, { outputField: ' ' })).toBe('Invalid value for "Options > Output Field": must be a field name');
		expect(refusal(true, { outputField: 3 })).toBe('Invalid value for "Options > Output Field": must be a field name');
		expect(refusal('yes', {})).toBe('Invalid value for "Simplify Output": must be true or false, got "yes"');
		expect(refusal(true, { jsonOutput: 1 })).toBe('Invalid value for "Options > Output Content as JSON": must be true or false, got 1');
		expect(refusal(true, { includeInputFields: 'no' })).toBe('Invalid value for "Options > Include Input Fields": must be true or false, got "no"');
		expect(refusal(true, { trimText: null })).toBe('Invalid value for "Options > Trim Text": must be true or false, got null');
		expect(refusal(true, { jsonOutput: true, jsonRetries: 4 })).toBe('Invalid value for "Options > Retries on Invalid JSON": must be between 0 and 3, got 4');
		expect(refusal(true, { jsonOutput: true, jsonRetries: -1 })).toBe('Invalid value for "Options > Retries on Invalid JSON": must be between 0 and 3, got -1');
		expect(refusal(true, { jsonOutput: true, jsonRetries: 1.5 })).toBe('Invalid value for "Options > Retries on Invalid JSON": must be a whole number, got 1.5');
		expect(refusal(true, { jsonOutput: true, jsonRetries: 'two' })).toBe('Invalid value for "Options > Retries on Invalid JSON": must be a number, got "two"');
		expect(refusal(true, { jsonOutput: true, jsonRetries: '' })).toBe('Invalid value for "Options > Retries on Invalid JSON": must be a number, got ""');
		expect(refusal(true, { jsonOutput: true, jsonRetries: Number.POSITIVE_INFINITY })).toBe(
			'Invalid value for "Options > Retries on Invalid JSON": must be a number, got Infinity',
		);
	});
});

describe('the request settings', () => {
	const refusal = (options: Record<string, unknown>) => problemOf(() => readRequestSettings(options as never)).message;

	it('defaults: Auto concurrency, 23 requests a second, 3 retries, 300 s timeout, 60 s stream idle, no reuse, no spending limit', () => {
		expect(readRequestSettings()).toEqual({
			concurrency: 0,
			requestsPerSecond: 23,
			maxRetries: 3,
			timeoutMs: 300000,
			streamIdleTimeoutMs: 60000,
			reuseIdenticalRequests: false,
			maxSpendPerRunUsd: 0,
		});
	});

	it('reads each option at its bounds, numbers given as text too', () => {
		expect(
			readRequestSettings({
				concurrency: 512,
				requestsPerSecond: '0',
				maxRetries: 10,
				timeout: 1,
				streamIdleTimeout: 0.1,
				reuseIdenticalRequests: true,
				maxSpendPerRun: '0.0125',
			}),
		).toEqual({
			concurrency: 512,
			requestsPerSecond: 0,
			maxRetries: 10,
			timeoutMs: 1,
			streamIdleTimeoutMs: 100,
			reuseIdenticalRequests: true,
			maxSpendPerRunUsd: 0.0125,
		});
		expect(readRequestSettings({ requestsPerSecond: 0.5, maxRetries: '0', timeout: '2500', streamIdleTimeout: '2' })).toMatchObject({
			requestsPerSecond: 0.5,
			maxRetries: 0,
			timeoutMs: 2500,
			streamIdleTimeoutMs: 2000,
		});
	});

	it('refuses each option out of range, naming it', () => {
		expect(refusal({ requestsPerSecond: -0.5 })).toBe('Invalid value for "Request Options > Requests per Second": must be at least 0, got -0.5');
		expect(refusal({ maxRetries: 11 })).toBe('Invalid value for "Request Options > Max Retries": must be between 0 and 10, got 11');
		expect(refusal({ maxRetries: -1 })).toBe('Invalid value for "Request Options > Max Retries": must be between 0 and 10, got -1');
		expect(refusal({ maxRetries: 1.5 })).toBe('Invalid value for "Request Options > Max Retries": must be a whole number, got 1.5');
		expect(refusal({ timeout: 0 })).toBe('Invalid value for "Request Options > Timeout": must be at least 1, got 0');
		expect(refusal({ timeout: 1.5 })).toBe('Invalid value for "Request Options > Timeout": must be a whole number, got 1.5');
		expect(refusal({ streamIdleTimeout: 0.09 })).toBe('Invalid value for "Request Options > Stream Idle Timeout": must be at least 0.1, got 0.09');
		expect(refusal({ concurrency: 2.5 })).toBe('Invalid value for "Request Options > Concurrency": must be a whole number, got 2.5');
		expect(refusal({ concurrency: '  ' })).toBe('Invalid value for "Request Options > Concurrency": must be a number, got "  "');
		expect(refusal({ concurrency: Number.NaN })).toBe('Invalid value for "Request Options > Concurrency": must be a number, got NaN');
		expect(refusal({ concurrency: [] })).toBe('Invalid value for "Request Options > Concurrency": must be a number, got an array');
	});
});

describe('model suffixes', () => {
	it('knows the routing suffixes and their aliases, in any case', () => {
		expect(routingSuffix('fast')).toEqual({ kind: 'routing preference', canonical: 'speed' });
		expect(routingSuffix('SPEED')).toEqual({ kind: 'routing preference', canonical: 'speed' });
		expect(routingSuffix('throughput')).toEqual({ kind: 'routing preference', canonical: 'throughput' });
		expect(routingSuffix('latency')).toEqual({ kind: 'routing preference', canonical: 'latency' });
		expect(routingSuffix('cheap')).toEqual({ kind: 'routing preference', canonical: 'price' });
		expect(routingSuffix('floor')).toEqual({ kind: 'routing preference', canonical: 'price' });
		expect(routingSuffix('price')).toEqual({ kind: 'routing preference', canonical: 'price' });
		expect(routingSuffix('Tools')).toEqual({ kind: 'tool support', canonical: 'tools' });
		expect(routingSuffix('cache')).toEqual({ kind: 'prompt caching', canonical: 'caching' });
		expect(routingSuffix('cached')).toEqual({ kind: 'prompt caching', canonical: 'caching' });
		expect(routingSuffix('caching')).toEqual({ kind: 'prompt caching', canonical: 'caching' });
		expect(routingSuffix('thinking')).toBeUndefined();
		expect(routingSuffix('toString')).toBeUndefined();
		expect(routingSuffix('__proto__')).toBeUndefined();
	});

	it('lists the suffixes of a typed ID, trimmed and lower case', () => {
		expect(suffixesOf('gpt-4o')).toEqual([]);
		expect(suffixesOf('x:Thinking: FAST ')).toEqual(['thinking', 'fast']);
	});

	it('adds the routing suffix, web search and :reasoning-exclude in that order, each once', () => {
		expect(composeModelId('x', {})).toBe('x');
		expect(composeModelId('x', { routing: 'speed', webSearch: 'online', hideReasoning: true })).toBe('x:speed:online:reasoning-exclude');
		expect(composeModelId('x:fast', { routing: 'speed' })).toBe('x:fast');
		expect(composeModelId('x:tools', { routing: 'speed' })).toBe('x:tools:speed');
		expect(composeModelId('x:online/linkup', { webSearch: 'online' })).toBe('x:online/linkup');
		expect(composeModelId('x', { webSearch: 'online/exa-fast' })).toBe('x:online/exa-fast');
		expect(composeModelId('x:Reasoning-Exclude', { hideReasoning: true })).toBe('x:Reasoning-Exclude');
		expect(composeModelId('x', { hideReasoning: false, routing: '', webSearch: '' })).toBe('x');
	});
});
