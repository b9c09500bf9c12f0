import { RunProgress } from '../../../nodes/NanoGpt/run/runProgress';
import { answerFingerprint, groupIdenticalRequests, requestFingerprint } from '../../../nodes/NanoGpt/run/reuseIdenticalRequests';

// The progress and summary lines beyond the main suite's: usage details, several currencies,
// unknown counts, the last item, the 100-item threshold; and which requests count as identical.
// Lines are written out by hand.

describe('the summary line', () => {
	it('adds up the usage details NanoGPT reported, in a fixed order, and each currency apart', () => {
		let now = 0;
		const progress = new RunProgress(3, () => 0, () => now);
		progress.onRequestSent();
		progress.onBilled({ promptTokens: 10, completionTokens: null, totalTokens: 10, reasoningTokens: 4, numSearchQueries: 1 }, { amount: 0.1, currency: 'EUR' });
		progress.onBilled({ promptTokens: null, completionTokens: 2, totalTokens: null, cachedTokens: 3, reasoningTokens: null }, { cost: 0.25 });
		progress.onBilled(null, { amount: 0.2, currency: 'EUR' });
		progress.onBilled({ promptTokens: 1, completionTokens: 1, totalTokens: 2, cacheReadInputTokens: 5, cacheCreationInputTokens: 6 }, { currency: 'USD' });
		progress.onBilled({ promptTokens: 0, completionTokens: 0, totalTokens: 0 }, { amount: 1e-7 });
		now = 0;
		expect(progress.summary()).toBe(
			'NanoGPT run finished: 3 items, 0 failed, in 0 s; 1 requests sent (0 retries), 0.0 req/s; ' +
				'tokens 11 prompt + 3 completion = 12 (3 cached, 4 reasoning, 5 cache read, 6 cache write, 1 search queries); ' +
				'reported cost 0.3 EUR + 0.25 USD',
		);
	});

	it('says no cost was reported when none was', () => {
		const progress = new RunProgress(1, () => 0, () => 90_000);
		progress.onBilled({ promptTokens: 1, completionTokens: 1, totalTokens: 2 }, undefined);
		progress.onBilled(null, { amount: null as never, currency: 'USD' });
		expect(progress.summary()).toBe(
			'NanoGPT run finished: 1 items, 0 failed, in 0 s; 0 requests sent (0 retries), 0.0 req/s; tokens 1 prompt + 1 completion = 2; no cost reported',
		);
	});
});

describe('progress lines', () => {
	it('start above 100 items, with the time left at the rate since the last line', () => {
		let now = 0;
		const progress = new RunProgress(101, () => 2, () => now);
		now = 10_000;
		expect(progress.isLongRun).toBe(true);
		expect(progress.onItemDone(true)).toBe('NanoGPT progress: 1 of 101 items done, 0.0 req/s, 2 in flight, 0 retries, 1 failed, about 16 min 40 s left');
		now = 20_000;
		expect(progress.onItemDone(false)).toBe('NanoGPT progress: 2 of 101 items done, 0.0 req/s, 2 in flight, 0 retries, 1 failed, about 16 min 30 s left');
		expect(new RunProgress(100, () => 0).isLongRun).toBe(false);
	});

	it('says nothing for the last item, however long since the last line', () => {
		let now = 0;
		const progress = new RunProgress(101, () => 0, () => now);
		for (let index = 0; index < 100; index++) progress.onItemDone(false);
		now = 60_000;
		expect(progress.onItemDone(false)).toBeUndefined();
	});

	it('counts the requests since the last line for the rate', () => {
		let now = 0;
		const progress = new RunProgress(200, () => 0, () => now);
		for (let index = 0; index < 30; index++) progress.onRequestSent();
		now = 10_000;
		expect(progress.onItemDone(false)).toMatch(/^NanoGPT progress: 1 of 200 items done, 3\.0 req\/s, /);
		for (let index = 0; index < 5; index++) progress.onRequestSent();
		now = 20_000;
		expect(progress.onItemDone(false)).toMatch(/^NanoGPT progress: 2 of 200 items done, 0\.5 req\/s, .*, about 33 min 0 s left$/);
	});
});

describe('which requests are identical', () => {
	const body = { model: 'm', prompt: 'p', temperature: 0.5 };

	it('whatever the order of keys or the case of header names', () => {
		expect(requestFingerprint({ temperature: 0.5, prompt: 'p', model: 'm' }, { Moderation: 'true' })).toBe(requestFingerprint(body, { moderation: 'true' }));
		expect(requestFingerprint({ ...body, provider: { b: 1, a: [1, { y: 2, x: 1 }] } })).toBe(
			requestFingerprint({ ...body, provider: { a: [1, { x: 1, y: 2 }], b: 1 } }),
		);
	});

	it('not when a value, a header, a list\'s order or an undefined field differs', () => {
		const fingerprint = requestFingerprint(body);
		expect(requestFingerprint({ ...body, temperature: 0.6 })).not.toBe(fingerprint);
		expect(requestFingerprint(body, { moderation: 'true' })).not.toBe(fingerprint);
		expect(requestFingerprint({ ...body, stop: ['a', 'b'] })).not.toBe(requestFingerprint({ ...body, stop: ['b', 'a'] }));
		expect(requestFingerprint({ ...body, seed: undefined })).not.toBe(fingerprint);
		expect(requestFingerprint({ ...body, seed: null as never })).not.toBe(requestFingerprint({ ...body, seed: 'null' }));
		expect(requestFingerprint(body)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
	});

	it('and only with the same JSON handling of the answer', () => {
		const plain = answerFingerprint({ body });
		expect(answerFingerprint({ body, output: { jsonOutput: false, jsonRetries: 2 } })).toBe(plain);
		expect(answerFingerprint({ body, output: { jsonOutput: true, jsonRetries: 2 } })).toBe(`${plain} json 2`);
		expect(answerFingerprint({ body, headers: { a: 'b' } })).toBe(requestFingerprint(body, { a: 'b' }));
	});

	it('sends the first of each, and lists the later ones under it, in order', () => {
		const jobs = [0, 1, 2, 3, 4].map((itemIndex) => ({ itemIndex, body: { ...body, prompt: itemIndex % 2 ? 'odd' : 'even' } }));
		const { toSend, reusers } = groupIdenticalRequests(jobs);
		expect(toSend.map((job) => job.itemIndex)).toEqual([0, 1]);
		expect([...reusers].map(([source, list]) => [source, list.map((job) => job.itemIndex)])).toEqual([
			[0, [2, 4]],
			[1, [3]],
		]);
	});
});
