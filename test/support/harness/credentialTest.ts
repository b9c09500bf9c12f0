/** A credential type's test request, run the way the n8n app's credentials tester runs it. */
import type * as N8nWorkflow from 'n8n-workflow';
import type { ICredentialType, INodeCredentialTestResult } from 'n8n-workflow';
import { credentialTypeMap, defaultCredentialName, HarnessCredentialsHelper } from './credentials.ts';
import { ExecuteContext, NOOP_NODE_TYPE, RoutingNode, Workflow, createAdditionalData, createNodeTypes, noOpNodeType, prepareContainer } from './engine.ts';
import type { TestCredentialOptions } from './types.ts';

/**
 * The app's way to run a test request: a temporary node whose only property routes the request,
 * in an execution context of its own, run by n8n-core's RoutingNode.
 */
function testRequestNode(
	test: NonNullable<ICredentialType['test']>,
	typeName: string,
	credentialsDecrypted: N8nWorkflow.ICredentialsDecrypted,
	credentialsHelper: HarnessCredentialsHelper,
) {
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
	return new RoutingNode(context, testNodeType, credentialsDecrypted);
}

/** The tester's message for a test request that failed: a rule's message for the status, else the status or the error. */
function failureMessage(error: any, rules: NonNullable<ICredentialType['test']>['rules']): string {
	const cause = error && error.cause;
	if (cause && cause.response) {
		const statusCode = cause.response.status;
		const statusMessage = cause.response.statusText;
		for (const rule of rules || []) {
			if (rule.type === 'responseCode' && statusCode === rule.properties.value) return rule.properties.message;
		}
		if (statusCode < 199 || statusCode > 299) return statusMessage || `Received HTTP status code: ${statusCode}`;
	} else if (cause && cause.code) {
		return cause.code;
	}
	return String(error.message);
}

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

	const routingNode = testRequestNode(test, typeName, credentialsDecrypted, credentialsHelper);
	let response: any;
	try {
		response = await routingNode.runNode();
	} catch (error: any) {
		return { status: 'Error', message: failureMessage(error, test.rules) };
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
