import type { INodeProperties } from 'n8n-workflow';
import { advancedSamplingCollection } from './advancedSampling';
import { optionsCollection } from './options';
import { penaltiesCollection } from './penalties';
import { providerRoutingCollection } from './providerRouting';
import { requestOptionsCollection } from './requestOptions';
import { routingBillingSafetyCollection } from './routingBillingSafety';
import { tokenControlCollection } from './tokenControl';

export const DEFAULT_MODEL = 'chatgpt-4o-latest';

const operation: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	default: 'complete',
	options: [
		{
			name: 'Complete Text',
			value: 'complete',
			action: 'Complete text',
			description: 'Continue a prompt with a text completion (POST /v1/completions)',
		},
	],
};

const model: INodeProperties = {
	displayName: 'Model',
	name: 'model',
	type: 'resourceLocator',
	default: { mode: 'list', value: DEFAULT_MODEL },
	required: true,
	description: 'The model that completes the prompt',
	displayOptions: { show: { operation: ['complete'] } },
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Select a model...',
			typeOptions: { searchListMethod: 'searchModels', searchable: true },
		},
		{
			displayName: 'ID',
			name: 'id',
			type: 'string',
			placeholder: `e.g. ${DEFAULT_MODEL}`,
		},
	],
};

const prompt: INodeProperties = {
	displayName: 'Prompt',
	name: 'prompt',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. Write a one-line tagline for {{ $json.name }}',
	description: 'The text the model continues. Use an expression to build it from each item.',
	typeOptions: { rows: 4 },
	displayOptions: { show: { operation: ['complete'] } },
};

const simplify: INodeProperties = {
	displayName: 'Simplify Output',
	name: 'simplify',
	type: 'boolean',
	default: true,
	description:
		'Whether to return text, finish reason, model, ID, usage and cost instead of the raw API response',
	displayOptions: { show: { operation: ['complete'] } },
};

export const completeTextProperties: INodeProperties[] = [
	operation,
	model,
	prompt,
	simplify,
	optionsCollection,
	providerRoutingCollection,
	routingBillingSafetyCollection,
	penaltiesCollection,
	advancedSamplingCollection,
	tokenControlCollection,
	requestOptionsCollection,
];
