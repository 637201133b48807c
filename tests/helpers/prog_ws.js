#!/usr/bin/env node
// prog_ws.js - talk to a program behind wsbridge the way a browser page
// would, with the npm "ws" client.
//
//   node prog_ws.js --url ws://127.0.0.1:PORT/path [--send TEXT]...
//        [--close-after N] [--timeout S]
//
// Sends each --send text message once open, prints every message received
// as "message JSON" (text) or "binary N" and, at the end,
// "close CODE JSON-REASON".  With --close-after N it closes with 1000 after
// N messages (for programs that wait for stdin to end).  Exit 0 once closed,
// 1 on an error, an HTTP refusal or the deadline.
'use strict';
const WebSocket = require('ws');

const o = { url: null, send: [], closeAfter: 0, timeout: 20 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
	const a = argv[i], v = () => argv[++i];
	if (a === '--url') o.url = v();
	else if (a === '--send') o.send.push(v());
	else if (a === '--close-after') o.closeAfter = Number(v());
	else if (a === '--timeout') o.timeout = Number(v());
	else { console.error(`prog_ws: unknown argument ${a}`); process.exit(2); }
}
if (!o.url) { console.error('prog_ws: need --url'); process.exit(2); }

const timer = setTimeout(() => {
	console.error(`prog_ws: timeout after ${o.timeout}s`);
	process.exit(1);
}, o.timeout * 1000);

const ws = new WebSocket(o.url, { perMessageDeflate: false });
let n = 0;
ws.on('open', () => { for (const m of o.send) ws.send(m); });
ws.on('message', (data, isBinary) => {
	n++;
	console.log(isBinary ? `binary ${data.length}` :
	    `message ${JSON.stringify(data.toString('utf8'))}`);
	if (o.closeAfter > 0 && n === o.closeAfter) ws.close(1000);
});
ws.on('unexpected-response', (req, res) => {
	console.log(`http ${res.statusCode}`);
	process.exit(1);
});
ws.on('error', (e) => { console.error(`prog_ws: ${e.message}`); process.exit(1); });
ws.on('close', (code, reason) => {
	clearTimeout(timer);
	console.log(`close ${code} ${JSON.stringify(reason.toString('utf8'))}`);
	process.exit(0);
});
