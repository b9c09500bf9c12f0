import { createHash } from 'crypto';
import type { CompletionRequestBody } from '../transport/completionApi';

/** JSON with object keys sorted, so that equal bodies give equal text whatever the key order. */
function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (typeof value === 'object' && value !== null) {
		const entries = Object.keys(value)
			.sort()
			.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
		return `{${entries.join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}

/**
 * A short fingerprint of a request: its body and the headers its options set (two items that
 * differ in Moderation, say, are different requests). A hash, not a copy of the prompt. Pure.
 */
export function requestFingerprint(body: CompletionRequestBody, headers: Record<string, string> = {}): string {
	const lowerCased = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
	return createHash('sha256').update(canonicalJson({ body, headers: lowerCased })).digest('base64');
}

/** What decides a job's answer: its final request, and how the answer is handled. */
interface AnswerInputs {
	body: CompletionRequestBody;
	/** The headers its options set (Moderation, PII Redaction). */
	headers?: Record<string, string>;
	output?: { jsonOutput: boolean; jsonRetries: number };
}

/**
 * The fingerprint of what decides a job's answer: its final request (body and headers), plus Output
 * Content as JSON, which decides whether the answer fails the item and how often it is sent again.
 * Jobs with the same fingerprint may share one answer. Pure.
 */
export function answerFingerprint(job: AnswerInputs): string {
	const handling = job.output?.jsonOutput ? ` json ${job.output.jsonRetries}` : '';
	return requestFingerprint(job.body, job.headers) + handling;
}

/**
 * Splits jobs into those to send and those that reuse an earlier job's request: the first job of
 * each identical final request (body and headers) is sent; `reusers` maps its item index to the
 * jobs that reuse it. Jobs share a request only when they also handle its answer alike (answerFingerprint). Only one
 * fingerprint per distinct request is kept; `fingerprintOf` gives a job's when the caller has it. Pure.
 */
export function groupIdenticalRequests<Job extends AnswerInputs & { itemIndex: number }>(
	jobs: Job[],
	fingerprintOf: (job: Job) => string = answerFingerprint,
): { toSend: Job[]; reusers: Map<number, Job[]> } {
	const firstByFingerprint = new Map<string, number>();
	const toSend: Job[] = [];
	const reusers = new Map<number, Job[]>();
	for (const job of jobs) {
		const fingerprint = fingerprintOf(job);
		const source = firstByFingerprint.get(fingerprint);
		if (source === undefined) {
			firstByFingerprint.set(fingerprint, job.itemIndex);
			toSend.push(job);
			continue;
		}
		const list = reusers.get(source);
		if (list) list.push(job);
		else reusers.set(source, [job]);
	}
	return { toSend, reusers };
}
