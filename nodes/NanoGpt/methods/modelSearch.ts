import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { CREDENTIAL_TYPE, checkCredential } from '../transport/credentialSettings';
import { fetchModels, type ModelEntry } from '../transport/modelCatalogue';

/** Models whose ID or name contains the search text (case-insensitive), sorted by ID. Pure. */
export function filterModels(models: ModelEntry[], filter?: string): INodeListSearchResult['results'] {
	const needle = filter?.trim().toLowerCase() ?? '';
	return models
		.filter(
			(model) =>
				needle === '' ||
				model.id.toLowerCase().includes(needle) ||
				(model.name ?? '').toLowerCase().includes(needle),
		)
		.sort((a, b) => a.id.localeCompare(b.id))
		.map((model) => ({
			name: model.name && model.name !== model.id ? `${model.name} (${model.id})` : model.id,
			value: model.id,
			description: model.description,
		}));
}

export async function searchModels(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const checked = checkCredential(await this.getCredentials(CREDENTIAL_TYPE));
	if ('problem' in checked) throw new NodeOperationError(this.getNode(), checked.problem);
	const models = await fetchModels(this, checked.baseUrl);
	return { results: filterModels(models, filter) };
}
