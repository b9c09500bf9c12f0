import { startEmulator, type Emulator, type EmulatorOptions } from './emulator.ts';

/**
 * The emulator a test file's tests share: started before them, closed after them, and after each
 * test reset (requests, faults, limits) with its latency, chunk delay and rate limit back to the
 * options'. Use it inside tests: it stands for the emulator started for the file.
 */
export function emulatorForFile(options: EmulatorOptions = {}): Emulator {
	let started: Emulator | undefined;
	const current = (): Emulator => {
		if (!started) throw new Error('The emulator starts in beforeAll: use it inside a test or hook');
		return started;
	};
	beforeAll(async () => {
		started = await startEmulator(options);
	});
	afterEach(() => {
		const emulator = current();
		emulator.reset();
		emulator.setLatency(options.latencyMs ?? 0);
		emulator.setChunkDelay(options.chunkDelayMs ?? 0);
		emulator.setRateLimit(options.rateLimit);
	});
	afterAll(async () => await started?.close());
	return new Proxy({} as Emulator, { get: (_target, key) => Reflect.get(current(), key) });
}
