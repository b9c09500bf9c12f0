import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

export const CREDENTIAL_TYPE = 'nanoGptApi';
export const DEFAULT_BASE_URL = 'https://nano-gpt.com/api';

/**
 * Checks the credential before anything is sent; returns the base URL or a problem
 * description (which never repeats the key).
 */
export function checkCredential(
	credentials: ICredentialDataDecryptedObject | object | undefined,
): { baseUrl: string; apiKey: string } | { problem: string } {
	const data = (credentials ?? {}) as ICredentialDataDecryptedObject;
	const apiKey = data.apiKey;
	if (typeof apiKey !== 'string' || apiKey.trim() === '') {
		return { problem: 'The NanoGPT credential has no API key' };
	}
	if (apiKey !== apiKey.trim()) {
		return { problem: 'The NanoGPT credential\'s API key starts or ends with whitespace; paste it again without spaces or line breaks' };
	}
	const rawBaseUrl = data.baseUrl;
	const baseUrl = typeof rawBaseUrl === 'string' && rawBaseUrl.trim() !== '' ? rawBaseUrl.trim() : DEFAULT_BASE_URL;
	if (!/^https?:\/\/[^/\s]+/i.test(baseUrl)) {
		return {
			problem: `The NanoGPT credential's Base URL must start with http:// or https:// (got "${baseUrl.slice(0, 80)}")`,
		};
	}
	return { baseUrl: baseUrl.replace(/\/+$/, ''), apiKey };
}

export const REDACTED_KEY = '[redacted API key]';

/** Replaces the API key wherever it appears in strings of a value (a server or proxy may echo it). Pure. */
export function redactSecret<T>(value: T, secret: string): T {
	if (secret === '') return value;
	if (typeof value === 'string') return value.split(secret).join(REDACTED_KEY) as T;
	if (Array.isArray(value)) return value.map((entry) => redactSecret(entry, secret)) as T;
	if (typeof value === 'object' && value !== null) {
		return Object.fromEntries(
			Object.entries(value).map(([key, entry]) => [redactSecret(key, secret), redactSecret(entry, secret)]),
		) as T;
	}
	return value;
}

/** `baseUrl` comes from checkCredential, which already dropped any trailing slash. */
export function apiUrl(baseUrl: string, path: string): string {
	return `${baseUrl}${path}`;
}
