/**
 * The emulator's faults: the kinds it knows, the [[fault:...]] directives of a prompt, and the
 * error answers (status, headers, body) in each of NanoGPT's shapes.
 */
import http from 'node:http';
import type { Directives, Fault, FaultShape, KindFault, StatusFault } from './types.ts';

export const STREAM_CUT_KINDS = new Set(['truncated-stream', 'stream-error', 'stream-invalid-json', 'stream-stall']);
export const FAULT_KINDS = new Set([
	'reset', 'reset-mid-body', 'hang', 'malformed-json', 'empty-choices', 'no-usage', 'huge', 'delay',
	...STREAM_CUT_KINDS,
]);

/** Any fault, its fields read without asking which kind it is first. */
export interface AnyFault {
	status?: number;
	kind?: string;
	ms?: number;
	bytes?: number;
	afterChunks?: number;
	requestId?: string | null;
}

/** An answer the emulator sends whole: status, headers (an X-Request-ID of null sends none), body. */
export interface Answer {
	status: number;
	headers: Record<string, string | null>;
	body: string;
}

// ---------------------------------------------------------------------------------------------
// Prompt directives

/**
 * Parses [[fault:...]], [[latency:MS]] and [[chunk-delay:MS]] directives in a prompt.
 * Fault directives: `<status>` or `<kind>`, optional `:<n>` parameter (afterChunks for stream
 * faults, bytes for huge, ms for delay, Retry-After seconds for a status), optional `x<k>`
 * (only the first k attempts of that prompt). Several fault directives apply in order:
 * "[[fault:503x1]][[fault:429x1]]" fails attempt 1 with 503, attempt 2 with 429, then succeeds.
 */
export function parseDirectives(prompt: string): Directives {
	const out: Directives = { faults: [] };
	for (const [, name, value] of String(prompt ?? '').matchAll(/\[\[(fault|latency|chunk-delay):([^\]]*)\]\]/g)) {
		if (name === 'latency' && /^\d+$/.test(value)) out.latencyMs = Number(value);
		else if (name === 'chunk-delay' && /^\d+$/.test(value)) out.chunkDelayMs = Number(value);
		else if (name === 'fault') {
			const m = /^(\d{3}|[a-z-]+)(?::(\d+))?(?:x(\d+))?$/.exec(value);
			if (!m) continue;
			const [, what, param, times] = m;
			const n = param === undefined ? undefined : Number(param);
			let fault: Fault;
			if (/^\d{3}$/.test(what)) fault = n === undefined ? { status: Number(what) } : { status: Number(what), retryAfter: n };
			else if (FAULT_KINDS.has(what)) {
				const kindFault: Record<string, string | number> = { kind: what };
				if (n !== undefined) kindFault[what === 'huge' ? 'bytes' : what === 'delay' ? 'ms' : 'afterChunks'] = n;
				fault = kindFault as unknown as KindFault;
			} else continue;
			out.faults.push({ fault, times: times === undefined ? Infinity : Number(times) });
		}
	}
	return out;
}

/** The directive fault for the given 1-based attempt, if any. */
export function directiveFault(faults: Directives['faults'], attempt: number): Fault | undefined {
	let left = attempt;
	for (const { fault, times } of faults) {
		if (left <= times) return fault;
		left -= times;
	}
	return undefined;
}

// ---------------------------------------------------------------------------------------------
// Error bodies

/** NanoGPT's 402 codes for paid features (its error-handling docs), with the message the emulator sends. */
const BALANCE_REQUIRED: Record<string, string> = {
	webSearch_balance_required: 'Web search requires a positive balance',
	memory_balance_required: 'Memory requires a positive balance',
	both_balance_required: 'Web search and memory require a positive balance',
};

/** NanoGPT's per-key daily caps (its rate-limits docs): the 429 body's message for a cap of `limit`. */
const DAILY_CAPS: Record<string, (limit: number) => string> = {
	daily_rpd_limit_exceeded: (limit) => `Daily request limit exceeded (${limit}/${limit}). Resets at midnight UTC.`,
	daily_usd_limit_exceeded: (limit) => `Daily USD limit exceeded ($${limit.toFixed(2)}/$${limit.toFixed(2)}). Resets at midnight UTC.`,
};

/** Whole seconds from `time` to the next 00:00 UTC, as NanoGPT's Retry-After for a daily cap. */
function secondsToUtcMidnight(time = Date.now()): number {
	const day = 24 * 60 * 60 * 1000;
	return Math.ceil((Math.floor(time / day) * day + day - time) / 1000);
}

/**
 * The answer to a request past a key's daily cap: 429, Retry-After counting the seconds to 00:00
 * UTC, and NanoGPT's documented OpenAI-style body.
 */
export function dailyCapResponse({ code, limit }: { code: string; limit: number }): Answer {
	return errorResponse({ status: 429, shape: 'openai', code, message: DAILY_CAPS[code](limit), retryAfter: secondsToUtcMidnight() });
}

const OPENAI_TYPES: Record<number, string> = { 401: 'authentication_error', 403: 'permission_error', 429: 'rate_limit_error' };
const OPENAI_CODES: Record<number, string> = { 401: 'invalid_api_key', 403: 'forbidden', 404: 'model_not_found', 413: 'request_too_large', 500: 'internal_error', 503: 'service_unavailable' };
const DEFAULT_SHAPES: Record<number, FaultShape> = { 400: 'spec', 402: 'insufficient', 429: 'rate-limited', 502: 'html', 504: 'html' };

/** Builds {status, headers, body} for a status fault (or any error the emulator sends). */
export function errorResponse(f: StatusFault): Answer {
	const status = f.status;
	const statusText = http.STATUS_CODES[status] ?? 'Error';
	const shape = f.shape ?? DEFAULT_SHAPES[status] ?? 'openai';
	const message = f.message ?? (status === 404 ? 'Model not found' : statusText);
	const headers: Record<string, string> = { 'Content-Type': 'application/json' };
	const retryAfter = 'retryAfter' in f ? f.retryAfter : status === 429 ? 1 : undefined;
	if (retryAfter !== undefined && retryAfter !== null) headers['Retry-After'] = String(retryAfter);
	let body: string;
	switch (shape) {
		case 'spec':
			body = JSON.stringify({ error: status, message });
			break;
		case 'insufficient':
			body = JSON.stringify({
				error: f.message ?? BALANCE_REQUIRED[f.code ?? ''] ?? 'Insufficient balance',
				requiredBalance: 0.0035,
				status,
				...(f.code ? { code: f.code } : {}),
			});
			break;
		case 'rate-limited':
			body = JSON.stringify({ code: f.code ?? 'rate_limited', message: f.message ?? 'Rate limit exceeded' });
			break;
		case 'html':
			headers['Content-Type'] = 'text/html; charset=utf-8';
			body = `<html>\r\n<head><title>${status} ${statusText}</title></head>\r\n<body>\r\n<center><h1>${status} ${statusText}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
			break;
		case 'text':
			headers['Content-Type'] = 'text/plain; charset=utf-8';
			body = f.message ?? `${status} ${statusText}`;
			break;
		default: {
			const type = OPENAI_TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
			const code = f.code ?? OPENAI_CODES[status] ?? statusText.toLowerCase().replace(/\W+/g, '_');
			body = JSON.stringify({ error: { message, type, code, param: null } });
		}
	}
	return { status, headers, body };
}

export const authError = (code: string, message: string): Answer => ({
	status: 401,
	headers: { 'Content-Type': 'application/json' },
	body: JSON.stringify({ error: { message, type: 'authentication_error', code } }),
});
export const NOT_FOUND: Answer = {
	status: 404,
	headers: { 'Content-Type': 'application/json' },
	body: JSON.stringify({ error: { message: 'Not found', type: 'invalid_request_error', code: 'not_found' } }),
};

