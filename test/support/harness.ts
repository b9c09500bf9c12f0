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
 * as an ES module). Its types: harness/types.ts.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type * as N8nCore from 'n8n-core';
import type * as N8nWorkflow from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestOptions,
	INodeCredentialTestResult,
	INodeListSearchResult,
	INodePropertyOptions,
} from 'n8n-workflow';
import type {
	LoadOptionsOptions,
	RunHandle,
	RunNodeOptions,
	RunResult,
	SearchListOptions,
	TestCredentialOptions,
} from './harness/types.ts';

export type * from './harness/types.ts';

// n8n's packages are loaded with require, as CommonJS: the copies the node under test loads (an
// ES import would get n8n-workflow's ES build, whose error classes the node's errors are not).
const load = createRequire(import.meta.filename);
// @n8n/di and @n8n/config are n8n-core's own dependencies: load the copies n8n-core loads, so the
// DI container configured here is the one n8n-core reads from.
const n8nCoreDir = path.dirname(load.resolve('n8n-core/package.json'));
const requireFromCore = (id: string) => load(load.resolve(id, { paths: [n8nCoreDir] }));
/** n8n-core's major version: 1 (n8n 1.x) or 2 (n8n 2.x); the few calls that differ ask it. */
const coreMajor = Number(load(path.join(n8nCoreDir, 'package.json')).version.split('.')[0]);
const { Container } = requireFromCore('@n8n/di');
const { GlobalConfig, InstanceSettingsConfig } = requireFromCore('@n8n/config');
// Typed as today's n8n-workflow and n8n-core; the 1.x copies (jest's n8n 1.x project) differ where the calls below ask coreMajor.
const workflowLib = load('n8n-workflow') as typeof N8nWorkflow & Record<string, any>;
const { ICredentialsHelper, NodeHelpers, Workflow, UnexpectedError, createRunExecutionData } = workflowLib;
// n8n-workflow before 1.9x has no isExpression export; this is its definition.
const isExpression: (value: unknown) => boolean =
	workflowLib.isExpression ?? ((value: unknown) => typeof value === 'string' && value.charAt(0) === '=');
const {
	ExecuteContext,
	ExecutionLifecycleHooks,
	LoadOptionsContext,
	RoutingNode,
	WorkflowExecute,
} = load('n8n-core') as typeof N8nCore;

const BASE_URL = 'http://127.0.0.1:5678/';
const START_NODE_NAME = 'When clicking ‘Execute workflow’';
const START_NODE_TYPE = 'n8n-nodes-base.manualTrigger';
const NOOP_NODE_TYPE = 'n8n-nodes-base.noOp';
const AGENT_NODE_NAME = 'AI Agent';

// ---------------------------------------------------------------------------------------------
// One-time process setup: quiet logger, instance settings outside the user's home.
// ---------------------------------------------------------------------------------------------

let containerReady = false;

function prepareContainer() {
	if (containerReady) return;
	containerReady = true;

	// n8n's Logger reads N8N_LOG_LEVEL through GlobalConfig; stay silent unless asked otherwise.
	if (!process.env.N8N_LOG_LEVEL) {
		Container.get(GlobalConfig).logging.level = 'silent';
	}

	// Every node execution context reads InstanceSettings, which loads (or creates) the settings
	// file in ~/.n8n. Point it at a private folder with a fixed key, written atomically so that
	// parallel jest workers never see a half-written file.
	if (!process.env.N8N_USER_FOLDER && !process.env.N8N_ENCRYPTION_KEY) {
		const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
		const folder = path.join(os.tmpdir(), `n8n-nodes-nanogpt-harness-${uid}`, '.n8n');
		const encryptionKey = 'n8n-nodes-nanogpt-test-harness';
		const settingsFile = path.join(folder, 'config');
		if (!fs.existsSync(settingsFile)) {
			fs.mkdirSync(folder, { recursive: true });
			const temporary = `${settingsFile}.${process.pid}.${Date.now()}`;
			fs.writeFileSync(temporary, JSON.stringify({ encryptionKey }), { mode: 0o600 });
			fs.renameSync(temporary, settingsFile);
		}
		if (InstanceSettingsConfig) {
			const instanceConfig = Container.get(InstanceSettingsConfig);
			instanceConfig.n8nFolder = folder;
			instanceConfig.userHome = path.dirname(folder);
			instanceConfig.encryptionKey = encryptionKey;
			instanceConfig.enforceSettingsFilePermissions = false;
		} else {
			// n8n-core before 1.9x reads the instance settings from the environment only.
			process.env.N8N_USER_FOLDER = path.dirname(folder);
			process.env.N8N_ENCRYPTION_KEY = encryptionKey;
			process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS = 'false';
		}
	}

	// n8n-core 1.x's SSH client manager (created with the first node context) keeps a 60 s cleanup
	// interval that holds the process open; 2.x unrefs it. Do what 2.x does.
	if (coreMajor < 2) {
		const { SSHClientsManager } = load(path.join(n8nCoreDir, 'dist', 'execution-engine', 'ssh-clients-manager.js'));
		Container.get(SSHClientsManager).cleanupTimer?.unref();
	}
}

// ---------------------------------------------------------------------------------------------
// Node types
// ---------------------------------------------------------------------------------------------

/**
 * Trigger-like start node: no inputs, one main output. WorkflowExecute hands it the test's items
 * as its input (via `triggerToStartFrom`) and it emits them unchanged, like a manual trigger whose
 * output was the items.
 */
const startNodeType: any = {
	description: {
		displayName: 'Manual Trigger',
		name: START_NODE_TYPE,
		icon: 'fa:mouse-pointer',
		group: ['trigger'],
		version: 1,
		description: 'Runs the flow on clicking a button in n8n',
		eventTriggerDescription: '',
		maxNodes: 1,
		defaults: { name: 'When clicking ‘Execute workflow’' },
		inputs: [],
		outputs: ['main'],
		properties: [],
	},
	async execute(this: N8nWorkflow.IExecuteFunctions) {
		return [this.getInputData()];
	},
};

/** Stand-in for n8n-nodes-base.noOp, which the credentials tester borrows the description of. */
const noOpNodeType = {
	description: {
		displayName: 'No Operation, do nothing',
		name: NOOP_NODE_TYPE,
		icon: 'fa:arrow-right',
		group: ['organization'],
		version: 1,
		description: 'No Operation',
		defaults: { name: 'No Operation, do nothing' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [],
	},
};

function latestVersion(nodeType: any): number {
	const description = nodeType.description;
	if (description.defaultVersion !== undefined) return description.defaultVersion;
	if (Array.isArray(description.version)) return Math.max(...description.version);
	if (description.version !== undefined) return description.version;
	if (nodeType.currentVersion !== undefined) return nodeType.currentVersion;
	return 1;
}

/** INodeTypes over a fixed set of node types keyed by type name. */
function createNodeTypes(byName: Record<string, any>): N8nWorkflow.INodeTypes {
	return {
		getByName(name: string) {
			return byName[name];
		},
		getByNameAndVersion(name: string, version?: number) {
			const type = byName[name];
			if (type === undefined) return undefined as unknown as N8nWorkflow.INodeType; // as n8n's own: a missing type is undefined
			return NodeHelpers.getVersionedNodeType(type, version);
		},
		getKnownTypes() {
			return {};
		},
	};
}

function nodeTypeName(node: any): string {
	return node.description.name;
}

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

function credentialTypeMap(credentialTypes: ICredentialType[] | undefined): Record<string, ICredentialType> {
	const map: Record<string, ICredentialType> = {};
	for (const type of credentialTypes || []) {
		if (!type || typeof type.name !== 'string') {
			throw new UnexpectedError('credentialTypes must hold ICredentialType instances');
		}
		map[type.name] = type;
	}
	return map;
}

/** Name n8n gives a new credential: the type's display name without a trailing "API", + "account". */
function defaultCredentialName(credentialType: ICredentialType | undefined): string {
	const base = (credentialType && credentialType.displayName) || 'Credential';
	return `${base.replace(/\s*api$/i, '').trim() || base} account`;
}

const mockNodeForExpressions: N8nWorkflow.INode = {
	id: 'harness-credentials',
	name: '',
	typeVersion: 1,
	type: 'mock',
	position: [0, 0],
	parameters: {},
};
const mockNodeTypes = createNodeTypes({
	mock: { description: { name: 'mock', version: 1, properties: [], inputs: [], outputs: [] } },
});

function hasExpressionValue(data: object): boolean {
	return Object.values(data).some((value) => typeof value === 'string' && isExpression(value));
}

/**
 * ICredentialsHelper for tests: stores plain (decrypted) data per credential type and applies
 * credentials the way the n8n app's CredentialsHelper does (defaults of the type's properties,
 * generic `authenticate` blocks evaluated with n8n's expression engine, function authenticate,
 * preAuthentication on expirable properties).
 */
export class HarnessCredentialsHelper extends ICredentialsHelper {
	credentialTypes: Record<string, any>;
	credentialData: Record<string, any>;

	constructor(credentialTypes: Record<string, ICredentialType>, credentialData: Record<string, ICredentialDataDecryptedObject>) {
		super();
		this.credentialTypes = credentialTypes; // name -> ICredentialType
		this.credentialData = {}; // name -> plain data
		for (const [type, data] of Object.entries(credentialData || {})) {
			this.credentialData[type] = { ...(data || {}) };
		}
	}

	getCredentialType(typeName: string) {
		const type = this.credentialTypes[typeName];
		if (type === undefined) {
			throw new UnexpectedError(`Unknown credential type "${typeName}" (not in credentialTypes)`, {
				tags: { credentialType: typeName },
			});
		}
		return type;
	}

	getParentTypes(typeName: string): string[] {
		const type = this.credentialTypes[typeName];
		if (!type || !Array.isArray(type.extends)) return [];
		const parents: string[] = [];
		for (const parent of type.extends) {
			parents.push(parent, ...this.getParentTypes(parent));
		}
		return parents;
	}

	isCredentialUsableByNode(credentialType: string, nodeType: string): boolean {
		const type = this.credentialTypes[credentialType];
		if (!type || !type.restrictToSupportedNodes) return true;
		const supported = type.supportedNodes || [];
		return supported.some((name: string) => name === nodeType || nodeType.endsWith(`.${name}`));
	}

	getCredentialsProperties(typeName: string): N8nWorkflow.INodeProperties[] {
		const type = this.getCredentialType(typeName);
		if (!Array.isArray(type.extends)) return type.properties;
		const combined: N8nWorkflow.INodeProperties[] = [];
		for (const parent of type.extends) {
			if (this.credentialTypes[parent]) {
				NodeHelpers.mergeNodeProperties(combined, this.getCredentialsProperties(parent));
			}
		}
		NodeHelpers.mergeNodeProperties(combined, type.properties);
		return combined;
	}

	/** Plain data with the credential type's defaults filled in (as the app's applyDefaults...). */
	applyDefaults(typeName: string, data: any): any {
		const properties = this.getCredentialsProperties(typeName);
		const withDefaults: any = NodeHelpers.getNodeParameters(properties, data, true, false, null, null) || {};
		if (data.oauthTokenData !== undefined) withDefaults.oauthTokenData = data.oauthTokenData;
		return withDefaults;
	}

	async getDecrypted(
		_additionalData: any,
		nodeCredentials: any,
		type: string,
		mode: any,
		executeData?: any,
		raw?: boolean,
		expressionResolveValues?: any,
	): Promise<ICredentialDataDecryptedObject> {
		const stored = this.credentialData[type];
		if (stored === undefined) {
			throw new workflowLib.UserError(
				`Credential with ID "${nodeCredentials && nodeCredentials.id}" does not exist for type "${type}".`,
			);
		}
		if (raw === true) return { ...stored };
		let data = this.applyDefaults(type, { ...stored });
		if (hasExpressionValue(data)) {
			if (expressionResolveValues) {
				const v = expressionResolveValues;
				data = v.workflow.expression.getParameterValue(
					data,
					v.runExecutionData,
					v.runIndex,
					v.itemIndex,
					v.node.name,
					v.connectionInputData,
					mode,
					{},
					executeData,
					false,
					data,
				);
			} else {
				const workflow = new Workflow({
					nodes: [{ ...mockNodeForExpressions }],
					connections: {},
					active: false,
					nodeTypes: mockNodeTypes,
				});
				data = workflow.expression.getComplexParameterValue(
					mockNodeForExpressions,
					data,
					mode,
					{},
					undefined,
					undefined,
					data,
				);
			}
		}
		return data;
	}

	async authenticate(credentials: any, typeName: string, requestOptions: any, workflow: any, node: any): Promise<IHttpRequestOptions> {
		const credentialType = this.getCredentialType(typeName);
		const { authenticate } = credentialType;
		if (!authenticate) return requestOptions;
		if (typeof authenticate === 'function') {
			return await authenticate(credentials, requestOptions);
		}
		if (typeof authenticate === 'object') {
			if (!workflow || !node) {
				throw new UnexpectedError(
					'Workflow and node are required for declarative credential authentication',
				);
			}
			if (requestOptions.headers === undefined) requestOptions.headers = {};
			if (authenticate.type === 'generic') {
				const additionalKeys = { $credentials: credentials };
				for (const [outerKey, outerValue] of Object.entries(authenticate.properties)) {
					for (const [key, value] of Object.entries(outerValue as object)) {
						const keyResolved = resolveValue(key, additionalKeys, workflow, node);
						const valueResolved = resolveValue(value, additionalKeys, workflow, node);
						if (!requestOptions[outerKey]) requestOptions[outerKey] = {};
						requestOptions[outerKey][keyResolved as string] = valueResolved;
					}
				}
			}
		}
		return requestOptions;
	}

	async preAuthentication(helpers: any, credentials: any, typeName: string, node: any, credentialsExpired: boolean): Promise<ICredentialDataDecryptedObject | undefined> {
		const credentialType = this.getCredentialType(typeName);
		const expirable = (credentialType.properties || []).find(
			(property: any) => property.type === 'hidden' && property.typeOptions && property.typeOptions.expirable === true,
		);
		if (!expirable || typeof credentialType.preAuthentication !== 'function') return undefined;
		const testing = node && node.parameters && node.parameters.temp === '' && node.type === NOOP_NODE_TYPE;
		if (credentials[expirable.name] !== '' && !credentialsExpired && !testing) return undefined;
		const output = await credentialType.preAuthentication.call(helpers, credentials);
		if (!output || output[expirable.name] === undefined) return undefined;
		if (node && node.credentials && this.credentialData[typeName]) {
			Object.assign(this.credentialData[typeName], output);
		}
		return Object.assign(credentials, output);
	}

	async runPreAuthentication(helpers: any, credentials: any, typeName: string): Promise<ICredentialDataDecryptedObject | undefined> {
		const credentialType = this.getCredentialType(typeName);
		if (typeof credentialType.preAuthentication !== 'function') return undefined;
		return (await credentialType.preAuthentication.call(helpers, credentials)) || undefined;
	}

	async getCredentials(nodeCredentials: any, type: string): Promise<any> {
		const data = this.credentialData[type] || {};
		return {
			id: nodeCredentials && nodeCredentials.id,
			name: nodeCredentials && nodeCredentials.name,
			type,
			getData: async () => ({ ...data }),
			setData: async (newData: object) => {
				this.credentialData[type] = { ...newData };
			},
			updateData: async (newData: object) => {
				Object.assign(this.credentialData[type], newData);
			},
		};
	}

	async updateCredentials(_nodeCredentials: any, type: string, data: any): Promise<void> {
		this.credentialData[type] = { ...data };
	}

	async updateCredentialsOauthTokenData(_nodeCredentials: any, type: string, data: any): Promise<void> {
		this.credentialData[type] = { ...(this.credentialData[type] || {}), oauthTokenData: data.oauthTokenData };
	}
}

/** Resolves a value of a generic `authenticate` block the way the n8n app does. */
function resolveValue(value: unknown, additionalKeys: object, workflow: any, node: any): unknown {
	if (typeof value !== 'string' || !isExpression(value)) return value;
	const resolved = workflow.expression.getSimpleParameterValue(
		node,
		value,
		'internal',
		additionalKeys,
		undefined,
		'',
	);
	if (!resolved) return '';
	return resolved.toString();
}

/**
 * Applies a credential type's `authenticate` (generic block or function) to request options,
 * exactly as the n8n app's credentials helper does. Resolves the (mutated) request options.
 */
export async function resolveAuthentication(
	credentialType: ICredentialType,
	data: ICredentialDataDecryptedObject,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	prepareContainer();
	const helper = new HarnessCredentialsHelper({ [credentialType.name]: credentialType }, {
		[credentialType.name]: data,
	});
	const credentials = helper.applyDefaults(credentialType.name, { ...(data || {}) });
	const node = { ...mockNodeForExpressions };
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes: mockNodeTypes });
	return await helper.authenticate(credentials, credentialType.name, requestOptions || {}, workflow, node);
}

// ---------------------------------------------------------------------------------------------
// additionalData
// ---------------------------------------------------------------------------------------------

let executionCounter = 0;

function notAvailable(what: string) {
	return async () => {
		throw new UnexpectedError(`${what} is not available in the test harness`);
	};
}

function createAdditionalData({
	credentialsHelper,
	hooks,
	executionId,
	currentNodeParameters,
	streaming,
}: {
	credentialsHelper: HarnessCredentialsHelper;
	hooks: any;
	executionId: string | undefined;
	currentNodeParameters: any;
	streaming: boolean;
}): any {
	return {
		credentialsHelper,
		hooks,
		executionId,
		currentNodeExecutionIndex: 0,
		restApiUrl: `${BASE_URL}rest`,
		instanceBaseUrl: BASE_URL,
		formBaseUrl: `${BASE_URL}form`,
		formWaitingBaseUrl: `${BASE_URL}form-waiting`,
		formTestBaseUrl: `${BASE_URL}form-test`,
		webhookBaseUrl: `${BASE_URL}webhook`,
		webhookWaitingBaseUrl: `${BASE_URL}webhook-waiting`,
		webhookTestBaseUrl: `${BASE_URL}webhook-test`,
		mcpBaseUrl: `${BASE_URL}mcp`,
		mcpTestBaseUrl: `${BASE_URL}mcp-test`,
		variables: {},
		userId: 'harness-user',
		workflowId: 'harness',
		currentNodeParameters,
		streamingEnabled: streaming === true,
		executeWorkflow: notAvailable('executeWorkflow'),
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		startRunnerTask: notAvailable('startRunnerTask'),
		logAiEvent: () => {},
		setExecutionStatus: () => {},
		sendDataToUI: () => {},
	};
}

// ---------------------------------------------------------------------------------------------
// runNode / startNode
// ---------------------------------------------------------------------------------------------

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
 * Starts the workflow and returns `{ result, cancel }`. `result` resolves with
 * `{ items, error?, runData, executionData }` once WorkflowExecute's run settles; `cancel()`
 * cancels the PCancelable returned by `WorkflowExecute.run`, which aborts the execution's
 * AbortController (the node's `getExecutionCancelSignal()`).
 */
export function startNode(options: RunNodeOptions): RunHandle {
	prepareContainer();
	const {
		node: nodeType,
		credentialTypes = [],
		credentials = {},
		parameters = {},
		items = [{}],
		continueOnFail = false,
		onError,
		typeVersion,
		onChunk,
		mode = 'manual',
		nodeName: nodeNameOption,
		nodeSettings = {},
		settings = {},
		pinData,
		agent,
	} = options || ({} as RunNodeOptions);
	if (!nodeType || !nodeType.description) {
		throw new UnexpectedError('runNode: `node` must be an INodeType instance');
	}

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

	const nodeCredentials: Record<string, { id: string; name: string }> = {};
	let credentialId = 0;
	for (const type of Object.keys(credentials)) {
		credentialId += 1;
		nodeCredentials[type] = {
			id: String(credentialId),
			name: defaultCredentialName(credentialTypesByName[type]),
		};
	}

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

	// With `agent`, the node under test is the agent's tool (ai_tool) and the agent gets the items.
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

	executionCounter += 1;
	const executionId = String(executionCounter);
	const hooks: any = new ExecutionLifecycleHooks(mode, executionId, {
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
	let afterRun: N8nWorkflow.IRun | undefined;
	hooks.addHandler('workflowExecuteAfter', (fullRunData: N8nWorkflow.IRun) => {
		if (afterRun === undefined) afterRun = fullRunData;
	});
	// n8n-core before 1.100 has no sendChunk hook (no streaming at all): nothing to listen to there.
	const streaming = typeof onChunk === 'function' && Array.isArray(hooks.handlers.sendChunk);
	if (streaming) {
		hooks.addHandler('sendChunk', async (chunk: N8nWorkflow.StructuredChunk) => {
			await onChunk?.(chunk);
		});
	}

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

	const result = Promise.resolve(running).then((run) => toRunResult(run || afterRun, agent ? AGENT_NODE_NAME : nodeName));
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

// ---------------------------------------------------------------------------------------------
// testCredential
// ---------------------------------------------------------------------------------------------

/**
 * Runs the credential type's declarative `test` request (ICredentialTestRequest) the way the n8n
 * app's credentials tester does: a temporary node whose only property routes the test request,
 * run by n8n-core's RoutingNode with the decrypted credentials (defaults applied), so
 * `={{$credentials.x}}` expressions and the credential's `authenticate` are applied by n8n.
 */
export async function testCredential({ credentialType, data, credentialTypes = [] }: TestCredentialOptions): Promise<INodeCredentialTestResult> {
	prepareContainer();
	const typeName = credentialType.name;
	const test = credentialType.test;
	if (!test || !test.request) {
		return { status: 'Error', message: 'No testing function found for this credential.' };
	}
	const typesByName = credentialTypeMap([credentialType, ...credentialTypes]);
	const credentialsHelper = new HarnessCredentialsHelper(typesByName, { [typeName]: data });

	const credentialsDecrypted: N8nWorkflow.ICredentialsDecrypted = { id: '1', name: defaultCredentialName(credentialType), type: typeName };
	try {
		credentialsDecrypted.data = await credentialsHelper.getDecrypted(
			undefined,
			credentialsDecrypted,
			typeName,
			'internal',
		);
	} catch (error: any) {
		return { status: 'Error', message: String(error.message) };
	}

	const testNodeType: any = {
		description: {
			...noOpNodeType.description,
			credentials: [{ name: typeName, required: true }],
			properties: [
				{
					displayName: 'Temp',
					name: 'temp',
					type: 'string',
					routing: { request: test.request },
					default: '',
				},
			],
		},
	};
	const node: N8nWorkflow.INode = {
		id: 'temp',
		parameters: {},
		name: 'Temp-Node',
		type: NOOP_NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		credentials: { [typeName]: { id: credentialsDecrypted.id, name: credentialsDecrypted.name } },
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: createNodeTypes({ [NOOP_NODE_TYPE]: testNodeType }),
	});
	const additionalData = createAdditionalData({
		credentialsHelper,
		hooks: undefined,
		executionId: undefined,
		currentNodeParameters: undefined,
		streaming: false,
	});
	const runExecutionData: any = { resultData: { runData: {} } };
	const executeData: any = { node, data: {}, source: null };
	const context = new ExecuteContext(
		workflow,
		node,
		additionalData,
		'internal',
		runExecutionData,
		0,
		[],
		{ main: [[{ json: {} }]] },
		executeData,
		[],
	);
	const routingNode = new RoutingNode(context, testNodeType, credentialsDecrypted);

	let response: any;
	try {
		response = await routingNode.runNode();
	} catch (error: any) {
		const cause = error && error.cause;
		if (cause && cause.response) {
			const statusCode = cause.response.status;
			const statusMessage = cause.response.statusText;
			for (const rule of test.rules || []) {
				if (rule.type === 'responseCode' && statusCode === rule.properties.value) {
					return { status: 'Error', message: rule.properties.message };
				}
			}
			if (statusCode < 199 || statusCode > 299) {
				return {
					status: 'Error',
					message: statusMessage || `Received HTTP status code: ${statusCode}`,
				};
			}
		} else if (cause && cause.code) {
			return { status: 'Error', message: cause.code };
		}
		return { status: 'Error', message: String(error.message) };
	}

	for (const rule of Array.isArray(test.rules) ? test.rules : []) {
		if (rule.type === 'responseSuccessBody') {
			const body = response && response[0] && response[0][0] && response[0][0].json;
			if (getPath(body, rule.properties.key) === rule.properties.value) {
				return { status: 'Error', message: rule.properties.message };
			}
		}
	}
	return { status: 'OK', message: 'Connection successful!' };
}

function getPath(object: unknown, keyPath: unknown): unknown {
	let current: any = object;
	for (const part of String(keyPath).split('.')) {
		if (current == null) return undefined;
		current = current[part];
	}
	return current;
}

// ---------------------------------------------------------------------------------------------
// searchList
// ---------------------------------------------------------------------------------------------

/** Finds the parameter path of the resource locator whose list mode uses `method`. */
function findListSearchPath(description: any, method: string): string {
	for (const property of description.properties || []) {
		for (const mode of property.modes || []) {
			const searchMethod = mode.typeOptions && mode.typeOptions.searchListMethod;
			if (searchMethod === method) return `parameters.${property.name}`;
		}
	}
	return 'parameters';
}

/**
 * Calls `node.methods.listSearch[method](filter, paginationToken)` in n8n-core's
 * LoadOptionsContext over a temporary workflow holding the node (as the app's
 * dynamic-node-parameters service does), with the given credentials attached.
 */
export async function searchList({
	node: nodeType,
	credentialTypes = [],
	credentials = {},
	method,
	filter,
	paginationToken,
	parameters = {},
	typeVersion,
	path: parameterPath,
}: SearchListOptions): Promise<INodeListSearchResult> {
	prepareContainer();
	const version = typeVersion !== undefined ? typeVersion : latestVersion(nodeType);
	const versioned = NodeHelpers.getVersionedNodeType(nodeType, version);
	const methods: any = (versioned.methods || (nodeType as any).methods || {}).listSearch;
	const fn = methods && methods[method];
	if (typeof fn !== 'function') {
		throw new UnexpectedError('Node type does not have method defined', {
			tags: { nodeType: nodeType.description.name },
			extra: { methodName: method },
		});
	}
	const credentialTypesByName = credentialTypeMap(credentialTypes);
	const credentialsHelper = new HarnessCredentialsHelper(credentialTypesByName, credentials);
	const typeName = nodeTypeName(nodeType);
	const currentNodeParameters = JSON.parse(JSON.stringify(parameters));
	const node: N8nWorkflow.INode = {
		parameters: currentNodeParameters,
		id: 'uuid-1234',
		name: 'Temp-Node',
		type: typeName,
		typeVersion: version,
		position: [0, 0],
	};
	const nodeCredentials: Record<string, { id: string; name: string }> = {};
	let credentialId = 0;
	for (const type of Object.keys(credentials)) {
		credentialId += 1;
		nodeCredentials[type] = { id: String(credentialId), name: defaultCredentialName(credentialTypesByName[type]) };
	}
	if (Object.keys(nodeCredentials).length > 0) node.credentials = nodeCredentials;
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: createNodeTypes({ [typeName]: nodeType }),
	});
	const additionalData = createAdditionalData({
		credentialsHelper,
		hooks: undefined,
		executionId: undefined,
		currentNodeParameters,
		streaming: false,
	});
	const context = new LoadOptionsContext(
		workflow,
		workflow.nodes['Temp-Node'],
		additionalData,
		parameterPath || findListSearchPath(versioned.description, method),
	);
	return await fn.call(context, filter, paginationToken);
}

// ---------------------------------------------------------------------------------------------
// loadOptions
// ---------------------------------------------------------------------------------------------

/**
 * Calls `node.methods.loadOptions[method]()` in n8n-core's LoadOptionsContext over a temporary
 * workflow holding the node with the given parameters (what `getCurrentNodeParameter` returns),
 * as the app's dynamic-node-parameters service does for an options field's list.
 */
export async function loadOptions({
	node: nodeType,
	credentialTypes = [],
	credentials = {},
	method,
	parameters = {},
	typeVersion,
	path: parameterPath = 'parameters',
}: LoadOptionsOptions): Promise<INodePropertyOptions[]> {
	prepareContainer();
	const version = typeVersion !== undefined ? typeVersion : latestVersion(nodeType);
	const versioned = NodeHelpers.getVersionedNodeType(nodeType, version);
	const fn = (((versioned.methods || (nodeType as any).methods || {}) as any).loadOptions || {})[method];
	if (typeof fn !== 'function') {
		throw new UnexpectedError('Node type does not have method defined', {
			tags: { nodeType: nodeType.description.name },
			extra: { methodName: method },
		});
	}
	const credentialTypesByName = credentialTypeMap(credentialTypes);
	const typeName = nodeTypeName(nodeType);
	const currentNodeParameters = JSON.parse(JSON.stringify(parameters));
	const node: N8nWorkflow.INode = { parameters: currentNodeParameters, id: 'uuid-1234', name: 'Temp-Node', type: typeName, typeVersion: version, position: [0, 0] };
	const nodeCredentials: Record<string, { id: string; name: string }> = {};
	let credentialId = 0;
	for (const type of Object.keys(credentials)) {
		credentialId += 1;
		nodeCredentials[type] = { id: String(credentialId), name: defaultCredentialName(credentialTypesByName[type]) };
	}
	if (Object.keys(nodeCredentials).length > 0) node.credentials = nodeCredentials;
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes: createNodeTypes({ [typeName]: nodeType }) });
	const additionalData = createAdditionalData({
		credentialsHelper: new HarnessCredentialsHelper(credentialTypesByName, credentials),
		hooks: undefined,
		executionId: undefined,
		currentNodeParameters,
		streaming: false,
	});
	const context = new LoadOptionsContext(workflow, workflow.nodes['Temp-Node'], additionalData, parameterPath);
	return await fn.call(context);
}
