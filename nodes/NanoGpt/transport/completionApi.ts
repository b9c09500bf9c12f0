import type { IDataObject } from 'n8n-workflow';

// The shapes of NanoGPT's POST /v1/completions as the node sends and reads them; nothing of the node.

/** The request body: `model` and `prompt`, and whichever API fields the item's parameters set. */
export type CompletionRequestBody = IDataObject & { model: string; prompt: string };

/** NanoGPT's `usage`: the three counts, and detail fields some providers add. */
export type CompletionUsage = { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } & IDataObject;

/**
 * NanoGPT's `x_nanogpt_pricing`: `amount` and `currency` (its core fields), or `cost` (USD) as in
 * its streaming example, plus optional billing details; unknown keys are tolerated.
 */
export type CompletionPricing = {
	amount?: number;
	currency?: string;
	cost?: number;
	cacheCost?: number;
	paymentSource?: string;
	billedToTeam?: boolean;
	billedTeamId?: number | null;
	billedTeamName?: string | null;
} & IDataObject;

/** The parts of a NanoGPT completion response the node reads (extra fields are kept in raw output). */
export interface CompletionResponse extends IDataObject {
	id?: string;
	model?: string;
	choices?: Array<{ text?: string; index?: number; logprobs?: IDataObject | null; finish_reason?: string | null }>;
	usage?: CompletionUsage | null;
	x_nanogpt_pricing?: CompletionPricing;
}

/**
 * What NanoGPT's inline moderation reported for one request, from its
 * `x-nanogpt-inline-moderation-*` response headers; each part null when its header was unreadable.
 */
export interface InlineModeration extends IDataObject {
	model: string | null;
	flagged: boolean | null;
	/** USD, as the `-cost-usd` header gives it. */
	cost: number | null;
}
