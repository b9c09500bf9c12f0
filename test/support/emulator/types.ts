/** The NanoGPT emulator's types: its options, its handle, faults and what it records (test/support/emulator.ts). */
import type { ChatReply } from '../chatCompletions.ts';

export interface RateLimitConfig {
	/**
	 * Completions admitted per sliding 1 s window (checked after auth, before JSON validation);
	 * requests beyond get 429. Rejected requests do not count toward the window.
	 */
	requestsPerSecond: number;
	/** Retry-After header value for those 429s (default 1). */
	retryAfterSeconds?: number;
}

/**
 * A key's optional daily cap (NanoGPT's Requests per Day or USD per Day): after `requests`
 * completions admitted since the emulator started (or since reset() / setDailyLimit()), every
 * further completion gets 429 with Retry-After = the seconds to the next 00:00 UTC and NanoGPT's
 * documented body `{"error": {"message": "Daily request limit exceeded (N/N). Resets at midnight
 * UTC.", "code", "type": "rate_limit_error"}}`. Checked after auth, before the per-second limit.
 */
export interface DailyLimitConfig {
	/** Completions admitted before the cap answers. */
	requests: number;
	/** Which cap answers (default 'daily_rpd_limit_exceeded'); the USD one says "Daily USD limit exceeded ($N.00/$N.00)". */
	code?: 'daily_rpd_limit_exceeded' | 'daily_usd_limit_exceeded';
}

/**
 * A model of GET /v1/models. In the detailed list a field left undefined gets a default
 * (pricing $1 / $3, 128000 context); null leaves it out of the entry, as NanoGPT may.
 */
/** A provider of a model with provider selection (emulator-side: NanoGPT publishes no quantization). */
export interface ProviderInfo {
	provider: string;
	/** USD per million tokens before NanoGPT's 5% provider-selection markup. */
	prompt: number;
	completion: number;
	quantization: 'int4' | 'fp4' | 'fp6' | 'int8' | 'fp8' | 'fp16' | 'bf16' | 'fp32' | 'unknown';
	available: boolean;
}

export interface ModelInfo {
	id: string;
	/**
	 * The model supports provider selection with these providers (default models: Llama 3.3 70B,
	 * DeepSeek V3, Qwen 2.5 72B). Without: provider choices are ignored, routing suffixes refused.
	 */
	providers?: ProviderInfo[];
	owned_by?: string;
	name?: string | null;
	description?: string;
	context_length?: number | null;
	max_output_tokens?: number | null;
	/** Per million tokens, in `currency` (default 'USD'); a side left undefined is left out. */
	pricing?: { prompt?: number; completion?: number; currency?: string } | null;
}

/**
 * What a strict emulator refuses and a lenient one lets through. The emulator is strict by default,
 * so that a node which drops the base path, sends its key another way or misspells a field fails
 * its tests; a test that needs one of these asks for it.
 */
export interface Leniency {
	/** Also serve the routes at the root, not only under the base path (strict: 404). */
	routesAtRoot?: boolean;
	/** Also accept the key as `X-API-Key: <key>` (strict: only `Authorization: Bearer <key>`, else 401). */
	apiKeyHeader?: boolean;
	/**
	 * Accept completion body fields the spec does not name (strict: 400 'unknown field "<name>"';
	 * documented extensions such as `stream_options` are accepted either way).
	 */
	unknownFields?: boolean;
	/**
	 * Accept any provider ID, any moderation model ID and routing constraints that no provider
	 * meets, billing the model's default price (strict: an unknown ID in `provider` or
	 * `provider.only` gets 400 `provider_unknown_provider`, an unknown moderation model 404
	 * `model_not_found`; constraints no available provider meets get 400 `no_fallback_available`
	 * with `allow_fallbacks: false`, else 503 `all_fallbacks_failed`). Shapes, enums and suffix
	 * conflicts are checked either way.
	 */
	availability?: boolean;
}

/** What the account allows. */
export interface AccountSettings {
	/**
	 * NanoGPT's `subscription.enablePaidModelsApi` (default true). false: a pay-as-you-go request
	 * (billing_mode, a provider choice or a routing suffix on a model with provider selection) gets
	 * 403 `paid_features_disabled` (the refusal's shape is not documented for completions; this is
	 * the one NanoGPT documents for its other paid API features).
	 */
	paidModelsApi?: boolean;
}

export interface EmulatorOptions {
	/** Key accepted as `Authorization: Bearer <key>` (default 'sk-nano-test-key'). */
	apiKey?: string;
	/** Routes are served under it, and only there unless `lenient.routesAtRoot` (default '/api'). */
	basePath?: string;
	/** Strict unless a test asks otherwise (default: all false). */
	lenient?: Leniency;
	/** 0 (default) picks a free port. */
	port?: number;
	/** Delay before each completion response (after auth, rate limit and validation). */
	latencyMs?: number;
	/** Delay between SSE events. */
	chunkDelayMs?: number;
	rateLimit?: RateLimitConfig;
	dailyLimit?: DailyLimitConfig;
	/** Add x_nanogpt_pricing to non-streaming responses and the last stream event (default true). */
	pricing?: boolean;
	/**
	 * x_nanogpt_pricing's shape: 'amount' (default: `{amount, currency, input_cost, ...}`), or 'cost'
	 * as NanoGPT's streaming example has it (`{cost, inputTokens, outputTokens, cacheCost,
	 * paymentSource, billedToTeam, billedTeamId, billedTeamName}`, no amount, no currency).
	 */
	pricingShape?: 'amount' | 'cost';
	/**
	 * Every completion costs this many USD instead of its tokens at the model's prices; null
	 * reports no x_nanogpt_pricing at all (default undefined: priced by tokens).
	 */
	completionCostUsd?: number | null;
	/** Add the documented usage detail fields to usage (see usageDetailsFor; default false). */
	usageDetails?: boolean;
	account?: AccountSettings;
	/**
	 * Where a stream carries usage, when the request has `stream_options: {include_usage: true}`
	 * (no usage in streams without it). Default 'separate-event'.
	 */
	streamUsage?: 'separate-event' | 'final-chunk' | 'none';
	/** Model ids or descriptions for GET /v1/models (default: 8 realistic models). */
	models?: Array<string | ModelInfo>;
	/** SSE line ends (default 'lf'). */
	sseStyle?: 'lf' | 'crlf';
	/** Seed for the stream write splitting and keep-alive comments (default 1). */
	seed?: number;
}

export type FaultShape = 'spec' | 'openai' | 'insufficient' | 'rate-limited' | 'html' | 'text';

export interface StatusFault {
	status: number;
	/**
	 * Default by status: 400 'spec', 402 'insufficient' (`{error: "Insufficient balance",
	 * requiredBalance, status}`, plus `code` when given: with a NanoGPT balance code such as
	 * 'webSearch_balance_required', 'memory_balance_required' or 'both_balance_required' the message
	 * says which feature needs a balance), 429 'rate-limited', 502 and 504 'html', others 'openai'.
	 */
	shape?: FaultShape;
	message?: string;
	code?: string;
	/** Retry-After header: seconds or an HTTP date; null sends none (429 defaults to 1). */
	retryAfter?: number | string | null;
	/** X-Request-ID header value instead of req_<n>; null sends none. */
	requestId?: string | null;
}

export type KindFault = (
	| { kind: 'reset' | 'hang' | 'malformed-json' | 'empty-choices' | 'no-usage' }
	/** On streams, the event after `afterChunks` events (default 2) is cut in half. */
	| { kind: 'reset-mid-body'; afterChunks?: number }
	/** 200 whose text is `bytes` ASCII characters (default 5 MB); streamed as 64 KB events when stream:true. */
	| { kind: 'huge'; bytes?: number }
	| { kind: 'delay'; ms?: number }
	/**
	 * Streaming only (ignored for non-streaming requests). afterChunks (default 2, capped below the
	 * finish event): truncated-stream ends the chunked body cleanly and closes the connection, no
	 * finish/[DONE]; stream-error sends the error event then [DONE]; stream-invalid-json sends half an
	 * event's JSON then [DONE]; stream-stall sends nothing more and keeps the connection open.
	 * On streams, malformed-json acts as stream-invalid-json at 0 and reset-mid-body cuts an event in half.
	 */
	| { kind: 'truncated-stream' | 'stream-error' | 'stream-invalid-json' | 'stream-stall'; afterChunks?: number }
) & { requestId?: string | null };

export type Fault = StatusFault | KindFault;

export interface FaultContext {
	/** The parsed, valid request body. */
	body: CompletionBody;
	/** 1-based count of completion requests with this exact prompt that reached fault selection. */
	attempt: number;
	/** 0-based index of this completion among all that reached fault selection. */
	index: number;
	/** Request headers, lower-case names. */
	headers: Record<string, string | string[] | undefined>;
}

export type FaultRule = (ctx: FaultContext) => Fault | undefined | null;

/*
 * Inline moderation and PII redaction (headers). `moderation: true|1|yes|on` checks the prompt with
 * omni-moderation-latest, `moderation: <model>` (or `moderation: true` with `moderation-model`) with
 * that model (omni-moderation-latest or meta-llama/llama-guard-4-12b; another is 404
 * model_not_found, two different ones 400 conflicting_moderation_model). Each check costs
 * MODERATION_USD (in /v1/usage's cost_usd, not in x_nanogpt_pricing) and its answer carries the
 * x-nanogpt-inline-moderation-model, -flagged and -cost-usd headers. A prompt holding
 * `[[moderation:flag]]` is refused with NanoGPT's 400 content_policy_violation body. A truthy
 * `redaction` (or `redacted`, `piiredaction`, `piiredacted`) header adds REDACTION_USD to the amount;
 * a value that is neither truthy nor falsy is 400.
 */

export interface CompletionBody {
	model: string;
	prompt: string;
	max_tokens?: number;
	stop?: string | string[];
	include_stop_str_in_output?: boolean;
	stream?: boolean;
	stream_options?: { include_usage?: boolean };
	logprobs?: boolean | number;
	[field: string]: unknown;
}

export interface RecordedRequest {
	/** The X-Request-ID sent back (req_<n>, or the fault's requestId). */
	id: string | null;
	method: string;
	path: string;
	query: Record<string, string>;
	headers: Record<string, string | string[] | undefined>;
	/** Parsed JSON, or the raw string when it is not JSON; undefined when empty. */
	body: any;
	/** Epoch ms with sub-ms precision (performance.timeOrigin + performance.now()). */
	startedAt: number;
	/** Status sent, undefined while pending or when no response was sent (reset, hang). */
	status?: number;
	/** The fault applied to this completion, if any. */
	fault?: Fault;
	/** When the response finished or the connection closed. */
	finishedAt?: number;
	/** How an admitted completion was routed and billed (the provider chosen, prices per 1M with markup). */
	routing?: {
		provider?: string;
		prompt: number;
		completion: number;
		searchUsd: number;
		addOnUsd: number;
		moderation?: { model: string; costUsd: number };
		paygo: boolean;
	};
	/**
	 * Streamed responses: the byte length of each write of the body, in order. The emulator splits
	 * events on purpose, sometimes inside a UTF-8 character; what the client reads may be coalesced.
	 */
	writes?: number[];
	/** POST /v1/chat/completions: the assistant message the scripted conversation answered with. */
	reply?: ChatReply;
}

export interface EmulatorStats {
	/** HTTP requests of any route received and not yet answered/closed. */
	inFlight: number;
	maxInFlight: number;
	/** TCP connections accepted. */
	connections: number;
	/** POST /v1/completions received. */
	completions: number;
	/** 429 responses sent. */
	rateLimited: number;
	byStatus: Record<number, number>;
}

export interface Emulator {
	/** e.g. 'http://127.0.0.1:PORT/api' */
	baseUrl: string;
	/** e.g. 'http://127.0.0.1:PORT' */
	origin: string;
	apiKey: string;
	port: number;
	requests: RecordedRequest[];
	stats: EmulatorStats;
	setLatency(ms: number): void;
	setChunkDelay(ms: number): void;
	setRateLimit(cfg: RateLimitConfig | undefined): void;
	setFaultRule(rule: FaultRule | undefined): void;
	/** Sets (or with undefined removes) the key's daily cap, and starts its count again. */
	setDailyLimit(cfg: DailyLimitConfig | undefined): void;
	/** Changes what the account allows until reset(). */
	setAccount(account: AccountSettings): void;
	/** Sets completionCostUsd until reset(). */
	setCompletionCost(usd: number | null | undefined): void;
	/** Clears requests, stats (inFlight stays live), per-prompt attempts, rate window, fault rule, daily cap, account and completion cost changes. */
	reset(): void;
	/** Closes the server and destroys every open socket, hanging requests included. */
	close(): Promise<void>;
}

export interface CompletionText {
	text: string;
	/** Tokens (words with leading whitespace); tokens.join('') === text; one stream event each. */
	tokens: string[];
	finishReason: 'stop' | 'length';
	promptTokens: number;
	completionTokens: number;
	/**
	 * With a [[json:...]] directive: the JSON value the text carries, when it carries one whole
	 * (not for `invalid`, `length`, the first attempt of `invalid-once`, or a text cut by a stop
	 * sequence or max_tokens).
	 */
	json?: unknown;
}

/**
 * How a prompt's `[[json:<shape>]]` or `[[json:<shape>:<key>,<key>,...]]` directive makes the
 * emulator answer with JSON instead of its usual sentence (streamed or not; stop sequences and
 * max_tokens still apply to the text). The value holds the keys asked for, a word each; without
 * keys it is `{id, words, note, nested}` whose `note` string holds `}`, `{`, `[`, quotes and a
 * backslash.
 * - `bare`: a newline, then the value pretty-printed;
 * - `fenced`: a sentence, then the value in a json code fence, then another sentence;
 * - `prose`: the value inside a sentence;
 * - `invalid`: a balanced `{...}` with single quotes and a trailing comma (a valid array inside it);
 * - `invalid-once`: `invalid` for the first attempt of the prompt, `bare` afterwards;
 * - `length`: `bare` cut to half its tokens, with finish_reason `length`.
 */
export type JsonShape = 'bare' | 'fenced' | 'prose' | 'invalid' | 'invalid-once' | 'length';

export interface JsonDirective {
	shape: JsonShape;
	keys?: string[];
}

export interface Directives {
	/** Applied in order, each for `times` attempts (Infinity without `x<k>`). */
	faults: Array<{ fault: Fault; times: number }>;
	latencyMs?: number;
	chunkDelayMs?: number;
}
