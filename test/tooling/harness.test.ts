/**
 * Proves the test harness (test/support/harness.ts) runs a node inside n8n-core's real execution
 * engine: a throwaway node type and credential type, a local HTTP server that sees the requests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type {
	ICredentialTestRequest,
	ICredentialType,
	IAuthenticateGeneric,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeExecutionData,
	INodeListSearchResult,
	INodeProperties,
	INodeType,
	INodeTypeDescription,
	StructuredChunk,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import {
	resolveAuthentication,
	runNode,
	searchList,
	startNode,
	testCredential,
} from '../support/harness';

// ---------------------------------------------------------------------------------------------
// A local server that records every request. Paths: /echo/* answers 200 with what it saw,
// /fail answers 500, /hang never answers, /me answers 200 for "Bearer good" else 401,
// /models lists models filtered by ?q=.
// ---------------------------------------------------------------------------------------------

interface SeenRequest {
	method: string;
	url: string;
	headers: http.IncomingHttpHeaders;
	body: unknown;
}

const seen: SeenRequest[] = [];
let hangArrived: () => void = () => {};
let hangClosed: () => void = () => {};

const server = http.createServer((req, res) => {
	let raw = '';
	req.setEncoding('utf8');
	req.on('data', (chunk: string) => (raw += chunk));
	req.on('end', () => {
		const body = raw ? (JSON.parse(raw) as unknown) : undefined;
		seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
		const reply = (status: number, payload: unknown) => {
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(payload));
		};
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		if (url.pathname === '/hang') {
			res.on('close', () => hangClosed());
			hangArrived();
			return;
		}
		if (url.pathname === '/fail') return reply(500, { error: 'boom' });
		if (url.pathname === '/me') {
			const ok = req.headers.authorization === 'Bearer good';
			return reply(ok ? 200 : 401, ok ? { user: 'me' } : { error: 'bad key' });
		}
		if (url.pathname === '/models') {
			const q = url.searchParams.get('q') ?? '';
			const all = ['gpt-4o', 'gpt-4o-mini', 'claude-3'];
			return reply(200, { data: all.filter((id) => id.includes(q)).map((id) => ({ id })) });
		}
		return reply(200, { path: url.pathname, authorization: req.headers.authorization, body });
	});
});

let base = '';

beforeAll(async () => {
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	server.closeAllConnections();
	await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
	seen.length = 0;
});

// ---------------------------------------------------------------------------------------------
// Throwaway credential and node types
// ---------------------------------------------------------------------------------------------

class TestApi implements ICredentialType {
	name = 'testApi';

	displayName = 'Test API';

	properties: INodeProperties[] = [
		{ displayName: 'API Key', name: 'apiKey', type: 'string', typeOptions: { password: true }, default: '' },
		{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: 'http://127.0.0.1:9/api' },
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { Authorization: '=Bearer {{$credentials.apiKey}}' } },
	};

	test: ICredentialTestRequest = {
		request: { baseURL: '={{$credentials.baseUrl}}', url: '/me' },
	};
}

/** What the node observed during its last execution. */
const observed = {
	streaming: [] as boolean[],
	cancelSignalAborted: undefined as boolean | undefined,
	cancelSignalPresent: false,
};

class EchoHttp implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Echo HTTP',
		name: 'echoHttp',
		group: ['transform'],
		version: 1,
		description: 'Posts each item to a URL and returns the response',
		defaults: { name: 'Echo HTTP' },
		inputs: ['main'],
		outputs: ['main'],
		credentials: [{ name: 'testApi', required: true }],
		properties: [
			{ displayName: 'URL', name: 'url', type: 'string', default: '', required: true },
			{ displayName: 'Text', name: 'text', type: 'string', default: '' },
			{
				displayName: 'Model',
				name: 'model',
				type: 'resourceLocator',
				default: { mode: 'list', value: '' },
				modes: [
					{
						displayName: 'From List',
						name: 'list',
						type: 'list',
						typeOptions: { searchListMethod: 'searchModels', searchable: true },
					},
					{ displayName: 'ID', name: 'id', type: 'string' },
				],
			},
		],
	};

	methods = {
		listSearch: {
			async searchModels(
				this: ILoadOptionsFunctions,
				filter?: string,
				paginationToken?: string,
			): Promise<INodeListSearchResult> {
				const { baseUrl } = await this.getCredentials('testApi');
				const response = (await this.helpers.httpRequestWithAuthentication.call(this, 'testApi', {
					method: 'GET',
					url: `${baseUrl as string}/models`,
					qs: { q: filter ?? '' },
					json: true,
				})) as { data: Array<{ id: string }> };
				return {
					results: response.data.map(({ id }) => ({ name: id, value: id })),
					paginationToken: paginationToken ? `${paginationToken}+` : undefined,
				};
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const out: INodeExecutionData[] = [];
		observed.streaming.push(this.isStreaming());
		const signal = this.getExecutionCancelSignal();
		observed.cancelSignalPresent = signal !== undefined;
		for (let i = 0; i < items.length; i++) {
			try {
				const text = this.getNodeParameter('text', i) as string;
				if (this.isStreaming()) {
					await this.sendChunk('begin', i);
					await this.sendChunk('item', i, `chunk:${text}`);
					await this.sendChunk('end', i);
				}
				const response = await this.helpers.httpRequestWithAuthentication.call(this, 'testApi', {
					method: 'POST',
					url: this.getNodeParameter('url', i) as string,
					body: { text, index: i },
					json: true,
				});
				out.push({ json: response, pairedItem: { item: i } });
			} catch (error) {
				observed.cancelSignalAborted = signal?.aborted;
				if (this.continueOnFail()) {
					out.push({ json: { error: (error as Error).message }, pairedItem: { item: i } });
					continue;
				}
				throw error;
			}
		}
		return [out];
	}
}

const node = new EchoHttp();
const credentialTypes = [new TestApi()];
const goodCredentials = () => ({ testApi: { apiKey: 'good', baseUrl: base } });

// ---------------------------------------------------------------------------------------------

describe('runNode', () => {
	it('sends the resolved Authorization header and resolves expressions per item', async () => {
		const result = await runNode({
			node,
			credentialTypes,
			credentials: goodCredentials(),
			parameters: { url: `=${base}/echo/{{ $json.p }}`, text: '={{ $json.p.toUpperCase() }}' },
			items: [{ p: 'a' }, { p: 'b' }],
		});

		expect(result.error).toBeUndefined();
		expect(result.items).toEqual([
			{
				json: { path: '/echo/a', authorization: 'Bearer good', body: { text: 'A', index: 0 } },
				pairedItem: { item: 0 },
			},
			{
				json: { path: '/echo/b', authorization: 'Bearer good', body: { text: 'B', index: 1 } },
				pairedItem: { item: 1 },
			},
		]);
		expect(seen.map((r) => [r.method, r.url, r.headers.authorization])).toEqual([
			['POST', '/echo/a', 'Bearer good'],
			['POST', '/echo/b', 'Bearer good'],
		]);
		expect(result.executionData.status).toBe('success');
		expect(Object.keys(result.runData)).toEqual(
			expect.arrayContaining(['Echo HTTP', 'When clicking ‘Execute workflow’']),
		);
	});

	it('turns a failed request into an error item with continueOnFail', async () => {
		const result = await runNode({
			node,
			credentialTypes,
			credentials: goodCredentials(),
			parameters: { url: `=${base}/{{ $json.p }}` },
			items: [{ p: 'echo/ok' }, { p: 'fail' }, { p: 'echo/ok2' }],
			continueOnFail: true,
		});

		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(3);
		expect(result.items[0].json.path).toBe('/echo/ok');
		expect(result.items[1]).toEqual({
			// n8n's NodeApiError wording for an HTTP 500
			json: { error: 'The service was not able to process your request' },
			pairedItem: { item: 1 },
		});
		expect(result.items[2].json.path).toBe('/echo/ok2');
	});

	it("honours onError: 'continueRegularOutput' like continueOnFail", async () => {
		const result = await runNode({
			node,
			credentialTypes,
			credentials: goodCredentials(),
			parameters: { url: `${base}/fail` },
			items: [{}],
			onError: 'continueRegularOutput',
		});
		expect(result.error).toBeUndefined();
		expect(result.items).toEqual([{ json: { error: expect.any(String) }, pairedItem: { item: 0 } }]);
	});

	it('fails the run with the node error when the node does not continue', async () => {
		const result = await runNode({
			node,
			credentialTypes,
			credentials: goodCredentials(),
			parameters: { url: `${base}/fail` },
			items: [{}],
		});
		expect(result.items).toEqual([]);
		expect(result.error).toBeInstanceOf(NodeApiError);
		expect(result.error?.httpCode).toBe('500');
		expect(result.executionData.status).toBe('error');
	});

	it('reports a refused connection as NodeApiError ECONNREFUSED', async () => {
		const result = await runNode({
			node,
			credentialTypes,
			credentials: goodCredentials(),
			parameters: { url: 'http://127.0.0.1:9/nothing-listens-here' },
			items: [{}],
		});
		expect(result.error).toBeInstanceOf(NodeApiError);
		expect(result.error?.httpCode).toBe('ECONNREFUSED');
		expect(result.error?.message).toMatch(/refused the connection/);
	});

	it('fails when the node has no credentials attached', async () => {
		const result = await runNode({
			node,
			credentialTypes,
			credentials: {},
			parameters: { url: `${base}/echo/x` },
			items: [{}],
		});
		expect(result.error?.message).toMatch(/credentials/i);
		expect(seen).toHaveLength(0);
	});
});

describe('streaming', () => {
	it('is off without onChunk', async () => {
		observed.streaming = [];
		await runNode({
			node,
			credentialTypes,
			credentials: goodCredentials(),
			parameters: { url: `${base}/echo/x`, text: 'hi' },
			items: [{}],
		});
		expect(observed.streaming).toEqual([false]);
	});

	it('delivers every sendChunk to onChunk as a StructuredChunk', async () => {
		observed.streaming = [];
		const chunks: StructuredChunk[] = [];
		const result = await runNode({
			node,
			credentialTypes,
			credentials: goodCredentials(),
			parameters: { url: `${base}/echo/x`, text: '={{ $json.t }}' },
			items: [{ t: 'one' }, { t: 'two' }],
			onChunk: (chunk) => {
				chunks.push(chunk);
			},
		});
		expect(result.error).toBeUndefined();
		expect(observed.streaming).toEqual([true]);
		expect(chunks.map((c) => [c.type, c.content, c.metadata.itemIndex])).toEqual([
			['begin', undefined, 0],
			['item', 'chunk:one', 0],
			['end', undefined, 0],
			['begin', undefined, 1],
			['item', 'chunk:two', 1],
			['end', undefined, 1],
		]);
		for (const chunk of chunks) {
			expect(chunk.metadata).toEqual({
				nodeId: expect.any(String),
				nodeName: 'Echo HTTP',
				itemIndex: expect.any(Number),
				runIndex: 0,
				timestamp: expect.any(Number),
			});
		}
	});
});

describe('startNode / cancel', () => {
	it('aborts an in-flight request quickly and fires the execution cancel signal', async () => {
		observed.cancelSignalAborted = undefined;
		const arrived = new Promise<void>((resolve) => (hangArrived = resolve));
		const closed = new Promise<void>((resolve) => (hangClosed = resolve));
		const handle = startNode({
			node,
			credentialTypes,
			credentials: goodCredentials(),
			parameters: { url: `${base}/hang` },
			items: [{}],
		});
		await arrived;
		const cancelledAt = Date.now();
		handle.cancel();
		const result = await handle.result;
		const elapsed = Date.now() - cancelledAt;

		expect(elapsed).toBeLessThan(2000);
		await closed; // the client side really dropped the connection
		expect(observed.cancelSignalPresent).toBe(true);
		expect(observed.cancelSignalAborted).toBe(true);
		expect(result.executionData.status).toBe('canceled');
		expect(result.items).toEqual([]);
	});
});

describe('testCredential', () => {
	it('is OK with a key the server accepts', async () => {
		const r = await testCredential({ credentialType: new TestApi(), data: { apiKey: 'good', baseUrl: base } });
		expect(r).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(seen).toHaveLength(1);
		expect(seen[0].url).toBe('/me');
		expect(seen[0].headers.authorization).toBe('Bearer good');
	});

	it('is Error with a key the server rejects', async () => {
		const r = await testCredential({ credentialType: new TestApi(), data: { apiKey: 'bad', baseUrl: base } });
		expect(r.status).toBe('Error');
		expect(r.message).toMatch(/Unauthorized|401/);
		expect(seen[0].headers.authorization).toBe('Bearer bad');
	});

	it('is Error when nothing listens', async () => {
		const r = await testCredential({
			credentialType: new TestApi(),
			data: { apiKey: 'good', baseUrl: 'http://127.0.0.1:9' },
		});
		expect(r).toEqual({ status: 'Error', message: 'ECONNREFUSED' });
	});
});

describe('searchList', () => {
	it("runs the node's listSearch method with real authenticated requests", async () => {
		const list = await searchList({
			node,
			credentialTypes,
			credentials: goodCredentials(),
			method: 'searchModels',
			filter: 'gpt',
			paginationToken: 'p1',
		});
		expect(list).toEqual({
			results: [
				{ name: 'gpt-4o', value: 'gpt-4o' },
				{ name: 'gpt-4o-mini', value: 'gpt-4o-mini' },
			],
			paginationToken: 'p1+',
		});
		expect(seen).toHaveLength(1);
		expect(seen[0].url).toBe('/models?q=gpt');
		expect(seen[0].headers.authorization).toBe('Bearer good');
	});
});

describe('resolveAuthentication', () => {
	it('applies the generic authenticate block with n8n expressions', async () => {
		const options = await resolveAuthentication(
			new TestApi(),
			{ apiKey: 'k1' },
			{ url: 'http://127.0.0.1/x', method: 'GET' },
		);
		expect(options.headers).toEqual({ Authorization: 'Bearer k1' });
	});
});
