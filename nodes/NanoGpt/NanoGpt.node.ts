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
		description: 'Generate text completions with NanoGPT',
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
		return await executeCompleteText.call(this);
	}
}
