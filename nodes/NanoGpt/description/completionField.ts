import type { INodeProperties } from 'n8n-workflow';

/** How a resolved parameter value is checked and turned into the API value. */
export type ValueKind =
	| 'integer'
	| 'number'
	| 'boolean'
	| 'option'
	| 'stopSequences'
	| 'tokenIdList'
	| 'tokenBiasMap'
	| 'booleanOrInteger';

/** The collections whose fields map one to one onto request body fields. */
export type FieldCollection = 'options' | 'penalties' | 'advancedSampling' | 'tokenControl';

/**
 * One row of the parameter -> API field table. The property is what n8n shows; its
 * typeOptions (minValue, maxValue) are also the bounds the value is checked against.
 */
export interface CompletionField {
	apiField: string;
	kind: ValueKind;
	property: INodeProperties;
}

/** Collection entries in alphabetical order, as n8n lists them. */
export function sortedByDisplayName(properties: INodeProperties[]): INodeProperties[] {
	return [...properties].sort((a, b) => a.displayName.localeCompare(b.displayName));
}
