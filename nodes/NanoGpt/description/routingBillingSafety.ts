import type { INodeProperties } from 'n8n-workflow';
import { sortedByDisplayName, type CompletionField } from './completionField';

/** Routing suffixes exclude each other and any provider choice (NanoGPT's `speed_suffix_*` errors). */
const EXCLUSIVE =
	'Not with another routing suffix or with Provider Routing. Billed pay-as-you-go plus 5%, outside any subscription; models without provider selection refuse it';

export const routingBillingSafetyFields: CompletionField[] = [
	{
		apiField: 'speed|throughput|latency|price',
		kind: 'option',
		sentAs: 'modelSuffix',
		sendsNothing: ['none'],
		property: {
			displayName: 'Routing Preference',
			name: 'routingPreference',
			type: 'options',
			default: 'none',
			options: [
				{ name: 'Latency', value: 'latency', description: 'Adds :latency: the provider with the lowest time to first token' },
				{ name: 'None', value: 'none' },
				{ name: 'Price', value: 'price', description: 'Adds :price: the cheapest provider by input-plus-output price' },
				{ name: 'Speed', value: 'speed', description: 'Adds :speed: the best estimated completion time' },
				{ name: 'Throughput', value: 'throughput', description: 'Adds :throughput: the most tokens per second' },
			],
			description: `Lets NanoGPT pick the provider by this measure, as a suffix on the model ID. ${EXCLUSIVE}.`,
		},
	},
	{
		apiField: 'tools',
		kind: 'boolean',
		sentAs: 'modelSuffix',
		property: {
			displayName: 'Tool Support',
			name: 'toolSupport',
			type: 'boolean',
			default: false,
			description: `Whether to route to a provider that supports tools (adds :tools to the model ID). ${EXCLUSIVE}.`,
		},
	},
	{
		apiField: 'caching',
		kind: 'boolean',
		sentAs: 'modelSuffix',
		property: {
			displayName: 'Prompt Caching',
			name: 'promptCaching',
			type: 'boolean',
			default: false,
			description: `Whether to route to a provider that caches prompts, and stay with it for later requests (adds :caching to the model ID); the request fails when none is available. ${EXCLUSIVE}.`,
		},
	},
	{
		apiField: 'billing_mode',
		kind: 'option',
		sendsNothing: ['default'],
		property: {
			displayName: 'Billing Mode',
			name: 'billingMode',
			type: 'options',
			default: 'default',
			options: [
				{ name: 'Default', value: 'default', description: 'A subscription covers the models it includes' },
				{
					name: 'Pay As You Go',
					value: 'paygo',
					description: 'Sends billing_mode "paygo": billed from the balance even when a subscription covers the model',
				},
			],
			description:
				'Who pays for each request. Pay As You Go needs NanoGPT\'s paid-models API on for the account. A provider choice or routing suffix is always pay-as-you-go.',
		},
	},
	{
		apiField: 'moderation',
		kind: 'option',
		sentAs: 'header',
		sendsNothing: ['default'],
		apiValues: { off: 'false', on: 'true' },
		property: {
			displayName: 'Moderation',
			name: 'moderation',
			type: 'options',
			default: 'default',
			options: [
				{ name: 'Default', value: 'default', description: 'No moderation header' },
				{ name: 'Off', value: 'off', description: 'Sends the header moderation: false' },
				{ name: 'On', value: 'on', description: 'Sends moderation: true, or the Moderation Model\'s ID' },
			],
			description:
				'NanoGPT\'s paid check of the prompt before the model sees it. A refused prompt fails its item (content_policy_violation) and is still charged for the check; the output\'s moderation field gives the model, the verdict and the cost.',
		},
	},
	{
		apiField: 'moderation',
		kind: 'text',
		sentAs: 'header',
		property: {
			displayName: 'Moderation Model',
			name: 'moderationModel',
			type: 'string',
			default: '',
			placeholder: 'e.g. meta-llama/llama-guard-4-12b',
			description: 'With Moderation On: the moderation model to use (GET /api/v1/moderation-models lists them), sent as the moderation header. Empty: NanoGPT\'s default model.',
		},
	},
	{
		apiField: 'redaction',
		kind: 'option',
		sentAs: 'header',
		sendsNothing: ['default'],
		apiValues: { on: 'true', off: 'false' },
		property: {
			displayName: 'PII Redaction',
			name: 'piiRedaction',
			type: 'options',
			default: 'default',
			options: [
				{ name: 'Default', value: 'default', description: 'The account\'s or API key\'s redaction setting applies' },
				{ name: 'Off', value: 'off', description: 'Sends redaction: false, overriding an account or key default' },
				{ name: 'On', value: 'on', description: 'Sends redaction: true; $0.0005 per request' },
			],
			description:
				'Whether NanoGPT masks personal data (emails, phone numbers, names, addresses, card numbers...) before the prompt reaches the model and restores it in the answer where it can; secrets such as API keys are replaced for good. $0.0005 per request.',
		},
	},
];

export const routingBillingSafetyCollection: INodeProperties = {
	displayName: 'Routing, Billing and Safety',
	name: 'routingBillingSafety',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	displayOptions: { show: { operation: ['complete'] } },
	options: sortedByDisplayName(routingBillingSafetyFields.map((field) => field.property)),
};
