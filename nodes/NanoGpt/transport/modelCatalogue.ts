import type { IExecuteFunctions, ILoadOptionsFunctions } from 'n8n-workflow';
import { CREDENTIAL_TYPE, apiUrl } from './credentialSettings';

export interface ModelEntry {
	id: string;
	name?: string;
	description?: string;
}

/** GET {baseUrl}/v1/models (detailed, for names and descriptions). */
export async function fetchModels(context: IExecuteFunctions | ILoadOptionsFunctions, baseUrl: string): Promise<ModelEntry[]> {
	const response = (await context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL_TYPE, {
		method: 'GET',
		url: apiUrl(baseUrl, '/v1/models'),
		qs: { detailed: 'true' },
		json: true,
	})) as { data?: unknown };
	const data = Array.isArray(response?.data) ? response.data : [];
	return data.filter(
		(entry): entry is ModelEntry =>
			typeof entry === 'object' && entry !== null && typeof (entry as ModelEntry).id === 'string',
	);
}
