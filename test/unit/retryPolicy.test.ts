import {
	BACKOFF_CAP_MS,
	backoffDelay,
	isRetryableNetworkCode,
	isRetryableStatus,
	parseRetryAfter,
} from '../../nodes/NanoGpt/transport/retryPolicy';

describe('retry policy', () => {
	it.each([408, 429, 500, 502, 503, 504])('retries %i', (status) => expect(isRetryableStatus(status)).toBe(true));
	it.each([400, 401, 402, 403, 404, 413, 200])('never retries %i', (status) =>
		expect(isRetryableStatus(status)).toBe(false),
	);
	it('retries resets, refusals and timeouts but not DNS misses or cancellation', () => {
		expect(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT'].every(isRetryableNetworkCode)).toBe(true);
		expect(isRetryableNetworkCode('ENOTFOUND')).toBe(false);
		expect(isRetryableNetworkCode('ERR_CANCELED')).toBe(false);
	});

	it('reads Retry-After as seconds or as an HTTP date', () => {
		const now = Date.parse('2026-11-26T10:00:00Z');
		expect(parseRetryAfter('2', now)).toBe(2000);
		expect(parseRetryAfter('0.5', now)).toBe(500);
		expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:03 GMT', now)).toBe(3000);
		expect(parseRetryAfter('Thu, 26 Nov 2026 09:00:00 GMT', now)).toBe(0);
		expect(parseRetryAfter(undefined, now)).toBeUndefined();
		expect(parseRetryAfter('soon', now)).toBeUndefined();
	});

	it('backs off exponentially with jitter, capped', () => {
		expect(backoffDelay(1, () => 0)).toBe(250);
		expect(backoffDelay(1, () => 1)).toBe(500);
		expect(backoffDelay(3, () => 1)).toBe(2000);
		expect(backoffDelay(20, () => 1)).toBe(BACKOFF_CAP_MS);
	});
});
