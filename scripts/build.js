'use strict';
// npm run build: clean dist, compile with tsc, copy icons and codex files with gulp.
const { rmSync } = require('node:fs');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');

const root = join(__dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
execFileSync(bin('gulp'), ['build:assets', '--silent'], { cwd: root, stdio: 'inherit' });
console.log('Built dist/');
