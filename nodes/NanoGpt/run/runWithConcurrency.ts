/** Runs `task` for every entry with at most `concurrency` running at once, in input order of start. */
export async function runWithConcurrency<T>(
	entries: readonly T[],
	concurrency: number,
	task: (entry: T) => Promise<void>,
): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < entries.length) {
			const entry = entries[next++];
			await task(entry);
		}
	};
	const workers = Array.from({ length: Math.min(concurrency, entries.length) }, worker);
	await Promise.all(workers);
}
