import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	NodeConnectionType,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { completeTextProperties } from './description/completeText';
import { executeCompleteText } from './run/executeCompleteText';
import { getModelProviders } from './methods/modelProviders';
import { answerFailuresToAgent } from './run/agentToolFailure';
import { searchModels } from './methods/modelSearch';

// NodeConnectionTypes came with n8n 1.85 (n8n-workflow 1.83); before it, the node loads with the plain name.
const MAIN: NodeConnectionType = NodeConnectionTypes?.Main ?? 'main';

export class NanoGpt implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'NanoGPT',
		name: 'nanoGpt',
		icon: { light: 'file:nanogpt.svg', dark: 'file:nanogpt.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{"Complete Text: " + ($parameter["model"].value || $parameter["model"])}}',
		// Also the tool's description an AI Agent's model reads (n8n names the tool after the node).
		description: 'Complete text with NanoGPT: a model continues the given prompt and returns the text it wrote',
		defaults: { name: 'NanoGPT' },
		usableAsTool: true,
		inputs: [MAIN],
		outputs: [MAIN],
		credentials: [{ name: 'nanoGptApi', required: true }],
		properties: completeTextProperties,
	};

	methods = {
		listSearch: { searchModels },
		loadOptions: { getModelProviders },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await answerFailuresToAgent(this, async () => await executeCompleteText.call(this));
	}
}
