import type { INode } from 'n8n-workflow';
import type { CompletionResponse } from '../../../nodes/NanoGpt/transport/completionApi';
import { RunStopped } from '../../../nodes/NanoGpt/run/stopReasons';
import { billedTotal } from '../../../nodes/NanoGpt/output/billedTotal';
import { toInvalidJsonError } from '../../../nodes/NanoGpt/run/itemFailure';
import { InvalidJsonFailure, JsonSends, type JsonCompletionOutcome, type JsonCompletionSettings } from '../../../nodes/NanoGpt/run/jsonCompletion';
import { CompletionFailure } from '../../../nodes/NanoGpt/transport/completionFailure';
import type { CompletionOutcome } from '../../../nodes/NanoGpt/transport/requestCompletion';

// Output Content as JSON, one item: when the request is sent again, what the item's error and
// billing say, and the message a user reads. The sends are answered from a script here; the node
// suites run the same through n8n's engine and the emulator. Expected values are written out by hand.

/** The script's settings: the item's JSON settings, and what the pipeline does around each send. */
interface ScriptSettings extends JsonCompletionSettings {
	onBilled(response: CompletionResponse): void;
	beforeResend(): Promise<void>;
}

/** JsonSends driven the way the pipeline drives it (itemPipeline.ts, completeItem): send, count, parse; wait before a resend. */
async function sendUntilJson(sendOnce: () => Promise<CompletionOutcome>, settings: ScriptSettings): Promise<JsonCompletionOutcome> {
	const sends = new JsonSends(settings);
	for (;;) {
		if (sends.sentBefore) await settings.beforeResend().catch((error: unknown) => sends.refusedResend(error));
		const outcome = await sendOnce().catch((error: unknown) => sends.failedSend(error));
		settings.onBilled(outcome.response);
		const answer = sends.parse(outcome);
		if (answer) return answer;
	}
}

const answer = (text: string, finish = 'stop', extra: Partial<CompletionResponse> = {}): CompletionResponse => ({
	id: `id-${text}`,
	choices: [{ text, index: 0, finish_reason: finish }],
	usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
	x_nanogpt_pricing: { amount: 0.5, currency: 'USD' },
	...extra,
});

function script(outcomes: Array<CompletionOutcome | Error>) {
	const sent: number[] = [];
	const billed: CompletionResponse[] = [];
	let resends = 0;
	const sendOnce = async () => {
		const next = outcomes[sent.length];
		sent.push(sent.length);
		if (next instanceof Error) throw next;
		return next;
	};
	const settings = (overrides: Partial<ScriptSettings> = {}): ScriptSettings => ({
		jsonOutput: true,
		jsonRetries: 2,
		forwardsText: false,
		onBilled: (response) => billed.push(response),
		beforeResend: async () => {
			resends++;
		},
		...overrides,
	});
	return { sendOnce, settings, sent, billed, resends: () => resends };
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => {
			throw new Error('completed');
		},
		(error: unknown) => error,
	);
}

describe('sending again while the text holds no JSON', () => {
	it('returns the first outcome as it is with JSON off', async () => {
		const run = script([{ response: answer('no json'), attempts: 2, moderation: { model: 'x', flagged: false, cost: 0.1 } }]);
		await expect(sendUntilJson(run.sendOnce, run.settings({ jsonOutput: false }))).resolves.toEqual({
			response: answer('no json'),
			attempts: 2,
			moderation: { model: 'x', flagged: false, cost: 0.1 },
		});
		expect(run.resends()).toBe(0);
		expect(run.billed).toHaveLength(1);
	});

	it('sends again until the text holds JSON, adding up attempts and billing', async () => {
		const run = script([
			{ response: answer('nope'), attempts: 2 },
			{ response: answer('{"a": 1}'), attempts: 1 },
		]);
		const outcome = await sendUntilJson(run.sendOnce, run.settings());
		expect(outcome).toEqual({
			response: { ...answer('{"a": 1}'), usage: { prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 }, x_nanogpt_pricing: { amount: 1, currency: 'USD' } },
			attempts: 3,
			json: { data: { a: 1 } },
		});
		expect(outcome).not.toHaveProperty('moderation');
		expect(run.resends()).toBe(1);
		expect(run.billed.map((response) => response.id)).toEqual(['id-nope', 'id-{"a": 1}']);
	});

	it('stops after Retries on Invalid JSON more sends', async () => {
		const run = script([
			{ response: answer('a'), attempts: 1 },
			{ response: answer('b'), attempts: 1 },
			{ response: answer('c'), attempts: 1 },
			{ response: answer('{}'), attempts: 1 },
		]);
		const failure = (await failureOf(sendUntilJson(run.sendOnce, run.settings({ jsonRetries: 2 })))) as InvalidJsonFailure;
		expect(failure).toBeInstanceOf(InvalidJsonFailure);
		expect({ text: failure.text, reason: failure.reason, attempts: failure.attempts, jsonRetries: failure.jsonRetries, message: failure.message, name: failure.name }).toEqual({
			text: 'c',
			reason: 'retries used',
			attempts: 3,
			jsonRetries: 2,
			message: 'The completion holds no valid JSON',
			name: 'InvalidJsonFailure',
		});
		expect(failure.billed.usage).toEqual({ prompt_tokens: 3, completion_tokens: 6, total_tokens: 9 });
		expect(run.sent).toHaveLength(3);
	});

	it('never sends again a text Max Tokens cut off, nor one that already streamed', async () => {
		const cut = script([{ response: answer('{"a":', 'length'), attempts: 1 }]);
		expect(((await failureOf(sendUntilJson(cut.sendOnce, cut.settings()))) as InvalidJsonFailure).reason).toBe('length');
		const streamed = script([{ response: answer('text'), attempts: 1 }]);
		expect(((await failureOf(sendUntilJson(streamed.sendOnce, streamed.settings({ forwardsText: true })))) as InvalidJsonFailure).reason).toBe('streamed');
		const empty = script([
			{ response: answer(''), attempts: 1 },
			{ response: answer('[1]'), attempts: 1 },
		]);
		await expect(sendUntilJson(empty.sendOnce, empty.settings({ forwardsText: true }))).resolves.toMatchObject({ attempts: 2, json: { data: [1] } });
	});

	it('a failed resend counts the earlier attempts, what they billed and their moderation', async () => {
		const failed = new CompletionFailure({ apiMessage: 'busy', retryable: true, moderation: { model: 'm2', flagged: true, cost: 0.2 } });
		failed.attempts = 4;
		const run = script([{ response: answer('no'), attempts: 2, moderation: { model: 'm1', flagged: false, cost: 0.1 } }, failed]);
		const failure = (await failureOf(sendUntilJson(run.sendOnce, run.settings()))) as CompletionFailure;
		expect(failure).toBe(failed);
		expect(failure.attempts).toBe(6);
		expect(failure.billed).toEqual(answer('no'));
		expect(failure.details.moderation).toEqual({ model: 'm2', flagged: true, cost: 0.30000000000000004 });
	});

	it('a first send that fails carries nothing billed', async () => {
		const failed = new CompletionFailure({ apiMessage: 'busy', retryable: true });
		const run = script([failed]);
		const failure = (await failureOf(sendUntilJson(run.sendOnce, run.settings()))) as CompletionFailure;
		expect(failure.attempts).toBe(1);
		expect(failure.billed).toBeUndefined();
		expect(failure.details).not.toHaveProperty('moderation');
		const other = new Error('not a completion failure');
		const plain = script([other]);
		await expect(sendUntilJson(plain.sendOnce, plain.settings())).rejects.toBe(other);
	});

	it('a run stopped before the resend: the item reports its attempts and what it billed', async () => {
		const stop = new RunStopped({ message: 'stopped', description: 'd' });
		const run = script([{ response: answer('no'), attempts: 3 }]);
		const failure = (await failureOf(
			sendUntilJson(run.sendOnce, run.settings({ beforeResend: () => Promise.reject(stop) })),
		)) as RunStopped;
		expect(failure).toBe(stop);
		expect(failure.attempts).toBe(3);
		expect(failure.billed).toEqual(answer('no'));
		const cancelled = new Error('cancelled');
		const other = script([{ response: answer('no'), attempts: 1 }]);
		const thrown = (await failureOf(sendUntilJson(other.sendOnce, other.settings({ beforeResend: () => Promise.reject(cancelled) })))) as Error & { attempts?: number };
		expect(thrown).toBe(cancelled);
		expect(thrown.attempts).toBeUndefined();
	});
});

describe('the error of an item without valid JSON', () => {
	const node = { id: '1', name: 'NanoGPT', type: 'n8n-nodes-nanogpt.nanoGpt', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
	const failure = (text: string, reason: 'length' | 'streamed' | 'retries used', jsonRetries = 1) =>
		new InvalidJsonFailure(text, reason, 2, jsonRetries, answer(text), { model: 'm', flagged: false, cost: 0.1 });

	it('quotes the text, says why it was not sent again, with attempts, billing and moderation', () => {
		const error = toInvalidJsonError(node, failure('Sure! key sk-1 here', 'retries used'), 4, 'sk-1');
		expect(error.message).toBe('No valid JSON in the completion of item 4 (Options > Output Content as JSON). The text: "Sure! key [redacted API key] here"');
		expect(error.description).toBe(
			'Sent 2 times (Options > Retries on Invalid JSON: 1), each completion billed. Ask for JSON only, for example "Answer with a JSON object and nothing else". Attempts: 2.',
		);
		expect(error.context).toMatchObject({
			itemIndex: 4,
			attempts: 2,
			completionText: 'Sure! key [redacted API key] here',
			usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
			cost: { amount: 0.5, currency: 'USD' },
			moderation: { model: 'm', flagged: false, cost: 0.1 },
		});
	});

	it('says one time for no retries, and why for a cut-off or streamed text', () => {
		expect(toInvalidJsonError(node, failure('x', 'retries used', 0), 0, 'k').description).toBe(
			'Sent 1 time (Options > Retries on Invalid JSON: 0), each completion billed. Ask for JSON only, for example "Answer with a JSON object and nothing else". Attempts: 2.',
		);
		const cut = toInvalidJsonError(node, failure('{"a', 'length'), 0, 'k');
		expect(cut.message).toBe('No valid JSON in the completion of item 0 (Options > Output Content as JSON): Max Tokens cut the text off (finish reason "length"). The text: "{"a"');
		expect(cut.description).toBe('Not sent again: the same Max Tokens would cut the text off again. Raise Options > Max Tokens or ask for a shorter answer. Attempts: 2.');
		expect(toInvalidJsonError(node, failure('x', 'streamed'), 0, 'k').description).toBe('Not sent again: the text had already streamed to the caller. Attempts: 2.');
	});

	it('quotes the first 200 characters of a long text, counting characters rather than UTF-16 units', () => {
		const text = `${'é'.repeat(199)}👋👋`;
		const error = toInvalidJsonError(node, failure(text, 'streamed'), 0, 'k');
		expect(error.message).toBe(`No valid JSON in the completion of item 0 (Options > Output Content as JSON). The text begins (first 200 characters): "${'é'.repeat(199)}👋…"`);
		expect(error.context.completionText).toBe(text);
		const exact = toInvalidJsonError(node, failure('a'.repeat(200), 'streamed'), 0, 'k');
		expect(exact.message).toBe(`No valid JSON in the completion of item 0 (Options > Output Content as JSON). The text: "${'a'.repeat(200)}"`);
	});
});

describe('billedTotal, the parts its main suite leaves', () => {
	it('adds up usage details some responses had, and keeps billing details all responses share', () => {
		const first = answer('a', 'stop', {
			usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, prompt_tokens_details: { cached_tokens: 4 }, reasoning_tokens: 1 },
			x_nanogpt_pricing: { amount: 0.5, currency: 'USD', cacheCost: 0.1, paymentSource: 'balance', billedToTeam: false, billedTeamId: 7 },
		});
		const second = answer('b', 'stop', {
			usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, reasoning_tokens: 2 },
			x_nanogpt_pricing: { amount: 0.25, currency: 'USD', paymentSource: 'balance', billedToTeam: false, billedTeamId: 8 },
		});
		expect(billedTotal([first, second])).toEqual({
			id: 'id-b',
			choices: [{ text: 'b', index: 0, finish_reason: 'stop' }],
			usage: { prompt_tokens: 2, completion_tokens: 4, total_tokens: 6, prompt_tokens_details: { cached_tokens: null }, reasoning_tokens: 3 },
			x_nanogpt_pricing: { amount: 0.75, currency: 'USD', cacheCost: null, paymentSource: 'balance', billedToTeam: false },
		});
	});

	it('keeps cost as the cost field gives it, and the currency when every response has none', () => {
		expect(billedTotal([answer('a', 'stop', { x_nanogpt_pricing: { cost: 0.5 } }), answer('b', 'stop', { x_nanogpt_pricing: { cost: 0.25 } })]).x_nanogpt_pricing).toEqual({
			amount: 0.75,
			currency: 'USD',
		});
		expect(billedTotal([answer('a', 'stop', { x_nanogpt_pricing: { amount: 1 } }), answer('b', 'stop', { x_nanogpt_pricing: { amount: 2 } })]).x_nanogpt_pricing).toEqual({
			amount: 3,
			currency: null,
		});
		expect(billedTotal([answer('a', 'stop', { x_nanogpt_pricing: undefined }), answer('b')]).x_nanogpt_pricing).toEqual({ amount: null, currency: 'USD' });
	});
});
