import { SseParser } from '../../../nodes/NanoGpt/transport/sseParser';
import { StreamFailure, StreamedCompletion } from '../../../nodes/NanoGpt/transport/streamedCompletion';

// Stream parsing at its edges, beyond the main suites: SSE fields and line ends, and the chunks a
// completion is folded from. Expected values are written out by hand.

describe('SSE fields', () => {
	it('reads a field without a colon as empty, removes one space after the colon only, and ignores unknown fields', () => {
		const parser = new SseParser();
		expect(parser.push('data\ndata:  two spaces\nretry: 5\nfoo: bar\n\n')).toEqual([{ data: '\n two spaces' }]);
	});

	it('keeps the last event ID for later events, but the event type only for its own event', () => {
		const parser = new SseParser();
		expect(parser.push('event: a\nid: 1\ndata: x\n\ndata: y\n\nid\ndata: z\n\n')).toEqual([
			{ event: 'a', id: '1', data: 'x' },
			{ id: '1', data: 'y' },
			{ id: '', data: 'z' },
		]);
	});

	it('dispatches nothing for an event without data, and resets its type', () => {
		const parser = new SseParser();
		expect(parser.push('event: ping\n\n: comment\n\ndata: after\n\n')).toEqual([{ data: 'after' }]);
	});

	it('waits for the next chunk after a CR, then reads CR LF as one line end', () => {
		const parser = new SseParser();
		expect(parser.push('data: a\r')).toEqual([]);
		expect(parser.push('\n\r')).toEqual([]);
		expect(parser.push('\ndata: b\r\r')).toEqual([{ data: 'a' }]);
		expect(parser.end()).toEqual([{ data: 'b' }]);
	});

	it('ends a stream that stops on a CR, and one that stops mid-line', () => {
		const cr = new SseParser();
		expect(cr.push('data: a\r')).toEqual([]);
		expect(cr.end()).toEqual([{ data: 'a' }]);
		const midLine = new SseParser();
		expect(midLine.push(new TextEncoder().encode('data: a\ndata: b'))).toEqual([]);
		expect(midLine.end()).toEqual([{ data: 'a\nb' }]);
	});
});

describe('folding a completion stream', () => {
	const event = (payload: unknown) => ({ data: typeof payload === 'string' ? payload : JSON.stringify(payload) });

	it('takes the first ID, model and creation time, the last usage and pricing, and choice 0 only', () => {
		const completion = new StreamedCompletion();
		expect(completion.isComplete).toBe(false);
		completion.apply(event({ id: 'a', model: 'm1', created: 1, choices: [{ index: 1, text: 'other' }, { text: 'x' }] }));
		completion.apply(event({ id: 'b', model: 'm2', created: 2, usage: { total_tokens: 1 }, x_nanogpt_pricing: { amount: 1 }, choices: [{ index: 0, text: 'y' }] }));
		completion.apply(event({ usage: { total_tokens: 2 }, x_nanogpt_pricing: { amount: 2 }, choices: [{ index: 0, text: 5 }] }));
		completion.apply(event({ id: 7, model: 8, created: '9', usage: 'no', x_nanogpt_pricing: 'no', choices: 'no' }));
		expect(completion.isComplete).toBe(false);
		expect(completion.apply(event({ choices: [{ index: 0, text: 'z', finish_reason: 'stop' }] }))).toBe('z');
		expect(completion.isComplete).toBe(true);
		expect(completion.toResponse()).toEqual({
			id: 'a',
			object: 'text_completion',
			created: 1,
			model: 'm1',
			choices: [{ text: 'xyz', index: 0, logprobs: null, finish_reason: 'stop' }],
			usage: { total_tokens: 2 },
			x_nanogpt_pricing: { amount: 2 },
		});
	});

	it('joins the logprobs lists of the chunks and keeps their other fields from the last', () => {
		const completion = new StreamedCompletion();
		completion.apply(event({ choices: [{ text: 'a', logprobs: { tokens: ['a'], token_logprobs: [-1], text_offset: 0 } }] }));
		completion.apply(event({ choices: [{ text: 'b', logprobs: { tokens: ['b'], token_logprobs: [-2], text_offset: 1 } }] }));
		completion.apply(event({ choices: [{ text: '', logprobs: null }] }));
		completion.apply(event(' [DONE] '));
		expect(completion.toResponse().choices).toEqual([
			{ text: 'ab', index: 0, logprobs: { tokens: ['a', 'b'], token_logprobs: [-1, -2], text_offset: 1 }, finish_reason: null },
		]);
	});

	it('ignores everything after [DONE]', () => {
		const completion = new StreamedCompletion();
		completion.apply(event('[DONE]'));
		expect(completion.isComplete).toBe(true);
		expect(completion.apply(event({ choices: [{ text: 'late' }] }))).toBe('');
		expect(completion.apply(event('not json'))).toBe('');
		expect(completion.toResponse().choices?.[0].text).toBe('');
		expect(completion.toResponse()).not.toHaveProperty('x_nanogpt_pricing');
	});

	it('words each failure: not an object, an error event in each shape, an early end', () => {
		const failure = (payloads: unknown[]) => {
			const completion = new StreamedCompletion();
			try {
				for (const payload of payloads) completion.apply(event(payload));
				completion.toResponse();
			} catch (error) {
				expect(error).toBeInstanceOf(StreamFailure);
				const { message, partialText, details, name } = error as StreamFailure;
				return { message, partialText, details, name };
			}
			throw new Error('no failure');
		};
		expect(failure([{ choices: [{ text: 'p' }] }, '[1, 2]'])).toEqual({
			message: 'NanoGPT sent a stream event that is not a JSON object: [1, 2]',
			partialText: 'p',
			details: { unquotedMessage: 'NanoGPT sent a stream event that is not a JSON object' },
			name: 'StreamFailure',
		});
		expect(failure(['null']).message).toBe('NanoGPT sent a stream event that is not a JSON object: null');
		expect(failure([`"${'x'.repeat(300)}"`]).message).toBe(`NanoGPT sent a stream event that is not a JSON object: "${'x'.repeat(199)}`);
		expect(failure([{ error: 'overloaded' }])).toEqual({
			message: 'NanoGPT stream failed: overloaded',
			partialText: '',
			details: { status: undefined, code: undefined },
			name: 'StreamFailure',
		});
		expect(failure([{ error: null }]).message).toBe('NanoGPT stream failed: the provider reported an error');
		expect(failure([{ choices: [{ text: 'q' }] }, { choices: [{ index: 0, finish_reason: 'error' }] }])).toEqual({
			message: 'NanoGPT stream failed: the provider reported an error',
			partialText: 'q',
			details: { status: undefined, code: undefined },
			name: 'StreamFailure',
		});
		expect(failure([{ error: { message: 5, status: 502, code: 'bad_gateway' } }])).toEqual({
			message: 'NanoGPT stream failed: the provider reported an error',
			partialText: '',
			details: { status: 502, code: 'bad_gateway' },
			name: 'StreamFailure',
		});
		expect(failure([{ choices: [{ text: 'r' }] }])).toEqual({
			message: 'NanoGPT closed the stream before the completion finished (no finish reason and no [DONE])',
			partialText: 'r',
			details: {},
			name: 'StreamFailure',
		});
	});
});
