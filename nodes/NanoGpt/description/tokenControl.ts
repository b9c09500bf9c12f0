import type { INodeProperties } from 'n8n-workflow';
import { sortedByDisplayName, type CompletionField } from './completionField';

/** The largest bias, either way, that Logit Bias takes for a token (OpenAI's range). */
export const MAX_LOGIT_BIAS = 100;

export const tokenControlFields: CompletionField[] = [
	{
		apiField: 'min_tokens',
		kind: 'integer',
		property: {
			displayName: 'Min Tokens',
			name: 'minTokens',
			type: 'number',
			default: 0,
			typeOptions: { minValue: 0, numberPrecision: 0 },
			description:
				'Minimum completion length before stop conditions may end it, for providers that support it',
		},
	},
	{
		apiField: 'stop_token_ids',
		kind: 'tokenIdList',
		property: {
			displayName: 'Stop Token IDs',
			name: 'stopTokenIds',
			type: 'json',
			default: '[]',
			placeholder: '[50256, 198]',
			description:
				'Token IDs that end the generation: a JSON array such as [50256, 198], a comma-separated list such as 50256, 198, or an array from an expression. Not supported by many providers.',
		},
	},
	{
		apiField: 'custom_token_bans',
		kind: 'tokenIdList',
		property: {
			displayName: 'Banned Token IDs',
			name: 'customTokenBans',
			type: 'json',
			default: '[]',
			placeholder: '[50256, 198]',
			description: 'Token IDs the model may never produce: a JSON array such as [50256, 198], a comma-separated list, or an array from an expression',
		},
	},
	{
		apiField: 'logit_bias',
		kind: 'tokenBiasMap',
		property: {
			displayName: 'Logit Bias',
			name: 'logitBias',
			type: 'json',
			default: '{}',
			placeholder: '{"50256": -100}',
			description:
				`JSON object mapping token IDs to a bias between -${MAX_LOGIT_BIAS} and ${MAX_LOGIT_BIAS} added to their logits, as in OpenAI's API`,
		},
	},
	{
		apiField: 'ignore_eos',
		kind: 'boolean',
		property: {
			displayName: 'Ignore EOS',
			name: 'ignoreEos',
			type: 'boolean',
			default: false,
			description:
				'Whether to keep generating when the model predicts the end of the sequence, useful for long creative runs',
		},
	},
	{
		apiField: 'include_stop_str_in_output',
		kind: 'boolean',
		property: {
			displayName: 'Include Stop Sequence in Output',
			name: 'includeStopStrInOutput',
			type: 'boolean',
			default: false,
			description:
				'Whether to keep the stop sequence at the end of the text. Not supported by many providers.',
		},
	},
];

export const tokenControlCollection: INodeProperties = {
	displayName: 'Token Control',
	name: 'tokenControl',
	type: 'collection',
	placeholder: 'Add Token Option',
	default: {},
	displayOptions: { show: { operation: ['complete'] } },
	options: sortedByDisplayName(tokenControlFields.map((field) => field.property)),
};
