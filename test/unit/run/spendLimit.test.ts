import type { RunStopReason } from '../../../nodes/NanoGpt/run/stopReasons';
import { LEARNING_IN_FLIGHT, SpendLimit, newSpendTally, usd } from '../../../nodes/NanoGpt/run/spendLimit';

function limitOf(limitUsd: number, inFlight = { count: 0 }) {
	const reasons: RunStopReason[] = [];
	const spend = new SpendLimit(limitUsd, () => inFlight.count, (reason) => reasons.push(reason));
	return { spend, reasons, inFlight };
}

describe('SpendLimit', () => {
	it('keeps one request in flight until the first cost is known, then as many as the budget left pays for at the mean cost', () => {
		const { spend } = limitOf(0.01);
		expect(spend.allowedInFlight()).toBe(LEARNING_IN_FLIGHT);
		expect(LEARNING_IN_FLIGHT).toBe(1);
		spend.onCompletion(0.001);
		expect(spend.allowedInFlight()).toBe(9);
		spend.onCompletion(0.003);
		// Mean 0.002, 0.006 left.
		expect(spend.allowedInFlight()).toBe(3);
	});

	it('counts a sum that float arithmetic leaves a hair under the limit as reaching it', () => {
		const { spend, reasons } = limitOf(0.3);
		for (let count = 0; count < 2; count++) spend.onCompletion(0.1);
		// 0.1 + 0.1 left 0.09999999999999998: still one more completion.
		expect(spend.allowedInFlight()).toBe(1);
		spend.onCompletion(0.1);
		expect(reasons.map((reason) => reason.message)).toEqual(['Max Spend per Run reached: 0.3000 USD spent of the 0.3 USD limit.']);
	});

	it('stops as soon as the reported cost reaches the limit, once, and refuses every later start', async () => {
		const { spend, reasons } = limitOf(0.002);
		spend.onCompletion(0.001);
		expect(reasons).toHaveLength(0);
		spend.onCharge(0.001);
		expect(reasons).toHaveLength(1);
		expect(await spend.admit(new AbortController().signal)).toBe(false);
		expect(reasons[1].message).toBe(reasons[0].message);
	});

	it('waits while the budget left is taken by the requests in flight, and admits when one ends', async () => {
		const { spend, inFlight } = limitOf(0.003);
		spend.onCompletion(0.001);
		inFlight.count = 2;
		let admitted: boolean | undefined;
		const admission = spend.admit(new AbortController().signal).then((value) => (admitted = value));
		await new Promise((resolve) => setImmediate(resolve));
		expect(admitted).toBeUndefined();
		inFlight.count = 1;
		spend.onRequestDone();
		await admission;
		expect(admitted).toBe(true);
	});

	it('a wait ends with the signal', async () => {
		const { spend, inFlight } = limitOf(0.001);
		inFlight.count = 1;
		const controller = new AbortController();
		const admission = spend.admit(controller.signal);
		controller.abort(new Error('cancelled'));
		await expect(admission).rejects.toThrow('cancelled');
	});

	it('cannot act when completions come back without a cost: no bound, and it says so', () => {
		const { spend, reasons } = limitOf(0.01);
		spend.onCompletion(undefined);
		expect(spend.blind).toBe(true);
		expect(spend.allowedInFlight()).toBe(Infinity);
		expect(spend.describe()).toBe('Max Spend per Run 0.01 USD could not act: NanoGPT reported no cost in USD for the 1 completion');
		spend.onCompletion(0.004);
		expect(spend.blind).toBe(false);
		expect(spend.describe()).toBe('Max Spend per Run: 0.0040 USD spent of the 0.01 USD limit (1 of 2 completions without a cost in USD, not counted)');
		expect(reasons).toHaveLength(0);
	});

	it('counts a completion and its moderation check together, so the stop names both', () => {
		const { spend, reasons } = limitOf(0.002);
		spend.onCompletion(0.0015, 0.0005);
		expect(reasons.map((reason) => reason.message)).toEqual(['Max Spend per Run reached: 0.0020 USD spent of the 0.002 USD limit.']);
		// The mean is of completions alone.
		expect(spend.meanCompletionUsd).toBe(0.0015);
	});

	it('carries the tally it is given, so the tries of one node run share one budget', () => {
		const tally = newSpendTally();
		new SpendLimit(0.01, () => 0, () => undefined, tally).onCompletion(0.006);
		const reasons: RunStopReason[] = [];
		const next = new SpendLimit(0.01, () => 0, (reason) => reasons.push(reason), tally);
		expect(next.spentUsd).toBe(0.006);
		next.onCompletion(0.004);
		expect(reasons).toHaveLength(1);
	});

	it.each([
		[0.01, '0.0100'],
		[0.000125, '0.000125'],
		[1.5, '1.5000'],
		[0.0000001, '0.0000'],
	])('words %p USD as %p', (amount, words) => {
		expect(usd(amount)).toBe(words);
	});
});
