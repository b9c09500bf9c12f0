import fc from 'fast-check';
import { SseParser, type ServerSentEvent } from '../../../nodes/NanoGpt/transport/sseParser';

const encoder = new TextEncoder();

function parseInChunks(bytes: Uint8Array, cuts: number[]): ServerSentEvent[] {
	const parser = new SseParser();
	const events: ServerSentEvent[] = [];
	let start = 0;
	for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
		events.push(...parser.push(bytes.subarray(start, cut)));
		start = cut;
	}
	events.push(...parser.push(bytes.subarray(start)));
	events.push(...parser.end());
	return events;
}

const stream = [
	': keep-alive comment\n',
	'data: {"choices":[{"text":" héllo 👋"}]}\n\n',
	'event: message\r\nid: 7\r\ndata: {"a":1,\r\ndata: "b":2}\r\n\r\n',
	'data:no-space\r\r',
	'data: [DONE]\n\n',
].join('');

const expected: ServerSentEvent[] = [
	{ data: '{"choices":[{"text":" héllo 👋"}]}' },
	{ event: 'message', id: '7', data: '{"a":1,\n"b":2}' },
	{ data: 'no-space', id: '7' },
	{ data: '[DONE]', id: '7' },
];

describe('SseParser', () => {
	it('parses a whole buffer: comments, CRLF and CR line ends, multi-line data, [DONE]', () => {
		expect(parseInChunks(encoder.encode(stream), [])).toEqual(expected);
	});

	it('gives the same events fed byte by byte (splits inside UTF-8 characters and CRLF)', () => {
		const bytes = encoder.encode(stream);
		const everyByte = Array.from({ length: bytes.length }, (_, index) => index);
		expect(parseInChunks(bytes, everyByte)).toEqual(expected);
	});

	it('gives the same events for any random split of any event stream (property)', () => {
		const eventText = fc.string({ unit: 'binary', maxLength: 30 }).map((text) => text.replace(/[\r\n]/g, ' '));
		const lineEnd = fc.constantFrom('\n', '\r\n', '\r');
		fc.assert(
			fc.property(
				fc.array(fc.tuple(fc.array(eventText, { minLength: 1, maxLength: 3 }), lineEnd), { maxLength: 8 }),
				fc.array(fc.nat(), { maxLength: 40 }),
				(events, rawCuts) => {
					const text = events
						.map(([lines, end]) => lines.map((line) => `data: ${line}${end}`).join('') + end)
						.join('');
					const bytes = encoder.encode(text);
					const whole = parseInChunks(bytes, []);
					expect(whole.map((event) => event.data)).toEqual(events.map(([lines]) => lines.join('\n')));
					const cuts = rawCuts.map((cut) => (bytes.length === 0 ? 0 : cut % bytes.length));
					expect(parseInChunks(bytes, cuts)).toEqual(whole);
				},
			),
			{ numRuns: 500 },
		);
	});

	it('dispatches an event whose blank line never came when the stream ends', () => {
		const parser = new SseParser();
		expect(parser.push('data: tail')).toEqual([]);
		expect(parser.end()).toEqual([{ data: 'tail' }]);
	});
});
