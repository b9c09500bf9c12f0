'use strict';
// The order of the suites in the mutation run: fastest first (jest's own order is slowest first).
// Until jest has a time for every suite, they go by file size, smallest first.
//
// For a mutant's run, Stryker's jest runner asks for the covering tests by name (testNamePattern)
// but jest still loads every test file related to the mutated file, and a file that runs the node
// in n8n's engine takes seconds to load even when none of its tests run. So a mutant's run keeps
// only the files that hold a covering test, by the names recordTestNames.js wrote down in the first,
// unmutated run. A file with no names written down is kept, and when no file would be left every
// file is kept: a wrong guess can only cost time, never drop a test that covers the mutant.
const fs = require('node:fs');
const { statSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;
const path = require('node:path');

/** Written by recordTestNames.js. */
const NAMES_FILE = path.join(__dirname, '.test-names.jsonl');

/** Test names by test file, as the first run wrote them down; undefined before it has. */
function recordedNames() {
	if (!fs.existsSync(NAMES_FILE)) return undefined;
	const byFile = new Map();
	for (const line of fs.readFileSync(NAMES_FILE, 'utf8').split('\n')) {
		if (line === '') continue;
		const [file, name] = JSON.parse(line);
		if (!byFile.has(file)) byFile.set(file, []);
		byFile.get(file).push(name);
	}
	return byFile;
}

class FastestFirst extends Sequencer {
	constructor(options) {
		super(options);
		this.testNamePattern = options?.globalConfig?.testNamePattern;
	}

	sort(tests) {
		const timed = tests.every((test) => this.time(test) !== undefined);
		const cost = (test) => (timed ? this.time(test) : statSync(test.path).size);
		const ordered = [...tests].sort((a, b) => cost(a) - cost(b) || (a.path < b.path ? -1 : 1));
		if (!this.testNamePattern || process.env.__STRYKER_ACTIVE_MUTANT__ === undefined) return ordered;
		const names = recordedNames();
		if (names === undefined) return ordered;
		// jest matches testNamePattern case-insensitively against each test's full name.
		const pattern = new RegExp(this.testNamePattern, 'i');
		const covering = ordered.filter((test) => {
			const inFile = names.get(test.path);
			return inFile === undefined || inFile.some((name) => pattern.test(name));
		});
		return covering.length > 0 ? covering : ordered;
	}
}

module.exports = FastestFirst;
