import { advancedSamplingFields } from '../description/advancedSampling';
import type { CompletionField, FieldCollection } from '../description/completionField';
import { optionFields } from '../description/options';
import { penaltyFields } from '../description/penalties';
import { providerRoutingFields } from '../description/providerRouting';
import { routingBillingSafetyFields } from '../description/routingBillingSafety';
import { tokenControlFields } from '../description/tokenControl';

/** Every API field the node can send (body fields, headers, model suffixes), by the collection it is set in. */
export const completionFieldsByCollection: Record<FieldCollection, CompletionField[]> = {
	options: optionFields,
	penalties: penaltyFields,
	advancedSampling: advancedSamplingFields,
	tokenControl: tokenControlFields,
	providerRouting: providerRoutingFields,
	routingBillingSafety: routingBillingSafetyFields,
};

export const fieldCollections = Object.keys(completionFieldsByCollection) as FieldCollection[];
