import { NodeApiError, type INodeParameters } from 'n8n-workflow';
import { completionTextFor } from '../../support/emulator';
import { emulatorForFile } from '../../support/emulatorForFile';
import { MODEL, completeParameters, prompts, runCompletion, startCompletion } from '../nodeRun';

const emulator = emulatorForFile();

const withRequestOptions = (requestOptions: INodeParameters) => completeParameters({ requestOptions });
const completionRequests = () => emulator.requests.filter((request) => request.path.endsWith('/v1/completions'));

/** The start times the emulator saw for `count` items at `rate` per second, and those of them whose 1 s window the event loop did not stall in. */
async function measureStarts(count: number, rate: number): Promise<{ starts: number[]; steadyStarts: number[] }> {
	emulator.reset();
	const ticks: number[] = [];
	const ticker = setInterval(() => ticks.push(Date.now()), 10);
	try {
		await runCompletion({ emulator, items: prompts(count), parameters: withRequestOptions({ concurrency: 16, requestsPerSecond: rate }) });
	} finally {
		clearInterval(ticker);
	}
	const starts = completionRequests().map((request) => request.startedAt).sort((a, b) => a - b);
	const stalledIn = (start: number) =>
		ticks.some((tick, index) => index > 0 && tick >= start && ticks[index - 1] < start + 1000 && tick - ticks[index - 1] > 1000 / rate);
	return { starts, steadyStarts: starts.filter((start) => !stalledIn(start)) };
}

describe('request options in n8n-core against the emulator', () => {
	it.each([1, 3, 8])('never has more than Concurrency=%i requests in flight, and reaches it', async (concurrency) => {
		emulator.setLatency(40);
		const { items, error } = await runCompletion({
			emulator,
			items: prompts(4 * concurrency + 2),
			parameters: withRequestOptions({ concurrency, requestsPerSecond: 0 }),
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(4 * concurrency + 2);
		expect(emulator.stats.maxInFlight).toBe(concurrency);
	});

	it('starts requests no faster than Requests per Second', async () => {
		const rate = 20;
		const count = 30;
		// The node and the emulator share this worker's event loop: when it stalls (a busy machine),
		// requests sent on time reach the emulator together once it runs again, so a 1 s window in which
		// the loop stalled for more than one start interval is not counted, and a run with fewer than
		// half its windows steady is measured again (at most three runs).
		let measured = await measureStarts(count, rate);
		for (let run = 2; run <= 3 && measured.steadyStarts.length < count / 2; run++) measured = await measureStarts(count, rate);
		const { starts, steadyStarts } = measured;
		expect(starts).toHaveLength(count);
		expect(steadyStarts.length).toBeGreaterThanOrEqual(count / 2);
		// Starts are paced at the node; the time n8n's helper takes to send each varies (the first one
		// most), so a 1 s window at the server may see up to three starts more than the rate (23 seen in
		// CI, n8n-core 1.122, both jest projects on two cores), never a burst: a node that ignores the
		// rate puts 28 to 30 of these 30 starts in one second.
		const mostInOneSecond = Math.max(...steadyStarts.map((start) => starts.filter((other) => other >= start && other < start + 1000).length));
		expect(mostInOneSecond).toBeLessThanOrEqual(rate + 3);
		const gaps = starts.slice(1).map((start, index) => start - starts[index]).sort((a, b) => a - b);
		expect(gaps[Math.floor(gaps.length / 2)]).toBeGreaterThan(1000 / rate - 10);
		expect(starts[count - 1] - starts[0]).toBeGreaterThanOrEqual(((count - 1) * 1000) / rate - 50);
	});

	it('retries a 429 after its Retry-After (1 s) and returns the right text with attempts: 2', async () => {
		const { items } = await runCompletion({ emulator, items: [{ prompt: 'Busy [[fault:429x1]]' }] });
		const [first, second] = completionRequests();
		expect([first.status, second.status]).toEqual([429, 200]);
		expect(second.startedAt - first.startedAt).toBeGreaterThanOrEqual(990);
		expect(items[0].json).toMatchObject({
			text: completionTextFor({ model: MODEL, prompt: 'Busy [[fault:429x1]]' }).text,
			attempts: 2,
		});
	});

	it('slows every request behind a 429, not just the one that got it', async () => {
		const items = [{ prompt: 'First [[fault:429x1]]' }, ...prompts(3)];
		await runCompletion({ emulator, items, parameters: withRequestOptions({ concurrency: 1, requestsPerSecond: 0 }) });
		const [limited, retry, ...rest] = completionRequests();
		expect(limited.status).toBe(429);
		expect(retry.startedAt - limited.startedAt).toBeGreaterThanOrEqual(990);
		for (const request of rest) expect(request.startedAt).toBeGreaterThanOrEqual(retry.startedAt);
	});

	it('retries 503 twice with backoff and then succeeds', async () => {
		const { items } = await runCompletion({ emulator, items: [{ prompt: 'Flaky [[fault:503x2]]' }] });
		expect(completionRequests().map((request) => request.status)).toEqual([503, 503, 200]);
		expect(items[0].json.attempts).toBe(3);
	});

	it('stops after Max Retries and says how many attempts were made and the last status', async () => {
		const { error } = await runCompletion({
			emulator,
			items: [{ prompt: 'Down [[fault:503]]' }],
			parameters: withRequestOptions({ maxRetries: 2 }),
		});
		expect(completionRequests()).toHaveLength(3);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error?.message).toMatch(/^NanoGPT returned 503: .* \(after 3 attempts\)$/);
		expect(error?.description).toContain('Attempts: 3, last status 503');
	});

	it.each([400, 401, 402, 403, 404, 413])('never retries %i', async (status) => {
		const { error } = await runCompletion({ emulator, items: [{ prompt: `No [[fault:${status}]]` }] });
		expect(completionRequests()).toHaveLength(1);
		expect(error?.httpCode).toBe(String(status));
	});

	it('retries a connection reset and a timeout, and honours Timeout per attempt', async () => {
		const { items } = await runCompletion({
			emulator,
			continueOnFail: true,
			items: [{ prompt: 'Reset [[fault:resetx1]]' }, { prompt: 'Hang [[fault:hang]]' }],
			parameters: withRequestOptions({ timeout: 200, maxRetries: 1 }),
		});
		expect(items[0].json).toMatchObject({ attempts: 2, text: expect.any(String) });
		expect(items[1].json).toMatchObject({ error: 'Could not reach NanoGPT: no response within 200 ms (after 2 attempts)', attempts: 2 });
		expect(completionRequests().filter((request) => String((request.body as { prompt: string }).prompt).startsWith('Hang'))).toHaveLength(2);
	});

	it('keeps order and pairing when latencies differ', async () => {
		const items = Array.from({ length: 40 }, (_, index) => ({ prompt: `Item ${index} [[latency:${(index * 37) % 90}]]` }));
		const { items: output } = await runCompletion({ emulator, items, parameters: withRequestOptions({ concurrency: 10, requestsPerSecond: 0 }) });
		expect(output.map((item) => item.pairedItem)).toEqual(items.map((_, index) => ({ item: index })));
		output.forEach((item, index) => expect(item.json.text).toBe(completionTextFor({ model: MODEL, prompt: items[index].prompt }).text));
	});

	it('cancelling aborts requests in flight and starts no new ones', async () => {
		const handle = startCompletion({
			emulator,
			items: prompts(20, 'Hang [[fault:hang]]'),
			parameters: withRequestOptions({ concurrency: 4, requestsPerSecond: 0 }),
		});
		while (emulator.stats.inFlight < 4) await new Promise((resolve) => setTimeout(resolve, 5));
		handle.cancel();
		const cancelledAt = Date.now();
		while (completionRequests().some((request) => request.finishedAt === undefined)) {
			await new Promise((resolve) => setTimeout(resolve, 5));
		}
		expect(Date.now() - cancelledAt).toBeLessThan(500);
		await handle.result;
		expect(completionRequests()).toHaveLength(4);
	});

	it('with Continue On Fail and 10% hard failures among 1000 items, outputs exactly 1000 paired items in order', async () => {
		const items = Array.from({ length: 1000 }, (_, index) => ({
			prompt: index % 10 === 3 ? `Bad ${index} [[fault:400]]` : `Good ${index}`,
		}));
		const { items: output, error } = await runCompletion({
			emulator,
			continueOnFail: true,
			items,
			parameters: withRequestOptions({ concurrency: 32, requestsPerSecond: 0 }),
		});
		expect(error).toBeUndefined();
		expect(output).toHaveLength(1000);
		output.forEach((item, index) => {
			expect(item.pairedItem).toEqual({ item: index });
			if (index % 10 === 3) expect(item.json.error).toMatch(/^NanoGPT returned 400/);
			else expect(item.json.text).toContain(`Good ${index}`);
		});
		expect(completionRequests()).toHaveLength(1000);
	}, 60_000);
});
