import type { IDataObject, INodeProperties } from 'n8n-workflow';
import type { OutputSettings } from '../output/outputSettings';
import { InvalidParameterError, checkBounds, describeValue } from './buildCompletionRequest';
import { optionsCollection } from '../description/options';
import { requestOptionsCollection } from '../description/requestOptions';

/** How the node's requests are sent; read once per execution. */
export interface RequestSettings {
	/** 0: Auto. */
	concurrency: number;
	requestsPerSecond: number;
	maxRetries: number;
	timeoutMs: number;
	streamIdleTimeoutMs: number;
	/** Send identical final request bodies once per run. */
	reuseIdenticalRequests: boolean;
	/** Max Spend per Run in USD; 0: no limit. */
	maxSpendPerRunUsd: number;
}

function flag(value: unknown, parameter: string, fallback: boolean): boolean {
	if (value === undefined) return fallback;
	if (typeof value === 'boolean') return value;
	if (value === 'true' || value === 'false') return value === 'true';
	throw new InvalidParameterError(parameter, `must be true or false, got ${describeValue(value)}`);
}

/** The property a collection declares under `name`: its default, bounds and precision are the ones checked. */
function declaredProperty(collection: INodeProperties, name: string): INodeProperties {
	const property = collection.options?.find((entry): entry is INodeProperties => 'type' in entry && entry.name === name);
	if (!property) throw new Error(`${collection.displayName} declares no "${name}"`);
	return property;
}

/** A number option checked against what its property declares: default, minValue, maxValue, and whole numbers for precision 0. */
function declaredNumber(value: unknown, collection: INodeProperties, name: string): number {
	const property = declaredProperty(collection, name);
	const parameter = `${collection.displayName} > ${property.displayName}`;
	if (value === undefined) return property.default as number;
	const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof parsed !== 'number' || !Number.isFinite(parsed)) {
		throw new InvalidParameterError(parameter, `must be a number, got ${describeValue(value)}`);
	}
	if (property.typeOptions?.numberPrecision === 0 && !Number.isInteger(parsed)) {
		throw new InvalidParameterError(parameter, `must be a whole number, got ${parsed}`);
	}
	return checkBounds(parsed, property, (problem) => {
		throw new InvalidParameterError(parameter, problem);
	});
}

export function readOutputSettings(simplify: unknown, options: IDataObject = {}): OutputSettings {
	const outputField = options.outputField ?? 'completion';
	if (typeof outputField !== 'string' || outputField.trim() === '') {
		throw new InvalidParameterError('Options > Output Field', 'must be a field name');
	}
	const logprobs = options.logprobs;
	const simplified = flag(simplify, 'Simplify Output', true);
	// The raw body stays exactly as NanoGPT sent it, so JSON parsing only applies to the simplified output.
	const jsonOutput = simplified && flag(options.jsonOutput, 'Options > Output Content as JSON', false);
	return {
		simplify: simplified,
		includeInputFields: flag(options.includeInputFields, 'Options > Include Input Fields', false),
		outputField,
		trimText: flag(options.trimText, 'Options > Trim Text', false),
		includeLogprobs:
			options.promptLogprobs === true ||
			(logprobs !== undefined && logprobs !== false && logprobs !== 'false' && logprobs !== 0 && logprobs !== '0'),
		jsonOutput,
		jsonRetries: jsonOutput ? declaredNumber(options.jsonRetries, optionsCollection, 'jsonRetries') : 0,
	};
}

export function readRequestSettings(options: IDataObject = {}): RequestSettings {
	return {
		concurrency: declaredNumber(options.concurrency, requestOptionsCollection, 'concurrency'),
		requestsPerSecond: declaredNumber(options.requestsPerSecond, requestOptionsCollection, 'requestsPerSecond'),
		maxRetries: declaredNumber(options.maxRetries, requestOptionsCollection, 'maxRetries'),
		timeoutMs: declaredNumber(options.timeout, requestOptionsCollection, 'timeout'),
		streamIdleTimeoutMs: 1000 * declaredNumber(options.streamIdleTimeout, requestOptionsCollection, 'streamIdleTimeout'),
		reuseIdenticalRequests: flag(options.reuseIdenticalRequests, 'Request Options > Reuse Identical Requests', false),
		maxSpendPerRunUsd: declaredNumber(options.maxSpendPerRun, requestOptionsCollection, 'maxSpendPerRun'),
	};
}
