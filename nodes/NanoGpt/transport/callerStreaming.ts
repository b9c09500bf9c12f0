import type { IExecuteFunctions } from 'n8n-workflow';

type StreamingCalls = Partial<Pick<IExecuteFunctions, 'isStreaming' | 'sendChunk'>>;

/**
 * Whether n8n streams this execution to its caller (a Chat Trigger or a Webhook in streaming
 * response mode) in a form the node can feed. `isStreaming` came with n8n-workflow 1.99, and
 * `sendChunk` took its item index, `sendChunk(type, itemIndex, content)`, with n8n-workflow 1.100
 * (n8n 1.103): the earlier `sendChunk(type, content)` would send the item index as the text, so
 * on those versions the node answers as a whole instead.
 */
export function canStreamToCaller(context: IExecuteFunctions): boolean {
	const { isStreaming, sendChunk } = context as StreamingCalls;
	if (typeof isStreaming !== 'function' || typeof sendChunk !== 'function') return false;
	if (sendChunk.length < 3) return false;
	return isStreaming.call(context) === true;
}
