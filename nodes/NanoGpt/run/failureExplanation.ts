import type { IDataObject } from 'n8n-workflow';
import type { CompletionField, FieldCollection } from '../description/completionField';
import { parameterLabel, type CompletionCall } from '../request/buildCompletionRequest';
import { completionFieldsByCollection } from '../request/completionFields';
import { routingSuffix, suffixesOf } from '../request/modelSuffixes';
import type { FailureDetails } from '../transport/completionFailure';

function label(collection: FieldCollection, name: string): string {
	const field = completionFieldsByCollection[collection].find((row) => row.property.name === name) as CompletionField;
	return parameterLabel(collection, field);
}

function rowForApiField(apiField: string): string | undefined {
	for (const [collection, rows] of Object.entries(completionFieldsByCollection) as Array<[FieldCollection, CompletionField[]]>) {
		const row = rows.find((candidate) => candidate.apiField === apiField && (candidate.sentAs ?? 'body') === 'body');
		if (row) return parameterLabel(collection, row);
	}
	return undefined;
}

const ROUTING_OPTION = { 'routing preference': 'routingPreference', 'tool support': 'toolSupport', 'prompt caching': 'promptCaching' } as const;

/** The option behind the model ID's routing suffix, when it has one. */
function routingSuffixParameter(model: string): string | undefined {
	for (const suffix of suffixesOf(model)) {
		const routing = routingSuffix(suffix);
		if (routing) return label('routingBillingSafety', ROUTING_OPTION[routing.kind]);
	}
	return undefined;
}

const PROVIDER_ROUTING = 'Provider Routing';

const UNAVAILABLE: Record<string, string> = {
	model_not_available: 'NanoGPT has no provider available for the model right now',
	all_fallbacks_failed: 'every provider NanoGPT tried for the model failed',
	no_fallback_available: 'no provider the routing allows is available, and fallbacks are off',
};

/** The `param` NanoGPT names in an error body (`{"error": {"param": "provider.only"}}`), if any. */
function errorParam(body: FailureDetails['body']): string | undefined {
	const error = typeof body === 'object' && body !== null ? (body.error as IDataObject | undefined) : undefined;
	return typeof error === 'object' && error !== null && typeof error.param === 'string' ? error.param : undefined;
}

type Explanation = FailureDetails['explanation'];

/** The prompt itself refused (moderation, content policy) or answered with no text. */
function explainRefusedPrompt(code: string | undefined, moderated: boolean): Explanation {
	if (code === 'content_policy_violation') {
		return moderated
			? {
					parameter: label('routingBillingSafety', 'moderation'),
					hint: 'NanoGPT\'s moderation refused the prompt; the check is still charged (the item\'s moderation.cost). Not retried: the same prompt would be refused again.',
				}
			: { hint: 'NanoGPT\'s content policy refused the prompt. Not retried: the same prompt would be refused again.' };
	}
	if (code === 'empty_response') {
		return {
			hint: 'NanoGPT answered without any text and did not charge for it. Not retried: the same request would get the same answer (stop sequences, a very low Max Tokens or filtering are common causes).',
		};
	}
	return undefined;
}

/** One option of the request refused: a provider routing field, the moderation header, the billing mode, a routing suffix. */
function explainRefusedOption(
	param: string | undefined,
	code: string | undefined,
	{ body, headers }: CompletionCall,
	moderated: boolean,
): Explanation {
	const provider = body.provider as IDataObject | string | undefined;
	if (param?.startsWith('provider')) {
		const parameter = (param === 'provider' && typeof provider === 'string' ? label('providerRouting', 'provider') : rowForApiField(param)) ?? PROVIDER_ROUTING;
		const hint =
			code === 'provider_unknown_provider'
				? 'NanoGPT does not know a provider of this list for the model: take the IDs from the list of the model\'s providers.'
				: 'NanoGPT refused this provider routing field.';
		return { parameter, hint };
	}
	if (param === 'moderation' || code === 'conflicting_moderation_model') {
		const parameter = label('routingBillingSafety', headers.moderation === 'true' || !moderated ? 'moderation' : 'moderationModel');
		return { parameter, hint: 'NanoGPT refused the moderation header: check the moderation model ID (GET /api/v1/moderation-models lists them).' };
	}
	if (param === 'billing_mode' || param === 'billingMode') {
		return { parameter: label('routingBillingSafety', 'billingMode'), hint: 'NanoGPT refused the billing mode.' };
	}
	if (code?.startsWith('speed_suffix_')) {
		return {
			parameter: routingSuffixParameter(body.model) ?? 'Model',
			hint: 'NanoGPT refused the routing suffix: it takes one routing suffix, none with a provider choice, and none for models without provider selection.',
		};
	}
	return undefined;
}

/** No provider available for the model, or none the routing allows. */
function explainUnavailable(code: string | undefined, { body }: CompletionCall): Explanation {
	if (code === undefined || !Object.hasOwn(UNAVAILABLE, code)) return undefined;
	const provider = body.provider as IDataObject | string | undefined;
	const parameter =
		provider !== undefined
			? code === 'no_fallback_available' && typeof provider === 'object' && provider.allow_fallbacks === false
				? label('providerRouting', 'allowFallbacks')
				: PROVIDER_ROUTING
			: (routingSuffixParameter(body.model) ?? 'Model');
	return { parameter, hint: `${UNAVAILABLE[code]}: widen the provider routing, allow fallbacks, or choose another model.` };
}

/** A pay-as-you-go request (billing mode, provider choice, routing suffix) on an account whose paid-models API is off. */
function explainPaidModelsOff(status: number | undefined, code: string | undefined, { body }: CompletionCall): Explanation {
	const provider = body.provider as IDataObject | string | undefined;
	const paygo = body.billing_mode !== undefined;
	if ((status === 403 || code === 'paid_features_disabled') && code !== 'api_key_origin_not_allowed' && (paygo || provider !== undefined || routingSuffixParameter(body.model))) {
		return {
			parameter: paygo ? label('routingBillingSafety', 'billingMode') : provider !== undefined ? PROVIDER_ROUTING : routingSuffixParameter(body.model),
			hint: 'NanoGPT refused a pay-as-you-go request: the account\'s paid-models API is off. Turn on paid API use in NanoGPT\'s settings, or set Billing Mode to Default (a provider choice or routing suffix is always pay-as-you-go).',
		};
	}
	return undefined;
}

/**
 * What an API failure means for the item's parameters: the node parameter it concerns, when the
 * item set one, and what to do. NanoGPT names the request field in some errors (`param`) and
 * signals routing conflicts by code. Undefined when the failure concerns no option of the node. Pure.
 */
export function explainFailure(details: Pick<FailureDetails, 'status' | 'code' | 'body'>, call: CompletionCall): Explanation {
	const { status, code } = details;
	const moderated = call.headers.moderation !== undefined && call.headers.moderation !== 'false';
	return (
		explainRefusedPrompt(code, moderated) ??
		explainRefusedOption(errorParam(details.body), code, call, moderated) ??
		explainUnavailable(code, call) ??
		explainPaidModelsOff(status, code, call)
	);
}
