import {
	backoffDelay,
	isPerSecondRefusal,
	isRetryableNetworkCode,
	isRetryableStatus,
	parseRetryAfter,
	retryDelay,
} from '../../../nodes/NanoGpt/transport/retryPolicy';

describe('retry policy', () => {
	it.each([408, 429, 500, 502, 503, 504])('retries %i', (status) => expect(isRetryableStatus(status)).toBe(true));
	it.each([400, 401, 402, 403, 404, 413, 200])('never retries %i', (status) =>
		expect(isRetryableStatus(status)).toBe(false),
	);
	it.each([
		'ECONNRESET',
		'ECONNREFUSED',
		'ECONNABORTED',
		'ETIMEDOUT',
		'ESOCKETTIMEDOUT',
		'EPIPE',
		'EAI_AGAIN',
		'UND_ERR_SOCKET',
		'ERR_STREAM_PREMATURE_CLOSE',
		'ERR_RESPONSE_ABORTED',
	])('retries the network failure %s (reset, refused, timed out, temporary DNS failure)', (code) =>
		expect(isRetryableNetworkCode(code)).toBe(true),
	);
	it.each(['ENOTFOUND', 'ERR_CANCELED', 'ENETWORK', '', undefined])('never retries the network failure %p', (code) =>
		expect(isRetryableNetworkCode(code)).toBe(false),
	);

	it('reads Retry-After as seconds or as an HTTP date', () => {
		const now = Date.parse('2026-11-26T10:00:00Z');
		expect(parseRetryAfter('2', now)).toBe(2000);
		expect(parseRetryAfter('0.5', now)).toBe(500);
		expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:03 GMT', now)).toBe(3000);
		expect(parseRetryAfter('Thu, 26 Nov 2026 09:00:00 GMT', now)).toBe(0);
		expect(parseRetryAfter(undefined, now)).toBeUndefined();
		expect(parseRetryAfter('soon', now)).toBeUndefined();
		expect(parseRetryAfter(' 3 ', now)).toBe(3000);
		expect(parseRetryAfter('   ', now)).toBeUndefined();
		// A header repeated arrives as a list: the first counts.
		expect(parseRetryAfter(['4', '9'], now)).toBe(4000);
	});

	it('reads a Retry-After given as a number of seconds; a negative one is unreadable', () => {
		expect(parseRetryAfter(2)).toBe(2000);
		expect(parseRetryAfter(0.25)).toBe(250);
		expect(parseRetryAfter(0)).toBe(0);
		expect(parseRetryAfter(-1)).toBeUndefined();
	});

	it('waits the Retry-After plus up to a quarter of it, at most 0.25 s more; else the backoff', () => {
		expect(retryDelay(1000, 1, () => 0)).toBe(1000);
		expect(retryDelay(1000, 1, () => 1)).toBe(1250);
		expect(retryDelay(400, 1, () => 1)).toBe(500);
		expect(retryDelay(40_000, 1, () => 0.5)).toBe(40_125);
		expect(retryDelay(0, 1, () => 1)).toBe(0);
		expect(retryDelay(undefined, 2, () => 0)).toBe(500);
		expect(retryDelay(undefined, 2, () => 1)).toBe(1000);
	});

	it('takes a 429 with a Retry-After of at most 2 s for the per-second limit, and nothing else', () => {
		expect(isPerSecondRefusal(429, 0)).toBe(true);
		expect(isPerSecondRefusal(429, 1_000)).toBe(true);
		expect(isPerSecondRefusal(429, 2_000)).toBe(true);
		expect(isPerSecondRefusal(429, 2_001)).toBe(false);
		expect(isPerSecondRefusal(429, undefined)).toBe(false);
		expect(isPerSecondRefusal(503, 1_000)).toBe(false);
		expect(isPerSecondRefusal(undefined, 1_000)).toBe(false);
	});

	it('backs off exponentially with jitter, capped', () => {
		expect(backoffDelay(1, () => 0)).toBe(250);
		expect(backoffDelay(1, () => 1)).toBe(500);
		expect(backoffDelay(2, () => 0.5)).toBe(750);
		expect(backoffDelay(3, () => 1)).toBe(2000);
		expect(backoffDelay(7, () => 1)).toBe(30_000);
		expect(backoffDelay(20, () => 1)).toBe(30_000);
		expect(backoffDelay(20, () => 0)).toBe(15_000);
	});
});
