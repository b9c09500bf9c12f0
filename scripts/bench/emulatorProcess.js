'use strict';
// The NanoGPT emulator in a child process of its own, so that its CPU time and memory are not counted
// as the node's and its timers do not share an event loop with the node; and the bench's handle on it.
const { fork } = require('node:child_process');

async function emulatorChild() {
	const { startEmulator } = require('../../test/support/emulator.ts');
	const emu = await startEmulator({});
	const summarize = ({ times = false } = {}) => {
		const completions = emu.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/v1/completions'));
		const ok = completions.filter((r) => r.status === 200).map((r) => r.startedAt);
		const all = completions.map((r) => r.startedAt);
		// Most requests admitted (200) in any 1 s window starting at an admitted request.
		let peakWindow = 0;
		for (let i = 0, j = 0; i < ok.length; i++) {
			while (ok[i] - ok[j] >= 1000) j++;
			peakWindow = Math.max(peakWindow, i - j + 1);
		}
		const first = completions[0];
		// Per run when several runs share the emulator: their prompts start with different words.
		const perPrefix = {};
		for (const r of completions) {
			const prefix = String(r.body?.prompt ?? '').split(' ')[0];
			const entry = (perPrefix[prefix] ??= { ok: 0, rejected: 0, firstOk: null, lastOk: null, ...(times ? { okTimes: [], rejectedTimes: [] } : {}) });
			if (times && r.status === 200) entry.okTimes.push(r.startedAt);
			if (times && r.status === 429) entry.rejectedTimes.push(r.startedAt);
			if (r.status === 200) {
				entry.ok++;
				entry.firstOk = entry.firstOk === null ? r.startedAt : Math.min(entry.firstOk, r.startedAt);
				entry.lastOk = entry.lastOk === null ? r.startedAt : Math.max(entry.lastOk, r.startedAt);
			} else if (r.status === 429) entry.rejected++;
		}
		return {
			okCount: ok.length,
			perPrefix,
			stats: JSON.parse(JSON.stringify(emu.stats)),
			count: completions.length,
			firstStart: all.length ? Math.min(...all) : null,
			lastStart: all.length ? Math.max(...all) : null,
			firstOk: ok.length ? ok[0] : null,
			lastOk: ok.length ? ok[ok.length - 1] : null,
			peakOkPerSecond: peakWindow,
			serverMsMean: completions.length
				? completions.reduce((sum, r) => sum + ((r.finishedAt ?? r.startedAt) - r.startedAt), 0) / completions.length
				: null,
			sample: first ? { headers: first.headers, body: first.body } : null,
		};
	};
	const commands = {
		configure({ latencyMs = 0, rateLimit }) {
			emu.reset();
			emu.setLatency(latencyMs);
			emu.setRateLimit(rateLimit);
			return {};
		},
		summary: (args) => summarize(args),
		async close() {
			await emu.close();
			setImmediate(() => process.exit(0));
			return {};
		},
	};
	process.on('message', async (message) => {
		try {
			const result = await commands[message.cmd](message.args ?? {});
			process.send({ id: message.id, result });
		} catch (error) {
			process.send({ id: message.id, error: String(error?.stack ?? error) });
		}
	});
	process.on('disconnect', () => process.exit(0));
	process.send({ ready: { baseUrl: emu.baseUrl, origin: emu.origin, apiKey: emu.apiKey } });
}

function startEmulatorChild() {
	const child = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	let nextId = 0;
	const pending = new Map();
	return new Promise((resolve, reject) => {
		child.once('exit', (code) => reject(new Error(`emulator child exited (${code})`)));
		child.on('message', (message) => {
			if (message.ready) {
				resolve({
					...message.ready,
					call(cmd, args) {
						const id = ++nextId;
						child.send({ id, cmd, args });
						return new Promise((res, rej) => pending.set(id, { res, rej }));
					},
					async close() {
						const exited = new Promise((res) => child.once('exit', res));
						await this.call('close').catch(() => undefined);
						await exited;
					},
				});
				return;
			}
			const waiter = pending.get(message.id);
			if (!waiter) return;
			pending.delete(message.id);
			if (message.error) waiter.rej(new Error(message.error));
			else waiter.res(message.result);
		});
	});
}

if (require.main === module) {
	emulatorChild().catch((error) => {
		process.stderr.write(`${error?.stack ?? error}\n`);
		process.exit(1);
	});
}

module.exports = { startEmulatorChild };
