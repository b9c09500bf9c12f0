/** The emulator's default model catalogue: the models, their prices and, where NanoGPT offers it, their providers. */
import type { ModelInfo, ProviderInfo } from './types.ts';

/**
 * The default models that support provider selection, and their providers: USD per million tokens
 * before NanoGPT's 5% provider-selection markup, the weights' quantization, and whether the
 * provider is available now.
 */
const MODEL_PROVIDERS: Record<string, ProviderInfo[]> = Object.fromEntries(
	Object.entries({
		'meta-llama/llama-3.3-70b-instruct': [
			['deepinfra', 0.23, 0.4, 'fp8'],
			['novita', 0.39, 0.39, 'bf16'],
			['groq', 0.59, 0.79, 'unknown', false],
			['together', 0.88, 0.88, 'fp16'],
			['fireworks', 0.9, 0.9, 'fp16'],
		],
		'deepseek-ai/DeepSeek-V3': [
			['deepinfra', 0.38, 0.89, 'fp8'],
			['novita', 0.4, 1.3, 'fp8'],
			['together', 1.25, 1.25, 'fp8'],
		],
		'qwen/qwen-2.5-72b-instruct': [
			['deepinfra', 0.13, 0.4, 'bf16'],
			['novita', 0.38, 0.4, 'bf16'],
			['together', 1.2, 1.2, 'fp8'],
		],
	} as Record<string, Array<[string, number, number, ProviderInfo['quantization'], boolean?]>>).map(([id, rows]) => [id, rows.map(([provider, prompt, completion, quantization, available = true]) => ({ provider, prompt, completion, quantization, available }))]),
);

/** Default model catalogue; prices are USD per million tokens. */
export const DEFAULT_MODELS: ModelInfo[] = ([
	['chatgpt-4o-latest', 'openai', 'ChatGPT-4o', 128000, 16384, 5, 15],
	['gpt-4o-mini', 'openai', 'GPT-4o mini', 128000, 16384, 0.15, 0.6],
	['claude-3-5-sonnet-20241022', 'anthropic', 'Claude 3.5 Sonnet', 200000, 8192, 3, 15],
	['claude-3-5-haiku-20241022', 'anthropic', 'Claude 3.5 Haiku', 200000, 8192, 0.8, 4],
	['meta-llama/llama-3.3-70b-instruct', 'meta-llama', 'Llama 3.3 70B Instruct', 131072, 8192, 0.23, 0.4],
	['deepseek-ai/DeepSeek-V3', 'deepseek-ai', 'DeepSeek V3', 128000, 8192, 0.38, 0.89],
	['qwen/qwen-2.5-72b-instruct', 'qwen', 'Qwen 2.5 72B Instruct', 131072, 8192, 0.35, 0.4],
	['mistralai/mistral-large', 'mistralai', 'Mistral Large', 128000, 8192, 2, 6],
] as Array<[string, string, string, number, number, number, number]>).map(([id, owned_by, name, context_length, max_output_tokens, prompt, completion]) => ({
	id, owned_by, name, context_length, max_output_tokens, pricing: { prompt, completion },
	...(MODEL_PROVIDERS[id] && { providers: MODEL_PROVIDERS[id] }),
}));
