import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { completionFieldsByCollection, fieldCollections } from './completionFields';
import type { CompletionField, FieldCollection } from '../description/completionField';
import { advancedSamplingCollection } from '../description/advancedSampling';
import { optionsCollection } from '../description/options';
import { penaltiesCollection } from '../description/penalties';
import { tokenControlCollection } from '../description/tokenControl';

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

export type WebSearchMode = 'none' | 'online' | 'online/linkup-deep';

/** Parameter values of one item after n8n resolved their expressions. */
export interface CompletionParameters {
	model: unknown;
	prompt: unknown;
	options?: IDataObject;
	penalties?: IDataObject;
	advancedSampling?: IDataObject;
	tokenControl?: IDataObject;
}

export type CompletionRequestBody = IDataObject & { model: string; prompt: string };

const collectionDisplayNames: Record<FieldCollection, string> = {
	options: optionsCollection.displayName,
	penalties: penaltiesCollection.displayName,
	advancedSampling: advancedSamplingCollection.displayName,
	tokenControl: tokenControlCollection.displayName,
};

const WEB_SEARCH_MODES: WebSearchMode[] = ['none', 'online', 'online/linkup-deep'];
const MAX_LOGIT_BIAS = 100;

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

function checkBounds(number: number, property: INodeProperties, fail: (problem: string) => never) {
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
		if (Math.abs(raw) > MAX_LOGIT_BIAS) fail(`the bias for token ${tokenId} must be between -100 and 100, got ${raw}`);
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
		case 'option':
			return toOption(value, property, fail);
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

function toModelId(model: unknown, webSearch: unknown): string {
	if (typeof model !== 'string' || model.trim() === '') {
		throw new InvalidParameterError('Model', `a model ID is required, got ${describeValue(model)}`);
	}
	const mode = webSearch ?? 'none';
	if (!WEB_SEARCH_MODES.includes(mode as WebSearchMode)) {
		throw new InvalidParameterError(
			'Options > Web Search',
			`must be one of ${WEB_SEARCH_MODES.join(', ')}, got ${describeValue(mode)}`,
		);
	}
	const id = model.trim();
	if (mode === 'none' || id.includes(':online')) return id;
	return `${id}:${mode as string}`;
}

function toPrompt(prompt: unknown): string {
	if (typeof prompt === 'number' || typeof prompt === 'bigint') return String(prompt);
	if (typeof prompt !== 'string') {
		throw new InvalidParameterError('Prompt', `must be text, got ${describeValue(prompt)}`);
	}
	if (prompt.trim() === '') throw new InvalidParameterError('Prompt', 'must not be empty');
	return prompt;
}

/** Turns one item's resolved parameters into the POST /v1/completions body. Pure. */
export function buildCompletionRequest(parameters: CompletionParameters): CompletionRequestBody {
	const body: CompletionRequestBody = {
		model: toModelId(parameters.model, parameters.options?.webSearch),
		prompt: toPrompt(parameters.prompt),
	};
	for (const collection of fieldCollections) {
		const values = parameters[collection] ?? {};
		if (typeof values !== 'object' || values === null || Array.isArray(values)) {
			throw new InvalidParameterError(collectionDisplayNames[collection], `must be a collection of fields, got ${describeValue(values)}`);
		}
		for (const field of completionFieldsByCollection[collection]) {
			const value = values[field.property.name];
			if (value === undefined) continue;
			const apiValue = toApiValue(field, value, parameterLabel(collection, field));
			if (apiValue !== undefined) body[field.apiField] = apiValue as IDataObject[string];
		}
	}
	if (body.stream === true) body.stream_options = { include_usage: true };
	return body;
}
