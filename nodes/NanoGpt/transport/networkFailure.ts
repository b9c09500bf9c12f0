import { CompletionFailure } from './completionFailure';
import { isRetryableNetworkCode } from './retryPolicy';

/** A Node.js or axios error code (ECONNRESET, ERR_CANCELED, UND_ERR_SOCKET), not an HTTP status. */
const ERROR_CODE = /^[A-Z][A-Z_]*[A-Z]$/;
/** axios' message for its own timeout (`timeout` option): reported as ECONNABORTED. */
const AXIOS_TIMEOUT = /timeout of \d+ ?ms exceeded/i;
/**
 * axios' message when the connection closed while the body was arriving (after a status line).
 * axios before 1.8 (n8n 1.82 and older) said "maxContentLength size of Infinity exceeded" for it:
 * n8n sets no content limit, so that message can only mean the cut.
 */
const AXIOS_BODY_ABORTED = /stream has been aborted|maxContentLength size of Infinity exceeded/i;

interface ErrorEvidence {
	/** The first error code met from the outside in. */
	code?: string;
	/** Every message met: n8n 1.x keeps the wrapped error's messages only in `messages`. */
	texts: string[];
}

function asCode(value: unknown): string | undefined {
	return typeof value === 'string' && ERROR_CODE.test(value) ? value : undefined;
}

/**
 * Walks what n8n's request helper threw. n8n 2.x wraps axios' error in a NodeApiError whose
 * `cause` is the AxiosError and whose `cause.cause` the socket error; n8n 1.x drops the cause and
 * keeps only `httpCode` (set to the error code) and `messages`. Both are read here.
 */
function collectEvidence(error: unknown): ErrorEvidence {
	const evidence: ErrorEvidence = { texts: [] };
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
		const candidate = current as {
			code?: unknown;
			httpCode?: unknown;
			context?: { code?: unknown };
			message?: unknown;
			messages?: unknown;
			cause?: unknown;
		};
		evidence.code ??= asCode(candidate.code) ?? asCode(candidate.context?.code) ?? asCode(candidate.httpCode);
		if (typeof candidate.message === 'string') evidence.texts.push(candidate.message);
		if (Array.isArray(candidate.messages)) {
			for (const text of candidate.messages) if (typeof text === 'string') evidence.texts.push(text);
		}
		current = candidate.cause;
	}
	return evidence;
}

/** The network error code behind what n8n's helper threw, the same on n8n 1.x and 2.x. */
export function networkErrorCode(error: unknown): string | undefined {
	const { code, texts } = collectEvidence(error);
	const said = (pattern: RegExp) => texts.some((text) => pattern.test(text));
	if ((code === undefined || code === 'ECONNABORTED') && said(AXIOS_TIMEOUT)) return 'ETIMEDOUT';
	// A cut after the status line: axios' ERR_BAD_RESPONSE (2.x), or only its message (1.x, httpCode "200").
	if ((code === undefined || code === 'ERR_BAD_RESPONSE') && said(AXIOS_BODY_ABORTED)) return 'ERR_RESPONSE_ABORTED';
	return code;
}

// Messages name no Node error code: n8n's NodeApiError swaps any message containing one for generic text.
const NETWORK_MESSAGES: Record<string, string> = {
	ECONNREFUSED: 'Could not reach NanoGPT: the connection was refused',
	ECONNRESET: 'Could not reach NanoGPT: the connection was reset',
	ESOCKETTIMEDOUT: 'Could not reach NanoGPT: no response within the timeout',
	EPIPE: 'Could not reach NanoGPT: the connection was closed while sending',
	ENOTFOUND: 'Could not reach NanoGPT: the host name could not be resolved',
	EAI_AGAIN: 'Could not reach NanoGPT: the host name could not be resolved (temporary DNS failure)',
	ERR_RESPONSE_ABORTED: "NanoGPT's answer broke off: the connection closed before the whole response arrived",
	ERR_CANCELED: 'The request to NanoGPT was cancelled with the execution',
};

export function networkFailure(error: unknown, signal: AbortSignal | undefined, timeoutMs: number): CompletionFailure {
	const code = signal?.aborted ? 'ERR_CANCELED' : (networkErrorCode(error) ?? 'ENETWORK');
	const message =
		code === 'ETIMEDOUT'
			? `Could not reach NanoGPT: no response within ${timeoutMs} ms`
			: (NETWORK_MESSAGES[code] ?? 'Could not reach NanoGPT: the request failed');
	return new CompletionFailure({
		apiMessage: message,
		code,
		retryable: isRetryableNetworkCode(code),
	});
}
