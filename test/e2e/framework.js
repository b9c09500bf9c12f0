'use strict';
/*
 * A minimal runner for the e2e suite: cases run in order, each prints PASS/FAIL with its duration,
 * and the summary line is exactly `N passed, M failed`.
 */
const assert = require('node:assert/strict');

class Suite {
	constructor({ out = console.log } = {}) {
		this.out = out;
		this.results = [];
		this.t0 = Date.now();
	}

	/** Runs one case; never throws. Returns true when it passed. */
	async case(name, fn, { timeoutMs = 180000 } = {}) {
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
			const secs = ((Date.now() - started) / 1000).toFixed(1);
			this.results.push({ name, ok: true, secs });
			this.out(`PASS  ${name}  (${secs}s)`);
			return true;
		} catch (err) {
			clearTimeout(timer);
			const secs = ((Date.now() - started) / 1000).toFixed(1);
			this.results.push({ name, ok: false, secs, error: err });
			this.out(`FAIL  ${name}  (${secs}s)`);
			this.out(indent(String((err && err.stack) || err).split('\n').slice(0, 25).join('\n')));
			return false;
		}
	}

	/** Records cases that could not run because their setup failed. */
	skipAsFailed(names, reason) {
		for (const name of names) {
			this.results.push({ name, ok: false, secs: '0.0', error: new Error(reason) });
			this.out(`FAIL  ${name}  (not run: ${reason})`);
		}
	}

	section(title) {
		this.out(`\n== ${title} (${((Date.now() - this.t0) / 1000).toFixed(0)}s elapsed)`);
	}

	summary() {
		const passed = this.results.filter((r) => r.ok).length;
		const failed = this.results.length - passed;
		this.out('');
		for (const r of this.results.filter((x) => !x.ok)) this.out(`failed: ${r.name}`);
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
