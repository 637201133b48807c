#!/usr/bin/env node
// front_ws.js - a wss:// echo check with the npm "ws" client, verifying the
// server against a given CA (the front door tests' test CA).
//
//   node front_ws.js --url wss://localhost:PORT/ --ca CA.pem --sizes 1,1000
//        [--cert C.pem --key K.pem] [--timeout S]
//
// One binary message per size; the echo may come back in any number of
// messages.  Prints "ok N bytes" each, then "close CODE"; exit 0 if all
// matched.
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const WebSocket = require('ws');

const o = { sizes: [], timeout: 30 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
	const a = argv[i], v = () => argv[++i];
	if (a === '--url') o.url = v();
	else if (a === '--ca') o.ca = v();
	else if (a === '--cert') o.cert = v();
	else if (a === '--key') o.key = v();
	else if (a === '--sizes') o.sizes = v().split(',').map(Number);
	else if (a === '--timeout') o.timeout = Number(v());
	else { console.error(`front_ws: unknown argument ${a}`); process.exit(2); }
}
setTimeout(() => { console.error('front_ws: timeout'); process.exit(1); },
    o.timeout * 1000);
const opts = { perMessageDeflate: false, maxPayload: 0 };
if (o.ca) opts.ca = fs.readFileSync(o.ca);
if (o.cert) { opts.cert = fs.readFileSync(o.cert); opts.key = fs.readFileSync(o.key); }
const ws = new WebSocket(o.url, opts);
let idx = -1, want = null, got = [], gotLen = 0, failed = false;
function next() {
	idx++;
	if (idx >= o.sizes.length) { ws.close(1000); return; }
	want = crypto.randomBytes(o.sizes[idx]);
	got = []; gotLen = 0;
	ws.send(want, { binary: true });
}
ws.on('open', next);
ws.on('message', (data) => {
	got.push(data); gotLen += data.length;
	if (gotLen < want.length) return;
	if (!Buffer.concat(got).equals(want)) { console.error('front_ws: echo differs'); failed = true; }
	else console.log(`ok ${want.length} bytes`);
	next();
});
ws.on('unexpected-response', (req, res) => { console.error(`front_ws: HTTP ${res.statusCode}`); process.exit(1); });
ws.on('error', (e) => { console.error(`front_ws: ${e.message}`); process.exit(1); });
ws.on('close', (code) => {
	console.log(`close ${code}`);
	process.exit(failed || idx < o.sizes.length ? 1 : 0);
});
