#!/usr/bin/python3
"""wsraw.py - a raw-socket WebSocket client for wsbridge's tests.

Library: build any frame (masked or not, any RSV bits, opcode and length
encoding), send bytes whole, byte by byte or in given pieces, read frames and
messages with a deadline, tell a close frame from a TCP close.

CLI (every command has a deadline, --timeout, default 20 s; exit 0 = as
expected, 1 = not, 2 = usage):
  wsraw.py http [HOST] PORT [--head] request bytes on stdin, answer on stdout
  wsraw.py echo [HOST] PORT --size N [--text] [--pipelined] [--fragments K]
                [--protocol P] [--base64]
  wsraw.py idle [HOST] PORT          connect, say nothing, report when closed
  wsraw.py recv [HOST] PORT [--send TEXT] [--ready-file F] [--wait-file F]
                                     read until close: bytes, sha256, close code
  wsraw.py send [HOST] PORT --bytes N [--chunk C] --end close|abort|stall
                [--ready-file F]     send patterned binary messages
  wsraw.py flood [HOST] PORT --size N --count K [--text] [--protocol P]
                [--base64]           send K messages as fast as the server
                                     takes them, then close; print the
                                     server's close code (or its silence)
HOST defaults to 127.0.0.1; a HOST of the form unix:/path is not supported.
"""

import argparse
import base64
import hashlib
import os
import random
import select
import socket
import struct
import sys
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA


class Closed(Exception):
	"""The TCP connection ended (EOF or reset) while more was expected."""


class Timeout(Exception):
	"""A deadline passed."""


def mask_bytes(data, key):
	"""XOR data with the 4-byte key repeated (RFC 6455 §5.3)."""
	n = len(data)
	if n == 0:
		return b""
	k = (key * (n // 4 + 1))[:n]
	return (int.from_bytes(data, "little") ^
	    int.from_bytes(k, "little")).to_bytes(n, "little")


def frame(opcode, payload=b"", fin=True, rsv=0, mask=True, key=None,
    length_form=None, length=None):
	"""Bytes of one frame.

	rsv: the three RSV bits as a number 0-7 (RSV1 = 4).  length_form: None for
	the minimal encoding, or 7, 16, 64 to force one (non-minimal allowed).
	length: a length to put in the header instead of len(payload).
	"""
	if isinstance(payload, str):
		payload = payload.encode()
	n = len(payload) if length is None else length
	b0 = (0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0xF)
	mbit = 0x80 if mask else 0
	if length_form is None:
		length_form = 7 if n < 126 else 16 if n < 65536 else 64
	if length_form == 7:
		head = struct.pack("!BB", b0, mbit | n)
	elif length_form == 16:
		head = struct.pack("!BBH", b0, mbit | 126, n)
	else:
		head = struct.pack("!BBQ", b0, mbit | 127, n)
	if mask:
		if key is None:
			key = os.urandom(4)
		return head + key + mask_bytes(payload, key)
	return head + payload


def close_payload(code=None, reason=b""):
	if code is None:
		return b""
	if isinstance(reason, str):
		reason = reason.encode()
	return struct.pack("!H", code) + reason


def make_key():
	return base64.b64encode(os.urandom(16)).decode()


def accept_for(key):
	return base64.b64encode(hashlib.sha1(key.encode() + GUID)
	    .digest()).decode()


def upgrade_request(host_header="127.0.0.1", path="/", key=None,
    protocols=None, extra=(), method="GET", version="13", omit=()):
	"""The bytes of an upgrade request.  omit: header names to leave out
	(case-insensitive); extra: more (name, value) pairs."""
	if key is None:
		key = make_key()
	hdrs = [("Host", host_header), ("Upgrade", "websocket"),
	    ("Connection", "Upgrade"), ("Sec-WebSocket-Key", key),
	    ("Sec-WebSocket-Version", version)]
	if protocols:
		hdrs.append(("Sec-WebSocket-Protocol", protocols))
	omit = {o.lower() for o in omit}
	lines = [f"{method} {path} HTTP/1.1"]
	lines += [f"{k}: {v}" for k, v in hdrs if k.lower() not in omit]
	lines += [f"{k}: {v}" for k, v in extra]
	return ("\r\n".join(lines) + "\r\n\r\n").encode(), key


class Frame:
	def __init__(self, fin, rsv, opcode, masked, payload):
		self.fin, self.rsv, self.opcode = fin, rsv, opcode
		self.masked, self.payload = masked, payload

	def close_code(self):
		if len(self.payload) >= 2:
			return struct.unpack("!H", self.payload[:2])[0]
		return None

	def __repr__(self):
		p = self.payload if len(self.payload) <= 40 else \
		    self.payload[:40] + b"..."
		return (f"Frame(op={self.opcode:#x} fin={int(self.fin)} "
		    f"rsv={self.rsv} len={len(self.payload)} {p!r})")


class Response:
	def __init__(self, raw):
		self.raw = raw
		text = raw.decode("latin-1")
		lines = text.split("\r\n")
		self.status_line = lines[0]
		parts = lines[0].split(" ", 2)
		try:
			self.status = int(parts[1])
		except (IndexError, ValueError):
			self.status = None
		self.headers = {}
		for ln in lines[1:]:
			if ":" in ln:
				k, v = ln.split(":", 1)
				self.headers.setdefault(k.strip().lower(), []) \
				    .append(v.strip())

	def header(self, name):
		v = self.headers.get(name.lower())
		return ", ".join(v) if v else None


class WS:
	"""One client connection.  Every read takes a deadline in seconds."""

	def __init__(self, host="127.0.0.1", port=None, timeout=10.0,
	    family=None):
		self.timeout = timeout
		self.buf = bytearray()
		self.eof = False
		self.close_sent = False		# a close frame went out
		if family is None:
			family = socket.AF_INET6 if ":" in host else socket.AF_INET
		self.sock = socket.socket(family, socket.SOCK_STREAM)
		self.sock.settimeout(timeout)
		self.sock.connect((host, port))
		self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
		self.host, self.port = host, port

	def close(self):
		try:
			self.sock.close()
		except OSError:
			pass

	def abort(self):
		"""Reset the connection (SO_LINGER 0)."""
		self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
		    struct.pack("ii", 1, 0))
		self.close()

	# -- sending
	def send(self, data, split=None):
		"""split: None (one write), 1 (byte by byte) or a list of sizes
		cycled over the data."""
		if split is None:
			self.sock.sendall(data)
			return
		sizes = [split] if isinstance(split, int) else list(split)
		i = j = 0
		mv = memoryview(data)
		while i < len(data):
			n = sizes[j % len(sizes)]
			self.sock.sendall(mv[i:i + n])
			i += n
			j += 1

	def send_frame(self, opcode, payload=b"", split=None, **kw):
		if opcode == OP_CLOSE:
			self.close_sent = True
		self.send(frame(opcode, payload, **kw), split)

	def send_close(self, code=None, reason=b"", **kw):
		self.send_frame(OP_CLOSE, close_payload(code, reason), **kw)

	# -- receiving
	def _fill(self, deadline):
		"""Read more into buf; raise Closed on EOF, Timeout at deadline."""
		if self.eof:
			raise Closed()
		left = deadline - time.monotonic()
		if left <= 0:
			raise Timeout()
		self.sock.settimeout(left)
		try:
			b = self.sock.recv(1 << 20)
		except socket.timeout:
			raise Timeout()
		except (ConnectionResetError, BrokenPipeError):
			self.eof = True
			raise Closed()
		if not b:
			self.eof = True
			raise Closed()
		self.buf += b

	def _need(self, n, deadline):
		while len(self.buf) < n:
			self._fill(deadline)

	def deadline(self, timeout=None):
		return time.monotonic() + (self.timeout if timeout is None
		    else timeout)

	def handshake(self, request=None, timeout=None, **kw):
		"""Send an upgrade request (built from kw unless given) and read
		the response head.  Returns a Response; bytes after the head stay
		in buf.  Raises Closed if the server closed without answering."""
		key = None
		if request is None:
			request, key = upgrade_request(**kw)
		self.send(request)
		return self.read_head(timeout, key)

	def read_head(self, timeout=None, key=None):
		dl = self.deadline(timeout)
		while b"\r\n\r\n" not in self.buf:
			self._fill(dl)
		i = self.buf.index(b"\r\n\r\n") + 4
		r = Response(bytes(self.buf[:i]))
		del self.buf[:i]
		r.key = key
		r.accept_ok = key is not None and \
		    r.header("Sec-WebSocket-Accept") == accept_for(key)
		return r

	def read_until_close(self, timeout=None):
		"""All bytes until the server closes the TCP connection."""
		dl = self.deadline(timeout)
		try:
			while True:
				self._fill(dl)
		except Closed:
			pass
		out = bytes(self.buf)
		self.buf.clear()
		return out

	def recv_frame(self, timeout=None, deadline=None):
		"""The next frame.  Raises Closed or Timeout."""
		dl = deadline if deadline is not None else self.deadline(timeout)
		self._need(2, dl)
		b0, b1 = self.buf[0], self.buf[1]
		n = b1 & 0x7F
		off = 2
		if n == 126:
			self._need(4, dl)
			n = struct.unpack_from("!H", self.buf, 2)[0]
			off = 4
		elif n == 127:
			self._need(10, dl)
			n = struct.unpack_from("!Q", self.buf, 2)[0]
			off = 10
		key = None
		if b1 & 0x80:
			self._need(off + 4, dl)
			key = bytes(self.buf[off:off + 4])
			off += 4
		self._need(off + n, dl)
		payload = bytes(self.buf[off:off + n])
		del self.buf[:off + n]
		if key:
			payload = mask_bytes(payload, key)
		return Frame(bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0xF,
		    key is not None, payload)

	def frames(self, timeout=None):
		"""Yield frames until the TCP connection closes or the deadline."""
		dl = self.deadline(timeout)
		while True:
			try:
				yield self.recv_frame(deadline=dl)
			except Closed:
				return

	def wait_tcp_close(self, timeout=None):
		"""True if the server closes TCP (EOF or reset) before the
		deadline, with nothing more than the bytes already buffered.
		Returns (closed, extra_bytes)."""
		dl = self.deadline(timeout)
		start = len(self.buf)
		try:
			while True:
				self._fill(dl)
		except Closed:
			return True, bytes(self.buf[start:])
		except Timeout:
			return False, bytes(self.buf[start:])

	def collect(self, nbytes, timeout=None, allow_text=False):
		"""Read data frames until nbytes payload bytes have come
		(concatenated), answering nothing.  Returns (data, frames, stop)
		where stop is None, or the close/unexpected Frame, or 'closed' or
		'timeout'."""
		dl = self.deadline(timeout)
		data = bytearray()
		seen = []
		while len(data) < nbytes:
			try:
				f = self.recv_frame(deadline=dl)
			except Closed:
				return bytes(data), seen, "closed"
			except Timeout:
				return bytes(data), seen, "timeout"
			seen.append(f)
			if f.opcode == OP_BINARY or (allow_text and
			    f.opcode == OP_TEXT) or f.opcode == OP_CONT:
				data += f.payload
			else:
				return bytes(data), seen, f
		return bytes(data), seen, None

	def expect_close(self, timeout=None, reply=None):
		"""Read until a close frame, skipping data frames.  Returns
		(close_frame or None, data_frames_before, tcp_closed).  With reply
		(default: unless we sent a close first), answer the server's close
		with the same code, as a client would; then wait for the TCP
		close."""
		if reply is None:
			reply = not self.close_sent
		dl = self.deadline(timeout)
		data = []
		cf = None
		try:
			while True:
				f = self.recv_frame(deadline=dl)
				if f.opcode == OP_CLOSE:
					cf = f
					break
				data.append(f)
		except (Closed, Timeout):
			return None, data, self.eof
		if reply:
			try:
				code = cf.close_code()
				self.send_close(code if code is not None and
				    code not in (1005, 1006, 1015) else None)
			except OSError:
				pass
		closed, extra = self.wait_tcp_close(max(0.0, dl -
		    time.monotonic()))
		cf.after = extra
		return cf, data, closed

	def ping_sync(self, payload=b"sync", timeout=None):
		"""Send a ping; read until its pong.  Returns (ok, frames seen
		before the pong)."""
		self.send_frame(OP_PING, payload)
		dl = self.deadline(timeout)
		seen = []
		while True:
			try:
				f = self.recv_frame(deadline=dl)
			except (Closed, Timeout):
				return False, seen
			if f.opcode == OP_PONG and f.payload == payload:
				return True, seen
			seen.append(f)


def connect_ws(host, port, timeout=10.0, **kw):
	"""Connect and complete a handshake; raise on anything but 101."""
	ws = WS(host, port, timeout)
	r = ws.handshake(**kw)
	if r.status != 101 or not r.accept_ok:
		raise RuntimeError(f"handshake failed: {r.status_line!r}")
	ws.response = r
	return ws


# -- data helpers shared by the CLI and the conformance suite

def pattern(n, seed=0):
	return random.Random(seed).randbytes(n)


def text_pattern(n):
	"""Valid UTF-8 of exactly n bytes mixing 1-4 byte sequences."""
	unit = "aé€😀".encode()		# 1 + 2 + 3 + 4 = 10 bytes
	out = unit * (n // len(unit))
	rest = n - len(out)
	return out + b"z" * rest


def b64_decode_stream(text):
	"""Decode base64 that may be one stream or several padded messages
	concatenated: decode 4 characters at a time."""
	if len(text) % 4:
		raise ValueError("base64 text not a multiple of 4")
	return b"".join(base64.b64decode(text[i:i + 4])
	    for i in range(0, len(text), 4))


def write_file(path, text):
	tmp = path + ".tmp"
	with open(tmp, "w") as f:
		f.write(text)
	os.rename(tmp, path)


def wait_file(path, timeout):
	dl = time.monotonic() + timeout
	while not os.path.exists(path):
		if time.monotonic() > dl:
			raise Timeout()
		time.sleep(0.02)


# -- CLI

def hostport(args):
	if args.port is None:
		return "127.0.0.1", int(args.host)
	return args.host.strip("[]"), int(args.port)


def cmd_http(args):
	host, port = hostport(args)
	ws = WS(host, port, args.timeout)
	ws.send(sys.stdin.buffer.read())
	if args.head:
		r = ws.read_head(args.timeout)
		sys.stdout.buffer.write(r.raw)
		return 0
	out = ws.read_until_close(args.timeout)
	sys.stdout.buffer.write(out)
	return 0 if ws.eof else 1


def cmd_echo(args):
	host, port = hostport(args)
	payload = text_pattern(args.size) if args.text else \
	    pattern(args.size, 1)
	proto = args.protocol
	ws = WS(host, port, args.timeout)
	req, key = upgrade_request(host_header=f"{host}:{port}",
	    protocols=proto)
	if args.base64:
		wire = base64.b64encode(payload)
		op = OP_TEXT
	else:
		wire = payload
		op = OP_TEXT if args.text else OP_BINARY
	k = max(1, args.fragments)
	step = max(1, -(-len(wire) // k))
	pieces = [wire[i:i + step] for i in range(0, len(wire), step)] or [b""]
	frames = b"".join(frame(op if i == 0 else OP_CONT, p,
	    fin=(i == len(pieces) - 1)) for i, p in enumerate(pieces))
	if args.pipelined:
		ws.send(req + frames)
	else:
		ws.send(req)
	r = ws.read_head(args.timeout, key)
	print(r.status_line)
	if r.status != 101 or not r.accept_ok:
		print("bad handshake", file=sys.stderr)
		return 1
	got_proto = r.header("Sec-WebSocket-Protocol")
	print(f"protocol={got_proto}")
	if not args.pipelined:
		ws.send(frames)
	if args.base64:
		want = len(base64.b64encode(payload))
		text = bytearray()
		dl = ws.deadline()
		while True:
			try:
				got = b64_decode_stream(bytes(text))
			except ValueError:
				got = b""
			if len(got) >= len(payload):
				break
			try:
				f = ws.recv_frame(deadline=dl)
			except (Closed, Timeout) as e:
				print(f"stopped: {type(e).__name__}", file=sys.stderr)
				return 1
			if f.opcode != OP_TEXT and f.opcode != OP_CONT:
				print(f"unexpected {f!r}", file=sys.stderr)
				return 1
			text += f.payload
		data = got
		del want
	else:
		data, seen, stop = ws.collect(len(payload))
		if stop is not None:
			print(f"stopped: {stop!r}", file=sys.stderr)
			return 1
		if any(f.opcode != OP_BINARY and f.opcode != OP_CONT
		    for f in seen):
			print("non-binary data frame", file=sys.stderr)
			return 1
	ok = data == payload
	print(f"echo {'ok' if ok else 'MISMATCH'} {len(data)} bytes")
	ws.send_close(1000)
	cf, _, closed = ws.expect_close(reply=False)
	print(f"close={cf.close_code() if cf else None} tcp_closed={closed}")
	return 0 if ok and cf is not None else 1


def cmd_idle(args):
	host, port = hostport(args)
	t0 = time.monotonic()
	ws = WS(host, port, args.timeout)
	if args.partial:
		ws.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
	out = ws.read_until_close(args.timeout)
	dt = time.monotonic() - t0
	print(f"closed={ws.eof} after={dt:.2f}s bytes={len(out)}")
	if out:
		print(out.decode("latin-1").split("\r\n")[0])
	return 0 if ws.eof else 1


def cmd_recv(args):
	host, port = hostport(args)
	ws = connect_ws(host, port, args.timeout)
	if args.ready_file:
		write_file(args.ready_file, "ready\n")
	if args.send is not None:
		ws.send_frame(OP_TEXT, args.send.encode())
	if args.wait_file:
		wait_file(args.wait_file, args.timeout)
	h = hashlib.sha256()
	n = 0
	code = None
	other = 0
	dl = ws.deadline()
	while True:
		try:
			f = ws.recv_frame(deadline=dl)
		except Closed:
			break
		except Timeout:
			print("timeout", file=sys.stderr)
			break
		if f.rsv or f.masked or f.opcode not in (OP_BINARY, OP_CONT,
		    OP_TEXT, OP_CLOSE, OP_PING, OP_PONG):
			print(f"bytes={n} invalid frame from the server: {f!r}")
			return 1
		if f.opcode in (OP_BINARY, OP_CONT, OP_TEXT):
			if f.opcode == OP_TEXT:
				other += 1
			n += len(f.payload)
			h.update(f.payload)
		elif f.opcode == OP_CLOSE:
			code = f.close_code()
			if code is None:
				code = "none"
			try:
				ws.send_close(f.close_code())
			except OSError:
				pass
			closed, extra = ws.wait_tcp_close()
			if extra:
				print(f"{len(extra)} bytes after close",
				    file=sys.stderr)
				other += 1
			break
		elif f.opcode == OP_PING:
			ws.send_frame(OP_PONG, f.payload)
	print(f"bytes={n} sha256={h.hexdigest()} close={code} "
	    f"tcp_closed={ws.eof} odd={other}")
	return 0 if code is not None else 1


def cmd_send(args):
	host, port = hostport(args)
	ws = connect_ws(host, port, args.timeout)
	if args.ready_file and args.end != "stall":
		write_file(args.ready_file, "ready\n")
	block = pattern((1 << 20) + 13, 2)
	period = len(block)
	block = block + block[:args.chunk]
	key = b"\x37\xfa\x21\x3d"
	h = hashlib.sha256()
	sent = 0
	off = 0
	stalled = False
	ws.sock.settimeout(args.stall)
	pending = b""
	while sent < args.bytes or pending:
		if not pending:
			n = min(args.chunk, args.bytes - sent)
			chunk = block[off:off + n]
			off = (off + n) % period
			h.update(chunk)
			sent += n
			pending = memoryview(frame(OP_BINARY, chunk, key=key))
		try:
			k = ws.sock.send(pending)
			pending = pending[k:]
		except socket.timeout:
			if args.end == "stall":
				stalled = True
				break
		except OSError as e:
			print(f"send error after {sent} bytes: {e}",
			    file=sys.stderr)
			return 1
	if args.end == "stall":
		line = f"stalled={stalled} sent<={sent}\n"
		sys.stdout.write(line)
		sys.stdout.flush()
		if args.ready_file:
			write_file(args.ready_file, line)
		# keep the connection open until killed or the deadline
		time.sleep(args.timeout)
		return 0 if stalled else 1
	print(f"sent {sent} bytes sha256={h.hexdigest()}")
	sys.stdout.flush()
	ws.sock.settimeout(args.timeout)
	if args.end == "abort":
		ws.close()		# TCP FIN without a close frame
		return 0
	ws.send_close(1000, b"bye")
	cf, data, closed = ws.expect_close(reply=False)
	print(f"close={cf.close_code() if cf else None} tcp_closed={closed}")
	return 0 if cf is not None and cf.close_code() == 1000 else 1


def cmd_flood(args):
	"""Messages back to back without reading, to a server whose backend is
	slow: the receive path runs with little room left, again and again.
	Prints "close=CODE" (the server's close frame) or "close=none" and
	whether all K messages went out."""
	host, port = hostport(args)
	ws = connect_ws(host, port, args.timeout,
	    **({"protocols": args.protocol} if args.protocol else {}))
	data = pattern(args.size, 3)
	if args.base64:
		payload, op = base64.b64encode(data), OP_TEXT
	else:
		payload, op = data, OP_TEXT if args.text else OP_BINARY
	sent = 0
	try:
		for _ in range(args.count):
			ws.sock.sendall(frame(op, payload))
			sent += 1
		ws.send_close(1000, b"done")
	except OSError:
		pass		# the server closed while we were still sending
	try:
		cf, _, _ = ws.expect_close(reply=False)
	except (Closed, OSError):
		cf = None
	code = cf.close_code() if cf is not None else "none"
	reason = cf.payload[2:].decode(errors="replace") if cf is not None \
	    else ""
	print(f"close={code} sent={sent} reason={reason}")
	return 0


def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	sub = ap.add_subparsers(dest="cmd", required=True)

	def add(name, fn):
		p = sub.add_parser(name)
		p.add_argument("host")
		p.add_argument("port", nargs="?")
		p.add_argument("--timeout", type=float, default=20.0)
		p.set_defaults(fn=fn)
		return p

	p = add("http", cmd_http)
	p.add_argument("--head", action="store_true",
	    help="stop after the response head (else read until close)")
	p = add("echo", cmd_echo)
	p.add_argument("--size", type=int, required=True)
	p.add_argument("--text", action="store_true")
	p.add_argument("--pipelined", action="store_true",
	    help="send the request and the frames in one write")
	p.add_argument("--fragments", type=int, default=1)
	p.add_argument("--protocol")
	p.add_argument("--base64", action="store_true",
	    help="send base64 text, expect base64 text back")
	p = add("idle", cmd_idle)
	p.add_argument("--partial", action="store_true",
	    help="send an incomplete request head first")
	p = add("recv", cmd_recv)
	p.add_argument("--send")
	p.add_argument("--ready-file")
	p.add_argument("--wait-file")
	p = add("send", cmd_send)
	p.add_argument("--bytes", type=int, required=True)
	p.add_argument("--chunk", type=int, default=65536)
	p.add_argument("--end", choices=["close", "abort", "stall"],
	    default="close")
	p.add_argument("--stall", type=float, default=1.0,
	    help="seconds without progress that count as a stall")
	p.add_argument("--ready-file")
	p = add("flood", cmd_flood)
	p.add_argument("--size", type=int, required=True)
	p.add_argument("--count", type=int, required=True)
	p.add_argument("--text", action="store_true")
	p.add_argument("--protocol")
	p.add_argument("--base64", action="store_true",
	    help="send the data base64-encoded in text messages")
	args = ap.parse_args()
	try:
		sys.exit(args.fn(args))
	except (Closed, Timeout, OSError, RuntimeError) as e:
		print(f"wsraw: {type(e).__name__}: {e}", file=sys.stderr)
		sys.exit(1)


if __name__ == "__main__":
	main()
