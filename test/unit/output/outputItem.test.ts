import {
	reportedCost,
	toBilledFields,
	toErrorJson,
	toOutputJson,
	toSimplifiedCompletion,
	toUsage,
	usageDetail,
} from '../../../nodes/NanoGpt/output/toOutputItem';
import type { OutputSettings } from '../../../nodes/NanoGpt/output/outputSettings';
import type { CompletionResponse } from '../../../nodes/NanoGpt/transport/completionApi';

// The output item of each outcome, field by field: what is there, what is not, and in what order
// the JSON fields come. Expected values are written out by hand.

const settings = (overrides: Partial<OutputSettings> = {}): OutputSettings => ({
	simplify: true,
	includeInputFields: false,
	outputField: 'completion',
	trimText: false,
	includeLogprobs: false,
	jsonOutput: false,
	jsonRetries: 0,
	...overrides,
});

const response: CompletionResponse = {
	id: 'cmpl-1',
	model: 'm-1',
	choices: [{ text: ' {"a":1} ', index: 0, logprobs: { tokens: ['{'] }, finish_reason: 'length' }],
	usage: { prompt_tokens: 2, completion_tokens: 5, total_tokens: 7 },
	x_nanogpt_pricing: { amount: 0.5, currency: 'EUR' },
};

describe('usage', () => {
	it('reads a detail along its path: a number, null when unreadable, nothing when absent', () => {
		const usage = { a: { b: 3, c: 'x', d: null }, e: 5, f: null };
		expect(usageDetail(usage, ['a', 'b'])).toBe(3);
		expect(usageDetail(usage, ['a', 'c'])).toBeNull();
		expect(usageDetail(usage, ['a', 'd'])).toBeNull();
		expect(usageDetail(usage, ['a', 'z'])).toBeUndefined();
		expect(usageDetail(usage, ['e', 'b'])).toBeUndefined();
		expect(usageDetail(usage, ['f', 'b'])).toBeUndefined();
		expect(usageDetail(usage, ['e'])).toBe(5);
	});

	it('is null without a usage object, and null counts where a count is not a number', () => {
		expect(toUsage(undefined)).toBeNull();
		expect(toUsage(null)).toBeNull();
		expect(toUsage('12' as never)).toBeNull();
		expect(toUsage({ prompt_tokens: '2' as never, total_tokens: 9 })).toEqual({ promptTokens: null, completionTokens: null, totalTokens: 9 });
	});

	it('adds each detail NanoGPT sent, under its own name, and only those', () => {
		const usage = {
			prompt_tokens: 1,
			completion_tokens: 2,
			total_tokens: 3,
			prompt_tokens_details: { cached_tokens: 4, audio_tokens: 5 },
			completion_tokens_details: { reasoning_tokens: 6, audio_tokens: 7, accepted_prediction_tokens: 8, rejected_prediction_tokens: 9 },
			cache_read_input_tokens: 10,
			cache_creation_input_tokens: 11,
			citation_tokens: 12,
			num_search_queries: 13,
			input_tokens: 'many',
		};
		expect(toUsage(usage)).toEqual({
			promptTokens: 1,
			completionTokens: 2,
			totalTokens: 3,
			cachedTokens: 4,
			promptAudioTokens: 5,
			reasoningTokens: 6,
			completionAudioTokens: 7,
			acceptedPredictionTokens: 8,
			rejectedPredictionTokens: 9,
			cacheReadInputTokens: 10,
			cacheCreationInputTokens: 11,
			citationTokens: 12,
			numSearchQueries: 13,
			inputTokens: null,
		});
	});

	it('takes a top-level reasoning_tokens for reasoning only, and only when the nested one is absent', () => {
		expect(toUsage({ total_tokens: 3, reasoning_tokens: 2 })).toEqual({ promptTokens: null, completionTokens: null, totalTokens: 3, reasoningTokens: 2 });
		expect(toUsage({ reasoning_tokens: 2, completion_tokens_details: { reasoning_tokens: 1 } })).toEqual({
			promptTokens: null,
			completionTokens: null,
			totalTokens: null,
			reasoningTokens: 1,
		});
	});
});

describe('cost', () => {
	it('is nothing without a pricing object', () => {
		expect(reportedCost(undefined)).toBeUndefined();
		expect(reportedCost('0.1' as never)).toBeUndefined();
	});

	it('is amount and currency, each null when missing', () => {
		expect(reportedCost({ amount: 0.25, currency: 'EUR' })).toEqual({ amount: 0.25, currency: 'EUR' });
		expect(reportedCost({ amount: 0, cost: 3 })).toEqual({ amount: 0, currency: null });
		expect(reportedCost({})).toEqual({ amount: null, currency: null });
		expect(reportedCost({ cost: '3' as never, currency: 'EUR' })).toEqual({ amount: null, currency: 'EUR' });
	});

	it('falls back on cost, in USD unless a currency is given', () => {
		expect(reportedCost({ cost: 0.003 })).toEqual({ amount: 0.003, currency: 'USD' });
		expect(reportedCost({ cost: 0.003, currency: 'EUR' })).toEqual({ amount: 0.003, currency: 'EUR' });
		expect(reportedCost({ cost: 0.003, currency: 5 as never })).toEqual({ amount: 0.003, currency: 'USD' });
	});

	it('carries the billing details NanoGPT sent, null ones included', () => {
		expect(
			toBilledFields({
				x_nanogpt_pricing: { amount: 1, currency: 'USD', paymentSource: 'balance', cacheCost: 0.1, billedToTeam: false, billedTeamId: null, other: 'x' },
			}),
		).toEqual({ usage: null, cost: { amount: 1, currency: 'USD', paymentSource: 'balance', cacheCost: 0.1, billedToTeam: false, billedTeamId: null } });
		expect(toBilledFields({ x_nanogpt_pricing: { cost: 2, billedTeamName: 'Ops' } })).toEqual({
			usage: null,
			cost: { amount: 2, currency: 'USD', billedTeamName: 'Ops' },
		});
		expect(toBilledFields({ usage: { total_tokens: 1 } })).toEqual({ usage: { promptTokens: null, completionTokens: null, totalTokens: 1 } });
	});
});

describe('the simplified completion', () => {
	it('is the first choice, its finish reason, model, ID, usage and cost', () => {
		expect(toSimplifiedCompletion(response, { trimText: false, includeLogprobs: false })).toEqual({
			text: ' {"a":1} ',
			finishReason: 'length',
			model: 'm-1',
			id: 'cmpl-1',
			usage: { promptTokens: 2, completionTokens: 5, totalTokens: 7 },
			cost: { amount: 0.5, currency: 'EUR' },
		});
	});

	it('is empty text and nulls when NanoGPT sent no choice, no model, no ID', () => {
		expect(toSimplifiedCompletion({}, { trimText: true, includeLogprobs: true })).toEqual({
			text: '',
			finishReason: null,
			model: null,
			id: null,
			usage: null,
			logprobs: null,
		});
		expect(toSimplifiedCompletion({ choices: [{ text: 5 as never }] }, { trimText: false, includeLogprobs: false }).text).toBe('');
	});

	it('trims the text and adds logprobs only when asked', () => {
		const simplified = toSimplifiedCompletion(response, { trimText: true, includeLogprobs: true });
		expect(simplified.text).toBe('{"a":1}');
		expect(simplified.logprobs).toEqual({ tokens: ['{'] });
	});
});

describe('the output item of a completion', () => {
	it('puts the text and the parsed JSON first when Output Content as JSON is on', () => {
		const json = toOutputJson(response, settings({ jsonOutput: true }), {}, { attempts: 1 }, { data: { a: 1 } });
		expect(Object.keys(json)).toEqual(['text', 'data', 'finishReason', 'model', 'id', 'usage', 'cost']);
		expect(json.data).toEqual({ a: 1 });
		expect(toOutputJson(response, settings({ jsonOutput: false }), {}, { attempts: 1 }, { data: { a: 1 } })).not.toHaveProperty('data');
		expect(toOutputJson(response, settings({ jsonOutput: true }), {}, { attempts: 1 })).not.toHaveProperty('data');
	});

	it('says how many attempts it took when more than one, and what moderation reported', () => {
		const moderation = { model: 'omni', flagged: false, cost: 0.001 };
		expect(toOutputJson(response, settings(), {}, { attempts: 1 })).not.toHaveProperty('attempts');
		expect(toOutputJson(response, settings(), {}, { attempts: 2, moderation })).toMatchObject({ attempts: 2, moderation });
		expect(toOutputJson(response, settings(), {}, { attempts: 1 })).not.toHaveProperty('moderation');
	});

	it('reusing item 0\'s request: says so, without usage or cost', () => {
		expect(toOutputJson(response, settings(), {}, { reusedFrom: 0 })).toEqual({
			text: ' {"a":1} ',
			finishReason: 'length',
			model: 'm-1',
			id: 'cmpl-1',
			reusedFrom: 0,
		});
	});

	it('is the body as NanoGPT sent it when not simplified, under the output field with the input fields when asked', () => {
		expect(toOutputJson(response, settings({ simplify: false }), { row: 1 }, { attempts: 3 })).toBe(response);
		expect(toOutputJson(response, settings({ simplify: false, includeInputFields: true, outputField: 'ai' }), { row: 1 }, { attempts: 3 })).toEqual({
			row: 1,
			ai: response,
		});
	});
});

describe('the output item of a failure', () => {
	const failure = {
		message: 'NanoGPT returned 400: bad',
		description: 'Request ID: r-1',
		context: {
			httpCode: '400',
			code: 'invalid_request',
			requestId: 'r-1',
			attempts: 2,
			partialText: 'par',
			completionText: 'full',
			parameter: 'Options > Temperature',
			usage: { totalTokens: 3 },
			cost: { amount: 0.1 },
			moderation: { flagged: true },
			other: 'not shown',
		},
	};

	it('on the regular output: the message as error, the details beside it, the input fields when asked', () => {
		const details = {
			error: 'NanoGPT returned 400: bad',
			description: 'Request ID: r-1',
			httpCode: '400',
			requestId: 'r-1',
			attempts: 2,
			partialText: 'par',
			completionText: 'full',
			parameter: 'Options > Temperature',
			usage: { totalTokens: 3 },
			cost: { amount: 0.1 },
			moderation: { flagged: true },
		};
		expect(toErrorJson(failure, { includeInputFields: false }, { row: 1 })).toEqual(details);
		expect(toErrorJson(failure, undefined, { row: 1 })).toEqual(details);
		expect(toErrorJson(failure, { includeInputFields: true }, { row: 1 })).toEqual({ row: 1, ...details });
	});

	it('on the error output: everything under error, with the message and NanoGPT\'s code', () => {
		expect(toErrorJson(failure, { includeInputFields: true }, { row: 1 }, undefined, 'errorOutput')).toEqual({
			error: {
				message: 'NanoGPT returned 400: bad',
				description: 'Request ID: r-1',
				httpCode: '400',
				code: 'invalid_request',
				requestId: 'r-1',
				attempts: 2,
				partialText: 'par',
				completionText: 'full',
				parameter: 'Options > Temperature',
				usage: { totalTokens: 3 },
				cost: { amount: 0.1 },
				moderation: { flagged: true },
			},
		});
	});

	it('an item that shared a failed request names it and carries nothing billed', () => {
		expect(toErrorJson(failure, undefined, {}, 0)).toEqual({
			error: 'NanoGPT returned 400: bad',
			description: 'Request ID: r-1',
			httpCode: '400',
			requestId: 'r-1',
			attempts: 2,
			partialText: 'par',
			completionText: 'full',
			parameter: 'Options > Temperature',
			reusedFrom: 0,
		});
	});

	it('leaves out an empty description and details that are not there', () => {
		expect(toErrorJson({ message: 'm', description: '' }, undefined, {})).toEqual({ error: 'm' });
		expect(toErrorJson({ message: 'm', description: null, context: {} }, undefined, {}, undefined, 'errorOutput')).toEqual({ error: { message: 'm' } });
	});
});
