import type { CompletionResponse } from '../transport/completionApi';
import type { FailureDetails } from '../transport/completionFailure';
import type { KeyExhaustion } from '../transport/keyExhaustion';
import { duration } from './runProgress';

/** Why a run stopped sending: what every item it leaves unanswered fails with. */
export interface RunStopReason {
	/** The error message of each item left unanswered. */
	message: string;
	/** Their error description. */
	description: string;
	/** A machine-readable code for those items (NanoGPT's error code, when NanoGPT's answer stopped the run). */
	code?: string;
}

/**
 * Thrown where a stopped run would have waited or sent (a retry, a resend of Output Content as
 * JSON): the item fails with the stop's reason.
 */
export class RunStopped extends Error {
	/** Requests already sent for the item, when known. */
	attempts?: number;
	/** Usage and cost of the item's completions billed before the stop. */
	billed?: CompletionResponse;

	constructor(readonly reason: RunStopReason) {
		super(reason.message);
		this.name = 'RunStopped';
	}
}

/** A time as `2026-12-03 00:00 UTC`, to the nearest minute. */
function utcMinute(time: number): string {
	const rounded = new Date(Math.round(time / 60_000) * 60_000).toISOString();
	return `${rounded.slice(0, 10)} ${rounded.slice(11, 16)} UTC`;
}

/** NanoGPT's own words and code, quoted. */
function quoted({ apiMessage, code }: FailureDetails): string {
	return `NanoGPT said: "${apiMessage}"${code ? ` (code ${code})` : ''}`;
}

/**
 * Why the run stops when NanoGPT refuses the key for the rest of it: the message every row left
 * unanswered fails with. A daily cap's names the cap and when it resets; a 402's says what to top
 * up. Both quote NanoGPT's message and code. Pure.
 */
export function stopReasonFor(
	exhaustion: KeyExhaustion,
	failure: FailureDetails,
	itemIndex: number,
	now: number = Date.now(),
): RunStopReason {
	const code = failure.code;
	if (exhaustion.kind === 'dailyCap') {
		const resetsAt = utcMinute(exhaustion.resetsAt);
		const left = duration(Math.max(0, exhaustion.resetsAt - now));
		return {
			message: `NanoGPT's ${exhaustion.cap} for this API key is reached: no further requests until it resets at ${resetsAt} (in ${left}). ${quoted(failure)}`,
			description: `The run stopped sending when NanoGPT refused item ${itemIndex} for this cap. Run the rows that failed this way again after ${resetsAt}.`,
			code,
		};
	}
	const need = exhaustion.need;
	const remedy = need
		? `${need.charAt(0).toUpperCase()}${need.slice(1)} ${need.includes(' and ') ? 'need' : 'needs'} a prepaid balance: top up your NanoGPT balance${need.includes('web search') ? ' or turn off Options > Web Search' : ''}`
		: 'Top up your NanoGPT balance';
	return {
		message: `NanoGPT returned 402: ${failure.apiMessage}${code ? ` (code ${code})` : ''}. ${remedy}; this run sends no further requests.`,
		description: `The run stopped sending when NanoGPT answered item ${itemIndex} with 402. After topping up, run the rows that failed this way again.`,
		code,
	};
}
