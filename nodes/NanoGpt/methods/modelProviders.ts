import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { routingSuffix } from '../request/modelSuffixes';
import { CREDENTIAL_TYPE, checkCredential } from '../transport/credentialSettings';
import { fetchModelProviders, type ModelProvider } from '../transport/modelProviders';
import { formatPricing } from './modelSearch';

/** Suffixes that configure one request rather than name a model: dropped before asking for the model's providers. */
function isRequestSuffix(suffix: string): boolean {
	const lower = suffix.toLowerCase();
	return (
		routingSuffix(lower) !== undefined ||
		lower === 'online' ||
		lower.startsWith('online/') ||
		lower === 'reasoning-exclude' ||
		/^memory(-\d+)?$/.test(lower) ||
		['redaction', 'redacted', 'piiredaction', 'piiredacted'].includes(lower)
	);
}

/** The model ID NanoGPT's provider list takes: the typed ID without request suffixes (`:thinking` stays). Pure. */
export function providerListModelId(modelId: string): string {
	const [base, ...suffixes] = modelId.trim().split(':');
	return [base, ...suffixes.filter((suffix) => !isRequestSuffix(suffix))].join(':');
}

const total = (provider: ModelProvider) =>
	provider.prompt !== undefined && provider.completion !== undefined ? provider.prompt + provider.completion : Infinity;

/**
 * The list entries: cheapest first (input plus output price, NanoGPT's markup included), each
 * "deepinfra · $0.24 / $0.42 per 1M", unavailable ones marked. Pure.
 */
export function toProviderOptions(providers: ModelProvider[]): INodePropertyOptions[] {
	return [...providers]
		.sort((a, b) => total(a) - total(b) || a.id.localeCompare(b.id))
		.map((provider) => {
			const price = formatPricing({ prompt: provider.prompt, completion: provider.completion, currency: 'USD' });
			const parts = [provider.id, price, provider.available === false ? 'unavailable now' : undefined].filter(Boolean);
			return {
				name: parts.join(' · '),
				value: provider.id,
				description: price ? 'Price per 1M input / output tokens when this provider is chosen (with NanoGPT\'s 5% markup)' : undefined,
			};
		});
}

/**
 * The providers of the chosen model, for the Provider Routing fields. Empty for a model set by an
 * expression, a model without provider selection, or one NanoGPT does not know.
 */
export async function getModelProviders(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const model = this.getCurrentNodeParameter('model', { extractValue: true }) as unknown;
	const modelId = typeof model === 'object' && model !== null ? (model as { value?: unknown }).value : model;
	if (typeof modelId !== 'string' || modelId.trim() === '' || modelId.startsWith('=') || modelId.includes('{{')) return [];
	const checked = checkCredential(await this.getCredentials(CREDENTIAL_TYPE));
	if ('problem' in checked) throw new NodeOperationError(this.getNode(), checked.problem);
	const { supportsProviderSelection, providers } = await fetchModelProviders(this, checked.baseUrl, providerListModelId(modelId));
	if (supportsProviderSelection === false) return [];
	return toProviderOptions(providers);
}
