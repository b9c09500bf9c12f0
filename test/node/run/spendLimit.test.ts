/**
 * Request Options > Max Spend per Run, in n8n-core's real WorkflowExecute against the emulator
 * (which bills every completion a fixed cost here): the run stops sending once the reported cost
 * reaches the limit, the rows not sent fail with the limit's message in all three On Error modes,
 * a shared answer is paid once, JSON resends each time, and the summary line gives the spend.
 */
import type { IDataObject } from 'n8n-workflow';
import { MODERATION_USD, completionTextFor } from '../../support/emulator';
import { emulatorForFile } from '../../support/emulatorForFile';
import type { NodeSettings } from '../../support/harness';
import { captureN8nLogs, type LoggedEntry } from '../../support/logCapture';
import { MODEL, completeParameters, prompts, runCompletion } from '../nodeRun';

jest.setTimeout(30_000);

const emulator = emulatorForFile();

const completions = () => emulator.requests.filter((request) => request.path.endsWith('/v1/completions'));
const FAST = { maxRetries: 0, requestsPerSecond: 0, timeout: 5_000, streamIdleTimeout: 1 };
const ERROR_OUTPUT: NodeSettings = { onError: 'continueErrorOutput' };
const REACHED = 'Max Spend per Run reached: 0.0100 USD spent of the 0.01 USD limit.';
const NOT_SENT = /^Not sent to NanoGPT\. The run stopped sending when the cost NanoGPT reported for it reached Request Options > Max Spend per Run\./;

async function withLogs<T>(run: () => Promise<T>): Promise<{ result: T; logs: LoggedEntry[] }> {
	const logs: LoggedEntry[] = [];
	const capture = captureN8nLogs(logs);
	try {
		return { result: await run(), logs };
	} finally {
		capture.restore();
	}
}
const summaryOf = (logs: LoggedEntry[]) => String(logs.find((entry) => String(entry.message).startsWith('NanoGPT run finished: '))?.message);

describe('Max Spend per Run', () => {
	it('0.01 USD at 0.001 USD a completion, 100 rows, Auto concurrency: 10 requests, the other 90 rows on the error output', async () => {
		emulator.setCompletionCost(0.001);
		emulator.setLatency(20);
		const rows = prompts(100);
		const { result, logs } = await withLogs(
			async () =>
				await runCompletion({
					emulator,
					items: rows,
					parameters: completeParameters({ requestOptions: { ...FAST, maxSpendPerRun: 0.01 } }),
					nodeSettings: ERROR_OUTPUT,
				}),
		);
		const { outputs, error } = result;
		expect(error).toBeUndefined();
		expect(completions()).toHaveLength(10);
		const [answered, failed] = outputs;
		expect(answered).toHaveLength(10);
		for (const item of answered) {
			const index = (item.pairedItem as { item: number }).item;
			expect(item.json.text).toBe(completionTextFor({ model: MODEL, prompt: rows[index].prompt }).text);
			expect(item.json.cost).toMatchObject({ amount: 0.001, currency: 'USD' });
		}
		expect(failed).toHaveLength(90);
		const paired = [...answered, ...failed].map((item) => (item.pairedItem as { item: number }).item).sort((a, b) => a - b);
		expect(paired).toEqual(rows.map((_, index) => index));
		for (const item of failed) {
			const details = item.json.error as IDataObject;
			expect(details.message).toBe(REACHED);
			expect(details.description).toMatch(NOT_SENT);
		}
		expect(summaryOf(logs)).toMatch(/; 10 requests sent \(0 retries\), .*; reported cost 0\.01 USD; Max Spend per Run: 0\.0100 USD spent of the 0\.01 USD limit$/);
	});

	it('Continue (regular output): the rows not sent are error items in their place, the answered rows kept', async () => {
		emulator.setCompletionCost(0.001);
		const rows = prompts(8);
		const { items, error } = await runCompletion({
			emulator,
			items: rows,
			parameters: completeParameters({ requestOptions: { ...FAST, concurrency: 1, maxSpendPerRun: 0.003 } }),
			nodeSettings: { onError: 'continueRegularOutput' },
		});
		expect(error).toBeUndefined();
		expect(completions()).toHaveLength(3);
		expect(items.map((item) => item.pairedItem)).toEqual(rows.map((_, item) => ({ item })));
		for (const index of [0, 1, 2]) expect(items[index].json.text).toBe(completionTextFor({ model: MODEL, prompt: rows[index].prompt }).text);
		for (const index of [3, 4, 5, 6, 7]) {
			expect(items[index].json.error).toBe('Max Spend per Run reached: 0.0030 USD spent of the 0.003 USD limit.');
			expect(items[index].json.description).toMatch(NOT_SENT);
		}
	});

	it('Continue off with Retry On Fail: the run fails with the limit\'s message, and n8n\'s re-runs send nothing more', async () => {
		emulator.setCompletionCost(0.001);
		const { error, items } = await runCompletion({
			emulator,
			items: prompts(12),
			parameters: completeParameters({ requestOptions: { ...FAST, concurrency: 2, maxSpendPerRun: 0.005 } }),
			nodeSettings: { retryOnFail: true, maxTries: 3, waitBetweenTries: 1 },
		});
		expect(items).toHaveLength(0);
		expect(error?.message).toBe('Max Spend per Run reached: 0.0050 USD spent of the 0.005 USD limit.');
		expect(error?.description).toMatch(NOT_SENT);
		expect(completions()).toHaveLength(5);
	});

	it('Retry On Fail: the tries of one node run share the budget, so a re-run after another failure does not start afresh', async () => {
		emulator.setCompletionCost(0.001);
		const rows = prompts(12);
		rows[3] = { prompt: '[[fault:500x1]] Row 3' };
		const { error } = await runCompletion({
			emulator,
			items: rows,
			parameters: completeParameters({ requestOptions: { ...FAST, concurrency: 1, maxSpendPerRun: 0.005 } }),
			nodeSettings: { retryOnFail: true, maxTries: 3, waitBetweenTries: 1 },
		});
		// Try 1: rows 0 to 2 answered (0.003 USD), row 3 fails with the 500. Try 2: rows 3 and 4 reach 0.005 USD.
		expect(completions().map((request) => (request.body as { prompt: string }).prompt)).toEqual([
			...[0, 1, 2, 3].map((index) => rows[index].prompt),
			rows[3].prompt,
			rows[4].prompt,
		]);
		expect(error?.message).toBe('Max Spend per Run reached: 0.0050 USD spent of the 0.005 USD limit.');
	});

	it('a budget left below the mean cost stops the run before the request it would not pay for', async () => {
		emulator.setCompletionCost(0.001);
		const { items } = await runCompletion({
			emulator,
			items: prompts(6),
			parameters: completeParameters({ requestOptions: { ...FAST, maxSpendPerRun: 0.0025 } }),
			continueOnFail: true,
		});
		expect(completions()).toHaveLength(2);
		expect(items.slice(2).map((item) => item.json.error)).toEqual(
			Array.from({ length: 4 }, () => 'Max Spend per Run reached: 0.0020 USD spent of the 0.0025 USD limit; the 0.0005 USD left would not pay for another completion (0.0010 USD each so far).'),
		);
	});

	it('Reuse Identical Requests: a shared answer is paid once, so 30 rows of 3 prompts fit a 0.003 USD limit', async () => {
		emulator.setCompletionCost(0.001);
		const rows = Array.from({ length: 40 }, (_, index) => ({ prompt: `Category ${index % 4}` }));
		const { items } = await runCompletion({
			emulator,
			items: rows,
			parameters: completeParameters({ requestOptions: { ...FAST, concurrency: 1, reuseIdenticalRequests: true, maxSpendPerRun: 0.003 } }),
			continueOnFail: true,
		});
		expect(completions().map((request) => (request.body as { prompt: string }).prompt)).toEqual(['Category 0', 'Category 1', 'Category 2']);
		rows.forEach((row, index) => {
			if (row.prompt === 'Category 3') expect(items[index].json.error).toBe('Max Spend per Run reached: 0.0030 USD spent of the 0.003 USD limit.');
			else expect(items[index].json.text).toBe(completionTextFor({ model: MODEL, prompt: row.prompt }).text);
		});
	});

	it('Output Content as JSON: each resend is paid, and a row waiting to resend is not sent again once the limit is reached', async () => {
		emulator.setCompletionCost(0.001);
		const rows = prompts(5, '[[json:invalid-once]] Row');
		const { items } = await runCompletion({
			emulator,
			items: rows,
			parameters: completeParameters({
				options: { jsonOutput: true, jsonRetries: 1 },
				requestOptions: { ...FAST, concurrency: 1, maxSpendPerRun: 0.004 },
			}),
			continueOnFail: true,
		});
		// Two completions a row: rows 0 and 1 spend the 0.004 USD.
		expect(completions()).toHaveLength(4);
		expect(items[0].json).toMatchObject({ attempts: 2, cost: { amount: 0.002 } });
		expect(items[1].json).toMatchObject({ attempts: 2, cost: { amount: 0.002 } });
		for (const index of [2, 3, 4]) expect(items[index].json.error).toBe('Max Spend per Run reached: 0.0040 USD spent of the 0.004 USD limit.');
	});

	it('counts moderation checks, a refused prompt\'s included, and the summary line gives the spend against the limit', async () => {
		emulator.setCompletionCost(0.001);
		const { result, logs } = await withLogs(
			async () =>
				await runCompletion({
					emulator,
					items: [{ prompt: 'fine' }, { prompt: 'bad [[moderation:flag]]' }],
					parameters: completeParameters({
						routingBillingSafety: { moderation: 'on' },
						requestOptions: { ...FAST, concurrency: 1, maxSpendPerRun: 1 },
					}),
					continueOnFail: true,
				}),
		);
		expect(result.items[1].json.moderation).toMatchObject({ flagged: true, cost: MODERATION_USD });
		const spent = (0.001 + 2 * MODERATION_USD).toFixed(6);
		expect(summaryOf(logs)).toMatch(new RegExp(`; Max Spend per Run: ${spent.replace('.', '\\.')} USD spent of the 1 USD limit$`));
	});

	it('when NanoGPT reports no cost the limit cannot act: every row is sent, and the summary and a warning say so', async () => {
		emulator.setCompletionCost(null);
		emulator.setLatency(100);
		const { result, logs } = await withLogs(
			async () =>
				await runCompletion({
					emulator,
					items: prompts(20),
					parameters: completeParameters({ requestOptions: { ...FAST, maxSpendPerRun: 0.0001 } }),
				}),
		);
		expect(result.error).toBeUndefined();
		expect(completions()).toHaveLength(20);
		// After the first answer (no cost) the rows are no longer sent one at a time.
		expect(emulator.stats.maxInFlight).toBeGreaterThan(1);
		const notice = 'Max Spend per Run 0.0001 USD could not act: NanoGPT reported no cost in USD for the 20 completions';
		expect(summaryOf(logs)).toMatch(new RegExp(`; no cost reported; ${notice}$`));
		expect(logs.filter((entry) => entry.level === 'warn').map((entry) => entry.message)).toContain(notice);
	});

	it('a negative limit fails naming the parameter and the item, before any request', async () => {
		const { error } = await runCompletion({
			emulator,
			items: prompts(3),
			parameters: completeParameters({ requestOptions: { maxSpendPerRun: -0.5 } }),
		});
		expect(error?.message).toBe('Invalid value for "Request Options > Max Spend per Run" in item 0: must be at least 0, got -0.5');
		expect(completions()).toHaveLength(0);
	});
});
