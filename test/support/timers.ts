import { createHook } from 'node:async_hooks';

export interface TrackedTimer {
	_idleTimeout: number;
	_destroyed: boolean;
}

/**
 * Records every timer created while `fn` runs whose delay `delays` accepts; `pending` are those not
 * yet fired or cleared when `fn` is done.
 */
export async function timersCreatedDuring<T>(delays: (ms: number) => boolean, fn: (timers: TrackedTimer[]) => Promise<T>) {
	const timers: TrackedTimer[] = [];
	const hook = createHook({
		init(_id, type, _trigger, resource) {
			const timer = resource as TrackedTimer;
			if (type === 'Timeout' && delays(timer._idleTimeout)) timers.push(timer);
		},
	});
	hook.enable();
	try {
		const result = await fn(timers);
		return { result, timers, pending: timers.filter((timer) => !timer._destroyed) };
	} finally {
		hook.disable();
	}
}

/** Resolves once `condition` holds (checked every 5 ms); rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
	const until = performance.now() + timeoutMs;
	while (!condition()) {
		if (performance.now() > until) throw new Error(`waitFor timed out after ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}
