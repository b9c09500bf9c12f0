import { FlowControl } from '../../nodes/NanoGpt/run/flowControl';
import { InFlightLimit } from '../../nodes/NanoGpt/run/inFlightLimit';
import {
	MIN_REQUESTS_PER_SECOND,
	PROBE_DELAY_MS,
	PROBE_STEP_PER_SECOND,
	RequestPacer,
	SHARE_MARGIN,
} from '../../nodes/NanoGpt/run/requestPacer';
import { PROGRESS_INTERVAL_MS, RunProgress } from '../../nodes/NanoGpt/run/runProgress';
import { CompletionFailure } from '../../nodes/NanoGpt/transport/completionFailure';
import { simulate, steadyRate } from '../support/flowSimulation';

const failure = (status: number, code?: string) =>
	new CompletionFailure({ status, code, apiMessage: String(status), retryable: true });

/** Starts `count` requests at the pacer's pace on a virtual clock; returns their start times. */
function startPaced(pacer: RequestPacer, clock: { now: number }, count: number): number[] {
	const starts: number[] = [];
	for (let index = 0; index < count; index++) {
		clock.now += pacer.delayUntilNextStart();
		pacer.recordStart();
		starts.push(clock.now);
	}
	return starts;
}

describe('RequestPacer on a virtual clock', () => {
	it('spaces starts at the configured rate, and not at all without a cap', () => {
		const clock = { now: 1000 };
		expect(startPaced(new RequestPacer(4, () => clock.now), clock, 3)).toEqual([1000, 1250, 1500]);
		const uncapped = { now: 0 };
		expect(startPaced(new RequestPacer(0, () => uncapped.now), uncapped, 3)).toEqual([0, 0, 0]);
	});

	it('after a 429 with a short Retry-After, keeps starting at the share NanoGPT admitted in the last second', () => {
		const clock = { now: 0 };
		const pacer = new RequestPacer(23, () => clock.now);
		const starts = startPaced(pacer, clock, 20); // 20 starts in 0.83 s
		clock.now += 5; // the 429 for the last start arrives
		pacer.onRateLimited(1000, starts[19]);
		pacer.onRateLimited(1000, starts[18]);
		// 19 admitted in the second before the refused start, less the margin that keeps it under the limit
		expect(pacer.rate).toBeCloseTo(19 * SHARE_MARGIN, 10);
		// Nobody else waits for the Retry-After: the next start is one slot of the new pace away.
		expect(pacer.delayUntilNextStart()).toBeCloseTo(1000 / (19 * SHARE_MARGIN) - 5, 5);
	});

	it('counts the share from the refused start back, also when the 429 arrives seconds after that start', () => {
		const clock = { now: 0 };
		const pacer = new RequestPacer(23, () => clock.now);
		const starts = startPaced(pacer, clock, 69); // 3 s at the cap
		clock.now += 3000; // the 429 for the last start arrives 3 s after it
		pacer.onRateLimited(1000, starts[68]);
		// The window up to the refused start (with half a slot of slack) holds 24 starts; one was refused.
		expect(pacer.rate).toBeCloseTo(23 * SHARE_MARGIN, 10);
	});

	it('cuts the pace once per second of 429s, and at most by half each time', () => {
		const clock = { now: 0 };
		const pacer = new RequestPacer(20, () => clock.now);
		pacer.recordStart();
		pacer.onRateLimited(1000); // a run that only just started has no record of its share yet
		expect(pacer.rate).toBe(10);
		clock.now = 500;
		pacer.onRateLimited(1000);
		expect(pacer.rate).toBe(10);
		clock.now = 1000;
		pacer.onRateLimited(1000);
		expect(pacer.rate).toBe(5);
		clock.now = 10_000;
		for (let cut = 0; cut < 10; cut++) {
			clock.now += 1000;
			pacer.onRateLimited(1000);
		}
		expect(pacer.rate).toBe(MIN_REQUESTS_PER_SECOND);
	});

	it('climbs back towards Requests per Second once 429s stop, to take up a share another client freed', () => {
		const clock = { now: 0 };
		const pacer = new RequestPacer(23, () => clock.now);
		startPaced(pacer, clock, 13);
		pacer.onRateLimited(1000);
		const share = pacer.rate;
		expect(share).toBeCloseTo(12 * SHARE_MARGIN, 10);
		clock.now += PROBE_DELAY_MS;
		expect(pacer.rate).toBe(share);
		clock.now += 2000; // climbs faster the longer it stays quiet: 2 s count as 2 + 2²/2
		expect(pacer.rate).toBeCloseTo(share + 4 * 23 * PROBE_STEP_PER_SECOND, 5);
		clock.now += 60_000;
		expect(pacer.rate).toBe(23);
	});

	it('holds every start until a long Retry-After has passed, and without a cap after any 429', () => {
		const capped = { now: 0 };
		const pacer = new RequestPacer(23, () => capped.now);
		pacer.onRateLimited(30_000);
		expect(pacer.delayUntilNextStart()).toBe(30_000);
		const uncapped = new RequestPacer(0, () => 0);
		uncapped.onRateLimited(700);
		expect(uncapped.delayUntilNextStart()).toBe(700);
		expect(uncapped.rate).toBe(0);
	});

	it('acquire waits for the next slot in order, and rejects with the abort reason when cancelled', async () => {
		const pacer = new RequestPacer(5); // one start per 200 ms
		await pacer.acquire();
		const first = Date.now();
		const order: number[] = [];
		await Promise.all([pacer.acquire().then(() => order.push(1)), pacer.acquire().then(() => order.push(2))]);
		expect(order).toEqual([1, 2]);
		expect(Date.now() - first).toBeGreaterThanOrEqual(390);

		const controller = new AbortController();
		const waiting = pacer.acquire(controller.signal);
		const reason = new Error('cancelled by the test');
		controller.abort(reason);
		await expect(waiting).rejects.toBe(reason);
		// The aborted caller gave up its turn: the next one still gets a slot.
		await expect(pacer.acquire()).resolves.toBeUndefined();
	});
});

describe('InFlightLimit', () => {
	it('an explicit Concurrency is a hard ceiling that never adapts', () => {
		const limit = new InFlightLimit(3, 23);
		expect([limit.tryAcquire(), limit.tryAcquire(), limit.tryAcquire(), limit.tryAcquire()]).toEqual([true, true, true, false]);
		limit.onOverload();
		limit.onSuccess();
		expect(limit.limit).toBe(3);
		limit.release();
		expect(limit.tryAcquire()).toBe(true);
		expect(limit.maxInFlight).toBe(3);
	});

	it('Auto starts at its ceiling: 512 with a rate cap, 32 without', () => {
		expect(new InFlightLimit(0, 23).limit).toBe(512);
		expect(new InFlightLimit(0, 0).limit).toBe(32);
	});

	it('Auto cuts to three quarters of the requests in flight on overload, once a second, and climbs by one per success', () => {
		let now = 0;
		const limit = new InFlightLimit(0, 23, () => now);
		for (let index = 0; index < 40; index++) limit.tryAcquire();
		limit.onOverload();
		expect(limit.limit).toBe(30); // 3/4 of 40
		// 999 ms later, with 24 in flight, another overload signal (the same burst answering late)
		// does not cut again: a second cut would set 3/4 of 24 = 18.
		for (let index = 0; index < 16; index++) limit.release();
		now = 999;
		limit.onOverload();
		expect(limit.limit).toBe(30);
		for (let index = 0; index < 6; index++) expect(limit.tryAcquire()).toBe(true);
		expect(limit.tryAcquire()).toBe(false);
		for (let index = 0; index < 5; index++) limit.onSuccess();
		expect(limit.limit).toBe(35);
		// A second after the cut the next signal cuts again, never below 4.
		now = 1000;
		for (let index = 0; index < 28; index++) limit.release();
		limit.onOverload();
		expect(limit.limit).toBe(4); // 3/4 of the 2 left in flight is 1, raised to the floor of 4
	});

	it('acquire waits until a slot frees up, and rejects when cancelled', async () => {
		const limit = new InFlightLimit(1, 0);
		await limit.acquire();
		let second = false;
		const waiting = limit.acquire().then(() => (second = true));
		await new Promise((resolve) => setImmediate(resolve));
		expect(second).toBe(false);
		limit.release();
		await waiting;
		expect(limit.inFlight).toBe(1);
		const controller = new AbortController();
		const cancelled = limit.acquire(controller.signal);
		controller.abort(new Error('stop'));
		await expect(cancelled).rejects.toThrow('stop');
	});
});

describe('FlowControl: what each attempt teaches', () => {
	it('a 5xx or a timeout cuts an Auto bound; a 429 slows the pace instead when there is a cap', () => {
		let now = 0;
		const flow = new FlowControl({ concurrency: 0, requestsPerSecond: 23 }, 100, () => now);
		for (let index = 0; index < 20; index++) {
			flow.limit.tryAcquire();
			flow.pacer.recordStart();
		}
		flow.afterAttempt({ failure: failure(429), startedAt: now, retryAfterMs: 1000 });
		expect(flow.limit.limit).toBe(512);
		expect(flow.pacer.rate).toBeCloseTo(19 * SHARE_MARGIN, 10);
		flow.afterAttempt({ failure: failure(503), startedAt: now, retryAfterMs: 400 });
		expect(flow.limit.limit).toBe(15);
		now = 2000;
		for (let index = 0; index < 4; index++) flow.limit.release();
		const timeout = new CompletionFailure({ apiMessage: 'timeout', code: 'ETIMEDOUT', retryable: true });
		flow.afterAttempt({ failure: timeout, startedAt: now });
		expect(flow.limit.limit).toBe(12);
		flow.afterAttempt({ startedAt: now });
		expect(flow.limit.limit).toBe(13);
	});

	it('without a cap a 429 holds every start and cuts the bound', () => {
		const flow = new FlowControl({ concurrency: 0, requestsPerSecond: 0 }, 10, () => 0);
		for (let index = 0; index < 8; index++) flow.limit.tryAcquire();
		flow.afterAttempt({ failure: failure(429), startedAt: 0, retryAfterMs: 1000 });
		expect(flow.limit.limit).toBe(6);
		expect(flow.pacer.delayUntilNextStart()).toBe(1000);
	});
});

describe('throughput on a virtual clock: NanoGPT limit 25 req/s, default request options', () => {
	it.each([100, 1000, 2000, 6000, 20_000])(
		'at %i ms per completion the pace, not the bound, sets the rate: 23 req/s, nothing refused or lost',
		(latencyMs) => {
			const items = 23 * 40;
			const { clients } = simulate({ clients: [{ items }], limitPerSecond: 25, latencyMs });
			const [run] = clients;
			expect(run.completed).toBe(items);
			expect(run.failed).toBe(0);
			expect(run.rejected).toHaveLength(0);
			expect(steadyRate(run.admitted)).toBeGreaterThan(22.9);
			// Little's law: rate x latency requests in flight, which the old fixed 16 would have capped.
			expect(run.maxInFlight).toBeGreaterThanOrEqual(Math.min(Math.floor((23 * latencyMs) / 1000), 512) - 1);
			expect(run.maxInFlight).toBeLessThanOrEqual(512);
		},
	);

	it('an explicit Concurrency stays the ceiling: 16 in flight at 2 s give 8 req/s', () => {
		const { clients } = simulate({ clients: [{ items: 200, concurrency: 16 }], limitPerSecond: 25, latencyMs: 2000 });
		expect(clients[0].maxInFlight).toBe(16);
		expect(steadyRate(clients[0].admitted)).toBeLessThanOrEqual(8.4);
	});

	it('a cap above the limit settles at the limit after the first 429s, without failing any item', () => {
		const { clients } = simulate({
			clients: [{ items: 600, requestsPerSecond: 23 }],
			limitPerSecond: 20,
			latencyMs: 1500,
		});
		const [run] = clients;
		expect(run.failed).toBe(0);
		expect(run.completed).toBe(600);
		const first = Math.min(...run.admitted);
		const last = Math.max(...run.admitted);
		for (let window = first + 1000; window + 1000 <= last; window += 1000) {
			const admittedInWindow = run.admitted.filter((start) => start >= window && start < window + 1000).length;
			expect(admittedInWindow).toBeGreaterThanOrEqual(19);
		}
		expect(run.rejected.length).toBeLessThan(60);
	});

	it('two runs on one key converge on the limit together: at least 20 of 25 req/s, nothing lost', () => {
		const { clients } = simulate({
			clients: [{ items: 600 }, { items: 600, startAt: 300 }],
			limitPerSecond: 25,
			latencyMs: 2000,
		});
		for (const run of clients) {
			expect(run.failed).toBe(0);
			expect(run.completed).toBe(600);
		}
		const together = steadyRate([...clients[0].admitted, ...clients[1].admitted]);
		expect(together).toBeGreaterThanOrEqual(20);
		// Converged, not oscillating: refusals are a small share of what was sent.
		const rejected = clients[0].rejected.length + clients[1].rejected.length;
		expect(rejected).toBeLessThan(0.05 * 1200);
	});

	it('a run whose partner finished takes the freed share back', () => {
		const { clients } = simulate({
			clients: [{ items: 1200 }, { items: 150 }],
			limitPerSecond: 25,
			latencyMs: 1000,
		});
		const long = clients[0];
		const partnerDone = Math.max(...clients[1].admitted);
		const later = long.admitted.filter((start) => start > partnerDone + 20_000);
		expect(later.length).toBeGreaterThan(100);
		expect(steadyRate(later)).toBeGreaterThan(22.5);
		expect(long.failed + clients[1].failed).toBe(0);
	});

	it('5xx answers make an Auto bound back off, and it recovers after them', () => {
		const { clients } = simulate({
			clients: [{ items: 500 }],
			limitPerSecond: 25,
			latencyMs: 2000,
			failWith: ({ at, attempt }) => (at > 5000 && at < 8000 && attempt === 1 ? 503 : undefined),
		});
		const [run] = clients;
		expect(run.failed).toBe(0);
		expect(run.minLimit).toBeLessThan(46);
		// Back above what 23 req/s at 2 s need (46), so the bound no longer holds the pace back.
		expect(run.flow.limit.limit).toBeGreaterThan(100);
		const afterwards = run.admitted.filter((start) => start > 12_000);
		expect(steadyRate(afterwards)).toBeGreaterThan(22.5);
	});
});

describe('RunProgress', () => {
	it('writes a line at most every 10 s, only for runs of more than 100 items, with counts and an ETA', () => {
		let now = 0;
		let inFlight = 7;
		const progress = new RunProgress(1000, () => inFlight, () => now);
		for (let index = 0; index < 100; index++) progress.onRequestSent();
		progress.onRetry();
		expect(progress.onItemDone(false)).toBeUndefined();
		now = PROGRESS_INTERVAL_MS - 1;
		expect(progress.onItemDone(true)).toBeUndefined();
		now = PROGRESS_INTERVAL_MS;
		inFlight = 46;
		expect(progress.onItemDone(false)).toBe(
			'NanoGPT progress: 3 of 1000 items done, 10.0 req/s, 46 in flight, 1 retries, 1 failed, about 55 min 23 s left',
		);
		now += 1000;
		expect(progress.onItemDone(false)).toBeUndefined();
		const short = new RunProgress(100, () => 0, () => now);
		now += PROGRESS_INTERVAL_MS;
		expect(short.onItemDone(false)).toBeUndefined();
	});

	it('sums tokens and reported cost of the requests actually billed in the summary', () => {
		let now = 0;
		const progress = new RunProgress(2, () => 0, () => now);
		progress.onRequestSent();
		progress.onRequestSent();
		progress.onRequestSent();
		progress.onRetry();
		progress.onBilled({ promptTokens: 10, completionTokens: 5, totalTokens: 15 }, { amount: 0.001, currency: 'USD' });
		progress.onBilled({ promptTokens: 12, completionTokens: 6, totalTokens: 18 }, { amount: 0.002, currency: 'USD' });
		progress.onItemDone(false);
		progress.onItemDone(true);
		now = 2000;
		expect(progress.summary()).toBe(
			'NanoGPT run finished: 2 items, 1 failed, in 2 s; 3 requests sent (1 retries), 1.5 req/s; ' +
				'tokens 22 prompt + 11 completion = 33; reported cost 0.003 USD',
		);
	});
});
