'use strict';
/* Calls to n8n's webhooks from the e2e suite: JSON answers, and NDJSON streams timed line by line. */
const http = require('node:http');
const { sleep } = require('./line');

/** POSTs JSON and records the arrival time of every NDJSON line of the answer. */
function postStreaming(url, body, { timeoutMs = 60000 } = {}) {
	return new Promise((resolve, reject) => {
		const data = Buffer.from(JSON.stringify(body));
		const t0 = Date.now();
		const lines = [];
		let buf = '';
		const req = http.request(
			url,
			{ method: 'POST', timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': data.length } },
			(res) => {
				res.setEncoding('utf8');
				res.on('data', (chunk) => {
					const at = Date.now();
					buf += chunk;
					let nl;
					while ((nl = buf.indexOf('\n')) >= 0) {
						const line = buf.slice(0, nl).trim();
						buf = buf.slice(nl + 1);
						if (line) lines.push({ at, ms: at - t0, line });
					}
				});
				res.on('end', () => {
					if (buf.trim()) lines.push({ at: Date.now(), ms: Date.now() - t0, line: buf.trim() });
					resolve({ status: res.statusCode, headers: res.headers, lines, t0, ms: Date.now() - t0 });
				});
			},
		);
		req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out`)));
		req.on('error', reject);
		req.end(data);
	});
}

function postJson(url, body, { timeoutMs = 120000 } = {}) {
	return new Promise((resolve, reject) => {
		const data = Buffer.from(JSON.stringify(body));
		const req = http.request(
			url,
			{ method: 'POST', timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': data.length } },
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (d) => (text += d));
				res.on('end', () => {
					let json = null;
					try {
						json = JSON.parse(text);
					} catch {
						json = null;
					}
					resolve({ status: res.statusCode, text, json });
				});
			},
		);
		req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out`)));
		req.on('error', reject);
		req.end(data);
	});
}

/** Production webhooks can answer 404 for a few seconds after readiness: retry those. */
async function withWebhookRetry(fn, { tries = 20 } = {}) {
	for (let i = 0; ; i++) {
		const r = await fn();
		if (r.status !== 404 || i >= tries) return r;
		await sleep(1000);
	}
}

function parseNdjson(lines) {
	return lines.map((l) => {
		try {
			return { ...l, obj: JSON.parse(l.line) };
		} catch {
			return { ...l, obj: null };
		}
	});
}

module.exports = { postStreaming, postJson, withWebhookRetry, parseNdjson };
