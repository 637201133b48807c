#!/usr/bin/python3
"""prog_client.py - a client for wsbridge's program mode tests.

Built on wsraw.py (raw frames: exact opcodes, fragments and close codes).
--tls speaks TLS first (wss://; the certificate is not checked).  Every
command has a deadline (--timeout, default 20 s).  Exit 0 = ran to the
end (the output says what happened), 1 = error or deadline, 2 = usage.

  prog_client.py talk PORT [--path P] [--host H] [--header 'Name: value']...
        [--send TEXT]... [--send-hex HEX]... [--binary] [--expect N]
        [--end wait|close|vanish|abort] [--ready-file F] [--hold-file F]
        [--port-file F] [--summary] [--join]
      Handshake (prints "status CODE" unless 101), send each message, then
      print every message that comes back, one line each:
          text "json-escaped"          (--summary: text bytes=N frames=K
          binary "json-escaped-latin1"  fragments_valid=B sha256=H)
      After --expect N messages have come (default 0), --ready-file is
      written and --hold-file waited for; then --end: wait (default: read
      until the server closes), close (send close 1000, read until the
      reply), vanish (close TCP without a close frame) or abort (RST).
      --join prints the binary messages as one, just before the close.
      A close frame from the server prints 'close CODE "reason"' and is
      answered like a client; then "tcp_closed=True|False".
  prog_client.py binary PORT --in FILE [--chunk N]
      Send FILE as binary messages while reading what comes back; once as
      many bytes came back, close with 1000.  Prints
      "bytes=N sha256=H close=CODE".
  prog_client.py status PORT [PATH...]
      The status line of the answer to an upgrade request for each PATH
      (default /); with several, "PATH -> STATUS LINE" a line.
  prog_client.py many PORT --n N
      N connections in a row to an echoing program ("cat"): each sends one
      text message, reads its echo, then ends with a close frame, a TCP
      close or a reset in turn.  Prints "ok N" or the first failure.
"""

import argparse
import hashlib
import json
import os
import select
import socket
import ssl
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsraw import (WS, Closed, Timeout, OP_TEXT, OP_BINARY, OP_CONT,
    OP_CLOSE, OP_PING, OP_PONG, frame, upgrade_request, accept_for,
    write_file, wait_file)


def parse_header(s):
	k, v = s.split(":", 1)
	return (k, v.lstrip(" "))


def handshake(args, port):
	ws = WS("127.0.0.1", port, args.timeout)
	if getattr(args, "tls", False):
		ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
		ctx.check_hostname = False
		ctx.verify_mode = ssl.CERT_NONE
		ws.sock = ctx.wrap_socket(ws.sock, server_hostname="localhost")
	extra = [parse_header(h) for h in (args.header or [])]
	host = args.host if args.host is not None else f"127.0.0.1:{port}"
	req, key = upgrade_request(host_header=host, path=args.path,
	    extra=extra)
	r = ws.handshake(request=req)
	r.accept_ok = r.header("Sec-WebSocket-Accept") == accept_for(key)
	return ws, r


class Reader:
	"""Assemble messages from frames; answer pings."""

	def __init__(self, ws, summary, join=False):
		self.ws, self.summary, self.join = ws, summary, join
		self.joined = bytearray()
		self.parts, self.op = [], None
		self.count = 0
		self.close = None

	def show(self, op, parts):
		data = b"".join(parts)
		self.count += 1
		if op == OP_BINARY and self.join:
			self.joined += data
			return
		if op == OP_TEXT:
			if self.summary:
				ok = True
				for p in parts:
					try:
						p.decode("utf-8")
					except UnicodeDecodeError:
						ok = False
				print(f"text bytes={len(data)} frames={len(parts)} "
				    f"fragments_valid={ok} "
				    f"sha256={hashlib.sha256(data).hexdigest()}")
			else:
				try:
					s = json.dumps(data.decode("utf-8"))
				except UnicodeDecodeError:
					s = "INVALID-UTF-8 " + json.dumps(
					    data.decode("latin-1"))
				print(f"text {s}")
		else:
			if self.summary:
				print(f"binary bytes={len(data)} frames="
				    f"{len(parts)} sha256="
				    f"{hashlib.sha256(data).hexdigest()}")
			else:
				print("binary " + json.dumps(data.decode("latin-1")))
		sys.stdout.flush()

	def step(self, deadline):
		"""Read one frame; return False once a close frame came."""
		f = self.ws.recv_frame(deadline=deadline)
		if f.opcode in (OP_TEXT, OP_BINARY):
			if self.op is not None:
				print(f"protocol: new message inside a fragmented one")
			self.op, self.parts = f.opcode, [f.payload]
		elif f.opcode == OP_CONT:
			if self.op is None:
				print("protocol: continuation without a start")
				return True
			self.parts.append(f.payload)
		elif f.opcode == OP_PING:
			self.ws.send_frame(OP_PONG, f.payload)
			return True
		elif f.opcode == OP_PONG:
			return True
		elif f.opcode == OP_CLOSE:
			self.close = f
			return False
		else:
			print(f"protocol: opcode {f.opcode:#x}")
			return True
		if f.fin:
			self.show(self.op, self.parts)
			self.op, self.parts = None, []
		return True


def cmd_talk(args):
	ws, r = handshake(args, args.port)
	if args.port_file:
		write_file(args.port_file, f"{ws.sock.getsockname()[1]}\n")
	if r.status != 101:
		print(f"status {r.status}")
		return 0
	if not r.accept_ok:
		print("bad Sec-WebSocket-Accept")
		return 1
	op = OP_BINARY if args.binary else OP_TEXT
	for m in args.send or []:
		ws.send_frame(op, m.encode())
	for m in args.send_hex or []:
		ws.send_frame(op, bytes.fromhex(m))
	rd = Reader(ws, args.summary, args.join)
	dl = ws.deadline()
	try:
		while rd.count < args.expect and rd.close is None:
			rd.step(dl)
		if args.ready_file:
			write_file(args.ready_file, "ready\n")
		if args.hold_file:
			wait_file(args.hold_file, args.timeout)
		if rd.close is None:
			if args.end == "vanish":
				ws.close()
				print("vanished")
				return 0
			if args.end == "abort":
				ws.abort()
				print("aborted")
				return 0
			if args.end == "close":
				ws.send_close(1000)
			dl = ws.deadline()
			while rd.step(dl):
				pass
	except Closed:
		print("eof without a close frame")
		return 0
	except Timeout:
		print("timeout")
		return 1
	if args.join:
		print("binary " + json.dumps(rd.joined.decode("latin-1")))
	f = rd.close
	code = f.close_code()
	reason = f.payload[2:].decode("utf-8", "replace")
	print(f"close {code if code is not None else 'none'} {json.dumps(reason)}")
	if not ws.close_sent:
		try:
			ws.send_close(code if code not in (None, 1005, 1006)
			    else None)
		except OSError:
			pass
	closed, extra = ws.wait_tcp_close()
	print(f"tcp_closed={closed}" + (f" extra={len(extra)}" if extra
	    else ""))
	return 0


def take_frame(buf):
	"""(opcode, fin, payload, consumed) of the first complete unmasked
	frame in buf, or None."""
	if len(buf) < 2:
		return None
	b0, b1 = buf[0], buf[1]
	n, off = b1 & 0x7F, 2
	if n == 126:
		if len(buf) < 4:
			return None
		n, off = struct.unpack_from("!H", buf, 2)[0], 4
	elif n == 127:
		if len(buf) < 10:
			return None
		n, off = struct.unpack_from("!Q", buf, 2)[0], 10
	if b1 & 0x80:
		raise ValueError("masked frame from the server")
	if len(buf) < off + n:
		return None
	return b0 & 0xF, bool(b0 & 0x80), bytes(buf[off:off + n]), off + n


def cmd_binary(args):
	data = open(args.inp, "rb").read()
	ws, r = handshake(args, args.port)
	if r.status != 101 or not r.accept_ok:
		print(f"status {r.status}")
		return 1
	out = b"".join(frame(OP_BINARY, data[i:i + args.chunk])
	    for i in range(0, len(data), args.chunk))
	sock = ws.sock
	sock.setblocking(False)
	buf = bytearray(ws.buf)
	h = hashlib.sha256()
	got = 0
	close = None
	sent = 0
	close_sent = False
	dl = time.monotonic() + args.timeout
	while close is None:
		left = dl - time.monotonic()
		if left <= 0:
			print(f"timeout: sent {sent} got {got}")
			return 1
		if got >= len(data) and not close_sent:
			out += frame(OP_CLOSE, struct.pack("!H", 1000))
			close_sent = True
		wl = [sock] if sent < len(out) else []
		rl, wl, _ = select.select([sock], wl, [], left)
		if wl:
			try:
				sent += sock.send(out[sent:sent + (1 << 20)])
			except BlockingIOError:
				pass
		if rl:
			try:
				b = sock.recv(1 << 20)
			except BlockingIOError:
				continue
			if not b:
				print(f"eof: got {got}")
				return 1
			buf += b
			while True:
				t = take_frame(buf)
				if t is None:
					break
				op, fin, payload, used = t
				del buf[:used]
				if op in (OP_BINARY, OP_CONT):
					got += len(payload)
					h.update(payload)
				elif op == OP_CLOSE:
					close = struct.unpack("!H", payload[:2])[0] \
					    if len(payload) >= 2 else "none"
					break
				elif op == OP_TEXT:
					print("text message in binary mode")
					return 1
	print(f"bytes={got} sha256={h.hexdigest()} close={close}")
	return 0


def cmd_many(args):
	ends = ["close", "vanish", "abort"]
	for i in range(args.n):
		ws, r = handshake(args, args.port)
		if r.status != 101 or not r.accept_ok:
			print(f"connection {i}: {r.status_line}")
			return 1
		msg = f"ping {i}".encode()
		ws.send_frame(OP_TEXT, msg)
		f = ws.recv_frame()
		if f.opcode != OP_TEXT or f.payload != msg:
			print(f"connection {i}: got {f!r}")
			return 1
		end = ends[i % 3]
		if end == "close":
			ws.send_close(1000)
			cf, _, closed = ws.expect_close(reply=False)
			if cf is None or cf.close_code() != 1000 or not closed:
				print(f"connection {i}: close {cf!r} {closed}")
				return 1
			ws.close()
		elif end == "vanish":
			ws.close()
		else:
			ws.abort()
	print(f"ok {args.n}")
	return 0


def cmd_status(args):
	"""The status line answered to an upgrade request for each path."""
	for path in args.paths:
		ws = WS("127.0.0.1", args.port, args.timeout)
		req, _ = upgrade_request(host_header=f"127.0.0.1:{args.port}",
		    path=path)
		r = ws.handshake(request=req)
		ws.close()
		print(r.status_line if len(args.paths) == 1 else
		    f"{path} -> {r.status_line}")
	return 0


def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	sub = ap.add_subparsers(dest="cmd", required=True)

	def add(name, fn):
		p = sub.add_parser(name)
		p.add_argument("port", type=int)
		p.add_argument("--timeout", type=float, default=20.0)
		p.add_argument("--path", default="/")
		p.add_argument("--host")
		p.add_argument("--header", action="append")
		p.add_argument("--tls", action="store_true",
		    help="speak TLS (wss://), certificate not checked")
		p.set_defaults(fn=fn)
		return p

	p = add("talk", cmd_talk)
	p.add_argument("--send", action="append")
	p.add_argument("--send-hex", action="append")
	p.add_argument("--binary", action="store_true")
	p.add_argument("--expect", type=int, default=0)
	p.add_argument("--end", choices=["wait", "close", "vanish", "abort"],
	    default="wait")
	p.add_argument("--ready-file")
	p.add_argument("--hold-file")
	p.add_argument("--port-file")
	p.add_argument("--summary", action="store_true")
	p.add_argument("--join", action="store_true")
	p = add("binary", cmd_binary)
	p.add_argument("--in", dest="inp", required=True)
	p.add_argument("--chunk", type=int, default=65536)
	p = add("status", cmd_status)
	p.add_argument("paths", nargs="*", default=["/"])
	p = add("many", cmd_many)
	p.add_argument("--n", type=int, required=True)
	args = ap.parse_args()
	try:
		sys.exit(args.fn(args))
	except (Closed, Timeout, OSError, RuntimeError, ValueError) as e:
		print(f"prog_client: {type(e).__name__}: {e}")
		sys.exit(1)


if __name__ == "__main__":
	main()
