/**
 * The emulator's answers, independent of the transport: the deterministic text for a prompt, the
 * JSON answers of a [[json:...]] directive, logprobs, and the seeded randomness of its streams.
 */
import type { CompletionBody, CompletionText, JsonDirective, JsonShape } from './types.ts';

/** FNV-1a 32-bit hash of a string. */
function hash(s: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < s.length; i++) {
		h ^= s.charCodeAt(i);
		h = Math.imul(h, 0x01000193) >>> 0;
	}
	return h;
}

/** Small seeded PRNG (mulberry32), returns floats in [0, 1). */
export function rngFrom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const WORDS = ['the', 'mug', 'holds', 'warm', 'coffee', 'quietly', 'on', 'a', 'wooden', 'desk', 'near', 'window', 'light', 'steady', 'blue'];
const NON_ASCII = ['café', 'naïve', '☕', '🚀', 'über', 'señor', '日本語', 'crème'];

/** Splits text into tokens, each with its leading whitespace; tokens.join('') === text. */
function tokenize(text: string): string[] {
	return text.match(/\s*\S+|\s+/g) ?? [];
}

/** Number of whitespace-separated words in the prompt, at least 1. */
export function countPromptTokens(prompt: unknown): number {
	return Math.max(1, String(prompt ?? '').split(/\s+/).filter(Boolean).length);
}

/**
 * The text the emulator answers for a request body, independent of the transport. `attempt`: the
 * 1-based count of requests with this prompt (default 1; only [[json:invalid-once]] reads it).
 */
export function completionTextFor(body: Pick<CompletionBody, 'model' | 'prompt'> & Partial<CompletionBody>, attempt = 1): CompletionText {
	const prompt = String(body.prompt ?? '');
	const model = String(body.model ?? '');
	const h = hash(`${model}\n${prompt}`);
	const excerpt = prompt.slice(0, 40).replace(/\s+/g, ' ').trim();
	const filler: string[] = [];
	for (let i = 0; i < 6; i++) {
		const pick = hash(`${h}:${i}`);
		filler.push(i === 3 ? NON_ASCII[pick % NON_ASCII.length] : WORDS[pick % WORDS.length]);
	}
	const jsonDirective = parseJsonDirective(prompt);
	const jsonAnswer = jsonDirective ? jsonAnswerFor(jsonDirective, h, filler, attempt) : undefined;
	let text = jsonAnswer?.text ?? ` Completion ${h % 10000} for "${excerpt}" from ${model}: ${filler.join(' ')}.`;
	let finishReason: CompletionText['finishReason'] = 'stop';

	const stops = (Array.isArray(body.stop) ? body.stop : [body.stop]).filter((s): s is string => typeof s === 'string' && s !== '');
	let cut = -1;
	let cutStop = '';
	for (const s of stops) {
		const at = text.indexOf(s);
		if (at >= 0 && (cut < 0 || at < cut)) [cut, cutStop] = [at, s];
	}
	if (cut >= 0) text = text.slice(0, cut) + (body.include_stop_str_in_output ? cutStop : '');

	let tokens = tokenize(text);
	const maxTokens = body.max_tokens as number;
	if (Number.isInteger(maxTokens) && tokens.length > maxTokens) {
		tokens = tokens.slice(0, maxTokens);
		text = tokens.join('');
		finishReason = 'length';
	}
	if (jsonDirective?.shape === 'length' && finishReason === 'stop') {
		tokens = tokens.slice(0, Math.ceil(tokens.length / 2));
		text = tokens.join('');
		finishReason = 'length';
	}
	const result: CompletionText = { text, tokens, finishReason, promptTokens: countPromptTokens(prompt), completionTokens: tokens.length };
	// The value the text holds, when it holds one whole (not cut by a stop sequence or Max Tokens).
	if (jsonAnswer?.valid && cut < 0 && finishReason === 'stop') result.json = jsonAnswer.value;
	return result;
}

// ---------------------------------------------------------------------------------------------
// JSON answers: [[json:<shape>]] or [[json:<shape>:<key>,<key>,...]] in the prompt

const JSON_SHAPES = new Set<string>(['bare', 'fenced', 'prose', 'invalid', 'invalid-once', 'length']);

/** The prompt's [[json:...]] directive (see JsonShape), or undefined. Keys, when given, are the answer's keys. */
export function parseJsonDirective(prompt: string): JsonDirective | undefined {
	const m = /\[\[json:([a-z-]+)(?::([^\]]*))?\]\]/.exec(String(prompt ?? ''));
	if (!m || !JSON_SHAPES.has(m[1])) return undefined;
	const keys = (m[2] ?? '').split(',').map((key) => key.trim()).filter(Boolean);
	const shape = m[1] as JsonShape;
	return keys.length > 0 ? { shape, keys } : { shape };
}

/**
 * The JSON answer for a directive: the value (the keys asked for with a word each, else an object
 * whose strings hold braces, brackets, quotes and a backslash) and the text that carries it.
 */
function jsonAnswerFor(
	{ shape, keys }: JsonDirective,
	h: number,
	filler: string[],
	attempt: number,
): { value: Record<string, unknown>; valid: boolean; text: string } {
	const value: Record<string, unknown> = keys
		? Object.fromEntries(keys.map((key) => [key, filler[hash(`${h}:${key}`) % filler.length]]))
		: {
				id: h % 10000,
				words: filler,
				note: 'a } and a { and a [ stay "inside" this string, with a \\ too',
				nested: { ok: true, sizes: [1, 2, 3] },
			};
	const pretty = JSON.stringify(value, null, 2);
	// Single quotes and a trailing comma: not JSON, though a valid array sits inside it.
	const pairs = Object.entries(keys ? value : { id: value.id, note: 'not JSON' }).map(([k, v]) => `'${k}': '${v}'`);
	const invalid = ` Sure! {${pairs.join(', ')}, 'tags': ["almost", "json"],} Hope that helps.`;
	switch (shape === 'invalid-once' ? (attempt > 1 ? 'bare' : 'invalid') : shape) {
		case 'bare':
		case 'length':
			return { value, valid: true, text: `\n${pretty}` };
		case 'fenced':
			return { value, valid: true, text: ` Here is the JSON you asked for:\n\n\`\`\`json\n${pretty}\n\`\`\`\n\nAnything else?` };
		case 'prose':
			return { value, valid: true, text: ` Sure. The answer is ${JSON.stringify(value, null, 1)} and nothing more, as requested.` };
		default:
			return { value, valid: false, text: invalid };
	}
}

export function logprobsFor(tokens: string[]) {
	let offset = 0;
	const text_offset = tokens.map((t) => ((offset += t.length), offset - t.length));
	return {
		tokens,
		token_logprobs: tokens.map((t) => -Math.round(1 + (hash(t) % 300)) / 100),
		top_logprobs: null,
		text_offset,
	};
}

