/**
 * NanoGPT emulator: a real HTTP server on 127.0.0.1 that answers like NanoGPT's
 * POST /v1/completions (plus GET /v1/models, GET /v1/usage, GET /models/{id}/providers and, for chat
 * models in agent tests, POST /v1/chat/completions: test/support/chatCompletions.ts), with
 * injectable faults.
 *
 * Strict by default, like the spec: routes only under the base path (/api), the key only as
 * `Authorization: Bearer`, no body field the spec does not name (documented extensions aside).
 * Provider routing, routing suffixes, billing mode and the moderation and redaction headers are
 * refused the way NanoGPT's docs say it refuses them.
 * A test that needs more asks for it with `lenient` (see Leniency in emulator/types.ts).
 *
 * Used by jest tests, the benchmark, the demo and the e2e scripts. This file is the server (each
 * request recorded, the handle tests drive it with) and the CLI; emulator/ holds the rest: the route
 * table (routes.ts), the completions route (completions.ts), what the routes share (state.ts) and
 * answer with (replies.ts), the streaming writer (stream.ts), the one fault table (faults.ts), the
 * answers' text (completionText.ts), spec validation (validation.ts), routing and billing
 * (routing.ts), the default models (catalogue.ts) and the types (types.ts).
 * CLI: node test/support/emulator.ts [--port N] [--key K] [--latency MS] [--chunk-delay MS]
 *      [--rate-limit RPS] [--base-path P] [--seed N] [--sse-style lf|crlf]
 *      [--lenient routesAtRoot,apiKeyHeader,unknownFields,availability]
 * prints one JSON line {"baseUrl","origin","apiKey"} on stdout and runs until SIGTERM/SIGINT.
 */

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { errorResponse } from './emulator/faults.ts';
import { now, send, type RequestContext } from './emulator/replies.ts';
import { route } from './emulator/routes.ts';
import { createState, resetState, type EmulatorState } from './emulator/state.ts';
import type { Emulator, EmulatorOptions, RecordedRequest } from './emulator/types.ts';
import { validator } from './emulator/validation.ts';

export type * from './emulator/types.ts';
export { DEFAULT_MODELS } from './emulator/catalogue.ts';
export { completionTextFor, parseJsonDirective } from './emulator/completionText.ts';
export { parseDirectives } from './emulator/faults.ts';
export { SPEC_PATH } from './emulator/validation.ts';
export { MODERATION_USD, PROVIDER_MARKUP, REDACTION_USD, WEB_SEARCH_PRICES, usageDetailsFor } from './emulator/routing.ts';

/** Starts an emulator on 127.0.0.1 (options and handle: emulator/types.ts). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
	const state = createState(options);
	validator(!state.lenient.unknownFields); // compile the spec schema now rather than on the first request
	const sockets = new Set<Socket>();
	const open = new Map<http.ServerResponse, AbortController>(); // responses not yet closed

	const server = http.createServer({ keepAlive: true }, (req, res) => handle(state, origin, open, req, res));
	server.on('connection', (socket) => {
		state.stats.connections++;
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	server.listen(options.port ?? 0, '127.0.0.1');
	await once(server, 'listening');
	const { port } = server.address() as AddressInfo;
	const origin = `http://127.0.0.1:${port}`;

	async function close() {
		const closed = server.listening ? once(server, 'close') : Promise.resolve();
		const responsesClosed = [...open.keys()].map((res) => once(res, 'close'));
		server.close();
		for (const controller of open.values()) controller.abort();
		for (const socket of sockets) socket.destroy();
		server.closeAllConnections();
		await Promise.all([closed, ...responsesClosed]);
	}
	return { baseUrl: `${origin}${state.basePath}`, origin, apiKey: state.apiKey, port, ...controls(state), close };
}

/** One request: recorded and counted in flight until its response closes, then routed. */
async function handle(
	state: EmulatorState,
	origin: string,
	open: Map<http.ServerResponse, AbortController>,
	req: http.IncomingMessage,
	res: http.ServerResponse,
) {
	const { stats } = state;
	const url = new URL(req.url ?? '/', origin);
	const record: RecordedRequest = {
		id: `req_${++state.requestCounter}`,
		method: req.method as string,
		path: url.pathname,
		query: Object.fromEntries(url.searchParams),
		headers: { ...req.headers },
		body: undefined,
		startedAt: now(),
		status: undefined,
		fault: undefined,
		finishedAt: undefined,
	};
	state.requests.push(record);
	stats.inFlight++;
	stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
	const controller = new AbortController();
	open.set(res, controller);
	res.once('close', () => {
		stats.inFlight--;
		record.finishedAt = now();
		open.delete(res);
		controller.abort();
	});
	const ctx: RequestContext = { state, req, res, record, url, signal: controller.signal, body: undefined };
	try {
		await route(ctx);
	} catch (err: any) {
		if (err?.name === 'AbortError' || res.destroyed) return; // client went away or emu.close()
		process.stderr.write(`emulator: ${err?.stack ?? err}\n`);
		if (!res.headersSent) send(ctx, errorResponse({ status: 500, message: `Emulator error: ${err?.message}` }));
		else res.destroy();
	}
}

/** What a test reads and changes while the emulator runs. */
function controls(state: EmulatorState): Omit<Emulator, 'baseUrl' | 'origin' | 'apiKey' | 'port' | 'close'> {
	return {
		requests: state.requests,
		stats: state.stats,
		setLatency(ms) {
			state.latencyMs = ms;
		},
		setChunkDelay(ms) {
			state.chunkDelayMs = ms;
		},
		setRateLimit(cfg) {
			state.rateLimit = cfg;
			state.windowStarts = [];
		},
		setFaultRule(rule) {
			state.faultRule = rule;
		},
		setDailyLimit(cfg) {
			state.dailyLimit = cfg;
			state.admittedToday = 0;
		},
		setAccount(cfg) {
			Object.assign(state.account, cfg);
		},
		setCompletionCost(usd) {
			state.completionCost = usd;
		},
		reset() {
			resetState(state);
		},
	};
}

// ---------------------------------------------------------------------------------------------
// CLI

async function main(argv: string[]) {
	const args: Record<string, string> = {};
	for (let i = 0; i < argv.length; i++) {
		const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
		if (!m) throw new Error(`emulator: unexpected argument ${argv[i]}`);
		args[m[1]] = m[2] ?? argv[++i];
	}
	const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
	const emu = await startEmulator({
		port: num(args.port),
		apiKey: args.key,
		latencyMs: num(args.latency),
		chunkDelayMs: num(args['chunk-delay']),
		rateLimit: args['rate-limit'] ? { requestsPerSecond: Number(args['rate-limit']), retryAfterSeconds: 1 } : undefined,
		basePath: args['base-path'],
		seed: num(args.seed),
		sseStyle: args['sse-style'] as EmulatorOptions['sseStyle'],
		lenient: args.lenient === undefined ? undefined : Object.fromEntries(args.lenient.split(',').map((what) => [what, true])),
	});
	process.stdout.write(`${JSON.stringify({ baseUrl: emu.baseUrl, origin: emu.origin, apiKey: emu.apiKey })}\n`);
	const stop = () => emu.close().then(() => process.exit(0));
	process.once('SIGTERM', stop);
	process.once('SIGINT', stop);
}

if (import.meta.main) {
	main(process.argv.slice(2)).catch((err) => {
		process.stderr.write(`${err?.stack ?? err}\n`);
		process.exit(1);
	});
}
