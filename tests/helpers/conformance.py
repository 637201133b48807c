#!/usr/bin/python3
"""conformance.py - wsbridge's own RFC 6455 conformance suite.

    conformance.py [HOST] PORT [--category C]... [--case ID]... [--list]
                   [--max-message BYTES] [--max-header BYTES] [--timeout S]

Runs against a wsbridge whose --connect target is an echo backend: every
payload byte a message carries comes back, in binary messages chunked at the
server's will, so echo checks concatenate what comes back.  Categories follow
Autobahn|Testsuite's numbering where they overlap:
  1 framing   2 ping/pong   3 reserved bits   4 reserved opcodes
  5 fragmentation   6 UTF-8   7 close handling   9 limits   h handshake
  12 compressed echo (permessage-deflate: each parameter set, replies
     inflated under exactly the agreed rules)   13 compression errors
--max-message tells the limit the server was started with (9.x and 13.4 cases
that need it are skipped without it).  12 and 13 need the server's default
--deflate on.  Prints one line per case, PASS/FAIL/SKIP, then
"N passed, N failed"; exits 0 only if none failed.  Every wait has a deadline.
"""

import argparse
import base64
import os
import socket
import struct
import sys
import time
import traceback
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsraw import (WS, Closed, Timeout, frame, close_payload,  # noqa: E402
    upgrade_request, accept_for, connect_ws, pattern, text_pattern,
    b64_decode_stream, OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING,
    OP_PONG)
import pmdraw  # noqa: E402


class Fail(Exception):
	pass


class Skip(Exception):
	pass


CASES = []


def case(cid, desc, cat=None):
	def reg(fn):
		CASES.append((cid, cat or cid.split(".")[0], desc, fn))
		return fn
	return reg


def cases(cat, items):
	"""Register one case per item: items are (id, desc, fn) tuples."""
	for cid, desc, fn in items:
		CASES.append((cid, cat, desc, fn))


class Ctx:
	def __init__(self, args):
		self.host, self.port = args.host, args.port
		self.max_message = args.max_message
		self.max_header = args.max_header
		self.t = args.timeout

	def ws(self, **kw):
		return connect_ws(self.host, self.port, self.t, **kw)

	def raw(self):
		return WS(self.host, self.port, self.t)


# -- checks

def expect_echo(ws, payload, what="echo"):
	"""The payload comes back (binary messages), then nothing else before a
	ping's pong."""
	data, seen, stop = ws.collect(len(payload))
	if stop is not None:
		raise Fail(f"{what}: got {len(data)}/{len(payload)} bytes, "
		    f"then {stop!r}")
	if data != payload:
		raise Fail(f"{what}: {len(data)} bytes differ from those sent")
	bad = [f for f in seen if f.opcode not in (OP_BINARY, OP_CONT)]
	if bad:
		raise Fail(f"{what}: non-binary data frame {bad[0]!r}")
	expect_alive(ws, what)


def expect_alive(ws, what="alive"):
	ok, seen = ws.ping_sync(b"sync")
	if not ok:
		raise Fail(f"{what}: no pong to a sync ping; saw {seen[:3]!r}")
	if seen:
		raise Fail(f"{what}: unexpected frames {seen[:3]!r}")


def expect_close(ws, code, allow_data=True, what="close"):
	"""The server sends a close frame with code (None: empty payload or
	1000) and then closes TCP without sending anything else."""
	cf, data, closed = ws.expect_close()
	if cf is None:
		raise Fail(f"{what}: no close frame (tcp closed={closed}, "
		    f"frames={data[:3]!r})")
	got = cf.close_code()
	if code is None:
		if got not in (None, 1000):
			raise Fail(f"{what}: close code {got}, want none or 1000")
	elif got != code:
		raise Fail(f"{what}: close code {got}, want {code} "
		    f"(reason {cf.payload[2:]!r})")
	if cf.masked or not cf.fin or cf.rsv:
		raise Fail(f"{what}: malformed close frame {cf!r}")
	if len(cf.payload) == 1:
		raise Fail(f"{what}: 1-byte close payload")
	try:
		cf.payload[2:].decode()
	except UnicodeDecodeError:
		raise Fail(f"{what}: close reason not UTF-8")
	bad = [f for f in data if f.opcode not in (OP_BINARY, OP_CONT) or
	    not allow_data]
	if bad:
		raise Fail(f"{what}: frame before close: {bad[0]!r}")
	if cf.after:
		raise Fail(f"{what}: {len(cf.after)} bytes after the close "
		    "frame")
	if not closed:
		raise Fail(f"{what}: server did not close TCP after close")
	return cf, data


def clean_close(ws):
	ws.send_close(1000)
	expect_close(ws, 1000, what="final close")


def run_echo(ctx, op, payload, split=None, frags=None):
	ws = ctx.ws()
	if frags:
		step = max(1, -(-len(payload) // frags))
		parts = [payload[i:i + step]
		    for i in range(0, len(payload), step)] or [b""]
		data = b"".join(frame(op if i == 0 else OP_CONT, p,
		    fin=i == len(parts) - 1) for i, p in enumerate(parts))
	else:
		data = frame(op, payload)
	ws.send(data, split)
	expect_echo(ws, payload)
	clean_close(ws)


def run_fail(ctx, data, code, split=None, allow_data=True, prefix=None):
	"""Send data (bytes or list of frame bytes) and expect close code."""
	ws = ctx.ws()
	if isinstance(data, list):
		data = b"".join(data)
	if prefix is not None:
		ws.send(prefix[0])
		expect_echo(ws, prefix[1], "prefix echo")
	ws.send(data, split)
	expect_close(ws, code, allow_data)


# -- 1 framing

LENGTHS = [0, 125, 126, 127, 128, 65535, 65536]


def _c1():
	items = []
	for n, (op, name, gen) in enumerate([
	    (OP_TEXT, "text", text_pattern),
	    (OP_BINARY, "binary", lambda k: pattern(k, k))]):
		for i, ln in enumerate(LENGTHS):
			p = gen(ln)
			items.append((f"1.{n + 1}.{i + 1}",
			    f"{name} {ln} bytes, one write",
			    lambda c, op=op, p=p: run_echo(c, op, p)))
			items.append((f"1.{n + 3}.{i + 1}",
			    f"{name} {ln} bytes, byte by byte",
			    lambda c, op=op, p=p: run_echo(c, op, p, split=1)))
	items.append(("1.5.1", "binary 65536 bytes in odd-sized writes",
	    lambda c: run_echo(c, OP_BINARY, pattern(65536, 7),
	    split=[1, 3, 7, 1000, 2, 4099])))
	items.append(("1.5.2", "three messages in one write",
	    lambda c: _three(c)))
	items.append(("1.6.1", "unmasked text frame -> 1002",
	    lambda c: run_fail(c, frame(OP_TEXT, b"hello", mask=False), 1002)))
	items.append(("1.6.2", "unmasked binary after a good one -> 1002",
	    lambda c: run_fail(c, frame(OP_BINARY, b"xy", mask=False), 1002,
	    prefix=(frame(OP_BINARY, b"ok"), b"ok"))))
	items.append(("1.6.3", "5 bytes with a 16-bit length -> 1002",
	    lambda c: run_fail(c, frame(OP_TEXT, b"hello", length_form=16),
	    1002)))
	items.append(("1.6.4", "200 bytes with a 64-bit length -> 1002",
	    lambda c: run_fail(c, frame(OP_BINARY, pattern(200),
	    length_form=64), 1002)))
	items.append(("1.6.5", "65535 bytes with a 64-bit length -> 1002",
	    lambda c: run_fail(c, frame(OP_BINARY, pattern(65535),
	    length_form=64), 1002)))
	items.append(("1.6.6", "0 bytes with a 16-bit length -> 1002",
	    lambda c: run_fail(c, frame(OP_BINARY, b"", length_form=16),
	    1002)))
	items.append(("1.6.7", "unmasked ping -> 1002",
	    lambda c: run_fail(c, frame(OP_PING, b"p", mask=False), 1002)))
	return items


def _three(ctx):
	ws = ctx.ws()
	a, b, c = b"first", pattern(300, 3), text_pattern(70000)
	ws.send(frame(OP_TEXT, a) + frame(OP_BINARY, b) + frame(OP_TEXT, c))
	expect_echo(ws, a + b + c)
	clean_close(ws)


cases("1", _c1())


# -- 2 ping/pong

def ping_case(payload, split=None):
	def fn(ctx):
		ws = ctx.ws()
		ws.send(frame(OP_PING, payload), split)
		f = ws.recv_frame()
		if f.opcode != OP_PONG or f.payload != payload or not f.fin \
		    or f.masked:
			raise Fail(f"want pong with the ping's payload, got {f!r}")
		expect_alive(ws)
		clean_close(ws)
	return fn


def ping_126(ctx):
	run_fail(ctx, frame(OP_PING, b"x" * 126), 1002, allow_data=False)


def pong_ignored(payload):
	def fn(ctx):
		ws = ctx.ws()
		ws.send(frame(OP_PONG, payload) + frame(OP_TEXT, b"after pong"))
		expect_echo(ws, b"after pong")
		clean_close(ws)
	return fn


def ping_in_fragments(ctx):
	ws = ctx.ws()
	ws.send(frame(OP_TEXT, b"frag1-", fin=False) +
	    frame(OP_PING, b"between") +
	    frame(OP_CONT, b"frag2-", fin=False) +
	    frame(OP_PING, b"between2") +
	    frame(OP_CONT, b"frag3", fin=True))
	data = bytearray()
	pongs = []
	dl = ws.deadline()
	while len(data) < 17 or len(pongs) < 2:
		try:
			f = ws.recv_frame(deadline=dl)
		except (Closed, Timeout) as e:
			raise Fail(f"{type(e).__name__}: data={bytes(data)!r} "
			    f"pongs={pongs!r}")
		if f.opcode == OP_PONG:
			pongs.append(f.payload)
		elif f.opcode in (OP_BINARY, OP_CONT):
			data += f.payload
		else:
			raise Fail(f"unexpected {f!r}")
	if bytes(data) != b"frag1-frag2-frag3" or pongs != [b"between",
	    b"between2"]:
		raise Fail(f"data={bytes(data)!r} pongs={pongs!r}")
	expect_alive(ws)
	clean_close(ws)


def ten_pings(ctx):
	ws = ctx.ws()
	want = [f"ping {i}".encode() for i in range(10)]
	ws.send(b"".join(frame(OP_PING, p) for p in want))
	got = []
	for _ in want:
		f = ws.recv_frame()
		if f.opcode != OP_PONG:
			raise Fail(f"unexpected {f!r}")
		got.append(f.payload)
	if got != want:
		raise Fail(f"pongs {got!r}")
	clean_close(ws)


cases("2", [
	("2.1", "empty ping -> empty pong", ping_case(b"")),
	("2.2", "text ping payload echoed", ping_case(b"Hello, world!")),
	("2.3", "binary ping payload echoed",
	    ping_case(bytes([0, 255, 254, 253, 252, 251, 250, 249]))),
	("2.4", "125-byte ping echoed", ping_case(pattern(125, 4))),
	("2.5", "126-byte ping -> 1002", ping_126),
	("2.6", "125-byte ping byte by byte", ping_case(pattern(125, 5), 1)),
	("2.7", "unsolicited empty pong ignored", pong_ignored(b"")),
	("2.8", "unsolicited pong with payload ignored",
	    pong_ignored(b"unsolicited")),
	("2.9", "pings between fragments answered", ping_in_fragments),
	("2.10", "ten pings, ten pongs in order", ten_pings),
])


# -- 3 reserved bits

def rsv_case(rsv, fr, prefix=False):
	def fn(ctx):
		run_fail(ctx, fr, 1002, prefix=(frame(OP_TEXT, b"hello"),
		    b"hello") if prefix else None)
	return fn


cases("3", [
	("3.1", "text with RSV1 -> 1002",
	    rsv_case(4, frame(OP_TEXT, b"hi", rsv=4))),
	("3.2", "good text, then text with RSV2 -> 1002",
	    rsv_case(2, frame(OP_TEXT, b"hi", rsv=2), True)),
	("3.3", "binary with RSV3 -> 1002",
	    rsv_case(1, frame(OP_BINARY, b"\x00\xff", rsv=1))),
	("3.4", "ping with all RSV bits -> 1002",
	    rsv_case(7, frame(OP_PING, b"p", rsv=7))),
	("3.5", "close with RSV1 -> 1002",
	    rsv_case(4, frame(OP_CLOSE, close_payload(1000), rsv=4))),
	("3.6", "continuation with RSV2 -> 1002",
	    rsv_case(2, frame(OP_TEXT, b"a", fin=False) +
	    frame(OP_CONT, b"b", rsv=2))),
	("3.7", "empty text with RSV1 -> 1002",
	    rsv_case(4, frame(OP_TEXT, b"", rsv=4))),
])


# -- 4 reserved opcodes

def opcode_case(op, payload, prefix=False, trailing_ping=False):
	def fn(ctx):
		data = frame(op, payload)
		if trailing_ping:
			data += frame(OP_PING, b"after")
		ws = ctx.ws()
		if prefix:
			ws.send(frame(OP_TEXT, b"hello"))
			expect_echo(ws, b"hello", "prefix echo")
		ws.send(data)
		cf, _ = expect_close(ws, 1002)
	return fn


def _c4():
	items = []
	for i, op in enumerate([3, 4, 5, 6, 7]):
		items.append((f"4.1.{i + 1}", f"data opcode {op:#x} -> 1002",
		    opcode_case(op, b"reserved" if i % 2 else b"",
		    prefix=i == 2, trailing_ping=i == 3)))
	for i, op in enumerate([0xB, 0xC, 0xD, 0xE, 0xF]):
		items.append((f"4.2.{i + 1}", f"control opcode {op:#x} -> 1002",
		    opcode_case(op, b"reserved" if i % 2 else b"",
		    prefix=i == 2, trailing_ping=i == 3)))
	return items


cases("4", _c4())


# -- 5 fragmentation

def frag_echo(op, parts, split=None, pings=False):
	def fn(ctx):
		ws = ctx.ws()
		out = b""
		for i, p in enumerate(parts):
			out += frame(op if i == 0 else OP_CONT, p,
			    fin=i == len(parts) - 1)
		ws.send(out, split)
		expect_echo(ws, b"".join(parts))
		clean_close(ws)
	return fn


def close_mid_message(ctx):
	ws = ctx.ws()
	ws.send(frame(OP_TEXT, b"partial", fin=False))
	# the fragment may already come back (messages stream): data is fine
	ok, seen = ws.ping_sync(b"sync")
	if not ok or any(f.opcode not in (OP_BINARY, OP_CONT) for f in seen):
		raise Fail(f"no pong after the first fragment; saw {seen[:3]!r}")
	ws.send_close(1000)
	expect_close(ws, 1000)


cases("5", [
	("5.1", "fragmented ping -> 1002",
	    lambda c: run_fail(c, [frame(OP_PING, b"a", fin=False),
	    frame(OP_CONT, b"b")], 1002)),
	("5.2", "fragmented pong -> 1002",
	    lambda c: run_fail(c, [frame(OP_PONG, b"a", fin=False),
	    frame(OP_CONT, b"b")], 1002)),
	("5.3", "text in 2 fragments",
	    frag_echo(OP_TEXT, [b"fragment1", b"fragment2"])),
	("5.4", "text in 2 fragments, byte by byte",
	    frag_echo(OP_TEXT, [b"fragment1", b"fragment2"], split=1)),
	("5.5", "binary in 3 fragments",
	    frag_echo(OP_BINARY, [pattern(1000, 1), pattern(70000, 2),
	    pattern(5, 3)])),
	("5.6", "binary in 100 one-byte fragments",
	    frag_echo(OP_BINARY, [bytes([i]) for i in range(100)])),
	("5.7", "text with empty fragments",
	    frag_echo(OP_TEXT, [b"", b"abc", b"", b"def", b""])),
	("5.8", "all-empty fragmented text (nothing to echo)",
	    lambda c: (lambda ws: (ws.send(frame(OP_TEXT, b"", fin=False) +
	    frame(OP_CONT, b"", fin=False) + frame(OP_CONT, b"")),
	    expect_alive(ws), clean_close(ws)))(c.ws())),
	("5.9", "continuation (fin) without a start -> 1002",
	    lambda c: run_fail(c, frame(OP_CONT, b"orphan"), 1002)),
	("5.10", "continuation (no fin) without a start -> 1002",
	    lambda c: run_fail(c, frame(OP_CONT, b"orphan", fin=False), 1002)),
	("5.11", "continuation after a complete message -> 1002",
	    lambda c: run_fail(c, frame(OP_CONT, b"late"), 1002,
	    prefix=(frame(OP_TEXT, b"whole"), b"whole"))),
	("5.12", "text inside a fragmented text -> 1002",
	    lambda c: run_fail(c, [frame(OP_TEXT, b"one", fin=False),
	    frame(OP_TEXT, b"two")], 1002)),
	("5.13", "binary inside a fragmented text -> 1002",
	    lambda c: run_fail(c, [frame(OP_TEXT, b"one", fin=False),
	    frame(OP_BINARY, b"two", fin=False)], 1002)),
	("5.14", "fragmented close -> 1002",
	    lambda c: run_fail(c, [frame(OP_CLOSE, close_payload(1000),
	    fin=False), frame(OP_CONT, b"")], 1002)),
	("5.15", "close in the middle of a fragmented message",
	    close_mid_message),
	("5.16", "ping between fragments, byte by byte",
	    lambda c: (lambda ws: (ws.send(frame(OP_BINARY, b"ab",
	    fin=False) + frame(OP_PING, b"pp") + frame(OP_CONT, b"cd"), 1),
	    _expect_pong_and_data(ws, b"pp", b"abcd"), clean_close(ws)))(
	    c.ws())),
])


def _expect_pong_and_data(ws, pong, data):
	got = bytearray()
	seen_pong = False
	dl = ws.deadline()
	while len(got) < len(data) or not seen_pong:
		try:
			f = ws.recv_frame(deadline=dl)
		except (Closed, Timeout) as e:
			raise Fail(f"{type(e).__name__}: data={bytes(got)!r} "
			    f"pong={seen_pong}")
		if f.opcode == OP_PONG and f.payload == pong:
			seen_pong = True
		elif f.opcode in (OP_BINARY, OP_CONT):
			got += f.payload
		else:
			raise Fail(f"unexpected {f!r}")
	if bytes(got) != data:
		raise Fail(f"data {bytes(got)!r}")


# -- 6 UTF-8

KOSME = "κόσμε".encode()

VALID = [
	("6.1.1", "Greek κόσμε", KOSME),
	("6.1.2", "mixed Latin-1 supplement", "Hello-µ@ßöäüàá-UTF-8!!".encode()),
	("6.1.3", "U+0000 and U+007F", b"\x00\x7f"),
	("6.1.4", "U+0080 and U+07FF", b"\xc2\x80\xdf\xbf"),
	("6.1.5", "U+0800 and U+FFFF", b"\xe0\xa0\x80\xef\xbf\xbf"),
	("6.1.6", "U+D7FF and U+E000 (around surrogates)",
	    b"\xed\x9f\xbf\xee\x80\x80"),
	("6.1.7", "U+10000 and U+10FFFF", b"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"),
	("6.1.8", "U+FFFE noncharacter is valid UTF-8", b"\xef\xbf\xbe"),
]

INVALID = [
	("6.3.1", "lone 0xFF", b"\xff"),
	("6.3.2", "lone 0xFE", b"\xfe"),
	("6.3.3", "lone continuation 0x80", b"\x80"),
	("6.3.4", "overlong NUL C0 80", b"\xc0\x80"),
	("6.3.5", "overlong C1 BF", b"\xc1\xbf"),
	("6.3.6", "overlong E0 80 80", b"\xe0\x80\x80"),
	("6.3.7", "overlong E0 9F BF", b"\xe0\x9f\xbf"),
	("6.3.8", "overlong F0 8F BF BF", b"\xf0\x8f\xbf\xbf"),
	("6.3.9", "surrogate U+D800", b"\xed\xa0\x80"),
	("6.3.10", "surrogate U+DFFF", b"\xed\xbf\xbf"),
	("6.3.11", "above U+10FFFF (F4 90 80 80)", b"\xf4\x90\x80\x80"),
	("6.3.12", "F5 lead byte", b"\xf5\x80\x80\x80"),
	("6.3.13", "5-byte sequence F8", b"\xf8\x88\x80\x80\x80"),
	("6.3.14", "bad continuation C2 41", b"\xc2\x41"),
	("6.3.15", "κόσμε + surrogate + text", KOSME + b"\xed\xa0\x80edited"),
	("6.3.16", "E2 82 followed by ASCII", b"\xe2\x82A"),
]


def utf8_echo(payload):
	def fn(ctx):
		run_echo(ctx, OP_TEXT, payload)
	return fn


def utf8_every_split(ctx):
	"""κόσμε split in two fragments at every byte offset, on one
	connection."""
	ws = ctx.ws()
	want = b""
	for i in range(len(KOSME) + 1):
		ws.send(frame(OP_TEXT, KOSME[:i], fin=False) +
		    frame(OP_CONT, KOSME[i:]))
		want += KOSME
	expect_echo(ws, want)
	clean_close(ws)


def utf8_three_way(ctx):
	"""A 4-byte sequence split over three fragments."""
	run_echo(ctx, OP_TEXT, b"x\xf0\x9f\x98\x80y", frags=3)


def utf8_fail_fast_frag(ctx):
	"""An invalid first fragment is refused before the message ends."""
	ws = ctx.ws()
	ws.send(frame(OP_TEXT, KOSME + b"\xed\xa0\x80", fin=False))
	expect_close(ws, 1007)


def utf8_fail_fast_frame(ctx):
	"""An invalid byte early in a frame whose rest never comes."""
	ws = ctx.ws()
	key = b"\x01\x02\x03\x04"
	full = frame(OP_TEXT, b"ab\xff" + b"c" * 997, key=key)
	ws.send(full[:2 + 2 + 4 + 10])	# header (16-bit len) + 10 bytes
	expect_close(ws, 1007)


cases("6", [(cid, f"valid {d} echoed", utf8_echo(p))
    for cid, d, p in VALID] + [
	("6.2.1", "κόσμε split at every byte across two fragments",
	    utf8_every_split),
	("6.2.2", "4-byte sequence split over three fragments",
	    utf8_three_way),
	("6.2.3", "valid text byte by byte",
	    lambda c: run_echo(c, OP_TEXT, KOSME + b"\xf4\x8f\xbf\xbf",
	    split=1)),
	("6.2.4", "invalid UTF-8 in a binary message is just bytes",
	    lambda c: run_echo(c, OP_BINARY, b"\xff\xfe\xed\xa0\x80")),
] + [(cid, f"invalid: {d} -> 1007",
    lambda c, p=p: run_fail(c, frame(OP_TEXT, p), 1007))
    for cid, d, p in INVALID] + [
	("6.4.1", "fail fast: invalid first fragment, no more sent",
	    utf8_fail_fast_frag),
	("6.4.2", "fail fast: invalid byte in an unfinished frame",
	    utf8_fail_fast_frame),
	("6.4.3", "invalid sequence in a continuation -> 1007",
	    lambda c: run_fail(c, [frame(OP_TEXT, b"good", fin=False),
	    frame(OP_CONT, b"\xc0\xaf")], 1007)),
	("6.5.1", "truncated 2-byte sequence at message end -> 1007",
	    lambda c: run_fail(c, frame(OP_TEXT, b"\xce"), 1007)),
	("6.5.2", "κόσ + truncated sequence at message end -> 1007",
	    lambda c: run_fail(c, frame(OP_TEXT, "κόσ".encode() + b"\xce"),
	    1007)),
	("6.5.3", "truncated 3-byte sequence at fragmented end -> 1007",
	    lambda c: run_fail(c, [frame(OP_TEXT, b"abc", fin=False),
	    frame(OP_CONT, b"\xe2\x82")], 1007)),
	("6.5.4", "truncated 4-byte sequence in an empty-final message -> 1007",
	    lambda c: run_fail(c, [frame(OP_TEXT, b"\xf0\x9f\x98", fin=False),
	    frame(OP_CONT, b"")], 1007)),
])


# -- 7 close handling

VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012,
    1013, 1014, 3000, 3999, 4000, 4999]
INVALID_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999,
    5000, 65535]


def close_echo(code, reason=b""):
	def fn(ctx):
		ws = ctx.ws()
		ws.send_close(code, reason)
		expect_close(ws, code, allow_data=False)
	return fn


def close_empty(ctx):
	ws = ctx.ws()
	ws.send_close(None)
	expect_close(ws, None, allow_data=False)


def data_after_close(ctx):
	ws = ctx.ws()
	ws.close_sent = True
	ws.send(frame(OP_CLOSE, close_payload(1000)) +
	    frame(OP_TEXT, b"after close") + frame(OP_PING, b"after"))
	expect_close(ws, 1000, allow_data=False)


def server_closes_tcp(ctx):
	"""After the close handshake the server closes TCP on its own: the
	client does not close its side."""
	ws = ctx.ws()
	ws.send_close(1000)
	cf, data, closed = ws.expect_close(reply=False)
	if cf is None or cf.close_code() != 1000:
		raise Fail(f"close frame {cf!r}")
	if not closed:
		raise Fail("server kept TCP open after the close handshake")


def data_then_close(ctx):
	ws = ctx.ws()
	ws.send(frame(OP_TEXT, b"before close"))
	expect_echo(ws, b"before close")
	ws.send_close(1000, b"done")
	expect_close(ws, 1000)


cases("7", [
	("7.1.1", "empty close -> empty close or 1000", close_empty),
	("7.1.2", "close 1000 with a reason echoed",
	    close_echo(1000, b"normal closure")),
	("7.1.3", "data and ping after close not answered", data_after_close),
	("7.1.4", "server closes TCP after the close handshake",
	    server_closes_tcp),
	("7.1.5", "echoed data, then close", data_then_close),
	("7.1.6", "1-byte close payload -> 1002",
	    lambda c: run_fail(c, frame(OP_CLOSE, b"\x03"), 1002,
	    allow_data=False)),
	("7.1.7", "close with a 123-byte reason echoed",
	    close_echo(1000, b"r" * 123)),
	("7.1.8", "126-byte close payload -> 1002",
	    lambda c: run_fail(c, frame(OP_CLOSE, close_payload(1000,
	    b"r" * 124)), 1002, allow_data=False)),
	("7.1.9", "close reason with invalid UTF-8 -> 1007",
	    lambda c: run_fail(c, frame(OP_CLOSE, close_payload(1000,
	    b"bad \xed\xa0\x80 reason")), 1007, allow_data=False)),
	("7.1.10", "close reason with truncated UTF-8 -> 1007",
	    lambda c: run_fail(c, frame(OP_CLOSE, close_payload(1000,
	    b"cut \xe2\x82")), 1007, allow_data=False)),
	("7.1.11", "close reason with valid multi-byte UTF-8 echoed",
	    close_echo(1000, KOSME)),
] + [(f"7.2.{i + 1}", f"valid close code {code} echoed", close_echo(code))
    for i, code in enumerate(VALID_CODES)] + [
	(f"7.3.{i + 1}", f"invalid close code {code} -> 1002",
	    lambda c, code=code: run_fail(c, frame(OP_CLOSE,
	    close_payload(code)), 1002, allow_data=False))
	for i, code in enumerate(INVALID_CODES)])


# -- 9 limits

def need_limit(ctx):
	if not ctx.max_message:
		raise Skip("needs --max-message")
	return ctx.max_message


def top_bit(ctx):
	ws = ctx.ws()
	ws.send(struct.pack("!BBQ", 0x82, 0xFF, (1 << 63) | 5) +
	    b"\x00\x00\x00\x00" + b"hello")
	expect_close(ws, 1002, allow_data=False)


def top_bit_only(ctx):
	"""The header alone (no mask key yet) is enough to refuse."""
	ws = ctx.ws()
	ws.send(struct.pack("!BBQ", 0x81, 0xFF, 1 << 63))
	expect_close(ws, 1002, allow_data=False)


def at_limit(ctx):
	m = need_limit(ctx)
	run_echo(ctx, OP_BINARY, pattern(m, 9))


def over_limit_frame(ctx):
	m = need_limit(ctx)
	run_fail(ctx, frame(OP_BINARY, pattern(m + 1, 9)), 1009)


def over_limit_header(ctx):
	"""A header announcing more than the limit is refused before the
	payload comes."""
	m = need_limit(ctx)
	ws = ctx.ws()
	ws.send(struct.pack("!BBQ", 0x82, 0xFF, m + (1 << 20)) +
	    b"\x00\x00\x00\x00" + b"x" * 10)
	expect_close(ws, 1009)


def over_limit_frags(ctx):
	m = need_limit(ctx)
	h = m // 2
	run_fail(ctx, [frame(OP_TEXT, b"a" * h, fin=False),
	    frame(OP_CONT, b"b" * h, fin=False),
	    frame(OP_CONT, b"c" * (m - 2 * h + 1))], 1009)


def limit_per_message(ctx):
	"""The limit counts one message, not the connection."""
	m = need_limit(ctx)
	ws = ctx.ws()
	for i in range(3):
		p = pattern(m, 20 + i)
		ws.send(frame(OP_BINARY, p[:m // 2], fin=False) +
		    frame(OP_CONT, p[m // 2:]))
		expect_echo(ws, p, f"message {i}")
	clean_close(ws)


def big_echo(ctx):
	if ctx.max_message and ctx.max_message < (4 << 20):
		raise Skip("limit below 4 MiB")
	run_echo(ctx, OP_BINARY, pattern(4 << 20, 11))


cases("9", [
	("9.1.1", "64-bit length with the top bit set -> 1002", top_bit),
	("9.1.2", "top-bit length refused from the header alone",
	    top_bit_only),
	("9.2.1", "message of exactly --max-message echoed", at_limit),
	("9.2.2", "single frame over --max-message -> 1009", over_limit_frame),
	("9.2.3", "frame header announcing more than the limit -> 1009",
	    over_limit_header),
	("9.2.4", "fragments adding up over --max-message -> 1009",
	    over_limit_frags),
	("9.2.5", "three messages each at the limit echoed",
	    limit_per_message),
	("9.3.1", "4 MiB binary frame echoed", big_echo),
])


# -- h handshake

STATUS = {
	400: "HTTP/1.1 400 Bad Request",
	405: "HTTP/1.1 405 Method Not Allowed",
	426: "HTTP/1.1 426 Upgrade Required",
	431: "HTTP/1.1 431 Request Header Fields Too Large",
}


def http_error(req, status, header=None):
	def fn(ctx):
		ws = ctx.raw()
		ws.send(req(ctx) if callable(req) else req)
		try:
			r = ws.read_head()
		except Closed:
			raise Fail("connection closed without an answer")
		if r.status_line != STATUS[status]:
			raise Fail(f"status line {r.status_line!r}, want "
			    f"{STATUS[status]!r}")
		if header and r.header(header[0]) != header[1]:
			raise Fail(f"{header[0]}: {r.header(header[0])!r}, "
			    f"want {header[1]!r}")
		closed, _ = ws.wait_tcp_close()
		if not closed:
			raise Fail("connection not closed after the error reply")
	return fn


def req(**kw):
	return upgrade_request(**kw)[0]


def hs_ok(expect_proto=None, split=None, **kw):
	def fn(ctx):
		ws = ctx.raw()
		request, key = upgrade_request(**kw)
		ws.send(request, split)
		r = ws.read_head(key=key)
		if r.status_line != "HTTP/1.1 101 Switching Protocols":
			raise Fail(f"status line {r.status_line!r}")
		if not r.accept_ok:
			raise Fail("wrong Sec-WebSocket-Accept "
			    f"{r.header('Sec-WebSocket-Accept')!r}")
		if (r.header("Upgrade") or "").lower() != "websocket":
			raise Fail(f"Upgrade: {r.header('Upgrade')!r}")
		if "upgrade" not in (r.header("Connection") or "").lower():
			raise Fail(f"Connection: {r.header('Connection')!r}")
		p = r.header("Sec-WebSocket-Protocol")
		if p != expect_proto:
			raise Fail(f"Sec-WebSocket-Protocol: {p!r}, want "
			    f"{expect_proto!r}")
		ws.send_close(1000)
		expect_close(ws, 1000, allow_data=False)
	return fn


def pipelined(ctx):
	ws = ctx.raw()
	request, key = upgrade_request()
	ws.send(request + frame(OP_BINARY, b"same write") +
	    frame(OP_TEXT, b" and more"))
	r = ws.read_head(key=key)
	if r.status != 101 or not r.accept_ok:
		raise Fail(f"status line {r.status_line!r}")
	expect_echo(ws, b"same write and more")
	clean_close(ws)


def big_head(ctx):
	limit = ctx.max_header or 16384
	return req(extra=[("X-Filler", "f" * (limit + 100))])


def base64_roundtrip(ctx):
	ws = ctx.raw()
	request, key = upgrade_request(protocols="base64")
	ws.send(request)
	r = ws.read_head(key=key)
	if r.status != 101 or r.header("Sec-WebSocket-Protocol") != "base64":
		raise Fail(f"{r.status_line!r} protocol "
		    f"{r.header('Sec-WebSocket-Protocol')!r}")
	data = pattern(3000, 12)
	ws.send(frame(OP_TEXT, base64.b64encode(data[:1000])) +
	    frame(OP_TEXT, base64.b64encode(data[1000:])))
	text = bytearray()
	dl = ws.deadline()
	got = b""
	while len(got) < len(data):
		try:
			f = ws.recv_frame(deadline=dl)
		except (Closed, Timeout) as e:
			raise Fail(f"{type(e).__name__} after {len(got)} bytes")
		if f.opcode not in (OP_TEXT, OP_CONT):
			raise Fail(f"non-text frame in base64 mode {f!r}")
		text += f.payload
		try:
			got = b64_decode_stream(bytes(text))
		except ValueError:
			pass
	if got != data:
		raise Fail("decoded bytes differ")
	clean_close(ws)


cases("h", [
	("h.1", "valid upgrade -> 101 with the right accept", hs_ok()),
	("h.2", "token lists and case: 'keep-alive, Upgrade', 'WebSocket'",
	    hs_ok(extra=[("Connection", "keep-alive, Upgrade"),
	    ("Upgrade", "WebSocket")], omit=("Connection", "Upgrade"))),
	("h.3", "request byte by byte", hs_ok(split=1)),
	("h.4", "subprotocol binary -> binary", hs_ok("binary",
	    protocols="binary")),
	("h.5", "subprotocol base64 -> base64", hs_ok("base64",
	    protocols="base64")),
	("h.6", "unknown subprotocol -> none", hs_ok(None, protocols="chat")),
	("h.7", "'chat, binary' -> binary", hs_ok("binary",
	    protocols="chat, binary")),
	("h.8", "'base64, binary' -> binary", hs_ok("binary",
	    protocols="base64, binary")),
	("h.9", "frames in the same write as the request", pipelined),
	("h.10", "base64 text both ways", base64_roundtrip),
	("h.11", "missing Sec-WebSocket-Version -> 426",
	    http_error(req(omit=("Sec-WebSocket-Version",)), 426,
	    ("Sec-WebSocket-Version", "13"))),
	("h.12", "Sec-WebSocket-Version 8 -> 426",
	    http_error(req(version="8"), 426, ("Sec-WebSocket-Version", "13"))),
	("h.13", "missing Sec-WebSocket-Key -> 400",
	    http_error(req(omit=("Sec-WebSocket-Key",)), 400)),
	("h.14", "short key -> 400", http_error(req(key="abc"), 400)),
	("h.15", "key of 15 bytes -> 400",
	    http_error(req(key=base64.b64encode(b"x" * 15).decode()), 400)),
	("h.16", "key with non-base64 characters -> 400",
	    http_error(req(key="!!!!!!!!!!!!!!!!!!!!!!=="), 400)),
	("h.17", "missing Host -> 400", http_error(req(omit=("Host",)), 400)),
	("h.18", "Upgrade without the websocket token -> 400",
	    http_error(req(omit=("Upgrade",), extra=[("Upgrade", "h2c")]), 400)),
	("h.19", "Connection without the upgrade token -> 400",
	    http_error(req(omit=("Connection",),
	    extra=[("Connection", "keep-alive")]), 400)),
	("h.20", "POST -> 405", http_error(req(method="POST"), 405)),
	("h.21", "plain GET without Upgrade -> 426",
	    http_error(b"GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n", 426)),
	("h.22", "request head over --max-header -> 431",
	    http_error(big_head, 431)),
	("h.23", "garbage request line -> 400",
	    http_error(b"hello there\r\n\r\n", 400)),
])


# -- 12 compressed echo (permessage-deflate, RFC 7692; Autobahn 12.x)

PMD_OFFERS = [
	# (set, description, offer, exact answer)
	("1", "default", "permessage-deflate", "permessage-deflate"),
	("2", "server_no_context_takeover",
	    "permessage-deflate; server_no_context_takeover",
	    "permessage-deflate; server_no_context_takeover"),
	("3", "client_no_context_takeover",
	    "permessage-deflate; client_no_context_takeover",
	    "permessage-deflate; client_no_context_takeover"),
	("4", "both no_context_takeover",
	    "permessage-deflate; server_no_context_takeover; "
	    "client_no_context_takeover",
	    "permessage-deflate; server_no_context_takeover; "
	    "client_no_context_takeover"),
	("5", "server_max_window_bits=9",
	    "permessage-deflate; server_max_window_bits=9",
	    "permessage-deflate; server_max_window_bits=9"),
	("6", "server_max_window_bits=12",
	    "permessage-deflate; server_max_window_bits=12",
	    "permessage-deflate; server_max_window_bits=12"),
	("7", "server_max_window_bits=15",
	    "permessage-deflate; server_max_window_bits=15",
	    "permessage-deflate; server_max_window_bits=15"),
	("8", "client_max_window_bits=9",
	    "permessage-deflate; client_max_window_bits=9",
	    "permessage-deflate; client_max_window_bits=9"),
	("9", "client_max_window_bits without a value",
	    "permessage-deflate; client_max_window_bits",
	    "permessage-deflate; client_max_window_bits=15"),
	("10", "all four parameters",
	    "permessage-deflate; client_max_window_bits=11; "
	    "server_max_window_bits=10; client_no_context_takeover; "
	    "server_no_context_takeover",
	    "permessage-deflate; server_no_context_takeover; "
	    "client_no_context_takeover; server_max_window_bits=10; "
	    "client_max_window_bits=11"),
]

PMD_SIZES = [16, 64, 125, 126, 1000, 4096, 65535, 65536, 131072]


def pmd_conn(ctx, offer, answer=None):
	"""A connection with offer agreed; its answer must be answer exactly
	(when given)."""
	try:
		c = pmdraw.Conn(ctx.host, ctx.port, ctx.t, offers=[offer])
	except RuntimeError as e:
		raise Fail(str(e))
	if answer is not None and c.answer != answer:
		raise Fail(f"offer {offer!r}: answer {c.answer!r}, want "
		    f"{answer!r}")
	if c.codec is None:
		raise Fail(f"offer {offer!r} declined")
	return c


def pmd_echo(c, op, data, what, compress=True, frames=1, final_block=False,
    want_compressed=None):
	"""Send data as one message and read the echo (binary messages, each
	inflated under the agreed rules).  want_compressed: True: the replies
	must be smaller on the wire than half the data; False: no reply may
	have RSV1."""
	c.ws.send(c.frames_for(op, data, compress=compress, frames=frames,
	    final_block=final_block))
	try:
		got, msgs = c.collect(len(data), c.ws.deadline())
	except pmdraw.PmdError as e:
		raise Fail(f"{what}: {e}")
	except (Closed, Timeout) as e:
		raise Fail(f"{what}: {type(e).__name__} waiting for the echo")
	if got != data:
		raise Fail(f"{what}: {len(got)} echoed bytes differ from the "
		    f"{len(data)} sent")
	wire = sum(m.wire for m in msgs)
	if want_compressed is True and wire * 2 > len(data):
		raise Fail(f"{what}: {len(data)} compressible bytes came back "
		    f"as {wire} on the wire ({sum(m.compressed for m in msgs)}"
		    f"/{len(msgs)} messages compressed)")
	if want_compressed is False and any(m.compressed for m in msgs):
		raise Fail(f"{what}: random bytes came back compressed")
	return msgs


def pmd_close(c):
	c.ws.send_close(1000)
	expect_close(c.ws, 1000, what="final close")


def pmd_sizes_case(offer, answer, op, gen, compressible):
	def fn(ctx):
		c = pmd_conn(ctx, offer, answer)
		for i, n in enumerate(PMD_SIZES if compressible else
		    [64, 1000, 65536, 131072]):
			data = gen(n, i)
			pmd_echo(c, op, data, f"{n} bytes",
			    want_compressed=(True if n >= 1000 else None)
			    if compressible else False)
		expect_pmd_alive(c)
		pmd_close(c)
	return fn


def expect_pmd_alive(c):
	try:
		c.ping_sync(c.ws.deadline())
	except (pmdraw.PmdError, Closed, Timeout) as e:
		raise Fail(f"no pong to a sync ping: {e!r}")


def pmd_mixed_case(offer, answer):
	"""Compressed and plain messages in turn, fragmented compressed ones,
	an empty compressed message, a final (BFINAL) block, pings between,
	and the same message five times (the context carries over, or not)."""
	def fn(ctx):
		c = pmd_conn(ctx, offer, answer)
		txt = pmdraw.compressible_text(20000, 5)
		binr = pmdraw.compressible_binary(3000, 6)
		pmd_echo(c, OP_TEXT, txt, "compressed text")
		pmd_echo(c, OP_TEXT, txt, "same text uncompressed",
		    compress=False)
		pmd_echo(c, OP_BINARY, binr, "compressed binary in 3 frames",
		    frames=3)
		c.ws.send(c.frames_for(OP_TEXT, b""))	# one 0x00 byte
		c.ws.send(frame(OP_BINARY, b"", rsv=pmdraw.RSV1))
		expect_pmd_alive(c)
		pmd_echo(c, OP_BINARY, binr, "after empty compressed messages")
		pmd_echo(c, OP_TEXT, pmdraw.compressible_text(5000, 6),
		    "ending in a final block", final_block=True)
		pmd_echo(c, OP_TEXT, pmdraw.compressible_text(4000, 7),
		    "after a final block")
		for i in range(5):
			pmd_echo(c, OP_BINARY, binr, f"repeat {i}",
			    want_compressed=True)
		pmd_echo(c, OP_TEXT, pmdraw.compressible_text(6000, 8),
		    "3-frame text", frames=3)
		expect_pmd_alive(c)
		pmd_close(c)
	return fn


def pmd_ping_between(ctx):
	"""A ping between the frames of a compressed message is answered and
	the message still inflates."""
	c = pmd_conn(ctx, "permessage-deflate")
	data = pmdraw.compressible_text(50000, 8)
	payload = c.codec.compress(data)
	k = len(payload) // 3
	c.ws.send(frame(OP_TEXT, payload[:k], fin=False, rsv=pmdraw.RSV1) +
	    frame(OP_PING, b"between") +
	    frame(OP_CONT, payload[k:2 * k], fin=False) +
	    frame(OP_CONT, payload[2 * k:]))
	got = bytearray()
	pong = False
	dl = c.ws.deadline()
	while len(got) < len(data) or not pong:
		try:
			f = c.ws.recv_frame(deadline=dl)
		except (Closed, Timeout) as e:
			raise Fail(f"{type(e).__name__}: {len(got)} bytes, "
			    f"pong={pong}")
		if f.opcode == OP_PONG and f.payload == b"between":
			pong = True
		elif f.opcode == OP_BINARY:
			try:
				got += c.codec.decompress(f.payload) if f.rsv \
				    else f.payload
			except pmdraw.PmdError as e:
				raise Fail(str(e))
		else:
			raise Fail(f"unexpected {f!r}")
	if bytes(got) != data:
		raise Fail("echo differs")
	pmd_close(c)


def pmd_offer_case(offers, answer):
	"""offers (one field each) get answer (None: no extension); then a
	plain echo works."""
	def fn(ctx):
		try:
			c = pmdraw.Conn(ctx.host, ctx.port, ctx.t, offers=offers)
		except RuntimeError as e:
			raise Fail(str(e))
		if c.answer != answer:
			raise Fail(f"answer {c.answer!r}, want {answer!r}")
		data = pmdraw.compressible_text(3000, 9)
		pmd_echo(c, OP_TEXT, data, "echo", compress=c.codec is not None,
		    want_compressed=None if c.codec else False)
		pmd_close(c)
	return fn


def _c12():
	items = []
	for s, desc, offer, answer in PMD_OFFERS:
		items += [
			(f"12.{s}.1", f"{desc}: compressible text "
			    f"{PMD_SIZES[0]} B..128 KiB",
			    pmd_sizes_case(offer, answer, OP_TEXT,
			    pmdraw.compressible_text, True)),
			(f"12.{s}.2", f"{desc}: compressible binary "
			    f"{PMD_SIZES[0]} B..128 KiB",
			    pmd_sizes_case(offer, answer, OP_BINARY,
			    pmdraw.compressible_binary, True)),
			(f"12.{s}.3", f"{desc}: random binary comes back "
			    "uncompressed", pmd_sizes_case(offer, answer,
			    OP_BINARY, pmdraw.random_binary, False)),
			(f"12.{s}.4", f"{desc}: mixed, fragmented, empty, final "
			    "block, repeats", pmd_mixed_case(offer, answer)),
		]
	items += [
		("12.11.1", "ping between the frames of a compressed message",
		    pmd_ping_between),
		("12.11.2", "client_max_window_bits=8 is agreed (inflated "
		    "with 9)", pmd_offer_case(
		    ["permessage-deflate; client_max_window_bits=8"],
		    "permessage-deflate; client_max_window_bits=8")),
		("12.11.3", "server_max_window_bits=8 declined, the next offer "
		    "taken", pmd_offer_case(
		    ["permessage-deflate; server_max_window_bits=8, "
		    "permessage-deflate; server_max_window_bits=10"],
		    "permessage-deflate; server_max_window_bits=10")),
		("12.11.4", "server_max_window_bits=8 alone: no extension",
		    pmd_offer_case(["permessage-deflate; "
		    "server_max_window_bits=8"], None)),
		("12.11.5", "quoted value accepted",
		    pmd_offer_case(['permessage-deflate; '
		    'server_max_window_bits="11"'],
		    "permessage-deflate; server_max_window_bits=11")),
		("12.11.6", "unknown extension first, ours in a second field",
		    pmd_offer_case(["x-webkit-deflate-frame",
		    "permessage-deflate; client_max_window_bits"],
		    "permessage-deflate; client_max_window_bits=15")),
		("12.11.7", "bad offer then a good one in the same field",
		    pmd_offer_case(["permessage-deflate; foo=1, "
		    "permessage-deflate; server_no_context_takeover"],
		    "permessage-deflate; server_no_context_takeover")),
		("12.11.8", "no offer: no extension",
		    pmd_offer_case([], None)),
	]
	return items


cases("12", _c12())


# -- 13 compression errors (Autobahn 13.x's territory, and RFC 7692 §6)

def pmd_bad_case(name):
	def fn(ctx):
		try:
			code, closed, _ = pmdraw.run_bad(ctx.host, ctx.port, name,
			    ctx.t)
		except (RuntimeError, pmdraw.PmdError) as e:
			raise Fail(str(e))
		want = pmdraw.BAD[name][2]
		if code != want:
			raise Fail(f"close code {code}, want {want}")
		if not closed:
			raise Fail("server did not close TCP after close")
	return fn


def pmd_over_limit(extra, frames=1):
	def fn(ctx):
		m = need_limit(ctx)
		c = pmd_conn(ctx, "permessage-deflate")
		c.ws.send(c.frames_for(OP_BINARY, bytes(m + extra),
		    frames=frames))
		expect_close(c.ws, 1009)
	return fn


def pmd_at_limit(ctx):
	m = need_limit(ctx)
	c = pmd_conn(ctx, "permessage-deflate")
	for i in range(2):
		pmd_echo(c, OP_BINARY, pmdraw.compressible_binary(m, i),
		    f"message {i} of exactly --max-message inflated")
	pmd_close(c)


def pmd_wire_over_limit(ctx):
	"""Stored blocks: more bytes on the wire than --max-message, no more
	than it inflated: echoed."""
	m = need_limit(ctx)
	c = pmd_conn(ctx, "permessage-deflate")
	data = pattern(m, 13)
	z = zlib.compressobj(0, zlib.DEFLATED, -15)
	p = z.compress(data) + z.flush(zlib.Z_SYNC_FLUSH)
	if len(p) - 4 <= m:
		raise Fail("stored payload not over the limit")
	c.ws.send(frame(OP_BINARY, p[:-4], rsv=pmdraw.RSV1))
	try:
		got, _ = c.collect(m, c.ws.deadline())
	except (pmdraw.PmdError, Closed, Timeout) as e:
		raise Fail(f"{len(p) - 4} wire bytes inflating to {m}: {e!r}")
	if got != data:
		raise Fail("echo differs")
	pmd_close(c)


def pmd_bomb_limit(ctx):
	"""64 MiB of zeros in about 64 KiB: 1009 long before it is all
	inflated."""
	m = need_limit(ctx)
	c = pmd_conn(ctx, "permessage-deflate")
	t0 = time.monotonic()
	try:
		c.ws.send(frame(OP_BINARY, pmdraw.zeros_bomb(64),
		    rsv=pmdraw.RSV1))
	except OSError:
		pass
	expect_close(c.ws, 1009)
	dt = time.monotonic() - t0
	if dt > 2:
		raise Fail(f"1009 after {dt:.1f}s (limit {m})")


def pmd_base64_no_rsv1(ctx):
	"""The base64 subprotocol never gets the extension: RSV1 is a
	protocol error there."""
	try:
		c = pmdraw.Conn(ctx.host, ctx.port, ctx.t,
		    offers=["permessage-deflate"], protocols="base64")
	except RuntimeError as e:
		raise Fail(str(e))
	if c.answer is not None:
		raise Fail(f"base64 got the extension: {c.answer!r}")
	c.ws.send(frame(OP_TEXT, b"AAAA", rsv=pmdraw.RSV1))
	expect_close(c.ws, 1002)


def _c13():
	items = []
	groups = {"rsv": "1", "utf8": "2", "corrupt": "3"}
	count = {}
	for name, (_, _, code, desc) in pmdraw.BAD.items():
		g = groups[name.split("-")[0].rstrip("123")]
		count[g] = count.get(g, 0) + 1
		items.append((f"13.{g}.{count[g]}", f"{desc} -> {code}",
		    pmd_bad_case(name)))
	items += [
		("13.4.1", "two messages inflating to exactly --max-message "
		    "echoed", pmd_at_limit),
		("13.4.2", "inflating to --max-message + 1 -> 1009",
		    pmd_over_limit(1)),
		("13.4.3", "3 frames inflating past --max-message -> 1009",
		    pmd_over_limit(1000, frames=3)),
		("13.4.4", "more wire bytes than --max-message, not more "
		    "inflated: echoed", pmd_wire_over_limit),
		("13.4.5", "64 MiB bomb -> 1009 within 2 s", pmd_bomb_limit),
		("13.5.1", "base64 subprotocol: RSV1 -> 1002",
		    pmd_base64_no_rsv1),
	]
	return items


cases("13", _c13())


# -- runner

def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	ap.add_argument("host")
	ap.add_argument("port", nargs="?")
	ap.add_argument("--category", action="append", default=[])
	ap.add_argument("--case", action="append", default=[])
	ap.add_argument("--list", action="store_true")
	ap.add_argument("--max-message", type=int, default=0)
	ap.add_argument("--max-header", type=int, default=0)
	ap.add_argument("--timeout", type=float, default=3.0,
	    help="deadline for each wait (seconds)")
	ap.add_argument("-v", "--verbose", action="store_true")
	args = ap.parse_args()
	if args.port is None:
		args.host, args.port = "127.0.0.1", args.host
	args.host = args.host.strip("[]")
	args.port = int(args.port) if args.port else 0

	sel = [c for c in CASES
	    if (not args.category or c[1] in args.category)
	    and (not args.case or c[0] in args.case)]
	if args.list:
		for cid, cat, desc, _ in sel:
			print(f"{cid}\t{desc}")
		return 0
	if not sel:
		print("conformance: no case selected", file=sys.stderr)
		return 2
	ctx = Ctx(args)
	npass = nfail = nskip = 0
	for cid, cat, desc, fn in sel:
		t0 = time.monotonic()
		try:
			fn(ctx)
		except Skip as e:
			nskip += 1
			print(f"SKIP {cid} {desc}: {e}")
			continue
		except Fail as e:
			nfail += 1
			print(f"FAIL {cid} {desc}: {e}")
			continue
		except (Closed, Timeout, OSError, RuntimeError) as e:
			nfail += 1
			print(f"FAIL {cid} {desc}: {type(e).__name__} {e}")
			if args.verbose:
				traceback.print_exc()
			continue
		npass += 1
		dt = time.monotonic() - t0
		print(f"PASS {cid} {desc}" + (f" ({dt:.2f}s)" if dt > 0.5
		    else ""))
	sys.stdout.flush()
	print(f"conformance: {npass} passed, {nfail} failed" +
	    (f", {nskip} skipped" if nskip else ""))
	return 0 if nfail == 0 else 1


if __name__ == "__main__":
	sys.exit(main())
