/**
 * Load with faults: 10,000 items through the node in n8n-core's real WorkflowExecute,
 * 10% hard failures (400) and 5% retryable ones (503 once, then success), Continue On Fail on,
 * concurrency 128, no rate cap, zero latency. Exactly 10,000 output items come out, in order,
 * each paired to its input; every retryable item succeeded on its second attempt; every hard one
 * is an error item. Peak memory is sampled during the run and printed.
 *
 * The emulator runs in a child process so the memory figures are the node's and n8n's, not the
 * emulator's request log; its /v1/usage counter gives the number of completion requests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { IDataObject } from 'n8n-workflow';

import { NanoGptApi } from '../../credentials/NanoGptApi.credentials';
import { NanoGpt } from '../../nodes/NanoGpt/NanoGpt.node';
import { completionTextFor } from '../support/emulator';
import { runNode } from '../support/harness';

jest.setTimeout(180_000);

const ITEMS = 10_000;
const HARD = 1_000; // 10%
const RETRYABLE = 500; // 5%
const MODEL = 'gpt-4o-mini';
const KEY = 'sk-nano-load-test';

type Kind = 'ok' | 'hard' | 'retryable';

/** Exactly HARD and RETRYABLE items, spread by a seeded shuffle (the same every run). */
function assignKinds(): Kind[] {
	const kinds: Kind[] = Array.from({ length: ITEMS }, (_, i) => (i < HARD ? 'hard' : i < HARD + RETRYABLE ? 'retryable' : 'ok'));
	let seed = 20_261_126;
	const random = () => {
		seed = (seed + 0x6d2b79f5) >>> 0;
		let t = seed;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	for (let i = kinds.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		[kinds[i], kinds[j]] = [kinds[j], kinds[i]];
	}
	return kinds;
}

// A real collection before each reading, so "retained" means live objects, not garbage.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

const DIRECTIVE: Record<Kind, string> = { ok: '', hard: ' [[fault:400]]', retryable: ' [[fault:503x1]]' };

let emulator: ChildProcess;
let baseUrl = '';

beforeAll(async () => {
	emulator = spawn(process.execPath, [path.join(__dirname, '..', 'support', 'emulator.ts'), '--key', KEY, '--latency', '0'], {
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	const lines = readline.createInterface({ input: emulator.stdout! });
	const first = await new Promise<string>((resolve, reject) => {
		lines.once('line', resolve);
		emulator.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
	});
	baseUrl = (JSON.parse(first) as { baseUrl: string }).baseUrl;
});

afterAll(async () => {
	if (emulator && emulator.exitCode === null) {
		const exited = new Promise((resolve) => emulator.once('exit', resolve));
		emulator.kill('SIGTERM');
		await exited;
	}
});

test(`${ITEMS} items, ${HARD} hard failures and ${RETRYABLE} retryable ones, Continue On Fail on: nothing lost, all in order`, async () => {
	const kinds = assignKinds();
	const inputs = kinds.map((kind, row) => ({ row, prompt: `Load row ${row}: describe product ${row * 7919}${DIRECTIVE[kind]}` }));

	const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
	collectGarbage();
	const before = process.memoryUsage();
	const peak = { rss: before.rss, heapUsed: before.heapUsed };
	const sampler = setInterval(() => {
		const now = process.memoryUsage();
		peak.rss = Math.max(peak.rss, now.rss);
		peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
	}, 20);
	const cpuBefore = process.cpuUsage();
	const started = performance.now();

	const result = await runNode({
		node: new NanoGpt(),
		credentialTypes: [new NanoGptApi()],
		credentials: { nanoGptApi: { apiKey: KEY, baseUrl } },
		parameters: {
			operation: 'complete',
			model: { __rl: true, mode: 'id', value: MODEL },
			prompt: '={{ $json.prompt }}',
			options: { includeInputFields: true, outputField: 'completion' },
			requestOptions: { concurrency: 128, requestsPerSecond: 0, maxRetries: 2, timeout: 30_000 },
		},
		items: inputs,
		continueOnFail: true,
	});

	const wallMs = performance.now() - started;
	const cpu = process.cpuUsage(cpuBefore);
	clearInterval(sampler);
	const after = process.memoryUsage();
	peak.rss = Math.max(peak.rss, after.rss);
	peak.heapUsed = Math.max(peak.heapUsed, after.heapUsed);
	// What stays alive while the 10,000 results are still held (as n8n holds them for the next node).
	collectGarbage();
	const retained = process.memoryUsage().heapUsed - before.heapUsed;

	// Exactly one output per input, in input order, each paired to its input.
	expect(result.error).toBeUndefined();
	expect(result.items).toHaveLength(ITEMS);
	const seen = { ok: 0, hard: 0, retryable: 0 };
	const problems: string[] = [];
	result.items.forEach((item, index) => {
		const json = item.json as IDataObject;
		const kind = kinds[index];
		const problem = (what: string): void => {
			if (problems.length < 20) problems.push(`item ${index} (${kind}): ${what}: ${JSON.stringify(json).slice(0, 300)}`);
		};
		if ((item.pairedItem as { item: number }).item !== index) problem('paired to another item');
		if (json.row !== index) problem('carries another row');
		if (kind === 'hard') {
			if (json.error !== 'NanoGPT returned 400: Bad Request' || json.httpCode !== '400' || json.attempts !== 1) problem('not a one-attempt 400 error item');
			else seen.hard++;
			return;
		}
		const completion = json.completion as IDataObject | undefined;
		const expectedText = completionTextFor({ model: MODEL, prompt: inputs[index].prompt }).text;
		if (json.error !== undefined || completion?.text !== expectedText) return problem('not the completion of its own prompt');
		if (kind === 'retryable') {
			if (completion.attempts !== 2) return problem('retryable item did not succeed on attempt 2');
			seen.retryable++;
		} else {
			if (completion.attempts !== undefined) return problem('clean item was retried');
			seen.ok++;
		}
	});
	expect(problems).toEqual([]);
	expect(seen).toEqual({ ok: ITEMS - HARD - RETRYABLE, hard: HARD, retryable: RETRYABLE });

	// The emulator answered exactly one request per item plus one retry per retryable item.
	const usage = (await (await fetch(`${baseUrl}/v1/usage`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { requests: number };
	expect(usage.requests).toBe(ITEMS + RETRYABLE);

	const report = {
		items: ITEMS,
		wallSeconds: Math.round(wallMs / 100) / 10,
		itemsPerSecond: Math.round(ITEMS / (wallMs / 1000)),
		cpuMsPerItem: Math.round(((cpu.user + cpu.system) / 1000 / ITEMS) * 1000) / 1000,
		rssBeforeMB: mb(before.rss),
		peakRssMB: mb(peak.rss),
		heapBeforeMB: mb(before.heapUsed),
		peakHeapUsedMB: mb(peak.heapUsed),
		retainedHeapMB: mb(retained),
		retainedPerItemKB: Math.round((retained / ITEMS / 1024) * 100) / 100,
	};
	console.log(`loadWithFaults: ${JSON.stringify(report)}`);

	// Memory follows what n8n keeps per item (input and output items, a few KB), not whole
	// responses: generous bounds that a node retaining response bodies, sockets or buffers per item
	// would break.
	expect(report.retainedPerItemKB).toBeLessThan(16);
	expect(peak.rss - before.rss).toBeLessThan(800 * 1024 * 1024);
	expect(result.items).toHaveLength(ITEMS); // keeps the results alive until after the reading
});
