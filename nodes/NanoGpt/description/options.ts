import type { INodeProperties } from 'n8n-workflow';
import { sortedByDisplayName, type CompletionField } from './completionField';

/** Options that become request body fields. */
export const optionFields: CompletionField[] = [
	{
		apiField: 'max_tokens',
		kind: 'integer',
		property: {
			displayName: 'Max Tokens',
			name: 'maxTokens',
			type: 'number',
			default: 4000,
			typeOptions: { minValue: 1, numberPrecision: 0 },
			description:
				'Upper bound on the number of tokens to generate, at least 1. Sent only when added; without it the model\'s own default applies.',
		},
	},
	{
		apiField: 'temperature',
		kind: 'number',
		property: {
			displayName: 'Temperature',
			name: 'temperature',
			type: 'number',
			default: 0.7,
			typeOptions: { minValue: 0, maxValue: 2, numberPrecision: 2 },
			description:
				'Randomness of the output between 0 and 2: lower values are more deterministic, higher values explore more. Sent only when added; without it the model\'s own default applies.',
		},
	},
	{
		apiField: 'top_p',
		kind: 'number',
		property: {
			displayName: 'Top P',
			name: 'topP',
			type: 'number',
			default: 1,
			typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
			description:
				'Nucleus sampling between 0 and 1: below 1 keeps only the most likely tokens whose probabilities add up to this value. An alternative to Temperature.',
		},
	},
	{
		apiField: 'stop',
		kind: 'stopSequences',
		property: {
			displayName: 'Stop Sequences',
			name: 'stop',
			type: 'string',
			default: [],
			typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Stop Sequence' },
			placeholder: 'e.g. ###',
			description:
				'Text that ends the completion when the model produces it. An expression may return one string or an array of strings.',
		},
	},
	{
		apiField: 'seed',
		kind: 'integer',
		property: {
			displayName: 'Seed',
			name: 'seed',
			type: 'number',
			default: 0,
			typeOptions: { numberPrecision: 0 },
			description: 'Integer seed that makes completions repeatable where the provider supports it',
		},
	},
	{
		apiField: 'stream',
		kind: 'boolean',
		property: {
			displayName: 'Stream',
			name: 'stream',
			type: 'boolean',
			default: false,
			description:
				'Whether to receive the completion as a stream of server-sent events. The output is the same; in a streaming Chat Trigger or Webhook the text reaches the caller as it is generated.',
		},
	},
	{
		apiField: 'logprobs',
		kind: 'booleanOrInteger',
		property: {
			displayName: 'Logprobs',
			name: 'logprobs',
			type: 'string',
			default: 'true',
			placeholder: 'true, false or a number such as 5',
			description:
				'Whether to return token log probabilities: true, false, or how many top alternatives per token. Only some providers support it.',
		},
	},
	{
		apiField: 'prompt_logprobs',
		kind: 'boolean',
		property: {
			displayName: 'Prompt Logprobs',
			name: 'promptLogprobs',
			type: 'boolean',
			default: false,
			description: 'Whether to return log probabilities of the prompt tokens where the provider allows it',
		},
	},
	{
		apiField: 'reasoning-exclude',
		kind: 'boolean',
		sentAs: 'modelSuffix',
		property: {
			displayName: 'Hide Reasoning',
			name: 'hideReasoning',
			type: 'boolean',
			default: false,
			description:
				'Whether to leave the reasoning text of reasoning models out of the answer (adds :reasoning-exclude to the model ID). Reasoning tokens are still billed as output tokens.',
		},
	},
];

/**
 * Web Search choices: the value is the model suffix after the colon. `online` and
 * `online/linkup-deep` were the first two values and stay as they are in saved workflows.
 * Prices per request from NanoGPT's web search price table.
 */
const webSearchChoices: Array<[name: string, value: string, price: string]> = [
	['None', 'none', ''],
	['Standard (Default Provider)', 'online', 'Linkup standard, $0.006 per request (GPT-5 and o-series models may use OpenAI\'s own search, $0.01 plus tokens)'],
	['Linkup', 'online/linkup', '$0.006 per request'],
	['Deep (Linkup Deep)', 'online/linkup-deep', '$0.06 per request'],
	['Tavily', 'online/tavily', '$0.008 per request'],
	['Tavily Deep', 'online/tavily-deep', '$0.016 per request'],
	['Brave', 'online/brave', '$0.005 per request'],
	['Brave Deep', 'online/brave-deep', '$0.005 per request'],
	['Sofya', 'online/sofya', 'extracted page content, $0.01575 per request'],
	['Exa Fast', 'online/exa-fast', '$0.005 plus $0.001 per page'],
	['Exa Auto', 'online/exa-auto', '$0.005 plus $0.001 per page'],
	['Exa Neural', 'online/exa-neural', '$0.005 plus $0.001 per page'],
	['Exa Deep', 'online/exa-deep', '$0.005 plus $0.001 per page'],
	['Exa Deep Reasoning', 'online/exa-deep-reasoning', '$0.005 plus $0.001 per page'],
	['Exa Instant', 'online/exa-instant', '$0.005 plus $0.001 per page'],
	['Kagi', 'online/kagi', 'Kagi standard search (Kagi Web and News are $0.002 per request, Kagi Search $0.025)'],
	['Kagi Web', 'online/kagi-web', '$0.002 per request'],
	['Kagi News', 'online/kagi-news', '$0.002 per request'],
	['Kagi Search', 'online/kagi-search', 'deep search, $0.025 per request'],
	['Perplexity', 'online/perplexity', '$0.005 per request'],
	['Perplexity Deep', 'online/perplexity-deep', 'price not listed by NanoGPT'],
	['Valyu', 'online/valyu', 'all sources, about $0.0015 per result'],
	['Valyu Deep', 'online/valyu-deep', 'all sources, price varies'],
	['Valyu Web', 'online/valyu-web', 'web only, about $0.0015 per result'],
	['Valyu Web Deep', 'online/valyu-web-deep', 'web only, price varies'],
];

export const WEB_SEARCH_VALUES = webSearchChoices.map(([, value]) => value);

const webSearchOptions = webSearchChoices
	.map(([name, value, price]) =>
		value === 'none' ? { name, value } : { name, value, description: `Adds :${value} to the model ID; ${price}` },
	)
	.sort((a, b) => a.name.localeCompare(b.name));

export const DEFAULT_JSON_RETRIES = 1;
export const MAX_JSON_RETRIES = 3;

/** Options that shape the model name or the output instead of a body field. */
const outputOptions: INodeProperties[] = [
	{
		displayName: 'Web Search',
		name: 'webSearch',
		type: 'options',
		default: 'none',
		options: webSearchOptions,
		description:
			'Lets the model search the web first, by adding :online or :online/ and a provider to the model ID. Each search is billed per request on top of tokens.',
		hint: 'Web search is billed per request on top of tokens: $0.002 to $0.06 depending on the provider (see each choice)',
	},
	{
		displayName: 'Include Input Fields',
		name: 'includeInputFields',
		type: 'boolean',
		default: false,
		description:
			'Whether to output the input item\'s fields with the result added under Output Field, so a spreadsheet row keeps its columns',
	},
	{
		displayName: 'Output Field',
		name: 'outputField',
		type: 'string',
		default: 'completion',
		description: 'Field that holds the result when Include Input Fields is on',
	},
	{
		displayName: 'Output Content as JSON',
		name: 'jsonOutput',
		type: 'boolean',
		default: false,
		description:
			'Whether to parse the completion text as JSON and add the value as data. The prompt must ask for JSON: the completions API cannot enforce it. The value is taken from the whole text, else from the first JSON code fence, else from the first {...} or [...] in the text.',
		displayOptions: { show: { '/simplify': [true] } },
	},
	{
		displayName: 'Retries on Invalid JSON',
		name: 'jsonRetries',
		type: 'number',
		default: DEFAULT_JSON_RETRIES,
		typeOptions: { minValue: 0, maxValue: MAX_JSON_RETRIES, numberPrecision: 0 },
		description:
			`With Output Content as JSON on: how many times to send the same request again when the text holds no valid JSON, between 0 and ${MAX_JSON_RETRIES}. Each attempt is billed. No retry when Max Tokens cut the text off.`,
		displayOptions: { show: { '/simplify': [true] } },
	},
	{
		displayName: 'Trim Text',
		name: 'trimText',
		type: 'boolean',
		default: false,
		description: 'Whether to remove leading and trailing whitespace from the generated text',
	},
];

export const optionsCollection: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	displayOptions: { show: { operation: ['complete'] } },
	options: sortedByDisplayName([...optionFields.map((field) => field.property), ...outputOptions]),
};
