'use strict';
/*
 * The report over n8n lines: runs the suite once per line, each in a child process (the e2e script
 * with NANOGPT_N8N_VERSION), one after the other; prints their output prefixed with the line, then
 * the sum of their totals. A line whose run printed no totals counts as one failure.
 */
const { spawn } = require('node:child_process');

/** Copies `stream` to `out` line by line with `prefix`; `onTotals` gets each `N passed, M failed` line's counts. */
function relayLines(stream, out, prefix, onTotals) {
	let buffer = '';
	stream.setEncoding('utf8');
	stream.on('data', (chunk) => {
		buffer += chunk;
		let nl;
		while ((nl = buffer.indexOf('\n')) >= 0) {
			const line = buffer.slice(0, nl);
			buffer = buffer.slice(nl + 1);
			const m = /^(\d+) passed, (\d+) failed/.exec(line);
			if (m && onTotals) onTotals({ passed: Number(m[1]), failed: Number(m[2]) });
			out.write(`${prefix}${line}\n`);
		}
	});
	stream.on('end', () => buffer && out.write(`${prefix}${buffer}\n`));
}

/** Runs one line's child to its end: its totals (one failure when it printed none or failed without saying so) and its summary line. */
async function runOneLine(version, { script, args, onChild }) {
	const lineStarted = Date.now();
	const prefix = `[n8n ${version}] `;
	let totals = null;
	const child = spawn(process.execPath, [script, ...args], {
		env: { ...process.env, NANOGPT_N8N_VERSION: version },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	onChild(child);
	relayLines(child.stdout, process.stdout, prefix, (counts) => (totals = counts));
	relayLines(child.stderr, process.stderr, prefix);
	const code = await new Promise((resolve) => child.on('close', (c, signal) => resolve(c ?? signal)));
	onChild(null);
	const secs = Math.round((Date.now() - lineStarted) / 1000);
	const printed = totals !== null;
	if (!printed) totals = { passed: 0, failed: 1 };
	else if (code !== 0 && totals.failed === 0) totals.failed = 1;
	return {
		totals,
		summary: `n8n ${version}: ${totals.passed} passed, ${totals.failed} failed in ${secs}s${printed ? '' : ` (no totals printed, exit ${code})`}`,
	};
}

/** Runs `script` with `args` once per version, then prints the summaries and the summed totals line and exits. */
async function runLines(versions, { script, args }) {
	let passed = 0;
	let failed = 0;
	const summaries = [];
	const started = Date.now();
	let current = null;
	let stopping = false;
	// A stop (Ctrl-C, a CI timeout) ends the line running now and starts no further line.
	const stopChild = () => {
		stopping = true;
		if (current) current.kill('SIGTERM');
	};
	process.on('SIGINT', stopChild);
	process.on('SIGTERM', stopChild);
	for (const version of versions) {
		if (stopping) {
			summaries.push(`n8n ${version}: not run (stopped)`);
			failed += 1;
			continue;
		}
		const { totals, summary } = await runOneLine(version, { script, args, onChild: (child) => (current = child) });
		passed += totals.passed;
		failed += totals.failed;
		summaries.push(summary);
	}
	console.log('');
	for (const line of summaries) console.log(line);
	console.log(`e2e on ${versions.length} n8n lines finished in ${Math.round((Date.now() - started) / 1000)}s`);
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

module.exports = { runLines };
