#!/usr/bin/env node
'use strict';
/*
 * `npm run test:mutation`: mutation testing of nodes/ and credentials/ with StrykerJS
 * (stryker.config.mjs), then the report: the score per folder, every surviving mutant, the mutants
 * named equivalent (scripts/mutation/equivalent.json) with their reason. Not part of `npm test`.
 *
 * Incremental: a run reuses the results of the last full run (stryker.config.mjs's incrementalFile,
 * in the project's cache) for every mutant whose code and covering tests did not change, so a rerun
 * after a small change costs minutes. A run narrowed with --mutate keeps its results apart
 * (reports/, not committed), so that it cannot replace the full run's.
 *
 * Options (the rest go to `stryker run`, e.g. --mutate nodes/NanoGpt/output/extractJson.ts):
 *   --write    also write README.md's Mutation testing report (between its mutation:start/end markers)
 *   --report   make the report from the last run's reports/mutation/mutation.json; runs nothing
 *   --static   also run the static mutants (stryker.config.mjs leaves them out: each costs a whole run)
 *   --unit     test with the unit suites only (test/unit/): quick, and a lower bound of the score, for
 *              the pure folders (request/, output/); see scripts/mutation/jest.config.js
 *   --merge    make the report from every run kept in reports/mutation/runs/ (each run's JSON report is
 *              kept there): for each file its latest result, with when it was measured and whether its
 *              source changed since. For a set measured in chunks (a folder at a time, say) with
 *              --mutate; runs nothing when given with --report
 *
 * Run it under the shared lock (it keeps both cores busy): flock /tmp/nanogpt-heavy.lock npm run test:mutation
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const REPO = path.resolve(__dirname, '..');
const JSON_REPORT = path.join(REPO, 'reports', 'mutation', 'mutation.json');
const PARTIAL_INCREMENTAL = 'reports/mutation/incremental-partial.json';
const RUNS_DIR = path.join(REPO, 'reports', 'mutation', 'runs');
const UNIT_INCREMENTAL = 'reports/mutation/incremental-unit.json';
const EQUIVALENT = path.join(__dirname, 'mutation', 'equivalent.json');
const SECTION = /<!-- mutation:start -->[\s\S]*<!-- mutation:end -->/;

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

function parseArgs(argv) {
	const own = { write: false, report: false, static: false, merge: false, unit: false };
	const stryker = [];
	for (const arg of argv) {
		if (arg === '--write') own.write = true;
		else if (arg === '--report') own.report = true;
		else if (arg === '--static') own.static = true;
		else if (arg === '--merge') own.merge = true;
		else if (arg === '--unit') own.unit = true;
		else stryker.push(arg);
	}
	const narrowed = stryker.some((arg) => arg === '--mutate' || arg === '-m' || arg.startsWith('--mutate='));
	return { ...own, stryker, narrowed };
}

function runStryker(args, narrowed, withStatic, unitOnly) {
	const started = Date.now();
	// A Ctrl-C (or a deadline's SIGINT) reaches Stryker too, which saves what it tested: wait for it.
	const ignore = () => {};
	process.on('SIGINT', ignore);
	const run = spawnSync(
		path.join(REPO, 'node_modules', '.bin', 'stryker'),
		['run', 'stryker.config.mjs', ...(narrowed ? ['--incrementalFile', unitOnly ? UNIT_INCREMENTAL : PARTIAL_INCREMENTAL] : []), ...args],
		{
			cwd: REPO,
			stdio: 'inherit',
			env: { ...process.env, NANOGPT_MUTATION_STATIC: withStatic ? '1' : '0', NANOGPT_MUTATION_UNIT: unitOnly ? '1' : '0' },
		},
	);
	process.off('SIGINT', ignore);
	const status = run.status ?? (run.signal === 'SIGINT' ? 130 : 1);
	return { status, seconds: (Date.now() - started) / 1000 };
}

/** The source text a mutant replaces, on one line. */
function originalText(source, { start, end }) {
	const lines = source.split('\n');
	const picked = lines.slice(start.line - 1, end.line);
	picked[picked.length - 1] = picked[picked.length - 1].slice(0, start.line === end.line ? end.column - 1 : end.column - 1);
	picked[0] = picked[0].slice(start.column - 1);
	return oneLine(picked.join('\n'));
}

const oneLine = (text) => String(text).replace(/\s+/g, ' ').trim();
const short = (text, max = 70) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const code = (text) => `\`${short(text).replace(/`/g, "'")}\``;

function loadEquivalents() {
	if (!fs.existsSync(EQUIVALENT)) return [];
	return JSON.parse(fs.readFileSync(EQUIVALENT, 'utf8'));
}

/**
 * Every mutant of the report with its file, folder, original text and, when named so, why it is
 * equivalent (an entry of equivalent.json with a line matches only that line: the same text can be
 * equivalent in one place and not in another).
 */
function mutantsOf(report, equivalents) {
	const out = [];
	for (const [file, { source, mutants }] of Object.entries(report.files)) {
		const relative = path.relative(REPO, path.resolve(REPO, file));
		for (const mutant of mutants) {
			const original = originalText(source, mutant.location);
			const replacement = oneLine(mutant.replacement ?? '');
			const equivalent = UNDETECTED.has(mutant.status)
				? equivalents.find(
						(entry) =>
							entry.file === relative &&
							(entry.line === undefined || entry.line === mutant.location.start.line) &&
							entry.mutator === mutant.mutatorName &&
							oneLine(entry.original) === original &&
							oneLine(entry.replacement) === replacement,
					)
				: undefined;
			out.push({ ...mutant, file: relative, folder: path.dirname(relative), original, replacement, equivalent });
		}
	}
	return out;
}

function tally(mutants) {
	const count = (predicate) => mutants.filter(predicate).length;
	const detected = count((m) => DETECTED.has(m.status));
	const survived = count((m) => UNDETECTED.has(m.status) && !m.equivalent);
	return {
		total: mutants.length,
		killed: count((m) => m.status === 'Killed'),
		timeout: count((m) => m.status === 'Timeout'),
		survived: count((m) => m.status === 'Survived' && !m.equivalent),
		noCoverage: count((m) => m.status === 'NoCoverage' && !m.equivalent),
		equivalent: count((m) => m.equivalent),
		display: count((m) => m.status === 'Ignored' && String(m.statusReason).startsWith('editor display string')),
		static: count((m) => m.status === 'Ignored' && !String(m.statusReason).startsWith('editor display string')),
		invalid: count((m) => m.status === 'CompileError' || m.status === 'RuntimeError'),
		score: detected + survived === 0 ? undefined : (100 * detected) / (detected + survived),
	};
}

/** When the files of a folder were measured (merged report), and which changed since. */
function measuredIn(report, folder) {
	const entries = Object.entries(report.files).filter(([file]) => path.dirname(path.relative(REPO, path.resolve(REPO, file))) === folder);
	const times = [...new Set(entries.map(([, entry]) => (entry.measuredAt ?? '').slice(0, 16).replace('T', ' ')))].sort();
	const changed = entries.filter(([, entry]) => entry.changed).map(([file]) => `\`${path.basename(file)}\``);
	const interrupted = entries.filter(([, entry]) => entry.interrupted).map(([file]) => `\`${path.basename(file)}\``);
	const unit = entries.some(([, entry]) => entry.unit);
	return (
		`${times.join(', ')}` +
		(unit ? '; unit suites only (a lower bound)' : '') +
		(interrupted.length ? `; interrupted run, only the mutants tested before it stopped: ${interrupted.join(', ')}` : '') +
		(changed.length ? `; changed since: ${changed.join(', ')}` : '')
	);
}

const percent = (score) => (score === undefined ? 'n/a' : `${Math.floor(score * 10) / 10}%`);

function render(report, mutants, run) {
	const folders = [...new Set(mutants.map((m) => m.folder))].sort();
	const files = Object.keys(report.files).map((file) => path.relative(REPO, path.resolve(REPO, file)));
	const all = tally(mutants);
	const out = [];
	out.push('<!-- Generated by `npm run test:mutation -- --write` (scripts/mutation.js). -->');
	const stryker = report.framework?.version ? `StrykerJS ${report.framework.version}` : 'StrykerJS';
	const cpu = (os.cpus()[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim();
	const took = (seconds) => `${Math.round(seconds / 60)} min`;
	out.push(
		`\`npm run test:mutation\`, ${run.date}: ${stryker} (jest runner, TypeScript checker), Node ${process.versions.node}, ${os.cpus().length}× ${cpu}.` +
			(run.seconds === undefined ? '' : run.merged ? ` ${run.merged} run${run.merged === 1 ? "" : "s"}, ${took(run.seconds)} in all.` : ` The run took ${took(run.seconds)}.`),
	);
	out.push('');
	if (run.merged) {
		out.push(
			`**Measured in chunks** (\`--mutate\` a folder or a few files at a time, \`--merge\` for this report): each file's result is from the latest run that mutated it, at the time in the Measured column${run.narrowed ? `; ${files.length} files were measured, the other files of \`nodes/\` and \`credentials/\` are not in this report` : ''}.` +
				(run.static ? '' : ' Static mutants were not run.'),
		);
	} else {
		out.push(
			run.narrowed
				? `**A partial run**, over ${files.length} files: ${files.map((file) => `\`${file}\``).join(', ')}. The other files of \`nodes/\` and \`credentials/\` were not mutated in it.`
				: `Over every file of \`nodes/\` and \`credentials/\` (${files.length} files).`,
		);
	}
	out.push('');
	out.push(
		'Score = (killed + timed out) / (killed + timed out + survived + not covered). Left out of it: display strings and, unless the run says otherwise, static mutants (see above), mutants named equivalent below, and mutants that do not compile (the TypeScript checker rejects them before any test runs).',
	);
	out.push('');
	out.push(`| Folder | Mutants | Killed | Timed out | Survived | Not covered | Score | Display strings | Static, not run | Equivalent | Not compiling |${run.merged ? ' Measured (UTC) |' : ''}`);
	out.push(`|---|---|---|---|---|---|---|---|---|---|---|${run.merged ? '---|' : ''}`);
	const row = (name, t, measured) =>
		`| ${name} | ${t.total} | ${t.killed} | ${t.timeout} | ${t.survived} | ${t.noCoverage} | ${percent(t.score)} | ${t.display} | ${t.static} | ${t.equivalent} | ${t.invalid} |${run.merged ? ` ${measured} |` : ''}`;
	for (const folder of folders) out.push(row(`\`${folder}/\``, tally(mutants.filter((m) => m.folder === folder)), measuredIn(report, folder)));
	out.push(row('**all**', all, ''));
	out.push('');
	const survivors = mutants.filter((m) => UNDETECTED.has(m.status) && !m.equivalent);
	const byPlace = (a, b) => a.file.localeCompare(b.file) || a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column;
	const place = (m) => `\`${m.file}:${m.location.start.line}:${m.location.start.column}\``;
	const change = (m) => `${m.mutatorName} ${code(m.original)} → ${code(m.replacement)}`;
	out.push(survivors.length ? `### Survivors (${survivors.length})` : '### Survivors: none');
	out.push('');
	for (const m of survivors.sort(byPlace)) out.push(`- ${place(m)} ${change(m)}${m.status === 'NoCoverage' ? ' (no test runs this code)' : ''}`);
	if (survivors.length) out.push('');
	const equivalents = mutants.filter((m) => m.equivalent);
	if (equivalents.length) {
		out.push(`### Equivalent mutants (${equivalents.length}): they survive because they change nothing a user can observe`);
		out.push('');
		for (const m of equivalents.sort(byPlace)) out.push(`- ${place(m)} ${change(m)}: ${m.equivalent.reason}`);
		out.push('');
	}
	return out.join('\n').trim();
}

function main() {
	const args = parseArgs(process.argv.slice(2));
	let run = { date: new Date().toISOString().slice(0, 10), narrowed: args.narrowed };
	if (!args.report) {
		const result = runStryker(args.stryker, args.narrowed, args.static, args.unit);
		run = { ...run, seconds: result.seconds };
		if (result.status !== 0) {
			// Stopped by a signal (Ctrl-C, a deadline), Stryker saves what it tested in its incremental file.
			if (args.narrowed && result.status > 128) keepRun(result.seconds, args, path.join(REPO, args.unit ? UNIT_INCREMENTAL : PARTIAL_INCREMENTAL));
			console.error(`test:mutation: stryker exited with ${result.status}`);
			process.exit(result.status);
		}
		keepRun(result.seconds, args);
	}
	if (args.merge) {
		const merged = mergedRuns();
		run = { ...run, ...merged.run };
		return finish(args, render(merged.report, mutantsOf(merged.report, loadEquivalents()), run));
	}
	if (!fs.existsSync(JSON_REPORT)) throw new Error(`no report at ${path.relative(REPO, JSON_REPORT)}: run npm run test:mutation first`);
	const report = JSON.parse(fs.readFileSync(JSON_REPORT, 'utf8'));
	if (args.report) {
		run.date = new Date(fs.statSync(JSON_REPORT).mtime).toISOString().slice(0, 10);
		// A report made again says whether its run was narrowed from what it holds.
		const mutated = Object.keys(report.files).length;
		const sources = ['nodes', 'credentials'].flatMap((dir) => listTs(path.join(REPO, dir)));
		run.narrowed = mutated < sources.length;
	}
	finish(args, render(report, mutantsOf(report, loadEquivalents()), run));
}

function finish(args, text) {
	process.stdout.write(`\n${text}\n`);
	if (args.write) {
		const readmePath = path.join(REPO, 'README.md');
		const readme = fs.readFileSync(readmePath, 'utf8');
		if (!SECTION.test(readme)) throw new Error('README.md has no <!-- mutation:start --> ... <!-- mutation:end --> section');
		fs.writeFileSync(readmePath, readme.replace(SECTION, () => `<!-- mutation:start -->\n${text}\n<!-- mutation:end -->`));
		console.error('wrote the Mutation testing report of README.md');
	}
}

/** Keeps the JSON report of the run just finished in reports/mutation/runs/, for --merge. */
function keepRun(seconds, args, interruptedReport) {
	const source = interruptedReport ?? JSON_REPORT;
	if (!fs.existsSync(source)) return;
	const report = JSON.parse(fs.readFileSync(source, 'utf8'));
	const finishedAt = new Date().toISOString();
	report.nanogptRun = { finishedAt, seconds, static: args.static, unit: args.unit, interrupted: interruptedReport !== undefined };
	fs.mkdirSync(RUNS_DIR, { recursive: true });
	fs.writeFileSync(path.join(RUNS_DIR, `${finishedAt.replace(/[:.]/g, '-')}.json`), JSON.stringify(report));
}

/**
 * One report from every kept run: each file's result from the latest run that mutated it, marked
 * with when that run finished and whether the file's source has changed since.
 */
function mergedRuns() {
	const names = fs.existsSync(RUNS_DIR) ? fs.readdirSync(RUNS_DIR).filter((name) => name.endsWith('.json')).sort() : [];
	if (names.length === 0) throw new Error(`no runs kept in ${path.relative(REPO, RUNS_DIR)}: run npm run test:mutation first`);
	const files = {};
	let framework;
	let seconds = 0;
	let withStatic = true;
	for (const name of names) {
		const report = JSON.parse(fs.readFileSync(path.join(RUNS_DIR, name), 'utf8'));
		framework = report.framework ?? framework;
		seconds += report.nanogptRun?.seconds ?? 0;
		withStatic &&= report.nanogptRun?.static === true;
		for (const [file, entry] of Object.entries(report.files)) {
			const current = path.resolve(REPO, file);
			const changed = !fs.existsSync(current) || fs.readFileSync(current, 'utf8') !== entry.source;
			files[file] = {
				...entry,
				measuredAt: report.nanogptRun?.finishedAt,
				changed,
				interrupted: report.nanogptRun?.interrupted === true,
				unit: report.nanogptRun?.unit === true,
			};
		}
	}
	const sources = ['nodes', 'credentials'].flatMap((dir) => listTs(path.join(REPO, dir)));
	const dates = Object.values(files).map((entry) => entry.measuredAt.slice(0, 10)).sort();
	return {
		report: { files, framework },
		run: {
			date: dates[0] === dates[dates.length - 1] ? dates[0] : `${dates[0]} to ${dates[dates.length - 1]}`,
			narrowed: Object.keys(files).length < sources.length,
			merged: names.length,
			seconds,
			static: withStatic,
		},
	};
}

function listTs(dir) {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return listTs(full);
		return entry.name.endsWith('.ts') ? [full] : [];
	});
}

try {
	main();
} catch (error) {
	console.error(`test:mutation: ${error?.stack ?? error}`);
	process.exit(1);
}
