'use strict';
// npm run lint: n8n's community-package scan, offline, on the source tree and on the packed tarball.
// The same rules n8n applies before it verifies a package (see @n8n/scan-community-package).
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');

const root = join(__dirname, '..');

async function main() {
	const { analyzePackage, SOURCE_FILE_PATTERNS } = await import('@n8n/scan-community-package/scanner/scanner.mjs');
	const unpacked = mkdtempSync(join(tmpdir(), 'nanogpt-pack-'));
	try {
		const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', unpacked], {
			cwd: root,
			encoding: 'utf8',
		})
			.trim()
			.split('\n')
			.pop();
		execFileSync('tar', ['-xzf', join(unpacked, tarball), '-C', unpacked, '--strip-components=1']);
		const legs = [
			['source tree', root, SOURCE_FILE_PATTERNS],
			['packed tarball', unpacked, ['**/*.js', 'package.json']],
		];
		let failed = false;
		for (const [label, dir, patterns] of legs) {
			const result = await analyzePackage(dir, patterns);
			console.log(`${result.passed ? 'PASS' : 'FAIL'} n8n community scan of the ${label}${result.message ? `: ${result.message}` : ''}`);
			if (result.details) console.log(result.details);
			failed ||= !result.passed;
		}
		process.exitCode = failed ? 1 : 0;
	} finally {
		rmSync(unpacked, { recursive: true, force: true });
	}
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
