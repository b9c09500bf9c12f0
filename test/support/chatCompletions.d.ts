/** Types for the emulator's chat route (test/support/chatCompletions.js). */

export interface ChatToolCall {
	id: string;
	type: 'function';
	function: { name: string; arguments: string };
}

/** The assistant message the script answers with (recorded with the request as `reply`). */
export interface ChatReply {
	role: 'assistant';
	content: string | null;
	tool_calls?: ChatToolCall[];
	refusal: null;
}

export interface ChatTool {
	function: { name?: string; description?: string; parameters?: { properties?: Record<string, any> } };
	[field: string]: unknown;
}

/** Each number the script passes to a tool (within the property's minimum and maximum). */
export const NUMBER_ARGUMENT: number;
/** The arguments the script's model passes to a tool: a value for every property of its schema. */
export function toolArgumentsFor(tool: ChatTool, userText: string): Record<string, unknown>;
/** The final answer's quote of tool results: the `text` fields of JSON results, other results as sent. */
export function quoteToolResults(results: string[]): string;
