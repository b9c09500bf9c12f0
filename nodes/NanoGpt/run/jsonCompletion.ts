import { billedTotal } from '../output/billedTotal';
import { extractJson } from '../output/extractJson';
import type { CompletionResponse, InlineModeration } from '../transport/completionApi';
import { CompletionFailure } from '../transport/completionFailure';
import { totalModeration } from '../transport/inlineModeration';
import type { CompletionOutcome } from '../transport/requestCompletion';
import { RunStopped } from './stopReasons';

export interface JsonCompletionSettings {
	/** Output Content as JSON; when off, the first outcome is the item's answer as it is. */
	jsonOutput: boolean;
	/** Retries on Invalid JSON. */
	jsonRetries: number;
	/** Whether each send's text is forwarded to a caller as it streams (it cannot be taken back). */
	forwardsText: boolean;
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
 * The sends of one item, as the pipeline's steps see them: send with retries, then parse the JSON,
 * and again (at most jsonRetries more times) while the text holds no valid JSON, unless Max Tokens
 * cut the text off or it already streamed to a caller. Keeps what every send billed and attempted,
 * so that the item's answer or error counts them all: `attempts` is every request sent, network and
 * status retries included.
 */
export class JsonSends {
	private readonly responses: CompletionResponse[] = [];
	private readonly moderations: Array<InlineModeration | undefined> = [];
	private attempts = 0;

	constructor(private readonly settings: JsonCompletionSettings) {}

	/** Whether the item was sent before, so that the next send is a resend. */
	get sentBefore(): boolean {
		return this.responses.length > 0;
	}

	/**
	 * A send's outcome: the item's answer, or undefined to send it again. Throws InvalidJsonFailure
	 * when the text holds no valid JSON and it will not be sent again.
	 */
	parse(outcome: CompletionOutcome): JsonCompletionOutcome | undefined {
		const { responses, moderations, settings } = this;
		this.attempts += outcome.attempts;
		responses.push(outcome.response);
		moderations.push(outcome.moderation);
		const attempts = this.attempts;
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
		else if (responses.length > settings.jsonRetries) reason = 'retries used';
		if (reason) throw new InvalidJsonFailure(text, reason, attempts, settings.jsonRetries, billedTotal(responses), moderation);
		return undefined;
	}

	/** Throws a send's failure; a failed completion counts the earlier sends' attempts, billing and moderation. */
	failedSend(error: unknown): never {
		if (error instanceof CompletionFailure) {
			error.attempts += this.attempts;
			if (this.sentBefore) error.billed = billedTotal(this.responses);
			const moderation = totalModeration([...this.moderations, error.details.moderation]);
			if (moderation) error.details.moderation = moderation;
		}
		throw error;
	}

	/** Throws why a resend was not sent; a run stopped meanwhile still reports what the item's sends billed. */
	refusedResend(error: unknown): never {
		if (error instanceof RunStopped) {
			error.attempts = this.attempts;
			error.billed = billedTotal(this.responses);
		}
		throw error;
	}
}
