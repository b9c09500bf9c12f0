import type { INodeProperties } from 'n8n-workflow';
import { sortedByDisplayName, type CompletionField } from './completionField';

/** Bits per weight of each quantization NanoGPT compares; formats of one width count as equal. */
export const QUANTIZATION_BITS: Record<string, number> = {
	int4: 4,
	fp4: 4,
	fp6: 6,
	int8: 8,
	fp8: 8,
	fp16: 16,
	bf16: 16,
	fp32: 32,
};

const quantizationOptions = [...Object.keys(QUANTIZATION_BITS), 'unknown'].map((value) => ({
	name: value === 'unknown' ? 'Unknown (Providers Without Known Quantization)' : value.toUpperCase(),
	value,
}));

const BILLED_AS_CHOICE =
	'Any provider choice is billed pay-as-you-go at the provider\'s price plus 5%, outside any subscription, and applies only to models with provider selection';
const PROVIDER_IDS = 'Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>';
const providersOfModel = { loadOptionsMethod: 'getModelProviders', loadOptionsDependsOn: ['model.value'] };

/** The body's `provider`: one provider ID, or the routing object's fields. */
export const providerRoutingFields: CompletionField[] = [
	{
		apiField: 'provider',
		kind: 'text',
		property: {
			displayName: 'Provider Name or ID',
			name: 'provider',
			type: 'options',
			default: '',
			typeOptions: providersOfModel,
			description: `One provider serves every request (NanoGPT's \`provider\` string). Not with the other Provider Routing fields. ${BILLED_AS_CHOICE}. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.`,
		},
	},
	{
		apiField: 'provider.order',
		kind: 'textList',
		property: {
			displayName: 'Preferred Provider Names or IDs',
			name: 'order',
			type: 'multiOptions',
			default: [],
			typeOptions: providersOfModel,
			description: `Providers to try first, in this order; NanoGPT may still route elsewhere, and ignores IDs it does not know. ${PROVIDER_IDS}.`,
		},
	},
	{
		apiField: 'provider.only',
		kind: 'textList',
		property: {
			displayName: 'Allowed Provider Names or IDs',
			name: 'only',
			type: 'multiOptions',
			default: [],
			typeOptions: providersOfModel,
			description: `The only providers NanoGPT may use; it fails rather than route elsewhere, and refuses an ID it does not know. ${PROVIDER_IDS}.`,
		},
	},
	{
		apiField: 'provider.ignore',
		kind: 'textList',
		property: {
			displayName: 'Ignored Provider Names or IDs',
			name: 'ignore',
			type: 'multiOptions',
			default: [],
			typeOptions: providersOfModel,
			description: `Providers NanoGPT must not use. Without preferred or allowed providers, NanoGPT picks the cheapest provider left. ${PROVIDER_IDS}.`,
		},
	},
	{
		apiField: 'provider.sort',
		kind: 'option',
		property: {
			displayName: 'Sort',
			name: 'sort',
			type: 'options',
			default: 'price',
			options: [
				{ name: 'Auto (No Sort)', value: 'auto', description: 'Ignores saved routing preferences without asking for a sort' },
				{ name: 'Default (No Sort)', value: 'default', description: 'Same as Auto' },
				{ name: 'Latency', value: 'latency', description: 'Lowest time to first token' },
				{ name: 'None (No Sort)', value: 'none', description: 'Same as Auto' },
				{ name: 'Price', value: 'price', description: 'Cheapest input-plus-output price' },
				{ name: 'Speed', value: 'speed', description: 'Best estimated completion time' },
				{ name: 'Throughput', value: 'throughput', description: 'Most tokens per second' },
			],
			description: 'How NanoGPT ranks the providers it may use',
		},
	},
	{
		apiField: 'provider.quantizations',
		kind: 'optionList',
		property: {
			displayName: 'Quantizations',
			name: 'quantizations',
			type: 'multiOptions',
			default: [],
			options: quantizationOptions.sort((a, b) => a.name.localeCompare(b.name)),
			description:
				'Only providers that serve the model at one of these weight precisions. Providers whose precision is not known are left out unless Unknown is chosen too.',
		},
	},
	{
		apiField: 'provider.min_quantization',
		kind: 'option',
		property: {
			displayName: 'Min Quantization',
			name: 'minQuantization',
			type: 'options',
			default: 'fp8',
			options: quantizationOptions.filter((option) => option.value !== 'unknown').sort((a, b) => a.name.localeCompare(b.name)),
			description:
				'Lowest weight precision allowed, by bit width (FP8 allows INT8, FP8, FP16, BF16 and FP32). With Quantizations, at least one of them must meet it.',
		},
	},
	{
		apiField: 'provider.max_price.prompt',
		kind: 'number',
		property: {
			displayName: 'Max Prompt Price',
			name: 'maxPromptPrice',
			type: 'number',
			default: 1,
			typeOptions: { minValue: 0, numberPrecision: 4 },
			description:
				'Highest price of prompt (input) tokens in USD per 1M tokens, 0 or more. Without Sort or preferred providers, NanoGPT picks the cheapest provider under the caps.',
		},
	},
	{
		apiField: 'provider.max_price.completion',
		kind: 'number',
		property: {
			displayName: 'Max Completion Price',
			name: 'maxCompletionPrice',
			type: 'number',
			default: 2,
			typeOptions: { minValue: 0, numberPrecision: 4 },
			description: 'Highest price of completion (output) tokens in USD per 1M tokens, 0 or more',
		},
	},
	{
		apiField: 'provider.allow_fallbacks',
		kind: 'boolean',
		property: {
			displayName: 'Allow Fallbacks',
			name: 'allowFallbacks',
			type: 'boolean',
			default: false,
			description: 'Whether NanoGPT may fall back to another provider when the chosen ones fail. Off: the request fails instead.',
		},
	},
	{
		apiField: 'provider.require_parameters',
		kind: 'boolean',
		property: {
			displayName: 'Require Parameters',
			name: 'requireParameters',
			type: 'boolean',
			default: true,
			description: 'Whether to use only providers that support every parameter of the request',
		},
	},
];

export const providerRoutingCollection: INodeProperties = {
	displayName: 'Provider Routing',
	name: 'providerRouting',
	type: 'collection',
	placeholder: 'Add Routing Field',
	default: {},
	description: `Which upstream providers may serve the model (NanoGPT's \`provider\` field). ${BILLED_AS_CHOICE}.`,
	displayOptions: { show: { operation: ['complete'] } },
	options: sortedByDisplayName(providerRoutingFields.map((field) => field.property)),
};
