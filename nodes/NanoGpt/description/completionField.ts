import type { INodeProperties } from 'n8n-workflow';

/** How a resolved parameter value is checked and turned into the API value. */
export type ValueKind =
	| 'integer'
	| 'number'
	| 'boolean'
	| 'option'
	| 'optionList'
	| 'text'
	| 'textList'
	| 'stopSequences'
	| 'tokenIdList'
	| 'tokenBiasMap'
	| 'booleanOrInteger';

/** The collections whose fields map one to one onto API fields. */
export type FieldCollection =
	| 'options'
	| 'penalties'
	| 'advancedSampling'
	| 'tokenControl'
	| 'providerRouting'
	| 'routingBillingSafety';

/**
 * Where a field's value goes: a request body field (`apiField` is its path, e.g.
 * `provider.max_price.prompt`), a request header (`apiField` is its name), or a suffix appended to
 * the model ID (`apiField` is the suffix without its colon; an option field's value is the suffix).
 */
export type SentAs = 'body' | 'header' | 'modelSuffix';

/**
 * One row of the parameter -> API field table. The property is what n8n shows; its
 * typeOptions (minValue, maxValue) are also the bounds the value is checked against.
 */
export interface CompletionField {
	apiField: string;
	kind: ValueKind;
	property: INodeProperties;
	/** Default 'body'. */
	sentAs?: SentAs;
	/** Option values that send nothing (a "Default" or "None" choice). */
	sendsNothing?: Array<string | number | boolean>;
	/** API value of each option value that is sent as something else (header values, say). */
	apiValues?: Record<string, string>;
}

/** Collection entries in alphabetical order, as n8n lists them. */
export function sortedByDisplayName(properties: INodeProperties[]): INodeProperties[] {
	return [...properties].sort((a, b) => a.displayName.localeCompare(b.displayName));
}
