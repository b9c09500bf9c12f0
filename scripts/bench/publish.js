'use strict';
// Where the report goes: stdout, and with --write README.md's Benchmark section and the plots in docs/.
const fs = require('node:fs');
const path = require('node:path');
const { renderReport } = require('./report');
const { renderChart, sharingChartRow, renderSharingChart } = require('./charts');

const REPO = path.resolve(__dirname, '..', '..');

/** Prints the report and, with `write`, writes README.md's Benchmark section and the chart. */
function publish(results, write, log) {
	const report = renderReport(results);
	process.stdout.write(`\n${report}\n`);
	if (write) {
		const docs = path.join(REPO, 'docs');
		fs.mkdirSync(docs, { recursive: true });
		fs.writeFileSync(path.join(docs, 'benchmark-throughput.svg'), renderChart(results));
		const chartNote = `\n![Items per second by concurrency: ideal, undici Pool, the node](docs/benchmark-throughput.svg)\n`;
		const withChart = report.replace(/(### 1\. [^\n]*\n\n[^\n]*\n\n(?:\|[^\n]*\n)+)/, `$1${chartNote}`);
		let withCharts = withChart;
		const sharingRow = sharingChartRow(results);
		if (sharingRow) {
			fs.writeFileSync(path.join(docs, 'benchmark-sharing.svg'), renderSharingChart(sharingRow));
			const sharingNote = `\n![Requests admitted per second of each of ${sharingRow.runs} runs on one key, and together](docs/benchmark-sharing.svg)\n`;
			withCharts = withChart.replace(/(#### Runs on one key\n\n[^\n]*\n\n(?:\|[^\n]*\n)+)/, `$1${sharingNote}`);
		}
		const readmePath = path.join(REPO, 'README.md');
		const readme = fs.readFileSync(readmePath, 'utf8');
		const section = /<!-- benchmark:start -->[\s\S]*<!-- benchmark:end -->/;
		if (!section.test(readme)) throw new Error('README.md has no <!-- benchmark:start --> ... <!-- benchmark:end --> section');
		fs.writeFileSync(readmePath, readme.replace(section, () => `<!-- benchmark:start -->\n${withCharts.trim()}\n<!-- benchmark:end -->`));
		log(`wrote the Benchmark section of README.md, docs/benchmark-throughput.svg${sharingRow ? ' and docs/benchmark-sharing.svg' : ''}`);
	}
	return report;
}

module.exports = { publish };
