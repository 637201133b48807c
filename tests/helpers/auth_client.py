#!/usr/bin/python3
"""auth_client.py - clients for wsbridge's TLS-session and login tests.

Every command has a deadline (--timeout, default 30 s); exit 0 = ran as
expected, 1 = error or deadline, 2 = usage.  PORT is a port on 127.0.0.1.

  auth_client.py resume PORT --cafile F [--cert F --key F] [--tls 1.2|1.3]
                 [--count N]
      N connections (default 2), each offering the TLS session of the one
      before; each upgrades, prints each message the server sends as
      "msg TEXT" until its close frame, and answers the close.  Before the
      messages: "conn K reused=yes|no version=TLSv1.x", or
      "conn K error TEXT" (and exit 1) when the handshake fails.

  auth_client.py tries PORT --creds USER:PASS [--count N] [--bind ADDR]
      N upgrade requests in a row (default 1) with Basic credentials, each
      on its own connection from ADDR (default 127.0.0.1); prints each
      answer's status code, followed by " retry-after=S" when it has one.

  auth_client.py stall PORT --good USER:PASS --bad USER:PASS
                 [--flooders K] [--seconds S]
      One WebSocket with the good credentials echoes a small message every
      20 ms for S seconds (default 3) while K threads (default 3) send
      upgrade requests with the bad ones as fast as they are answered.
      Prints "rtt n=N max=MS p50=MS p90=MS" (milliseconds) and
      "flood STATUS=N..."
      (answers by status code).
"""

import argparse
import base64
import os
import socket
import ssl
import struct
import sys
import threading
import time


def basic(creds):
	return "Basic " + base64.b64encode(creds.encode()).decode()


def upgrade_request(path="/", auth=None):
	key = base64.b64encode(os.urandom(16)).decode()
	lines = [f"GET {path} HTTP/1.1", "Host: localhost",
	    "Upgrade: websocket", "Connection: Upgrade",
	    f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
	if auth is not None:
		lines.append(f"Authorization: {basic(auth)}")
	return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_head(s):
	buf = b""
	while b"\r\n\r\n" not in buf:
		d = s.recv(65536)
		if not d:
			raise EOFError("closed before the end of the answer head")
		buf += d
	head, _, rest = buf.partition(b"\r\n\r\n")
	return head.decode("latin-1"), rest


def status_of(head):
	return int(head.split("\r\n", 1)[0].split()[1])


def header_of(head, name):
	for line in head.split("\r\n")[1:]:
		k, _, v = line.partition(":")
		if k.strip().lower() == name.lower():
			return v.strip()
	return None


def mask_frame(opcode, payload):
	mask = os.urandom(4)
	data = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
	n = len(payload)
	if n < 126:
		hdr = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
	else:
		hdr = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
	return hdr + mask + data


class FrameReader:
	"""Server frames (unmasked) from a socket, with bytes left over."""

	def __init__(self, s, rest=b""):
		self.s, self.buf = s, rest

	def need(self, n):
		while len(self.buf) < n:
			d = self.s.recv(65536)
			if not d:
				raise EOFError("closed inside a frame")
			self.buf += d

	def frame(self):
		self.need(2)
		b0, b1 = self.buf[0], self.buf[1]
		n, off = b1 & 0x7f, 2
		if n == 126:
			self.need(4)
			n, off = struct.unpack("!H", self.buf[2:4])[0], 4
		elif n == 127:
			self.need(10)
			n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
		self.need(off + n)
		payload = self.buf[off:off + n]
		self.buf = self.buf[off + n:]
		return b0 & 0x0f, payload


def cmd_resume(a):
	ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
	ctx.load_verify_locations(a.cafile)
	if a.cert:
		ctx.load_cert_chain(a.cert, a.key)
	if a.tls:
		v = ssl.TLSVersion.TLSv1_2 if a.tls == "1.2" else \
		    ssl.TLSVersion.TLSv1_3
		ctx.minimum_version = ctx.maximum_version = v
	session = None
	for k in range(1, a.count + 1):
		raw = socket.create_connection(("127.0.0.1", a.port),
		    timeout=a.timeout)
		try:
			s = ctx.wrap_socket(raw, server_hostname="localhost",
			    session=session)
		except (ssl.SSLError, OSError) as e:
			print(f"conn {k} error {e}", flush=True)
			return 1
		print(f"conn {k} reused={'yes' if s.session_reused else 'no'} "
		    f"version={s.version()}", flush=True)
		s.sendall(upgrade_request(a.path))
		head, rest = read_head(s)
		if status_of(head) != 101:
			print(f"conn {k} status {status_of(head)}")
			return 1
		fr = FrameReader(s, rest)
		while True:
			op, payload = fr.frame()
			if op == 8:
				break
			print(f"msg {payload.decode('latin-1')}", flush=True)
		s.sendall(mask_frame(8, payload[:2]))
		try:
			while s.recv(65536):
				pass
		except (ssl.SSLError, OSError):
			pass
		# TLS 1.3 tickets came after the handshake: read by now.
		session = s.session
		s.close()
	return 0


def one_try(a, creds):
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	s.settimeout(a.timeout)
	s.bind((a.bind, 0))
	s.connect(("127.0.0.1", a.port))
	try:
		s.sendall(upgrade_request(auth=creds))
		head, _ = read_head(s)
	finally:
		s.close()
	return head


def cmd_tries(a):
	for _ in range(a.count):
		head = one_try(a, a.creds)
		ra = header_of(head, "Retry-After")
		print(f"{status_of(head)}" + (f" retry-after={ra}" if ra else ""),
		    flush=True)
	return 0


def cmd_stall(a):
	stop = threading.Event()
	counts = {}
	lock = threading.Lock()

	def flood():
		while not stop.is_set():
			try:
				st = str(status_of(one_try(a, a.bad)))
			except (OSError, EOFError, IndexError, ValueError) as e:
				st = type(e).__name__
			with lock:
				counts[st] = counts.get(st, 0) + 1

	s = socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout)
	s.sendall(upgrade_request(auth=a.good))
	head, rest = read_head(s)
	if status_of(head) != 101:
		print(f"status {status_of(head)}")
		return 1
	fr = FrameReader(s, rest)
	threads = [threading.Thread(target=flood, daemon=True)
	    for _ in range(a.flooders)]
	for t in threads:
		t.start()
	rtts = []
	end = time.monotonic() + a.seconds
	while time.monotonic() < end:
		t0 = time.monotonic()
		s.sendall(mask_frame(2, b"ping\n"))
		got = b""
		while len(got) < 5:
			op, payload = fr.frame()
			got += payload
		rtts.append((time.monotonic() - t0) * 1000)
		time.sleep(0.02)
	stop.set()
	for t in threads:
		t.join(a.timeout)
	rtts.sort()
	print(f"rtt n={len(rtts)} max={rtts[-1]:.0f} "
	    f"p50={rtts[len(rtts) // 2]:.0f} "
	    f"p90={rtts[len(rtts) * 9 // 10]:.0f}")
	print("flood " + " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
	return 0


def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	sub = ap.add_subparsers(dest="cmd", required=True)
	ps = {n: sub.add_parser(n) for n in ("resume", "tries", "stall")}
	for p in ps.values():
		p.add_argument("port", type=int)
		p.add_argument("--timeout", type=float, default=30.0)
	ps["resume"].add_argument("--cafile", required=True)
	ps["resume"].add_argument("--cert")
	ps["resume"].add_argument("--key")
	ps["resume"].add_argument("--tls", choices=["1.2", "1.3"])
	ps["resume"].add_argument("--count", type=int, default=2)
	ps["resume"].add_argument("--path", default="/")
	ps["tries"].add_argument("--creds", required=True)
	ps["tries"].add_argument("--count", type=int, default=1)
	ps["tries"].add_argument("--bind", default="127.0.0.1")
	ps["stall"].add_argument("--good", required=True)
	ps["stall"].add_argument("--bad", required=True)
	ps["stall"].add_argument("--flooders", type=int, default=3)
	ps["stall"].add_argument("--seconds", type=float, default=3.0)
	ps["stall"].add_argument("--bind", default="127.0.0.1")
	a = ap.parse_args()
	try:
		return {"resume": cmd_resume, "tries": cmd_tries,
		    "stall": cmd_stall}[a.cmd](a)
	except (OSError, EOFError, ssl.SSLError) as e:
		print(f"error {type(e).__name__}: {e}")
		return 1


if __name__ == "__main__":
	sys.exit(main())
