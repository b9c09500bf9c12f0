/**
 * A fallback for n8n releases older than the ones npm test installs, run in the n8n-core that npm
 * test installs (2.41 and, in the n8n 1.x project, 1.122) with only the API those releases lack
 * taken away, for this file alone (jest gives each test file its own modules):
 * n8n 1.101 and 1.102 have `sendChunk(type, content)` without the item index, which the node cannot
 * feed, so it answers whole instead of streaming. `npm run test:compat` checks the same in the
 * n8n-core of 1.101.1.
 */
import type { StructuredChunk } from 'n8n-workflow';
import { ExecuteContext } from 'n8n-core';
import * as nodeRun from '../node/nodeRun';
import { completionTextFor } from '../support/emulator';
import { emulatorForFile } from '../support/emulatorForFile';

jest.setTimeout(30_000);

const emulator = emulatorForFile();

const completionRequests = () => emulator.requests.filter((request) => request.path.endsWith('/v1/completions'));

const withItemIndex = ExecuteContext.prototype.sendChunk;
beforeAll(() => {
	// The two-parameter form of those releases: what would be the item index is taken as the text.
	ExecuteContext.prototype.sendChunk = async function (this: ExecuteContext, type: StructuredChunk['type'], content?: unknown) {
		return await withItemIndex.call(this, type, 0, content as string);
	} as typeof withItemIndex;
});
afterAll(() => {
	ExecuteContext.prototype.sendChunk = withItemIndex;
});

test('a streamed completion is read whole and nothing is sent to the caller as chunks', async () => {
	const chunks: StructuredChunk[] = [];
	const items = nodeRun.prompts(2, 'Chat');
	const result = await nodeRun.runCompletion({
		emulator,
		items,
		parameters: nodeRun.completeParameters({ options: { stream: true } }),
		onChunk: (chunk) => void chunks.push(chunk),
	});
	expect(result.error).toBeUndefined();
	expect(result.items.map((item) => item.json.text)).toEqual(
		items.map(({ prompt }) => completionTextFor({ model: nodeRun.MODEL, prompt, stream: true }).text),
	);
	// NanoGPT's stream was read (the node asked for one), but none of it went to the caller.
	expect(completionRequests().map((request) => (request.body as { stream?: boolean }).stream)).toEqual([true, true]);
	expect(chunks).toEqual([]);
});
