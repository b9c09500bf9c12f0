import type { IDataObject } from 'n8n-workflow';
import type { ServerSentEvent } from './sseParser';
import type { CompletionResponse } from './completionApi';

/** Why a stream could not be turned into a completion. */
export class StreamFailure extends Error {
	constructor(
		message: string,
		readonly partialText: string,
		readonly details: IDataObject = {},
	) {
		super(message);
		this.name = 'StreamFailure';
	}
}

function parseObject(text: string): IDataObject | undefined {
	try {
		const value: unknown = JSON.parse(text);
		return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as IDataObject) : undefined;
	} catch {
		return undefined;
	}
}

/** Folds streamed completion chunks into the same shape as a non-streaming response. Pure. */
export class StreamedCompletion {
	private text = '';
	private id: string | undefined;
	private model: string | undefined;
	private created: number | undefined;
	private finishReason: string | null = null;
	private usage: CompletionResponse['usage'] = undefined;
	private pricing: CompletionResponse['x_nanogpt_pricing'] = undefined;
	private logprobs: IDataObject | null = null;
	private sawFinish = false;
	private sawDone = false;

	get partialText(): string {
		return this.text;
	}

	get isComplete(): boolean {
		return this.sawDone || this.sawFinish;
	}

	/** Applies one event; returns the text it added (empty when none). */
	apply(event: ServerSentEvent): string {
		if (this.sawDone) return '';
		if (event.data.trim() === '[DONE]') {
			this.sawDone = true;
			return '';
		}
		const chunk = parseObject(event.data);
		if (chunk === undefined) {
			throw new StreamFailure(
				`NanoGPT sent a stream event that is not a JSON object: ${event.data.slice(0, 200)}`,
				this.text,
				{ unquotedMessage: 'NanoGPT sent a stream event that is not a JSON object' },
			);
		}
		const choices = Array.isArray(chunk.choices) ? (chunk.choices as IDataObject[]) : [];
		const choice = choices.find((candidate) => (candidate.index ?? 0) === 0);
		if (chunk.error !== undefined || choice?.finish_reason === 'error') {
			const error = (typeof chunk.error === 'object' && chunk.error !== null ? chunk.error : {}) as IDataObject;
			const message =
				typeof error.message === 'string'
					? error.message
					: typeof chunk.error === 'string'
						? chunk.error
						: 'the provider reported an error';
			throw new StreamFailure(`NanoGPT stream failed: ${message}`, this.text, {
				status: error.status as number,
				code: error.code as string,
			});
		}
		if (typeof chunk.id === 'string') this.id ??= chunk.id;
		if (typeof chunk.model === 'string') this.model ??= chunk.model;
		if (typeof chunk.created === 'number') this.created ??= chunk.created;
		if (chunk.usage && typeof chunk.usage === 'object') this.usage = chunk.usage as CompletionResponse['usage'];
		if (chunk.x_nanogpt_pricing && typeof chunk.x_nanogpt_pricing === 'object') {
			this.pricing = chunk.x_nanogpt_pricing as CompletionResponse['x_nanogpt_pricing'];
		}
		if (!choice) return '';
		const added = typeof choice.text === 'string' ? choice.text : '';
		this.text += added;
		if (choice.logprobs && typeof choice.logprobs === 'object') this.mergeLogprobs(choice.logprobs as IDataObject);
		if (typeof choice.finish_reason === 'string') {
			this.finishReason = choice.finish_reason;
			this.sawFinish = true;
		}
		return added;
	}

	/** The assembled response; throws when the stream ended before it finished. */
	toResponse(): CompletionResponse {
		if (!this.isComplete) {
			throw new StreamFailure(
				'NanoGPT closed the stream before the completion finished (no finish reason and no [DONE])',
				this.text,
			);
		}
		const response: CompletionResponse = {
			id: this.id,
			object: 'text_completion',
			created: this.created,
			model: this.model,
			choices: [{ text: this.text, index: 0, logprobs: this.logprobs, finish_reason: this.finishReason }],
		};
		if (this.usage) response.usage = this.usage;
		if (this.pricing) response.x_nanogpt_pricing = this.pricing;
		return response;
	}

	private mergeLogprobs(next: IDataObject) {
		const merged = (this.logprobs ??= {});
		for (const [key, value] of Object.entries(next)) {
			const existing = merged[key];
			merged[key] = Array.isArray(existing) && Array.isArray(value) ? [...existing, ...value] : value;
		}
	}
}
