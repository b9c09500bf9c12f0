import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class NanoGptApi implements ICredentialType {
	name = 'nanoGptApi';

	displayName = 'NanoGPT API';

	icon: Icon = { light: 'file:../nodes/NanoGpt/nanogpt.svg', dark: 'file:../nodes/NanoGpt/nanogpt.dark.svg' };

	documentationUrl = 'https://docs.nano-gpt.com/api-reference/endpoint/completions';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'Your NanoGPT API key, from nano-gpt.com/api',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://nano-gpt.com/api',
			description: 'Change only for a proxy or a compatible server. A trailing slash is fine.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	// GET /v1/models answers 200 for any key; /v1/usage answers 401 for a bad one.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/v1/usage',
			method: 'GET',
		},
	};
}
