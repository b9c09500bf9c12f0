import type { IDataObject } from 'n8n-workflow';
import type { FieldCollection } from '../../nodes/NanoGpt/description/completionField';

/** One example per API field: where the user sets it, what they set, what must be sent. */
export interface FieldSample {
	collection: FieldCollection;
	parameter: string;
	value: unknown;
	/** The table row's apiField: a body path, a header name, or a model suffix. */
	apiField: string;
	/** The value at the body path, the header's value, or the suffix added to the model ID. */
	sent: unknown;
	/** Default 'body'. */
	sentAs?: 'body' | 'header' | 'modelSuffix';
	/**
	 * Sent in a request of its own (with `with`'s parameters), because NanoGPT refuses it together
	 * with other samples (a provider ID with the routing object, a routing suffix with a provider).
	 */
	alone?: { with?: Partial<Record<FieldCollection, IDataObject>> };
}

/** A model that supports provider selection in the emulator, so that routing suffixes are accepted. */
export const PROVIDER_MODEL = 'meta-llama/llama-3.3-70b-instruct';

export const fieldSamples: FieldSample[] = [
	{ collection: 'options', parameter: 'maxTokens', value: 256, apiField: 'max_tokens', sent: 256 },
	{ collection: 'options', parameter: 'temperature', value: 1.25, apiField: 'temperature', sent: 1.25 },
	{ collection: 'options', parameter: 'topP', value: 0.9, apiField: 'top_p', sent: 0.9 },
	{ collection: 'options', parameter: 'stop', value: ['###', 'END'], apiField: 'stop', sent: ['###', 'END'] },
	{ collection: 'options', parameter: 'seed', value: 42, apiField: 'seed', sent: 42 },
	{ collection: 'options', parameter: 'stream', value: false, apiField: 'stream', sent: false },
	{ collection: 'options', parameter: 'logprobs', value: '5', apiField: 'logprobs', sent: 5 },
	{ collection: 'options', parameter: 'promptLogprobs', value: true, apiField: 'prompt_logprobs', sent: true },
	{ collection: 'options', parameter: 'hideReasoning', value: true, apiField: 'reasoning-exclude', sent: 'reasoning-exclude', sentAs: 'modelSuffix' },
	{ collection: 'penalties', parameter: 'frequencyPenalty', value: -1.5, apiField: 'frequency_penalty', sent: -1.5 },
	{ collection: 'penalties', parameter: 'presencePenalty', value: 0.6, apiField: 'presence_penalty', sent: 0.6 },
	{ collection: 'penalties', parameter: 'repetitionPenalty', value: 1.1, apiField: 'repetition_penalty', sent: 1.1 },
	{ collection: 'penalties', parameter: 'noRepeatNgramSize', value: 3, apiField: 'no_repeat_ngram_size', sent: 3 },
	{ collection: 'advancedSampling', parameter: 'topK', value: 40, apiField: 'top_k', sent: 40 },
	{ collection: 'advancedSampling', parameter: 'topA', value: 0.2, apiField: 'top_a', sent: 0.2 },
	{ collection: 'advancedSampling', parameter: 'minP', value: 0.05, apiField: 'min_p', sent: 0.05 },
	{ collection: 'advancedSampling', parameter: 'tfs', value: 0.95, apiField: 'tfs', sent: 0.95 },
	{ collection: 'advancedSampling', parameter: 'typicalP', value: 0.8, apiField: 'typical_p', sent: 0.8 },
	{ collection: 'advancedSampling', parameter: 'etaCutoff', value: 0.0003, apiField: 'eta_cutoff', sent: 0.0003 },
	{ collection: 'advancedSampling', parameter: 'epsilonCutoff', value: 0.0002, apiField: 'epsilon_cutoff', sent: 0.0002 },
	{ collection: 'advancedSampling', parameter: 'mirostatMode', value: 2, apiField: 'mirostat_mode', sent: 2 },
	{ collection: 'advancedSampling', parameter: 'mirostatTau', value: 4.5, apiField: 'mirostat_tau', sent: 4.5 },
	{ collection: 'advancedSampling', parameter: 'mirostatEta', value: 0.15, apiField: 'mirostat_eta', sent: 0.15 },
	{ collection: 'tokenControl', parameter: 'minTokens', value: 5, apiField: 'min_tokens', sent: 5 },
	{ collection: 'tokenControl', parameter: 'stopTokenIds', value: '50256, 198', apiField: 'stop_token_ids', sent: [50256, 198] },
	{ collection: 'tokenControl', parameter: 'customTokenBans', value: [7, 8], apiField: 'custom_token_bans', sent: [7, 8] },
	{ collection: 'tokenControl', parameter: 'logitBias', value: '{"50256": -100}', apiField: 'logit_bias', sent: { '50256': -100 } },
	{ collection: 'tokenControl', parameter: 'ignoreEos', value: true, apiField: 'ignore_eos', sent: true },
	{
		collection: 'tokenControl',
		parameter: 'includeStopStrInOutput',
		value: true,
		apiField: 'include_stop_str_in_output',
		sent: true,
	},
	{ collection: 'providerRouting', parameter: 'provider', value: 'deepinfra', apiField: 'provider', sent: 'deepinfra', alone: {} },
	{ collection: 'providerRouting', parameter: 'order', value: ['together', 'deepinfra'], apiField: 'provider.order', sent: ['together', 'deepinfra'] },
	{ collection: 'providerRouting', parameter: 'only', value: ['deepinfra', 'novita'], apiField: 'provider.only', sent: ['deepinfra', 'novita'] },
	{ collection: 'providerRouting', parameter: 'ignore', value: 'fireworks', apiField: 'provider.ignore', sent: ['fireworks'] },
	{ collection: 'providerRouting', parameter: 'sort', value: 'price', apiField: 'provider.sort', sent: 'price' },
	{ collection: 'providerRouting', parameter: 'quantizations', value: ['fp8', 'fp16'], apiField: 'provider.quantizations', sent: ['fp8', 'fp16'] },
	{ collection: 'providerRouting', parameter: 'minQuantization', value: 'fp8', apiField: 'provider.min_quantization', sent: 'fp8' },
	{ collection: 'providerRouting', parameter: 'maxPromptPrice', value: 0.5, apiField: 'provider.max_price.prompt', sent: 0.5 },
	{ collection: 'providerRouting', parameter: 'maxCompletionPrice', value: '0.8', apiField: 'provider.max_price.completion', sent: 0.8 },
	{ collection: 'providerRouting', parameter: 'allowFallbacks', value: false, apiField: 'provider.allow_fallbacks', sent: false },
	{ collection: 'providerRouting', parameter: 'requireParameters', value: true, apiField: 'provider.require_parameters', sent: true },
	{
		collection: 'routingBillingSafety',
		parameter: 'routingPreference',
		value: 'price',
		apiField: 'speed|throughput|latency|price',
		sent: 'price',
		sentAs: 'modelSuffix',
		alone: {},
	},
	{ collection: 'routingBillingSafety', parameter: 'toolSupport', value: true, apiField: 'tools', sent: 'tools', sentAs: 'modelSuffix', alone: {} },
	{ collection: 'routingBillingSafety', parameter: 'promptCaching', value: true, apiField: 'caching', sent: 'caching', sentAs: 'modelSuffix', alone: {} },
	{ collection: 'routingBillingSafety', parameter: 'billingMode', value: 'paygo', apiField: 'billing_mode', sent: 'paygo' },
	{ collection: 'routingBillingSafety', parameter: 'moderation', value: 'on', apiField: 'moderation', sent: 'true', sentAs: 'header' },
	{
		collection: 'routingBillingSafety',
		parameter: 'moderationModel',
		value: 'meta-llama/llama-guard-4-12b',
		apiField: 'moderation',
		sent: 'meta-llama/llama-guard-4-12b',
		sentAs: 'header',
		alone: { with: { routingBillingSafety: { moderation: 'on' } } },
	},
	{ collection: 'routingBillingSafety', parameter: 'piiRedaction', value: 'on', apiField: 'redaction', sent: 'true', sentAs: 'header' },
];

/** The parameter collections of samples, as a saved workflow would hold them. */
export function sampleCollections(samples: FieldSample[]): Record<string, IDataObject> {
	const collections: Record<string, IDataObject> = {};
	for (const sample of samples) {
		for (const [collection, values] of Object.entries(sample.alone?.with ?? {})) Object.assign((collections[collection] ??= {}), values);
		(collections[sample.collection] ??= {})[sample.parameter] = sample.value as IDataObject[string];
	}
	return collections;
}

/** The collections with every sample that can be sent together set. */
export function allSampleCollections(): Record<string, IDataObject> {
	return sampleCollections(fieldSamples.filter((sample) => !sample.alone));
}

/**
 * The requests that carry every sample: one with all samples that go together, then one per
 * sample that must go alone.
 */
export function sampleRuns(): FieldSample[][] {
	return [fieldSamples.filter((sample) => !sample.alone), ...fieldSamples.filter((sample) => sample.alone).map((sample) => [sample])];
}

/** What the node must send for these samples: the body (suffixes in the README's order) and the headers. */
export function expectedRequest(samples: FieldSample[], model: string, prompt: string): { body: IDataObject; headers: Record<string, string> } {
	const suffixes = samples.filter((sample) => sample.sentAs === 'modelSuffix').map((sample) => String(sample.sent));
	// Routing suffixes first, :reasoning-exclude last.
	suffixes.sort((a, b) => Number(a === 'reasoning-exclude') - Number(b === 'reasoning-exclude'));
	const body: IDataObject = { model: [model, ...suffixes].join(':'), prompt };
	const headers: Record<string, string> = {};
	for (const sample of samples) {
		if (sample.sentAs === 'header') headers[sample.apiField] = String(sample.sent);
		else if (sample.sentAs !== 'modelSuffix') {
			const keys = sample.apiField.split('.');
			let node = body;
			for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as IDataObject;
			node[keys[keys.length - 1]] = sample.sent as IDataObject[string];
		}
	}
	return { body, headers };
}
