'use strict';
/*
 * Part 4 of the e2e suite, on n8n 2.x: queue mode with Redis, one main and two workers; the
 * published scheduled pipeline and a 200-item webhook run on the workers.
 */
const fs = require('node:fs');
const path = require('node:path');
const net = require('node:net');
const { spawn } = require('node:child_process');
const { assert } = require('./framework');
const n8n = require('../../scripts/lib/n8n');
const ex = require('../../scripts/lib/examples');
const { completionTextFor } = require('../support/emulator.ts');
const { N } = require('./cases');
const { OWNER, fixture, sleep, completionRequests, copyLog } = require('./line');
const { postJson, withWebhookRetry } = require('./webhookCalls');

function isExecutable(file) {
	try {
		fs.accessSync(file, fs.constants.X_OK);
		return fs.statSync(file).isFile();
	} catch {
		return false;
	}
}

/** The path of an executable: `candidates` first, then the PATH; undefined when there is none. */
function findExecutable(name, candidates = []) {
	const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
	return [...candidates, ...dirs.map((dir) => path.join(dir, name))].find(isExecutable);
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
async function waitForPort(port, { timeoutMs, what, child }) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const open = await new Promise((resolve) => {
			const socket = net.connect(port, '127.0.0.1');
			socket.once('connect', () => (socket.destroy(), resolve(true)));
			socket.once('error', () => resolve(false));
		});
		if (open) return;
		if (child && child.startError) throw new Error(`${what} could not start: ${child.startError.message}`);
		if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
		if (Date.now() > deadline) throw new Error(`${what} did not listen on port ${port} within ${timeoutMs} ms`);
		await sleep(200);
	}
}

const logSize = (file) => {
	try {
		return fs.statSync(file).size;
	} catch {
		return 0;
	}
};

/** n8n's JSON log entries (N8N_LOG_FORMAT=json) written to `file` after byte `offset`. */
function jsonLog(file, offset = 0) {
	let text = '';
	try {
		text = fs.readFileSync(file).subarray(offset).toString('utf8');
	} catch {
		return [];
	}
	return text.split('\n').flatMap((line) => {
		try {
			const entry = JSON.parse(line);
			return entry && typeof entry.message === 'string' ? [entry] : [];
		} catch {
			return []; // a line that is not n8n's (or not complete yet)
		}
	});
}

/** Executions of `workflowId` the workers finished, from their logs after `offsets`: [{id, success, worker}]. */
function finishedOnWorkers(workers, workflowId, offsets = []) {
	return workers.flatMap((w, i) =>
		jsonLog(w.logFile, offsets[i] || 0)
			.filter((e) => e.message.startsWith('Worker finished execution ') && e.metadata && e.metadata.workflowId === workflowId)
			.map((e) => ({ id: String(e.metadata.executionId), success: e.metadata.success, worker: path.basename(w.logFile, '.log') })),
	);
}

/** Execution ids the main put on the queue, from its log after `offset`. */
function enqueuedByMain(main, offset = 0) {
	return jsonLog(main.logFile, offset).flatMap((e) => {
		const m = /^Enqueued execution (\S+) /.exec(e.message);
		return m ? [m[1]] : [];
	});
}

/** The scheduled example, published with a 10-second schedule: its Schedule Trigger fires on the main and the executions run on the workers. */
function scheduledEveryTenSeconds() {
	const scheduled = JSON.parse(JSON.stringify(ex.loadExample('scheduled')));
	scheduled.id = 'nanoGptE2eSched1';
	scheduled.name = 'E2E: scheduled pipeline every 10 s';
	ex.nodeByName(scheduled, 'Every morning at 8').parameters.rule = { interval: [{ field: 'seconds', secondsInterval: 10 }] };
	return scheduled;
}

/** Starts redis, imports and publishes the workflows, starts the main and two workers (`queue.redis`, `inst.mainProc`, `inst.workers`). */
async function startQueue(queue) {
	const { inst, redisBin, redisPort, brokerA, brokerB, credential, wf, scheduled } = queue;
	const redis = spawn(redisBin, ['--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no'], {
		stdio: 'ignore',
		detached: true,
	});
	queue.redis = redis;
	redis.exited = new Promise((r) => redis.on('exit', r));
	redis.on('error', (err) => (redis.startError = err));
	await waitForPort(redisPort, { timeoutMs: 20000, what: `redis-server (${redisBin})`, child: redis });
	await inst.importCredentials([credential]);
	await inst.importWorkflows([wf, scheduled]);
	await inst.publish([wf.id, scheduled.id]);
	const mainProc = inst.spawn(['start'], { name: 'queue-main' });
	await inst.waitReady({ child: mainProc, timeoutMs: 180000 });
	const w1 = inst.spawn(['worker', '--concurrency=4'], { name: 'worker-1', brokerPort: brokerA });
	const w2 = inst.spawn(['worker', '--concurrency=4'], { name: 'worker-2', brokerPort: brokerB });
	// Workers log "n8n worker is now ready" once they listen to the queue.
	const deadline = Date.now() + 120000;
	for (const w of [w1, w2]) {
		while (!/worker is now ready|Worker started|ready to receive/i.test(n8n.readLog(w.logFile))) {
			if (w.exitCode !== null) throw new Error(`worker exited: ${n8n.tail(n8n.readLog(w.logFile))}`);
			if (Date.now() > deadline) throw new Error(`worker not ready: ${n8n.tail(n8n.readLog(w.logFile))}`);
			await sleep(500);
		}
	}
	inst.workers = [w1, w2];
	inst.mainProc = mainProc;
}

/** The published scheduled pipeline fires on the main and runs on a worker. */
async function scheduledOnWorker({ inst, emu, scheduled }) {
	const topics = JSON.parse(ex.nodeByName(scheduled, 'Topics').parameters.jsonOutput).topics;
	const deadline = Date.now() + 60000;
	// An execution of this workflow that a worker finished and the main had enqueued.
	const ranOnWorker = () => {
		const enqueued = enqueuedByMain(inst.mainProc);
		return finishedOnWorkers(inst.workers, scheduled.id).filter((r) => r.success === true && enqueued.includes(r.id));
	};
	for (;;) {
		const briefs = completionRequests(emu).filter((r) => r.body.prompt.startsWith('Topic: ') && r.status === 200);
		if (briefs.length >= topics.length && ranOnWorker().length >= 1) break;
		if (Date.now() > deadline) {
			throw new Error(`schedule did not fire: ${briefs.length} briefing requests, executions finished on workers: ${JSON.stringify(finishedOnWorkers(inst.workers, scheduled.id))}`);
		}
		await sleep(500);
	}
	const briefs = completionRequests(emu).filter((r) => r.body.prompt.startsWith('Topic: '));
	for (const t of topics) assert.ok(briefs.some((r) => r.body.prompt.startsWith(`Topic: ${t}.`)), `a briefing for ${t}`);
}

/** 200 items through a published webhook: all answered in order, by one execution the main enqueued and a worker finished. */
async function batchOnWorkers({ inst, emu, wf }) {
	emu.reset();
	const rows = Array.from({ length: 200 }, (_, i) => ({ n: i, prompt: `Queue row ${i}: say something about the number ${i}` }));
	const url = `${inst.baseUrl}/webhook/nanogpt/batch`;
	// Log offsets before the request: only what is logged after them can be this execution.
	const mainOffset = logSize(inst.mainProc.logFile);
	const workerOffsets = inst.workers.map((w) => logSize(w.logFile));
	const r = await withWebhookRetry(() => postJson(url, { rows }, { timeoutMs: 240000 }));
	assert.equal(r.status, 200, r.text.slice(0, 500));
	const out = r.json;
	assert.ok(Array.isArray(out), `array response: ${r.text.slice(0, 300)}`);
	assert.equal(out.length, 200, 'all 200 items');
	out.forEach((o, i) => {
		assert.equal(o.n, i, `item ${i} in order`);
		assert.equal(o.prompt, rows[i].prompt);
		assert.equal(o.completion.text, completionTextFor({ prompt: rows[i].prompt, model: 'gpt-4o-mini', max_tokens: 16 }).text);
	});
	const reqs = completionRequests(emu).filter((q) => q.body.prompt.startsWith('Queue row '));
	assert.equal(reqs.length, 200, 'one request per item');
	// Ran on a worker: since the request, the main enqueued an execution of this workflow and a
	// worker finished that same execution id (a worker may log it just after the answer).
	let finished = [];
	for (const deadline = Date.now() + 30000; Date.now() < deadline; await sleep(250)) {
		finished = finishedOnWorkers(inst.workers, wf.id, workerOffsets);
		if (finished.length) break;
	}
	const enqueued = enqueuedByMain(inst.mainProc, mainOffset);
	const logs = () => inst.workers.map((w) => n8n.tail(n8n.readLog(w.logFile), 8)).join('\n--\n');
	assert.equal(finished.length, 1, `one execution of ${wf.id} finished on a worker since the request: ${JSON.stringify(finished)}\n${logs()}`);
	const [execution] = finished;
	assert.equal(execution.success, true, `execution ${execution.id} succeeded on ${execution.worker}`);
	assert.ok(enqueued.includes(execution.id), `the main enqueued execution ${execution.id} after the request (it enqueued: ${enqueued.join(', ') || 'none'})`);
	console.log(`      execution ${execution.id} enqueued by the main, finished on ${execution.worker}`);
}

/** Keeps the logs of the main and the workers, stops them and redis. */
async function stopQueue({ inst, redis }) {
	for (const c of inst.children) copyLog(c.logFile, `queue-${path.basename(c.logFile)}`);
	await inst.stopAll();
	if (redis) {
		try {
			process.kill(-redis.pid, 'SIGTERM');
		} catch {
			/* gone */
		}
		await Promise.race([redis.exited, sleep(5000)]);
	}
}

async function runQueue(suite, { prov, emu, credential, runDirs }) {
	const queueCases = [N.queueReady, N.queueScheduled, N.queueBatch];
	// REDIS_SERVER_PATH: that redis-server and only that one.
	const wanted = process.env.REDIS_SERVER_PATH;
	const redisBin = wanted ? [wanted].find(isExecutable) : findExecutable('redis-server', ['/usr/bin/redis-server', '/usr/sbin/redis-server']);
	if (!redisBin) {
		suite.notRun(queueCases, wanted ? `REDIS_SERVER_PATH=${wanted} is not an executable` : 'redis-server not found (apt-get install -y redis-server)');
		return;
	}
	const [redisPort, brokerA, brokerB] = await n8n.freePorts(3);
	const inst = await n8n.N8nInstance.create(prov, {
		label: 'e2e-queue',
		extraEnv: {
			...n8n.ownerEnv(prov, OWNER),
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: redisPort,
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			QUEUE_HEALTH_CHECK_ACTIVE: 'false',
			// JSON log lines carry each execution's id and workflow id (the text format only its message).
			N8N_LOG_FORMAT: 'json',
		},
	});
	runDirs.push(inst.userFolder);
	const queue = { inst, redis: null, redisBin, redisPort, brokerA, brokerB, emu, credential, wf: fixture('queue-batch.json'), scheduled: scheduledEveryTenSeconds() };
	try {
		const ready = await suite.case(N.queueReady, () => startQueue(queue), { timeoutMs: 300000 });
		if (!ready) {
			suite.notRun([N.queueScheduled, N.queueBatch], 'queue setup failed');
			return;
		}
		await suite.case(N.queueScheduled, () => scheduledOnWorker(queue), { timeoutMs: 90000 });
		await suite.case(N.queueBatch, () => batchOnWorkers(queue), { timeoutMs: 300000 });
	} finally {
		await stopQueue(queue);
	}
}

module.exports = { runQueue };
