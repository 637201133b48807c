#!/usr/bin/python3
"""stress.py - many-connection and misbehaving clients for wsbridge's
hardening tests (tests/bats/8x-*.bats).  Built on wsraw.py.

Every command is bounded: --timeout (default 30 s) ends it whatever happens;
loops are bounded in count.  Exit 0 = ran to the end as expected (the output
says what happened), 1 = something unexpected, 2 = usage.  Loopback only.

  stress.py burst PORT --n N [--source ADDR]
      N upgrade requests at once (from ADDR, default 127.0.0.1); prints
      "statuses=CODE:K,... retry_after=R" (R: how many 503 answers carried
      a Retry-After header).
  stress.py hold PORT --n N [--source ADDR] [--ready-file F]
      open N WebSocket connections (101 each), write F, keep them open
      (saying nothing) until killed or --timeout.
  stress.py rtt PORT
      connect, upgrade, one 16-byte echo; prints "echo=ok secs=S".
  stress.py client PORT [--pong] [--every S] [--seconds S]
      one WebSocket connection for --seconds: with --every, send a 16-byte
      binary message every S seconds; with --pong, answer pings.  Prints
      "open=B close=CODE reason=R after=T pings=K echoes=N"; open=True
      when the server had not closed it by then (it is closed with 1000).
  stress.py slowloris PORT --n N [--interval S] [--seconds S]
      [--ready-file F]
      N connections, each sending a request head one byte every S seconds
      (never all of it); prints "n=N connected=C cut=K min_life=X
      max_life=Y answered=A" once all are cut or after --seconds.
  stress.py flood PORT --n N [--seconds S] [--ready-file F]
      N connects as fast as they go (each sends an upgrade request), held
      for --seconds, then all closed; prints "connected=C answered=A
      upgraded=U closed_by_server=K statuses=CODE:K,...".
  stress.py streams PORT --conns N --bytes B [--chunk C] [--seed S]
      N connections at once on one selector, each sending B bytes of its
      own deterministic stream (slices of a random pattern at offsets from
      random.Random(seed, conn)) as masked binary messages while reading
      the echo, then close 1000.  Per connection "conn I sent=B
      sha_sent=H got=B sha_got=H close=1000"; last line "ok N" or "FAIL".
  stress.py hashecho --port-file F --log F
      a TCP echo backend on one selector, logging per connection
      backend.py's lines "conn K EOF after N bytes sha256=H" (received)
      and "conn K sent N bytes sha256=H" (echoed).
  stress.py busy PORT --conns N [--ready-file F]
      N connections streaming data and reading the echo, until the server
      closes them; F is written once each has had 256 KiB back.  Prints
      "closes=CODE:K,... streamed=BYTES".
  stress.py fuzz PORT --n N [--seed S] [--per-conn S]
      N connections in turn: upgrade, 1-6 frames with random fields (or
      random bytes), half-close, read until the server closes; prints
      "ends=CODE:K,...,eof:K" ("hung": nothing within --per-conn s).
  stress.py case PORT NAME
      one misbehaving client; NAME:
        random      1 KiB of random bytes instead of a request
        http10      an upgrade request in HTTP/1.0
        headers101  an upgrade request with 101 header lines
        longline    an upgrade request with a 64 KiB header line
        badkey      Sec-WebSocket-Key of 15 bytes
        len63       a frame announcing 2^63 bytes
        len62       a frame announcing 2^62 bytes
        rst         half a frame, then a reset (SO_LINGER 0)
        halfframe   half a frame, then silence until the server closes
      Prints "status=LINE" (what came back before the TCP close, first
      line) or "close=CODE reason=R tcp_closed=B after=T".
"""

import argparse
import asyncio
import hashlib
import os
import random
import selectors
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsraw import (WS, Closed, Timeout, OP_BINARY, OP_CONT, OP_TEXT,
    OP_CLOSE, OP_PING, OP_PONG, frame, upgrade_request, accept_for,
    close_payload, write_file, connect_ws, Response)

HOST = "127.0.0.1"


def request(port, **kw):
	return upgrade_request(host_header=f"{HOST}:{port}", **kw)


# -- burst, hold, flood, slowloris: many plain sockets on one selector

def cmd_burst(args):
	dl = time.monotonic() + args.timeout
	socks = {}
	sel = selectors.DefaultSelector()
	for i in range(args.n):
		s = socket.create_connection((HOST, args.port), timeout=5,
		    source_address=(args.source, 0))
		s.sendall(request(args.port)[0])
		s.setblocking(False)
		socks[s] = bytearray()
		sel.register(s, selectors.EVENT_READ)
	done = {}
	while len(done) < len(socks) and time.monotonic() < dl:
		for key, _ in sel.select(0.1):
			s = key.fileobj
			try:
				b = s.recv(65536)
			except OSError:
				b = b""
			socks[s] += b
			if not b or b"\r\n\r\n" in socks[s]:
				done[s] = bytes(socks[s])
				sel.unregister(s)
	counts = {}
	retry = 0
	for s, raw in done.items():
		head = raw.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
		r = Response(head) if raw else None
		code = str(r.status) if r and r.status else "none"
		counts[code] = counts.get(code, 0) + 1
		if r and r.status == 503 and r.header("Retry-After"):
			retry += 1
	for s in socks:
		s.close()
	missing = len(socks) - len(done)
	if missing:
		counts["timeout"] = missing
	print("statuses=" + ",".join(f"{k}:{v}" for k, v in
	    sorted(counts.items())) + f" retry_after={retry}")
	return 0


def cmd_hold(args):
	conns = []
	for i in range(args.n):
		ws = WS.__new__(WS)
		ws.timeout, ws.buf, ws.eof, ws.close_sent = 10.0, bytearray(), \
		    False, False
		ws.sock = socket.create_connection((HOST, args.port), 10,
		    source_address=(args.source, 0))
		r = ws.handshake(host_header=f"{HOST}:{args.port}")
		if r.status != 101 or not r.accept_ok:
			print(f"connection {i}: {r.status_line}")
			return 1
		conns.append(ws)
	print(f"holding {len(conns)}", flush=True)
	if args.ready_file:
		write_file(args.ready_file, f"{len(conns)}\n")
	time.sleep(args.timeout)	# until killed: the test ends it
	return 0


def open_many(port, n, dl, payload_first=None):
	"""Non-blocking connects to port, n of them, before deadline dl.
	Returns (list of (sock, t_connect), failures)."""
	out = []
	fail = 0
	for i in range(n):
		if time.monotonic() > dl:
			break
		s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		s.setblocking(False)
		try:
			s.connect((HOST, port))
		except BlockingIOError:
			pass
		except OSError:
			fail += 1
			s.close()
			continue
		out.append((s, time.monotonic()))
	return out, fail


def cmd_slowloris(args):
	"""Each connection dribbles a request head, one byte per interval.
	A connection is cut when the server closes it (EOF or reset)."""
	t0 = time.monotonic()
	dl = t0 + args.timeout
	head = request(args.port)[0]
	socks, fail = open_many(args.port, args.n, dl)
	sel = selectors.DefaultSelector()
	st = {}			# sock -> [t_connect, bytes_sent, cut_at, got]
	for s, tc in socks:
		st[s] = [tc, 0, None, 0]
		sel.register(s, selectors.EVENT_READ)
	# wait for the connects to finish: a first byte goes out when writable
	connected = 0
	pending = set(st)
	cdl = time.monotonic() + 10
	while pending and time.monotonic() < cdl:
		_, w, _ = select_w(list(pending), 0.1)
		for s in w:
			err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
			pending.discard(s)
			if err:
				st[s][2] = time.monotonic()
				continue
			connected += 1
	if args.ready_file:
		write_file(args.ready_file, f"{connected}\n")
	next_send = time.monotonic()
	end = t0 + args.seconds
	while time.monotonic() < min(end, dl):
		live = [s for s in st if st[s][2] is None]
		if not live:
			break
		now = time.monotonic()
		if now >= next_send:
			for s in live:
				v = st[s]
				if v[1] >= len(head) - 1:
					continue	# never complete the head
				try:
					s.send(head[v[1]:v[1] + 1])
					v[1] += 1
				except (BlockingIOError, InterruptedError):
					pass
				except OSError:
					v[2] = time.monotonic()
			next_send = now + args.interval
		for key, _ in sel.select(min(0.1, max(0.0, next_send -
		    time.monotonic()))):
			s = key.fileobj
			v = st[s]
			if v[2] is not None:
				continue
			try:
				b = s.recv(4096)
			except (BlockingIOError, InterruptedError):
				continue
			except OSError:
				b = b""
			if b:
				v[3] += len(b)
			else:
				v[2] = time.monotonic()
				sel.unregister(s)
	lives = [v[2] - v[0] for v in st.values() if v[2] is not None]
	cut = len(lives)
	answered = sum(1 for v in st.values() if v[3])
	sent = max((v[1] for v in st.values()), default=0)
	for s in st:
		s.close()
	print(f"n={args.n} connected={connected} cut={cut} "
	    f"min_life={min(lives, default=0):.2f} "
	    f"max_life={max(lives, default=0):.2f} answered={answered} "
	    f"max_bytes_sent={sent}")
	return 0


def select_w(socks, timeout):
	import select
	return select.select([], socks, [], timeout)


def cmd_flood(args):
	t0 = time.monotonic()
	dl = t0 + args.timeout
	req = request(args.port)[0]
	socks, fail = open_many(args.port, args.n, dl)
	sel = selectors.DefaultSelector()
	state = {}		# sock -> [sent, bytes]
	for s, _ in socks:
		state[s] = [False, bytearray()]
		sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
	if args.ready_file:
		write_file(args.ready_file, f"{len(socks)}\n")
	end = time.monotonic() + args.seconds
	closed = 0
	while time.monotonic() < min(end, dl):
		for key, ev in sel.select(0.05):
			s = key.fileobj
			v = state[s]
			if ev & selectors.EVENT_WRITE and not v[0]:
				try:
					s.send(req)
					v[0] = True
				except (BlockingIOError, InterruptedError):
					pass
				except OSError:
					v[0] = True
				if v[0]:
					sel.modify(s, selectors.EVENT_READ)
				continue
			if ev & selectors.EVENT_READ:
				try:
					b = s.recv(4096)
				except (BlockingIOError, InterruptedError):
					continue
				except OSError:
					b = b""
				if b:
					v[1] += b
				else:
					closed += 1
					sel.unregister(s)
	answered = sum(1 for v in state.values() if v[1])
	upgraded = sum(1 for v in state.values()
	    if v[1].startswith(b"HTTP/1.1 101"))
	statuses = {}
	for v in state.values():
		if v[1]:
			line = bytes(v[1]).split(b"\r\n")[0].decode("latin-1")
			code = line.split(" ")[1] if " " in line else line
			statuses[code] = statuses.get(code, 0) + 1
	for s in state:
		s.close()
	print(f"connected={len(socks)} failed={fail} answered={answered} "
	    f"upgraded={upgraded} closed_by_server={closed} statuses=" +
	    ",".join(f"{k}:{v}" for k, v in sorted(statuses.items())))
	return 0


# -- one connection with pings, messages, a deadline

def cmd_client(args):
	t0 = time.monotonic()
	ws = connect_ws(HOST, args.port, 10)
	end = t0 + args.seconds
	next_msg = time.monotonic() + (args.every or 0)
	pings = echoes = 0
	close = None
	reason = ""
	after = 0.0
	while True:
		now = time.monotonic()
		if now >= end:
			break
		wake = end
		if args.every:
			if now >= next_msg:
				ws.send_frame(OP_BINARY, b"0123456789abcdef")
				next_msg = now + args.every
			wake = min(wake, next_msg)
		try:
			f = ws.recv_frame(deadline=wake)
		except Timeout:
			continue
		except Closed:
			after = time.monotonic() - t0
			close = "tcp"
			break
		if f.opcode == OP_PING:
			pings += 1
			if args.pong:
				ws.send_frame(OP_PONG, f.payload)
		elif f.opcode in (OP_BINARY, OP_TEXT, OP_CONT):
			echoes += 1
		elif f.opcode == OP_CLOSE:
			after = time.monotonic() - t0
			close = f.close_code()
			reason = f.payload[2:].decode("utf-8", "replace")
			try:
				ws.send_close(close)
			except OSError:
				pass
			ws.wait_tcp_close(3)
			break
	if close is None:
		ws.send_close(1000)
		ws.expect_close(3, reply=False)
	print(f"open={close is None} close={close} reason={reason!r} "
	    f"after={after:.2f} pings={pings} echoes={echoes}")
	return 0


def cmd_rtt(args):
	"""Connect, upgrade, one 16-byte echo: prints the time it took."""
	t0 = time.monotonic()
	ws = connect_ws(HOST, args.port, args.timeout)
	ws.send_frame(OP_BINARY, b"are you there?\r\n")
	data, _, stop = ws.collect(16)
	dt = time.monotonic() - t0
	ok = stop is None and data == b"are you there?\r\n"
	ws.send_close(1000)
	ws.expect_close(5, reply=False)
	print(f"echo={'ok' if ok else 'FAIL'} secs={dt:.3f}")
	return 0 if ok else 1


# -- streams: many connections moving a lot of data, on one selector

PATLEN = 4 << 20
STREAM_KEY = b"\x5a\xc3\x96\x0f"


def masked_pattern(seed):
	"""(pattern, the pattern masked with STREAM_KEY from offset 0): a frame
	whose payload is masked[off:off+n], off % 4 == 0, unmasks to
	pattern[off:off+n]: no byte is masked at run time."""
	from wsraw import mask_bytes
	pat = random.Random(f"wsbridge-pattern-{seed}").randbytes(PATLEN)
	return pat, mask_bytes(pat, STREAM_KEY)


class Stream:
	"""One connection: sends its own stream, slices of the pattern at
	offsets from random.Random(seed, conn), and hashes what it sends and
	what comes back."""

	def __init__(self, i, args, pat, mpat):
		self.i, self.args = i, args
		self.pat, self.mpat = memoryview(pat), memoryview(mpat)
		self.gen = random.Random(f"wsbridge-stream-{args.seed}-{i}")
		self.hs, self.hr = hashlib.sha256(), hashlib.sha256()
		self.sent = self.got = 0
		self.out = []			# memoryviews of one frame
		self.ctrlq = []			# control frames to send next
		self.hdr = bytearray()		# frame header so far
		self.frem = 0			# payload bytes left in frame
		self.fop = None
		self.ctrl = bytearray()
		self.close = None		# the server's close code
		self.close_sent = False
		self.done = False		# TCP closed after the close
		self.sock = socket.create_connection((HOST, args.port), 10)
		self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
		req, key = request(args.port, protocols="binary")
		self.sock.sendall(req)
		head = b""
		while b"\r\n\r\n" not in head:
			b = self.sock.recv(1)	# byte by byte: nothing after
			if not b:
				raise RuntimeError(f"conn {i}: closed in handshake")
			head += b
		r = Response(head)
		if r.status != 101 or r.header("Sec-WebSocket-Accept") != \
		    accept_for(key):
			raise RuntimeError(f"conn {i}: {r.status_line!r}")
		self.sock.setblocking(False)

	def fill(self):
		if self.out:
			return
		if self.ctrlq:
			self.out = [memoryview(self.ctrlq.pop(0))]
		elif self.sent < self.args.bytes:
			n = min(self.args.chunk, self.args.bytes - self.sent)
			off = self.gen.randrange(0, PATLEN - n) & ~3
			self.hs.update(self.pat[off:off + n])
			if n < 126:
				hdr = struct.pack("!BB", 0x82, 0x80 | n)
			elif n < 65536:
				hdr = struct.pack("!BBH", 0x82, 0xfe, n)
			else:
				hdr = struct.pack("!BBQ", 0x82, 0xff, n)
			self.out = [memoryview(hdr + STREAM_KEY),
			    self.mpat[off:off + n]]
			self.sent += n
		elif self.got >= self.args.bytes and not self.close_sent:
			self.out = [memoryview(frame(OP_CLOSE,
			    close_payload(1000)))]
			self.close_sent = True

	def want_write(self):
		self.fill()
		return bool(self.out)

	def on_write(self):
		self.fill()
		while self.out:
			try:
				k = self.sock.sendmsg(self.out)
			except (BlockingIOError, InterruptedError):
				return
			except OSError as e:
				raise RuntimeError(f"conn {self.i}: send: {e}")
			while k and self.out:
				if k >= len(self.out[0]):
					k -= len(self.out[0])
					self.out.pop(0)
				else:
					self.out[0] = self.out[0][k:]
					k = 0
			if self.out:
				return
			self.fill()

	def frame_end(self):
		if self.fop == OP_CLOSE:
			c = bytes(self.ctrl)
			self.close = struct.unpack("!H", c[:2])[0] \
			    if len(c) >= 2 else "none"
			if not self.close_sent:
				raise RuntimeError(f"conn {self.i}: close "
				    f"{self.close} {c[2:]!r} from the server "
				    f"after {self.got} bytes back")
		elif self.fop == OP_PING:
			self.ctrlq.append(frame(OP_PONG, bytes(self.ctrl)))
		elif self.fop not in (OP_BINARY, OP_CONT, OP_PONG):
			raise RuntimeError(f"conn {self.i}: opcode {self.fop}")

	def on_read(self, rbuf):
		try:
			n = self.sock.recv_into(rbuf)
		except (BlockingIOError, InterruptedError):
			return
		except OSError as e:
			raise RuntimeError(f"conn {self.i}: recv: {e}")
		if n == 0:
			if self.close is None:
				raise RuntimeError(f"conn {self.i}: EOF after "
				    f"{self.got} bytes back, no close frame")
			self.done = True
			return
		if self.close is not None:
			raise RuntimeError(f"conn {self.i}: bytes after close")
		v = memoryview(rbuf)[:n]
		pos = 0
		while pos < n:
			if self.frem:
				k = min(self.frem, n - pos)
				if self.fop in (OP_BINARY, OP_CONT):
					self.hr.update(v[pos:pos + k])
					self.got += k
					if self.got > self.args.bytes:
						raise RuntimeError(f"conn {self.i}: "
						    "more bytes back than sent")
				else:
					self.ctrl += v[pos:pos + k]
				pos += k
				self.frem -= k
				if self.frem == 0:
					self.frame_end()
				continue
			h = self.hdr
			need = 2
			if len(h) >= 2:
				ln = h[1] & 0x7f
				need = 4 if ln == 126 else 10 if ln == 127 else 2
			take = min(need - len(h), n - pos)
			h += v[pos:pos + take]
			pos += take
			if len(h) < 2:
				continue
			if h[1] & 0x80 or h[0] & 0x70:
				raise RuntimeError(f"conn {self.i}: bad frame "
				    f"header {bytes(h[:2]).hex()}")
			ln = h[1] & 0x7f
			need = 4 if ln == 126 else 10 if ln == 127 else 2
			if len(h) < need:
				continue
			if ln == 126:
				ln = struct.unpack_from("!H", h, 2)[0]
			elif ln == 127:
				ln = struct.unpack_from("!Q", h, 2)[0]
			self.fop = h[0] & 0x0f
			self.ctrl = bytearray()
			self.frem = ln
			self.hdr = bytearray()
			if ln == 0:
				self.frame_end()


def cmd_streams(args):
	t0 = time.monotonic()
	dl = t0 + args.timeout
	pat, mpat = masked_pattern(args.seed)
	conns = [Stream(i, args, pat, mpat) for i in range(args.conns)]
	sel = selectors.DefaultSelector()
	rbuf = bytearray(1 << 20)
	for c in conns:
		sel.register(c.sock, selectors.EVENT_READ |
		    selectors.EVENT_WRITE, c)
	live = len(conns)
	try:
		while live and time.monotonic() < dl:
			for key, ev in sel.select(0.5):
				c = key.data
				if ev & selectors.EVENT_READ:
					c.on_read(rbuf)
				if c.done:
					sel.unregister(c.sock)
					c.sock.close()
					live -= 1
					continue
				if ev & selectors.EVENT_WRITE:
					c.on_write()
				want = selectors.EVENT_READ | (
				    selectors.EVENT_WRITE if c.want_write()
				    else 0)
				if want != key.events:
					sel.modify(c.sock, want, c)
	except RuntimeError as e:
		print(f"FAIL {e}")
		return 1
	dt = time.monotonic() - t0
	bad = 0
	for c in conns:
		print(f"conn {c.i} sent={c.sent} sha_sent={c.hs.hexdigest()} "
		    f"got={c.got} sha_got={c.hr.hexdigest()} close={c.close}")
		if c.sent != args.bytes or c.got != c.sent or \
		    c.hs.digest() != c.hr.digest() or c.close != 1000 or \
		    not c.done:
			bad += 1
	total = args.conns * args.bytes
	print(f"secs={dt:.1f} MBps={total / dt / 1e6:.0f}")
	print(f"ok {args.conns}" if bad == 0 else
	    f"FAIL {bad} connection(s)")
	return 0 if bad == 0 else 1


def cmd_hashecho(args):
	"""A TCP echo backend on one selector that logs, per connection, the
	sha256 of what it received and of what it sent back:
	  conn K EOF after N bytes sha256=H / conn K sent N bytes sha256=H
	(backend.py's lines).  It stops reading a connection with 4 MiB not
	yet echoed."""
	from collections import deque
	ls = socket.socket()
	ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	ls.bind((HOST, 0))
	ls.listen(512)
	ls.setblocking(False)
	logf = open(args.log, "a", buffering=1)
	sel = selectors.DefaultSelector()
	sel.register(ls, selectors.EVENT_READ, None)
	write_file(args.port_file, f"{ls.getsockname()[1]}\n")
	logf.write(f"listening {ls.getsockname()[1]}\n")
	dl = time.monotonic() + args.timeout
	k = 0

	class C:
		pass

	def interest(c):
		ev = 0
		if not c.eof and c.qlen < (4 << 20):
			ev |= selectors.EVENT_READ
		if c.q:
			ev |= selectors.EVENT_WRITE
		if ev == 0:
			if c.eof and not c.q:
				c.s.shutdown(socket.SHUT_WR)
				logf.write(f"conn {c.k} sent {c.nout} bytes "
				    f"sha256={c.hout.hexdigest()}\n")
				sel.unregister(c.s)
				c.s.close()
				return
		if ev != c.ev:
			sel.modify(c.s, ev, c)
			c.ev = ev

	while time.monotonic() < dl:
		for key, ev in sel.select(0.5):
			if key.data is None:
				try:
					s, _ = ls.accept()
				except (BlockingIOError, InterruptedError):
					continue
				s.setblocking(False)
				s.setsockopt(socket.IPPROTO_TCP,
				    socket.TCP_NODELAY, 1)
				k += 1
				c = C()
				c.s, c.k, c.q, c.qlen = s, k, deque(), 0
				c.eof, c.nin, c.nout = False, 0, 0
				c.hin, c.hout = hashlib.sha256(), hashlib.sha256()
				c.ev = selectors.EVENT_READ
				sel.register(s, c.ev, c)
				logf.write(f"conn {k} accept\n")
				continue
			c = key.data
			if ev & selectors.EVENT_READ:
				try:
					b = c.s.recv(1 << 18)
				except (BlockingIOError, InterruptedError):
					b = None
				except OSError as e:
					logf.write(f"conn {c.k} error recv: {e}\n")
					sel.unregister(c.s)
					c.s.close()
					continue
				if b == b"":
					c.eof = True
					logf.write(f"conn {c.k} EOF after {c.nin} "
					    f"bytes sha256={c.hin.hexdigest()}\n")
				elif b:
					c.hin.update(b)
					c.nin += len(b)
					c.q.append(memoryview(b))
					c.qlen += len(b)
			if c.q:
				try:
					n = c.s.sendmsg(list(c.q)[:64])
				except (BlockingIOError, InterruptedError):
					n = 0
				except OSError as e:
					logf.write(f"conn {c.k} error send: {e}\n")
					sel.unregister(c.s)
					c.s.close()
					continue
				c.qlen -= n
				c.nout += n
				while n:
					f = c.q[0]
					if n >= len(f):
						c.hout.update(f)
						n -= len(f)
						c.q.popleft()
					else:
						c.hout.update(f[:n])
						c.q[0] = f[n:]
						n = 0
			interest(c)
	logf.write("timeout\n")
	return 0


async def ws_open(port):
	reader, writer = await asyncio.open_connection(HOST, port,
	    limit=1 << 20)
	sock = writer.get_extra_info("socket")
	sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
	req, key = request(port, protocols="binary")
	writer.write(req)
	head = await reader.readuntil(b"\r\n\r\n")
	r = Response(head)
	if r.status != 101 or r.header("Sec-WebSocket-Accept") != \
	    accept_for(key):
		raise RuntimeError(f"handshake: {r.status_line!r}")
	return reader, writer


async def read_frame(reader):
	b0, b1 = await reader.readexactly(2)
	n = b1 & 0x7F
	if n == 126:
		n = struct.unpack("!H", await reader.readexactly(2))[0]
	elif n == 127:
		n = struct.unpack("!Q", await reader.readexactly(8))[0]
	if b1 & 0x80 or b0 & 0x70:
		raise RuntimeError(f"bad frame header {b0:#x} {b1:#x}")
	payload = await reader.readexactly(n) if n else b""
	return b0 & 0x0F, payload


async def one_busy(i, args, state):
	reader, writer = await ws_open(args.port)
	key = b"\x01\x02\x03\x04"
	data = random.Random(i).randbytes(32768)
	msg = frame(OP_BINARY, data, key=key)
	s = state[i] = {"sent": 0, "got": 0, "close": None}
	stop = asyncio.Event()

	async def sender():
		while not stop.is_set():
			if s["sent"] - s["got"] < (256 << 10):
				writer.write(msg)
				s["sent"] += len(data)
				await writer.drain()
			else:
				await asyncio.sleep(0.005)

	async def receiver():
		while True:
			try:
				op, p = await read_frame(reader)
			except (asyncio.IncompleteReadError, ConnectionError):
				s["close"] = s["close"] or "tcp"
				return
			if op in (OP_BINARY, OP_CONT):
				s["got"] += len(p)
			elif op == OP_PING:
				writer.write(frame(OP_PONG, p))
			elif op == OP_CLOSE:
				s["close"] = struct.unpack("!H", p[:2])[0] \
				    if len(p) >= 2 else "none"
				stop.set()
				try:
					writer.write(frame(OP_CLOSE,
					    p[:2]))
				except (ConnectionError, RuntimeError):
					pass
				try:
					await asyncio.wait_for(reader.read(),
					    5)
				except Exception:
					pass
				return

	st = asyncio.create_task(sender())
	try:
		await receiver()
	finally:
		stop.set()
		st.cancel()
		try:
			await st
		except (asyncio.CancelledError, ConnectionError):
			pass
		writer.close()


async def busy(args):
	state = {}
	tasks = [asyncio.create_task(one_busy(i, args, state))
	    for i in range(args.conns)]

	async def ready():
		while True:
			if len(state) == args.conns and all(
			    v["got"] >= (256 << 10) for v in state.values()):
				if args.ready_file:
					write_file(args.ready_file, "ready\n")
				return
			await asyncio.sleep(0.05)

	rt = asyncio.create_task(ready())
	try:
		await asyncio.wait_for(asyncio.gather(*tasks), args.timeout)
	except Exception as e:
		print(f"FAIL {type(e).__name__}: {e}")
	rt.cancel()
	counts = {}
	total = 0
	for v in state.values():
		k = str(v["close"])
		counts[k] = counts.get(k, 0) + 1
		total += v["got"]
	print("closes=" + ",".join(f"{k}:{v}" for k, v in
	    sorted(counts.items())) + f" streamed={total}")
	return 0


def cmd_busy(args):
	return asyncio.run(busy(args))


# -- misbehaving single clients

def report_close(ws, t0, timeout):
	dl = time.monotonic() + timeout
	try:
		while True:
			f = ws.recv_frame(deadline=dl)
			if f.opcode == OP_CLOSE:
				break
	except Closed:
		print(f"close=None tcp_closed=True "
		    f"after={time.monotonic() - t0:.2f}")
		return 0
	except Timeout:
		print("close=None tcp_closed=False timeout")
		return 1
	code = f.close_code()
	reason = f.payload[2:].decode("utf-8", "replace")
	closed, _ = ws.wait_tcp_close(max(0.1, dl - time.monotonic()))
	print(f"close={code} reason={reason!r} tcp_closed={closed} "
	    f"after={time.monotonic() - t0:.2f}")
	return 0


def status_of(ws, timeout):
	out = ws.read_until_close(timeout)
	line = out.split(b"\r\n")[0].decode("latin-1")
	print(f"status={line} tcp_closed={ws.eof}")
	return 0


def cmd_case(args):
	port = args.port
	t0 = time.monotonic()
	ws = WS(HOST, port, args.timeout)
	name = args.name
	if name == "random":
		ws.send(random.Random(6455).randbytes(1024))
		return status_of(ws, args.timeout)
	if name == "http10":
		req = request(port)[0].replace(b"HTTP/1.1", b"HTTP/1.0", 1)
		ws.send(req)
		return status_of(ws, args.timeout)
	if name == "headers101":
		extra = [(f"X-Filler-{i}", "x") for i in range(101)]
		ws.send(request(port, extra=extra)[0])
		return status_of(ws, args.timeout)
	if name == "longline":
		extra = [("X-Long", "a" * 65536)]
		try:
			ws.send(request(port, extra=extra)[0])
		except OSError:
			pass		# the server may answer and close first
		return status_of(ws, args.timeout)
	if name == "badkey":
		ws.send(request(port, key="c2hvcnQga2V5IDE1Yg==")[0])
		return status_of(ws, args.timeout)
	r = ws.handshake(host_header=f"{HOST}:{port}")
	if r.status != 101:
		print(f"handshake: {r.status_line}")
		return 1
	if name == "len63":
		ws.send(frame(OP_BINARY, b"x" * 16, length=1 << 63))
		return report_close(ws, t0, args.timeout)
	if name == "len62":
		ws.send(frame(OP_BINARY, b"x" * 16, length=1 << 62))
		return report_close(ws, t0, args.timeout)
	half = frame(OP_BINARY, b"h" * 1000)[:500]
	if name == "rst":
		ws.send(half)
		ws.abort()
		print("reset after half a frame")
		return 0
	if name == "halfframe":
		ws.send(half)
		return report_close(ws, t0, args.timeout)
	print(f"unknown case {name}", file=sys.stderr)
	return 2


# -- fuzz: random frame sequences after a valid upgrade

def fuzz_frames(rnd):
	"""1-6 frames with random fields: opcodes (reserved ones too), RSV
	bits, FIN, mask or not, non-minimal lengths, invalid UTF-8, close
	codes; sometimes plain random bytes."""
	out = b""
	if rnd.random() < 0.15:
		return rnd.randbytes(rnd.randrange(1, 512))
	for _ in range(rnd.randrange(1, 7)):
		op = rnd.choice([0, 1, 2, 8, 9, 10, 3, 7, 11, 15, 1, 2, 0])
		n = rnd.choice([0, 1, 5, 125, 126, 127, 200, 1000, 70000])
		if op == 8 and rnd.random() < 0.7:
			code = rnd.choice([1000, 1001, 999, 1004, 1005, 1006,
			    1016, 2999, 3000, 4999, 5000, 65535])
			payload = struct.pack("!H", code) + rnd.choice([b"",
			    b"bye", b"\xff\xfe", "é".encode()[:1]])
		elif op == 1 and rnd.random() < 0.5:
			payload = rnd.choice(["héllo €".encode(), b"\xc3",
			    b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
			    b"ok"]) * rnd.randrange(1, 4)
		else:
			payload = rnd.randbytes(n)
		kw = {}
		r = rnd.random()
		if r < 0.1:
			kw["length_form"] = rnd.choice([16, 64]) \
			    if len(payload) < 65536 else 64
		elif r < 0.15:
			kw["length"] = rnd.choice([len(payload) + 1,
			    max(0, len(payload) - 1), 1 << 40])
		out += frame(op, payload, fin=rnd.random() < 0.8,
		    rsv=rnd.choice([0] * 8 + [1, 2, 4]),
		    mask=rnd.random() < 0.9, **kw)
	if rnd.random() < 0.2:
		out = out[:rnd.randrange(1, len(out) + 1)]
	return out


def cmd_fuzz(args):
	"""N connections in turn: upgrade, random frames, half-close; read
	until the server closes.  Prints a histogram of how they ended:
	close codes, "eof" (TCP close without a close frame) and "hung"
	(nothing within --per-conn seconds: a failure)."""
	rnd = random.Random(args.seed)
	counts = {}
	hung = 0
	for i in range(args.n):
		blob = fuzz_frames(rnd)
		ws = connect_ws(HOST, args.port, 10)
		try:
			ws.send(blob)
			ws.sock.shutdown(socket.SHUT_WR)
		except OSError:
			pass
		dl = time.monotonic() + args.per_conn
		end = None
		try:
			while True:
				f = ws.recv_frame(deadline=dl)
				if f.opcode == OP_CLOSE:
					c = f.close_code()
					end = str(c) if c is not None else "none"
					break
				if f.masked or f.rsv or f.opcode not in (
				    OP_BINARY, OP_CONT, OP_TEXT, OP_PONG,
				    OP_PING):
					end = f"bad-frame-from-server:{f!r}"
					break
		except Closed:
			end = "eof"
		except Timeout:
			end = "hung"
			hung += 1
			print(f"conn {i} hung: {blob[:64].hex()}",
			    file=sys.stderr)
		ws.close()
		counts[end] = counts.get(end, 0) + 1
	print("ends=" + ",".join(f"{k}:{v}" for k, v in
	    sorted(counts.items())))
	return 0 if hung == 0 else 1


def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	sub = ap.add_subparsers(dest="cmd", required=True)

	def add(name, fn):
		p = sub.add_parser(name)
		p.add_argument("port", type=int)
		p.add_argument("--timeout", type=float, default=30.0)
		p.set_defaults(fn=fn)
		return p

	p = add("burst", cmd_burst)
	p.add_argument("--n", type=int, required=True)
	p.add_argument("--source", default="127.0.0.1")
	p = add("hold", cmd_hold)
	p.add_argument("--n", type=int, required=True)
	p.add_argument("--source", default="127.0.0.1")
	p.add_argument("--ready-file")
	p = add("rtt", cmd_rtt)
	p = add("client", cmd_client)
	p.add_argument("--pong", action="store_true")
	p.add_argument("--every", type=float)
	p.add_argument("--seconds", type=float, default=3.0)
	p = add("slowloris", cmd_slowloris)
	p.add_argument("--n", type=int, required=True)
	p.add_argument("--interval", type=float, default=1.0)
	p.add_argument("--seconds", type=float, default=10.0)
	p.add_argument("--ready-file")
	p = add("flood", cmd_flood)
	p.add_argument("--n", type=int, required=True)
	p.add_argument("--seconds", type=float, default=3.0)
	p.add_argument("--ready-file")
	p = add("streams", cmd_streams)
	p.add_argument("--conns", type=int, required=True)
	p.add_argument("--bytes", type=int, required=True)
	p.add_argument("--chunk", type=int, default=65536)
	p.add_argument("--seed", type=int, default=1)
	p = sub.add_parser("hashecho")
	p.add_argument("--port-file", required=True)
	p.add_argument("--log", required=True)
	p.add_argument("--timeout", type=float, default=120.0)
	p.set_defaults(fn=cmd_hashecho)
	p = add("busy", cmd_busy)
	p.add_argument("--conns", type=int, required=True)
	p.add_argument("--ready-file")
	p = add("fuzz", cmd_fuzz)
	p.add_argument("--n", type=int, required=True)
	p.add_argument("--seed", type=int, default=1)
	p.add_argument("--per-conn", type=float, default=5.0)
	p = add("case", cmd_case)
	p.add_argument("name")
	args = ap.parse_args()
	try:
		sys.exit(args.fn(args))
	except (Closed, Timeout, OSError, RuntimeError) as e:
		print(f"stress: {type(e).__name__}: {e}", file=sys.stderr)
		sys.exit(1)


if __name__ == "__main__":
	main()
