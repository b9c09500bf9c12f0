import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { deepCopy } from 'n8n-workflow';
import { reportedCost, toUsage } from '../output/billedFields';
import type { OutputSettings } from '../output/outputSettings';
import { toOutputJson } from '../output/toOutputItem';
import { buildCompletionCall, type CompletionParameters } from '../request/buildCompletionRequest';
import { readOutputSettings, type RequestSettings } from '../request/runSettings';
import type { CompletionPricing } from '../transport/completionApi';
import { CompletionFailure } from '../transport/completionFailure';
import { redactSecret } from '../transport/credentialSettings';
import { keyExhaustionOf } from '../transport/keyExhaustion';
import { requestCompletion, type CompletionOutcome } from '../transport/requestCompletion';
import type { CompletionJob, CompletionRun } from './completionRun';
import { answerKey } from './executionMemo';
import { explainFailure } from './failureExplanation';
import { toItemError, toNodeError, toStopError } from './itemFailure';
import { JsonSends, type JsonCompletionOutcome } from './jsonCompletion';
import { answerFingerprint, groupIdenticalRequests } from './reuseIdenticalRequests';
import { stopReasonFor } from './stopReasons';

/*
 * The steps every item goes through, in order: validate; share an identical request; send with
 * retries; parse the JSON; shape the output; fail the item (when a step failed).
 */

/** What the steps need besides the run: the key (to redact it) and where and how to send. */
export interface PipelineSettings {
	apiKey: string;
	baseUrl: string;
	request: RequestSettings;
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

/** Validate: every item is checked before the first request, so bad input costs nothing. */
export function validateItems(run: CompletionRun): CompletionJob[] {
	const { context } = run;
	const jobs: CompletionJob[] = [];
	for (let itemIndex = 0; itemIndex < run.items.length; itemIndex++) {
		try {
			const parameters = readItemParameters(context, itemIndex);
			const job = {
				itemIndex,
				...buildCompletionCall(parameters),
				output: readOutputSettings(context.getNodeParameter('simplify', itemIndex, true), parameters.options),
			};
			jobs.push({ ...job, fingerprint: answerFingerprint(job) });
		} catch (error) {
			const nodeError = toNodeError(context.getNode(), error, itemIndex);
			if (!run.continueOnFail) throw nodeError;
			run.failed(nodeError, itemIndex, outputSettingsIfReadable(context, itemIndex));
		}
	}
	return jobs;
}

/**
 * Share an identical request: rows answered in an earlier try of this node run get that answer
 * again (a changed request is sent anew), and with Reuse Identical Requests one request answers
 * every item that asks the same. Returns the items to send and how many were answered before.
 */
export function shareIdenticalRequests(
	run: CompletionRun,
	jobs: CompletionJob[],
	reuseIdenticalRequests: boolean,
): { toSend: CompletionJob[]; answeredBefore: number } {
	const unanswered: CompletionJob[] = [];
	let answeredBefore = 0;
	for (const job of jobs) {
		const earlier = run.memo?.answerOf(answerKey(job.itemIndex, job.fingerprint));
		if (earlier) {
			run.results[job.itemIndex] = earlier;
			answeredBefore++;
		} else unanswered.push(job);
	}
	if (!reuseIdenticalRequests) return { toSend: unanswered, answeredBefore };
	const { toSend, reusers } = groupIdenticalRequests(unanswered, (job) => job.fingerprint);
	run.reusers = reusers;
	return { toSend, answeredBefore };
}

/** Send with retries: the HTTP attempts of one request (transport), and what a failure tells the user. */
async function sendWithRetries(run: CompletionRun, job: CompletionJob, settings: PipelineSettings): Promise<CompletionOutcome> {
	const { itemIndex, body, headers } = job;
	const forwardChunks = run.forwardsChunks(job);
	return await requestCompletion(run.context, body, {
		headers,
		baseUrl: settings.baseUrl,
		timeoutMs: settings.request.timeoutMs,
		streamIdleTimeoutMs: settings.request.streamIdleTimeoutMs,
		maxRetries: settings.request.maxRetries,
		flow: run.flow,
		signal: run.cancelSignal,
		onText: forwardChunks ? (text) => run.sendChunk('item', itemIndex, text) : undefined,
	}).catch((error: unknown) => {
		if (error instanceof CompletionFailure) {
			error.details.explanation ??= explainFailure(error.details, { body, headers });
			// A prompt moderation refused is still charged for the check.
			const moderationCost = error.details.moderation?.cost;
			if (typeof moderationCost === 'number') run.spend?.onCharge(moderationCost);
		}
		throw error;
	});
}

/** A completion's reported cost when it is in USD (the currency Max Spend per Run is set in). */
function costInUsd(pricing: CompletionPricing | undefined): number | undefined {
	const cost = reportedCost(pricing);
	if (typeof cost?.amount !== 'number' || !Number.isFinite(cost.amount)) return undefined;
	return cost.currency === null || cost.currency === undefined || cost.currency.toUpperCase() === 'USD' ? cost.amount : undefined;
}

/** Counts a billed answer (and its moderation check) for the progress lines and Max Spend per Run. */
function countBilled(run: CompletionRun, { response, moderation }: CompletionOutcome): void {
	run.flow.progress.onBilled(toUsage(response.usage), response.x_nanogpt_pricing);
	const moderationCost = moderation?.cost;
	run.spend?.onCompletion(costInUsd(response.x_nanogpt_pricing), typeof moderationCost === 'number' ? moderationCost : 0);
}

/**
 * Parse the JSON (Output Content as JSON): the item's answer, or undefined to send the request
 * again (Retries on Invalid JSON). Every answer is billed, so every one is counted.
 */
function parseJson(run: CompletionRun, sends: JsonSends, outcome: CompletionOutcome): JsonCompletionOutcome | undefined {
	countBilled(run, outcome);
	return sends.parse(outcome);
}

/** Shape the output: the item's output item, and one for each item that shares its answer. */
function shapeOutput(run: CompletionRun, job: CompletionJob, answer: JsonCompletionOutcome): void {
	const { itemIndex, output } = job;
	const { response, attempts, json, moderation } = answer;
	run.answered(job, {
		json: toOutputJson(response, output, run.items[itemIndex].json, { attempts, moderation }, json),
		pairedItem: { item: itemIndex },
	});
	for (const reuser of run.reusers.get(itemIndex) ?? []) {
		// A copy each: a later node that changes one item in place must not change the others.
		const copy = json && { data: deepCopy(json.data as IDataObject) };
		run.answered(reuser, {
			json: toOutputJson(deepCopy(response), reuser.output, run.items[reuser.itemIndex].json, { reusedFrom: itemIndex }, copy),
			pairedItem: { item: reuser.itemIndex },
		});
	}
}

/** A daily cap or an empty balance stops the run here; returns the stop's message for the item's error. */
function stopRunOnKeyExhaustion(run: CompletionRun, failure: unknown, itemIndex: number, apiKey: string): string | undefined {
	if (!(failure instanceof CompletionFailure)) return undefined;
	const exhaustion = keyExhaustionOf(failure.details);
	if (!exhaustion) return undefined;
	const { flow } = run;
	flow.stop(stopReasonFor(exhaustion, redactSecret(failure.details, apiKey), itemIndex));
	run.memo?.rememberStop(flow.stopped!, exhaustion.kind === 'dailyCap' ? exhaustion.resetsAt : undefined);
	return flow.stopped?.message;
}

/**
 * Fail the item, and every item sharing its request. Without Continue On Fail the error stops the
 * run, and n8n logs it: then it quotes no completion text.
 */
function failItem(run: CompletionRun, job: CompletionJob, failure: unknown, apiKey: string): void {
	const { itemIndex, output } = job;
	const stopMessage = stopRunOnKeyExhaustion(run, failure, itemIndex, apiKey);
	const nodeError = toItemError(run.context.getNode(), failure, itemIndex, { apiKey, quotesAnswer: run.continueOnFail, stopMessage });
	if (run.forwardsChunks(job)) run.sendChunk('error', itemIndex, nodeError.message);
	const sharers = run.reusers.get(itemIndex) ?? [];
	for (let done = 0; done <= sharers.length; done++) run.logProgress(true);
	if (!run.continueOnFail) {
		run.firstFailure ??= nodeError;
		return;
	}
	run.failed(nodeError, itemIndex, output);
	for (const reuser of sharers) run.failed(nodeError, reuser.itemIndex, reuser.output, itemIndex);
}

/**
 * One sent item through its steps: send with retries, parse the JSON (both again while the text
 * holds no valid JSON and Retries on Invalid JSON allow), shape the output; or fail the item.
 */
export async function completeItem(run: CompletionRun, job: CompletionJob, settings: PipelineSettings): Promise<void> {
	const forwardChunks = run.forwardsChunks(job);
	if (forwardChunks) run.sendChunk('begin', job.itemIndex);
	const sends = new JsonSends({ ...job.output, forwardsText: forwardChunks });
	try {
		let answer: JsonCompletionOutcome | undefined;
		while (answer === undefined) {
			if (sends.sentBefore) await run.flow.beforeRetry(run.cancelSignal).catch((error: unknown) => sends.refusedResend(error));
			const outcome = await sendWithRetries(run, job, settings).catch((error: unknown) => sends.failedSend(error));
			answer = parseJson(run, sends, outcome);
		}
		if (forwardChunks) run.sendChunk('end', job.itemIndex);
		shapeOutput(run, job, answer);
	} catch (error) {
		failItem(run, job, error, settings.apiKey);
	}
}

/** A stop fails every row it left unsent at once, with its reason (and the rows sharing their requests). */
export function failUnsent(run: CompletionRun, neverStarted: CompletionJob[]): void {
	const stop = run.flow.stopped;
	if (!stop || run.cancelSignal?.aborted) return;
	const node = run.context.getNode();
	for (const job of neverStarted) {
		const sharers = run.reusers.get(job.itemIndex) ?? [];
		for (let done = 0; done <= sharers.length; done++) run.logProgress(true);
		if (!run.continueOnFail) {
			run.firstFailure ??= toStopError(node, stop, job.itemIndex);
			break;
		}
		run.failed(toStopError(node, stop, job.itemIndex), job.itemIndex, job.output);
		for (const reuser of sharers) {
			run.failed(toStopError(node, stop, reuser.itemIndex), reuser.itemIndex, reuser.output, job.itemIndex);
		}
	}
}
