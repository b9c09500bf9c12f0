import type { FailureDetails } from './completionFailure';

/** NanoGPT's optional per-key daily caps (429, Retry-After counting the seconds to 00:00 UTC), by code. */
export const DAILY_CAPS: Readonly<Record<string, string>> = {
	daily_rpd_limit_exceeded: 'daily request limit',
	daily_usd_limit_exceeded: 'daily USD limit',
};

/** What a 402 asks to be paid for, by NanoGPT's code; any other 402 is the account's balance itself. */
export const BALANCE_NEEDS: Readonly<Record<string, string>> = {
	webSearch_balance_required: 'web search',
	memory_balance_required: 'memory',
	both_balance_required: 'web search and memory',
};

/** A NanoGPT answer that every further request with this key would get too, until a reset or a top-up. */
export type KeyExhaustion =
	| { kind: 'dailyCap'; cap: string; code: string; resetsAt: number }
	| { kind: 'balance'; need?: string };

const DAY_MS = 24 * 60 * 60 * 1000;

/** The next 00:00 UTC after `now`. */
export function nextUtcMidnight(now: number): number {
	return Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
}

/**
 * Whether NanoGPT's answer refuses this key for the rest of the run: a daily cap reached (reset at
 * its Retry-After, else the next 00:00 UTC) or a balance too low (402). A 429 without a daily-cap
 * code is not: it is per request. Pure.
 */
export function keyExhaustionOf(details: FailureDetails, now: number = Date.now()): KeyExhaustion | undefined {
	const code = details.code;
	if (details.status === 429 && code !== undefined && Object.hasOwn(DAILY_CAPS, code)) {
		const resetsAt = details.retryAfterMs !== undefined ? now + details.retryAfterMs : nextUtcMidnight(now);
		return { kind: 'dailyCap', cap: DAILY_CAPS[code], code, resetsAt };
	}
	if (details.status === 402) {
		return code !== undefined && Object.hasOwn(BALANCE_NEEDS, code) ? { kind: 'balance', need: BALANCE_NEEDS[code] } : { kind: 'balance' };
	}
	return undefined;
}
