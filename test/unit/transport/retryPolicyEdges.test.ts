import { isRetryableFailure, parseRetryAfter, retryDelay } from '../../../nodes/NanoGpt/transport/retryPolicy';

// The edges of the retry policy that its main suite does not reach: NanoGPT's codes that are never
// worth a retry whatever the status, and Retry-After values just outside what reads as seconds.

describe('which failed answers are retried', () => {
	it('retries a retryable status whatever other code it carries', () => {
		expect(isRetryableFailure(503, undefined)).toBe(true);
		expect(isRetryableFailure(429, 'rate_limited')).toBe(true);
		expect(isRetryableFailure(500, '')).toBe(true);
	});

	it('never retries a refused prompt or an empty answer, even with a retryable status', () => {
		expect(isRetryableFailure(500, 'content_policy_violation')).toBe(false);
		expect(isRetryableFailure(503, 'empty_response')).toBe(false);
	});

	it('never retries a status that is not retryable, whatever its code', () => {
		expect(isRetryableFailure(400, undefined)).toBe(false);
		expect(isRetryableFailure(404, 'rate_limited')).toBe(false);
	});
});

describe('Retry-After at its edges', () => {
	const now = Date.parse('2026-11-26T10:00:00Z');

	it('reads several digits, with or without a fraction', () => {
		expect(parseRetryAfter('12', now)).toBe(12_000);
		expect(parseRetryAfter('10.25', now)).toBe(10_250);
		expect(parseRetryAfter(['15'], now)).toBe(15_000);
	});

	it('does not read as seconds what only starts or ends like a number', () => {
		expect(parseRetryAfter('5s', now)).toBeUndefined();
		expect(parseRetryAfter('1x5', now)).toBeUndefined();
		// Node's date parser reads these as dates in 2001: long past, so no wait rather than 5 s.
		expect(parseRetryAfter('in 5', now)).toBe(0);
		expect(parseRetryAfter('1.', now)).toBe(0);
		expect(parseRetryAfter('.5', now)).toBe(0);
		expect(parseRetryAfter('-5', now)).toBe(0);
	});

	it('reads an HTTP date in the future as the time left, in the past as no wait', () => {
		expect(parseRetryAfter('Thu, 26 Nov 2026 10:01:00 GMT', now)).toBe(60_000);
		expect(parseRetryAfter('Thu, 26 Nov 2026 09:59:59 GMT', now)).toBe(0);
	});

	it('is unreadable when it is neither text nor a number', () => {
		expect(parseRetryAfter(null, now)).toBeUndefined();
		expect(parseRetryAfter({ seconds: 3 }, now)).toBeUndefined();
		expect(parseRetryAfter([], now)).toBeUndefined();
		expect(parseRetryAfter(true, now)).toBeUndefined();
	});

	it('adds at most a quarter of a short Retry-After and at most 250 ms to a long one', () => {
		expect(retryDelay(800, 1, () => 1)).toBe(1000);
		expect(retryDelay(1000, 1, () => 0.5)).toBe(1125);
		expect(retryDelay(2000, 5, () => 1)).toBe(2250);
		expect(retryDelay(10, 1, () => 0.5)).toBe(11);
	});
});
