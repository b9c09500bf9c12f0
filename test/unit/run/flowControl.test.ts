import { FlowControl } from '../../../nodes/NanoGpt/run/flowControl';
import { InFlightLimit } from '../../../nodes/NanoGpt/run/inFlightLimit';
import { RequestPacer } from '../../../nodes/NanoGpt/run/requestPacer';
import { PROGRESS_INTERVAL_MS, RunProgress } from '../../../nodes/NanoGpt/run/runProgress';
import { CompletionFailure } from '../../../nodes/NanoGpt/transport/completionFailure';
import { simulate, steadyRate } from '../../support/flowSimulation';
import { sharedKeyFigures } from '../../support/sharedKey';

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

	it('a 429 in the first second holds the starts until that second is over, then resumes at the share let in', () => {
		const clock = { now: 0 };
		const pacer = new RequestPacer(23, () => clock.now, () => 0.5);
		const starts = startPaced(pacer, clock, 7); // 0 to 261 ms, 1000/23 ms apart
		clock.now = 265; // the 429 for the 7th start arrives
		pacer.onRateLimited(1000, starts[6]);
		// 6 of the 7 were let in: 6 x 0.985 = 5.91 per second. The run resumes after its first second,
		// at a random point of one interval of that pace (here half of 1000 / 5.91 ms).
		expect(pacer.rate).toBeCloseTo(5.91, 10);
		expect(pacer.delayUntilNextStart()).toBeCloseTo(1000 + 500 / 5.91 - 265, 6);
		clock.now = 1000 + 500 / 5.91;
		pacer.recordStart();
		// No catch-up for the slots the hold skipped: the next start is one whole interval later.
		expect(pacer.delayUntilNextStart()).toBeCloseTo(1000 / 5.91, 6);
	});

	it('a run let in at most once in its first second resumes at an eighth of its cap', () => {
		const clock = { now: 0 };
		const pacer = new RequestPacer(24, () => clock.now, () => 0);
		pacer.recordStart();
		clock.now = 3;
		pacer.onRateLimited(1000, 0);
		expect(pacer.rate).toBe(3);
		expect(pacer.delayUntilNextStart()).toBe(997);
	});

	it('later, a 429 cuts the pace to the share let in over the second before the refused start, also when it arrives seconds after', () => {
		const clock = { now: 0 };
		const pacer = new RequestPacer(20, () => clock.now);
		const starts = startPaced(pacer, clock, 61); // 3 s at the cap, 50 ms apart
		clock.now += 3000; // the 429 for the last start arrives 3 s after it
		pacer.onRateLimited(1000, starts[60]);
		// From the refused start back one second (plus half an interval of slack): 21 starts, one of
		// them refused. The run was never let in more than 20 in a second, so nobody else took a share:
		// 20 x 0.985, and nobody else waits for the Retry-After.
		expect(pacer.rate).toBeCloseTo(19.7, 10);
		expect(pacer.delayUntilNextStart()).toBe(0);
	});

	it('counts the share of a slow run over its last 8 starts, not over the two or three of one second', () => {
		const clock = { now: 0 };
		const pacer = new RequestPacer(20, () => clock.now, () => 0);
		pacer.recordStart();
		clock.now = 5;
		pacer.onRateLimited(1000, 0); // joins at 2.5 per second (an eighth of 20) after its first second
		const starts = startPaced(pacer, clock, 8); // 1000 to 3800 ms, 400 ms apart
		clock.now += 5;
		pacer.onRateLimited(1000, starts[7]);
		// 7 of the last 8 starts let in over 2.8 s: 2.5 per second, x 0.985. Over the last second alone
		// (2 of 3) the cut would go down to the slow run's floor, 2.5 x (1 - 2.5/20) = 2.1875.
		expect(pacer.rate).toBeCloseTo(2.4625, 10);
	});

	it('while others use the key, a run gives back more the larger its share, and one larger than all the others together moves a quarter of the way down', () => {
		const run = (secondBurst: number) => {
			const clock = { now: 0 };
			const pacer = new RequestPacer(20, () => clock.now);
			startPaced(pacer, clock, 21); // let in at its whole cap: 20 in a second
			clock.now = 5000;
			// Three starts at 5 s (catching up 100 ms), then 50 ms apart; NanoGPT refuses the last.
			const starts = startPaced(pacer, clock, secondBurst);
			clock.now += 5;
			pacer.onRateLimited(1000, starts[starts.length - 1]);
			return pacer.rate;
		};
		// 11 let in where 20 were: others held 9. 11 x 0.985 x (1 - 0.1 x 11/20) = 10.239075, which is
		// below 11 - (11 - 9) / 4 = 10.5.
		expect(run(12)).toBeCloseTo(10.239075, 10);
		// 12 let in, others held 8: 12 x 0.985 x (1 - 0.1 x 12/20) = 11.1108, but 12 - (12 - 8) / 4 = 11.
		expect(run(13)).toBeCloseTo(11, 10);
	});

	it('a run once let in at its whole cap counts even one request it lost as taken by others', () => {
		const clock = { now: 0 };
		const pacer = new RequestPacer(20, () => clock.now);
		startPaced(pacer, clock, 41); // 0 to 2000 ms at the cap: the limit is above the cap
		clock.now = 2005;
		pacer.onRateLimited(1000, 2000); // 20 let in: 19.7
		clock.now = 2505;
		pacer.onRateLimited(1000, 1500); // within the second after the cut: noted, no cut
		clock.now = 3010;
		pacer.onRateLimited(1000, 1550);
		// 19 of 21 let in before 1550 ms: others held one, which for this run is not clock noise, so it
		// moves a quarter of the way down to them: 19 - 18 / 4 = 14.5 (not 19 x 0.985 = 18.715).
		expect(pacer.rate).toBeCloseTo(14.5, 10);
	});

	it('cuts the pace at most once a second, and at most by half each time', () => {
		const clock = { now: 0 };
		const pacer = new RequestPacer(20, () => clock.now);
		startPaced(pacer, clock, 41); // 0 to 2000 ms at the cap
		clock.now = 2005;
		pacer.onRateLimited(1000, 2000);
		expect(pacer.rate).toBeCloseTo(19.7, 10); // 20 let in, as above
		// Half a second later two more 429s (for starts at 1500 and 1550) do not cut again; without the
		// guard the second would (19 let in before 1550 ms, others held 1: 19 - 18 / 4 = 14.5).
		clock.now = 2505;
		pacer.onRateLimited(1000, 1500);
		pacer.onRateLimited(1000, 1550);
		expect(pacer.rate).toBeCloseTo(19.7, 10);
		// A second after the cut the next 429 cuts again: 18 let in before 1950 ms (three refused), others
		// held 2, so the run moves a quarter of the way down to them: 18 - 16 / 4 = 14.
		clock.now = 3005;
		pacer.onRateLimited(1000, 1950);
		expect(pacer.rate).toBeCloseTo(14, 10);
		// Nothing let in before a refused start 3999 ms: never below half the pace.
		clock.now = 4005;
		pacer.onRateLimited(1000, 3999);
		expect(pacer.rate).toBeCloseTo(7, 10);
		// A slow run is cut less (at 7 of 20 per second it keeps 7 x (1 - 7/20) = 4.55), and never below 1.
		clock.now = 5005;
		pacer.onRateLimited(1000, 5000);
		expect(pacer.rate).toBeCloseTo(4.55, 10);
		for (let cut = 0; cut < 40; cut++) {
			clock.now += 1000;
			pacer.onRateLimited(1000, clock.now);
		}
		expect(pacer.rate).toBe(1);
	});

	it('climbs back towards Requests per Second 7 s after the last cut, slowly at first, to take up a share another client freed', () => {
		const clock = { now: 0 };
		const pacer = new RequestPacer(24, () => clock.now, () => 0);
		pacer.recordStart();
		pacer.onRateLimited(1000, 0); // joins at 3 per second; the cut counts from the end of the first second
		const rateAt = (ms: number) => {
			clock.now = ms;
			return pacer.rate;
		};
		expect(rateAt(8000)).toBe(3);
		// 24 x 0.01 x (seconds past 8 s) cubed: +0.24, +1.92, +6.48, +15.36, then the cap.
		expect(rateAt(9000)).toBeCloseTo(3.24, 10);
		expect(rateAt(10_000)).toBeCloseTo(4.92, 10);
		expect(rateAt(11_000)).toBeCloseTo(9.48, 10);
		expect(rateAt(12_000)).toBeCloseTo(18.36, 10);
		expect(rateAt(13_000)).toBe(24);
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
		// 20 starts at 0 ms, one refused, in the run's first second: 19 x 0.985.
		expect(flow.pacer.rate).toBeCloseTo(18.715, 10);
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
		// Every second holds the limit but two at most: a probe above the limit loses its refused start in
		// that second, and the pace after the cut is 1.5% under the limit.
		for (let window = first + 1000; window + 1000 <= last; window += 1000) {
			const admittedInWindow = run.admitted.filter((start) => start >= window && start < window + 1000).length;
			expect(admittedInWindow).toBeGreaterThanOrEqual(18);
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

describe('runs on one key on a virtual clock: limit 25 req/s, 2 s per completion, default request options', () => {
	/**
	 * `runs` node runs of 150 items, run A 460 more (20 s alone at the cap), started `apartMs` apart, on a
	 * noisy clock (starts up to 8 ms late, up to 4 ms each way to NanoGPT) seeded by `seed`.
	 */
	const onOneKey = (runs: number, apartMs: number, seed: number) => {
		const { clients } = simulate({
			clients: Array.from({ length: runs }, (_, index) => ({ items: 150 + (index === 0 ? 460 : 0), startAt: index * apartMs })),
			limitPerSecond: 25,
			latencyMs: 2000,
			noise: { seed, lateMs: 8, networkMs: 4 },
		});
		for (const [index, run] of clients.entries()) {
			expect(run.failed).toBe(0);
			expect(run.completed).toBe(150 + (index === 0 ? 460 : 0));
		}
		return sharedKeyFigures(clients, { cap: 23 });
	};

	it.each([1, 2, 3])('2 and 4 runs started together: 0.9 of the limit together, at most 5%% answered 429, equal shares within 2x (seed %i)', (seed) => {
		for (const runs of [2, 4]) {
			const figures = onOneKey(runs, 0, seed);
			expect(figures.together).toBeGreaterThanOrEqual(0.9 * 25);
			expect(figures.rejectedShare).toBeLessThanOrEqual(0.05);
			for (const share of figures.shareOfFair) {
				expect(share).toBeGreaterThanOrEqual(0.5);
				expect(share).toBeLessThanOrEqual(2);
			}
			// The run left alone is back at 0.9 of its cap within 10 s (0.0 s: a share freed earlier was taken already).
			expect(figures.tail.recoveryMs).toBeLessThanOrEqual(10_000);
		}
	});

	it.each([1, 2, 3])('8 runs with Max Retries 0 lose no row: a 429 with Retry-After 1 s has a retry budget of its own (seed %i)', (seed) => {
		const { clients } = simulate({
			clients: Array.from({ length: 8 }, (_, index) => ({ items: 150, startAt: index * 2000, maxRetries: 0 })),
			limitPerSecond: 25,
			latencyMs: 2000,
			noise: { seed, lateMs: 8, networkMs: 4 },
		});
		for (const run of clients) {
			expect(run.failed).toBe(0);
			expect(run.completed).toBe(150);
		}
		// Refusals there were, each of which Max Retries 0 would have turned into a lost row.
		expect(clients.reduce((sum, run) => sum + run.rejected.length, 0)).toBeGreaterThan(20);
	});

	it('4 runs of 150 rows started up to 4 s apart, as the e2e case\'s n8n instances boot, on a loaded clock: at most 10% answered 429 in each of 30 seeds', () => {
		for (let seed = 1; seed <= 30; seed++) {
			// The start times come from the seed too (a small linear congruential generator).
			let state = seed * 7919;
			const nextStart = () => Math.round(((state = (state * 48271) % 2_147_483_647) / 2_147_483_647) * 4000);
			const { clients } = simulate({
				clients: Array.from({ length: 4 }, () => ({ items: 150, startAt: nextStart() })),
				limitPerSecond: 25,
				latencyMs: 2000,
				noise: { seed, lateMs: 30, networkMs: 20 },
			});
			for (const run of clients) expect(run.failed).toBe(0);
			// Measured 3.1% to 7.6% over these seeds; a pacer that keeps 23 req/s has about 70% refused.
			expect(sharedKeyFigures(clients, { cap: 23 }).rejectedShare).toBeLessThanOrEqual(0.1);
		}
	});

	// Where the simulation misses the targets (8 runs: 429s over 5%; runs started apart: an early
	// run keeps up to twice an equal share a while), it is held to what it does, so that a change for the
	// worse fails; `npm run bench` measures the real processes against the targets.
	it.each([1, 2, 3])('8 runs started together, and 2, 4 and 8 runs started apart: nothing lost, no run starved, few 429s (seed %i)', (seed) => {
		for (const [runs, apartMs] of [
			[8, 0],
			[2, 3000],
			[4, 3000],
			[8, 2000],
		]) {
			const figures = onOneKey(runs, apartMs, seed);
			expect(figures.together).toBeGreaterThanOrEqual(0.84 * 25);
			expect(figures.rejectedShare).toBeLessThanOrEqual(0.08);
			for (const share of figures.shareOfFair) {
				expect(share).toBeGreaterThanOrEqual(0.4);
				expect(share).toBeLessThanOrEqual(2.2);
			}
		}
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
