import { billedTotal } from '../output/billedTotal';
import { extractJson } from '../output/extractJson';
import type { CompletionResponse, InlineModeration } from '../transport/completionApi';
import { CompletionFailure } from '../transport/completionFailure';
import { totalModeration } from '../transport/inlineModeration';
import type { CompletionOutcome } from '../transport/requestCompletion';
import { RunStopped } from './flowControl';

export interface JsonCompletionSettings {
	/** Output Content as JSON; when off, the first outcome is returned as it is. */
	jsonOutput: boolean;
	/** Retries on Invalid JSON. */
	jsonRetries: number;
	/** Whether each attempt's text is forwarded to a caller as it streams (it cannot be taken back). */
	forwardsText: boolean;
	/** Called for every response NanoGPT answered with a completion: each one is billed (and its moderation check, if any). */
	onBilled(response: CompletionResponse, moderation?: InlineModeration): void;
	/** Waits for a start slot before the request is sent again; throws when the run is cancelled or stopped (RunStopped). */
	beforeResend(): Promise<void>;
}

export interface JsonCompletionOutcome extends CompletionOutcome {
	/** The parsed value, when Output Content as JSON is on. */
	json?: { data: unknown };
}

/** Why an item with no valid JSON was not sent again. */
export type NoRetryReason = 'length' | 'streamed' | 'retries used';

/** The completion text held no valid JSON, and no further attempt will be made. */
export class InvalidJsonFailure extends Error {
	constructor(
		readonly text: string,
		readonly reason: NoRetryReason,
		/** Requests sent for the item, for whatever reason. */
		readonly attempts: number,
		readonly jsonRetries: number,
		/** Usage and cost added up over every completion of the item: each one is billed. */
		readonly billed: CompletionResponse,
		/** What moderation reported over those completions, each check charged. */
		readonly moderation?: InlineModeration,
	) {
		super('The completion holds no valid JSON');
		this.name = 'InvalidJsonFailure';
	}
}

/**
 * One item's completion with Output Content as JSON: sends the request, and sends it again (at
 * most jsonRetries times) while the text holds no valid JSON, unless Max Tokens cut the text off
 * or the text already streamed to a caller. `attempts` counts every request sent, network and
 * status retries included. Throws CompletionFailure (with the attempts of earlier sends added)
 * or InvalidJsonFailure.
 */
export async function completeWithJson(
	sendOnce: () => Promise<CompletionOutcome>,
	settings: JsonCompletionSettings,
): Promise<JsonCompletionOutcome> {
	const responses: CompletionResponse[] = [];
	const moderations: Array<InlineModeration | undefined> = [];
	let attempts = 0;
	for (let jsonAttempt = 0; ; jsonAttempt++) {
		if (jsonAttempt > 0) {
			const refused = await settings.beforeResend().then(
				() => undefined,
				(error: unknown) => ({ error }),
			);
			// The run stopped before the resend: the item still reports what its completions billed.
			if (refused?.error instanceof RunStopped) {
				refused.error.attempts = attempts;
				refused.error.billed = billedTotal(responses);
			}
			if (refused) throw refused.error;
		}
		const sent = await sendOnce().then(
			(outcome) => ({ outcome }),
			(error: unknown) => ({ error }),
		);
		if ('error' in sent) {
			// The item's error counts every request sent for it, the earlier sends included.
			if (sent.error instanceof CompletionFailure) {
				sent.error.attempts += attempts;
				if (responses.length > 0) sent.error.billed = billedTotal(responses);
				const moderation = totalModeration([...moderations, sent.error.details.moderation]);
				if (moderation) sent.error.details.moderation = moderation;
			}
			throw sent.error;
		}
		const { outcome } = sent;
		attempts += outcome.attempts;
		responses.push(outcome.response);
		moderations.push(outcome.moderation);
		settings.onBilled(outcome.response, outcome.moderation);
		const moderation = totalModeration(moderations);
		if (!settings.jsonOutput) return { response: outcome.response, attempts, ...(moderation && { moderation }) };

		const choice = outcome.response.choices?.[0];
		const text = typeof choice?.text === 'string' ? choice.text : '';
		const extraction = extractJson(text);
		if (extraction.found) {
			return { response: billedTotal(responses), attempts, json: { data: extraction.value }, ...(moderation && { moderation }) };
		}
		// The same Max Tokens would cut the text off again; streamed text cannot be taken back.
		let reason: NoRetryReason | undefined;
		if (choice?.finish_reason === 'length') reason = 'length';
		else if (settings.forwardsText && text !== '') reason = 'streamed';
		else if (jsonAttempt >= settings.jsonRetries) reason = 'retries used';
		if (reason) throw new InvalidJsonFailure(text, reason, attempts, settings.jsonRetries, billedTotal(responses), moderation);
	}
}
