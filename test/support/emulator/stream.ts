/**
 * The emulator's streaming writer: a completion as SSE events, written the way real servers split
 * them (keep-alive comments, events cut in two writes, sometimes inside a UTF-8 character), with
 * usage and pricing where the options put them, and the stream faults (cut, stalled, failing,
 * invalid JSON, reset mid-event).
 */
import type http from 'node:http';
import { once } from 'node:events';
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import { rngFrom } from './completionText.ts';
import { STREAM_CUT_KINDS, type AnyFault } from './faults.ts';
import { costShapedPricing, type Price, type Usage } from './routing.ts';
import type { CompletionText, EmulatorOptions, RecordedRequest } from './types.ts';

/** Where the stream goes: the response, its abort signal, the request's record and its status-counting head(). */
export interface StreamTarget {
	res: http.ServerResponse;
	signal: AbortSignal;
	record: RecordedRequest;
	head(status: number, headers: Record<string, string | null>): void;
}

/** The emulator's options that shape every stream. */
export interface StreamSettings {
	sseStyle: NonNullable<EmulatorOptions['sseStyle']>;
	seed: number;
	streamUsage: NonNullable<EmulatorOptions['streamUsage']>;
	pricingShape: NonNullable<EmulatorOptions['pricingShape']>;
}

/** One completion's stream: the answer, what it reports, and the fault that shapes it. */
export interface StreamParts {
	base: Record<string, unknown>;
	completion: CompletionText;
	usageObj: Usage;
	price: Price;
	reportsCost: boolean;
	includeUsage: boolean;
	fault: AnyFault | undefined;
	chunkDelay: number;
	index: number;
	requestIdHeader: Record<string, string | null>;
}

const abortError = () => Object.assign(new Error('aborted'), { name: 'AbortError' });

/** Writes the completion as SSE, cut short as the fault says. */
export async function streamCompletion(
	{ res, signal, record, head }: StreamTarget,
	{ sseStyle, seed, streamUsage, pricingShape }: StreamSettings,
	{ base, completion, usageObj, price, reportsCost, includeUsage, fault, chunkDelay, index, requestIdHeader }: StreamParts,
): Promise<void> {
	const kind = fault?.kind;
	const eol = sseStyle === 'crlf' ? '\r\n' : '\n';
	const writes: number[] = [];
	record.writes = writes;
	const rng = rngFrom(seed * 7919 + index);
	head(200, {
		'Content-Type': 'text/event-stream; charset=utf-8',
		'Cache-Control': 'no-cache',
		...(kind === 'truncated-stream' ? { Connection: 'close' } : {}),
		...requestIdHeader,
	});

	async function write(data: string | Buffer) {
		if (signal.aborted || res.destroyed) throw abortError();
		writes.push(Buffer.byteLength(data));
		if (!res.write(data)) await once(res, 'drain', { signal });
	}
	/** One SSE event, sometimes preceded by a keep-alive comment, often split in two writes. */
	async function writeEvent(data: string) {
		if (rng() < 0.2) await write(`: keep-alive${eol}${eol}`);
		const bytes = Buffer.from(`data: ${data}${eol}${eol}`);
		if (rng() < 0.6) {
			const at = splitPoint(bytes, rng);
			await write(bytes.subarray(0, at));
			await tick();
			await write(bytes.subarray(at));
		} else await write(bytes);
	}
	const pause = () => (chunkDelay > 0 ? sleep(chunkDelay, undefined, { signal }) : tick());

	const pieces = completion.tokens.length > 0 ? completion.tokens : [''];
	let events: any[] = pieces.map((text, i) => ({
		...base,
		choices: [{ text, index: 0, logprobs: null, finish_reason: i === pieces.length - 1 ? completion.finishReason : null }],
	}));
	if (kind === 'empty-choices') events = [{ ...base, choices: [] }];
	if (includeUsage && streamUsage === 'final-chunk') events[events.length - 1].usage = usageObj;
	if (includeUsage && streamUsage === 'separate-event') events.push({ ...base, choices: [], usage: usageObj });
	if (reportsCost) events[events.length - 1].x_nanogpt_pricing = pricingShape === 'cost' ? costShapedPricing(price, usageObj) : price;

	const cutKind = kind === 'malformed-json' ? 'stream-invalid-json' : (kind ?? '');
	const cut = STREAM_CUT_KINDS.has(cutKind) || kind === 'reset-mid-body'
		? Math.max(0, Math.min(fault?.afterChunks ?? (kind === 'malformed-json' ? 0 : 2), pieces.length - 1))
		: events.length;
	for (let i = 0; i < cut; i++) {
		if (i > 0) await pause();
		await writeEvent(JSON.stringify(events[i]));
	}
	if (cut > 0) await pause();

	switch (cutKind) {
		case 'truncated-stream':
			return void res.end(); // Connection: close, so the socket closes too
		case 'stream-stall':
			return; // keep the connection open, send nothing more
		case 'reset-mid-body': {
			const partial = `data: ${JSON.stringify(events[cut])}`;
			await write(partial.slice(0, Math.floor(partial.length / 2)));
			await tick();
			return void res.socket?.destroy();
		}
		case 'stream-error':
			await writeEvent(JSON.stringify({
				...base,
				choices: [{ text: '', index: 0, finish_reason: 'error' }],
				error: { status: 500, message: 'Upstream provider failed', code: 'upstream_error' },
			}));
			break;
		case 'stream-invalid-json': {
			const json = JSON.stringify(events[cut]);
			await writeEvent(json.slice(0, Math.floor(json.length / 2)));
			break;
		}
	}
	await writeEvent('[DONE]');
	res.end();
}

/** Picks a split offset inside an SSE event, sometimes inside a multi-byte UTF-8 character. */
function splitPoint(bytes: Buffer, rng: () => number): number {
	const leads: number[] = [];
	for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0xc0) leads.push(i);
	if (leads.length > 0 && rng() < 0.5) return leads[Math.floor(rng() * leads.length)] + 1;
	return 1 + Math.floor(rng() * (bytes.length - 1));
}
