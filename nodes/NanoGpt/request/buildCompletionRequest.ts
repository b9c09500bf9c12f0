import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { completionFieldsByCollection, fieldCollections } from './completionFields';
import type { CompletionField, FieldCollection } from '../description/completionField';
import { advancedSamplingCollection } from '../description/advancedSampling';
import { WEB_SEARCH_VALUES, optionsCollection } from '../description/options';
import { penaltiesCollection } from '../description/penalties';
import { QUANTIZATION_BITS, providerRoutingCollection } from '../description/providerRouting';
import { routingBillingSafetyCollection } from '../description/routingBillingSafety';
import { MAX_LOGIT_BIAS, tokenControlCollection } from '../description/tokenControl';
import type { CompletionRequestBody } from '../transport/completionApi';
import { composeModelId, routingSuffix, suffixesOf, type RoutingSuffixKind } from './modelSuffixes';

/** A parameter value that cannot be sent; `parameter` is the name the user sees. */
export class InvalidParameterError extends Error {
	constructor(
		readonly parameter: string,
		readonly problem: string,
	) {
		super(`Invalid value for "${parameter}": ${problem}`);
		this.name = 'InvalidParameterError';
	}
}

/** Parameter values of one item after n8n resolved their expressions. */
export interface CompletionParameters {
	model: unknown;
	prompt: unknown;
	options?: IDataObject;
	penalties?: IDataObject;
	advancedSampling?: IDataObject;
	tokenControl?: IDataObject;
	providerRouting?: IDataObject;
	routingBillingSafety?: IDataObject;
}

/** What one item sends: the body, and the request headers its options set (never the key). */
export interface CompletionCall {
	body: CompletionRequestBody;
	headers: Record<string, string>;
}

const collectionDisplayNames: Record<FieldCollection, string> = {
	options: optionsCollection.displayName,
	penalties: penaltiesCollection.displayName,
	advancedSampling: advancedSamplingCollection.displayName,
	tokenControl: tokenControlCollection.displayName,
	providerRouting: providerRoutingCollection.displayName,
	routingBillingSafety: routingBillingSafetyCollection.displayName,
};

/** A short, safe description of any value for error messages (never throws). */
export function describeValue(value: unknown): string {
	if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
	if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
	if (value === undefined) return 'nothing';
	if (Array.isArray(value)) return 'an array';
	return `a value of type ${typeof value}`;
}

function toFiniteNumber(value: unknown, fail: (problem: string) => never): number {
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) fail(`must be a finite number, got ${describeValue(value)}`);
		return value;
	}
	if (typeof value === 'string' && value.trim() !== '') {
		const parsed = Number(value.trim());
		if (Number.isFinite(parsed)) return parsed;
	}
	return fail(`must be a number, got ${describeValue(value)}`);
}

function toInteger(value: unknown, fail: (problem: string) => never): number {
	const number = toFiniteNumber(value, (problem) => fail(problem.replace('a number', 'an integer')));
	if (!Number.isSafeInteger(number)) fail(`must be a whole number, got ${describeValue(value)}`);
	return number;
}

/** The number, when it lies within the property's minValue and maxValue; else `fail` says the range. */
export function checkBounds(number: number, property: INodeProperties, fail: (problem: string) => never): number {
	const min = property.typeOptions?.minValue as number | undefined;
	const max = property.typeOptions?.maxValue as number | undefined;
	if ((min !== undefined && number < min) || (max !== undefined && number > max)) {
		const range =
			min !== undefined && max !== undefined
				? `between ${min} and ${max}`
				: min !== undefined
					? `at least ${min}`
					: `at most ${max}`;
		fail(`must be ${range}, got ${number}`);
	}
	return number;
}

function toBoolean(value: unknown, fail: (problem: string) => never): boolean {
	if (typeof value === 'boolean') return value;
	if (value === 'true' || value === 'false') return value === 'true';
	return fail(`must be true or false, got ${describeValue(value)}`);
}

function toStopSequences(value: unknown, fail: (problem: string) => never): string | string[] | undefined {
	const entries = (Array.isArray(value) ? value : [value]).flat();
	for (const entry of entries) {
		if (typeof entry !== 'string') fail(`each stop sequence must be text, got ${describeValue(entry)}`);
		if (entry === '') fail('stop sequences must not be empty');
	}
	if (entries.length === 0) return undefined;
	return entries.length === 1 ? (entries[0] as string) : (entries as string[]);
}

function toTokenIdList(value: unknown, fail: (problem: string) => never): number[] | undefined {
	let entries: unknown[];
	if (Array.isArray(value)) entries = value;
	else if (typeof value === 'number') entries = [value];
	else if (typeof value === 'string') {
		const text = value.trim().replace(/^\[(.*)\]$/s, '$1');
		entries = text === '' ? [] : text.split(/[\s,]+/).filter((part) => part !== '');
	} else return fail(`must be token IDs such as "50256, 198" or an array of integers, got ${describeValue(value)}`);
	if (entries.length === 0) return undefined;
	return entries.map((entry) => {
		const id =
			typeof entry === 'number' || (typeof entry === 'string' && /^\s*\d+\s*$/.test(entry))
				? Number(entry)
				: NaN;
		if (!Number.isSafeInteger(id) || id < 0) fail(`token IDs must be whole numbers of 0 or more, got ${describeValue(entry)}`);
		return id;
	});
}

function toTokenBiasMap(value: unknown, fail: (problem: string) => never): IDataObject | undefined {
	let map = value;
	if (typeof value === 'string') {
		if (value.trim() === '') return undefined;
		try {
			map = JSON.parse(value);
		} catch {
			return fail('must be a JSON object such as {"50256": -100}, and the text is not valid JSON');
		}
	}
	if (typeof map !== 'object' || map === null || Array.isArray(map)) {
		return fail(`must be an object mapping token IDs to numbers, got ${describeValue(map)}`);
	}
	const entries = Object.entries(map);
	if (entries.length === 0) return undefined;
	const bias: IDataObject = {};
	for (const [tokenId, raw] of entries) {
		if (!/^\d+$/.test(tokenId)) fail(`keys must be token IDs (whole numbers), got "${tokenId}"`);
		if (typeof raw !== 'number' || !Number.isFinite(raw)) fail(`the bias for token ${tokenId} must be a number, got ${describeValue(raw)}`);
		if (Math.abs(raw) > MAX_LOGIT_BIAS) fail(`the bias for token ${tokenId} must be between -${MAX_LOGIT_BIAS} and ${MAX_LOGIT_BIAS}, got ${raw}`);
		bias[tokenId] = raw;
	}
	return bias;
}

function toBooleanOrInteger(value: unknown, fail: (problem: string) => never): boolean | number {
	if (typeof value === 'boolean') return value;
	if (typeof value === 'string') {
		const text = value.trim();
		if (text === 'true' || text === 'false') return text === 'true';
		if (/^\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
	}
	if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
	return fail(`must be true, false or a whole number of 0 or more, got ${describeValue(value)}`);
}

function toOption(value: unknown, property: INodeProperties, fail: (problem: string) => never) {
	const allowed = (property.options ?? []).map((option) => ('value' in option ? option.value : undefined));
	const isScalar = typeof value === 'number' || typeof value === 'string';
	const match = isScalar
		? allowed.find((candidate) => candidate === value || String(candidate) === value.toString().trim())
		: undefined;
	if (match === undefined) fail(`must be one of ${allowed.join(', ')}, got ${describeValue(value)}`);
	return match;
}

/** Entries of a list given as an array or as comma-separated text. */
function listEntries(value: unknown, fail: (problem: string) => never): unknown[] {
	if (Array.isArray(value)) return value;
	if (typeof value === 'string') return value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
	return fail(`must be a list (an array, or text separated by commas), got ${describeValue(value)}`);
}

function toOptionList(value: unknown, property: INodeProperties, fail: (problem: string) => never): unknown[] | undefined {
	const entries = listEntries(value, fail).map((entry) =>
		toOption(entry, property, (problem) => fail(`each entry ${problem}`)),
	);
	return entries.length === 0 ? undefined : entries;
}

function toText(value: unknown, fail: (problem: string) => never): string | undefined {
	if (typeof value !== 'string') return fail(`must be text, got ${describeValue(value)}`);
	return value.trim() === '' ? undefined : value.trim();
}

function toTextList(value: unknown, fail: (problem: string) => never): string[] | undefined {
	const entries = listEntries(value, fail).map((entry) => {
		if (typeof entry !== 'string' || entry.trim() === '') fail(`each entry must be a non-empty text, got ${describeValue(entry)}`);
		return (entry as string).trim();
	});
	return entries.length === 0 ? undefined : entries;
}

/** Checks one resolved value and returns what goes into the request body (undefined: nothing). */
export function toApiValue(field: CompletionField, value: unknown, parameter: string): unknown {
	const fail = (problem: string): never => {
		throw new InvalidParameterError(parameter, problem);
	};
	const { property } = field;
	switch (field.kind) {
		case 'integer':
			return checkBounds(toInteger(value, fail), property, fail);
		case 'number':
			return checkBounds(toFiniteNumber(value, fail), property, fail);
		case 'boolean':
			return toBoolean(value, fail);
		case 'option': {
			const option = toOption(value, property, fail);
			if (field.sendsNothing?.includes(option as string)) return undefined;
			return field.apiValues?.[String(option)] ?? option;
		}
		case 'optionList':
			return toOptionList(value, property, fail);
		case 'text':
			return toText(value, fail);
		case 'textList':
			return toTextList(value, fail);
		case 'stopSequences':
			return toStopSequences(value, fail);
		case 'tokenIdList':
			return toTokenIdList(value, fail);
		case 'tokenBiasMap':
			return toTokenBiasMap(value, fail);
		case 'booleanOrInteger':
			return toBooleanOrInteger(value, fail);
	}
}

export function parameterLabel(collection: FieldCollection, field: CompletionField): string {
	return `${collectionDisplayNames[collection]} > ${field.property.displayName}`;
}

function toModelId(model: unknown): string {
	if (typeof model !== 'string' || model.trim() === '') {
		throw new InvalidParameterError('Model', `a model ID is required, got ${describeValue(model)}`);
	}
	return model.trim();
}

function toWebSearch(webSearch: unknown): string | undefined {
	const mode = webSearch ?? 'none';
	if (!WEB_SEARCH_VALUES.includes(mode as string)) {
		throw new InvalidParameterError(
			'Options > Web Search',
			`must be one of ${WEB_SEARCH_VALUES.join(', ')}, got ${describeValue(mode)}`,
		);
	}
	return mode === 'none' ? undefined : (mode as string);
}

function toPrompt(prompt: unknown): string {
	if (typeof prompt === 'number' || typeof prompt === 'bigint') return String(prompt);
	if (typeof prompt !== 'string') {
		throw new InvalidParameterError('Prompt', `must be text, got ${describeValue(prompt)}`);
	}
	if (prompt.trim() === '') throw new InvalidParameterError('Prompt', 'must not be empty');
	return prompt;
}

/** One field's checked value, with where it came from. */
interface FieldValue {
	collection: FieldCollection;
	field: CompletionField;
	label: string;
	value: unknown;
}

function setPath(target: IDataObject, path: string, value: unknown) {
	const keys = path.split('.');
	let node = target;
	for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as IDataObject;
	node[keys[keys.length - 1]] = value as IDataObject[string];
}

const PROVIDER_CHOICE = 'Provider Routing';

/**
 * The one routing suffix of the item, from its options or its typed model ID; refuses what NanoGPT
 * refuses: two of them, or one with a provider choice (`speed_suffix_*` errors).
 */
function routingSuffixOf(typedId: string, suffixFields: FieldValue[], providerChosen: boolean): string | undefined {
	const chosen = suffixFields.filter((entry) => entry.field.apiField !== 'reasoning-exclude');
	const typed = suffixesOf(typedId)
		.map((suffix) => routingSuffix(suffix))
		.filter((entry): entry is { kind: RoutingSuffixKind; canonical: string } => entry !== undefined);
	const typedCanonical = [...new Set(typed.map((entry) => entry.canonical))];
	if (typedCanonical.length > 1) {
		throw new InvalidParameterError('Model', `the ID carries two routing suffixes (:${typedCanonical.join(', :')}); NanoGPT takes at most one`);
	}
	if (chosen.length > 1) {
		throw new InvalidParameterError(
			chosen[1].label,
			`cannot be combined with ${chosen[0].field.property.displayName}: NanoGPT takes one routing suffix (:${String(chosen[0].value)} or :${String(chosen[1].value)}), not both`,
		);
	}
	const option = chosen[0];
	const optionSuffix = option && String(option.value);
	if (option && typedCanonical.length === 1 && typedCanonical[0] !== optionSuffix) {
		throw new InvalidParameterError(
			option.label,
			`cannot be combined with the model ID's :${typedCanonical[0]} suffix: NanoGPT takes one routing suffix`,
		);
	}
	if (providerChosen && (option || typedCanonical.length > 0)) {
		const what = option ? `:${optionSuffix}` : `the model ID's :${typedCanonical[0]} suffix`;
		throw new InvalidParameterError(
			option?.label ?? 'Model',
			`cannot be combined with ${PROVIDER_CHOICE}: NanoGPT refuses ${what} together with a provider choice`,
		);
	}
	return optionSuffix;
}

/** Refuses the provider routing NanoGPT refuses: a provider ID with routing fields, or quantization filters without overlap. */
function checkProviderRouting(values: FieldValue[]) {
	const providerId = values.find((entry) => entry.field.apiField === 'provider');
	const routing = values.filter((entry) => entry.field.apiField.startsWith('provider.'));
	if (providerId && routing.length > 0) {
		throw new InvalidParameterError(
			providerId.label,
			`cannot be combined with ${routing.map((entry) => entry.field.property.displayName).join(', ')}: NanoGPT takes one provider ID or a routing object, not both`,
		);
	}
	const quantizations = routing.find((entry) => entry.field.apiField === 'provider.quantizations');
	const minimum = routing.find((entry) => entry.field.apiField === 'provider.min_quantization');
	if (quantizations && minimum) {
		const floor = QUANTIZATION_BITS[String(minimum.value)];
		const listed = quantizations.value as string[];
		if (!listed.some((quantization) => (QUANTIZATION_BITS[quantization] ?? 0) >= floor)) {
			throw new InvalidParameterError(
				minimum.label,
				`no chosen quantization (${listed.join(', ')}) is ${String(minimum.value)} or finer, so no provider could serve the request; NanoGPT refuses filters that do not overlap`,
			);
		}
	}
}

/** The moderation header: Off, On, or On with a moderation model's ID. */
function moderationHeader(values: FieldValue[]): string | undefined {
	const mode = values.find((entry) => entry.field.property.name === 'moderation');
	const model = values.find((entry) => entry.field.property.name === 'moderationModel');
	if (model && mode?.value !== 'true') {
		throw new InvalidParameterError(model.label, 'is used only with Moderation On; set Moderation to On or remove the Moderation Model');
	}
	return model ? String(model.value) : (mode?.value as string | undefined);
}

/**
 * Turns one item's resolved parameters into what POST /v1/completions gets: the body (model ID with
 * its suffixes, the fields set) and the headers the options set. Every value is checked, and every
 * combination NanoGPT refuses is refused here, before anything is sent. Pure.
 */
export function buildCompletionCall(parameters: CompletionParameters): CompletionCall {
	const typedId = toModelId(parameters.model);
	const prompt = toPrompt(parameters.prompt);
	const webSearch = toWebSearch(parameters.options?.webSearch);
	const values: FieldValue[] = [];
	for (const collection of fieldCollections) {
		const given = parameters[collection] ?? {};
		if (typeof given !== 'object' || given === null || Array.isArray(given)) {
			throw new InvalidParameterError(collectionDisplayNames[collection], `must be a collection of fields, got ${describeValue(given)}`);
		}
		for (const field of completionFieldsByCollection[collection]) {
			const value = given[field.property.name];
			if (value === undefined) continue;
			const label = parameterLabel(collection, field);
			const apiValue = toApiValue(field, value, label);
			// A suffix switched off adds nothing; a body field set to false is sent as false.
			if (apiValue === undefined || (apiValue === false && field.sentAs === 'modelSuffix')) continue;
			values.push({ collection, field, label, value: apiValue });
		}
	}

	const sentAs = (kind: 'body' | 'header' | 'modelSuffix') => values.filter((entry) => (entry.field.sentAs ?? 'body') === kind);
	const bodyValues = sentAs('body');
	checkProviderRouting(bodyValues);
	const suffixValues = sentAs('modelSuffix').map((entry) =>
		entry.field.kind === 'boolean' ? { ...entry, value: entry.field.apiField } : entry,
	);
	const providerChosen = bodyValues.some((entry) => entry.collection === 'providerRouting');
	const body: CompletionRequestBody = {
		model: composeModelId(typedId, {
			routing: routingSuffixOf(typedId, suffixValues, providerChosen),
			webSearch,
			hideReasoning: suffixValues.some((entry) => entry.field.apiField === 'reasoning-exclude'),
		}),
		prompt,
	};
	for (const { field, value } of bodyValues) setPath(body, field.apiField, value);
	if (body.stream === true) body.stream_options = { include_usage: true };

	const headers: Record<string, string> = {};
	const headerValues = sentAs('header');
	const moderation = moderationHeader(headerValues);
	if (moderation !== undefined) headers.moderation = moderation;
	for (const { field, value } of headerValues) if (field.apiField !== 'moderation') headers[field.apiField] = String(value);
	return { body, headers };
}

/** The POST /v1/completions body of one item's resolved parameters (see buildCompletionCall). Pure. */
export function buildCompletionRequest(parameters: CompletionParameters): CompletionRequestBody {
	return buildCompletionCall(parameters).body;
}
