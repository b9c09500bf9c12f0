import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError, deepCopy } from 'n8n-workflow';
import {
	buildCompletionCall,
	type CompletionParameters,
} from '../request/buildCompletionRequest';
import type { CompletionRequestBody } from '../transport/completionApi';
import { CompletionFailure } from '../transport/completionFailure';
import { CREDENTIAL_TYPE, checkCredential, redactSecret } from '../transport/credentialSettings';
import { FlowControl } from './flowControl';
import { answerFingerprint, groupIdenticalRequests } from './reuseIdenticalRequests';
import { answerKey, executionMemoOf } from './executionMemo';
import { stopReasonFor } from './stopReasons';
import { keyExhaustionOf } from '../transport/keyExhaustion';
import { readOutputSettings, readRequestSettings } from '../request/runSettings';
import type { OutputSettings } from '../output/outputSettings';
import { reportedCost, toUsage } from '../output/billedFields';
import { toOutputJson } from '../output/toOutputItem';
import type { CompletionPricing } from '../transport/completionApi';
import { requestCompletion } from '../transport/requestCompletion';
import { completeWithJson } from './jsonCompletion';
import { errorShapeOf, toErrorItem, toItemError, toNodeError, toStopError, type ItemError } from './itemFailure';
import { canStreamToCaller } from '../transport/callerStreaming';
import { explainFailure } from './failureExplanation';
import { SpendLimit } from './spendLimit';

/** A completion's reported cost when it is in USD (the currency Max Spend per Run is set in). */
function costInUsd(pricing: CompletionPricing | undefined): number | undefined {
	const cost = reportedCost(pricing);
	if (typeof cost?.amount !== 'number' || !Number.isFinite(cost.amount)) return undefined;
	return cost.currency === null || cost.currency === undefined || cost.currency.toUpperCase() === 'USD' ? cost.amount : undefined;
}

interface CompletionJob {
	itemIndex: number;
	body: CompletionRequestBody;
	/** Headers the item's options set; sent next to the body. */
	headers: Record<string, string>;
	output: OutputSettings;
	/** What decides the item's answer (answerFingerprint). */
	fingerprint: string;
}

function readItemParameters(context: IExecuteFunctions, itemIndex: number): CompletionParameters {
	return {
		model: context.getNodeParameter('model', itemIndex, '', { extractValue: true }),
		prompt: context.getNodeParameter('prompt', itemIndex, ''),
		options: context.getNodeParameter('options', itemIndex, {}) as IDataObject,
		penalties: context.getNodeParameter('penalties', itemIndex, {}) as IDataObject,
		advancedSampling: context.getNodeParameter('advancedSampling', itemIndex, {}) as IDataObject,
		tokenControl: context.getNodeParameter('tokenControl', itemIndex, {}) as IDataObject,
		providerRouting: context.getNodeParameter('providerRouting', itemIndex, {}) as IDataObject,
		routingBillingSafety: context.getNodeParameter('routingBillingSafety', itemIndex, {}) as IDataObject,
	};
}

/** The item's output settings when they are valid themselves, so its error item keeps the input fields. */
function outputSettingsIfReadable(context: IExecuteFunctions, itemIndex: number): OutputSettings | undefined {
	try {
		return readOutputSettings(
			context.getNodeParameter('simplify', itemIndex, true),
			context.getNodeParameter('options', itemIndex, {}) as IDataObject,
		);
	} catch {
		return undefined;
	}
}

export async function executeCompleteText(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const continueOnFail = this.continueOnFail();
	const errorShape = errorShapeOf(this.getNode(), continueOnFail);
	// Shared by the tries of Retry On Fail: rows answered in an earlier try are not sent again.
	const memo = executionMemoOf(this);
	const results: INodeExecutionData[] = new Array(items.length);
	const errorItem = (
		error: ItemError,
		itemIndex: number,
		output?: OutputSettings,
		reusedFrom?: number,
	) => {
		results[itemIndex] = toErrorItem(error, itemIndex, items[itemIndex].json, errorShape, output, reusedFrom);
	};
	const failEveryItem = (error: Error) => {
		if (!continueOnFail) throw error;
		items.forEach((_, itemIndex) => errorItem(error, itemIndex));
		return [results];
	};

	// Under Continue a throw would send the input rows out as if they had succeeded.
	let credential;
	try {
		credential = checkCredential(await this.getCredentials(CREDENTIAL_TYPE));
	} catch (error) {
		return failEveryItem(toNodeError(this.getNode(), error, 0));
	}
	if ('problem' in credential) return failEveryItem(new NodeOperationError(this.getNode(), credential.problem));
	const { apiKey } = credential;

	let requestSettings;
	try {
		requestSettings = readRequestSettings(this.getNodeParameter('requestOptions', 0, {}) as IDataObject);
	} catch (error) {
		return failEveryItem(toNodeError(this.getNode(), error, 0));
	}

	// Every item is checked before the first request, so bad input costs nothing.
	const jobs: CompletionJob[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const parameters = readItemParameters(this, itemIndex);
			const job = {
				itemIndex,
				...buildCompletionCall(parameters),
				output: readOutputSettings(this.getNodeParameter('simplify', itemIndex, true), parameters.options),
			};
			jobs.push({ ...job, fingerprint: answerFingerprint(job) });
		} catch (error) {
			const nodeError = toNodeError(this.getNode(), error, itemIndex);
			if (!continueOnFail) throw nodeError;
			errorItem(nodeError, itemIndex, outputSettingsIfReadable(this, itemIndex));
		}
	}

	// Rows answered in an earlier try of this node run get that answer again; a changed request is sent anew.
	const unanswered: CompletionJob[] = [];
	let answeredBefore = 0;
	for (const job of jobs) {
		const earlier = memo?.answerOf(answerKey(job.itemIndex, job.fingerprint));
		if (earlier) {
			results[job.itemIndex] = earlier;
			answeredBefore++;
		} else unanswered.push(job);
	}
	const { toSend, reusers } = requestSettings.reuseIdenticalRequests
		? groupIdenticalRequests(unanswered, (job) => job.fingerprint)
		: { toSend: unanswered, reusers: new Map<number, CompletionJob[]>() };

	// Optional calls: older n8n versions have neither cancellation signals nor streaming.
	const signal = this.getExecutionCancelSignal?.();
	const flow = new FlowControl(requestSettings, items.length);
	// A daily cap, an empty balance or Max Spend per Run met in an earlier try still holds: nothing is sent.
	const earlierStop = memo?.stopInForce();
	if (earlierStop) flow.stop(earlierStop);
	const spend =
		requestSettings.maxSpendPerRunUsd > 0
			? new SpendLimit(
					requestSettings.maxSpendPerRunUsd,
					() => flow.limit.inFlight,
					(reason) => {
						flow.stop(reason);
						memo?.rememberStop(reason);
					},
					memo?.spendTally,
				)
			: undefined;
	if (spend) flow.limitSpend(spend);
	const streamingToCaller = canStreamToCaller(this);
	let chunks = Promise.resolve();
	const sendChunk = (type: 'begin' | 'item' | 'end' | 'error', itemIndex: number, content?: string) => {
		chunks = chunks.then(async () => await this.sendChunk(type, itemIndex, content)).catch(() => undefined);
	};
	const logProgress = (failed: boolean) => {
		const line = flow.progress.onItemDone(failed);
		if (line) this.logger.info(line);
	};
	// Items refused before sending count as done (and failed) for the progress lines.
	for (let failedEarly = items.length - jobs.length; failedEarly > 0; failedEarly--) logProgress(true);
	for (; answeredBefore > 0; answeredBefore--) logProgress(false);
	let firstFailure: Error | undefined;

	const answered = (job: CompletionJob, item: INodeExecutionData) => {
		results[job.itemIndex] = item;
		memo?.rememberAnswer(answerKey(job.itemIndex, job.fingerprint), item);
		logProgress(false);
	};
	/**
	 * The item's error; a daily cap or an empty balance stops the run here. Without Continue On Fail
	 * the error stops the run and n8n logs it: then it quotes no completion text.
	 */
	const quotesAnswer = continueOnFail;
	const itemErrorOf = (error: unknown, itemIndex: number): Error => {
		const exhaustion = error instanceof CompletionFailure ? keyExhaustionOf(error.details) : undefined;
		if (exhaustion) {
			flow.stop(stopReasonFor(exhaustion, redactSecret((error as CompletionFailure).details, apiKey), itemIndex));
			memo?.rememberStop(flow.stopped!, exhaustion.kind === 'dailyCap' ? exhaustion.resetsAt : undefined);
		}
		return toItemError(this.getNode(), error, itemIndex, { apiKey, quotesAnswer, stopMessage: exhaustion && flow.stopped?.message });
	};

	const completeItem = async (job: CompletionJob) => {
		const { itemIndex, body, headers, output } = job;
		const forwardChunks = streamingToCaller && body.stream === true;
		if (forwardChunks) sendChunk('begin', itemIndex);
		try {
			const sendOnce = async () =>
				await requestCompletion(this, body, {
					headers,
					baseUrl: credential.baseUrl,
					timeoutMs: requestSettings.timeoutMs,
					streamIdleTimeoutMs: requestSettings.streamIdleTimeoutMs,
					maxRetries: requestSettings.maxRetries,
					flow,
					signal,
					onText: forwardChunks ? (text) => sendChunk('item', itemIndex, text) : undefined,
				}).catch((error: unknown) => {
					if (error instanceof CompletionFailure) {
						error.details.explanation ??= explainFailure(error.details, { body, headers });
						// A prompt moderation refused is still charged for the check.
						const moderationCost = error.details.moderation?.cost;
						if (typeof moderationCost === 'number') spend?.onCharge(moderationCost);
					}
					throw error;
				});
			const { response, attempts, json, moderation } = await completeWithJson(sendOnce, {
				...output,
				forwardsText: forwardChunks,
				onBilled: (billed, moderation) => {
					flow.progress.onBilled(toUsage(billed.usage), billed.x_nanogpt_pricing);
					const moderationCost = moderation?.cost;
					spend?.onCompletion(costInUsd(billed.x_nanogpt_pricing), typeof moderationCost === 'number' ? moderationCost : 0);
				},
				beforeResend: async () => await flow.beforeRetry(signal),
			});
			if (forwardChunks) sendChunk('end', itemIndex);
			answered(job, {
				json: toOutputJson(response, output, items[itemIndex].json, { attempts, moderation }, json),
				pairedItem: { item: itemIndex },
			});
			for (const reuser of reusers.get(itemIndex) ?? []) {
				// A copy each: a later node that changes one item in place must not change the others.
				const copy = json && { data: deepCopy(json.data as IDataObject) };
				answered(reuser, {
					json: toOutputJson(deepCopy(response), reuser.output, items[reuser.itemIndex].json, { reusedFrom: itemIndex }, copy),
					pairedItem: { item: reuser.itemIndex },
				});
			}
		} catch (error) {
			const nodeError = itemErrorOf(error, itemIndex);
			if (forwardChunks) sendChunk('error', itemIndex, nodeError.message);
			const sharers = reusers.get(itemIndex) ?? [];
			for (let done = 0; done <= sharers.length; done++) logProgress(true);
			if (!continueOnFail) {
				firstFailure ??= nodeError;
				return;
			}
			errorItem(nodeError, itemIndex, output);
			for (const reuser of sharers) errorItem(nodeError, reuser.itemIndex, reuser.output, itemIndex);
		}
	};
	const neverStarted = await flow.runAll(toSend, completeItem, { signal, shouldStop: () => firstFailure !== undefined });
	// A stop fails every row it left unanswered at once, with its reason.
	const stop = flow.stopped;
	if (stop && !signal?.aborted) {
		for (const job of neverStarted) {
			const sharers = reusers.get(job.itemIndex) ?? [];
			for (let done = 0; done <= sharers.length; done++) logProgress(true);
			if (!continueOnFail) {
				firstFailure ??= toStopError(this.getNode(), stop, job.itemIndex);
				break;
			}
			errorItem(toStopError(this.getNode(), stop, job.itemIndex), job.itemIndex, job.output);
			for (const reuser of sharers) {
				errorItem(toStopError(this.getNode(), stop, reuser.itemIndex), reuser.itemIndex, reuser.output, job.itemIndex);
			}
		}
	}
	await chunks;
	const summary = flow.progress.summary();
	if (flow.progress.isLongRun) this.logger.info(summary);
	else this.logger.debug(summary);
	if (spend?.blind) this.logger.warn(spend.describe());

	if (signal?.aborted) throw new NodeOperationError(this.getNode(), 'The execution was cancelled');
	if (firstFailure) throw firstFailure;
	return [results];
}
