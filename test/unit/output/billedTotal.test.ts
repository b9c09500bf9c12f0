import { billedTotal } from '../../../nodes/NanoGpt/output/billedTotal';
import { toSimplifiedCompletion } from '../../../nodes/NanoGpt/output/toOutputItem';

const response = (text: string, usage: unknown, pricing?: unknown) => ({
	id: `cmpl-${text}`,
	model: 'gpt-4o-mini',
	choices: [{ text, index: 0, finish_reason: 'stop' }],
	usage: usage as { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null,
	...(pricing === undefined ? {} : { x_nanogpt_pricing: pricing as { amount?: number; currency?: string } }),
});
const simplified = (...responses: ReturnType<typeof response>[]) =>
	toSimplifiedCompletion(billedTotal(responses), { trimText: false, includeLogprobs: false });

describe('billedTotal: usage and cost of every billed attempt of an item', () => {
	it('returns a single response unchanged', () => {
		const only = response('a', { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }, { amount: 0.5, currency: 'USD', input_cost: 0.1 });
		expect(billedTotal([only])).toBe(only);
	});

	it('adds up tokens and amounts, and keeps the last text, id and model', () => {
		expect(
			simplified(
				response('first', { prompt_tokens: 3, completion_tokens: 10, total_tokens: 13 }, { amount: 0.25, currency: 'USD', input_cost: 1 }),
				response('second', { prompt_tokens: 3, completion_tokens: 7, total_tokens: 10 }, { amount: 0.5, currency: 'USD', input_cost: 2 }),
			),
		).toEqual({
			text: 'second',
			finishReason: 'stop',
			model: 'gpt-4o-mini',
			id: 'cmpl-second',
			usage: { promptTokens: 6, completionTokens: 17, totalTokens: 23 },
			cost: { amount: 0.75, currency: 'USD' },
		});
	});

	it('never estimates: a total is null when any attempt lacked it', () => {
		const known = response('a', { prompt_tokens: 3, completion_tokens: 10, total_tokens: 13 }, { amount: 0.25, currency: 'USD' });
		expect(simplified(known, response('b', null, { amount: 0.5, currency: 'USD' }))).toMatchObject({ usage: null, cost: { amount: 0.75 } });
		expect(simplified(known, response('b', { prompt_tokens: 3 }))).toMatchObject({
			usage: { promptTokens: 6, completionTokens: null, totalTokens: null },
			cost: { amount: null, currency: 'USD' },
		});
		expect(simplified(known, response('b', {}, { amount: 1, currency: 'EUR' })).cost).toEqual({ amount: null, currency: 'USD' });
		expect(simplified(response('a', null), response('b', null))).not.toHaveProperty('cost');
	});
});
