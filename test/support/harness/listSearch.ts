/** A node's list search and load-options methods, called the way the app's dynamic-node-parameters service calls them. */
import type * as N8nWorkflow from 'n8n-workflow';
import type { INodeListSearchResult, INodePropertyOptions } from 'n8n-workflow';
import { credentialTypeMap, HarnessCredentialsHelper, nodeCredentialsFor } from './credentials.ts';
import { LoadOptionsContext, NodeHelpers, UnexpectedError, Workflow, createAdditionalData, createNodeTypes, latestVersion, nodeTypeName, prepareContainer } from './engine.ts';
import type { LoadOptionsOptions, SearchListOptions } from './types.ts';

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
	const nodeCredentials = nodeCredentialsFor(credentials, credentialTypesByName);
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
	const nodeCredentials = nodeCredentialsFor(credentials, credentialTypesByName);
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
