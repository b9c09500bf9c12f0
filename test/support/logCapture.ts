import path from 'node:path';

const n8nCoreDir = path.dirname(require.resolve('n8n-core/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromCore = (id: string) => require(require.resolve(id, { paths: [n8nCoreDir] }));

export interface LoggedEntry {
	level: unknown;
	message: unknown;
	metadata: unknown;
}

/**
 * Captures everything n8n's Logger logs (root and scoped loggers, and so `this.logger` in a node)
 * into `entries`, whatever the configured level, until `restore()`.
 */
export function captureN8nLogs(entries: LoggedEntry[] = []): { entries: LoggedEntry[]; restore: () => void } {
	const { Logger } = requireFromCore('@n8n/backend-common');
	const proto = Logger.prototype as { log: (...args: unknown[]) => void };
	const original = proto.log;
	proto.log = function capture(level: unknown, message: unknown, metadata: unknown) {
		entries.push({ level, message, metadata });
	};
	return {
		entries,
		restore: () => {
			proto.log = original;
		},
	};
}
