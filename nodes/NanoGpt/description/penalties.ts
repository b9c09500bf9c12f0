import type { INodeProperties } from 'n8n-workflow';
import { sortedByDisplayName, type CompletionField } from './completionField';

export const penaltyFields: CompletionField[] = [
	{
		apiField: 'frequency_penalty',
		kind: 'number',
		property: {
			displayName: 'Frequency Penalty',
			name: 'frequencyPenalty',
			type: 'number',
			default: 0,
			typeOptions: { minValue: -2, maxValue: 2, numberPrecision: 2 },
			description:
				'Penalizes tokens in proportion to how often they already appeared. Negative values encourage repetition, positive values discourage it. Between -2 and 2.',
		},
	},
	{
		apiField: 'presence_penalty',
		kind: 'number',
		property: {
			displayName: 'Presence Penalty',
			name: 'presencePenalty',
			type: 'number',
			default: 0,
			typeOptions: { minValue: -2, maxValue: 2, numberPrecision: 2 },
			description:
				'Penalizes tokens that appeared at all, which keeps the model on new ground without banning words. Between -2 and 2.',
		},
	},
	{
		apiField: 'repetition_penalty',
		kind: 'number',
		property: {
			displayName: 'Repetition Penalty',
			name: 'repetitionPenalty',
			type: 'number',
			default: 1,
			typeOptions: { minValue: -2, maxValue: 2, numberPrecision: 2 },
			description:
				'Provider-agnostic repetition modifier, distinct from the OpenAI penalties. Values above 1 discourage repetition. Between -2 and 2.',
		},
	},
	{
		apiField: 'no_repeat_ngram_size',
		kind: 'integer',
		property: {
			displayName: 'No Repeat N-Gram Size',
			name: 'noRepeatNgramSize',
			type: 'number',
			default: 0,
			typeOptions: { minValue: 0, numberPrecision: 0 },
			description:
				'Forbids repeating any sequence of this many tokens. 0 turns it off. Not supported by many providers.',
		},
	},
];

export const penaltiesCollection: INodeProperties = {
	displayName: 'Penalties',
	name: 'penalties',
	type: 'collection',
	placeholder: 'Add Penalty',
	default: {},
	displayOptions: { show: { operation: ['complete'] } },
	options: sortedByDisplayName(penaltyFields.map((field) => field.property)),
};
