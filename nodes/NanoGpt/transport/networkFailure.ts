import { CompletionFailure } from './completionFailure';
import { isRetryableNetworkCode } from './retryPolicy';

/** Finds the network error code n8n's helper wrapped (axios error, its cause, ...). */
export function networkErrorCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
		const candidate = current as { code?: unknown; message?: unknown; cause?: unknown };
		if (typeof candidate.code === 'string' && /^[A-Z_]+$/.test(candidate.code)) {
			if (candidate.code === 'ECONNABORTED' && /timeout/i.test(String(candidate.message))) return 'ETIMEDOUT';
			// axios reports a connection cut while the body was arriving as a bad response.
			if (candidate.code === 'ERR_BAD_RESPONSE' && /aborted/i.test(String(candidate.message))) {
				return 'ERR_RESPONSE_ABORTED';
			}
			return candidate.code;
		}
		if (typeof candidate.message === 'string' && /timeout of \d+ms exceeded/.test(candidate.message)) {
			return 'ETIMEDOUT';
		}
		current = candidate.cause;
	}
	return undefined;
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
