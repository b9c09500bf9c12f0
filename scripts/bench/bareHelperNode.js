'use strict';
const { MODEL } = require('./clients');

/**
 * Reference node for attributing overhead: per item one `this.helpers.httpRequestWithAuthentication`
 * call with the request options the NanoGPT node sends, C at a time, and nothing else (no
 * validation, retries, pacing or output shaping). Node ÷ this = the node's own logic; this ÷ the
 * undici Pool = n8n's request helper and the execution engine.
 */
class BareHelperNode {
	description = {
		displayName: 'Bare helper (bench)',
		name: 'bareHelperBench',
		group: ['transform'],
		version: 1,
		description: 'Benchmark reference: the n8n request helper alone',
		defaults: { name: 'Bare helper' },
		inputs: ['main'],
		outputs: ['main'],
		credentials: [{ name: 'nanoGptApi', required: true }],
		properties: [
			{ displayName: 'Concurrency', name: 'concurrency', type: 'number', default: 16 },
			{ displayName: 'Model', name: 'model', type: 'string', default: MODEL },
			{ displayName: 'Prompt', name: 'prompt', type: 'string', default: '' },
		],
	};

	async execute() {
		const items = this.getInputData();
		const concurrency = this.getNodeParameter('concurrency', 0);
		const model = this.getNodeParameter('model', 0);
		const { baseUrl } = await this.getCredentials('nanoGptApi');
		const prompts = items.map((_, i) => this.getNodeParameter('prompt', i));
		const out = new Array(items.length);
		let next = 0;
		const worker = async () => {
			while (next < items.length) {
				const i = next++;
				const response = await this.helpers.httpRequestWithAuthentication.call(this, 'nanoGptApi', {
					method: 'POST',
					url: `${String(baseUrl).replace(/\/+$/, '')}/v1/completions`,
					headers: { Accept: 'application/json' },
					body: { model, prompt: prompts[i] },
					json: true,
					encoding: 'text',
					returnFullResponse: true,
					ignoreHttpStatusErrors: true,
					timeout: 300000,
				});
				const body = typeof response.body === 'string' ? JSON.parse(response.body) : response.body;
				out[i] = { json: { text: body?.choices?.[0]?.text }, pairedItem: { item: i } };
			}
		};
		await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
		return [out];
	}
}

module.exports = { BareHelperNode };
