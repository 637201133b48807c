#!/usr/bin/python3
"""front_client.py - clients for wsbridge's TLS and HTTP front door tests.

Every command has a deadline (--timeout, default 20 s); exit 0 = ran as
expected, 1 = error or deadline, 2 = usage.  TARGET is a port on 127.0.0.1,
HOST:PORT, or unix:/PATH.

Connection options (every command):
  --tls                 speak TLS (wss://, https://)
  --cafile F            verify the server against F (else no verification)
  --servername NAME     SNI and the name checked (default localhost)
  --cert F --key F      present a client certificate
  --proxy-v1 TEXT       send "PROXY TEXT\\r\\n" first (TEXT: "TCP4 a b p q")
  --proxy-v2 SRC,DST    send a PROXY v2 header first (SRC/DST: addr:port,
                        IPv4 or [IPv6]); --proxy-raw HEX sends HEX instead
  --path P  --host H  --header "Name: value"...
  --source ADDR         connect from ADDR (127.0.0.2: another loopback
                        address than the proxy's own)

  front_client.py head TARGET [--method M] [--upgrade]
      Send one request (an upgrade request with --upgrade) and print the
      answer's head, CRLF turned into LF; with --body, also the body (read
      until the server closes the connection).
  front_client.py lines TARGET [--send TEXT]... [--count N]
      Upgrade, send each TEXT as a text message, then print every message
      (text as is; binary as "binary " and the bytes with Python's
      backslash escapes: "binary A\\n" for A and a newline) until the
      server closes or N messages came.  Prints "status CODE" and stops
      if the answer is not 101.  --print-port prints "srcport N" (our
      own source port) first.  --repeat N does it all N times in a row,
      with a line "---" between.
  front_client.py echo TARGET --sizes N,N,...
      python3-websockets: one binary message per size, each echoed back
      (the backend's bytes may come in any number of messages); prints
      "ok N bytes" each.
  front_client.py bulk TARGET --bytes N
      python3-websockets: send N pseudo-random bytes (64 KiB messages)
      while reading the echo; prints "bytes=N sha256=H" for what was sent
      and what came back.
  front_client.py hold TARGET --ready-file F --release-file G
      python3-websockets: echo one message, write F, wait for G (at most
      --timeout), echo another, close 1000; prints "first ok" / "second ok".
"""

import argparse
import base64
import hashlib
import ipaddress
import os
import random
import socket
import struct
import sys
import time

# asyncio, websockets and ssl take a while to import: "head" without TLS
# does without them (a test runs it many times).
if sys.argv[1:2] != ["head"]:
	import asyncio
	import websockets
	import websockets.client
else:
	websockets = None
if "--tls" in sys.argv or "--cafile" in sys.argv or "--cert" in sys.argv or \
    sys.argv[1:2] != ["head"]:
	import ssl
else:
	ssl = None

PROXY2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def split_hostport(s):
	if s.startswith("["):
		h, _, p = s[1:].partition("]:")
	else:
		h, _, p = s.rpartition(":")
	return h, int(p)


def proxy_v2(spec):
	src, dst = spec.split(",")
	(sa, sp), (da, dp) = split_hostport(src), split_hostport(dst)
	a, b = ipaddress.ip_address(sa), ipaddress.ip_address(da)
	if a.version == 4:
		fam, addrs = 0x11, a.packed + b.packed + struct.pack("!HH", sp, dp)
	else:
		fam, addrs = 0x21, a.packed + b.packed + struct.pack("!HH", sp, dp)
	return PROXY2_SIG + bytes([0x21, fam]) + struct.pack("!H", len(addrs)) \
	    + addrs


def ssl_context(a):
	ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
	if a.cafile:
		ctx.load_verify_locations(a.cafile)
	else:
		ctx.check_hostname = False
		ctx.verify_mode = ssl.CERT_NONE
	if a.cert:
		ctx.load_cert_chain(a.cert, a.key)
	return ctx


def open_socket(a):
	"""A connected socket, PROXY header sent, TLS done; and the port."""
	t = a.target
	if t.startswith("unix:"):
		s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		s.settimeout(a.timeout)
		s.connect(t[5:])
		hostport = "localhost"
	else:
		host, port = ("127.0.0.1", int(t)) if t.isdigit() else \
		    split_hostport(t)
		s = socket.create_connection((host, port), timeout=a.timeout,
		    source_address=(a.source, 0) if a.source else None)
		hostport = f"{host}:{port}" if ":" not in host else \
		    f"[{host}]:{port}"
	if a.proxy_raw is not None:
		s.sendall(bytes.fromhex(a.proxy_raw))
	elif a.proxy_v1 is not None:
		s.sendall(f"PROXY {a.proxy_v1}\r\n".encode())
	elif a.proxy_v2 is not None:
		s.sendall(proxy_v2(a.proxy_v2))
	if a.tls:
		s = ssl_context(a).wrap_socket(s, server_hostname=a.servername)
	return s, hostport


def request_bytes(a, hostport, upgrade):
	host = a.host if a.host is not None else hostport
	lines = [f"{a.method} {a.path} HTTP/1.1", f"Host: {host}"]
	if upgrade:
		key = base64.b64encode(os.urandom(16)).decode()
		lines += ["Upgrade: websocket", "Connection: Upgrade",
		    f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
	for h in a.header or []:
		lines.append(h)
	return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_head(s, deadline):
	buf = b""
	while b"\r\n\r\n" not in buf:
		if time.monotonic() > deadline:
			raise TimeoutError("no answer head")
		s.settimeout(max(0.01, deadline - time.monotonic()))
		d = s.recv(65536)
		if not d:
			break
		buf += d
	head, sep, rest = buf.partition(b"\r\n\r\n")
	return head, rest, bool(sep)


def cmd_head(a):
	deadline = time.monotonic() + a.timeout
	s, hp = open_socket(a)
	s.sendall(request_bytes(a, hp, a.upgrade))
	head, rest, complete = read_head(s, deadline)
	sys.stdout.write(head.decode("latin-1").replace("\r\n", "\n") + "\n")
	if not complete:
		print("(connection closed before the end of the head)")
		return 1
	if a.body:
		body = rest
		while time.monotonic() < deadline:
			s.settimeout(max(0.01, deadline - time.monotonic()))
			try:
				d = s.recv(65536)
			except OSError:
				break
			if not d:
				break
			body += d
		sys.stdout.write("\n" + body.decode("latin-1"))
	s.close()
	return 0


def ws_uri(a, hostport):
	scheme = "wss" if a.tls else "ws"
	return f"{scheme}://{a.host or hostport}{a.path}"


async def ws_connect(a, **kw):
	"""A websockets connection over our socket (PROXY header, TLS, unix)."""
	t = a.target
	headers = []
	for h in a.header or []:
		k, v = h.split(":", 1)
		headers.append((k, v.strip()))
	common = dict(extra_headers=headers, max_size=None, compression=None,
	    ping_interval=None, open_timeout=a.timeout, close_timeout=a.timeout,
	    **kw)
	if t.startswith("unix:") and a.proxy_v1 is None and \
	    a.proxy_v2 is None and not a.tls:
		uri = f"ws://localhost{a.path}"
		return await websockets.client.unix_connect(t[5:], uri, **common)
	sock, hp = open_socket(a) if not a.tls else open_plain_for_tls(a)
	sock.setblocking(False)
	if a.tls:
		return await websockets.client.connect(ws_uri(a, hp), sock=sock,
		    ssl=ssl_context(a), server_hostname=a.servername, **common)
	return await websockets.client.connect(ws_uri(a, hp), sock=sock,
	    **common)


def open_plain_for_tls(a):
	"""open_socket without TLS: asyncio does the TLS handshake."""
	tls, a.tls = a.tls, False
	try:
		s, hp = open_socket(a)
	finally:
		a.tls = tls
	return s, hp


async def recv_bytes(ws, n):
	got = bytearray()
	while len(got) < n:
		m = await ws.recv()
		got += m.encode() if isinstance(m, str) else m
	return bytes(got)


async def do_echo(a):
	ws = await ws_connect(a)
	for i, n in enumerate(a.sizes):
		want = random.Random(i + 1).randbytes(n)
		await ws.send(want)
		got = await recv_bytes(ws, n) if n > 0 else b""
		if got != want:
			print(f"echo of {n} bytes differs (got {len(got)})")
			return 1
		print(f"ok {n} bytes")
	await ws.close(1000)
	print(f"close {ws.close_code}")
	return 0


async def do_bulk(a):
	ws = await ws_connect(a)
	rng = random.Random(6455)
	hs, hr = hashlib.sha256(), hashlib.sha256()
	chunk = 65536

	async def sender():
		left = a.bytes
		while left > 0:
			d = rng.randbytes(min(chunk, left))
			hs.update(d)
			await ws.send(d)
			left -= len(d)

	async def receiver():
		n = 0
		while n < a.bytes:
			m = await ws.recv()
			hr.update(m)
			n += len(m)
		return n

	_, n = await asyncio.gather(sender(), receiver())
	await ws.close(1000)
	print(f"sent bytes={a.bytes} sha256={hs.hexdigest()}")
	print(f"got bytes={n} sha256={hr.hexdigest()}")
	return 0 if hs.digest() == hr.digest() and n == a.bytes else 1


async def do_hold(a):
	ws = await ws_connect(a)
	await ws.send(b"first\n")
	if await recv_bytes(ws, 6) != b"first\n":
		return 1
	print("first ok", flush=True)
	with open(a.ready_file + ".tmp", "w") as f:
		f.write("ready\n")
	os.rename(a.ready_file + ".tmp", a.ready_file)
	deadline = time.monotonic() + a.timeout
	while not os.path.exists(a.release_file):
		if time.monotonic() > deadline:
			print("release file never came")
			return 1
		await asyncio.sleep(0.02)
	await ws.send(b"second\n")
	if await recv_bytes(ws, 7) != b"second\n":
		return 1
	print("second ok")
	await ws.close(1000)
	return 0


async def do_lines(a):
	for i in range(a.repeat):
		if i > 0:
			print("---")
		rc = await lines_once(a)
		if rc != 0:
			return rc
	return 0


async def lines_once(a):
	try:
		ws = await ws_connect(a)
	except websockets.exceptions.InvalidStatusCode as e:
		print(f"status {e.status_code}")
		return 0
	if a.print_port:
		print(f"srcport {ws.transport.get_extra_info('sockname')[1]}")
	for t in a.send or []:
		await ws.send(t)
	n = 0
	try:
		while a.count is None or n < a.count:
			m = await ws.recv()
			n += 1
			if isinstance(m, str):
				print(m, flush=True)
			else:
				print("binary " + m.decode("latin-1").encode(
				    "unicode_escape").decode(), flush=True)
	except websockets.exceptions.ConnectionClosed:
		pass
	await ws.close(1000)
	return 0


def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	sub = ap.add_subparsers(dest="cmd", required=True)
	ps = {}
	for name in ("head", "lines", "echo", "bulk", "hold"):
		p = sub.add_parser(name)
		p.add_argument("target")
		p.add_argument("--timeout", type=float, default=20.0)
		p.add_argument("--tls", action="store_true")
		p.add_argument("--cafile")
		p.add_argument("--servername", default="localhost")
		p.add_argument("--cert")
		p.add_argument("--key")
		p.add_argument("--proxy-v1")
		p.add_argument("--proxy-v2")
		p.add_argument("--proxy-raw")
		p.add_argument("--path", default="/")
		p.add_argument("--host")
		p.add_argument("--header", action="append")
		p.add_argument("--method", default="GET")
		p.add_argument("--source")
		ps[name] = p
	ps["head"].add_argument("--upgrade", action="store_true")
	ps["head"].add_argument("--body", action="store_true")
	ps["lines"].add_argument("--send", action="append")
	ps["lines"].add_argument("--count", type=int)
	ps["lines"].add_argument("--print-port", action="store_true")
	ps["lines"].add_argument("--repeat", type=int, default=1)
	ps["echo"].add_argument("--sizes", required=True,
	    type=lambda s: [int(x) for x in s.split(",")])
	ps["bulk"].add_argument("--bytes", type=int, required=True)
	ps["hold"].add_argument("--ready-file", required=True)
	ps["hold"].add_argument("--release-file", required=True)
	a = ap.parse_args()
	if a.cafile or a.cert:
		a.tls = True
	timeouts = (TimeoutError,) if websockets is None else \
	    (TimeoutError, asyncio.TimeoutError)
	try:
		if a.cmd == "head":
			rc = cmd_head(a)
		else:
			fn = {"lines": do_lines, "echo": do_echo, "bulk": do_bulk,
			    "hold": do_hold}[a.cmd]
			rc = asyncio.run(asyncio.wait_for(fn(a), a.timeout))
	except timeouts as e:
		print(f"front_client: timeout after {a.timeout}s {e}")
		rc = 1
	except OSError as e:		# ssl.SSLError is one
		print(f"front_client: {type(e).__name__}: {e}")
		rc = 1
	except Exception as e:
		if websockets is None or not isinstance(e,
		    websockets.exceptions.WebSocketException):
			raise
		print(f"front_client: {type(e).__name__}: {e}")
		rc = 1
	sys.exit(rc)


if __name__ == "__main__":
	main()
