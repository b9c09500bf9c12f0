'use strict';
// The order of the suites in the mutation run: fastest first (jest's own order is slowest first).
// A mutant stops at its first failing suite, so a kill found by a quick unit suite does not wait
// for the slow suites that run the node in n8n's engine. Until jest has a time for every suite,
// they go by file size, smallest first.
const { statSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;

class FastestFirst extends Sequencer {
	sort(tests) {
		const timed = tests.every((test) => this.time(test) !== undefined);
		const cost = (test) => (timed ? this.time(test) : statSync(test.path).size);
		return [...tests].sort((a, b) => cost(a) - cost(b) || (a.path < b.path ? -1 : 1));
	}
}

module.exports = FastestFirst;
