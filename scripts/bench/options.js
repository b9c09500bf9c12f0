'use strict';
// The command line of `npm run bench` (the options are listed at the top of scripts/bench.js).

function parseArgs(argv) {
	const args = {
		items: 1000, latency: 100, concurrency: '1,4,16,32', helper: '16', repeat: 1, quick: false, quickItems: 200, rateItems: 400,
		burstItems: 150, cpuItems: 10000, realLatencies: '100,1000,2000,6000,20000', realItems: 740, memoryItems: 2000, sharedItems: 1200,
		sharedRuns: '2,4,8', sharedGap: 3000, sharedTail: 20,
		sections: '1,2,3,4', write: false, json: undefined,
	};
	const names = {
		items: 'items', latency: 'latency', concurrency: 'concurrency', helper: 'helper', repeat: 'repeat', 'quick-items': 'quickItems',
		'rate-items': 'rateItems', 'burst-items': 'burstItems', 'cpu-items': 'cpuItems', 'real-latencies': 'realLatencies',
		'real-items': 'realItems', 'memory-items': 'memoryItems', 'shared-items': 'sharedItems', 'shared-runs': 'sharedRuns',
		'shared-gap': 'sharedGap', 'shared-tail': 'sharedTail', sections: 'sections', json: 'json', report: 'report',
	};
	for (let i = 0; i < argv.length; i++) {
		const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
		if (!m) throw new Error(`bench: unexpected argument ${argv[i]}`);
		if (m[1] === 'quick' || m[1] === 'write') {
			args[m[1]] = true;
			continue;
		}
		const key = names[m[1]];
		if (!key) throw new Error(`bench: unknown option --${m[1]}`);
		args[key] = m[2] ?? argv[++i];
	}
	const int = (v, name) => {
		const n = Number(v);
		if (!Number.isInteger(n) || n < 0) throw new Error(`bench: --${name} must be a whole number, got ${v}`);
		return n;
	};
	return {
		items: int(args.items, 'items'),
		latencyMs: int(args.latency, 'latency'),
		concurrencies: String(args.concurrency).split(',').map((c) => int(c, 'concurrency')),
		helperConcurrencies: args.helper === 'none' ? [] : String(args.helper).split(',').map((c) => int(c, 'helper')),
		repeat: Math.max(1, int(args.repeat, 'repeat')),
		quick: args.quick,
		quickItems: int(args.quickItems, 'quick-items'),
		rateItems: int(args.rateItems, 'rate-items'),
		burstItems: int(args.burstItems, 'burst-items'),
		cpuItems: int(args.cpuItems, 'cpu-items'),
		realLatencies: args.realLatencies === 'none' ? [] : String(args.realLatencies).split(',').map((l) => int(l, 'real-latencies')),
		realItems: int(args.realItems, 'real-items'),
		memoryItems: int(args.memoryItems, 'memory-items'),
		sharedItems: int(args.sharedItems, 'shared-items'),
		sharedRuns: args.sharedRuns === 'none' ? [] : String(args.sharedRuns).split(',').map((n) => int(n, 'shared-runs')),
		sharedGapMs: int(args.sharedGap, 'shared-gap'),
		sharedTailSeconds: int(args.sharedTail, 'shared-tail'),
		sections: String(args.sections).split(',').map((n) => int(n, 'sections')),
		write: args.write,
		json: args.json,
		report: args.report,
		argsText: argv.filter((a, i) => a !== '--write' && !a.startsWith('--json') && argv[i - 1] !== '--json').join(' '),
	};
}

module.exports = { parseArgs };
