import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { deepCopy } from 'n8n-workflow';
import type { RunStopReason } from './stopReasons';
import { newSpendTally, type SpendTally } from './spendLimit';

/**
 * What the tries of one node run share. n8n's Retry On Fail runs the node again within the same
 * execution (when it threw, or when its first output item is an error item): rows already answered
 * get their earlier output item back instead of being sent and billed again, a stop (a daily
 * cap, an empty balance, Max Spend per Run) keeps the later tries from sending anything, and what
 * earlier tries spent counts against Max Spend per Run.
 */
export class ExecutionMemo {
	/** Output items of the answered rows, by answerKey. */
	private readonly answered = new Map<string, INodeExecutionData>();
	private stop: { reason: RunStopReason; until?: number } | undefined;
	/** What the tries of this node run spent, for Max Spend per Run. */
	readonly spendTally: SpendTally = newSpendTally();

	/** A copy of the output item of a row answered in an earlier try (n8n changes output items). */
	answerOf(key: string): INodeExecutionData | undefined {
		const item = this.answered.get(key);
		return item && deepCopy(item);
	}

	/**
	 * Remembers a row's output item. It is the item this try returns: nothing changes it before a
	 * next try reads it, since n8n drops a try's output when it runs the node again.
	 */
	rememberAnswer(key: string, item: INodeExecutionData): void {
		this.answered.set(key, item);
	}

	/** Remembers a stop, until the given time (a daily cap's reset) or for the rest of the execution. */
	rememberStop(reason: RunStopReason, until?: number): void {
		this.stop ??= { reason, until };
	}

	/** The remembered stop, while it is in force. */
	stopInForce(now: number = Date.now()): RunStopReason | undefined {
		if (this.stop?.until !== undefined && now >= this.stop.until) this.stop = undefined;
		return this.stop?.reason;
	}
}

/** A row's key: its index and the fingerprint of what decides its answer, so a changed request is sent anew. */
export function answerKey(itemIndex: number, fingerprint: string): string {
	return `${itemIndex} ${fingerprint}`;
}

/** Held weakly: a memo lives as long as n8n keeps its node run's execute data, and no longer. */
const memos = new WeakMap<object, ExecutionMemo>();

/**
 * The memo of this node run, keyed on the execute data n8n passes to every try of it (a new node
 * run or a new execution gets a new one). Undefined when this n8n does not expose it.
 */
export function executionMemoOf(context: IExecuteFunctions): ExecutionMemo | undefined {
	const executeData: unknown = typeof context.getExecuteData === 'function' ? context.getExecuteData() : undefined;
	if (typeof executeData !== 'object' || executeData === null) return undefined;
	let memo = memos.get(executeData);
	if (!memo) {
		memo = new ExecutionMemo();
		memos.set(executeData, memo);
	}
	return memo;
}
