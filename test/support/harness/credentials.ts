/** Credentials in the harness: stored decrypted per type, and applied the way the n8n app's CredentialsHelper does. */
import type * as N8nWorkflow from 'n8n-workflow';
import type { ICredentialDataDecryptedObject, ICredentialType, IHttpRequestOptions } from 'n8n-workflow';
import { ICredentialsHelper, NOOP_NODE_TYPE, NodeHelpers, UnexpectedError, Workflow, createNodeTypes, isExpression, prepareContainer, workflowLib } from './engine.ts';

export function credentialTypeMap(credentialTypes: ICredentialType[] | undefined): Record<string, ICredentialType> {
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
export function defaultCredentialName(credentialType: ICredentialType | undefined): string {
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

/** The node's credentials entry for each type the test gives data of, named as n8n names a new credential. */
export function nodeCredentialsFor(
	credentials: Record<string, unknown>,
	typesByName: Record<string, ICredentialType>,
): Record<string, { id: string; name: string }> {
	const nodeCredentials: Record<string, { id: string; name: string }> = {};
	let credentialId = 0;
	for (const type of Object.keys(credentials)) {
		credentialId += 1;
		nodeCredentials[type] = { id: String(credentialId), name: defaultCredentialName(typesByName[type]) };
	}
	return nodeCredentials;
}
