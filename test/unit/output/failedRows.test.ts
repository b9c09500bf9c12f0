import { ExecutionMemo, answerKey, executionMemoOf } from '../../../nodes/NanoGpt/run/executionMemo';
import { FlowControl } from '../../../nodes/NanoGpt/run/flowControl';
import { RunStopped, type RunStopReason } from '../../../nodes/NanoGpt/run/stopReasons';
import { stopReasonFor } from '../../../nodes/NanoGpt/run/stopReasons';
import { toErrorJson } from '../../../nodes/NanoGpt/output/toOutputItem';
import { keyExhaustionOf, nextUtcMidnight } from '../../../nodes/NanoGpt/transport/keyExhaustion';
import type { IExecuteFunctions } from 'n8n-workflow';

const REASON: RunStopReason = { message: 'The daily cap is reached', description: 'Run it again tomorrow.', code: 'daily_rpd_limit_exceeded' };
/** 2026-12-02 18:47:30 UTC. */
const NOW = Date.UTC(2026, 11, 2, 18, 47, 30);

describe('FlowControl: stopping the run', () => {
	it('starts no entry after the stop and returns those it never started; the started ones finish', async () => {
		const flow = new FlowControl({ concurrency: 2, requestsPerSecond: 0 }, 6);
		const finished: number[] = [];
		let release: () => void = () => {};
		const third = new Promise<void>((resolve) => (release = resolve));
		const neverStarted = await flow.runAll(
			[0, 1, 2, 3, 4, 5],
			async (entry) => {
				if (entry === 1) flow.stop(REASON);
				if (entry === 0) await third;
				finished.push(entry);
				if (entry === 1) release();
			},
			{ shouldStop: () => false },
		);
		expect(finished.sort()).toEqual([0, 1]);
		expect(neverStarted).toEqual([2, 3, 4, 5]);
		expect(flow.stopped).toBe(REASON);
	});

	it('ends a retry\'s wait at once with RunStopped, and refuses later retries at once too', async () => {
		const flow = new FlowControl({ concurrency: 0, requestsPerSecond: 0 }, 1);
		const waiting = flow.beforeRetry(undefined, 60_000);
		flow.stop(REASON);
		await expect(waiting).rejects.toBeInstanceOf(RunStopped);
		await expect(flow.beforeRetry()).rejects.toMatchObject({ reason: REASON, message: REASON.message });
	});

	it('a cancel wins over a stop: the wait rejects with the signal\'s reason', async () => {
		const flow = new FlowControl({ concurrency: 0, requestsPerSecond: 0 }, 1);
		const cancel = new AbortController();
		const waiting = flow.beforeRetry(cancel.signal, 60_000);
		cancel.abort(new Error('cancelled'));
		flow.stop(REASON);
		await expect(waiting).rejects.toThrow('cancelled');
	});

	it('keeps the first reason', () => {
		const flow = new FlowControl({ concurrency: 0, requestsPerSecond: 0 }, 1);
		flow.stop(REASON);
		flow.stop({ message: 'later', description: '' });
		expect(flow.stopped).toBe(REASON);
	});
});

describe('keyExhaustionOf: the answers that stop the run', () => {
	it('a daily cap resets at its Retry-After, or at the next 00:00 UTC without one', () => {
		const capped = { status: 429, apiMessage: 'Daily request limit exceeded (1000/1000).', code: 'daily_rpd_limit_exceeded', retryable: true };
		expect(keyExhaustionOf({ ...capped, retryAfterMs: 18_750_000 }, NOW)).toEqual({
			kind: 'dailyCap',
			cap: 'daily request limit',
			code: 'daily_rpd_limit_exceeded',
			resetsAt: NOW + 18_750_000,
		});
		expect(keyExhaustionOf({ ...capped, code: 'daily_usd_limit_exceeded' }, NOW)).toMatchObject({
			cap: 'daily USD limit',
			resetsAt: Date.UTC(2026, 11, 3),
		});
		expect(nextUtcMidnight(Date.UTC(2026, 11, 3))).toBe(Date.UTC(2026, 11, 4));
	});

	it('a 429 without a daily-cap code, however long its Retry-After, does not', () => {
		expect(keyExhaustionOf({ status: 429, apiMessage: 'Rate limit exceeded', code: 'rate_limited', retryAfterMs: 3_600_000, retryable: true }, NOW)).toBeUndefined();
		expect(keyExhaustionOf({ status: 400, apiMessage: 'x', code: 'daily_rpd_limit_exceeded', retryable: false }, NOW)).toBeUndefined();
	});

	it('every 402 does, naming the feature that needs a balance', () => {
		const payment = (code?: string) => keyExhaustionOf({ status: 402, apiMessage: 'Insufficient balance', code, retryable: false }, NOW);
		expect(payment()).toEqual({ kind: 'balance' });
		expect(payment('webSearch_balance_required')).toEqual({ kind: 'balance', need: 'web search' });
		expect(payment('memory_balance_required')).toEqual({ kind: 'balance', need: 'memory' });
		expect(payment('both_balance_required')).toEqual({ kind: 'balance', need: 'web search and memory' });
		expect(payment('insufficient_quota')).toEqual({ kind: 'balance' });
	});
});

describe('stopReasonFor: the one message of every row a stop leaves unanswered', () => {
	it('a daily cap: the cap, when it resets (UTC, and how long from now), NanoGPT\'s message and code', () => {
		const failure = { status: 429, apiMessage: 'Daily USD limit exceeded ($5.00/$5.00). Resets at midnight UTC.', code: 'daily_usd_limit_exceeded', retryable: true };
		const exhaustion = keyExhaustionOf({ ...failure, retryAfterMs: 18_750_000 }, NOW);
		expect(stopReasonFor(exhaustion!, failure, 12, NOW)).toEqual({
			message:
				'NanoGPT\'s daily USD limit for this API key is reached: no further requests until it resets at 2026-12-03 00:00 UTC (in 5 h 12 min). NanoGPT said: "Daily USD limit exceeded ($5.00/$5.00). Resets at midnight UTC." (code daily_usd_limit_exceeded)',
			description: 'The run stopped sending when NanoGPT refused item 12 for this cap. Run the rows that failed this way again after 2026-12-03 00:00 UTC.',
			code: 'daily_usd_limit_exceeded',
		});
	});

	it('a 402: what to top up', () => {
		const failure = { status: 402, apiMessage: 'Web search requires a positive balance', code: 'webSearch_balance_required', retryable: false };
		expect(stopReasonFor(keyExhaustionOf(failure, NOW)!, failure, 0, NOW).message).toBe(
			'NanoGPT returned 402: Web search requires a positive balance (code webSearch_balance_required). Web search needs a prepaid balance: top up your NanoGPT balance or turn off Options > Web Search; this run sends no further requests.',
		);
	});
});

describe('toErrorJson: one failure, two shapes', () => {
	const error = {
		message: 'NanoGPT returned 400: Prompt too long',
		description: 'Request ID: r1. Code: context_length_exceeded. Attempts: 1, last status 400',
		context: { httpCode: '400', code: 'context_length_exceeded', requestId: 'r1', attempts: 1 },
	};

	it('regular output: flat, `error` the message, no code, the row\'s fields with Include Input Fields', () => {
		expect(toErrorJson(error, { includeInputFields: true }, { sku: 'A1' })).toEqual({
			sku: 'A1',
			error: error.message,
			description: error.description,
			httpCode: '400',
			requestId: 'r1',
			attempts: 1,
		});
	});

	it('error output: only `error`, holding the message, the details and NanoGPT\'s code (n8n merges the row in)', () => {
		const expected = { error: { message: error.message, description: error.description, httpCode: '400', code: 'context_length_exceeded', requestId: 'r1', attempts: 1 } };
		expect(toErrorJson(error, { includeInputFields: true }, { sku: 'A1' }, undefined, 'errorOutput')).toEqual(expected);
		expect(toErrorJson(error, undefined, {}, 3, 'errorOutput')).toEqual({ error: { ...expected.error, reusedFrom: 3 } });
	});
});

describe('ExecutionMemo', () => {
	it('gives each try its own copy of an answered row', () => {
		const memo = new ExecutionMemo();
		const item = { json: { text: 'hi', usage: { totalTokens: 3 } }, pairedItem: { item: 0 } };
		memo.rememberAnswer(answerKey(0, 'f'), item);
		const copy = memo.answerOf(answerKey(0, 'f'));
		expect(copy).toEqual(item);
		expect(copy).not.toBe(item);
		(copy!.json.usage as { totalTokens: number }).totalTokens = 99;
		expect(memo.answerOf(answerKey(0, 'f'))?.json.usage).toEqual({ totalTokens: 3 });
		expect(memo.answerOf(answerKey(0, 'changed request'))).toBeUndefined();
		expect(memo.answerOf(answerKey(1, 'f'))).toBeUndefined();
	});

	it('keeps a stop until its reset time, or for the whole execution', () => {
		const capped = new ExecutionMemo();
		capped.rememberStop(REASON, NOW + 1000);
		expect(capped.stopInForce(NOW)).toBe(REASON);
		expect(capped.stopInForce(NOW + 1000)).toBeUndefined();
		const broke = new ExecutionMemo();
		broke.rememberStop(REASON);
		expect(broke.stopInForce(NOW + 365 * 24 * 3_600_000)).toBe(REASON);
	});

	it('is one per execute data object, and none where n8n has no getExecuteData', () => {
		const executeData = {};
		const context = (data: unknown) => ({ getExecuteData: () => data }) as unknown as IExecuteFunctions;
		expect(executionMemoOf(context(executeData))).toBe(executionMemoOf(context(executeData)));
		expect(executionMemoOf(context(executeData))).not.toBe(executionMemoOf(context({})));
		expect(executionMemoOf({} as IExecuteFunctions)).toBeUndefined();
	});
});
