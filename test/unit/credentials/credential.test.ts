/**
 * The NanoGPT API credential as n8n reads it: its name and fields are a public contract (saved
 * credentials refer to them), the key field is a password, and the icon files it names exist.
 * How n8n applies `authenticate` and `test` is checked against the emulator in the node suites.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { NanoGptApi } from '../../../credentials/NanoGptApi.credentials';

// A fresh instance in each test, so that mutation testing sees each test read the fields.
const credential = () => new NanoGptApi();

test('is the nanoGptApi type with an API Key (a required password) and a Base URL (nano-gpt.com by default)', () => {
	expect(credential().name).toBe('nanoGptApi');
	expect(credential().properties.map(({ name, type, default: value, required, typeOptions }) => ({ name, type, value, required, typeOptions }))).toEqual([
		{ name: 'apiKey', type: 'string', value: '', required: true, typeOptions: { password: true } },
		{ name: 'baseUrl', type: 'string', value: 'https://nano-gpt.com/api', required: undefined, typeOptions: undefined },
	]);
});

test('sends the key as a bearer token and tests it against /v1/usage, trailing slashes of the Base URL dropped', () => {
	expect(credential().authenticate).toEqual({ type: 'generic', properties: { headers: { Authorization: '=Bearer {{$credentials.apiKey}}' } } });
	expect(credential().test.request).toEqual({ baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}', url: '/v1/usage', method: 'GET' });
});

test('names icon files that exist, as the built package lays them out (dist/credentials beside dist/nodes)', () => {
	const icon = credential().icon as { light: string; dark: string };
	expect(icon).toEqual({ light: 'file:../nodes/NanoGpt/nanogpt.svg', dark: 'file:../nodes/NanoGpt/nanogpt.dark.svg' });
	const credentialsDir = path.join(__dirname, '..', '..', '..', 'credentials');
	for (const file of [icon.light, icon.dark]) expect(existsSync(path.join(credentialsDir, file.replace(/^file:/, '')))).toBe(true);
});
