/**
 * Fuzzed parameters: property-based tests (fast-check) over every request field.
 *
 * An independent oracle (written from the spec and from what NanoGPT documented since, not from
 * the node's code) says for each generated value whether it is valid and what must be sent. Then:
 *  - the pure builder (buildCompletionCall), 2,000 cases: a valid set gives a body that validates
 *    against the spec's CompletionRequest (ajv, JSON Schema 2020-12; with the provider routing
 *    object and billing mode NanoGPT documented since) and carries exactly the fields the user set
 *    with exactly the oracle's values, and exactly the oracle's headers; an invalid set (a bad
 *    value, or a combination NanoGPT refuses) throws an InvalidParameterError naming one of the
 *    offending parameters;
 *  - the real node in n8n-core against the emulator, 100 cases of 1-3 items whose values come
 *    from expressions ($json), Continue On Fail off or on: an invalid item gives an error naming
 *    the parameter and the item, and nothing is sent for it (with Continue On Fail off, nothing at
 *    all); a valid item's request body and headers, as the emulator received them, are exactly the
 *    oracle's.
 *
 * fast-check shrinks a failure to a minimal case and reports its seed and path; replay it with
 * FC_SEED=<seed> FC_PATH=<path> npx jest test/engine/fuzzParameters.test.ts.
 */
import * as fs from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import type { IDataObject, INodeParameters } from 'n8n-workflow';
import YAML from 'yaml';

import { NanoGptApi } from '../../credentials/NanoGptApi.credentials';
import { InvalidParameterError, buildCompletionCall, buildCompletionRequest } from '../../nodes/NanoGpt/request/buildCompletionRequest';
import { completionFieldsByCollection } from '../../nodes/NanoGpt/request/completionFields';
import { readOutputSettings, readRequestSettings } from '../../nodes/NanoGpt/request/runSettings';
import { NanoGpt } from '../../nodes/NanoGpt/NanoGpt.node';
import { SPEC_PATH, startEmulator, type Emulator } from '../support/emulator';
import { runNode } from '../support/harness';

jest.setTimeout(60_000);

const BUILDER_RUNS = Number(process.env.FUZZ_RUNS ?? 2_000);
const NODE_RUNS = Number(process.env.FUZZ_NODE_RUNS ?? 100);
const replay = {
	...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}),
	...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
};

// ---------------------------------------------------------------------------------------------
// The field table, from the spec and NanoGPT's docs (display names as the user sees them)
// ---------------------------------------------------------------------------------------------

type Collection = 'options' | 'penalties' | 'advancedSampling' | 'tokenControl' | 'providerRouting' | 'routingBillingSafety';
type Kind =
	| 'integer'
	| 'number'
	| 'boolean'
	| 'mirostatMode'
	| 'stop'
	| 'tokenIds'
	| 'logitBias'
	| 'logprobs'
	| 'text'
	| 'textList'
	| 'enum'
	| 'enumList'
	| 'suffixFlag';

interface FieldSpec {
	collection: Collection;
	name: string;
	label: string;
	/** A body path (provider.max_price.prompt), a header name, or a model suffix. */
	api: string;
	kind: Kind;
	min?: number;
	max?: number;
	/** enum and enumList: the values; `map` gives what is sent for a value (none: nothing). */
	values?: string[];
	map?: Record<string, string | undefined>;
	sentAs?: 'body' | 'header' | 'modelSuffix';
}

const COLLECTION_LABELS: Record<Collection, string> = {
	options: 'Options',
	penalties: 'Penalties',
	advancedSampling: 'Advanced Sampling',
	tokenControl: 'Token Control',
	providerRouting: 'Provider Routing',
	routingBillingSafety: 'Routing, Billing and Safety',
};

const f = (collection: Collection, name: string, display: string, api: string, kind: Kind, min?: number, max?: number): FieldSpec => ({
	collection,
	name,
	label: `${COLLECTION_LABELS[collection]} > ${display}`,
	api,
	kind,
	min,
	max,
});
const choice = (collection: Collection, name: string, display: string, api: string, values: string[], map: Record<string, string | undefined> = {}, sentAs?: FieldSpec['sentAs']): FieldSpec => ({
	...f(collection, name, display, api, 'enum'),
	values,
	map,
	sentAs,
});

/** NanoGPT's quantizations (provider-selection.mdx) and their bit widths for Min Quantization. */
const QUANTIZATION_BITS: Record<string, number> = { int4: 4, fp4: 4, fp6: 6, int8: 8, fp8: 8, fp16: 16, bf16: 16, fp32: 32 };
/** NanoGPT's routing suffixes and the suffix each is an alias of (model-suffixes.mdx). */
const ROUTING_ALIASES: Record<string, string> = {
	speed: 'speed', fast: 'speed', throughput: 'throughput', latency: 'latency', price: 'price', cheap: 'price', floor: 'price',
	tools: 'tools', caching: 'caching', cache: 'caching', cached: 'caching',
};
const WEB_SEARCH_PROVIDERS = [
	'linkup', 'linkup-deep', 'tavily', 'tavily-deep', 'brave', 'brave-deep', 'sofya', 'exa-fast', 'exa-auto', 'exa-neural', 'exa-deep',
	'exa-deep-reasoning', 'exa-instant', 'kagi', 'kagi-web', 'kagi-news', 'kagi-search', 'perplexity', 'perplexity-deep', 'valyu',
	'valyu-deep', 'valyu-web', 'valyu-web-deep',
];

const FIELDS: FieldSpec[] = [
	f('options', 'maxTokens', 'Max Tokens', 'max_tokens', 'integer', 1),
	f('options', 'temperature', 'Temperature', 'temperature', 'number', 0, 2),
	f('options', 'topP', 'Top P', 'top_p', 'number', 0, 1),
	f('options', 'stop', 'Stop Sequences', 'stop', 'stop'),
	f('options', 'seed', 'Seed', 'seed', 'integer'),
	f('options', 'stream', 'Stream', 'stream', 'boolean'),
	f('options', 'logprobs', 'Logprobs', 'logprobs', 'logprobs'),
	f('options', 'promptLogprobs', 'Prompt Logprobs', 'prompt_logprobs', 'boolean'),
	f('penalties', 'frequencyPenalty', 'Frequency Penalty', 'frequency_penalty', 'number', -2, 2),
	f('penalties', 'presencePenalty', 'Presence Penalty', 'presence_penalty', 'number', -2, 2),
	f('penalties', 'repetitionPenalty', 'Repetition Penalty', 'repetition_penalty', 'number', -2, 2),
	f('penalties', 'noRepeatNgramSize', 'No Repeat N-Gram Size', 'no_repeat_ngram_size', 'integer', 0),
	f('advancedSampling', 'topK', 'Top K', 'top_k', 'integer'),
	f('advancedSampling', 'topA', 'Top A', 'top_a', 'number'),
	f('advancedSampling', 'minP', 'Min P', 'min_p', 'number', 0, 1),
	f('advancedSampling', 'tfs', 'Tail Free Sampling', 'tfs', 'number', 0, 1),
	f('advancedSampling', 'typicalP', 'Typical P', 'typical_p', 'number', 0, 1),
	f('advancedSampling', 'etaCutoff', 'Eta Cutoff', 'eta_cutoff', 'number'),
	f('advancedSampling', 'epsilonCutoff', 'Epsilon Cutoff', 'epsilon_cutoff', 'number'),
	f('advancedSampling', 'mirostatMode', 'Mirostat Mode', 'mirostat_mode', 'mirostatMode'),
	f('advancedSampling', 'mirostatTau', 'Mirostat Tau', 'mirostat_tau', 'number'),
	f('advancedSampling', 'mirostatEta', 'Mirostat Eta', 'mirostat_eta', 'number'),
	f('tokenControl', 'minTokens', 'Min Tokens', 'min_tokens', 'integer', 0),
	f('tokenControl', 'stopTokenIds', 'Stop Token IDs', 'stop_token_ids', 'tokenIds'),
	f('tokenControl', 'customTokenBans', 'Banned Token IDs', 'custom_token_bans', 'tokenIds'),
	f('tokenControl', 'logitBias', 'Logit Bias', 'logit_bias', 'logitBias'),
	f('tokenControl', 'ignoreEos', 'Ignore EOS', 'ignore_eos', 'boolean'),
	f('tokenControl', 'includeStopStrInOutput', 'Include Stop Sequence in Output', 'include_stop_str_in_output', 'boolean'),
	// Documented by NanoGPT since the spec.
	{ ...f('options', 'hideReasoning', 'Hide Reasoning', 'reasoning-exclude', 'suffixFlag'), sentAs: 'modelSuffix' },
	f('providerRouting', 'provider', 'Provider Name or ID', 'provider', 'text'),
	f('providerRouting', 'order', 'Preferred Provider Names or IDs', 'provider.order', 'textList'),
	f('providerRouting', 'only', 'Allowed Provider Names or IDs', 'provider.only', 'textList'),
	f('providerRouting', 'ignore', 'Ignored Provider Names or IDs', 'provider.ignore', 'textList'),
	choice('providerRouting', 'sort', 'Sort', 'provider.sort', ['speed', 'throughput', 'latency', 'price', 'auto', 'none', 'default']),
	{ ...f('providerRouting', 'quantizations', 'Quantizations', 'provider.quantizations', 'enumList'), values: [...Object.keys(QUANTIZATION_BITS), 'unknown'] },
	choice('providerRouting', 'minQuantization', 'Min Quantization', 'provider.min_quantization', Object.keys(QUANTIZATION_BITS)),
	f('providerRouting', 'maxPromptPrice', 'Max Prompt Price', 'provider.max_price.prompt', 'number', 0),
	f('providerRouting', 'maxCompletionPrice', 'Max Completion Price', 'provider.max_price.completion', 'number', 0),
	f('providerRouting', 'allowFallbacks', 'Allow Fallbacks', 'provider.allow_fallbacks', 'boolean'),
	f('providerRouting', 'requireParameters', 'Require Parameters', 'provider.require_parameters', 'boolean'),
	choice('routingBillingSafety', 'routingPreference', 'Routing Preference', 'speed|throughput|latency|price', ['none', 'speed', 'throughput', 'latency', 'price'], { none: undefined }, 'modelSuffix'),
	{ ...f('routingBillingSafety', 'toolSupport', 'Tool Support', 'tools', 'suffixFlag'), sentAs: 'modelSuffix' },
	{ ...f('routingBillingSafety', 'promptCaching', 'Prompt Caching', 'caching', 'suffixFlag'), sentAs: 'modelSuffix' },
	choice('routingBillingSafety', 'billingMode', 'Billing Mode', 'billing_mode', ['default', 'paygo'], { default: undefined }),
	choice('routingBillingSafety', 'moderation', 'Moderation', 'moderation', ['default', 'off', 'on'], { default: undefined, off: 'false', on: 'true' }, 'header'),
	{ ...f('routingBillingSafety', 'moderationModel', 'Moderation Model', 'moderation', 'text'), sentAs: 'header' },
	choice('routingBillingSafety', 'piiRedaction', 'PII Redaction', 'redaction', ['default', 'off', 'on'], { default: undefined, off: 'false', on: 'true' }, 'header'),
];

/** Options that shape the output rather than the body (checked by the node, never sent). */
const OUTPUT_OPTIONS = {
	includeInputFields: 'Options > Include Input Fields',
	outputField: 'Options > Output Field',
	trimText: 'Options > Trim Text',
} as const;

// ---------------------------------------------------------------------------------------------
// The oracle
// ---------------------------------------------------------------------------------------------

const OMIT = Symbol('omitted'); // valid, and nothing is sent
type Verdict = { ok: true; value: unknown } | { ok: false };
const valid = (value: unknown): Verdict => ({ ok: true, value });
const INVALID: Verdict = { ok: false };

/** A number, or text that reads as one (surrounding spaces allowed), finite. */
function asNumber(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value === 'string' && value.trim() !== '') {
		const n = Number(value.trim());
		return Number.isFinite(n) ? n : undefined;
	}
	return undefined;
}

const inBounds = (n: number, spec: FieldSpec) => (spec.min === undefined || n >= spec.min) && (spec.max === undefined || n <= spec.max);
const isTokenId = (n: number) => Number.isSafeInteger(n) && n >= 0;

function tokenIdsVerdict(value: unknown): Verdict {
	let entries: unknown[];
	if (Array.isArray(value)) entries = value;
	else if (typeof value === 'number') entries = [value];
	else if (typeof value === 'string') {
		let text = value.trim();
		if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
		entries = text.split(/[\s,]+/).filter((part) => part !== '');
	} else return INVALID;
	if (entries.length === 0) return valid(OMIT);
	const ids: number[] = [];
	for (const entry of entries) {
		const id = typeof entry === 'number' ? entry : typeof entry === 'string' && /^\d+$/.test(entry.trim()) ? Number(entry.trim()) : NaN;
		if (!isTokenId(id)) return INVALID;
		ids.push(id);
	}
	return valid(ids);
}

function logitBiasVerdict(value: unknown): Verdict {
	let map = value;
	if (typeof value === 'string') {
		if (value.trim() === '') return valid(OMIT);
		try {
			map = JSON.parse(value);
		} catch {
			return INVALID;
		}
	}
	if (typeof map !== 'object' || map === null || Array.isArray(map)) return INVALID;
	const entries = Object.entries(map);
	if (entries.length === 0) return valid(OMIT);
	for (const [key, bias] of entries) {
		if (!/^\d+$/.test(key) || typeof bias !== 'number' || !Number.isFinite(bias) || Math.abs(bias) > 100) return INVALID;
	}
	return valid(Object.fromEntries(entries));
}

/** A list given as an array or as text separated by commas (blank parts dropped). */
function listOf(value: unknown): unknown[] | undefined {
	if (Array.isArray(value)) return value;
	if (typeof value === 'string') return value.split(',').map((part) => part.trim()).filter((part) => part !== '');
	return undefined;
}

/** One option value, as text with spaces around allowed. */
function enumValue(spec: FieldSpec, value: unknown): string | undefined {
	const text = typeof value === 'string' ? value.trim() : undefined;
	return text !== undefined && spec.values!.includes(text) ? text : undefined;
}

function stopVerdict(value: unknown): Verdict {
	const entries = (Array.isArray(value) ? value : [value]).flat();
	if (entries.some((entry) => typeof entry !== 'string' || entry === '')) return INVALID;
	if (entries.length === 0) return valid(OMIT);
	// One sequence goes as a string, several as an array (the spec accepts both).
	return valid(entries.length === 1 ? entries[0] : entries);
}

/** What the user's value for this field must become (or that it is invalid). */
function fieldVerdict(spec: FieldSpec, value: unknown): Verdict {
	switch (spec.kind) {
		case 'integer': {
			const n = asNumber(value);
			return n !== undefined && Number.isSafeInteger(n) && inBounds(n, spec) ? valid(n) : INVALID;
		}
		case 'number': {
			const n = asNumber(value);
			return n !== undefined && inBounds(n, spec) ? valid(n) : INVALID;
		}
		case 'boolean':
			if (typeof value === 'boolean') return valid(value);
			return value === 'true' || value === 'false' ? valid(value === 'true') : INVALID;
		case 'mirostatMode':
			// Strictly 0, 1 or 2, or that digit as text (spaces around allowed): an array or object is not a mode.
			if (value === 0 || value === 1 || value === 2) return valid(value || 0); // -0 is mode 0
			return typeof value === 'string' && ['0', '1', '2'].includes(value.trim()) ? valid(Number(value.trim())) : INVALID;
		case 'stop':
			return stopVerdict(value);
		case 'tokenIds':
			return tokenIdsVerdict(value);
		case 'logitBias':
			return logitBiasVerdict(value);
		case 'text':
			if (typeof value !== 'string') return INVALID;
			return value.trim() === '' ? valid(OMIT) : valid(value.trim());
		case 'textList': {
			const entries = listOf(value);
			if (!entries || entries.some((entry) => typeof entry !== 'string' || entry.trim() === '')) return INVALID;
			return entries.length === 0 ? valid(OMIT) : valid((entries as string[]).map((entry) => entry.trim()));
		}
		case 'enum': {
			const option = enumValue(spec, value);
			if (option === undefined) return INVALID;
			if (!(option in spec.map!)) return valid(option);
			const sent = spec.map![option];
			return valid(sent === undefined ? OMIT : sent);
		}
		case 'enumList': {
			const entries = listOf(value)?.map((entry) => enumValue(spec, entry));
			if (!entries || entries.some((entry) => entry === undefined)) return INVALID;
			return entries.length === 0 ? valid(OMIT) : valid(entries);
		}
		case 'suffixFlag': {
			const flagged = typeof value === 'boolean' ? value : value === 'true' || value === 'false' ? value === 'true' : undefined;
			if (flagged === undefined) return INVALID;
			return flagged ? valid(spec.api) : valid(OMIT);
		}
		case 'logprobs': {
			if (typeof value === 'boolean') return valid(value);
			if (typeof value === 'number') return isTokenId(value) ? valid(value) : INVALID;
			if (typeof value !== 'string') return INVALID;
			const text = value.trim();
			if (text === 'true' || text === 'false') return valid(text === 'true');
			return /^\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? valid(Number(text)) : INVALID;
		}
	}
}

const WEB_SEARCH = ['none', 'online', ...WEB_SEARCH_PROVIDERS.map((provider) => `online/${provider}`)];

interface ItemParameters {
	model: unknown;
	prompt: unknown;
	options: IDataObject;
	penalties: IDataObject;
	advancedSampling: IDataObject;
	tokenControl: IDataObject;
	providerRouting: IDataObject;
	routingBillingSafety: IDataObject;
}

interface ItemVerdict {
	/** Labels of every invalid parameter (the node must name one of them). */
	invalid: string[];
	/** The request body when nothing is invalid. */
	body?: IDataObject;
	/** The headers the options set, when nothing is invalid. */
	headers?: Record<string, string>;
}

function setPath(target: IDataObject, path: string, value: unknown) {
	const keys = path.split('.');
	let node = target;
	for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as IDataObject;
	node[keys[keys.length - 1]] = value as IDataObject[string];
}

/**
 * The rules of NanoGPT's docs the node must apply before sending (provider-selection.mdx,
 * model-suffixes.mdx, inline-moderation.mdx): adds the labels of what NanoGPT would refuse and
 * returns the model suffixes to add, in the README's order.
 */
function routingRules(p: ItemParameters, typedModel: string | undefined, sent: Map<FieldSpec, unknown>, invalid: string[]): string[] {
	const label = (name: string) => FIELDS.find((spec) => spec.name === name)!.label;
	const value = (name: string) => {
		const spec = FIELDS.find((candidate) => candidate.name === name)!;
		return sent.has(spec) ? sent.get(spec) : undefined;
	};
	const routingObject = ['order', 'only', 'ignore', 'sort', 'quantizations', 'minQuantization', 'maxPromptPrice', 'maxCompletionPrice', 'allowFallbacks', 'requireParameters'];
	const objectSet = routingObject.filter((name) => value(name) !== undefined);
	if (value('provider') !== undefined && objectSet.length > 0) invalid.push(label('provider'));
	const quantizations = value('quantizations') as string[] | undefined;
	const minimum = value('minQuantization') as string | undefined;
	if (quantizations && minimum && !quantizations.some((q) => (QUANTIZATION_BITS[q] ?? 0) >= QUANTIZATION_BITS[minimum])) invalid.push(label('minQuantization'));

	const options = (['routingPreference', 'toolSupport', 'promptCaching'] as const)
		.filter((name) => value(name) !== undefined)
		.map((name) => ({ name, suffix: value(name) as string }));
	const alias = (suffix: string) => (Object.hasOwn(ROUTING_ALIASES, suffix) ? ROUTING_ALIASES[suffix] : undefined);
	const typed = typedModel === undefined ? [] : [...new Set(typedModel.split(':').slice(1).map((s) => alias(s.trim().toLowerCase())).filter(Boolean))];
	const providerChosen = value('provider') !== undefined || objectSet.length > 0;
	if (options.length > 1) invalid.push(...options.map((option) => label(option.name)));
	if (typed.length > 1) invalid.push('Model');
	if (options.length === 1 && typed.length === 1 && typed[0] !== options[0].suffix) invalid.push(label(options[0].name), 'Model');
	if (providerChosen && (options.length > 0 || typed.length > 0)) invalid.push('Model', ...options.map((option) => label(option.name)));

	if (value('moderationModel') !== undefined && value('moderation') !== 'true') invalid.push(label('moderationModel'));

	const suffixes: string[] = [];
	const typedSuffixes = typedModel === undefined ? [] : typedModel.split(':').slice(1).map((s) => s.trim().toLowerCase());
	if (options.length === 1 && !typed.includes(options[0].suffix)) suffixes.push(options[0].suffix);
	const webSearch = p.options.webSearch ?? 'none';
	// A typed ID that holds ":online" anywhere already asks for web search, so it gets no web search suffix.
	if (webSearch !== 'none' && !typedModel?.includes(':online')) suffixes.push(webSearch as string);
	if (value('hideReasoning') !== undefined && !typedSuffixes.includes('reasoning-exclude')) suffixes.push('reasoning-exclude');
	return suffixes;
}

function flag(value: unknown) {
	return value === undefined || typeof value === 'boolean' || value === 'true' || value === 'false';
}

/** The oracle for one item. `withOutputOptions`: also check what only the node (not the builder) reads. */
function itemVerdict(p: ItemParameters, withOutputOptions: boolean): ItemVerdict {
	const invalid: string[] = [];
	const body: IDataObject = {};
	const headers: Record<string, string> = {};

	let modelId: string | undefined;
	if (typeof p.model === 'string' && p.model.trim() !== '') modelId = p.model.trim();
	else invalid.push('Model');
	const webSearch = p.options.webSearch ?? 'none';
	if (!WEB_SEARCH.includes(webSearch as string)) invalid.push('Options > Web Search');

	if (typeof p.prompt === 'string' && p.prompt.trim() !== '') body.prompt = p.prompt;
	else if (typeof p.prompt === 'number') body.prompt = String(p.prompt);
	else invalid.push('Prompt');

	const sent = new Map<FieldSpec, unknown>();
	for (const spec of FIELDS) {
		const value = (p[spec.collection] ?? {})[spec.name];
		if (value === undefined) continue;
		const verdict = fieldVerdict(spec, value);
		if (!verdict.ok) invalid.push(spec.label);
		else if (verdict.value !== OMIT) sent.set(spec, verdict.value);
	}
	if (invalid.length === 0) {
		const suffixes = routingRules(p, modelId, sent, invalid);
		if (invalid.length > 0) return { invalid };
		if (modelId !== undefined) body.model = [modelId, ...suffixes].join(':');
		const moderationModel = [...sent].find(([spec]) => spec.name === 'moderationModel')?.[1];
		for (const [spec, value] of sent) {
			if (spec.sentAs === 'modelSuffix') continue;
			if (spec.sentAs !== 'header') setPath(body, spec.api, value);
			// Moderation On with a model: the header carries the model's ID.
			else if (spec.name === 'moderation') headers.moderation = (moderationModel ?? value) as string;
			else if (spec.name !== 'moderationModel') headers[spec.api] = value as string;
		}
	}
	if (body.stream === true) body.stream_options = { include_usage: true };

	if (withOutputOptions) {
		const { includeInputFields, outputField, trimText } = p.options;
		if (!flag(includeInputFields)) invalid.push(OUTPUT_OPTIONS.includeInputFields);
		if (!flag(trimText)) invalid.push(OUTPUT_OPTIONS.trimText);
		// null (an expression that gave nothing) falls back to the default field name.
		if (outputField != null && (typeof outputField !== 'string' || outputField.trim() === '')) invalid.push(OUTPUT_OPTIONS.outputField);
	}
	return invalid.length > 0 ? { invalid } : { invalid, body, headers };
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

/** Anything an expression could hand the node where it expects one value. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
	fc.double(), // includes NaN, ±Infinity, -0
	fc.integer(),
	fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 53, 2 ** 53 + 2, -(2 ** 60), 1e21, 1e300, Number.MAX_VALUE, Number.MIN_VALUE, 0.1, 100.5, -100.5),
	fc.double().map(String),
	fc.integer().map((n) => ` ${n} `),
	fc.constantFrom('', ' ', '\n\t', 'NaN', 'Infinity', '-Infinity', '1e3', '0x10', '1_000', '１２', '٣', 'true', 'false', ' true ', 'TRUE', 'null', 'undefined', '[]', '{}', '[1, 2]', '[-1]', '{"1": 2}', '{"a": 1}', '{"1": 101}', '50256, 198', '1;2', '99999999999999999999', '2.5', '-0', '[[1]]'),
	fc.string({ unit: 'grapheme', maxLength: 12 }),
	fc.string({ unit: 'binary', maxLength: 6 }), // lone surrogates included
	fc.boolean(),
	fc.constant(null),
	fc.array(fc.integer({ min: -5, max: 70_000 }), { maxLength: 4 }),
	fc.array(fc.string({ maxLength: 6 }), { maxLength: 4 }),
	fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
	fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
	fc.dictionary(fc.nat({ max: 100_000 }).map(String), fc.oneof(fc.double(), fc.integer({ min: -150, max: 150 }), fc.string({ maxLength: 3 })), { maxKeys: 3 }),
	fc.jsonValue({ maxDepth: 3 }),
);

/** A number, sometimes as text with spaces around it. */
const numeric = (n: fc.Arbitrary<number>) => fc.oneof({ weight: 3, arbitrary: n }, { weight: 1, arbitrary: n.map((x) => ` ${String(x)} `) }, { weight: 1, arbitrary: n.map(String) });

const tokenId = fc.oneof(fc.nat({ max: 200_000 }), fc.constantFrom(0, 50256, Number.MAX_SAFE_INTEGER));
const nonEmptyText = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 });

/** Values the oracle accepts, bounds included, in every accepted form. */
function validValue(spec: FieldSpec): fc.Arbitrary<unknown> {
	switch (spec.kind) {
		case 'text':
		case 'textList':
		case 'enum':
		case 'enumList':
		case 'suffixFlag':
			return validDocumentedValue(spec);
		case 'integer': {
			const min = spec.min ?? -(2 ** 31);
			const max = spec.max ?? 2 ** 31;
			return numeric(fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, ...(spec.max !== undefined ? [spec.max] : [Number.MAX_SAFE_INTEGER]))));
		}
		case 'number': {
			const min = spec.min ?? -1e6;
			const max = spec.max ?? 1e6;
			return numeric(fc.oneof(fc.double({ min, max, noNaN: true }), fc.constantFrom(min, max, (min + max) / 2)));
		}
		case 'boolean':
			return fc.constantFrom(true, false, 'true', 'false');
		case 'mirostatMode':
			return fc.constantFrom(0, 1, 2, '0', '1', '2');
		case 'stop':
			return fc.oneof(nonEmptyText, fc.array(nonEmptyText, { maxLength: 4 }), fc.constant([]));
		case 'tokenIds':
			return fc.oneof(
				fc.array(tokenId, { maxLength: 5 }),
				fc.array(tokenId.map(String), { maxLength: 3 }),
				fc.array(tokenId, { maxLength: 5 }).map((ids) => ids.join(', ')),
				fc.array(tokenId, { maxLength: 5 }).map((ids) => JSON.stringify(ids)),
				tokenId,
				fc.constantFrom('', '[]', ' '),
			);
		case 'logitBias': {
			const map = fc.dictionary(tokenId.map(String), fc.oneof(fc.double({ min: -100, max: 100, noNaN: true }), fc.integer({ min: -100, max: 100 })), { maxKeys: 4 });
			return fc.oneof(map, map.map((m) => JSON.stringify(m)), fc.constantFrom('', '{}', ' '));
		}
		case 'logprobs':
			return fc.oneof(fc.boolean(), fc.constantFrom('true', 'false', ' true', '5'), fc.nat({ max: 20 }), fc.nat({ max: 20 }).map(String));
	}
}

/** Provider IDs the emulator's models with provider selection know, and moderation models it knows. */
const PROVIDER_IDS = ['deepinfra', 'novita', 'together', 'fireworks', 'groq'];
const MODERATION_MODELS = ['omni-moderation-latest', 'meta-llama/llama-guard-4-12b'];
/** Models with provider selection in the emulator: routing suffixes are refused on any other. */
const ROUTED_MODELS = ['meta-llama/llama-3.3-70b-instruct', ' deepseek-ai/DeepSeek-V3 ', 'qwen/qwen-2.5-72b-instruct', 'meta-llama/llama-3.3-70b-instruct:online/tavily'];
const ROUTING_SUFFIX_FIELDS = ['routingPreference', 'toolSupport', 'promptCaching'];

/** Values of the fields documented since the spec, in every accepted form. */
function validDocumentedValue(spec: FieldSpec): fc.Arbitrary<unknown> {
	const spaced = (values: string[]) => fc.constantFrom(...values, ...values.map((value) => ` ${value} `));
	switch (spec.kind) {
		case 'text':
			return spec.name === 'moderationModel' ? spaced([...MODERATION_MODELS, '']) : spaced([...PROVIDER_IDS, '']);
		case 'textList':
			return fc.oneof(fc.subarray(PROVIDER_IDS), fc.subarray(PROVIDER_IDS).map((ids) => ids.join(', ')), fc.constantFrom(' , ', ''));
		case 'enum':
			return spaced(spec.values!);
		case 'enumList':
			return fc.oneof(fc.subarray(spec.values!), fc.subarray(spec.values!).map((values) => values.join(',')));
		default:
			return fc.constantFrom(true, false, 'true', 'false');
	}
}

function fieldValue(spec: FieldSpec, allValid: boolean): fc.Arbitrary<unknown> {
	if (allValid) return validValue(spec);
	return fc.oneof(validValue(spec), hostile);
}

const validModel = fc.oneof(
	fc.constantFrom('gpt-4o-mini', 'claude-3-5-sonnet-20241022', 'meta-llama/llama-3.3-70b-instruct', '  gpt-4o-mini  ', 'gpt-4o-mini:online', 'chatgpt-4o-latest:online/linkup-deep'),
	nonEmptyText.filter((s) => s.trim() !== ''),
);
const validPrompt = fc.oneof(
	{ weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '') },
	{ weight: 1, arbitrary: fc.constantFrom('Write a haiku about 🚀 and café', '日本語で答えて', 'line one\nline two', '  padded  ') },
	{ weight: 1, arbitrary: fc.integer() },
);
const noDirectives = (value: unknown) => typeof value !== 'string' || !value.includes('[[');

/** Which fields an item sets (the same shape for all items of one node run). */
const shapeArb = fc.record({
	allValid: fc.boolean(),
	fields: fc.subarray(FIELDS, { maxLength: 10 }),
	webSearch: fc.boolean(),
	outputOptions: fc.subarray(Object.keys(OUTPUT_OPTIONS) as Array<keyof typeof OUTPUT_OPTIONS>),
	badCollection: fc.oneof(
		{ weight: 19, arbitrary: fc.constant(null) },
		{ weight: 1, arbitrary: fc.constantFrom<Collection>('options', 'penalties', 'advancedSampling', 'tokenControl', 'providerRouting', 'routingBillingSafety') },
	),
});
type Shape = typeof shapeArb extends fc.Arbitrary<infer T> ? T : never;

function itemArb(shape: Shape, withOutputOptions: boolean): fc.Arbitrary<ItemParameters> {
	const { allValid } = shape;
	const valueOf = (arb: fc.Arbitrary<unknown>) => (allValid ? arb : fc.oneof({ weight: 6, arbitrary: arb }, { weight: 1, arbitrary: hostile }));
	const fieldRecord: Record<string, fc.Arbitrary<unknown>> = {};
	for (const spec of shape.fields) fieldRecord[`${spec.collection}.${spec.name}`] = fieldValue(spec, allValid);
	if (shape.webSearch) fieldRecord['options.webSearch'] = valueOf(fc.constantFrom(...WEB_SEARCH));
	if (withOutputOptions) {
		for (const name of shape.outputOptions) {
			fieldRecord[`options.${name}`] = valueOf(name === 'outputField' ? fc.constantFrom('completion', 'result', 'ai text') : fc.constantFrom(true, false, 'true', 'false'));
		}
	} else {
		// The builder ignores output options whatever they hold; they must never reach the body.
		for (const name of shape.outputOptions) fieldRecord[`options.${name}`] = hostile;
	}
	// Against the emulator a routing suffix needs a model with provider selection, as on NanoGPT.
	const routed = withOutputOptions && shape.fields.some((spec) => ROUTING_SUFFIX_FIELDS.includes(spec.name));
	return fc
		.record({
			model: routed ? fc.constantFrom(...ROUTED_MODELS) : valueOf(validModel),
			prompt: valueOf(validPrompt).filter(noDirectives),
			values: fc.record(fieldRecord),
		})
		.map(({ model, prompt, values }) => {
			const item: ItemParameters = {
				model,
				prompt,
				options: {},
				penalties: {},
				advancedSampling: {},
				tokenControl: {},
				providerRouting: {},
				routingBillingSafety: {},
			};
			for (const [key, value] of Object.entries(values)) {
				const [collection, name] = key.split('.') as [Collection, string];
				item[collection][name] = value as IDataObject[string];
			}
			return item;
		});
}

// ---------------------------------------------------------------------------------------------
// Spec validation
// ---------------------------------------------------------------------------------------------

const spec = YAML.parse(fs.readFileSync(SPEC_PATH, 'utf8'));
/**
 * The spec's CompletionRequest with the body fields NanoGPT documented since (its docs'
 * openapi.json: `provider` as a string or a ProviderRoutingObject, `billing_mode`), the routing
 * object closed to the fields it names.
 */
const PROVIDER_ROUTING_OBJECT = {
	type: 'object',
	additionalProperties: false,
	properties: {
		order: { type: 'array', items: { type: 'string' } },
		only: { type: 'array', items: { type: 'string' } },
		ignore: { type: 'array', items: { type: 'string' } },
		sort: { enum: ['speed', 'throughput', 'latency', 'price', 'auto', 'none', 'default'] },
		quantizations: { type: 'array', minItems: 1, items: { enum: [...Object.keys(QUANTIZATION_BITS), 'unknown'] } },
		min_quantization: { enum: Object.keys(QUANTIZATION_BITS) },
		max_price: {
			type: 'object',
			additionalProperties: false,
			properties: { prompt: { type: 'number', minimum: 0 }, completion: { type: 'number', minimum: 0 } },
		},
		allow_fallbacks: { type: 'boolean' },
		require_parameters: { type: 'boolean' },
	},
};
const documentedRequest = {
	...spec.components.schemas.CompletionRequest,
	properties: {
		...spec.components.schemas.CompletionRequest.properties,
		provider: { oneOf: [{ type: 'string', minLength: 1 }, PROVIDER_ROUTING_OBJECT] },
		billing_mode: { enum: ['paygo', 'pay-as-you-go', 'pay_as_you_go', 'paid', 'payg'] },
	},
};
const validateRequest = new Ajv2020({ strict: false, allErrors: true }).compile(documentedRequest);

function expectValidAgainstSpec(body: unknown) {
	// What goes over the wire is JSON: validate the body as the server parses it.
	const wire = JSON.parse(JSON.stringify(body));
	if (!validateRequest(wire)) {
		throw new Error(`body does not validate against CompletionRequest: ${JSON.stringify(validateRequest.errors)} body=${JSON.stringify(wire)}`);
	}
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

test('the fuzzer covers every request field the node has, under the parameter and API names the oracle gives', () => {
	const nodeFields = Object.entries(completionFieldsByCollection).flatMap(([collection, fields]) =>
		fields.map((field) => `${collection}.${field.property.name} -> ${field.apiField}`),
	);
	expect(FIELDS.map((s) => `${s.collection}.${s.name} -> ${s.api}`).sort()).toEqual(nodeFields.sort());
	// Every body field of the spec, and every one documented since, is reachable from some parameter.
	const bodyFields = (properties: object) => Object.keys(properties).filter((name) => !['model', 'prompt'].includes(name));
	const reached = new Set(FIELDS.filter((s) => (s.sentAs ?? 'body') === 'body').map((s) => s.api.split('.')[0]));
	expect([...reached].sort()).toEqual(bodyFields(documentedRequest.properties).sort());
	const routingObject = FIELDS.filter((s) => s.api.startsWith('provider.')).map((s) => s.api.split('.')[1]);
	expect([...new Set(routingObject)].sort()).toEqual(Object.keys(PROVIDER_ROUTING_OBJECT.properties).sort());
});

test(`buildCompletionRequest: ${BUILDER_RUNS} generated parameter sets give a spec-valid body with exactly the set fields, or an error naming the parameter`, () => {
	let validCount = 0;
	let invalidCount = 0;
	const property = fc.property(
		shapeArb.chain((shape) => fc.tuple(fc.constant(shape), itemArb(shape, false))),
		([shape, item]) => {
			const parameters: Record<string, unknown> = { ...item };
			const verdict = itemVerdict(item, false);
			if (shape.badCollection) {
				// A collection that is not a collection at all (an expression gave an array or text).
				parameters[shape.badCollection] = ['not', 'a', 'collection'];
				verdict.invalid.push(COLLECTION_LABELS[shape.badCollection]);
				delete verdict.body;
			}
			let body: IDataObject | undefined;
			let headers: Record<string, string> | undefined;
			let error: unknown;
			try {
				({ body, headers } = buildCompletionCall(parameters as never));
			} catch (caught) {
				error = caught;
			}
			if (verdict.invalid.length === 0) {
				validCount++;
				if (error !== undefined) throw new Error(`rejected a valid set: ${String(error)}`);
				expectValidAgainstSpec(body);
				// Exactly the fields the user set, with exactly the values the oracle expects.
				expect(body).toEqual(verdict.body);
				expect(Object.keys(body!).sort()).toEqual(Object.keys(verdict.body!).sort());
				expect(headers).toEqual(verdict.headers);
			} else {
				invalidCount++;
				if (error === undefined) {
					throw new Error(`accepted an invalid set (invalid: ${verdict.invalid.join(', ')}): ${JSON.stringify(body)}`);
				}
				expect(error).toBeInstanceOf(InvalidParameterError);
				const { parameter, message } = error as InvalidParameterError;
				if (!verdict.invalid.includes(parameter)) {
					throw new Error(`named "${parameter}" but the invalid ones are ${verdict.invalid.join(', ')} (${message})`);
				}
				expect(message).toContain(`"${parameter}"`);
			}
		},
	);
	fc.assert(property, { numRuns: BUILDER_RUNS, ...replay });
	// Both sides of the property were exercised in earnest.
	expect(validCount).toBeGreaterThan(BUILDER_RUNS / 5);
	expect(invalidCount).toBeGreaterThan(BUILDER_RUNS / 5);
});

test.each([
	['numbers at their bounds', { options: { maxTokens: 1, temperature: 2, topP: 0 }, penalties: { frequencyPenalty: -2, presencePenalty: 2, noRepeatNgramSize: 0 }, advancedSampling: { minP: 1, tfs: 0, typicalP: 1 }, tokenControl: { minTokens: 0 } }],
	['numeric strings', { options: { maxTokens: ' 12 ', temperature: '0.5', seed: '-7' }, advancedSampling: { topK: '40' } }],
	['empty token lists and bias', { tokenControl: { stopTokenIds: '', customTokenBans: [], logitBias: '{}' } }],
])('examples that must be accepted: %s', (_name, sets) => {
	const item = { model: 'gpt-4o-mini', prompt: 'Hi', options: {}, penalties: {}, advancedSampling: {}, tokenControl: {}, ...sets } as Partial<ItemParameters> as ItemParameters; // the routing collections left out
	const body = buildCompletionRequest(item);
	expectValidAgainstSpec(body);
	expect(body).toEqual(itemVerdict(item, false).body);
});

test.each([
	['Options > Max Tokens', { options: { maxTokens: 0 } }],
	['Options > Max Tokens', { options: { maxTokens: 2 ** 53 } }],
	['Options > Temperature', { options: { temperature: NaN } }],
	['Options > Temperature', { options: { temperature: Infinity } }],
	['Options > Temperature', { options: { temperature: 2.0001 } }],
	['Options > Top P', { options: { topP: 'high' } }],
	['Options > Stop Sequences', { options: { stop: [{ nested: 'json' }] } }],
	['Options > Stop Sequences', { options: { stop: '' } }],
	['Options > Logprobs', { options: { logprobs: -1 } }],
	['Options > Stream', { options: { stream: 'yes' } }],
	['Penalties > Repetition Penalty', { penalties: { repetitionPenalty: [1] } }],
	['Advanced Sampling > Top K', { advancedSampling: { topK: 1.5 } }],
	['Advanced Sampling > Mirostat Mode', { advancedSampling: { mirostatMode: 3 } }],
	['Token Control > Stop Token IDs', { tokenControl: { stopTokenIds: '50256, -1' } }],
	['Token Control > Banned Token IDs', { tokenControl: { customTokenBans: [[1, 2]] } }],
	['Token Control > Logit Bias', { tokenControl: { logitBias: '{"50256": -101}' } }],
	['Token Control > Logit Bias', { tokenControl: { logitBias: { '50256': { nested: 1 } } } }],
	['Token Control > Ignore EOS', { tokenControl: { ignoreEos: {} } }],
])('examples that must be rejected: %s for %j', (label, sets) => {
	const item = { model: 'gpt-4o-mini', prompt: 'Hi', options: {}, penalties: {}, advancedSampling: {}, tokenControl: {}, ...sets } as Partial<ItemParameters> as ItemParameters; // the routing collections left out
	expect(itemVerdict(item, false).invalid).toEqual([label]);
	expect(() => buildCompletionRequest(item)).toThrow(InvalidParameterError);
	try {
		buildCompletionRequest(item);
	} catch (error) {
		expect((error as InvalidParameterError).parameter).toBe(label);
	}
});

// Regression (found by this suite): Mirostat Mode was matched through String(value), so an
// array ([1], [[2]], ['0']) was accepted and sent as a number, and an object without a prototype
// threw "Cannot convert object to primitive value" instead of an error naming the parameter.
test.each([
	['[1]', [1]],
	['[[2]]', [[2]]],
	['["0"]', ['0']],
	['Object.create(null)', Object.create(null)],
	['[Object.create(null)]', [Object.create(null)]],
])('Mirostat Mode rejects %s', (_name, value) => {
	const item = { model: 'gpt-4o-mini', prompt: 'Hi', advancedSampling: { mirostatMode: value } };
	let error: unknown;
	try {
		buildCompletionRequest(item);
	} catch (caught) {
		error = caught;
	}
	expect(error).toBeInstanceOf(InvalidParameterError);
	expect((error as InvalidParameterError).parameter).toBe('Advanced Sampling > Mirostat Mode');
});

// Regression, same cause: runSettings.ts built its messages with String(value), which throws
// for an object without a prototype.
test.each([
	['Options > Trim Text', () => readOutputSettings(true, { trimText: Object.create(null) })],
	['Options > Include Input Fields', () => readOutputSettings(true, { includeInputFields: Object.create(null) })],
	['Simplify Output', () => readOutputSettings(Object.create(null), {})],
	['Request Options > Concurrency', () => readRequestSettings({ concurrency: Object.create(null) })],
])('%s names itself for an object without a prototype', (label, read) => {
	let error: unknown;
	try {
		read();
	} catch (caught) {
		error = caught;
	}
	expect(error).toBeInstanceOf(InvalidParameterError);
	expect((error as InvalidParameterError).parameter).toBe(label);
});

// ---------------------------------------------------------------------------------------------
// The real node in n8n-core, against the emulator
// ---------------------------------------------------------------------------------------------

describe('the node in n8n-core', () => {
	let emu: Emulator;
	beforeAll(async () => {
		// Provider and moderation model IDs and routing constraints are the emulator's business,
		// not the node's: it checks their shapes, enums and conflicts and accepts any ID.
		emu = await startEmulator({ lenient: { availability: true } });
	});
	afterAll(async () => {
		await emu.close();
	});

	/** Parameters whose every value is an expression reading the item, so any JSON value (and NaN) reaches the node. */
	function expressionParameters(shape: Shape, withWebSearch: boolean): INodeParameters {
		const parameters: INodeParameters = {
			operation: 'complete',
			model: { __rl: true, mode: 'id', value: '={{ $json.model }}' },
			prompt: '={{ $json.prompt }}',
			simplify: true,
			requestOptions: { concurrency: 1, requestsPerSecond: 0, maxRetries: 0, timeout: 5_000 },
		};
		const collections: Record<string, INodeParameters> = {
			options: {},
			penalties: {},
			advancedSampling: {},
			tokenControl: {},
			providerRouting: {},
			routingBillingSafety: {},
		};
		for (const spec of shape.fields) collections[spec.collection][spec.name] = `={{ $json.${spec.collection}.${spec.name} }}`;
		if (withWebSearch) collections.options.webSearch = '={{ $json.options.webSearch }}';
		for (const name of shape.outputOptions) collections.options[name] = `={{ $json.options.${name} }}`;
		return { ...parameters, ...collections };
	}

	test(`${NODE_RUNS} generated runs of 1-3 items: invalid items name parameter and item and send nothing; valid items send exactly the body`, async () => {
		let sent = 0;
		let rejected = 0;
		const property = fc.asyncProperty(
			shapeArb
				.map((shape) => ({ ...shape, badCollection: null }))
				.chain((shape) =>
					fc.record({
						shape: fc.constant(shape),
						items: fc.array(itemArb(shape, true), { minLength: 1, maxLength: 3 }),
						continueOnFail: fc.boolean(),
					}),
				),
			async ({ shape, items, continueOnFail }) => {
				emu.reset();
				const verdicts = items.map((item) => itemVerdict(item, true));
				const result = await runNode({
					node: new NanoGpt(),
					credentialTypes: [new NanoGptApi()],
					credentials: { nanoGptApi: { apiKey: emu.apiKey, baseUrl: emu.baseUrl } },
					parameters: expressionParameters(shape, shape.webSearch),
					items: items.map((item) => ({ ...item }) as unknown as IDataObject),
					continueOnFail,
				});
				const firstInvalid = verdicts.findIndex((v) => v.invalid.length > 0);
				const expectNamed = (message: string, index: number) => {
					const match = /^Invalid value for "([^"]+)" in item (\d+): /.exec(message);
					if (!match) throw new Error(`item ${index}: not a parameter error: ${message}`);
					expect(Number(match[2])).toBe(index);
					if (!verdicts[index].invalid.includes(match[1])) {
						throw new Error(`item ${index}: named "${match[1]}" but the invalid ones are ${verdicts[index].invalid.join(', ')}`);
					}
				};

				if (!continueOnFail && firstInvalid >= 0) {
					// Every item is checked before the first request: nothing at all was sent.
					rejected++;
					expect(emu.requests).toHaveLength(0);
					expect(result.error?.name).toBe('NodeOperationError');
					expectNamed(result.error!.message, firstInvalid);
					expect((result.error!.context as IDataObject).itemIndex).toBe(firstInvalid);
					expect(result.items).toEqual([]);
					return;
				}

				expect(result.error).toBeUndefined();
				expect(result.items).toHaveLength(items.length);
				const expectedBodies = verdicts.filter((v) => v.body).map((v) => JSON.parse(JSON.stringify(v.body)));
				// Concurrency 1: requests arrive in item order, one per valid item, with the options' headers.
				expect(emu.requests.map((r) => r.body)).toEqual(expectedBodies);
				const expectedHeaders = verdicts.filter((v) => v.body).map((v) => v.headers);
				expect(emu.requests.map((r) => ({ ...(r.headers.moderation !== undefined && { moderation: r.headers.moderation }), ...(r.headers.redaction !== undefined && { redaction: r.headers.redaction }) }))).toEqual(expectedHeaders);
				expect(emu.requests.every((r) => r.status === 200)).toBe(true);
				sent += expectedBodies.length;
				verdicts.forEach((verdict, index) => {
					const output = result.items[index];
					expect(output.pairedItem).toEqual({ item: index });
					if (verdict.body) {
						const { includeInputFields, outputField } = items[index].options;
						const completion = includeInputFields === true || includeInputFields === 'true'
							? (output.json[(outputField as string | null | undefined) ?? 'completion'] as IDataObject)
							: output.json;
						expect(typeof completion.text).toBe('string');
						expect(output.json.error).toBeUndefined();
					} else {
						rejected++;
						expectNamed(String(output.json.error), index);
						expect(output.json.description).toBe('Nothing was sent to NanoGPT for this item.');
						expect(verdict.invalid).toContain(output.json.parameter);
					}
				});
			},
		);
		await fc.assert(property, { numRuns: NODE_RUNS, ...replay });
		expect(sent).toBeGreaterThan(NODE_RUNS / 5);
		expect(rejected).toBeGreaterThan(NODE_RUNS / 5);
	});
});
