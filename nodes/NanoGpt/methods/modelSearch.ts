import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { CREDENTIAL_TYPE, checkCredential } from '../transport/credentialSettings';
import { fetchModels, type ModelEntry, type ModelPricing } from '../transport/modelCatalogue';

const SEPARATOR = ' · ';

/** 0.3 -> "0.30", 0.075 -> "0.075", 5 -> "5": whole amounts bare, cents with two to six decimals. Pure. */
export function formatAmount(value: number): string {
	if (value > 0 && value < 0.000001) return value.toPrecision(2);
	const [whole, fraction = ''] = value.toFixed(6).replace(/0+$/, '').split('.');
	return fraction === '' ? whole : `${whole}.${fraction.padEnd(2, '0')}`;
}

/** "$0.12" for USD; any other currency by its code ("0.12 EUR"), none when the catalogue names none. */
function formatPrice(value: number, currency: string | undefined): string {
	if (currency === undefined) return formatAmount(value);
	if (currency.toUpperCase() === 'USD') return `$${formatAmount(value)}`;
	return `${formatAmount(value)} ${currency}`;
}

/** "per_million_tokens" (NanoGPT's documented unit) reads "per 1M"; another unit as sent. */
function formatUnit(unit: string | undefined): string {
	if (unit === undefined || unit === 'per_million_tokens') return 'per 1M';
	return unit.replace(/_/g, ' ');
}

/**
 * "$0.12 / $0.30 per 1M" (input / output tokens); only the known side when the catalogue gives
 * one ("$0.12 input per 1M"). Pure.
 */
export function formatPricing(pricing: ModelPricing): string | undefined {
	const { prompt, completion, currency, unit } = pricing;
	if (prompt !== undefined && completion !== undefined) {
		return `${formatPrice(prompt, currency)} / ${formatPrice(completion, currency)} ${formatUnit(unit)}`;
	}
	if (prompt !== undefined) return `${formatPrice(prompt, currency)} input ${formatUnit(unit)}`;
	if (completion !== undefined) return `${formatPrice(completion, currency)} output ${formatUnit(unit)}`;
	return undefined;
}

/** 131072 -> "131k", 1048576 -> "1.04M", 512 -> "512": rounded down, never more than the model takes. Pure. */
export function formatContextLength(tokens: number): string {
	if (tokens < 1000) return `${Math.floor(tokens)}`;
	if (tokens < 1_000_000) return `${Math.floor(tokens / 1000)}k`;
	return `${Math.floor(tokens / 10_000) / 100}M`;
}

/**
 * The text the model list shows for a model:
 * "Llama 3.3 70B Instruct · $0.12 / $0.30 per 1M · 131k context · meta-llama/llama-3.3-70b-instruct".
 * n8n's list renders only an item's name, on one line cut to the width of the Model field (about
 * 350 px by default), so the figures come right after the display name and the ID last (first
 * when the catalogue has no display name).
 * A figure the catalogue lacks is left out, never guessed. Pure.
 */
export function formatModelName(model: ModelEntry): string {
	const name = model.name !== model.id ? model.name : undefined;
	const parts = [name ?? model.id];
	const price = model.pricing && formatPricing(model.pricing);
	if (price) parts.push(price);
	if (model.contextLength !== undefined) parts.push(`${formatContextLength(model.contextLength)} context`);
	if (name !== undefined) parts.push(model.id);
	return parts.join(SEPARATOR);
}

/**
 * Models whose ID or display name contains every word of the search text (case-insensitive),
 * sorted by display name as the list shows them. Pure.
 */
export function filterModels(models: ModelEntry[], filter?: string): INodeListSearchResult['results'] {
	const words = (filter ?? '').toLowerCase().split(/\s+/).filter(Boolean);
	const label = (model: ModelEntry) => model.name ?? model.id;
	return models
		.filter((model) => {
			const searched = `${model.name ?? ''}\n${model.id}`.toLowerCase();
			return words.every((word) => searched.includes(word));
		})
		.sort(
			(a, b) =>
				label(a).localeCompare(label(b), 'en', { sensitivity: 'base', numeric: true }) || a.id.localeCompare(b.id),
		)
		.map((model) => ({
			name: formatModelName(model),
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
