import type { INodeProperties } from 'n8n-workflow';
import type { CompletionField, ValueKind } from '../../../nodes/NanoGpt/description/completionField';
import { extractJson, firstJsonFence } from '../../../nodes/NanoGpt/output/extractJson';
import { toBilledFields, toUsage } from '../../../nodes/NanoGpt/output/toOutputItem';
import { InvalidParameterError, toApiValue } from '../../../nodes/NanoGpt/request/buildCompletionRequest';

// Edges of the pure parsers that the other suites left open (found by mutation testing): text that
// Number() would read but the node must not, a fence that never closes, and fields that must be
// absent rather than present and undefined. Expected values are written out by hand.

function field(kind: ValueKind, property: Partial<INodeProperties> = {}): CompletionField {
	return { apiField: 'x', kind, property: { displayName: 'X', name: 'x', type: 'string', default: '', ...property } };
}
const check = (kind: ValueKind, value: unknown, property: Partial<INodeProperties> = {}) => toApiValue(field(kind, property), value, 'Group > X');
function problem(kind: ValueKind, value: unknown): string {
	try {
		check(kind, value);
	} catch (error) {
		expect(error).toBeInstanceOf(InvalidParameterError);
		return (error as InvalidParameterError).problem;
	}
	throw new Error('accepted');
}

describe('numbers written the way Number() reads but a token ID or a logprobs count is not', () => {
	it('refuses hexadecimal and exponent notation in token IDs', () => {
		expect(problem('tokenIdList', ['0x10'])).toBe('token IDs must be whole numbers of 0 or more, got "0x10"');
		expect(problem('tokenIdList', '1e3')).toBe('token IDs must be whole numbers of 0 or more, got "1e3"');
	});

	it('reads a bracketed list with spaces around it', () => {
		expect(check('tokenIdList', ' [1, 2] ')).toEqual([1, 2]);
	});

	it('reads a logprobs count of several digits, and refuses exponent notation', () => {
		expect(check('booleanOrInteger', ' 12 ')).toBe(12);
		expect(problem('booleanOrInteger', '1e3')).toBe('must be true, false or a whole number of 0 or more, got "1e3"');
	});

	it('matches an option value exactly, spaces included', () => {
		expect(check('option', ' padded ', { options: [{ name: 'Padded', value: ' padded ' }] })).toBe(' padded ');
	});
});

describe('JSON in a code fence', () => {
	it('finds nothing in a fence that never closes', () => {
		expect(firstJsonFence('```json\n{"a":1}')).toBeUndefined();
		expect(firstJsonFence('```\n[1]\n```')).toBe('\n[1]\n');
	});

	it('reads a fence whose JSON has a no-break space around it (trimmed like any other space)', () => {
		expect(extractJson('Here:\n```json\n\u00a0{"a":1}\u00a0\n```')).toEqual({ found: true, value: { a: 1 }, source: 'code fence' });
	});
});

describe('fields left out, not set to undefined', () => {
	it('adds no key for a usage detail NanoGPT did not send', () => {
		expect(Object.keys(toUsage({ total_tokens: 1 }) ?? {})).toEqual(['promptTokens', 'completionTokens', 'totalTokens']);
	});

	it('adds no key for a billing detail NanoGPT did not send', () => {
		expect(Object.keys(toBilledFields({ x_nanogpt_pricing: { amount: 1, currency: 'USD', paymentSource: 'balance' } }).cost as object)).toEqual([
			'amount',
			'currency',
			'paymentSource',
		]);
	});
});
