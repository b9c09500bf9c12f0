import type { IDataObject, IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError, deepCopy } from 'n8n-workflow';
import {
	InvalidParameterError,
	buildCompletionCall,
	type CompletionParameters,
	type CompletionRequestBody,
} from '../request/buildCompletionRequest';
import { CompletionFailure } from '../transport/completionFailure';
import { CREDENTIAL_TYPE, checkCredential, redactSecret } from '../transport/credentialSettings';
import { FlowControl } from './flowControl';
import { groupIdenticalRequests } from './reuseIdenticalRequests';
import { readOutputSettings, readRequestSettings, type OutputSettings } from '../request/runSettings';
import { toBilledFields, toErrorJson, toOutputJson, toUsage } from '../output/toOutputItem';
import { requestCompletion } from '../transport/requestCompletion';
import { InvalidJsonFailure, completeWithJson, toInvalidJsonError } from './jsonCompletion';
import { canStreamToCaller } from '../transport/callerStreaming';
import { explainFailure } from './failureExplanation';

interface CompletionJob {
	itemIndex: number;
	body: CompletionRequestBody;
	/** Headers the item's options set; sent next to the body. */
	headers: Record<string, string>;
	output: OutputSettings;
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

function toNodeError(context: IExecuteFunctions, error: unknown, itemIndex: number): Error {
	if (error instanceof InvalidParameterError) {
		const nodeError = new NodeOperationError(
			context.getNode(),
			`Invalid value for "${error.parameter}" in item ${itemIndex}: ${error.problem}`,
			{ itemIndex, description: 'Nothing was sent to NanoGPT for this item.' },
		);
		nodeError.context.parameter = error.parameter;
		return nodeError;
	}
	if (error instanceof Error) return error;
	return new NodeOperationError(context.getNode(), String(error), { itemIndex });
}

/** Turns a failed completion into an n8n error with status, NanoGPT's message and request ID. */
function toApiError(
	context: IExecuteFunctions,
	failure: CompletionFailure,
	itemIndex: number,
	apiKey: string,
): NodeApiError {
	const { status, apiMessage, code, requestId, partialText, body, explanation, moderation } = redactSecret(failure.details, apiKey);
	const attempts = failure.attempts;
	const attemptNote = attempts > 1 ? ` (after ${attempts} attempts)` : '';
	const message = status
		? `NanoGPT returned ${status}: ${apiMessage}${attemptNote}`
		: `${apiMessage}${attemptNote}`;
	const description = [
		requestId ? `Request ID: ${requestId}` : undefined,
		code ? `Code: ${code}` : undefined,
		`Attempts: ${attempts}${status ? `, last status ${status}` : ''}`,
		explanation ? `${explanation.parameter ? `Parameter: ${explanation.parameter}. ` : ''}${explanation.hint}` : undefined,
	]
		.filter(Boolean)
		.join('. ');
	const response: JsonObject = { message: apiMessage };
	if (body !== undefined) response.body = body as JsonObject;
	const error = new NodeApiError(context.getNode(), response, {
		message,
		description,
		httpCode: status ? String(status) : undefined,
		itemIndex,
	});
	// NodeApiError swaps a message that mentions a Node error code (ETIMEDOUT, ...) for generic text.
	error.message = message;
	if (status) error.context.httpCode = String(status);
	if (requestId) error.context.requestId = requestId;
	if (code) error.context.code = code;
	error.context.attempts = attempts;
	if (partialText) error.context.partialText = partialText;
	if (failure.billed) Object.assign(error.context, toBilledFields(failure.billed));
	if (explanation?.parameter) error.context.parameter = explanation.parameter;
	if (moderation) error.context.moderation = moderation;
	return error;
}

export async function executeCompleteText(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const continueOnFail = this.continueOnFail();
	const results: INodeExecutionData[] = new Array(items.length);
	const errorItem = (
		error: Error & { description?: string | null; context?: IDataObject },
		itemIndex: number,
		output?: OutputSettings,
		reusedFrom?: number,
	) => {
		results[itemIndex] = {
			json: toErrorJson(error, output, items[itemIndex].json, reusedFrom),
			pairedItem: { item: itemIndex },
		};
	};
	const failEveryItem = (error: Error) => {
		if (!continueOnFail) throw error;
		items.forEach((_, itemIndex) => errorItem(error, itemIndex));
		return [results];
	};

	const credential = checkCredential(await this.getCredentials(CREDENTIAL_TYPE));
	if ('problem' in credential) return failEveryItem(new NodeOperationError(this.getNode(), credential.problem));

	let requestSettings;
	try {
		requestSettings = readRequestSettings(this.getNodeParameter('requestOptions', 0, {}) as IDataObject);
	} catch (error) {
		return failEveryItem(toNodeError(this, error, 0));
	}

	// Every item is checked before the first request, so bad input costs nothing.
	const jobs: CompletionJob[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const parameters = readItemParameters(this, itemIndex);
			jobs.push({
				itemIndex,
				...buildCompletionCall(parameters),
				output: readOutputSettings(this.getNodeParameter('simplify', itemIndex, true), parameters.options),
			});
		} catch (error) {
			const nodeError = toNodeError(this, error, itemIndex);
			if (!continueOnFail) throw nodeError;
			errorItem(nodeError, itemIndex, outputSettingsIfReadable(this, itemIndex));
		}
	}

	const { toSend, reusers } = requestSettings.reuseIdenticalRequests
		? groupIdenticalRequests(jobs)
		: { toSend: jobs, reusers: new Map<number, CompletionJob[]>() };

	// Optional calls: older n8n versions have neither cancellation signals nor streaming.
	const signal = this.getExecutionCancelSignal?.();
	const flow = new FlowControl(requestSettings, items.length);
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
	let firstFailure: Error | undefined;

	const completeItem = async ({ itemIndex, body, headers, output }: CompletionJob) => {
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
					if (error instanceof CompletionFailure) error.details.explanation ??= explainFailure(error.details, { body, headers });
					throw error;
				});
			const { response, attempts, json, moderation } = await completeWithJson(sendOnce, {
				...output,
				forwardsText: forwardChunks,
				onBilled: (billed) => flow.progress.onBilled(toUsage(billed.usage), billed.x_nanogpt_pricing),
				beforeResend: async () => await flow.beforeRetry(signal),
			});
			if (forwardChunks) sendChunk('end', itemIndex);
			results[itemIndex] = {
				json: toOutputJson(response, output, items[itemIndex].json, { attempts, moderation }, json),
				pairedItem: { item: itemIndex },
			};
			logProgress(false);
			for (const reuser of reusers.get(itemIndex) ?? []) {
				// A copy each: a later node that changes one item in place must not change the others.
				const copy = json && { data: deepCopy(json.data as IDataObject) };
				results[reuser.itemIndex] = {
					json: toOutputJson(deepCopy(response), reuser.output, items[reuser.itemIndex].json, { reusedFrom: itemIndex }, copy),
					pairedItem: { item: reuser.itemIndex },
				};
				logProgress(false);
			}
		} catch (error) {
			const nodeError =
				error instanceof CompletionFailure
					? toApiError(this, error, itemIndex, credential.apiKey)
					: error instanceof InvalidJsonFailure
						? toInvalidJsonError(this.getNode(), error, itemIndex, credential.apiKey)
						: toNodeError(this, error, itemIndex);
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
	await flow.runAll(toSend, completeItem, { signal, shouldStop: () => firstFailure !== undefined });
	await chunks;
	const summary = flow.progress.summary();
	if (flow.progress.isLongRun) this.logger.info(summary);
	else this.logger.debug(summary);

	if (signal?.aborted) throw new NodeOperationError(this.getNode(), 'The execution was cancelled');
	if (firstFailure) throw firstFailure;
	return [results];
}
