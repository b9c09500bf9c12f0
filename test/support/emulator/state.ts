/**
 * What the emulator's routes share: its settings, what a test may change while it runs (latency,
 * limits, fault rule, account, cost), and what it recorded (requests, counts, totals).
 */
import { DEFAULT_MODELS } from './catalogue.ts';
import type {
	AccountSettings,
	DailyLimitConfig,
	EmulatorOptions,
	EmulatorStats,
	FaultRule,
	Leniency,
	ModelInfo,
	RateLimitConfig,
	RecordedRequest,
} from './types.ts';

export const DEFAULT_KEY = 'sk-nano-test-key';

export interface EmulatorState {
	readonly options: EmulatorOptions;
	readonly apiKey: string;
	/** Without a trailing slash; '' serves the routes at the root. */
	readonly basePath: string;
	readonly lenient: Required<Leniency>;
	readonly pricing: boolean;
	readonly pricingShape: NonNullable<EmulatorOptions['pricingShape']>;
	readonly usageDetails: boolean;
	/** Changed in place by setAccount() and reset(). */
	readonly account: AccountSettings;
	readonly streamUsage: NonNullable<EmulatorOptions['streamUsage']>;
	readonly sseStyle: NonNullable<EmulatorOptions['sseStyle']>;
	readonly seed: number;
	readonly models: ModelInfo[];
	/** The `created` time of every model in the list. */
	readonly created: number;

	latencyMs: number;
	chunkDelayMs: number;
	rateLimit: RateLimitConfig | undefined;
	dailyLimit: DailyLimitConfig | undefined;
	completionCost: number | null | undefined;
	/** Completions this key was admitted "today" (since the start or the last reset or setDailyLimit). */
	admittedToday: number;
	faultRule: FaultRule | undefined;

	readonly requests: RecordedRequest[];
	readonly stats: EmulatorStats;
	readonly totals: { prompt_tokens: number; completion_tokens: number; cost: number };
	/** Completion requests per prompt, so that a fault can hit only the first attempts. */
	readonly attempts: Map<string, number>;
	/** Starts admitted in the last second, for the rate limit. */
	windowStarts: number[];
	completionIndex: number;
	requestCounter: number;
}

export function createState(options: EmulatorOptions): EmulatorState {
	return {
		options,
		apiKey: options.apiKey ?? DEFAULT_KEY,
		basePath: (options.basePath ?? '/api').replace(/\/+$/, ''),
		lenient: { routesAtRoot: false, apiKeyHeader: false, unknownFields: false, availability: false, ...options.lenient },
		pricing: options.pricing ?? true,
		pricingShape: options.pricingShape ?? 'amount',
		usageDetails: options.usageDetails ?? false,
		account: { paidModelsApi: true, ...options.account },
		streamUsage: options.streamUsage ?? 'separate-event',
		sseStyle: options.sseStyle ?? 'lf',
		seed: options.seed ?? 1,
		models: (options.models ?? DEFAULT_MODELS).map((m) => (typeof m === 'string' ? { id: m } : m)),
		created: 1730000000,
		latencyMs: options.latencyMs ?? 0,
		chunkDelayMs: options.chunkDelayMs ?? 0,
		rateLimit: options.rateLimit,
		dailyLimit: options.dailyLimit,
		completionCost: options.completionCostUsd,
		admittedToday: 0,
		faultRule: undefined,
		requests: [],
		stats: { inFlight: 0, maxInFlight: 0, connections: 0, completions: 0, rateLimited: 0, byStatus: {} },
		totals: { prompt_tokens: 0, completion_tokens: 0, cost: 0 },
		attempts: new Map(),
		windowStarts: [],
		completionIndex: 0,
		requestCounter: 0,
	};
}

/** Forgets what was recorded and what tests changed, except latency, chunk delay and the rate limit. */
export function resetState(state: EmulatorState): void {
	state.requests.length = 0;
	Object.assign(state.stats, { maxInFlight: state.stats.inFlight, connections: 0, completions: 0, rateLimited: 0, byStatus: {} });
	Object.assign(state.totals, { prompt_tokens: 0, completion_tokens: 0, cost: 0 });
	state.attempts.clear();
	state.windowStarts = [];
	state.completionIndex = 0;
	state.faultRule = undefined;
	state.dailyLimit = undefined;
	state.completionCost = state.options.completionCostUsd;
	state.admittedToday = 0;
	Object.assign(state.account, { paidModelsApi: true, ...state.options.account });
}
