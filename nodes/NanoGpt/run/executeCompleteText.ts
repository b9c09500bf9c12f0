import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { readRequestSettings } from '../request/runSettings';
import { CREDENTIAL_TYPE, checkCredential } from '../transport/credentialSettings';
import { CompletionRun } from './completionRun';
import { toNodeError } from './itemFailure';
import { completeItem, failUnsent, shareIdenticalRequests, validateItems, type PipelineSettings } from './itemPipeline';

/** The key, the Base URL and Request Options, or the error that fails every item when one is unreadable. */
async function readPipelineSettings(context: IExecuteFunctions): Promise<PipelineSettings | Error> {
	let credential;
	try {
		credential = checkCredential(await context.getCredentials(CREDENTIAL_TYPE));
	} catch (error) {
		return toNodeError(context.getNode(), error, 0);
	}
	if ('problem' in credential) return new NodeOperationError(context.getNode(), credential.problem);
	try {
		const request = readRequestSettings(context.getNodeParameter('requestOptions', 0, {}) as IDataObject);
		return { apiKey: credential.apiKey, baseUrl: credential.baseUrl, request };
	} catch (error) {
		return toNodeError(context.getNode(), error, 0);
	}
}

/** One node run: each item goes through the steps of itemPipeline.ts, in that order. */
export async function executeCompleteText(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const run = new CompletionRun(this);
	const settings = await readPipelineSettings(this);
	if (settings instanceof Error) return run.failEveryItem(settings);

	const jobs = validateItems(run);
	const { toSend, answeredBefore } = shareIdenticalRequests(run, jobs, settings.request.reuseIdenticalRequests);
	run.openFlow(settings.request);
	// Items refused before sending count as done (and failed) for the progress lines.
	for (let failedEarly = run.items.length - jobs.length; failedEarly > 0; failedEarly--) run.logProgress(true);
	for (let reused = answeredBefore; reused > 0; reused--) run.logProgress(false);

	const neverStarted = await run.flow.runAll(toSend, async (job) => await completeItem(run, job, settings), {
		signal: run.cancelSignal,
		shouldStop: () => run.firstFailure !== undefined,
	});
	failUnsent(run, neverStarted);
	return await run.finish();
}
