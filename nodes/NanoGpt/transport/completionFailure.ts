import type { IDataObject } from 'n8n-workflow';
import type { CompletionResponse, InlineModeration } from './completionApi';

/** What went wrong with one attempt or one item, as plain data (never the request, so never the key). */
export interface FailureDetails {
	/** HTTP status, when NanoGPT answered. */
	status?: number;
	/** NanoGPT's own message, or a description of the network failure. */
	apiMessage: string;
	/**
	 * apiMessage without its quote of NanoGPT's answer (a body or stream event that is not JSON,
	 * which can hold completion text), for an error that stops the run: n8n logs that one.
	 */
	unquotedApiMessage?: string;
	/** NanoGPT's error code or type, or the network error code. */
	code?: string;
	requestId?: string;
	retryable: boolean;
	/** From Retry-After, when the answer carried one. */
	retryAfterMs?: number;
	/** Text streamed before the failure. */
	partialText?: string;
	/** The error body as NanoGPT sent it (parsed JSON, or the first part of the text). */
	body?: IDataObject | string;
	/** What inline moderation reported (a refused prompt is still charged for the check). */
	moderation?: InlineModeration;
	/** What the failure means for the item's parameters: the one it concerns, when there is one, and what to do. */
	explanation?: { parameter?: string; hint: string };
}

export class CompletionFailure extends Error {
	attempts = 1;
	/** Usage and cost of the item's earlier completions (Output Content as JSON sends again), all billed. */
	billed?: CompletionResponse;

	constructor(readonly details: FailureDetails) {
		super(details.apiMessage);
		this.name = 'CompletionFailure';
	}
}

const MAX_BODY_EXCERPT = 500;

function stripHtml(html: string): string {
	const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1]?.trim();
	const heading = /<h1[^>]*>([^<]*)<\/h1>/i.exec(html)?.[1]?.trim();
	const text = title || heading || html.replace(/<[^>]+>/g, ' ');
	return text.replace(/\s+/g, ' ').trim();
}

/** Reads NanoGPT's message and code from any of its error shapes. Pure. */
export function parseErrorBody(raw: unknown, contentType = ''): Pick<FailureDetails, 'apiMessage' | 'code' | 'body'> {
	let body: unknown = raw;
	if (typeof raw === 'string') {
		const text = raw.trim();
		try {
			body = JSON.parse(text);
		} catch {
			const isHtml = /html/i.test(contentType) || /^<(!doctype|html)/i.test(text);
			const message = isHtml ? stripHtml(text) : text;
			return {
				apiMessage: message.slice(0, MAX_BODY_EXCERPT) || 'no message in the response',
				body: text.slice(0, MAX_BODY_EXCERPT),
			};
		}
	}
	if (typeof body !== 'object' || body === null) {
		return { apiMessage: String(body).slice(0, MAX_BODY_EXCERPT) };
	}
	const data = body as IDataObject;
	const nested = typeof data.error === 'object' && data.error !== null ? (data.error as IDataObject) : undefined;
	const message =
		(typeof nested?.message === 'string' && nested.message) ||
		(typeof data.message === 'string' && data.message) ||
		(typeof data.error === 'string' && data.error) ||
		(typeof data.detail === 'string' && data.detail) ||
		'no message in the response';
	const code = nested?.code ?? nested?.type ?? data.code ?? (typeof data.type === 'string' ? data.type : undefined);
	const details: string[] = [];
	if (typeof data.requiredBalance === 'number') details.push(`required balance ${data.requiredBalance}`);
	return {
		apiMessage: details.length ? `${message} (${details.join(', ')})` : message,
		code: typeof code === 'string' ? code : undefined,
		body: data,
	};
}
