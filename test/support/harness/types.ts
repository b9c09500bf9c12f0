/** The harness's types: what runNode, startNode, testCredential, searchList and loadOptions take and give (test/support/harness.ts). */
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	IRun,
	IRunData,
	IVersionedNodeType,
	IWorkflowSettings,
	StructuredChunk,
	WorkflowExecuteMode,
} from 'n8n-workflow';

export interface RunNodeOptions {
	/** The node type under test (an INodeType / IVersionedNodeType instance). */
	node: INodeType | IVersionedNodeType;
	/** Credential types available to the node. */
	credentialTypes?: ICredentialType[];
	/**
	 * Credential type name -> plain (decrypted) data. Each entry is attached to the workflow node
	 * as `{ id: '1', name: '<Type> account' }`. `{}` attaches none.
	 */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** Node parameters as saved in a workflow; expressions like '={{ $json.p }}' are allowed. */
	parameters?: INodeParameters;
	/** The `json` of each input item (each gets `pairedItem: { item: index }`). Default `[{}]`. */
	items?: IDataObject[];
	/** Node setting "Continue On Fail". */
	continueOnFail?: boolean;
	/** Node setting "On Error". */
	onError?: 'stopWorkflow' | 'continueRegularOutput' | 'continueErrorOutput';
	/** Defaults to the node's defaultVersion / highest version. */
	typeVersion?: number;
	/**
	 * When given, the execution runs in streaming mode: `additionalData.streamingEnabled` is set and
	 * a real `sendChunk` lifecycle hook is registered, so `this.isStreaming()` is true and each
	 * `this.sendChunk(...)` (and n8n-core's own `error` chunk when the node fails) reaches it.
	 */
	onChunk?: (chunk: StructuredChunk) => void | Promise<void>;
	/** Execution mode; default 'manual'. Streaming works in manual, webhook, integrated and chat. */
	mode?: WorkflowExecuteMode;
	/** Name of the node under test; default its `defaults.name`. */
	nodeName?: string;
	/**
	 * The node's Settings tab, merged into the workflow node as n8n saves them (On Error, Retry On
	 * Fail with Max Tries and Wait Between Tries, Always Output Data, Execute Once, ...).
	 */
	nodeSettings?: NodeSettings;
	/** Workflow settings (executionOrder 'v1' by default). */
	settings?: IWorkflowSettings;
	/**
	 * Pinned output of the node under test (the `json` of each item), as the editor's "Pin data"
	 * saves it: n8n then outputs these items instead of running the node.
	 */
	pinData?: IDataObject[];
	/**
	 * An agent node type: the items go to it (node "AI Agent"), the node under test is connected to
	 * it as its tool (ai_tool), and `items` of the result are the agent's output.
	 */
	agent?: INodeType;
}

/** A node's Settings tab as saved in workflow JSON; n8n clamps Max Tries to 2-5 and the wait to 0-5000 ms. */
export interface NodeSettings {
	onError?: 'stopWorkflow' | 'continueRegularOutput' | 'continueErrorOutput';
	retryOnFail?: boolean;
	maxTries?: number;
	/** Milliseconds. */
	waitBetweenTries?: number;
	alwaysOutputData?: boolean;
	executeOnce?: boolean;
	[setting: string]: unknown;
}

export interface RunResult {
	/** Main output 0 of the node under test (first run), `[]` if none. */
	items: INodeExecutionData[];
	/**
	 * Every main output of the node under test (first run), in order; an output n8n left empty is
	 * `[]`. Under On Error "Continue (using error output)" the last one is the error output.
	 */
	outputs: INodeExecutionData[][];
	/**
	 * The execution's error (`resultData.error`) revived as an Error; its prototype is the
	 * n8n-workflow class named by `name` when there is one (NodeApiError, NodeOperationError, ...).
	 */
	error?: Error & { description?: string | null; httpCode?: string | null; [key: string]: unknown };
	/** Full run data of the execution. */
	runData: IRunData;
	/** The IRun WorkflowExecute resolved with. */
	executionData: IRun;
}

export interface RunHandle {
	/** Settles when WorkflowExecute's run settles (after cancel(): once the node has returned). */
	result: Promise<RunResult>;
	/** Cancels the execution as n8n does (PCancelable.cancel -> the execution's AbortController). */
	cancel(): void;
}


export interface TestCredentialOptions {
	credentialType: ICredentialType;
	data: ICredentialDataDecryptedObject;
	/** Other credential types (parents named in `extends`). */
	credentialTypes?: ICredentialType[];
}

export interface SearchListOptions {
	node: INodeType | IVersionedNodeType;
	credentialTypes?: ICredentialType[];
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** Name of the method in `methods.listSearch`. */
	method: string;
	filter?: string;
	paginationToken?: string;
	/** Current node parameters (what `getCurrentNodeParameter(s)` return). */
	parameters?: INodeParameters;
	typeVersion?: number;
	/** Parameter path of the resource locator; default found from the method name. */
	path?: string;
}

export interface LoadOptionsOptions {
	node: INodeType | IVersionedNodeType;
	credentialTypes?: ICredentialType[];
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** Name of the method in `methods.loadOptions`. */
	method: string;
	/** Current node parameters (what `getCurrentNodeParameter(s)` return). */
	parameters?: INodeParameters;
	typeVersion?: number;
	/** Parameter path of the field whose list is loaded; default 'parameters'. */
	path?: string;
}
