import type { IDataObject } from 'n8n-workflow';
import type { OutputSettings } from '../output/outputSettings';
import { InvalidParameterError, describeValue } from './buildCompletionRequest';
import { DEFAULT_JSON_RETRIES, MAX_JSON_RETRIES } from '../description/options';
import {
	DEFAULT_CONCURRENCY,
	MAX_CONCURRENCY,
	DEFAULT_MAX_RETRIES,
	DEFAULT_REQUESTS_PER_SECOND,
	DEFAULT_STREAM_IDLE_TIMEOUT_S,
	DEFAULT_TIMEOUT_MS,
} from '../description/requestOptions';

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
}

function flag(value: unknown, parameter: string, fallback: boolean): boolean {
	if (value === undefined) return fallback;
	if (typeof value === 'boolean') return value;
	if (value === 'true' || value === 'false') return value === 'true';
	throw new InvalidParameterError(parameter, `must be true or false, got ${describeValue(value)}`);
}

function number(
	value: unknown,
	parameter: string,
	fallback: number,
	{ min, max, integer }: { min: number; max?: number; integer?: boolean },
): number {
	if (value === undefined) return fallback;
	const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof parsed !== 'number' || !Number.isFinite(parsed)) {
		throw new InvalidParameterError(parameter, `must be a number, got ${describeValue(value)}`);
	}
	if (integer && !Number.isInteger(parsed)) {
		throw new InvalidParameterError(parameter, `must be a whole number, got ${parsed}`);
	}
	if (parsed < min || (max !== undefined && parsed > max)) {
		const range = max === undefined ? `at least ${min}` : `between ${min} and ${max}`;
		throw new InvalidParameterError(parameter, `must be ${range}, got ${parsed}`);
	}
	return parsed;
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
		jsonRetries: jsonOutput
			? number(options.jsonRetries, 'Options > Retries on Invalid JSON', DEFAULT_JSON_RETRIES, {
					min: 0,
					max: MAX_JSON_RETRIES,
					integer: true,
				})
			: 0,
	};
}

export function readRequestSettings(options: IDataObject = {}): RequestSettings {
	return {
		concurrency: number(options.concurrency, 'Request Options > Concurrency', DEFAULT_CONCURRENCY, {
			min: 0,
			max: MAX_CONCURRENCY,
			integer: true,
		}),
		requestsPerSecond: number(
			options.requestsPerSecond,
			'Request Options > Requests per Second',
			DEFAULT_REQUESTS_PER_SECOND,
			{ min: 0 },
		),
		maxRetries: number(options.maxRetries, 'Request Options > Max Retries', DEFAULT_MAX_RETRIES, {
			min: 0,
			max: 10,
			integer: true,
		}),
		timeoutMs: number(options.timeout, 'Request Options > Timeout', DEFAULT_TIMEOUT_MS, {
			min: 1,
			integer: true,
		}),
		streamIdleTimeoutMs:
			1000 *
			number(
				options.streamIdleTimeout,
				'Request Options > Stream Idle Timeout',
				DEFAULT_STREAM_IDLE_TIMEOUT_S,
				{ min: 0.1 },
			),
		reuseIdenticalRequests: flag(options.reuseIdenticalRequests, 'Request Options > Reuse Identical Requests', false),
	};
}
