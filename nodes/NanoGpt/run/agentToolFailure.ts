import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { toErrorJson } from '../output/errorItem';

/** The node as an AI Agent's tool: n8n names the tool variant of a node `<type>Tool`. */
function runsAsAgentTool(context: IExecuteFunctions): boolean {
	return context.getNode().type.endsWith('Tool');
}

/**
 * Runs the node. As an AI Agent's tool, a failure becomes the tool's answer, an item shaped like
 * Continue On Fail's error item, which the agent reads and can act on: n8n 2.x's engine turns a
 * failing tool into `{error: message}` itself, but n8n 1.x's engine (1.123) fails the whole
 * workflow when a tool node throws. As in 2.x, On Error set to Stop Workflow still stops the
 * workflow, and so does a cancelled execution.
 */
export async function answerFailuresToAgent(
	context: IExecuteFunctions,
	run: () => Promise<INodeExecutionData[][]>,
): Promise<INodeExecutionData[][]> {
	if (!runsAsAgentTool(context)) return await run();
	try {
		return await run();
	} catch (error) {
		const failure =
			error instanceof NodeApiError || error instanceof NodeOperationError
				? error
				: new NodeOperationError(context.getNode(), error as Error);
		if (context.getNode().onError === 'stopWorkflow' || context.getExecutionCancelSignal?.()?.aborted) throw failure;
		return [[{ json: toErrorJson(failure, undefined, {}), pairedItem: { item: 0 } }]];
	}
}
