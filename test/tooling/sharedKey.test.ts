/**
 * The figures of runs on one key (test/support/sharedKey.ts), which the unit tests, `npm run bench`
 * and the e2e case judge the pacer by: checked on start times laid out by hand.
 */
import { ratesOverTime, sharedKeyFigures } from '../support/sharedKey';

/** Start times from `from` (inclusive) to `to` (exclusive), `every` ms apart. */
const every = (from: number, to: number, step: number) => Array.from({ length: Math.ceil((to - from) / step) }, (_, k) => from + k * step);

describe('sharedKeyFigures', () => {
	it('counts the rate together only while two runs are active, and each run against an equal split', () => {
		// A: 10 per second from 0 s to 10 s; B: 15 per second from 2 s to 6 s (its last start at 5.933 s).
		const a = every(0, 10_000, 100);
		const b = every(2_000, 6_000, 1000 / 15);
		const figures = sharedKeyFigures(
			[
				{ admitted: a, rejected: [500, 700] },
				{ admitted: b, rejected: [2_010] },
			],
			{ cap: 23 },
		);
		expect(figures.sent).toBe(100 + 60 + 3);
		expect(figures.rejected).toBe(3);
		expect(figures.rejectedShare).toBeCloseTo(3 / 163, 10);
		// While both were active (2000 to 5933.3 ms): A's 40 and B's 60 admitted, B's 429 at 2010; A's two came before.
		expect(figures.whileShared).toEqual({ sent: 101, rejected: 1, rejectedShare: 1 / 101 });
		// Both active from 2000 to 5933.3 ms: A started 40 times in it (2000 ... 5900), B 60 times.
		expect(figures.sharedMs).toBeCloseTo(3933.33, 1);
		expect(figures.together).toBeCloseTo((100 * 1000) / 3933.33, 2);
		expect(figures.rates[0]).toBeCloseTo((40 * 1000) / 3933.33, 2);
		expect(figures.rates[1]).toBeCloseTo((60 * 1000) / 3933.33, 2);
		expect(figures.shareOfFair[0]).toBeCloseTo(0.8, 10);
		expect(figures.shareOfFair[1]).toBeCloseTo(1.2, 10);
	});

	it('times the run left alone until 1 s holds 0.9 of its cap, and says when it never does', () => {
		// B stops at 4.9 s; A goes on at 10 per second, then from 7 s at 23 per second.
		const a = [...every(0, 7_000, 100), ...every(7_000, 12_000, 1000 / 23)];
		const b = every(0, 5_000, 100);
		const recovered = sharedKeyFigures(
			[
				{ admitted: a, rejected: [] },
				{ admitted: b, rejected: [] },
			],
			{ cap: 23 },
		);
		expect(recovered.tail.run).toBe(0);
		// Windows of 1 s step by 100 ms from B's last start (4.9 s). The first with 21 of A's starts (0.9 of
		// 23 is 20.7) is [6.8 s, 7.8 s): 6.8 and 6.9 s, then 19 starts 1/23 s apart from 7.0 s. [6.7 s, 7.7 s)
		// holds 3 + 17 = 20.
		expect(recovered.tail.recoveryMs).toBe(1_900);
		const never = sharedKeyFigures(
			[
				{ admitted: every(0, 9_000, 100), rejected: [] },
				{ admitted: b, rejected: [] },
			],
			{ cap: 23 },
		);
		expect(never.tail.recoveryMs).toBeUndefined();
		expect(never.tail.ms).toBeCloseTo(8_900 - 4_900, 6);
	});
});

describe('ratesOverTime', () => {
	it('gives each run its admitted starts per second in consecutive windows', () => {
		const { times, rates } = ratesOverTime(
			[
				{ admitted: every(0, 3_000, 100), rejected: [] },
				{ admitted: every(1_000, 2_000, 50), rejected: [] },
			],
			{ from: 0, to: 3_000 },
		);
		expect(times).toEqual([0, 1_000, 2_000]);
		expect(rates).toEqual([
			[10, 10, 10],
			[0, 20, 0],
		]);
	});
});
