/**
 * The network error code behind what n8n's request helper threw, read the same on both lines:
 * n8n 2.x keeps axios' error as the `cause` (and the socket error as its cause), n8n 1.x keeps only
 * the code in `httpCode` and axios' message in `messages`. The errors below are shaped as each line
 * throws them; the fault matrix and `npm run test:compat` meet the real ones.
 */
import { networkErrorCode, networkFailure } from '../../../nodes/NanoGpt/transport/networkFailure';

describe('networkErrorCode', () => {
	it.each<[string, unknown, string | undefined]>([
		['2.x: a reset, code on the cause', { message: 'socket hang up', cause: { code: 'ECONNRESET', message: 'socket hang up' } }, 'ECONNRESET'],
		['2.x: the code on the socket error, two causes down', { message: 'x', cause: { message: 'y', cause: { code: 'EPIPE' } } }, 'EPIPE'],
		['the code in the context', { message: 'x', context: { code: 'ECONNREFUSED' } }, 'ECONNREFUSED'],
		['1.x: the code in httpCode', { message: 'x', httpCode: 'ECONNRESET', messages: ['socket hang up'] }, 'ECONNRESET'],
		['2.x: axios timeout (ECONNABORTED with its message)', { cause: { code: 'ECONNABORTED', message: 'timeout of 300ms exceeded' } }, 'ETIMEDOUT'],
		['1.x: axios timeout, its message only in messages', { httpCode: 'ECONNABORTED', messages: ['timeout of 300 ms exceeded'] }, 'ETIMEDOUT'],
		['an abort that is not axios timing out', { cause: { code: 'ECONNABORTED', message: 'aborted' } }, 'ECONNABORTED'],
		['2.x: body cut after the status line', { cause: { code: 'ERR_BAD_RESPONSE', message: 'stream has been aborted' } }, 'ERR_RESPONSE_ABORTED'],
		['1.x: body cut, axios 1.8 and later', { httpCode: '200', messages: ['stream has been aborted'] }, 'ERR_RESPONSE_ABORTED'],
		['1.x: body cut, axios before 1.8 (n8n 1.82)', { httpCode: '200', messages: ['maxContentLength size of Infinity exceeded'] }, 'ERR_RESPONSE_ABORTED'],
		['another bad response', { cause: { code: 'ERR_BAD_RESPONSE', message: 'Request failed with status code 500' } }, 'ERR_BAD_RESPONSE'],
		['an HTTP status in httpCode is no error code', { httpCode: '503', messages: ['Service Unavailable'] }, undefined],
		['nothing to go by', { message: 'Something failed' }, undefined],
		['not an object', 'ECONNRESET', undefined],
	])('%s', (_label, error, code) => {
		expect(networkErrorCode(error)).toBe(code);
	});

	it('looks five levels deep at most', () => {
		const nested = (depth: number): object => (depth === 0 ? { code: 'ECONNRESET' } : { message: 'wrapper', cause: nested(depth - 1) });
		expect(networkErrorCode(nested(4))).toBe('ECONNRESET');
		expect(networkErrorCode(nested(5))).toBeUndefined();
	});

	it('takes the outermost code', () => {
		expect(networkErrorCode({ code: 'ECONNREFUSED', cause: { code: 'ECONNRESET' } })).toBe('ECONNREFUSED');
	});
});

describe('networkFailure', () => {
	it('words each failure without naming a Node error code, and says whether it is retried', () => {
		const failure = (error: unknown, signal?: AbortSignal) => {
			const { apiMessage, code, retryable } = networkFailure(error, signal, 300).details;
			return { apiMessage, code, retryable };
		};
		expect(failure({ cause: { code: 'ECONNRESET' } })).toEqual({ apiMessage: 'Could not reach NanoGPT: the connection was reset', code: 'ECONNRESET', retryable: true });
		expect(failure({ cause: { code: 'ECONNREFUSED' } })).toEqual({ apiMessage: 'Could not reach NanoGPT: the connection was refused', code: 'ECONNREFUSED', retryable: true });
		expect(failure({ cause: { code: 'ENOTFOUND' } })).toEqual({ apiMessage: 'Could not reach NanoGPT: the host name could not be resolved', code: 'ENOTFOUND', retryable: false });
		expect(failure({ cause: { code: 'EAI_AGAIN' } })).toEqual({
			apiMessage: 'Could not reach NanoGPT: the host name could not be resolved (temporary DNS failure)',
			code: 'EAI_AGAIN',
			retryable: true,
		});
		expect(failure({ cause: { code: 'EPIPE' } })).toEqual({ apiMessage: 'Could not reach NanoGPT: the connection was closed while sending', code: 'EPIPE', retryable: true });
		expect(failure({ cause: { code: 'ESOCKETTIMEDOUT' } })).toEqual({ apiMessage: 'Could not reach NanoGPT: no response within the timeout', code: 'ESOCKETTIMEDOUT', retryable: true });
		expect(failure({ httpCode: 'ECONNABORTED', messages: ['timeout of 300ms exceeded'] })).toEqual({
			apiMessage: 'Could not reach NanoGPT: no response within 300 ms',
			code: 'ETIMEDOUT',
			retryable: true,
		});
		expect(failure({ httpCode: '200', messages: ['maxContentLength size of Infinity exceeded'] })).toEqual({
			apiMessage: "NanoGPT's answer broke off: the connection closed before the whole response arrived",
			code: 'ERR_RESPONSE_ABORTED',
			retryable: true,
		});
		expect(failure({ message: 'odd' })).toEqual({ apiMessage: 'Could not reach NanoGPT: the request failed', code: 'ENETWORK', retryable: false });
		expect(failure({ cause: { code: 'EWHATEVER' } })).toEqual({ apiMessage: 'Could not reach NanoGPT: the request failed', code: 'EWHATEVER', retryable: false });
	});

	it('reports a cancelled execution as cancelled, whatever the helper threw', () => {
		const controller = new AbortController();
		controller.abort();
		expect(networkFailure({ cause: { code: 'ECONNRESET' } }, controller.signal, 300).details).toMatchObject({
			apiMessage: 'The request to NanoGPT was cancelled with the execution',
			code: 'ERR_CANCELED',
			retryable: false,
		});
	});
});
