#!/usr/bin/env node
// ws_deflate.js - permessage-deflate echo checks with the npm "ws" client.
//
//   node ws_deflate.js --url ws://127.0.0.1:PORT/ --sizes 1024,65536
//        [--pmd JSON] [--expect-ext VALUE|none] [--types text,binary]
//        [--contents compressible,random] [--lines] [--timeout S]
//
// --pmd is the perMessageDeflate option: true (default), false, or an
// object such as {"serverNoContextTakeover":true,"serverMaxWindowBits":9}.
// ws compresses every message of 1 KiB or more (its default threshold).  The
// Sec-WebSocket-Extensions answer is printed ("ext VALUE" / "ext none") and
// compared with --expect-ext.
//
// For each type, content and size, one message (text: valid UTF-8 without
// CR or LF; compressible, or as random as the type allows); then the echo:
// from a TCP echo backend the binary messages coming back are concatenated
// up to the size; with --lines (a program in text mode) one text message
// must come back equal to what was sent.  Per type and content:
//     ok TYPE CONTENT sizes=... payload=BYTES wire=BYTES
// wire: bytes read from the socket meanwhile.  Then close 1000 ("close
// CODE").  Exit 0 when every echo matched and the answer was as expected.
'use strict';
const crypto = require('crypto');
const WebSocket = require('ws');

function parse(argv) {
	const o = { sizes: [], pmd: true, expectExt: null, types: ['text', 'binary'],
		contents: ['compressible', 'random'], lines: false, timeout: 60,
		url: null };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i], v = () => argv[++i];
		if (a === '--url') o.url = v();
		else if (a === '--sizes') o.sizes = v().split(',').map(Number);
		else if (a === '--pmd') o.pmd = JSON.parse(v());
		else if (a === '--expect-ext') o.expectExt = v();
		else if (a === '--types') o.types = v().split(',');
		else if (a === '--contents') o.contents = v().split(',');
		else if (a === '--lines') o.lines = true;
		else if (a === '--timeout') o.timeout = Number(v());
		else { console.error(`ws_deflate: unknown argument ${a}`); process.exit(2); }
	}
	if (!o.url || o.sizes.some(isNaN)) {
		console.error('ws_deflate: need --url and --sizes'); process.exit(2);
	}
	return o;
}

// b cut to n bytes on a character boundary, padded with 'z'.
function cutUtf8(b, n) {
	let j = Math.min(n, b.length);
	if (j < b.length) {
		let k = j;
		while (k > 0 && (b[k] & 0xc0) === 0x80) k--;	// b[k]: lead of the cut char
		j = k;
	}
	const out = Buffer.alloc(n, 0x7a);
	b.copy(out, 0, 0, j);
	return out;
}

function compressibleText(n, seed) {
	const parts = [];
	let total = 0;
	for (let i = seed * 1000; total < n; i++) {
		const s = `line ${String(i).padStart(8, '0')}: the quick brown fox ` +
		    `\u2014 jumps over the lazy dog, \u03ba\u1f79\u03c3\u03bc\u03b5 ` +
		    `\u{1F600} ${String(i % 97).padStart(2, '0')}; `;
		const b = Buffer.from(s, 'utf8');
		parts.push(b);
		total += b.length;
	}
	return cutUtf8(Buffer.concat(parts), n);
}

function randomText(n) {
	const s = crypto.randomBytes(Math.ceil(n * 3 / 4) + 3).toString('base64')
	    .replace(/\+/g, '\u00e9').replace(/\//g, '\u20ac');
	return cutUtf8(Buffer.from(s, 'utf8'), n);
}

function compressibleBinary(n, seed) {
	const b = compressibleText(n, seed);
	for (let i = 0; i < n; i += 3) b[i] ^= 0xa5;
	return b;
}

function payload(type, content, n, seed, lines) {
	if (type === 'text' || lines)
		return content === 'compressible' ? compressibleText(n, seed) :
		    randomText(n);
	return content === 'compressible' ? compressibleBinary(n, seed) :
	    crypto.randomBytes(n);
}

const o = parse(process.argv.slice(2));
const timer = setTimeout(() => {
	console.error(`ws_deflate: timeout after ${o.timeout}s`);
	process.exit(1);
}, o.timeout * 1000);

const ws = new WebSocket(o.url, { perMessageDeflate: o.pmd, maxPayload: 0 });
const jobs = [];
for (const t of o.types)
	for (const c of o.contents)
		for (const n of o.sizes) jobs.push({ t, c, n });
let idx = -1, want = null, got = [], gotLen = 0, failed = false, seed = 0;
let groupWire = 0, groupPayload = 0;

function wire() { return ws._socket ? ws._socket.bytesRead : 0; }

function next() {
	idx++;
	if (idx >= jobs.length) { ws.close(1000, 'done'); return; }
	const j = jobs[idx];
	if (idx === 0 || jobs[idx - 1].t !== j.t || jobs[idx - 1].c !== j.c) {
		groupWire = wire();
		groupPayload = 0;
	}
	want = payload(j.t, j.c, j.n, ++seed, o.lines);
	groupPayload += j.n;
	got = []; gotLen = 0;
	ws.send(want, { binary: j.t === 'binary' });
}

function done() {
	const j = jobs[idx];
	if (idx + 1 >= jobs.length || jobs[idx + 1].t !== j.t ||
	    jobs[idx + 1].c !== j.c) {
		const sizes = jobs.filter((x) => x.t === j.t && x.c === j.c)
		    .map((x) => x.n).join(',');
		console.log(`ok ${j.t} ${j.c} sizes=${sizes} payload=${groupPayload} ` +
		    `wire=${wire() - groupWire}`);
	}
	next();
}

ws.on('upgrade', (res) => {
	const ext = res.headers['sec-websocket-extensions'];
	console.log(`ext ${ext === undefined ? 'none' : ext}`);
	if (o.expectExt !== null && (ext === undefined ? 'none' : ext) !== o.expectExt) {
		console.error(`ws_deflate: answer ${ext}, want ${o.expectExt}`);
		failed = true;
	}
});
ws.on('open', next);
ws.on('message', (data, isBinary) => {
	const j = jobs[idx];
	if (!want) {
		console.error(`ws_deflate: ${data.length} unexpected bytes`);
		failed = true;
		return;
	}
	if (o.lines) {
		if (isBinary) {
			console.error('ws_deflate: binary message in text mode');
			failed = true;
		}
		if (!data.equals(want)) {
			console.error(`ws_deflate: ${j.t} ${j.c} ${j.n}: echo differs ` +
			    `(got ${data.length})`);
			failed = true;
		}
		done();
		return;
	}
	if (!isBinary) {
		console.error('ws_deflate: text message from the server');
		failed = true;
	}
	got.push(data); gotLen += data.length;
	if (gotLen < want.length) return;
	const all = Buffer.concat(got);
	if (!all.equals(want)) {
		console.error(`ws_deflate: ${j.t} ${j.c} ${j.n}: echo differs ` +
		    `(got ${all.length})`);
		failed = true;
	}
	done();
});
ws.on('unexpected-response', (req, res) => {
	console.error(`ws_deflate: HTTP ${res.statusCode}`);
	process.exit(1);
});
ws.on('error', (e) => { console.error(`ws_deflate: ${e.message}`); failed = true; });
ws.on('close', (code, reason) => {
	clearTimeout(timer);
	console.log(`close ${code}`);
	if (idx < jobs.length) {
		console.error(`ws_deflate: closed (${code} ${reason}) during message ${idx}`);
		failed = true;
	}
	process.exit(failed ? 1 : 0);
});
