import { StreamFailure, StreamedCompletion } from '../../../nodes/NanoGpt/transport/streamedCompletion';

const event = (payload: unknown) => ({ data: typeof payload === 'string' ? payload : JSON.stringify(payload) });
const choice = (text: string, finish: string | null = null) => ({
	id: 'cmpl-1',
	model: 'm',
	created: 5,
	choices: [{ text, index: 0, logprobs: null, finish_reason: finish }],
});

describe('StreamedCompletion', () => {
	it('concatenates text, keeps the last finish reason and takes usage from a separate event', () => {
		const completion = new StreamedCompletion();
		expect(completion.apply(event(choice(' Hello')))).toBe(' Hello');
		completion.apply(event(choice(' world', 'length')));
		completion.apply(event({ id: 'cmpl-1', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }));
		completion.apply(event('[DONE]'));
		expect(completion.toResponse()).toEqual({
			id: 'cmpl-1',
			object: 'text_completion',
			created: 5,
			model: 'm',
			choices: [{ text: ' Hello world', index: 0, logprobs: null, finish_reason: 'length' }],
			usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
		});
	});

	it('leaves usage out when no event carries it (never guessed)', () => {
		const completion = new StreamedCompletion();
		completion.apply(event(choice('x', 'stop')));
		expect(completion.toResponse()).not.toHaveProperty('usage');
	});

	it('fails when the stream ends before a finish reason or [DONE], keeping the partial text', () => {
		const completion = new StreamedCompletion();
		completion.apply(event(choice(' partial')));
		expect(() => completion.toResponse()).toThrow(StreamFailure);
		expect(completion.partialText).toBe(' partial');
	});

	it('turns an error event into a failure with the provider message', () => {
		const completion = new StreamedCompletion();
		completion.apply(event(choice(' a')));
		let failure: StreamFailure | undefined;
		try {
			completion.apply(
				event({ choices: [{ text: '', index: 0, finish_reason: 'error' }], error: { status: 500, message: 'Upstream died', code: 'upstream_error' } }),
			);
		} catch (error) {
			failure = error as StreamFailure;
		}
		expect(failure).toBeInstanceOf(StreamFailure);
		expect(failure?.message).toContain('Upstream died');
		expect(failure?.partialText).toBe(' a');
		expect(failure?.details).toEqual({ status: 500, code: 'upstream_error' });
	});

	it('fails on an event that is not JSON', () => {
		expect(() => new StreamedCompletion().apply(event('{"choices": ['))).toThrow(/not a JSON object/);
	});
});
