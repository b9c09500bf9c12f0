import { RequestPacer } from '../../nodes/NanoGpt/run/requestPacer';
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

describe('RequestPacer', () => {
	it('spaces starts at the configured rate', () => {
		let now = 1000;
		const pacer = new RequestPacer(4, () => now);
		expect([pacer.reserve(), pacer.reserve(), pacer.reserve()]).toEqual([0, 250, 500]);
		now = 2000;
		expect(pacer.reserve()).toBe(0);
	});

	it('does not wait without a cap', () => {
		const pacer = new RequestPacer(0, () => 0);
		expect([pacer.reserve(), pacer.reserve()]).toEqual([0, 0]);
	});

	it('holds every start after a 429 until Retry-After has passed, and slows the pace', () => {
		let now = 0;
		const pacer = new RequestPacer(10, () => now);
		pacer.onRateLimited(1000);
		expect(pacer.reserve()).toBe(1000);
		expect(pacer.rate).toBeLessThan(10);
		now = 5000;
		for (let i = 0; i < 100; i++) pacer.onSuccess();
		// Recovers to just below the pace that met the limit, not back into it.
		expect(pacer.rate).toBeCloseTo(9.2);
	});

	it('slows the pace once for a burst of 429s, not once per 429', () => {
		let now = 0;
		const pacer = new RequestPacer(20, () => now);
		pacer.onRateLimited(1000);
		const slowed = pacer.rate;
		now = 10;
		pacer.onRateLimited(1000);
		pacer.onRateLimited(1000);
		expect(pacer.rate).toBe(slowed);
		now = 2000;
		pacer.onRateLimited(1000);
		expect(pacer.rate).toBeLessThan(slowed);
	});

	it('pauses an uncapped pacer after a 429 too', () => {
		const pacer = new RequestPacer(0, () => 0);
		pacer.onRateLimited(700);
		expect(pacer.reserve()).toBe(700);
	});

	it('acquire waits for the slot and can be aborted', async () => {
		// One start per 100 s: the second slot is far beyond anything this test could wait for.
		const pacer = new RequestPacer(0.01);
		await pacer.acquire();
		const controller = new AbortController();
		let settled = false;
		const waiting = pacer.acquire(controller.signal).finally(() => (settled = true));
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(settled).toBe(false);
		// The rejection is the abort itself, not any error (a TypeError would have passed before).
		const cancelled = new Error('execution cancelled');
		controller.abort(cancelled);
		await expect(waiting).rejects.toBe(cancelled);
	});
});
