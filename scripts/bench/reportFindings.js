'use strict';
// The end of the Benchmark section: the targets met or missed, what the figures mean, how they were taken.
// Each function appends its lines to `out`.
const { TARGETS, steadyRate, sharedMisses } = require('./figures');
const { f1, f2, secs, mb, plural, table } = require('./format');

/** Items completed per second of section 2's first row, the default request options (NaN when it did not run). */
function achievedRate(rate) {
	const defaultRow = rate?.rows[0];
	return defaultRow ? (defaultRow.items - defaultRow.node.check.failed) / (defaultRow.node.wallMs / 1000) : NaN;
}

function renderTargets(results, out) {
	const { config, scaling, rate, cpu, real } = results;
	const L = config.latencyMs;
	out.push('');
	out.push('### Targets');
	out.push('');
	const t16 = scaling.find((r) => r.concurrency === TARGETS.targetConcurrency);
	const achieved = achievedRate(rate);
	const targetRows = [];
	if (t16) {
		const fr = t16.node.wallMs / t16.floorMs;
		const pr = t16.node.wallMs / t16.pool.wallMs;
		targetRows.push([`C=16, L=${L} ms, N=${t16.items}: node within ${TARGETS.floorRatio}x of N·L/C`, `${f2(fr)}x`, fr <= TARGETS.floorRatio ? 'met' : 'MISSED']);
		targetRows.push([`C=16, L=${L} ms, N=${t16.items}: node within ${TARGETS.poolRatio}x of the undici Pool`, `${f2(pr)}x`, pr <= TARGETS.poolRatio ? 'met' : 'MISSED']);
	}
	for (const row of rate?.rows ?? []) {
		targetRows.push([`${TARGETS.rateLimit} req/s limit, ${row.label}: zero failed items`, `${row.node.check.failed} failed`, row.node.check.failed === 0 ? 'met' : 'MISSED']);
	}
	if (rate) {
		targetRows.push([`${TARGETS.rateLimit} req/s limit, default request options: at least ${TARGETS.minRps} req/s`, `${f1(achieved)} req/s`, achieved >= TARGETS.minRps ? 'met' : 'MISSED']);
	}
	for (const row of real?.rows ?? []) {
		const steady = steadyRate(row.node.emulator);
		const ok = steady >= TARGETS.steadyShareOfCap * real.defaults.requestsPerSecond && row.node.check.failed === 0 && row.node.check.ordered;
		targetRows.push([
			`${f1(row.latencyMs / 1000)} s per completion, default options: steady rate at least ${TARGETS.steadyShareOfCap} of the cap, 0 failed, order kept`,
			`${f2(steady / real.defaults.requestsPerSecond)} of the cap, ${row.node.check.failed} failed, order ${row.node.check.ordered ? 'kept' : 'NOT kept'}`,
			ok ? 'met' : 'MISSED',
		]);
	}
	for (const row of real?.shared ?? []) {
		const f = row.figures;
		const misses = sharedMisses(row);
		targetRows.push([
			`${row.runs} runs on one key, ${row.gapMs ? `${f1(row.gapMs / 1000)} s apart` : 'started together'}: at least ${TARGETS.sharedShareOfLimit} of the limit ` +
				`together while two or more run, at most ${100 * TARGETS.sharedMaxRejected}% answered 429, 0 failed and order kept, each run within ` +
				`${TARGETS.sharedFairFactor}x of an equal share, the run left alone back at ${TARGETS.sharedRecoverShareOfCap} of its cap within ${TARGETS.sharedRecoverMs / 1000} s`,
			`${f2(f.together / TARGETS.rateLimit)} of the limit, ${f1(100 * f.rejectedShare)}% 429 (${f1(100 * f.whileShared.rejectedShare)}% while sharing), ${row.runResults.reduce((a, r) => a + r.check.failed, 0)} failed, ` +
				`order ${row.runResults.every((r) => r.check.ordered) ? 'kept' : 'NOT kept'}, shares ${f2(Math.min(...f.shareOfFair))} to ${f2(Math.max(...f.shareOfFair))}, ` +
				`back after ${f.tail.recoveryMs === undefined ? 'never' : secs(f.tail.recoveryMs)}`,
			misses.length ? `MISSED (${misses.join(', ')})` : 'met',
		]);
	}
	if (real?.memory) {
		// Within section 3's zero-latency run when it ran, else within a fixed growth (TARGETS.memoryGrowthMb).
		const growth = real.memory.peakRss - real.memory.baseRss;
		const limit = cpu ? cpu.node.peakRss - cpu.node.baseRss : TARGETS.memoryGrowthMb * 1024 * 1024;
		const within = cpu ? `section 3's ${cpu.items}-item run (${mb(limit)})` : `${TARGETS.memoryGrowthMb} MB`;
		targetRows.push([
			`${real.memory.items} items at 2 s, default options: peak RSS growth within ${within}`,
			mb(growth),
			growth <= limit ? 'met' : 'MISSED',
		]);
	}
	out.push(table(['Target', 'Measured', 'Result'], targetRows));
}

function renderFindings(results, out) {
	const { scaling, rate, cpu, real } = results;
	out.push('');
	out.push('### Findings');
	out.push('');
	const withHelper = (r) => r.helper && r.poolNew;
	const at = scaling.find((r) => r.concurrency === TARGETS.targetConcurrency && withHelper(r)) ?? scaling.find(withHelper);
	if (at && cpu) findThroughput(at, cpu, out);
	if (rate) findRateLimit(rate, out);
	if (real?.rows.length) findRealLatencies(real, out);
	if (real?.shared?.length) findRunsOnOneKey(real.shared, out);
	if (cpu) findConnections(cpu, out);
}

/** Where section 1's time goes at the target concurrency, with section 3's CPU per item. */
function findThroughput(at, cpu, out) {
	const met = at.node.wallMs / at.floorMs <= TARGETS.floorRatio && at.node.wallMs / at.pool.wallMs <= TARGETS.poolRatio;
	out.push(
		`- At C=${at.concurrency} the node takes ${secs(at.node.wallMs)}: ${f2(at.node.wallMs / at.floorMs)}x the floor and ` +
			`${f2(at.node.wallMs / at.pool.wallMs)}x the undici Pool (targets ${TARGETS.floorRatio}x and ${TARGETS.poolRatio}x: ` +
			`${met ? 'met' : 'missed'}). The bare n8n helper, doing nothing but the requests, takes ${secs(at.helper.wallMs)}, ` +
			`so the node's own logic (validation, pacing, retries, output shaping) is a ${f2(at.node.wallMs / at.helper.wallMs)}x step; ` +
			`a new TCP connection per request is ${f2(at.poolNew.wallMs / at.pool.wallMs)}x on loopback; ` +
			`n8n's request helper and engine are the ${f2(at.helper.wallMs / at.poolNew.wallMs)}x step between. ` +
			`Per item the helper costs ${f2(cpu.helper.cpuMs / cpu.items)} ms of CPU against the Pool's ${f2(cpu.pool.cpuMs / cpu.items)} ms ` +
			`(section 3; the node ${f2(cpu.node.cpuMs / cpu.items)} ms). What the helper does per request: axios and follow-redirects, a new http Agent and socket, the proxy ` +
			`environment lookup, and the credential's \`Bearer {{$credentials.apiKey}}\` expression resolved again for every request. ` +
			`That work runs on n8n's one JavaScript thread, so responses that arrive together wait for each other, and the ` +
			`more requests are in flight the more it shows.`,
	);
	out.push(
		`- Before its first request the node resolves and checks every item, so that bad input costs no request: ` +
			`${Math.round(at.node.emulator.firstStart - at.node.startEpoch)} ms for ${at.items} items in this run ` +
			`(the bare helper, which resolves only the prompt: ${Math.round(at.helper.emulator.firstStart - at.helper.startEpoch)} ms).`,
	);
}

function findRateLimit(rate, out) {
	const achieved = achievedRate(rate);
	const burst = rate.rows[1];
	out.push(
		`- Under the ${TARGETS.rateLimit} requests/s limit, with the default cap of ${rate.defaults.requestsPerSecond}/s the emulator ` +
			`refused ${rate.rows[0].node.emulator.stats.rateLimited} requests and the node completed ${f1(achieved)} items/s` +
			(burst
				? `; with the cap off the node hit the limit ${burst.node.emulator.stats.rateLimited} times, waited out each ` +
					`Retry-After and retried ${burst.node.check.retried} items, and ${burst.node.check.failed === 0 ? 'lost none' : `lost ${burst.node.check.failed}`}.`
				: '.'),
	);
}

function findRealLatencies(real, out) {
	const cap = real.defaults.requestsPerSecond;
	const steadies = real.rows.map((row) => steadyRate(row.node.emulator));
	const longest = real.rows[real.rows.length - 1];
	out.push(
		`- At real latencies the pace, not a concurrency, sets the speed: with the default options the steady rate was ` +
			`${f1(Math.min(...steadies))} to ${f1(Math.max(...steadies))} req/s (${f2(Math.min(...steadies) / cap)} to ` +
			`${f2(Math.max(...steadies) / cap)} of the cap) from ${f1(real.rows[0].latencyMs / 1000)} s to ` +
			`${f1(longest.latencyMs / 1000)} s per completion, with up to ${longest.node.emulator.stats.maxInFlight} requests in flight ` +
			`at ${f1(longest.latencyMs / 1000)} s. A fixed 16 in flight would allow ${real.rows.map((row) => f1(Math.min(cap, 16000 / row.latencyMs))).join(', ')} req/s ` +
			`at those latencies.`,
	);
}

function findRunsOnOneKey(rows, out) {
	const worst = (pick) => rows.reduce((a, b) => (pick(b) > pick(a) ? b : a));
	const lowest = rows.reduce((a, b) => (b.figures.together < a.figures.together ? b : a));
	const mostRejected = worst((row) => row.figures.rejectedShare);
	const slowest = worst((row) => row.figures.tail.recoveryMs ?? Infinity);
	out.push(
		`- Runs on one key: from ${rows.map((row) => row.runs).filter((n, i, all) => all.indexOf(n) === i).join(', ')} runs at once, together ` +
			`${f1(lowest.figures.together)} to ${f1(Math.max(...rows.map((row) => row.figures.together)))} req/s of the ${TARGETS.rateLimit} allowed while two or more ran; at most ` +
			`${f1(100 * mostRejected.figures.rejectedShare)}% of the requests sent were answered 429 (${mostRejected.runs} runs, ${mostRejected.gapMs ? 'staggered' : 'together'}), ` +
			`each retried; the runs' shares stayed between ${f2(Math.min(...rows.flatMap((row) => row.figures.shareOfFair)))} and ` +
			`${f2(Math.max(...rows.flatMap((row) => row.figures.shareOfFair)))} of an equal split; the run left alone was back at ` +
			`${TARGETS.sharedRecoverShareOfCap} of its cap after ${slowest.figures.tail.recoveryMs === undefined ? 'more than its tail' : secs(slowest.figures.tail.recoveryMs)} at the most; ` +
			`${plural(rows.reduce((a, row) => a + row.runResults.reduce((b, r) => b + r.check.failed, 0), 0), 'item')} failed and every run kept its order` +
			`${rows.every((row) => row.runResults.every((r) => r.check.ordered)) ? '' : ' (NOT: see the table)'}.`,
	);
}

function findConnections(cpu, out) {
	const conns = cpu.node.emulator.stats.connections / cpu.items;
	out.push(
		`- TCP connections: the node opened ${cpu.node.emulator.stats.connections} connections for ${cpu.items} requests ` +
			`(${f2(conns)} per request); the undici Pool opened ${cpu.pool.emulator.stats.connections}. n8n 2.41's request helper ` +
			`(\`this.helpers.httpRequestWithAuthentication\` → @n8n/backend-network's axios path) builds a new http/https Agent ` +
			`for every request and takes no Agent from the caller (\`agentOptions\` only configure the new one), so ` +
			`connections are never reused: against a TLS endpoint such as nano-gpt.com every request also pays a TCP and ` +
			`TLS handshake, which loopback does not show. The node cannot bring its own connection pool: n8n's ` +
			`community-node rules (\`no-restricted-imports\`) allow neither \`node:http(s)\` nor \`undici\`, and the global ` +
			`\`fetch\` would bypass n8n's proxy settings, SSRF policy and credential handling.`,
	);
}

function renderNotes(results, out) {
	const { config, scaling } = results;
	out.push('');
	out.push('### Notes');
	out.push('');
	out.push(
		`- ${config.repeat > 1 ? `Each row of section 1 is the median of ${config.repeat} runs; sections 2 and 3 run once` : 'Each configuration runs once'}, ` +
			`after a warm-up (${results.warmupItems} items through the node, the bare helper and the Pool at zero latency); ` +
			`the node's wall time includes n8n-core's WorkflowExecute around the node. The machine's load average is given ` +
			`above: other work on it lengthens the node's runs more than the Pool's.`,
	);
	if (scaling.some((r) => r.scaledDown)) {
		out.push(`- \`--quick\`: the C=1 row uses ${scaling.find((r) => r.scaledDown).items} items instead of ${config.items}.`);
	}
}

module.exports = { renderTargets, renderFindings, renderNotes };
