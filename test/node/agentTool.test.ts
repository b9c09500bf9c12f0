import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NanoGpt } from '../../nodes/NanoGpt/NanoGpt.node';
import { completionTextFor } from '../support/emulator';
import { emulatorForFile } from '../support/emulatorForFile';
import { MODEL, completeParameters, runCompletion, usageOf } from './nodeRun';

/**
 * The tool variant (`n8n-nodes-nanogpt.nanoGptTool`) as an AI Agent runs it, in n8n-core's real
 * engine on both lines: a failure is the tool's answer (one error item the agent reads), not a
 * failed workflow, which is what n8n 1.x's engine made of a tool that throws. The e2e suite runs
 * the same in a real AI Agent (test/e2e/agent.js).
 */

const TOOL_NODE = 'Complete text with NanoGPT';

/**
 * An agent as n8n's AI Agent (version 3) drives its tools: its first run asks the engine to run the
 * tool with the model's arguments (an engine request); the engine runs the tool node and resumes the
 * agent with the tool's run, whose output the agent returns.
 */
const agentNode: INodeType = {
	description: {
		displayName: 'AI Agent',
		name: 'test.agent',
		group: ['transform'],
		version: 1,
		description: 'Calls its tool once per item',
		defaults: { name: 'AI Agent' },
		inputs: ['main', 'ai_tool'],
		outputs: ['main'],
		properties: [],
	} as INodeTypeDescription,
	async execute(this: IExecuteFunctions, response?: { actionResponses: Array<{ data: any }> }) {
		if (!response || response.actionResponses.length === 0) {
			return {
				actions: this.getInputData().map((item, itemIndex) => ({
					actionType: 'ExecutionNodeAction',
					nodeName: TOOL_NODE,
					input: item.json,
					type: 'ai_tool',
					id: `call_${itemIndex}`,
					metadata: { itemIndex },
				})),
				metadata: {},
			} as unknown as INodeExecutionData[][];
		}
		return [response.actionResponses.map(({ data }) => ({ json: { toolResult: data.data?.ai_tool?.[0]?.map((item: INodeExecutionData) => item.json) ?? null } }))];
	},
};
function toolVariant(): NanoGpt {
	const node = new NanoGpt();
	// n8n registers a node with usableAsTool a second time, named <type>Tool (its "NanoGPT Tool").
	node.description = { ...node.description, name: 'n8n-nodes-nanogpt.nanoGptTool', displayName: 'NanoGPT Tool' } as INodeTypeDescription;
	return node;
}

const emulator = emulatorForFile();

const completions = () => emulator.requests.filter((request) => request.path.endsWith('/v1/completions'));
/** The prompt and max tokens as the agent's $fromAI() arguments arrive: fields of the input item. */
const fromAgent = (prompt: string, maxTokens: IDataObject[string] = 40) => ({
	items: [{ prompt, max_tokens: maxTokens }],
	parameters: completeParameters({ options: { maxTokens: '={{ $json.max_tokens }}' }, requestOptions: { maxRetries: 1, requestsPerSecond: 0 } }),
});

describe('the NanoGPT tool of an AI Agent', () => {
	it('answers with the completion', async () => {
		const { items, error } = await runCompletion({ emulator, node: toolVariant(), ...fromAgent('Tagline for a lantern') });
		expect(error).toBeUndefined();
		const expected = completionTextFor({ model: MODEL, prompt: 'Tagline for a lantern', max_tokens: 40 });
		expect(items).toEqual([
			{ json: expect.objectContaining({ text: expected.text, usage: usageOf(expected) }), pairedItem: { item: 0 } },
		]);
	});

	it.each([
		['a 400', '[[fault:400]] refused', 'NanoGPT returned 400: Bad Request', { httpCode: '400', attempts: 1 }, 1],
		['a 429 past its retries (Retry-After 3 s: longer than the per-second limit, so it counts against Max Retries)', '[[fault:429:3]] busy', 'NanoGPT returned 429: Rate limit exceeded (after 2 attempts)', { httpCode: '429', attempts: 2 }, 2],
		['a 500 past its retries', '[[fault:500]] broken', 'NanoGPT returned 500: Internal Server Error (after 2 attempts)', { httpCode: '500', attempts: 2 }, 2],
	])('answers %s with an error item the agent reads, and the workflow goes on', async (_, prompt, message, fields, requests) => {
		const { items, error } = await runCompletion({ emulator, node: toolVariant(), ...fromAgent(prompt) });
		expect(error).toBeUndefined();
		expect(completions()).toHaveLength(requests);
		const sent = completions().at(-1)!;
		expect(items).toEqual([
			{
				json: {
					error: message,
					description: expect.stringContaining(`Request ID: ${sent.id}`),
					requestId: sent.id,
					...fields,
				},
				pairedItem: { item: 0 },
			},
		]);
	});

	it("answers NanoGPT's daily cap at once, with NanoGPT's message and code", async () => {
		emulator.setFaultRule(() => ({
			status: 429,
			shape: 'openai',
			code: 'daily_rpd_limit_exceeded',
			message: 'Daily request limit exceeded (1000/1000). Resets at midnight UTC.',
			retryAfter: 36000,
		}));
		const { items, error } = await runCompletion({ emulator, node: toolVariant(), ...fromAgent('past the cap') });
		expect(error).toBeUndefined();
		expect(completions()).toHaveLength(1);
		expect(items).toHaveLength(1);
		expect(items[0].json.error).toMatch(
			/^NanoGPT's daily request limit for this API key is reached: no further requests until it resets at .* NanoGPT said: "Daily request limit exceeded \(1000\/1000\)\. Resets at midnight UTC\." \(code daily_rpd_limit_exceeded\)$/,
		);
		expect(items[0].json.description).toContain('Code: daily_rpd_limit_exceeded');
	});

	it('answers a value the model chose badly (max tokens 0) with the parameter error, and sends nothing', async () => {
		const { items, error } = await runCompletion({ emulator, node: toolVariant(), ...fromAgent('Tagline', 0) });
		expect(error).toBeUndefined();
		expect(completions()).toHaveLength(0);
		expect(items[0].json).toMatchObject({
			error: expect.stringMatching(/^Invalid value for "Options > Max Tokens" in item 0: /),
			description: 'Nothing was sent to NanoGPT for this item.',
			parameter: 'Options > Max Tokens',
		});
	});

	it('still stops the workflow when its On Error setting says Stop Workflow', async () => {
		const { items, error } = await runCompletion({ emulator, node: toolVariant(), onError: 'stopWorkflow', ...fromAgent('[[fault:400]] refused') });
		expect(error?.message).toBe('NanoGPT returned 400: Bad Request');
		expect(items).toEqual([]);
	});

	it('keeps the API key out of its answer', async () => {
		emulator.setFaultRule(() => ({ status: 401, message: `Invalid API key ${emulator.apiKey}` }));
		const { items } = await runCompletion({ emulator, node: toolVariant(), ...fromAgent('who am I') });
		expect(JSON.stringify(items)).not.toContain(emulator.apiKey);
		expect(items[0].json.error).toBe('NanoGPT returned 401: Invalid API key [redacted API key]');
	});
});

describe("the NanoGPT tool in n8n's engine, called by an agent", () => {
	it('answers the agent with the completion', async () => {
		const { items, error } = await runCompletion({ emulator, node: toolVariant(), agent: agentNode, nodeName: TOOL_NODE, ...fromAgent('Tagline') });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(items[0].json.toolResult).toEqual([expect.objectContaining({ text: completionTextFor({ model: MODEL, prompt: 'Tagline', max_tokens: 40 }).text })]);
	});

	it('answers the agent with the error of a 400, and the workflow succeeds (n8n 1.x failed it)', async () => {
		const { items, error } = await runCompletion({ emulator, node: toolVariant(), agent: agentNode, nodeName: TOOL_NODE, ...fromAgent('[[fault:400]] refused') });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(items[0].json.toolResult).toEqual([expect.objectContaining({ error: 'NanoGPT returned 400: Bad Request', httpCode: '400', attempts: 1 })]);
	});
});

describe('the NanoGPT node itself', () => {
	it('still fails the workflow on a failure with Continue On Fail off', async () => {
		const { items, error } = await runCompletion({ emulator, ...fromAgent('[[fault:400]] refused') });
		expect(error?.message).toBe('NanoGPT returned 400: Bad Request');
		expect(items).toEqual([]);
	});
});
