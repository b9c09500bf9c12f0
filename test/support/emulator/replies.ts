/** What one request's handling carries, and the writers every route answers with. */
import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Answer } from './faults.ts';
import type { Routing } from './routing.ts';
import type { EmulatorState } from './state.ts';
import type { RecordedRequest } from './types.ts';

export const now = () => performance.timeOrigin + performance.now();

/** What one request's handling carries from route to route. */
export interface RequestContext {
	state: EmulatorState;
	req: http.IncomingMessage;
	res: http.ServerResponse;
	record: RecordedRequest;
	url: URL;
	signal: AbortSignal;
	/** The parsed JSON body (any shape: the routes validate it), undefined when empty or not JSON. */
	body: any;
	attempt?: number;
	routing?: Routing;
	extraHeaders?: Record<string, string>;
}

/** Writes the status line and headers, and counts the status. */
export function head(ctx: RequestContext, status: number, headers: Record<string, string | null>): void {
	const { stats } = ctx.state;
	ctx.record.status = status;
	stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
	if (status === 429) stats.rateLimited++;
	const { 'X-Request-ID': requestId = ctx.record.id, ...rest } = headers; // null: send none
	const sent = rest as Record<string, string>; // only X-Request-ID may be null
	ctx.res.writeHead(status, requestId === null ? sent : { 'X-Request-ID': requestId, ...sent });
}

export function send(ctx: RequestContext, { status, headers, body }: Answer): void {
	head(ctx, status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
	ctx.res.end(body);
}

export const sendJson = (ctx: RequestContext, status: number, value: unknown) =>
	send(ctx, { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });

/** The spec's one scheme, `Authorization: Bearer <key>`; `X-API-Key` only when asked to be lenient. */
export function keyOf({ state, req }: RequestContext): { present: boolean; valid: boolean } {
	const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
	const candidates = [bearer?.[1]?.trim(), state.lenient.apiKeyHeader ? req.headers['x-api-key'] : undefined].filter(Boolean);
	return { present: candidates.length > 0, valid: candidates.includes(state.apiKey) };
}

/** Drops the connection with a TCP RST (like a real reset), not a clean FIN. */
export function resetSocket(res: http.ServerResponse): void {
	const socket = res.socket;
	if (!socket || socket.destroyed) return;
	if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
	else socket.destroy();
}
