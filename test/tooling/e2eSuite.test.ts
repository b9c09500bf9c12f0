/**
 * The e2e runner's counting (test/e2e/framework.js): every registered case is counted, and one
 * that did not run counts as failed, so a gap in the e2e run cannot pass.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the e2e runner is plain CommonJS
const { Suite } = require('../e2e/framework');

function suiteWithOutput() {
	const lines: string[] = [];
	const suite = new Suite({ out: (line: string) => lines.push(line) });
	return { suite, lines, last: () => lines[lines.length - 1] };
}

test('a registered case that never ran counts as failed, with the reason', async () => {
	const { suite, lines, last } = suiteWithOutput();
	suite.register(['setup', 'a', 'b', 'c']);
	await suite.case('setup', () => {
		throw new Error('provision failed');
	});
	expect(suite.summary('setup failed')).toBe(4);
	expect(last()).toBe('0 passed, 4 failed');
	expect(lines).toContain('FAIL  a  (not run: setup failed)');
	expect(lines).toContain('failed: c (not run: setup failed)');
});

test('each case counts once: passes, failures and cases marked not run', async () => {
	const { suite, last } = suiteWithOutput();
	suite.register(['one', 'two', 'editor 1', 'editor 2', 'editor 3']);
	expect(await suite.case('one', () => undefined)).toBe(true);
	expect(await suite.case('two', () => Promise.reject(new Error('no')))).toBe(false);
	suite.notRun(['editor 1', 'editor 2', 'editor 3'], 'chromium not found');
	expect(suite.summary()).toBe(4);
	expect(last()).toBe('1 passed, 4 failed');
});

test('a case that was not registered up front, or that runs twice, fails', async () => {
	const { suite, last } = suiteWithOutput();
	suite.register(['planned']);
	expect(await suite.case('planned', () => undefined)).toBe(true);
	expect(await suite.case('planned', () => undefined)).toBe(false);
	expect(await suite.case('unplanned', () => undefined)).toBe(false);
	expect(suite.summary()).toBe(2);
	expect(last()).toBe('1 passed, 2 failed');
});

test('registering a case twice is a mistake in the case table', () => {
	const { suite } = suiteWithOutput();
	expect(() => suite.register(['x', 'x'])).toThrow('e2e case registered twice: x');
});

test('a run where every registered case passed has no failures', async () => {
	const { suite, last } = suiteWithOutput();
	suite.register('only');
	await suite.case('only', async () => undefined);
	expect(suite.summary()).toBe(0);
	expect(last()).toBe('1 passed, 0 failed');
});
