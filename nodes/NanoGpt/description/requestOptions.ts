import type { INodeProperties } from 'n8n-workflow';
import { sortedByDisplayName } from './completionField';

/** 0 = Auto: the pace sets the throughput; the bound on requests in flight adapts (run/inFlightLimit.ts). */
export const DEFAULT_CONCURRENCY = 0;
export const MAX_CONCURRENCY = 512;
/** Below NanoGPT's documented 25 requests per second per key, with room for clock jitter. */
export const DEFAULT_REQUESTS_PER_SECOND = 23;
export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_TIMEOUT_MS = 300_000;
export const DEFAULT_STREAM_IDLE_TIMEOUT_S = 60;

export const requestOptionsCollection: INodeProperties = {
	displayName: 'Request Options',
	name: 'requestOptions',
	type: 'collection',
	placeholder: 'Add Request Option',
	default: {},
	displayOptions: { show: { operation: ['complete'] } },
	options: sortedByDisplayName([
		{
			displayName: 'Concurrency',
			name: 'concurrency',
			type: 'number',
			default: DEFAULT_CONCURRENCY,
			typeOptions: { minValue: 0, maxValue: MAX_CONCURRENCY, numberPrecision: 0 },
			description:
				'Most requests in flight at once across all items; 0 means Auto: Requests per Second sets the speed, and the node keeps up to 512 in flight (32 without a rate cap), fewer while NanoGPT reports overload. Output keeps the input order.',
		},
		{
			displayName: 'Requests per Second',
			name: 'requestsPerSecond',
			type: 'number',
			default: DEFAULT_REQUESTS_PER_SECOND,
			typeOptions: { minValue: 0, numberPrecision: 2 },
			description:
				'Most requests started per second across this node\'s run; 0 means no cap. NanoGPT allows 25 per second per API key.',
		},
		{
			displayName: 'Max Spend per Run',
			name: 'maxSpendPerRun',
			type: 'number',
			default: 0,
			typeOptions: { minValue: 0, numberPrecision: 4 },
			description:
				'Most USD this node run may spend, as NanoGPT reports it: the cost of each completion (Output Content as JSON resends included) plus the moderation cost of each moderated prompt, refused ones included; 0 means no limit. The node keeps no more requests in flight than the budget left pays for at the mean cost so far; once the limit is reached, the rows not yet sent fail with a message that names it, and completions already answered are kept.',
			hint: 'Acts only on the cost NanoGPT reports with each completion; when it reports none, the run summary says the limit could not act',
		},
		{
			displayName: 'Max Retries',
			name: 'maxRetries',
			type: 'number',
			default: DEFAULT_MAX_RETRIES,
			typeOptions: { minValue: 0, maxValue: 10, numberPrecision: 0 },
			description:
				'How often to retry an item after a 408, 429, 500, 502, 503, 504 or a network failure. Waits follow Retry-After, otherwise exponential backoff. A 429 with a Retry-After of 2 s or less (the per-second limit) does not count: it is retried up to 20 times.',
		},
		{
			displayName: 'Timeout',
			name: 'timeout',
			type: 'number',
			default: DEFAULT_TIMEOUT_MS,
			typeOptions: { minValue: 1, numberPrecision: 0 },
			description: 'Milliseconds to wait for a response to each attempt before it counts as failed',
		},
		{
			displayName: 'Reuse Identical Requests',
			name: 'reuseIdenticalRequests',
			type: 'boolean',
			default: false,
			description:
				'Whether items whose final requests are identical (same model, prompt and options after expressions) share one request in this run. Each item still gets its own output; with Simplify Output on, only the item whose request was sent carries usage and cost (raw output repeats the body: sum by distinct ID).',
			hint: 'With a Temperature above 0, identical prompts then get the same text instead of one text each',
		},
		{
			displayName: 'Stream Idle Timeout',
			name: 'streamIdleTimeout',
			type: 'number',
			default: DEFAULT_STREAM_IDLE_TIMEOUT_S,
			typeOptions: { minValue: 0.1, numberPrecision: 1 },
			description: 'Seconds a stream may stay silent before it is ended with an error',
		},
	]),
};
