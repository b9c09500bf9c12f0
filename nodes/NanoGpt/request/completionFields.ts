import { advancedSamplingFields } from '../description/advancedSampling';
import type { CompletionField, FieldCollection } from '../description/completionField';
import { optionFields } from '../description/options';
import { penaltyFields } from '../description/penalties';
import { tokenControlFields } from '../description/tokenControl';

/** Every request body field the node can send, by the collection it is set in. */
export const completionFieldsByCollection: Record<FieldCollection, CompletionField[]> = {
	options: optionFields,
	penalties: penaltyFields,
	advancedSampling: advancedSamplingFields,
	tokenControl: tokenControlFields,
};

export const fieldCollections = Object.keys(completionFieldsByCollection) as FieldCollection[];
