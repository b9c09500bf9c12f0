import { extractJson, firstEmbeddedJson, firstJsonFence } from '../../../nodes/NanoGpt/output/extractJson';

describe('extractJson: the whole text, else the first json or unmarked fence, else the first balanced {...} or [...]', () => {
	it.each<[string, string, unknown]>([
		['an object', '{"brand": "Acme", "colour": "red"}', { brand: 'Acme', colour: 'red' }],
		['an object with whitespace and line breaks around it', '\n\n  {"a": [1, 2]}\r\n  ', { a: [1, 2] }],
		['an array', ' [1, {"b": null}]', [1, { b: null }]],
		['a string', '"just text"', 'just text'],
		['a number', ' 42\n', 42],
		['a byte order mark before it', '\uFEFF{"a": 1}', { a: 1 }],
	])('the whole text: %s', (_label, text, value) => {
		expect(extractJson(text)).toEqual({ found: true, value, source: 'whole text' });
	});

	it.each<[string, string, unknown]>([
		['a json fence', 'Here you go:\n```json\n{"a": 1}\n```\nBye.', { a: 1 }],
		['a JSON fence in capitals', 'Here:\n```JSON\n[1, 2]\n```', [1, 2]],
		['an unmarked fence', 'Here:\n```\n{"a": "b"}\n```', { a: 'b' }],
		['a fence closed on the line of the JSON', 'Here:\n```json\n{"a": 1}```', { a: 1 }],
		['a fence of four backticks', 'Here:\n````json\n{"a": 1}\n````', { a: 1 }],
		['a fence on one line', 'Here: ```{"a": 1}``` done', { a: 1 }],
		['a fence after a fence of another language', '```js\nconst x = {a: 1};\n```\nand\n```json\n{"b": 2}\n```', { b: 2 }],
		['the first of two json fences', '```json\n{"first": true}\n```\n```json\n{"second": true}\n```', { first: true }],
		['a fence with CRLF line ends', 'Here:\r\n```json\r\n{"a": 1}\r\n```\r\n', { a: 1 }],
	])('the first code fence: %s', (_label, text, value) => {
		expect(extractJson(text)).toEqual({ found: true, value, source: 'code fence' });
	});

	it.each<[string, string, unknown]>([
		['an object inside prose', 'Sure! The attributes are {"brand": "Acme"} as requested.', { brand: 'Acme' }],
		['an array inside prose', 'The list: ["a", "b"]. Done.', ['a', 'b']],
		[
			'braces and brackets inside strings',
			'Result: {"note": "a } and a { and a ] and a [", "n": 1} (end)',
			{ note: 'a } and a { and a ] and a [', n: 1 },
		],
		['escaped quotes inside strings', 'Result: {"q": "she said \\"}\\" then left", "n": 2}.', { q: 'she said "}" then left', n: 2 }],
		['an escaped backslash before the closing quote', 'Result: {"path": "C:\\\\", "n": 3} ok', { path: 'C:\\', n: 3 }],
		['nested objects and arrays', 'Out: {"a": {"b": [1, {"c": [2]}]}} fin', { a: { b: [1, { c: [2] }] } }],
		['after a balanced candidate that is not JSON', 'Fill in {name}. Answer: {"name": "Mug"}', { name: 'Mug' }],
		['after a bracket closed by the other kind', 'Odd (see [note} here). Answer: {"a": 1}', { a: 1 }],
		['a fence of another language only', 'Code:\n```python\nx = 1\n```\nAnswer: {"a": 1}', { a: 1 }],
		['after a json fence whose body is not JSON', '```json\n{oops}\n```\nCorrected: {"a": 1}', { a: 1 }],
		['a quote in the prose before it', 'He said "hi {there}" and then {"a": 1}', { a: 1 }],
	])('the first balanced {...} or [...]: %s', (_label, text, value) => {
		expect(extractJson(text)).toEqual({ found: true, value, source: 'embedded' });
	});

	it.each<[string, string]>([
		['plain prose', 'I cannot help with that.'],
		['an empty text', ''],
		['only whitespace', '  \n '],
		['single quotes and a trailing comma', "Sure! {'brand': 'Acme', 'tags': [\"a\", \"b\"],} Done."],
		['a cut-off object, even with a complete object inside it', '{"a": {"b": 1}, "c": [1, 2'],
		['a cut-off string holding a closing brace', '{"note": "a } b'],
		['a cut-off json fence', 'Here:\n```json\n{"a": 1'],
		['a closing bracket without an opening one', 'oops ] and } here'],
	])('finds nothing in %s', (_label, text) => {
		expect(extractJson(text)).toEqual({ found: false });
	});

	// The price of never taking a fragment of cut-off JSON: a bracket in the prose that never
	// closes hides what follows it (the fence step still finds fenced JSON after it).
	it('stops at an opening bracket that never closes', () => {
		expect(extractJson('Sure { here it is: {"a": 1}')).toEqual({ found: false });
		expect(extractJson('Sure { here it is:\n```json\n{"a": 1}\n```')).toEqual({ found: true, value: { a: 1 }, source: 'code fence' });
	});

	it('never takes a valid fragment from inside a balanced candidate that is not JSON', () => {
		expect(firstEmbeddedJson("{'tags': [\"a\"], 'n': 1}")).toBeUndefined();
	});

	it('reads the fence body verbatim and skips fences of other languages', () => {
		expect(firstJsonFence('a\n```json\n{"a": 1}\n```')).toBe('\n{"a": 1}\n');
		expect(firstJsonFence('```yaml\na: 1\n```')).toBeUndefined();
		expect(firstJsonFence('no fence here')).toBeUndefined();
		// A fence closed by a longer run of backticks: the rest of that run opens no new fence.
		expect(extractJson('```js\nx\n``````\n{"a": 1}\n```json\n{"b": 2}\n```')).toEqual({ found: true, value: { b: 2 }, source: 'code fence' });
	});

	it('handles a long text with many candidates in linear passes', () => {
		const text = `${'{x} '.repeat(20_000)}{"found": true}`;
		expect(extractJson(text)).toEqual({ found: true, value: { found: true }, source: 'embedded' });
	});
});
