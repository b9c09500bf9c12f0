'use strict';
// The README's benchmark plots (SVG), rendered from the measurements.
const { TARGETS, RUN_NAMES } = require('./figures');
const { f1 } = require('./format');

function renderChart(results) {
	const rows = results.scaling;
	const W = 640;
	const H = 300;
	const left = 56;
	const right = 16;
	const top = 40;
	const bottom = 56;
	const plotW = W - left - right;
	const plotH = H - top - bottom;
	const series = [
		{ name: 'Ideal N·L/C', color: '#c7c7c7', value: (r) => r.items / (r.floorMs / 1000) },
		{ name: 'undici Pool', color: '#6b8fb8', value: (r) => r.items / (r.pool.wallMs / 1000) },
		{ name: 'NanoGPT node in n8n', color: '#2f9e6e', value: (r) => r.items / (r.node.wallMs / 1000) },
	];
	const max = Math.max(...rows.flatMap((r) => series.map((s) => s.value(r))));
	const step = [10, 20, 25, 50, 100, 200, 250, 500, 1000].find((s) => max / s <= 6) ?? 1000;
	const yMax = Math.ceil(max / step) * step;
	const y = (v) => top + plotH - (v / yMax) * plotH;
	const groupW = plotW / rows.length;
	const barW = Math.min(36, (groupW * 0.75) / series.length);
	const parts = [];
	parts.push(
		`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
	);
	parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
	parts.push(
		`<text x="${left}" y="22" font-size="14" font-weight="600" fill="#222">Items per second, ${results.config.latencyMs} ms latency, rate cap off</text>`,
	);
	for (let v = 0; v <= yMax; v += step) {
		parts.push(`<line x1="${left}" x2="${W - right}" y1="${y(v)}" y2="${y(v)}" stroke="#e6e6e6"/>`);
		parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${v}</text>`);
	}
	rows.forEach((r, g) => {
		const x0 = left + g * groupW + (groupW - barW * series.length) / 2;
		series.forEach((s, k) => {
			const v = s.value(r);
			parts.push(
				`<rect x="${(x0 + k * barW).toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(top + plotH - y(v)).toFixed(1)}" fill="${s.color}"><title>${s.name}, C=${r.concurrency}: ${v.toFixed(1)} items/s</title></rect>`,
			);
			parts.push(
				`<text x="${(x0 + k * barW + (barW - 2) / 2).toFixed(1)}" y="${(y(v) - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#444">${Math.round(v)}</text>`,
			);
		});
		parts.push(
			`<text x="${(left + g * groupW + groupW / 2).toFixed(1)}" y="${top + plotH + 18}" text-anchor="middle" fill="#333">C = ${r.concurrency}${r.scaledDown ? ` (N=${r.items})` : ''}</text>`,
		);
	});
	parts.push(`<line x1="${left}" x2="${W - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#999"/>`);
	let lx = left;
	for (const s of series) {
		parts.push(`<rect x="${lx}" y="${H - 20}" width="12" height="12" fill="${s.color}"/>`);
		parts.push(`<text x="${lx + 16}" y="${H - 10}" fill="#333">${s.name}</text>`);
		lx += 28 + s.name.length * 6.5;
	}
	parts.push('</svg>');
	return `${parts.join('\n')}\n`;
}

/** The row of runs on one key that the sharing chart shows: 4 runs, staggered when that ran. */
function sharingChartRow(results) {
	const rows = results.real?.shared ?? [];
	return rows.find((row) => row.runs === 4 && row.gapMs > 0) ?? rows.find((row) => row.runs === 4);
}

/** Requests admitted per second of each run over time, for one row of runs on one key. */
function renderSharingChart(row) {
	const { ratesOverTime } = require('../../test/support/sharedKey.ts');
	const runs = row.runResults.map((r) => ({ admitted: row.emulator.perPrefix[r.prefix]?.okTimes ?? [], rejected: [] }));
	const all = runs.flatMap((r) => r.admitted);
	const from = Math.min(...all);
	const to = Math.max(...all) + 1;
	const { times, rates } = ratesOverTime(runs, { from, to, stepMs: 1000 });
	const totals = times.map((_, k) => rates.reduce((sum, series) => sum + series[k], 0));
	const W = 640;
	const H = 320;
	const left = 44;
	const right = 16;
	const top = 40;
	const bottom = 64;
	const plotW = W - left - right;
	const plotH = H - top - bottom;
	const yMax = 30;
	const xMax = Math.ceil(times[times.length - 1] / 10_000) * 10;
	const x = (ms) => left + (ms / 1000 / xMax) * plotW;
	const y = (v) => top + plotH - (Math.min(v, yMax) / yMax) * plotH;
	const colors = ['#2f9e6e', '#6b8fb8', '#d98b2b', '#a05eb5', '#c44e52', '#8c8c3a', '#4bacc6', '#7f7f7f'];
	const parts = [];
	parts.push(
		`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
	);
	parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
	parts.push(
		`<text x="${left}" y="22" font-size="14" font-weight="600" fill="#222">Requests admitted per second: ${row.runs} runs on one key, ${row.gapMs ? `started ${f1(row.gapMs / 1000)} s apart` : 'started together'}</text>`,
	);
	for (let v = 0; v <= yMax; v += 5) {
		parts.push(`<line x1="${left}" x2="${W - right}" y1="${y(v)}" y2="${y(v)}" stroke="#eeeeee"/>`);
		parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${v}</text>`);
	}
	for (let s = 0; s <= xMax; s += 10) {
		parts.push(`<text x="${x(s * 1000)}" y="${top + plotH + 16}" text-anchor="middle" fill="#555">${s} s</text>`);
	}
	parts.push(`<line x1="${left}" x2="${W - right}" y1="${y(TARGETS.rateLimit)}" y2="${y(TARGETS.rateLimit)}" stroke="#c44e52" stroke-dasharray="6 4"/>`);
	parts.push(`<text x="${W - right - 4}" y="${y(TARGETS.rateLimit) - 5}" text-anchor="end" fill="#c44e52">NanoGPT's limit, ${TARGETS.rateLimit}/s</text>`);
	const line = (values, color, width, title) =>
		`<polyline fill="none" stroke="${color}" stroke-width="${width}" stroke-linejoin="round" points="${values.map((v, k) => `${x(times[k] + 500).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"><title>${title}</title></polyline>`;
	parts.push(line(totals, '#333333', 2.5, 'all runs together'));
	rates.forEach((series, k) => parts.push(line(series, colors[k % colors.length], 1.8, `run ${RUN_NAMES[k]}`)));
	parts.push(`<line x1="${left}" x2="${W - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#999"/>`);
	let lx = left;
	const legend = [['together', '#333333'], ...rates.map((_, k) => [`run ${RUN_NAMES[k]}${k === 0 ? ` (+${row.extra} items)` : ''}`, colors[k % colors.length]])];
	for (const [name, color] of legend) {
		parts.push(`<rect x="${lx}" y="${H - 22}" width="12" height="12" fill="${color}"/>`);
		parts.push(`<text x="${lx + 16}" y="${H - 12}" fill="#333">${name}</text>`);
		lx += 30 + name.length * 6.5;
	}
	parts.push('</svg>');
	return `${parts.join('\n')}\n`;
}

module.exports = { renderChart, sharingChartRow, renderSharingChart };
