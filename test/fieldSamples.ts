import type { IDataObject } from 'n8n-workflow';

/** One example per spec field: where the user sets it, what they set, what must be sent. */
export interface FieldSample {
	collection: 'options' | 'penalties' | 'advancedSampling' | 'tokenControl';
	parameter: string;
	value: unknown;
	apiField: string;
	sent: unknown;
}

export const fieldSamples: FieldSample[] = [
	{ collection: 'options', parameter: 'maxTokens', value: 256, apiField: 'max_tokens', sent: 256 },
	{ collection: 'options', parameter: 'temperature', value: 1.25, apiField: 'temperature', sent: 1.25 },
	{ collection: 'options', parameter: 'topP', value: 0.9, apiField: 'top_p', sent: 0.9 },
	{ collection: 'options', parameter: 'stop', value: ['###', 'END'], apiField: 'stop', sent: ['###', 'END'] },
	{ collection: 'options', parameter: 'seed', value: 42, apiField: 'seed', sent: 42 },
	{ collection: 'options', parameter: 'stream', value: false, apiField: 'stream', sent: false },
	{ collection: 'options', parameter: 'logprobs', value: '5', apiField: 'logprobs', sent: 5 },
	{ collection: 'options', parameter: 'promptLogprobs', value: true, apiField: 'prompt_logprobs', sent: true },
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
];

/** The collections with every sample set, as a saved workflow would hold them. */
export function allSampleCollections(): Record<string, IDataObject> {
	const collections: Record<string, IDataObject> = {};
	for (const sample of fieldSamples) {
		(collections[sample.collection] ??= {})[sample.parameter] = sample.value as IDataObject[string];
	}
	return collections;
}
