'use strict';
// Registered by the mutation run's jest configuration (jest.config.js beside it). In Stryker's first,
// unmutated run it writes down which test file holds each test (by jest's full test name), so that
// fastestFirst.js can run, for each mutant, only the files that hold a test covering it: Stryker's
// jest runner names the covering tests but loads every related test file, and each file that runs
// the node in n8n's engine costs seconds to load even when none of its tests run.
const fs = require('node:fs');
const path = require('node:path');

// Read by fastestFirst.js.
const NAMES_FILE = path.join(__dirname, '.test-names.jsonl');

// Stryker sets this variable for every run of a mutant; the first run has none.
if (process.env.__STRYKER_ACTIVE_MUTANT__ === undefined) {
	afterEach(() => {
		const { testPath, currentTestName } = expect.getState();
		if (testPath && currentTestName) fs.appendFileSync(NAMES_FILE, `${JSON.stringify([testPath, currentTestName])}\n`);
	});
}
