/**
 * The harness's hold on n8n: n8n-core and n8n-workflow loaded as the node under test loads them,
 * the process-wide setup n8n-core needs, the harness's own node types (a start node, a no-op) and
 * the additionalData every execution context gets.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type * as N8nCore from 'n8n-core';
import type * as N8nWorkflow from 'n8n-workflow';

// n8n's packages are loaded with require, as CommonJS: the copies the node under test loads (an
// ES import would get n8n-workflow's ES build, whose error classes the node's errors are not).
const load = createRequire(import.meta.filename);
// @n8n/di and @n8n/config are n8n-core's own dependencies: load the copies n8n-core loads, so the
// DI container configured here is the one n8n-core reads from.
const n8nCoreDir = path.dirname(load.resolve('n8n-core/package.json'));
const requireFromCore = (id: string) => load(load.resolve(id, { paths: [n8nCoreDir] }));
/** n8n-core's major version: 1 (n8n 1.x) or 2 (n8n 2.x); the few calls that differ ask it. */
export const coreMajor = Number(load(path.join(n8nCoreDir, 'package.json')).version.split('.')[0]);
const { Container } = requireFromCore('@n8n/di');
const { GlobalConfig, InstanceSettingsConfig } = requireFromCore('@n8n/config');
// Typed as today's n8n-workflow and n8n-core; the 1.x copies (jest's n8n 1.x project) differ where the calls below ask coreMajor.
export const workflowLib = load('n8n-workflow') as typeof N8nWorkflow & Record<string, any>;
export const { ICredentialsHelper, NodeHelpers, Workflow, UnexpectedError, createRunExecutionData } = workflowLib;
// n8n-workflow before 1.9x has no isExpression export; this is its definition.
export const isExpression: (value: unknown) => boolean =
	workflowLib.isExpression ?? ((value: unknown) => typeof value === 'string' && value.charAt(0) === '=');
export const {
	ExecuteContext,
	ExecutionLifecycleHooks,
	LoadOptionsContext,
	RoutingNode,
	WorkflowExecute,
} = load('n8n-core') as typeof N8nCore;

const BASE_URL = 'http://127.0.0.1:5678/';
export const START_NODE_NAME = 'When clicking ‘Execute workflow’';
export const START_NODE_TYPE = 'n8n-nodes-base.manualTrigger';
export const NOOP_NODE_TYPE = 'n8n-nodes-base.noOp';
export const AGENT_NODE_NAME = 'AI Agent';

// ---------------------------------------------------------------------------------------------
// One-time process setup: quiet logger, instance settings outside the user's home.
// ---------------------------------------------------------------------------------------------

let containerReady = false;

export function prepareContainer() {
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
export const startNodeType: any = {
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
export const noOpNodeType = {
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

export function latestVersion(nodeType: any): number {
	const description = nodeType.description;
	if (description.defaultVersion !== undefined) return description.defaultVersion;
	if (Array.isArray(description.version)) return Math.max(...description.version);
	if (description.version !== undefined) return description.version;
	if (nodeType.currentVersion !== undefined) return nodeType.currentVersion;
	return 1;
}

/** INodeTypes over a fixed set of node types keyed by type name. */
export function createNodeTypes(byName: Record<string, any>): N8nWorkflow.INodeTypes {
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

export function nodeTypeName(node: any): string {
	return node.description.name;
}


// ---------------------------------------------------------------------------------------------
// additionalData
// ---------------------------------------------------------------------------------------------

let executionCounter = 0;

/** A new execution's ID: 1, 2, 3, ... in this process. */
export function nextExecutionId(): string {
	executionCounter += 1;
	return String(executionCounter);
}

function notAvailable(what: string) {
	return async () => {
		throw new UnexpectedError(`${what} is not available in the test harness`);
	};
}

export function createAdditionalData({
	credentialsHelper,
	hooks,
	executionId,
	currentNodeParameters,
	streaming,
}: {
	credentialsHelper: N8nWorkflow.ICredentialsHelper;
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
