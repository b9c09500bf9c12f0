/** Statuses worth another attempt; 400, 401, 402, 403, 404 and 413 never are. */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** Network failures worth another attempt (reset, refused, timed out). */
const RETRYABLE_NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'UND_ERR_SOCKET',
	'ERR_STREAM_PREMATURE_CLOSE',
	'ERR_RESPONSE_ABORTED',
]);

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;
/** A longer Retry-After (a daily limit, say) fails the item instead of stalling the workflow. */
export const MAX_RETRY_WAIT_MS = 120_000;
/** A Retry-After up to this long is NanoGPT's per-second limit pushing back, as when many runs share one key. */
export const SHORT_RETRY_AFTER_MS = 2_000;
/**
 * Retries after such a 429 do not count against Max Retries, since waiting a second is all they need;
 * they have this budget of their own per item, so that a key refused for good still ends with an error.
 */
export const MAX_RATE_LIMIT_RETRIES = 20;

/** Whether a failure is the per-second limit pushing back: a 429 whose Retry-After is at most SHORT_RETRY_AFTER_MS. */
export function isPerSecondRefusal(status: number | undefined, retryAfterMs: number | undefined): boolean {
	return status === 429 && retryAfterMs !== undefined && retryAfterMs <= SHORT_RETRY_AFTER_MS;
}

export function isRetryableStatus(status: number): boolean {
	return RETRYABLE_STATUSES.has(status);
}

/**
 * NanoGPT's error codes that the same request would get again, whatever the status: a prompt its
 * content policy or moderation refused, and an empty answer (not charged).
 */
const NEVER_RETRIED_CODES = new Set(['content_policy_violation', 'empty_response']);

/** Whether an error answer is worth another attempt: a retryable status, unless its code says the answer would not change. */
export function isRetryableFailure(status: number, code: string | undefined): boolean {
	return isRetryableStatus(status) && !(code !== undefined && NEVER_RETRIED_CODES.has(code));
}

export function isRetryableNetworkCode(code: string | undefined): boolean {
	return code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
}

/** Milliseconds a Retry-After header asks for (delta seconds or HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(header: unknown, now: number = Date.now()): number | undefined {
	const value = Array.isArray(header) ? header[0] : header;
	if (typeof value === 'number') return value >= 0 ? value * 1000 : undefined;
	if (typeof value !== 'string' || value.trim() === '') return undefined;
	const text = value.trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
	const date = Date.parse(text);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, date - now);
}

/** Most added to a Retry-After, so that items refused together do not all come back at the same moment. */
export const RETRY_AFTER_JITTER_MS = 250;

/**
 * The wait before retrying after failed attempt `attempt`: at least the Retry-After when the answer
 * had one (plus up to a quarter of it, at most RETRY_AFTER_JITTER_MS), else the backoff.
 */
export function retryDelay(retryAfterMs: number | undefined, attempt: number, random: () => number = Math.random): number {
	if (retryAfterMs === undefined) return backoffDelay(attempt, random);
	return Math.round(retryAfterMs + random() * Math.min(RETRY_AFTER_JITTER_MS, retryAfterMs / 4));
}

/** Exponential backoff with jitter for the wait after failed attempt `attempt` (1-based). */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
	const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
	return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
