/**
 * What the e2e suite reads back from `n8n execute` (scripts/lib/n8n.js runN8n): a character whose
 * bytes reach the pipe in two chunks stays whole. A completion with Japanese text in a busy run
 * once came back with U+FFFD in place of 語 because each chunk was decoded on its own.
 */
import { tmpdir } from 'node:os';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script of the repo
const { runN8n } = require('../../scripts/lib/n8n');

/** A stand-in for the provisioned n8n: the command is this Node running a script. */
const writesSplitCharacter = {
	n8nCommand: () => [
		process.execPath,
		[
			'-e',
			// 語 is E8 AA 9E; the first write ends inside it, the second arrives 100 ms later.
			"process.stdout.write(Buffer.from([0x65, 0xe8, 0xaa])); process.stderr.write(Buffer.from([0xe8])); setTimeout(() => { process.stdout.write(Buffer.from([0x9e, 0x21])); process.stderr.write(Buffer.from([0xaa, 0x9e])); }, 100);",
		],
	],
};

test('a multi-byte character split between two chunks of the output is decoded whole', async () => {
	const { code, stdout, stderr } = await runN8n(writesSplitCharacter, [], { env: { ...process.env, N8N_USER_FOLDER: tmpdir() } });
	expect(code).toBe(0);
	expect(stdout).toBe('e語!');
	expect(stderr).toBe('語');
});
