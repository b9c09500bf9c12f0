import type { INodeProperties } from 'n8n-workflow';
import { sortedByDisplayName, type CompletionField } from './completionField';

export const advancedSamplingFields: CompletionField[] = [
	{
		apiField: 'top_k',
		kind: 'integer',
		property: {
			displayName: 'Top K',
			name: 'topK',
			type: 'number',
			default: 40,
			typeOptions: { numberPrecision: 0 },
			description: 'Samples only from the K most likely tokens at each step',
		},
	},
	{
		apiField: 'top_a',
		kind: 'number',
		property: {
			displayName: 'Top A',
			name: 'topA',
			type: 'number',
			default: 0,
			typeOptions: { numberPrecision: 3 },
			description:
				'Combines top-p and temperature behaviour. Leave unset unless the model description asks for it.',
		},
	},
	{
		apiField: 'min_p',
		kind: 'number',
		property: {
			displayName: 'Min P',
			name: 'minP',
			type: 'number',
			default: 0,
			typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 3 },
			description:
				'Drops tokens whose probability is below this floor, which keeps the model out of low-entropy loops. Between 0 and 1.',
		},
	},
	{
		apiField: 'tfs',
		kind: 'number',
		property: {
			displayName: 'Tail Free Sampling',
			name: 'tfs',
			type: 'number',
			default: 1,
			typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 3 },
			description:
				'Shaves the long tail of the distribution. Between 0 and 1; 1 turns it off.',
		},
	},
	{
		apiField: 'typical_p',
		kind: 'number',
		property: {
			displayName: 'Typical P',
			name: 'typicalP',
			type: 'number',
			default: 1,
			typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 3 },
			description:
				'Entropy-based nucleus sampling: keeps tokens whose surprise matches the expected entropy. Between 0 and 1.',
		},
	},
	{
		apiField: 'eta_cutoff',
		kind: 'number',
		property: {
			displayName: 'Eta Cutoff',
			name: 'etaCutoff',
			type: 'number',
			default: 0,
			typeOptions: { numberPrecision: 4 },
			description: 'Cuts tokens as soon as their probability falls below this tail threshold',
		},
	},
	{
		apiField: 'epsilon_cutoff',
		kind: 'number',
		property: {
			displayName: 'Epsilon Cutoff',
			name: 'epsilonCutoff',
			type: 'number',
			default: 0,
			typeOptions: { numberPrecision: 4 },
			description: 'Cuts tokens whose probability is below this fixed threshold',
		},
	},
	{
		apiField: 'mirostat_mode',
		kind: 'option',
		property: {
			displayName: 'Mirostat Mode',
			name: 'mirostatMode',
			type: 'options',
			default: 0,
			options: [
				{ name: 'Off', value: 0 },
				{ name: 'Mirostat', value: 1 },
				{ name: 'Mirostat 2.0', value: 2 },
			],
			description: 'Turns on Mirostat sampling for models that support it',
		},
	},
	{
		apiField: 'mirostat_tau',
		kind: 'number',
		property: {
			displayName: 'Mirostat Tau',
			name: 'mirostatTau',
			type: 'number',
			default: 5,
			typeOptions: { numberPrecision: 2 },
			description: 'Mirostat target entropy. Used when Mirostat Mode is on.',
		},
	},
	{
		apiField: 'mirostat_eta',
		kind: 'number',
		property: {
			displayName: 'Mirostat Eta',
			name: 'mirostatEta',
			type: 'number',
			default: 0.1,
			typeOptions: { numberPrecision: 3 },
			description: 'Mirostat learning rate. Used when Mirostat Mode is on.',
		},
	},
];

export const advancedSamplingCollection: INodeProperties = {
	displayName: 'Advanced Sampling',
	name: 'advancedSampling',
	type: 'collection',
	placeholder: 'Add Sampling Option',
	default: {},
	displayOptions: { show: { operation: ['complete'] } },
	options: sortedByDisplayName(advancedSamplingFields.map((field) => field.property)),
};
