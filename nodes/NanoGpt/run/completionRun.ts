import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { OutputSettings } from '../output/outputSettings';
import type { RequestSettings } from '../request/runSettings';
import type { CompletionRequestBody } from '../transport/completionApi';
import { canStreamToCaller } from '../transport/callerStreaming';
import { answerKey, executionMemoOf, type ExecutionMemo } from './executionMemo';
import { FlowControl } from './flowControl';
import { errorShapeOf, toErrorItem, type ItemError } from './itemFailure';
import { SpendLimit } from './spendLimit';

/** One item's request, built and checked. */
export interface CompletionJob {
	itemIndex: number;
	body: CompletionRequestBody;
	/** Headers the item's options set; sent next to the body. */
	headers: Record<string, string>;
	output: OutputSettings;
	/** What decides the item's answer (answerFingerprint). */
	fingerprint: string;
}

type ChunkType = 'begin' | 'item' | 'end' | 'error';

/**
 * What the steps of one node run share: the items and their results, the run's settings, its flow
 * (pace, in-flight bound, progress, stop), Max Spend per Run and the chunks streamed to a caller.
 */
export class CompletionRun {
	readonly items: INodeExecutionData[];
	readonly results: INodeExecutionData[];
	readonly continueOnFail: boolean;
	/** Shared by the tries of Retry On Fail: rows answered in an earlier try are not sent again. */
	readonly memo: ExecutionMemo | undefined;
	/** The items that share each sent item's answer (Reuse Identical Requests). */
	reusers = new Map<number, CompletionJob[]>();
	/** Without Continue On Fail, the first failure: it stops the run once the started items are done. */
	firstFailure: Error | undefined;
	private readonly errorShape;
	private flowControl: FlowControl | undefined;
	private spendLimit: SpendLimit | undefined;
	private signal: AbortSignal | undefined;
	private streamsToCaller = false;
	private chunks = Promise.resolve();

	constructor(readonly context: IExecuteFunctions) {
		this.items = context.getInputData();
		this.continueOnFail = context.continueOnFail();
		this.errorShape = errorShapeOf(context.getNode(), this.continueOnFail);
		this.memo = executionMemoOf(context);
		this.results = new Array(this.items.length);
	}

	/** Starts the flow that sends the items; a stop met in an earlier try still holds. */
	openFlow(settings: RequestSettings): void {
		// Optional calls: older n8n versions have neither cancellation signals nor streaming.
		this.signal = this.context.getExecutionCancelSignal?.();
		const flow = new FlowControl(settings, this.items.length);
		this.flowControl = flow;
		// A daily cap, an empty balance or Max Spend per Run met in an earlier try still holds: nothing is sent.
		const earlierStop = this.memo?.stopInForce();
		if (earlierStop) flow.stop(earlierStop);
		if (settings.maxSpendPerRunUsd > 0) {
			this.spendLimit = new SpendLimit(
				settings.maxSpendPerRunUsd,
				() => flow.limit.inFlight,
				(reason) => {
					flow.stop(reason);
					this.memo?.rememberStop(reason);
				},
				this.memo?.spendTally,
			);
			flow.limitSpend(this.spendLimit);
		}
		this.streamsToCaller = canStreamToCaller(this.context);
	}

	get flow(): FlowControl {
		if (!this.flowControl) throw new Error('The run sends nothing before openFlow');
		return this.flowControl;
	}

	get spend(): SpendLimit | undefined {
		return this.spendLimit;
	}

	get cancelSignal(): AbortSignal | undefined {
		return this.signal;
	}

	/** Whether the item's text streams to a caller (a chat) as it arrives. */
	forwardsChunks(job: CompletionJob): boolean {
		return this.streamsToCaller && job.body.stream === true;
	}

	sendChunk(type: ChunkType, itemIndex: number, content?: string): void {
		this.chunks = this.chunks.then(async () => await this.context.sendChunk(type, itemIndex, content)).catch(() => undefined);
	}

	logProgress(failed: boolean): void {
		const line = this.flow.progress.onItemDone(failed);
		if (line) this.context.logger.info(line);
	}

	answered(job: CompletionJob, item: INodeExecutionData): void {
		this.results[job.itemIndex] = item;
		this.memo?.rememberAnswer(answerKey(job.itemIndex, job.fingerprint), item);
		this.logProgress(false);
	}

	/** The item's error item; `reusedFrom` names the item whose request it shared. */
	failed(error: ItemError, itemIndex: number, output?: OutputSettings, reusedFrom?: number): void {
		this.results[itemIndex] = toErrorItem(error, itemIndex, this.items[itemIndex].json, this.errorShape, output, reusedFrom);
	}

	/** A failure before any item is read (credential, Request Options): every item fails with it. */
	failEveryItem(error: Error): INodeExecutionData[][] {
		// Under Continue a throw would send the input rows out as if they had succeeded.
		if (!this.continueOnFail) throw error;
		this.items.forEach((_, itemIndex) => this.failed(error, itemIndex));
		return [this.results];
	}

	/** Waits for the chunks, logs the summary, and throws what stops the run, else returns the items. */
	async finish(): Promise<INodeExecutionData[][]> {
		await this.chunks;
		const { progress } = this.flow;
		const summary = progress.summary();
		if (progress.isLongRun) this.context.logger.info(summary);
		else this.context.logger.debug(summary);
		if (this.spendLimit?.blind) this.context.logger.warn(this.spendLimit.describe());

		if (this.signal?.aborted) throw new NodeOperationError(this.context.getNode(), 'The execution was cancelled');
		if (this.firstFailure) throw this.firstFailure;
		return [this.results];
	}
}
