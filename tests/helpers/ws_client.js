#!/usr/bin/env node
// ws_client.js - an echo check through wsbridge with the npm "ws" client.
//
//   node ws_client.js --url ws://127.0.0.1:PORT/path --sizes 0,1,125
//        [--type text|binary] [--fragments K] [--protocol P]...
//        [--expect-protocol P|none] [--print-close] [--timeout S]
//
// Sends one message per size (text is valid UTF-8 of exactly that many bytes,
// mixing 1- to 4-byte sequences; with --fragments K it goes out as K frames
// split at byte offsets, so sequences straddle frames), waits until the
// concatenated binary messages coming back hold that many bytes, compares,
// then closes with 1000.  Exit 0 if every echo matched; prints "close CODE"
// with --print-close.
'use strict';
const WebSocket = require('ws');

function parse(argv) {
	const o = { sizes: [], type: 'binary', fragments: 1, protocols: [],
		expectProtocol: null, printClose: false, timeout: 60, url: null };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i], v = () => argv[++i];
		if (a === '--url') o.url = v();
		else if (a === '--sizes') o.sizes = v().split(',').map(Number);
		else if (a === '--type') o.type = v();
		else if (a === '--fragments') o.fragments = Number(v());
		else if (a === '--protocol') o.protocols.push(v());
		else if (a === '--expect-protocol') o.expectProtocol = v();
		else if (a === '--print-close') o.printClose = true;
		else if (a === '--timeout') o.timeout = Number(v());
		else { console.error(`ws_client: unknown argument ${a}`); process.exit(2); }
	}
	if (!o.url || o.sizes.some(isNaN)) {
		console.error('ws_client: need --url and --sizes'); process.exit(2);
	}
	return o;
}

function payload(type, n, seed) {
	if (type === 'text') {
		const unit = Buffer.from('a\u00e9\u20ac\u{1F600}', 'utf8'); // 10 bytes
		const b = Buffer.alloc(n, 0x7a);
		for (let i = 0; i + unit.length <= n; i += unit.length) unit.copy(b, i);
		return b;
	}
	const b = Buffer.alloc(n);
	let x = (seed * 2654435761) >>> 0 || 1;
	for (let i = 0; i < n; i++) {
		x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
		b[i] = x & 0xff;
	}
	return b;
}

const o = parse(process.argv.slice(2));
const timer = setTimeout(() => {
	console.error(`ws_client: timeout after ${o.timeout}s`);
	process.exit(1);
}, o.timeout * 1000);

const ws = new WebSocket(o.url, o.protocols, { perMessageDeflate: false,
	maxPayload: 0 });
let idx = -1, want = null, got = [], gotLen = 0, failed = false;

function next() {
	for (;;) {
		idx++;
		if (idx >= o.sizes.length) { ws.close(1000, 'done'); return; }
		want = payload(o.type, o.sizes[idx], idx + 1);
		got = []; gotLen = 0;
		const k = Math.max(1, Math.min(o.fragments, want.length || 1));
		const binary = o.type === 'binary';
		if (k === 1) {
			ws.send(want, { binary, fin: true });
		} else {
			const step = Math.ceil(want.length / k);
			for (let i = 0; i < want.length; i += step)
				ws.send(want.subarray(i, i + step),
				    { binary, fin: i + step >= want.length });
		}
		if (want.length > 0) return;	// wait for the echo
		console.log(`ok ${o.type} 0 bytes`);
	}
}

ws.on('open', () => {
	const p = ws.protocol || 'none';
	if (o.expectProtocol !== null && p !== o.expectProtocol) {
		console.error(`ws_client: protocol ${p}, want ${o.expectProtocol}`);
		failed = true;
	}
	next();
});
ws.on('message', (data, isBinary) => {
	if (!isBinary) {
		console.error('ws_client: text message from the server');
		failed = true;
	}
	if (!want || gotLen >= want.length) {
		console.error(`ws_client: ${data.length} unexpected bytes`);
		failed = true;
		return;
	}
	got.push(data); gotLen += data.length;
	if (gotLen < want.length) return;
	const all = Buffer.concat(got);
	if (all.length !== want.length || !all.equals(want)) {
		console.error(`ws_client: echo of ${want.length} bytes differs ` +
		    `(got ${all.length})`);
		failed = true;
	} else {
		console.log(`ok ${o.type} ${want.length} bytes`);
	}
	next();
});
ws.on('unexpected-response', (req, res) => {
	console.error(`ws_client: HTTP ${res.statusCode}`);
	process.exit(1);
});
ws.on('error', (e) => { console.error(`ws_client: ${e.message}`); failed = true; });
ws.on('close', (code, reason) => {
	clearTimeout(timer);
	if (o.printClose) console.log(`close ${code}`);
	if (idx < o.sizes.length) {
		console.error(`ws_client: closed (${code} ${reason}) during message ${idx}`);
		failed = true;
	}
	process.exit(failed ? 1 : 0);
});
