'use strict';
// The number formats of the report and the progress lines, and its Markdown tables.

const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes) => `${Math.round(bytes / (1024 * 1024))} MB`;
const yesNo = (ok) => (ok ? 'yes' : 'NO');
const plural = (count, noun) => `${count} ${noun}${count === 1 ? '' : 's'}`;
const concurrencyLabel = (c) => (c === 0 ? 'Auto' : String(c));

function table(headers, rows) {
	const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
	for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
	return lines.join('\n');
}

module.exports = { f1, f2, secs, mb, yesNo, plural, concurrencyLabel, table };
