import { CompletionFailure, parseErrorBody } from '../../../nodes/NanoGpt/transport/completionFailure';
import { apiUrl, checkCredential, redactSecret } from '../../../nodes/NanoGpt/transport/credentialSettings';
import { readInlineModeration, totalModeration } from '../../../nodes/NanoGpt/transport/inlineModeration';
import { keyExhaustionOf, nextUtcMidnight } from '../../../nodes/NanoGpt/transport/keyExhaustion';

// The pure parts of transport/ that turn an answer into what the user reads: error bodies, the
// credential check, inline moderation, and the answers that refuse the key for the rest of the run.
// Expected values are written out by hand.

describe('error bodies, every shape', () => {
	it('reads the message in this order: nested message, message, error text, detail', () => {
		expect(parseErrorBody({ error: { message: 'nested' }, message: 'top', detail: 'd' })).toEqual({
			apiMessage: 'nested',
			code: undefined,
			body: { error: { message: 'nested' }, message: 'top', detail: 'd' },
		});
		expect(parseErrorBody({ error: { message: '' }, message: 'top' }).apiMessage).toBe('top');
		expect(parseErrorBody({ error: 'as text', detail: 'd' }).apiMessage).toBe('as text');
		expect(parseErrorBody({ message: 5, detail: 'the detail' }).apiMessage).toBe('the detail');
		expect(parseErrorBody({ error: null, message: '' }).apiMessage).toBe('no message in the response');
	});

	it('reads the code: nested code, nested type, code, then a type given as text', () => {
		expect(parseErrorBody({ error: { code: 'c1', type: 't1' }, code: 'c2' }).code).toBe('c1');
		expect(parseErrorBody({ error: { type: 't1' }, code: 'c2' }).code).toBe('t1');
		expect(parseErrorBody({ code: 'c2', type: 't2' }).code).toBe('c2');
		expect(parseErrorBody({ type: 't2' }).code).toBe('t2');
		expect(parseErrorBody({ type: 3 }).code).toBeUndefined();
		expect(parseErrorBody({ code: 429 }).code).toBeUndefined();
	});

	it('adds the required balance of a 402', () => {
		expect(parseErrorBody({ error: 'Insufficient balance', requiredBalance: 0 }).apiMessage).toBe('Insufficient balance (required balance 0)');
		expect(parseErrorBody({ error: 'Insufficient balance', requiredBalance: '1' }).apiMessage).toBe('Insufficient balance');
	});

	it('reads JSON text, trimmed, and quotes a body that is a JSON scalar', () => {
		expect(parseErrorBody('  {"message":"busy","code":"overloaded"} ')).toEqual({ apiMessage: 'busy', code: 'overloaded', body: { message: 'busy', code: 'overloaded' } });
		expect(parseErrorBody('"just text"')).toEqual({ apiMessage: 'just text' });
		expect(parseErrorBody(42)).toEqual({ apiMessage: '42' });
		expect(parseErrorBody(null)).toEqual({ apiMessage: 'null' });
	});

	it('keeps plain text as it is, cut at 500 characters, and says when there is none', () => {
		expect(parseErrorBody(' upstream <b>timeout</b> ', 'text/plain')).toEqual({ apiMessage: 'upstream <b>timeout</b>', body: 'upstream <b>timeout</b>' });
		expect(parseErrorBody('   ')).toEqual({ apiMessage: 'no message in the response', body: '' });
		const long = 'x'.repeat(600);
		expect(parseErrorBody(long)).toEqual({ apiMessage: 'x'.repeat(500), body: 'x'.repeat(500) });
		expect(parseErrorBody(`"${'y'.repeat(600)}"`).apiMessage).toBe('y'.repeat(500));
	});

	it('reads an HTML page by its title, else its first heading, else its text', () => {
		expect(parseErrorBody('<html><head><title lang="en"> 502  Bad Gateway </title></head><h1>Oops</h1></html>').apiMessage).toBe('502 Bad Gateway');
		expect(parseErrorBody('<HTML><body><h1 class="x"> Service\nUnavailable </h1></body></HTML>').apiMessage).toBe('Service Unavailable');
		expect(parseErrorBody('<!doctype html><p>Gateway</p><p>timed out</p>').apiMessage).toBe('Gateway timed out');
		expect(parseErrorBody('<div>Bad <i>gateway</i></div>', 'text/HTML; charset=utf-8').apiMessage).toBe('Bad gateway');
		expect(parseErrorBody('<div>Bad</div>', 'text/plain').apiMessage).toBe('<div>Bad</div>');
		expect(parseErrorBody('<title></title><h1>Heading</h1>', 'text/html').apiMessage).toBe('Heading');
	});

	it('is an error named CompletionFailure with the message, one attempt until told otherwise', () => {
		const failure = new CompletionFailure({ apiMessage: 'busy', retryable: true });
		expect(failure).toBeInstanceOf(Error);
		expect(failure.name).toBe('CompletionFailure');
		expect(failure.message).toBe('busy');
		expect(failure.attempts).toBe(1);
		expect(failure.billed).toBeUndefined();
	});
});

describe('the credential check, every outcome', () => {
	it('refuses a missing or blank key', () => {
		expect(checkCredential(undefined)).toEqual({ problem: 'The NanoGPT credential has no API key' });
		expect(checkCredential({ apiKey: 5 })).toEqual({ problem: 'The NanoGPT credential has no API key' });
		expect(checkCredential({ apiKey: ' \n' })).toEqual({ problem: 'The NanoGPT credential has no API key' });
	});

	it('refuses a key with whitespace around it', () => {
		expect(checkCredential({ apiKey: 'sk-1\n' })).toEqual({
			problem: "The NanoGPT credential's API key starts or ends with whitespace; paste it again without spaces or line breaks",
		});
	});

	it('takes NanoGPT\'s address when the Base URL is blank, and drops trailing slashes', () => {
		expect(checkCredential({ apiKey: 'k' })).toEqual({ baseUrl: 'https://nano-gpt.com/api', apiKey: 'k' });
		expect(checkCredential({ apiKey: 'k', baseUrl: '  ' })).toEqual({ baseUrl: 'https://nano-gpt.com/api', apiKey: 'k' });
		expect(checkCredential({ apiKey: 'k', baseUrl: 7 })).toEqual({ baseUrl: 'https://nano-gpt.com/api', apiKey: 'k' });
		expect(checkCredential({ apiKey: 'k', baseUrl: ' HTTP://proxy:8080/api// ' })).toEqual({ baseUrl: 'HTTP://proxy:8080/api', apiKey: 'k' });
	});

	it('refuses a Base URL without http:// or https:// and a host, quoting its first 80 characters', () => {
		const refused = (baseUrl: string) => (checkCredential({ apiKey: 'k', baseUrl }) as { problem: string }).problem;
		expect(refused('ftp://host')).toBe('The NanoGPT credential\'s Base URL must start with http:// or https:// (got "ftp://host")');
		expect(refused('https:///path')).toBe('The NanoGPT credential\'s Base URL must start with http:// or https:// (got "https:///path")');
		expect(refused('see https://host')).toBe('The NanoGPT credential\'s Base URL must start with http:// or https:// (got "see https://host")');
		expect(refused(`x${'a'.repeat(99)}`)).toBe(`The NanoGPT credential's Base URL must start with http:// or https:// (got "x${'a'.repeat(79)}")`);
	});

	it('redacts the key in strings, arrays and objects, and leaves everything else alone', () => {
		expect(redactSecret('a sk b sk', 'sk')).toBe('a [redacted API key] b [redacted API key]');
		expect(redactSecret([1, 'sk', null], 'sk')).toEqual([1, '[redacted API key]', null]);
		expect(redactSecret({ n: 3, b: true, z: null }, 'sk')).toEqual({ n: 3, b: true, z: null });
		expect(redactSecret('abc', '')).toBe('abc');
		expect(apiUrl('https://h/api', '/v1/models')).toBe('https://h/api/v1/models');
	});
});

describe('inline moderation headers', () => {
	it('reads model, flagged and cost, each null when unreadable', () => {
		expect(
			readInlineModeration({
				'x-nanogpt-inline-moderation-model': ' omni ',
				'x-nanogpt-inline-moderation-flagged': 'TRUE',
				'x-nanogpt-inline-moderation-cost-usd': '0.0005',
			}),
		).toEqual({ model: 'omni', flagged: true, cost: 0.0005 });
		expect(readInlineModeration({ 'x-nanogpt-inline-moderation-flagged': ['false', 'true'] })).toEqual({ model: null, flagged: false, cost: null });
		expect(readInlineModeration({ 'x-nanogpt-inline-moderation-flagged': 'maybe', 'x-nanogpt-inline-moderation-cost-usd': 'free' })).toEqual({
			model: null,
			flagged: null,
			cost: null,
		});
		expect(readInlineModeration({ 'x-nanogpt-inline-moderation-cost-usd': '0' })).toEqual({ model: null, flagged: null, cost: 0 });
	});

	it('is nothing without any of the headers, blank ones included', () => {
		expect(readInlineModeration(undefined)).toBeUndefined();
		expect(readInlineModeration({ 'x-nanogpt-inline-moderation-model': '  ', other: 'x' })).toBeUndefined();
		expect(readInlineModeration({ 'x-nanogpt-inline-moderation-model': 5 })).toBeUndefined();
	});

	it('adds up the moderation of an item\'s requests', () => {
		const a = { model: 'm1', flagged: false, cost: 0.25 };
		const b = { model: 'm2', flagged: false, cost: 0.5 };
		expect(totalModeration([])).toBeUndefined();
		expect(totalModeration([undefined, a])).toBe(a);
		expect(totalModeration([a, undefined, b])).toEqual({ model: 'm2', flagged: false, cost: 0.75 });
		expect(totalModeration([a, { ...b, flagged: true }])).toEqual({ model: 'm2', flagged: true, cost: 0.75 });
		expect(totalModeration([{ ...a, flagged: null }, b])).toEqual({ model: 'm2', flagged: null, cost: 0.75 });
		expect(totalModeration([{ ...a, flagged: null }, { ...b, flagged: true }])).toEqual({ model: 'm2', flagged: true, cost: 0.75 });
		expect(totalModeration([a, { ...b, cost: null }])).toEqual({ model: 'm2', flagged: false, cost: null });
	});
});

describe('answers that refuse the key for the rest of the run', () => {
	const now = Date.parse('2026-12-02T10:30:00Z');

	it('a daily cap resets at its Retry-After, else at the next 00:00 UTC', () => {
		expect(keyExhaustionOf({ status: 429, code: 'daily_rpd_limit_exceeded', apiMessage: '', retryable: true, retryAfterMs: 5000 }, now)).toEqual({
			kind: 'dailyCap',
			cap: 'daily request limit',
			code: 'daily_rpd_limit_exceeded',
			resetsAt: now + 5000,
		});
		expect(keyExhaustionOf({ status: 429, code: 'daily_usd_limit_exceeded', apiMessage: '', retryable: true }, now)).toEqual({
			kind: 'dailyCap',
			cap: 'daily USD limit',
			code: 'daily_usd_limit_exceeded',
			resetsAt: Date.parse('2026-12-03T00:00:00Z'),
		});
		expect(nextUtcMidnight(Date.parse('2026-12-02T00:00:00Z'))).toBe(Date.parse('2026-12-03T00:00:00Z'));
	});

	it('a 429 without a daily-cap code, or a daily-cap code on another status, is per request', () => {
		expect(keyExhaustionOf({ status: 429, code: 'rate_limited', apiMessage: '', retryable: true }, now)).toBeUndefined();
		expect(keyExhaustionOf({ status: 429, apiMessage: '', retryable: true }, now)).toBeUndefined();
		expect(keyExhaustionOf({ status: 429, code: 'toString', apiMessage: '', retryable: true }, now)).toBeUndefined();
		expect(keyExhaustionOf({ status: 503, code: 'daily_rpd_limit_exceeded', apiMessage: '', retryable: true }, now)).toBeUndefined();
	});

	it('a 402 is the balance, saying what it is needed for when NanoGPT says', () => {
		const balance = (code?: string) => keyExhaustionOf({ status: 402, code, apiMessage: '', retryable: false }, now);
		expect(balance()).toEqual({ kind: 'balance' });
		expect(balance('insufficient_quota')).toEqual({ kind: 'balance' });
		expect(balance('webSearch_balance_required')).toEqual({ kind: 'balance', need: 'web search' });
		expect(balance('memory_balance_required')).toEqual({ kind: 'balance', need: 'memory' });
		expect(balance('both_balance_required')).toEqual({ kind: 'balance', need: 'web search and memory' });
		expect(balance('valueOf')).toEqual({ kind: 'balance' });
	});
});
