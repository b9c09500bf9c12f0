'use strict';
/*
 * What the parts of one n8n line's e2e run share: the line, where its artifacts go, the owner
 * login, the fixtures, and what the emulator recorded.
 */
const fs = require('node:fs');
const path = require('node:path');
const { lineOf, N8N_VERSION } = require('../../scripts/provision');
const { REPO } = require('../../scripts/lib/n8n');

/** The n8n line this process drives. */
const LINE = { version: N8N_VERSION, ...lineOf(N8N_VERSION) };
const ARTIFACTS = path.join(REPO, 'test-artifacts', 'e2e', `n8n-${N8N_VERSION}`);
const OWNER = { email: 'e2e-owner@example.com', password: 'E2e-Passw0rd' };
const FIXTURES = path.join(__dirname, 'fixtures');
const fixture = (name) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function completionRequests(emu) {
	return emu.requests.filter((r) => r.method === 'POST' && /\/v1\/completions$/.test(r.path));
}

function copyLog(file, name) {
	try {
		fs.mkdirSync(ARTIFACTS, { recursive: true });
		fs.copyFileSync(file, path.join(ARTIFACTS, name));
	} catch {
		/* best effort */
	}
}

module.exports = { LINE, ARTIFACTS, OWNER, REPO, fixture, sleep, completionRequests, copyLog };
