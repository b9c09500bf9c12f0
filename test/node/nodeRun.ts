import type { ICredentialDataDecryptedObject, IDataObject, INodeParameters } from 'n8n-workflow';
import { NanoGptApi } from '../../credentials/NanoGptApi.credentials';
import { NanoGpt } from '../../nodes/NanoGpt/NanoGpt.node';
import type { Emulator } from '../support/emulator';
import { runNode, startNode, type RunNodeOptions } from '../support/harness';

export const MODEL = 'gpt-4o-mini';

export function credentialsFor(emulator: Emulator, data: Partial<ICredentialDataDecryptedObject> = {}) {
	return { nanoGptApi: { apiKey: emulator.apiKey, baseUrl: emulator.baseUrl, ...data } };
}

export function completeParameters(extra: INodeParameters = {}): INodeParameters {
	return {
		operation: 'complete',
		model: { __rl: true, mode: 'id', value: MODEL },
		prompt: '={{ $json.prompt }}',
		...extra,
	};
}

type NodeRunOptions = Partial<RunNodeOptions> & { emulator: Emulator; items: IDataObject[] };

function options({ emulator, ...rest }: NodeRunOptions): RunNodeOptions {
	return {
		node: new NanoGpt(),
		credentialTypes: [new NanoGptApi()],
		credentials: credentialsFor(emulator),
		parameters: completeParameters(),
		...rest,
	};
}

/** Runs the NanoGPT node inside n8n-core's WorkflowExecute against the emulator. */
export async function runCompletion(run: NodeRunOptions) {
	return await runNode(options(run));
}

export function startCompletion(run: NodeRunOptions) {
	return startNode(options(run));
}

/** The simplified output's usage for `times` emulator answers with these token counts. */
export const usageOf = ({ promptTokens, completionTokens }: { promptTokens: number; completionTokens: number }, times = 1) => ({
	promptTokens: times * promptTokens,
	completionTokens: times * completionTokens,
	totalTokens: times * (promptTokens + completionTokens),
});

export const prompts = (count: number, prefix = 'Row') =>
	Array.from({ length: count }, (_, index) => ({ prompt: `${prefix} ${index}` }));
