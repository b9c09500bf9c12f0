/** Types for test/support/sharedKey.js. */

export interface RunRequests {
	/** Start times (ms) of the run's attempts that NanoGPT admitted. */
	admitted: number[];
	/** Start times (ms) of those it refused with 429. */
	rejected: number[];
}

export interface SharedKeyFigures {
	/** Attempts of all runs, and those refused with 429. */
	sent: number;
	rejected: number;
	rejectedShare: number;
	/** The same counts for the attempts started while at least two runs were active. */
	whileShared: { sent: number; rejected: number; rejectedShare: number };
	/** How long at least two runs were active (each from its first to its last admitted start). */
	sharedMs: number;
	/** Admitted requests per second of all runs together over that time. */
	together: number;
	/** How long all runs were active at once, and each run's admitted requests per second then. */
	allActiveMs: number;
	rates: number[];
	/** The mean of `rates`, and each run's rate as a share of it. */
	fairShare: number;
	shareOfFair: number[];
	/**
	 * The run active last, how long it went on after every other run's last start, and when after
	 * that its admitted starts in a 1 s window first reached 0.9 of its cap (undefined: never).
	 */
	tail: { run: number; ms: number; recoveryMs?: number };
}

export function sharedKeyFigures(runs: RunRequests[], options: { cap: number }): SharedKeyFigures;

export function ratesOverTime(
	runs: RunRequests[],
	options: { from: number; to: number; stepMs?: number },
): { times: number[]; rates: number[][] };
