#!/usr/bin/env node
// cdp_term.js - drive wsbridge's terminal page in a running headless
// Chromium over the DevTools protocol (npm "ws" client): wait for the page's
// xterm.js terminal (window.wsbridgeTerm), read its buffer, type into it.
//
//   node cdp_term.js DEVTOOLS_PORT STEP... [--timeout S]
//
// Steps, in order, each waiting up to S seconds (default 20) where it waits:
//   wait:EXPR       until the JavaScript expression is true in the page
//   line:TEXT       until a line of the terminal's buffer is exactly TEXT
//   match:REGEX     until some line of the buffer matches REGEX
//   type:TEXT       insert TEXT as typed text (into the focused terminal)
//   key:Enter       press and release Enter
//   print:EXPR      print the expression's value (JSON) on a line
// On failure the buffer is printed and the exit status is 1.
'use strict';
const http = require('http');
const WebSocket = require('ws');

const argv = process.argv.slice(2);
let timeout = 20;
const steps = [];
for (let i = 1; i < argv.length; i++) {
	if (argv[i] === '--timeout') timeout = Number(argv[++i]);
	else steps.push(argv[i]);
}
const port = argv[0];

const BUFFER = `(() => { const t = window.wsbridgeTerm; if (!t) return "";
    const b = t.buffer.active, out = [];
    for (let i = 0; i < b.length; i++)
	out.push(b.getLine(i).translateToString(true));
    return out.join("\\n"); })()`;

function getJson(path) {
	return new Promise((resolve, reject) => {
		http.get({ host: '127.0.0.1', port, path }, (res) => {
			let body = '';
			res.on('data', (d) => { body += d; });
			res.on('end', () => {
				try { resolve(JSON.parse(body)); }
				catch (e) { reject(e); }
			});
		}).on('error', reject);
	});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
	let page;
	const until = Date.now() + timeout * 1000;
	while (!(page = (await getJson('/json/list')).find(
	    (t) => t.type === 'page'))) {
		if (Date.now() > until) throw new Error('no page target');
		await sleep(100);
	}
	const ws = new WebSocket(page.webSocketDebuggerUrl,
	    { perMessageDeflate: false });
	await new Promise((r, j) => { ws.on('open', r); ws.on('error', j); });
	let id = 0;
	const waiting = new Map();
	ws.on('message', (m) => {
		const msg = JSON.parse(m);
		if (msg.id !== undefined && waiting.has(msg.id)) {
			waiting.get(msg.id)(msg);
			waiting.delete(msg.id);
		}
	});
	const call = (method, params) => new Promise((resolve, reject) => {
		const n = ++id;
		waiting.set(n, (msg) => msg.error ?
		    reject(new Error(`${method}: ${msg.error.message}`)) :
		    resolve(msg.result));
		ws.send(JSON.stringify({ id: n, method, params }));
	});
	const evaluate = async (expr) => {
		const r = await call('Runtime.evaluate',
		    { expression: expr, returnByValue: true });
		return r.exceptionDetails ? undefined : r.result.value;
	};
	const poll = async (what, test) => {
		const end = Date.now() + timeout * 1000;
		for (;;) {
			if (await test()) return;
			if (Date.now() > end) {
				const buf = await evaluate(BUFFER);
				throw new Error(`timed out: ${what}\n` +
				    `buffer:\n${buf}`);
			}
			await sleep(100);
		}
	};
	const lines = async () => String(await evaluate(BUFFER)).split('\n');
	for (const step of steps) {
		const colon = step.indexOf(':');
		const op = step.slice(0, colon), arg = step.slice(colon + 1);
		if (op === 'wait')
			await poll(step, async () => (await evaluate(arg)) === true);
		else if (op === 'line')
			await poll(step, async () => (await lines()).includes(arg));
		else if (op === 'match') {
			const re = new RegExp(arg);
			await poll(step, async () =>
			    (await lines()).some((l) => re.test(l)));
		} else if (op === 'type')
			await call('Input.insertText', { text: arg });
		else if (op === 'key' && arg === 'Enter') {
			const k = { key: 'Enter', code: 'Enter',
			    windowsVirtualKeyCode: 13, nativeVirtualKeyCode: 13 };
			await call('Input.dispatchKeyEvent',
			    Object.assign({ type: 'keyDown', text: '\r' }, k));
			await call('Input.dispatchKeyEvent',
			    Object.assign({ type: 'keyUp' }, k));
		} else if (op === 'print')
			console.log(JSON.stringify(await evaluate(arg)));
		else
			throw new Error(`unknown step ${step}`);
	}
	ws.close();
}

setTimeout(() => { console.error('cdp_term: overall timeout'); process.exit(1); },
    (steps.length + 2) * timeout * 1000);
main().then(() => process.exit(0), (e) => {
	console.error(`cdp_term: ${e.message}`);
	process.exit(1);
});
