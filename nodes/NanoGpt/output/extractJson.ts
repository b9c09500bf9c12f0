/** Where in the completion text the JSON value was found. */
export type JsonSource = 'whole text' | 'code fence' | 'embedded';

export type JsonExtraction = { found: true; value: unknown; source: JsonSource } | { found: false };

const NOT_FOUND: JsonExtraction = { found: false };

function parse(candidate: string): { ok: true; value: unknown } | { ok: false } {
	try {
		return { ok: true, value: JSON.parse(candidate) as unknown };
	} catch {
		return { ok: false };
	}
}

/**
 * The body of the first code fence marked `json` (any case) or not marked at all. A fence opens
 * with three or more backticks and an optional language, and closes at the next run of as many
 * backticks; a fence that never closes (text cut off) yields nothing.
 */
export function firstJsonFence(text: string): string | undefined {
	const opening = /(`{3,})[ \t]*([\w+.-]*)/g;
	for (let open = opening.exec(text); open !== null; open = opening.exec(text)) {
		const [whole, ticks, language] = open;
		const bodyStart = open.index + whole.length;
		const bodyEnd = text.indexOf(ticks, bodyStart);
		if (bodyEnd < 0) return undefined;
		if (language === '' || language.toLowerCase() === 'json') return text.slice(bodyStart, bodyEnd);
		// Another language's fence: the next fence starts after this one closes.
		opening.lastIndex = bodyEnd + ticks.length;
		while (text[opening.lastIndex] === '`') opening.lastIndex++;
	}
	return undefined;
}

/**
 * Where the `{...}` or `[...]` that opens at `start` closes, or -1 when it never closes (the
 * text ends first) and -2 when a bracket of the other kind closes it. Brackets inside JSON
 * strings do not count; a backslash escapes the next character inside a string.
 */
function balancedEnd(text: string, start: number): number {
	const expected: string[] = [];
	let inString = false;
	for (let index = start; index < text.length; index++) {
		const char = text[index];
		if (inString) {
			if (char === '\\') index++;
			else if (char === '"') inString = false;
			continue;
		}
		if (char === '"') inString = true;
		else if (char === '{') expected.push('}');
		else if (char === '[') expected.push(']');
		else if (char === '}' || char === ']') {
			if (expected.pop() !== char) return -2;
			if (expected.length === 0) return index;
		}
	}
	return -1;
}

/**
 * The first balanced `{...}` or `[...]` in the text that is valid JSON. A balanced candidate that
 * does not parse is skipped whole (so a fragment inside broken JSON is never taken for the answer),
 * and an opening bracket that never closes ends the search: everything after it is inside it.
 */
export function firstEmbeddedJson(text: string): { value: unknown } | undefined {
	const opening = /[{[]/g;
	for (let open = opening.exec(text); open !== null; open = opening.exec(text)) {
		const end = balancedEnd(text, open.index);
		if (end === -1) return undefined;
		if (end >= 0) {
			const parsed = parse(text.slice(open.index, end + 1));
			if (parsed.ok) return { value: parsed.value };
			opening.lastIndex = end + 1;
		}
	}
	return undefined;
}

/**
 * Finds the JSON value in a completion text, in this order: the whole text, trimmed; else the
 * first code fence marked json or unmarked; else the first balanced `{...}` or `[...]` that parses.
 * Pure.
 */
export function extractJson(text: string): JsonExtraction {
	const whole = parse(text.trim());
	if (whole.ok) return { found: true, value: whole.value, source: 'whole text' };
	const fence = firstJsonFence(text);
	if (fence !== undefined) {
		const fenced = parse(fence.trim());
		if (fenced.ok) return { found: true, value: fenced.value, source: 'code fence' };
	}
	const embedded = firstEmbeddedJson(text);
	if (embedded) return { found: true, value: embedded.value, source: 'embedded' };
	return NOT_FOUND;
}
