/**
 * POST /v1/completions: the key, the daily cap and the rate limit, then the spec's validation,
 * routing and billing, the fault chosen for this attempt, and the answer (JSON, or SSE through
 * stream.ts), shaped by that fault.
 */
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import { completionTextFor, countPromptTokens, logprobsFor } from './completionText.ts';
import { FAULT_KINDS, authError, dailyCapResponse, directiveFault, errorResponse, parseDirectives, type AnyFault } from './faults.ts';
import { head, keyOf, now, resetSocket, send, type RequestContext } from './replies.ts';
import { costShapedPricing, moderationHeaders, moderationRefusal, routeRequest, usageDetailsFor, type Price, type Routing, type Usage } from './routing.ts';
import type { EmulatorState } from './state.ts';
import { streamCompletion } from './stream.ts';
import type { CompletionBody, CompletionText, Directives, Fault, FaultContext, ModelInfo, StatusFault } from './types.ts';
import { validationError } from './validation.ts';

const HUGE_DEFAULT_BYTES = 5 * 1024 * 1024;
const HUGE_PIECE = 64 * 1024;

export async function completions(ctx: RequestContext): Promise<void> {
	const { state } = ctx;
	state.stats.completions++;
	if (!keyOf(ctx).valid) return send(ctx, authError('invalid_api_key', 'Invalid API key'));
	if (!admitToLimits(ctx)) return;

	if (ctx.body === undefined) return send(ctx, errorResponse({ status: 400, message: 'Invalid JSON in request body' }));
	const invalid = validationError(ctx.body, !state.lenient.unknownFields);
	if (invalid) return send(ctx, errorResponse({ status: 400, message: invalid }));
	if (!admitRouting(ctx)) return;

	const body = ctx.body;
	const attempt = (state.attempts.get(body.prompt) ?? 0) + 1;
	state.attempts.set(body.prompt, attempt);
	ctx.attempt = attempt;
	const index = state.completionIndex++;
	const directives = parseDirectives(body.prompt);
	const chosen = chooseFault(state, { body, attempt, index, headers: ctx.record.headers }, directives);
	ctx.record.fault = chosen;
	const fault: AnyFault | undefined = chosen;

	const wait = (directives.latencyMs ?? state.latencyMs) + (fault?.kind === 'delay' ? (fault.ms ?? 1000) : 0);
	if (wait > 0) await sleep(wait, undefined, { signal: ctx.signal });
	const chunkDelay = directives.chunkDelayMs ?? state.chunkDelayMs;
	return answer(ctx, body, index, fault, chunkDelay);
}

/** The daily cap, then the per-second rate limit: sends the refusal and returns false, or counts the request in. */
function admitToLimits(ctx: RequestContext): boolean {
	const { state } = ctx;
	const { dailyLimit, rateLimit } = state;
	if (dailyLimit) {
		if (state.admittedToday >= dailyLimit.requests) {
			send(ctx, dailyCapResponse({ code: dailyLimit.code ?? 'daily_rpd_limit_exceeded', limit: dailyLimit.requests }));
			return false;
		}
		state.admittedToday++;
	}
	if (rateLimit) {
		const t = now();
		state.windowStarts = state.windowStarts.filter((s) => t - s < 1000);
		if (state.windowStarts.length >= rateLimit.requestsPerSecond) {
			send(ctx, errorResponse({ status: 429, retryAfter: rateLimit.retryAfterSeconds ?? 1 }));
			return false;
		}
		state.windowStarts.push(t);
	}
	return true;
}

/**
 * Routing, billing mode, moderation and redaction of a valid completion request; sends NanoGPT's
 * refusal and returns false, or keeps what pricing and the answer's headers need on ctx.
 */
function admitRouting(ctx: RequestContext): boolean {
	const { state } = ctx;
	const routed = routeRequest(ctx.body, ctx.record.headers, state.models, state.account, state.lenient.availability);
	if (routed.error) {
		send(ctx, routed.error);
		return false;
	}
	ctx.routing = routed.routing;
	ctx.record.routing = routed.routing;
	const moderation = routed.routing.moderation;
	if (!moderation) return true;
	state.totals.cost += moderation.costUsd;
	if (String(ctx.body.prompt).includes('[[moderation:flag]]')) {
		send(ctx, moderationRefusal(moderation, countPromptTokens(ctx.body.prompt)));
		return false;
	}
	ctx.extraHeaders = moderationHeaders(moderation, false);
	return true;
}

/** The one place that decides faults: the fault rule's answer if it returns one, else the prompt directives' fault for this attempt. */
function chooseFault(state: EmulatorState, faultCtx: FaultContext, directives: Directives): Fault | undefined {
	try {
		return state.faultRule?.(faultCtx) ?? directiveFault(directives.faults, faultCtx.attempt);
	} catch (err: any) {
		return { status: 500, message: `Emulator fault rule threw: ${err?.message ?? err}` };
	}
}

/** Sends the completion response, shaped by the fault if there is one. */
async function answer(ctx: RequestContext, body: any, index: number, fault: AnyFault | undefined, chunkDelay: number): Promise<void> {
	const { state, res } = ctx;
	const kind = fault?.kind;
	const requestIdHeader = { ...(fault?.requestId !== undefined && { 'X-Request-ID': fault.requestId }), ...ctx.extraHeaders };
	if (fault?.requestId !== undefined) ctx.record.id = fault.requestId;
	if (fault && kind === undefined) {
		const r = Number.isInteger(fault.status) ? errorResponse(fault as StatusFault) : errorResponse({ status: 500, message: 'Emulator: fault has neither status nor kind' });
		return send(ctx, { ...r, headers: { ...r.headers, ...requestIdHeader } });
	}
	if (kind !== undefined && !FAULT_KINDS.has(kind)) {
		return send(ctx, errorResponse({ status: 500, message: `Emulator: unknown fault kind '${kind}'` }));
	}
	if (kind === 'reset') return void resetSocket(res);
	if (kind === 'hang') return; // answered never; closed by client abort or emu.close()

	const { completion, usageObj, price, reportsCost } = bill(ctx, body, fault);
	const base = { id: `cmpl-${index + 1}`, object: 'text_completion', created: Math.floor(Date.now() / 1000), model: body.model };
	if (body.stream === true) {
		const includeUsage = state.streamUsage !== 'none' && kind !== 'no-usage' && body.stream_options?.include_usage === true;
		const target = { res, signal: ctx.signal, record: ctx.record, head: (status: number, headers: Record<string, string | null>) => head(ctx, status, headers) };
		const { sseStyle, seed, streamUsage, pricingShape } = state;
		return streamCompletion(target, { sseStyle, seed, streamUsage, pricingShape }, { base, completion, usageObj, price, reportsCost, includeUsage, fault, chunkDelay, index, requestIdHeader });
	}

	const choice = {
		text: completion.text,
		index: 0,
		logprobs: body.logprobs ? logprobsFor(completion.tokens) : null,
		finish_reason: completion.finishReason,
	};
	const response: Record<string, unknown> = { ...base, choices: kind === 'empty-choices' ? [] : [choice] };
	if (kind !== 'no-usage') response.usage = usageObj;
	if (reportsCost) response.x_nanogpt_pricing = state.pricingShape === 'cost' ? costShapedPricing(price, usageObj) : price;
	const json = JSON.stringify(response);
	const headers = { 'Content-Type': 'application/json', ...requestIdHeader };

	if (kind === 'malformed-json') {
		return send(ctx, { status: 200, headers, body: json.slice(0, Math.floor(json.length * 0.6)) });
	}
	if (kind === 'reset-mid-body') {
		const bytes = Buffer.from(json);
		head(ctx, 200, { ...headers, 'Content-Length': String(bytes.length) });
		res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
		await tick();
		return void res.socket?.destroy(); // FIN, so the client reads headers and the partial body first
	}
	return send(ctx, { status: 200, headers, body: json });
}

/** The completion's text, usage and price, added to the key's totals. */
function bill(ctx: RequestContext, body: any, fault: AnyFault | undefined) {
	const { state } = ctx;
	const completion = fault?.kind === 'huge' ? hugeCompletion(body, fault?.bytes ?? HUGE_DEFAULT_BYTES) : completionTextFor(body, ctx.attempt);
	const usageObj: Usage = {
		prompt_tokens: completion.promptTokens,
		completion_tokens: completion.completionTokens,
		total_tokens: completion.promptTokens + completion.completionTokens,
	};
	if (state.usageDetails) Object.assign(usageObj, usageDetailsFor(body, usageObj.prompt_tokens, usageObj.completion_tokens));
	const price = pricingFor(state.models, body.model, usageObj, ctx.routing);
	if (typeof state.completionCost === 'number') price.amount = state.completionCost;
	const reportsCost = state.pricing && state.completionCost !== null;
	state.totals.prompt_tokens += usageObj.prompt_tokens;
	state.totals.completion_tokens += usageObj.completion_tokens;
	state.totals.cost += price.amount;
	return { completion, usageObj, price, reportsCost };
}

function hugeCompletion(body: CompletionBody, bytes: number): CompletionText {
	const unit = 'lorem ipsum dolor sit amet '; // ASCII: text.length === bytes
	const text = unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
	const tokens: string[] = [];
	for (let i = 0; i < text.length; i += HUGE_PIECE) tokens.push(text.slice(i, i + HUGE_PIECE));
	return { text, tokens, finishReason: 'length', promptTokens: countPromptTokens(body.prompt), completionTokens: Math.ceil(bytes / 4) };
}

/** The answer's cost: the routed provider's prices (default: the model's), web search and add-ons per request. */
function pricingFor(models: ModelInfo[], model: string, u: Usage, routing: Routing | undefined): Price {
	const [baseId] = String(model).split(':');
	const m = models.find((x) => x.id === baseId);
	const p = routing ?? { prompt: m?.pricing?.prompt ?? 1, completion: m?.pricing?.completion ?? 3 };
	const search = (routing?.searchUsd ?? 0) + (routing?.addOnUsd ?? 0);
	const inputCost = (u.prompt_tokens * p.prompt) / 1e6;
	const outputCost = (u.completion_tokens * p.completion) / 1e6;
	const round = (x: number) => Math.round(x * 1e10) / 1e10;
	const addOn = routing?.addOnUsd ? { pii_redaction_cost: routing.addOnUsd } : {};
	return { amount: round(inputCost + outputCost + search), currency: 'USD', input_cost: round(inputCost), output_cost: round(outputCost), web_search_cost: routing?.searchUsd ?? 0, ...addOn };
}
