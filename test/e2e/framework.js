'use strict';
/*
 * A minimal runner for the e2e suite: the cases of a run are registered up front, then run in
 * order; each prints PASS/FAIL with its duration, and the summary line is exactly
 * `N passed, M failed`, where every registered case that did not pass counts as failed, the ones
 * that never ran (their setup failed, a tool was missing, the run stopped) included.
 */
const assert = require('node:assert/strict');

class Suite {
	constructor({ out = console.log } = {}) {
		this.out = out;
		/** Registered case names, in order. */
		this.planned = [];
		/** name -> { ok, secs, error, notRun? } */
		this.outcomes = new Map();
		this.t0 = Date.now();
	}

	/** Registers the cases this run must account for; call before anything runs. */
	register(...names) {
		for (const name of names.flat()) {
			if (this.planned.includes(name)) throw new Error(`e2e case registered twice: ${name}`);
			this.planned.push(name);
		}
	}

	/** Results so far, in the order the cases were registered. */
	get results() {
		return this.planned.filter((name) => this.outcomes.has(name)).map((name) => ({ name, ...this.outcomes.get(name) }));
	}

	/** Runs one registered case; never throws. Returns true when it passed. */
	async case(name, fn, { timeoutMs = 180000 } = {}) {
		if (!this.planned.includes(name)) return this.record(name, false, '0.0', new Error('case was not registered up front (add it to the case table)'));
		if (this.outcomes.has(name)) return this.record(`${name} (run twice)`, false, '0.0', new Error('case ran twice'));
		const started = Date.now();
		let timer;
		try {
			await Promise.race([
				Promise.resolve().then(fn),
				new Promise((_, reject) => {
					timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
				}),
			]);
			clearTimeout(timer);
			return this.record(name, true, ((Date.now() - started) / 1000).toFixed(1));
		} catch (err) {
			clearTimeout(timer);
			return this.record(name, false, ((Date.now() - started) / 1000).toFixed(1), err);
		}
	}

	record(name, ok, secs, error) {
		if (!this.planned.includes(name)) this.planned.push(name);
		this.outcomes.set(name, { ok, secs, error });
		this.out(`${ok ? 'PASS' : 'FAIL'}  ${name}  (${secs}s)`);
		if (!ok) this.out(indent(String((error && error.stack) || error).split('\n').slice(0, 25).join('\n')));
		return ok;
	}

	/** Records registered cases that cannot run (their setup failed, a tool is missing) as failed. */
	notRun(names, reason) {
		for (const name of [].concat(names)) {
			if (this.outcomes.has(name)) continue;
			if (!this.planned.includes(name)) this.planned.push(name);
			this.outcomes.set(name, { ok: false, secs: '0.0', error: new Error(reason), notRun: true });
			this.out(`FAIL  ${name}  (not run: ${reason})`);
		}
	}

	section(title) {
		this.out(`\n== ${title} (${((Date.now() - this.t0) / 1000).toFixed(0)}s elapsed)`);
	}

	/** Counts every registered case; those that never ran fail with `reason`. Returns the failures. */
	summary(reason = 'the suite ended before it ran') {
		this.notRun(this.planned.filter((name) => !this.outcomes.has(name)), reason);
		const results = this.results;
		const passed = results.filter((r) => r.ok).length;
		const failed = results.length - passed;
		this.out('');
		for (const r of results.filter((x) => !x.ok)) this.out(`failed: ${r.name}${r.notRun ? ` (not run: ${r.error.message})` : ''}`);
		this.out(`e2e finished in ${((Date.now() - this.t0) / 1000).toFixed(0)}s`);
		this.out(`${passed} passed, ${failed} failed`);
		return failed;
	}
}

function indent(text) {
	return text
		.split('\n')
		.map((l) => `      ${l}`)
		.join('\n');
}

module.exports = { Suite, assert };
