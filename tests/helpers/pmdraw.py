#!/usr/bin/python3
"""pmdraw.py - a raw permessage-deflate (RFC 7692) client for wsbridge's tests.

Library, on top of wsraw.py: offer any Sec-WebSocket-Extensions value(s),
compress messages with zlib the way a client does (raw deflate, the sync
flush's 00 00 ff ff removed, context kept or not), read the server's messages
and inflate those with RSV1 using exactly the window and context rules that
were agreed, so a server that breaks them fails to decode.

CLI (every command has a deadline, --timeout, default 20 s; exit 0 = it ran,
the output says what happened; 1 = error or deadline; 2 = usage):
  pmdraw.py offer PORT [--ext VALUE]... [--protocol P] [--rsv1-after]
      Handshake with each --ext as one Sec-WebSocket-Extensions field; print
      "ext=ANSWER" (or "ext=none") and "protocol=P|none"; echo a 300-byte
      text message sent uncompressed and, when the extension was agreed,
      one sent compressed: "echo plain ok rsv=BITS" / "echo deflate ok".
      --rsv1-after then sends an RSV1 text frame: "close=CODE".
  pmdraw.py frag PORT --size N [--type text|binary] [--frames K] [--lines]
      [--ext VALUE] [--count M]
      M times: one message compressed as a whole, its payload cut into K
      frames, RSV1 on the first only, masked.  Expect the echo (--lines:
      one text message per message, as a program in text mode answers).
      Prints "echo ok N bytes xM frames=K compressed_replies=R".
  pmdraw.py bomb PORT [--mib N] [--then close]
      Send one compressed binary message inflating to N MiB of zeros
      (default 1024), payload about N KiB: deflate cannot do better than
      1:1032.  Prints "sent=BYTES of TOTAL" and "close=CODE after=SECONDS"
      once the server's close frame came (the send stops early when the
      server gives up).  --then close: after the whole message, close with
      1000 and wait (up to --timeout) for the server's answer.
  pmdraw.py blocks PORT --mib N --kind data|empty|empty-after-window
      Send N MiB of compressed payload in 64 KiB binary messages as fast as
      the server takes it: "data" is ordinary compressed text, "empty" is
      empty final blocks (03 00) only, "empty-after-window" the same after
      a message that fills the 32 KiB window.  Then close with 1000.
      Prints "sent=BYTES close=CODE".
  pmdraw.py bad PORT --case NAME      one error case (see BAD); prints
      "close=CODE" (or "close=none tcp_closed=B").
HOST is always 127.0.0.1.
"""

import argparse
import base64
import os
import random
import sys
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsraw import (WS, Closed, Timeout, frame, upgrade_request,  # noqa: E402
    accept_for, OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG)

TAIL = b"\x00\x00\xff\xff"
RSV1 = 4


class PmdError(Exception):
	"""The server's compressed data did not decode under the agreed
	parameters."""


def parse_answer(value):
	"""The parameters of a permessage-deflate answer as a dict (names
	lower-cased; a parameter without a value maps to True).  None for no
	answer; raises ValueError on anything else."""
	if value is None:
		return None
	parts = [p.strip() for p in value.split(";")]
	if parts[0].lower() != "permessage-deflate":
		raise ValueError(f"not permessage-deflate: {value!r}")
	out = {}
	for p in parts[1:]:
		if "=" in p:
			k, v = p.split("=", 1)
			out[k.strip().lower()] = v.strip().strip('"')
		else:
			out[p.lower()] = True
	return out


class Codec:
	"""The client's side of an agreed permessage-deflate: compress what we
	send, inflate what the server sends, under the agreed rules."""

	def __init__(self, params, level=6):
		p = params or {}
		self.server_bits = int(p.get("server_max_window_bits", 15))
		cb = p.get("client_max_window_bits", 15)
		self.client_bits = 15 if cb is True else int(cb)
		self.server_nct = bool(p.get("server_no_context_takeover"))
		self.client_nct = bool(p.get("client_no_context_takeover"))
		self.level = level
		self.comp = None
		self.decomp = None

	def _compressor(self):
		# zlib cannot deflate raw with 8 bits; 9 is what peers use then
		return zlib.compressobj(self.level, zlib.DEFLATED,
		    -max(9, self.client_bits))

	def compress(self, data, final_block=False):
		"""The RSV1 payload of one message."""
		if self.comp is None or self.client_nct:
			self.comp = self._compressor()
		if final_block:
			# §7.2.3.4: a final block ends the stream; the next
			# message starts a new one (no context then)
			out = self.comp.compress(data) + self.comp.flush(
			    zlib.Z_FINISH)
			self.comp = None
			return out
		out = self.comp.compress(data) + self.comp.flush(
		    zlib.Z_SYNC_FLUSH)
		if not out.endswith(TAIL):
			raise RuntimeError("sync flush without its tail")
		return out[:-4]

	def _inflate(self, data):
		"""zlib checks a distance against the window only when it
		reaches back before the current call's output: below 15 bits,
		inflate 64 bytes per call so a server using a larger window than
		agreed fails ("invalid distance too far back")."""
		if self.server_bits >= 15:
			return self.decomp.decompress(data)
		out = []
		while data:
			out.append(self.decomp.decompress(data, 64))
			data = self.decomp.unconsumed_tail
		while True:	# output still pending for the input taken
			b = self.decomp.decompress(b"", 64)
			if not b:
				break
			out.append(b)
		return b"".join(out)

	def decompress(self, payload):
		"""Inflate one RSV1 message from the server, with exactly the
		agreed window and without its context when it promised so."""
		if self.decomp is None or self.server_nct:
			self.decomp = zlib.decompressobj(-self.server_bits)
		try:
			out = self._inflate(payload + TAIL)
		except zlib.error as e:
			raise PmdError(f"server data does not inflate with "
			    f"{self.server_bits} bits"
			    f"{' and no context' if self.server_nct else ''}: "
			    f"{e}")
		if self.decomp.unconsumed_tail:
			raise PmdError("inflate left input unused")
		if self.decomp.eof:
			# a final block: what follows starts a new stream
			self.decomp = None
		return out


class Message:
	def __init__(self, opcode, data, compressed, frames, wire):
		self.opcode, self.data, self.compressed = opcode, data, compressed
		self.frames = frames		# list of Frame
		self.wire = wire		# payload bytes on the wire

	def __repr__(self):
		return (f"Message(op={self.opcode:#x} len={len(self.data)} "
		    f"compressed={self.compressed} frames={len(self.frames)})")


class Conn:
	"""One connection: the raw socket (ws), what was agreed (params,
	answer) and the codec."""

	def __init__(self, host, port, timeout=10.0, offers=(), protocols=None,
	    level=6):
		self.ws = WS(host, port, timeout)
		extra = [("Sec-WebSocket-Extensions", o) for o in offers]
		req, key = upgrade_request(host_header=f"{host}:{port}",
		    protocols=protocols, extra=extra)
		r = self.ws.handshake(request=req)
		if r.status != 101 or r.header("Sec-WebSocket-Accept") != \
		    accept_for(key):
			raise RuntimeError(f"handshake failed: {r.status_line!r}")
		self.response = r
		fields = r.headers.get("sec-websocket-extensions", [])
		if len(fields) > 1:
			raise RuntimeError(f"several extension fields {fields!r}")
		self.answer = fields[0] if fields else None
		self.params = parse_answer(self.answer)
		self.codec = Codec(self.params, level) if self.params is not None \
		    else None

	# -- sending
	def frames_for(self, opcode, data, compress=True, frames=1,
	    final_block=False):
		"""The wire bytes of one message: compressed (RSV1 on the first
		frame only) when compress and agreed, cut into `frames` frames."""
		if compress and self.codec is not None:
			payload = self.codec.compress(data, final_block)
			rsv = RSV1
		else:
			payload, rsv = data, 0
		k = max(1, frames)
		step = -(-len(payload) // k) if payload else 0
		parts = [payload[i * step:(i + 1) * step] for i in range(k)] \
		    if step else [b""] * k
		return b"".join(frame(opcode if i == 0 else OP_CONT, p,
		    fin=i == k - 1, rsv=rsv if i == 0 else 0)
		    for i, p in enumerate(parts))

	def send_message(self, opcode, data, **kw):
		self.ws.send(self.frames_for(opcode, data, **kw))

	# -- receiving
	def recv_message(self, deadline):
		"""The next data message, inflated.  Pings are answered, pongs
		skipped; a close frame is returned as a Message with opcode
		OP_CLOSE (data: its payload)."""
		first = None
		parts, frames = [], []
		while True:
			f = self.ws.recv_frame(deadline=deadline)
			if f.masked:
				raise PmdError(f"masked frame from the server {f!r}")
			if f.opcode == OP_PING:
				self.ws.send_frame(OP_PONG, f.payload)
				continue
			if f.opcode == OP_PONG:
				continue
			if f.opcode == OP_CLOSE:
				m = Message(OP_CLOSE, f.payload, False, [f],
				    len(f.payload))
				m.close_frame = f
				return m
			if f.opcode in (OP_TEXT, OP_BINARY):
				if first is not None:
					raise PmdError("new message inside a "
					    "fragmented one")
				if f.rsv & ~RSV1 or (f.rsv & RSV1 and
				    self.codec is None):
					raise PmdError(f"bad RSV bits {f!r}")
				first = f
			elif f.opcode == OP_CONT:
				if first is None:
					raise PmdError("continuation without a "
					    "start")
				if f.rsv:
					raise PmdError(f"RSV on a continuation {f!r}")
			else:
				raise PmdError(f"opcode {f.opcode:#x}")
			parts.append(f.payload)
			frames.append(f)
			if f.fin:
				break
		payload = b"".join(parts)
		compressed = bool(first.rsv & RSV1)
		data = self.codec.decompress(payload) if compressed else payload
		return Message(first.opcode, data, compressed, frames,
		    len(payload))

	def collect(self, nbytes, deadline, opcodes=(OP_BINARY,)):
		"""Messages until their data add up to nbytes (the echo backend
		cuts them where it likes).  Returns (data, messages)."""
		data = bytearray()
		msgs = []
		while len(data) < nbytes:
			m = self.recv_message(deadline)
			if m.opcode not in opcodes:
				raise PmdError(f"after {len(data)}/{nbytes} bytes: "
				    f"{m!r} {m.data[:40]!r}")
			msgs.append(m)
			data += m.data
		return bytes(data), msgs

	def ping_sync(self, deadline, payload=b"pmd-sync"):
		"""A ping and nothing but its pong (data or close: error)."""
		self.ws.send_frame(OP_PING, payload)
		while True:
			f = self.ws.recv_frame(deadline=deadline)
			if f.opcode == OP_PONG and f.payload == payload:
				return
			if f.opcode != OP_PONG:
				raise PmdError(f"unexpected {f!r} before the pong")

	def expect_close(self, timeout=None):
		"""(close code or None, tcp closed) as wsraw's expect_close."""
		cf, data, closed = self.ws.expect_close(timeout)
		return (cf.close_code() if cf is not None else None), closed, cf

	def close(self):
		self.ws.close()


# -- payloads

def compressible_text(n, seed=0):
	"""Valid UTF-8 of exactly n bytes, no CR or LF, compressing well (with
	1- to 4-byte sequences, so inflated chunks cut characters)."""
	out, i, total = [], seed * 1000, 0
	while total < n:
		s = (f"line {i:08d}: the quick brown fox — jumps over the lazy "
		    f"dog, κόσμε 😀 {i % 97:02d}; ").encode()
		out.append(s)
		total += len(s)
		i += 1
	return cut_utf8(b"".join(out), n)


def random_text(n, seed=0):
	"""Valid UTF-8 of exactly n bytes, no CR or LF, as random as text
	gets: base64 of random bytes with two symbols made multi-byte."""
	raw = random.Random(seed).randbytes(n * 3 // 4 + 3)
	s = base64.b64encode(raw).replace(b"+", "é".encode()) \
	    .replace(b"/", "€".encode())
	return cut_utf8(s, n)


def cut_utf8(b, n):
	"""b cut to n bytes at a character boundary, padded with 'z'."""
	b = b[:n]
	j = len(b)
	while j > 0 and (b[j - 1] & 0xC0) == 0x80:
		j -= 1
	if j > 0 and b[j - 1] >= 0xC0:
		lead = b[j - 1]
		need = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
		if len(b) - (j - 1) < need:
			b = b[:j - 1]
	return b + b"z" * (n - len(b))


def compressible_binary(n, seed=0):
	"""Bytes with every value, compressing well (not UTF-8)."""
	t = compressible_text(n, seed)
	m = (b"\xa5\x00\x00" * (n // 3 + 1))[:n]
	return bytes(a ^ b for a, b in zip(t, m)) if n < 4096 else \
	    (int.from_bytes(t, "little") ^ int.from_bytes(m, "little")) \
	    .to_bytes(n, "little")


def random_binary(n, seed=0):
	return random.Random(seed).randbytes(n)


def zeros_bomb(mib):
	"""A raw deflate payload (non-final blocks, byte-aligned, tail removed)
	inflating to mib MiB of zeros: one MiB compressed once, then repeated
	(a full flush makes each piece stand alone)."""
	c = zlib.compressobj(9, zlib.DEFLATED, -15)
	piece = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
	if not piece.endswith(TAIL):
		raise RuntimeError("full flush without its tail")
	return piece * (mib - 1) + piece[:-4] if mib > 0 else b""


# -- error cases (used by the CLI and conformance.py's category 13)

def _utf8_bad(c):
	return c.frames_for(OP_TEXT, compressible_text(2000) +
	    b"\xed\xa0\x80" + compressible_text(500))


def _utf8_truncated(c):
	return c.frames_for(OP_TEXT, "κόσμε".encode() * 20 + b"\xce")


def _utf8_bad_late_frame(c):
	"""Invalid byte after 300 KB of good text, compressed as one
	message, payload in three frames."""
	return c.frames_for(OP_TEXT, compressible_text(300000) + b"\xff" +
	    compressible_text(1000), frames=3)


def _rsv1_cont(c):
	p = c.codec.compress(compressible_text(1000))
	return frame(OP_TEXT, p[:100], fin=False, rsv=RSV1) + \
	    frame(OP_CONT, p[100:], rsv=RSV1)


def _rsv1_cont_plain(c):
	return frame(OP_BINARY, b"plain start", fin=False) + \
	    frame(OP_CONT, c.codec.compress(b"x" * 100), rsv=RSV1)


def _reserved_block(c):
	return frame(OP_BINARY, b"\x07\x00\x00\x00", rsv=RSV1)


def _stored_len(c):
	# stored block, LEN 5, NLEN not its complement
	return frame(OP_BINARY, b"\x00\x05\x00\x00\x00hello", rsv=RSV1)


def _too_far_back(c):
	"""Matches 20 KB back into a preset dictionary the server never saw
	(its history is the 160-byte warm-up)."""
	phrase = b"the secret dictionary the server does not have, "
	z = zlib.compressobj(6, zlib.DEFLATED, -15, zdict=phrase +
	    random.Random(7).randbytes(20000))
	p = z.compress(phrase * 3) + z.flush(zlib.Z_SYNC_FLUSH)
	return frame(OP_TEXT, p[:-4], rsv=RSV1)


def _cut_block(c):
	"""A message ending inside a compressed block."""
	z = zlib.compressobj(6, zlib.DEFLATED, -15)
	p = z.compress(compressible_text(5000)) + z.flush(zlib.Z_SYNC_FLUSH)
	return frame(OP_BINARY, p[:len(p) // 2], rsv=RSV1)


def _garbage(c):
	return frame(OP_BINARY, bytes(range(255, 0, -1)) * 4, rsv=RSV1)


BAD = {
	# name: (offer, build(conn) -> bytes, expected close code, what)
	"rsv1-unnegotiated": (None, lambda c: frame(OP_TEXT,
	    zlib.compress(b"x" * 100)[2:-4], rsv=RSV1), 1002,
	    "RSV1 text without the extension"),
	"rsv1-cont": ("permessage-deflate", _rsv1_cont, 1002,
	    "RSV1 on the first frame and on its continuation"),
	"rsv1-cont-plain": ("permessage-deflate", _rsv1_cont_plain, 1002,
	    "RSV1 on the continuation of an uncompressed message"),
	"rsv1-ping": ("permessage-deflate", lambda c: frame(OP_PING, b"p",
	    rsv=RSV1), 1002, "RSV1 on a ping"),
	"rsv1-pong": ("permessage-deflate", lambda c: frame(OP_PONG, b"p",
	    rsv=RSV1), 1002, "RSV1 on a pong"),
	"rsv1-close": ("permessage-deflate", lambda c: frame(OP_CLOSE,
	    b"\x03\xe8", rsv=RSV1), 1002, "RSV1 on a close"),
	"rsv2": ("permessage-deflate", lambda c: frame(OP_TEXT, b"hi",
	    rsv=2), 1002, "RSV2 with the extension agreed"),
	"rsv3": ("permessage-deflate", lambda c: frame(OP_BINARY, b"hi",
	    rsv=1), 1002, "RSV3 with the extension agreed"),
	"utf8": ("permessage-deflate", _utf8_bad, 1007,
	    "invalid UTF-8 (a surrogate) inside a compressed text"),
	"utf8-truncated": ("permessage-deflate", _utf8_truncated, 1007,
	    "compressed text ending in a truncated sequence"),
	"utf8-late": ("permessage-deflate", _utf8_bad_late_frame, 1007,
	    "invalid byte 300 KB into a 3-frame compressed text"),
	"corrupt-block-type": ("permessage-deflate", _reserved_block, 1007,
	    "reserved deflate block type 11"),
	"corrupt-stored-len": ("permessage-deflate", _stored_len, 1007,
	    "stored block with LEN != ~NLEN"),
	"corrupt-distance": ("permessage-deflate", _too_far_back, 1007,
	    "match distance beyond the window (preset dictionary)"),
	"corrupt-cut": ("permessage-deflate", _cut_block, 1007,
	    "message ends inside a compressed block"),
	"corrupt-garbage": ("permessage-deflate", _garbage, 1007,
	    "1020 bytes of non-deflate data"),
}


def run_bad(host, port, name, timeout):
	"""Returns (close code or None, tcp closed, extensions answer)."""
	offer, build, _, _ = BAD[name]
	c = Conn(host, port, timeout, offers=[offer] if offer else [])
	if offer and c.codec is None:
		raise RuntimeError(f"{offer!r} not agreed")
	# the good half of the connection first: a compressed echo
	if c.codec is not None:
		c.send_message(OP_TEXT, b"warm-up " * 20)
		got, _ = c.collect(160, c.ws.deadline())
		if got != b"warm-up " * 20:
			raise RuntimeError("warm-up echo differs")
	try:
		c.ws.send(build(c))
	except OSError:
		pass			# the server may have closed already
	code, closed, _ = c.expect_close()
	return code, closed, c.answer


# -- CLI

def cmd_offer(a):
	c = Conn("127.0.0.1", a.port, a.timeout, offers=a.ext or [],
	    protocols=a.protocol)
	print(f"ext={c.answer if c.answer is not None else 'none'}")
	print(f"protocol={c.response.header('Sec-WebSocket-Protocol') or 'none'}")
	dl = c.ws.deadline()
	plain = compressible_text(300, 3)
	if a.protocol == "base64":
		c.send_message(OP_TEXT, base64.b64encode(plain), compress=False)
		text = bytearray()
		rsv = set()
		while len(text) < len(base64.b64encode(plain)):
			m = c.recv_message(dl)
			rsv |= {f.rsv for f in m.frames}
			text += m.data
		ok = base64.b64decode(bytes(text)) == plain
		print(f"echo plain {'ok' if ok else 'MISMATCH'} rsv="
		    f"{','.join(map(str, sorted(rsv)))}")
	else:
		c.send_message(OP_TEXT, plain, compress=False)
		got, msgs = c.collect(len(plain), dl)
		rsv = sorted({f.rsv for m in msgs for f in m.frames})
		print(f"echo plain {'ok' if got == plain else 'MISMATCH'} "
		    f"rsv={','.join(map(str, rsv))}")
		if c.codec is not None:
			m = compressible_text(5000, 4)
			c.send_message(OP_TEXT, m)
			got, _ = c.collect(len(m), dl)
			print(f"echo deflate {'ok' if got == m else 'MISMATCH'}")
	if a.rsv1_after:
		c.ws.send(frame(OP_TEXT, b"\x00", rsv=RSV1))
		code, closed, _ = c.expect_close()
		print(f"close={code}")
		return 0
	c.ws.send_close(1000)
	code, closed, _ = c.expect_close()
	print(f"close={code}")
	return 0


def cmd_frag(a):
	c = Conn("127.0.0.1", a.port, a.timeout, offers=[a.ext])
	if c.codec is None:
		print("ext=none")
		return 1
	op = OP_TEXT if a.type == "text" else OP_BINARY
	dl = c.ws.deadline()
	comp = 0
	for i in range(a.count):
		data = compressible_text(a.size, i) if op == OP_TEXT or \
		    a.lines else compressible_binary(a.size, i)
		c.ws.send(c.frames_for(op, data, frames=a.frames))
		if a.lines:
			m = c.recv_message(dl)
			got = m.data
			if m.opcode != OP_TEXT:
				print(f"reply {m!r}")
				return 1
			comp += m.compressed
		else:
			got, msgs = c.collect(len(data), dl)
			comp += sum(m.compressed for m in msgs)
		if got != data:
			print(f"echo MISMATCH message {i}: {len(got)} bytes")
			return 1
	print(f"echo ok {a.size} bytes x{a.count} frames={a.frames} "
	    f"compressed_replies={comp}")
	c.ws.send_close(1000)
	code, closed, _ = c.expect_close()
	print(f"close={code}")
	return 0


def cmd_bomb(a):
	c = Conn("127.0.0.1", a.port, a.timeout, offers=["permessage-deflate"])
	if c.codec is None:
		print("ext=none")
		return 1
	payload = zeros_bomb(a.mib)
	data = frame(OP_BINARY, payload, rsv=RSV1)
	sent = [0]
	err = [None]

	def sender():
		mv = memoryview(data)
		try:
			while sent[0] < len(data):
				n = c.ws.sock.send(mv[sent[0]:sent[0] + 65536])
				sent[0] += n
		except OSError as e:
			err[0] = e

	t0 = time.monotonic()
	c.ws.sock.settimeout(None)
	th = threading.Thread(target=sender, daemon=True)
	th.start()
	if a.then == "close":
		th.join(a.timeout)
		if th.is_alive():
			print(f"sent={sent[0]} of {len(data)} (stuck)")
			return 1
		print(f"sent={sent[0]} of {len(data)}")
		c.ws.send_close(1000)
	code, closed, cf = c.expect_close(a.timeout)
	dt = time.monotonic() - t0
	if a.then != "close":
		print(f"sent<={sent[0]} of {len(data)}")
	print(f"close={code} after={dt:.2f}s tcp_closed={closed}")
	return 0


def block_messages(kind, mib):
	"""The messages (wire bytes) for cmd_blocks, and their payload total."""
	size = 65536
	if kind == "data":
		c = zlib.compressobj(6, zlib.DEFLATED, -15)
		raw = compressible_text(8 << 20, 1)
		msgs, total, i = [], 0, 0
		while total < mib << 20:
			chunk = raw[i:i + (1 << 18)] or raw[:1 << 18]
			i = (i + (1 << 18)) % len(raw)
			p = c.compress(chunk) + c.flush(zlib.Z_SYNC_FLUSH)
			p = p[:-4]
			msgs.append(frame(OP_BINARY, p, rsv=RSV1))
			total += len(p)
		return msgs, total
	payload = b"\x03\x00" * (size // 2)
	one = frame(OP_BINARY, payload, rsv=RSV1)
	n = (mib << 20) // size
	return [one] * n, n * size


def cmd_blocks(a):
	c = Conn("127.0.0.1", a.port, a.timeout, offers=["permessage-deflate"])
	if c.codec is None:
		print("ext=none")
		return 1
	if a.kind == "empty-after-window":
		c.send_message(OP_BINARY, compressible_text(40000, 2))
	msgs, _ = block_messages(a.kind, a.mib)
	sent = [0]

	def sender():
		try:
			for m in msgs:
				c.ws.sock.sendall(m)
				sent[0] += len(m)
			c.ws.send_close(1000)
		except OSError:
			pass

	c.ws.sock.settimeout(None)
	th = threading.Thread(target=sender, daemon=True)
	th.start()
	code, closed, cf = c.expect_close(a.timeout)
	th.join(a.timeout)
	print(f"sent={sent[0]} close={code}")
	return 0


def cmd_bad(a):
	code, closed, _ = run_bad("127.0.0.1", a.port, a.case, a.timeout)
	print(f"close={code if code is not None else 'none'}" +
	    (f" tcp_closed={closed}" if code is None else ""))
	return 0


def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	sub = ap.add_subparsers(dest="cmd", required=True)

	def add(name, fn):
		p = sub.add_parser(name)
		p.add_argument("port", type=int)
		p.add_argument("--timeout", type=float, default=20.0)
		p.set_defaults(fn=fn)
		return p

	p = add("offer", cmd_offer)
	p.add_argument("--ext", action="append")
	p.add_argument("--protocol")
	p.add_argument("--rsv1-after", action="store_true")
	p = add("frag", cmd_frag)
	p.add_argument("--size", type=int, required=True)
	p.add_argument("--type", choices=["text", "binary"], default="text")
	p.add_argument("--frames", type=int, default=3)
	p.add_argument("--count", type=int, default=1)
	p.add_argument("--lines", action="store_true")
	p.add_argument("--ext", default="permessage-deflate")
	p = add("bomb", cmd_bomb)
	p.add_argument("--mib", type=int, default=1024)
	p.add_argument("--then", choices=["close"])
	p = add("blocks", cmd_blocks)
	p.add_argument("--mib", type=int, default=10)
	p.add_argument("--kind", choices=["data", "empty",
	    "empty-after-window"], required=True)
	p = add("bad", cmd_bad)
	p.add_argument("--case", choices=sorted(BAD), required=True)
	a = ap.parse_args()
	try:
		sys.exit(a.fn(a))
	except (Closed, Timeout, OSError, RuntimeError, PmdError) as e:
		print(f"pmdraw: {type(e).__name__}: {e}", file=sys.stderr)
		sys.exit(1)


if __name__ == "__main__":
	main()
