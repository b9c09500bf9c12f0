/**
 * Runs an n8n node inside n8n-core's real execution engine (no mocked `this.helpers`).
 *
 * - runNode / startNode: a two-node workflow (trigger-like start node emitting the given items ->
 *   node under test) executed by n8n-core's `WorkflowExecute`, with real `ExecutionLifecycleHooks`,
 *   real request helpers (`this.helpers.httpRequestWithAuthentication` goes out over the network),
 *   real expression resolution, real continueOnFail / onError handling, real cancellation and,
 *   when `onChunk` is given, n8n-core's real streaming path (`sendChunk` hook + streamingEnabled).
 * - testCredential: a credential type's declarative `test` request run the way the n8n app's
 *   credentials tester does (RoutingNode over a temporary node with the test request as routing).
 * - searchList: `methods.listSearch[method]` called in n8n-core's `LoadOptionsContext`, the way
 *   the app's dynamic-node-parameters service does.
 *
 * Runs under jest (ts-jest, as CommonJS) and from plain `node` scripts (Node 24's type stripping,
 * as an ES module). This file runs workflows; harness/ holds the rest: n8n loaded and set up with
 * the harness's node types (engine.ts), credentials (credentials.ts), the credential test
 * (credentialTest.ts), list search and load options (listSearch.ts) and the types (types.ts).
 */

import type * as N8nWorkflow from 'n8n-workflow';
import { HarnessCredentialsHelper, credentialTypeMap, nodeCredentialsFor } from './harness/credentials.ts';
import {
	AGENT_NODE_NAME,
	ExecutionLifecycleHooks,
	NodeHelpers,
	START_NODE_NAME,
	START_NODE_TYPE,
	UnexpectedError,
	Workflow,
	WorkflowExecute,
	coreMajor,
	createAdditionalData,
	createNodeTypes,
	createRunExecutionData,
	latestVersion,
	nextExecutionId,
	nodeTypeName,
	prepareContainer,
	startNodeType,
	workflowLib,
} from './harness/engine.ts';
import type { RunHandle, RunNodeOptions, RunResult } from './harness/types.ts';

export type * from './harness/types.ts';
export { HarnessCredentialsHelper, resolveAuthentication } from './harness/credentials.ts';
export { testCredential } from './harness/credentialTest.ts';
export { loadOptions, searchList } from './harness/listSearch.ts';

function toInputItems(items: N8nWorkflow.IDataObject[] | undefined): N8nWorkflow.INodeExecutionData[] {
	return (items || [{}]).map((json, index) => ({ json: json == null ? {} : json, pairedItem: { item: index } }));
}

/** Turns the plain error object n8n stores in resultData.error back into an Error instance. */
function reviveError(stored: any): any {
	if (stored == null) return undefined;
	if (stored instanceof Error) return stored;
	const error = new Error(stored.message);
	Object.assign(error, stored);
	const ctor = typeof stored.name === 'string' ? workflowLib[stored.name] : undefined;
	if (typeof ctor === 'function' && ctor.prototype instanceof Error) {
		Object.setPrototypeOf(error, ctor.prototype);
	}
	if (stored.stack) error.stack = stored.stack;
	if (stored.name && error.name !== stored.name) {
		Object.defineProperty(error, 'name', { value: stored.name, writable: true, configurable: true });
	}
	return error;
}

function toRunResult(run: any, nodeName: string): RunResult {
	const resultData = (run && run.data && run.data.resultData) || { runData: {} };
	const runData = resultData.runData || {};
	const task = runData[nodeName] && runData[nodeName][0];
	const outputs = ((task && task.data && task.data.main) || []).map((output: any) => output || []);
	const items = outputs[0] || [];
	const result: RunResult = { items, outputs, runData, executionData: run };
	const error = reviveError(resultData.error);
	if (error !== undefined) result.error = error;
	return result;
}

/**
 * The harness workflow: the start node, then the node under test with the test's parameters,
 * credentials and settings; with `agent`, the start node feeds the agent and the node under test
 * is its tool (ai_tool).
 */
function harnessWorkflow(options: RunNodeOptions) {
	const {
		node: nodeType,
		credentialTypes = [],
		credentials = {},
		parameters = {},
		continueOnFail = false,
		onError,
		typeVersion,
		nodeName: nodeNameOption,
		nodeSettings = {},
		settings = {},
		agent,
	} = options;
	const credentialTypesByName = credentialTypeMap(credentialTypes);
	const credentialsHelper = new HarnessCredentialsHelper(credentialTypesByName, credentials);
	const typeName = nodeTypeName(nodeType);
	const nodeTypes = createNodeTypes({
		[typeName]: nodeType,
		[START_NODE_TYPE]: startNodeType,
		...(agent ? { [nodeTypeName(agent)]: agent } : {}),
	});
	const version = typeVersion !== undefined ? typeVersion : latestVersion(nodeType);
	const versioned = NodeHelpers.getVersionedNodeType(nodeType, version);
	const nodeName =
		nodeNameOption || (versioned.description.defaults && versioned.description.defaults.name) ||
		versioned.description.displayName || 'Node';
	const nodeCredentials = nodeCredentialsFor(credentials, credentialTypesByName);

	const startNodeObject: N8nWorkflow.INode = {
		id: 'f0a1b2c3-0000-4000-8000-000000000001',
		name: START_NODE_NAME,
		type: START_NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
	const nodeUnderTest: any = {
		id: 'f0a1b2c3-0000-4000-8000-000000000002',
		name: nodeName,
		type: typeName,
		typeVersion: version,
		position: [220, 0],
		parameters: JSON.parse(JSON.stringify(parameters)),
		...nodeSettings,
	};
	if (Object.keys(nodeCredentials).length > 0) nodeUnderTest.credentials = nodeCredentials;
	if (continueOnFail) nodeUnderTest.continueOnFail = true;
	if (onError !== undefined) nodeUnderTest.onError = onError;

	const agentNode: N8nWorkflow.INode | undefined = agent && {
		id: 'f0a1b2c3-0000-4000-8000-000000000003',
		name: AGENT_NODE_NAME,
		type: nodeTypeName(agent),
		typeVersion: latestVersion(agent),
		position: [220, -200],
		parameters: {},
	};

	const workflow = new Workflow({
		id: 'harness',
		name: 'Harness workflow',
		nodes: agentNode ? [startNodeObject, agentNode, nodeUnderTest] : [startNodeObject, nodeUnderTest],
		connections: agent
			? {
					[START_NODE_NAME]: { main: [[{ node: AGENT_NODE_NAME, type: 'main', index: 0 }]] },
					[nodeName]: { ai_tool: [[{ node: AGENT_NODE_NAME, type: 'ai_tool', index: 0 }]] },
				}
			: { [START_NODE_NAME]: { main: [[{ node: nodeName, type: 'main', index: 0 }]] } },
		active: false,
		nodeTypes,
		staticData: {},
		settings: { executionOrder: 'v1', ...settings } as N8nWorkflow.IWorkflowSettings,
	});
	return { workflow, nodeName, credentialsHelper };
}

/**
 * n8n-core's lifecycle hooks for one execution: they keep the run's data when it ends and, when
 * `onChunk` is given and this n8n-core streams (1.100 on), hand it every chunk.
 */
function executionHooks(mode: string, executionId: string, workflow: any, onChunk: RunNodeOptions['onChunk']) {
	const hooks: any = new ExecutionLifecycleHooks(mode as N8nWorkflow.WorkflowExecuteMode, executionId, {
		id: 'harness',
		name: 'Harness workflow',
		nodes: workflow.nodes as unknown as N8nWorkflow.INode[], // the nodes by name, which the hooks only carry along
		connections: workflow.connectionsBySourceNode,
		active: false,
		settings: workflow.settings,
		isArchived: false,
		createdAt: new Date(),
		updatedAt: new Date(),
		activeVersionId: null,
	});
	const ended: { run?: N8nWorkflow.IRun } = {};
	hooks.addHandler('workflowExecuteAfter', (fullRunData: N8nWorkflow.IRun) => {
		if (ended.run === undefined) ended.run = fullRunData;
	});
	// n8n-core before 1.100 has no sendChunk hook (no streaming at all): nothing to listen to there.
	const streaming = typeof onChunk === 'function' && Array.isArray(hooks.handlers.sendChunk);
	if (streaming) {
		hooks.addHandler('sendChunk', async (chunk: N8nWorkflow.StructuredChunk) => {
			await onChunk?.(chunk);
		});
	}
	return { hooks, streaming, ended };
}

/**
 * Starts the workflow and returns `{ result, cancel }`. `result` resolves with
 * `{ items, error?, runData, executionData }` once WorkflowExecute's run settles; `cancel()`
 * cancels the PCancelable returned by `WorkflowExecute.run`, which aborts the execution's
 * AbortController (the node's `getExecutionCancelSignal()`).
 */
export function startNode(options: RunNodeOptions): RunHandle {
	prepareContainer();
	const { node: nodeType, items = [{}], onChunk, mode = 'manual', pinData, agent } = options || ({} as RunNodeOptions);
	if (!nodeType || !nodeType.description) {
		throw new UnexpectedError('runNode: `node` must be an INodeType instance');
	}
	const { workflow, nodeName, credentialsHelper } = harnessWorkflow(options);
	const executionId = nextExecutionId();
	const { hooks, streaming, ended } = executionHooks(mode, executionId, workflow, onChunk);
	const additionalData = createAdditionalData({
		credentialsHelper,
		hooks,
		executionId,
		currentNodeParameters: undefined,
		streaming,
	});

	// Without createRunExecutionData (older n8n-workflow) WorkflowExecute builds the same empty data itself.
	const workflowExecute: any = new WorkflowExecute(additionalData, mode, createRunExecutionData?.());
	let running: any;
	try {
		const startFrom = workflow.getNode(START_NODE_NAME);
		const triggerToStartFrom = { name: START_NODE_NAME, data: { data: { main: [toInputItems(items)] } } };
		// Pinned output of the node under test, as the editor saves it (the `json` of each item).
		const pinned = pinData && { [nodeName]: pinData.map((json: N8nWorkflow.IDataObject) => ({ json })) };
		// n8n-core 2.x takes one options object, 1.x positional arguments; before 1.9x there was no
		// triggerToStartFrom, and the items are the start node's pinned data instead.
		if (coreMajor >= 2) running = workflowExecute.run({ workflow, startNode: startFrom, triggerToStartFrom, pinData: pinned });
		else if (workflowExecute.run.length >= 5) {
			running = workflowExecute.run(workflow, startFrom, undefined, pinned, triggerToStartFrom);
		} else {
			running = workflowExecute.run(workflow, startFrom, undefined, { ...pinned, [START_NODE_NAME]: toInputItems(items) });
		}
	} catch (error) {
		const rejected = Promise.reject(error);
		return { result: rejected, cancel() {} };
	}

	const result = Promise.resolve(running).then((run) => toRunResult(run || ended.run, agent ? AGENT_NODE_NAME : nodeName));
	return {
		result,
		cancel() {
			running.cancel();
		},
	};
}

/** Runs the node under test once over `items`; resolves when the workflow finishes. */
export async function runNode(options: RunNodeOptions): Promise<RunResult> {
	return await startNode(options).result;
}
