/**
 * NanoGPT's model suffixes that route a request: a routing preference, tool support or prompt
 * caching. NanoGPT refuses them together, and together with any provider choice.
 */
export type RoutingSuffixKind = 'routing preference' | 'tool support' | 'prompt caching';

/** Each routing suffix NanoGPT reads, with its kind and the suffix it is an alias of. */
const ROUTING_SUFFIXES: Record<string, { kind: RoutingSuffixKind; canonical: string }> = {
	speed: { kind: 'routing preference', canonical: 'speed' },
	fast: { kind: 'routing preference', canonical: 'speed' },
	throughput: { kind: 'routing preference', canonical: 'throughput' },
	latency: { kind: 'routing preference', canonical: 'latency' },
	price: { kind: 'routing preference', canonical: 'price' },
	cheap: { kind: 'routing preference', canonical: 'price' },
	floor: { kind: 'routing preference', canonical: 'price' },
	tools: { kind: 'tool support', canonical: 'tools' },
	caching: { kind: 'prompt caching', canonical: 'caching' },
	cache: { kind: 'prompt caching', canonical: 'caching' },
	cached: { kind: 'prompt caching', canonical: 'caching' },
};

/** A routing suffix (without its colon), case-insensitive as NanoGPT parses it; undefined for any other suffix. Pure. */
export function routingSuffix(suffix: string): { kind: RoutingSuffixKind; canonical: string } | undefined {
	return Object.prototype.hasOwnProperty.call(ROUTING_SUFFIXES, suffix.toLowerCase())
		? ROUTING_SUFFIXES[suffix.toLowerCase()]
		: undefined;
}

/** The suffixes of a model ID as typed, lower case, without their colons: `x:thinking:fast` -> [thinking, fast]. Pure. */
export function suffixesOf(modelId: string): string[] {
	return modelId.split(':').slice(1).map((suffix) => suffix.trim().toLowerCase());
}


/**
 * The model ID sent: the ID as typed (identity suffixes such as `:thinking` stay right after it, as
 * in NanoGPT's examples), then the routing suffix, then web search, then `:reasoning-exclude`. A
 * suffix the typed ID already carries is not added again. Pure.
 */
export function composeModelId(
	typedId: string,
	{ routing, webSearch, hideReasoning }: { routing?: string; webSearch?: string; hideReasoning?: boolean },
): string {
	const typed = suffixesOf(typedId);
	const suffixes: string[] = [];
	const typedRouting = typed.map((suffix) => routingSuffix(suffix)?.canonical);
	if (routing && !typedRouting.includes(routing)) suffixes.push(routing);
	// A typed ID holding ":online" anywhere keeps its own web search, as the node always did.
	if (webSearch && !typedId.includes(':online')) suffixes.push(webSearch);
	if (hideReasoning && !typed.includes('reasoning-exclude')) suffixes.push('reasoning-exclude');
	return [typedId, ...suffixes].join(':');
}
