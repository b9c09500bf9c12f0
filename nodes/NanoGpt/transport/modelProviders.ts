import type { IDataObject, IHttpRequestOptions, ILoadOptionsFunctions, IN8nHttpFullResponse } from 'n8n-workflow';
import { CREDENTIAL_TYPE, apiUrl } from './credentialSettings';

/** One provider of a model, as NanoGPT's provider list gives it. */
export interface ModelProvider {
	id: string;
	/** false when NanoGPT reports it unavailable right now. */
	available?: boolean;
	/** USD per 1M tokens when this provider is chosen, NanoGPT's markup included. */
	prompt?: number;
	completion?: number;
}

export interface ModelProviders {
	/** Whether the model honours provider choices; undefined when NanoGPT did not say. */
	supportsProviderSelection?: boolean;
	providers: ModelProvider[];
}

function perMillion(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value * 1000 * 1e9) / 1e9 : undefined;
}

/** GET /api/models/{canonicalId}/providers as sent, reduced to what is known. Pure. */
export function toModelProviders(raw: unknown): ModelProviders {
	const data = (typeof raw === 'object' && raw !== null ? raw : {}) as IDataObject;
	const providers: ModelProvider[] = [];
	for (const entry of Array.isArray(data.providers) ? data.providers : []) {
		if (typeof entry !== 'object' || entry === null) continue;
		const { provider, available, pricing } = entry as IDataObject;
		if (typeof provider !== 'string' || provider.trim() === '') continue;
		const row: ModelProvider = { id: provider.trim() };
		if (typeof available === 'boolean') row.available = available;
		if (typeof pricing === 'object' && pricing !== null) {
			const prompt = perMillion((pricing as IDataObject).inputPer1kTokens);
			const completion = perMillion((pricing as IDataObject).outputPer1kTokens);
			if (prompt !== undefined) row.prompt = prompt;
			if (completion !== undefined) row.completion = completion;
		}
		providers.push(row);
	}
	const supports = data.supportsProviderSelection;
	return { ...(typeof supports === 'boolean' && { supportsProviderSelection: supports }), providers };
}

/**
 * The providers NanoGPT lists for a model (`GET {base}/models/{id}/providers`: not under /v1, the
 * ID's slashes encoded). A model NanoGPT does not know (4xx) has none.
 */
export async function fetchModelProviders(context: ILoadOptionsFunctions, baseUrl: string, modelId: string): Promise<ModelProviders> {
	const request: IHttpRequestOptions = {
		method: 'GET',
		url: apiUrl(baseUrl, `/models/${encodeURIComponent(modelId)}/providers`),
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	};
	const response = (await context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL_TYPE, request)) as IN8nHttpFullResponse;
	if (response.statusCode >= 400 && response.statusCode < 500) return { providers: [] };
	if (response.statusCode < 200 || response.statusCode >= 300) {
		throw new Error(`NanoGPT answered ${response.statusCode} to the provider list of ${modelId}`);
	}
	const body = typeof response.body === 'string' ? safeParse(response.body) : response.body;
	return toModelProviders(body);
}

function safeParse(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}
