#!/usr/bin/python3
"""limits_client.py - clients for the connection-limit tests
(tests/bats/83-limits-accept.bats), from a chosen loopback source address.
Built on wsraw.py.  Every command is bounded by --timeout; loopback only.

  limits_client.py idle PORT --n N --source ADDR --answers K
      [--connected-file F1] [--ready-file F]
      N sockets from ADDR that never send a byte; F1 is written once every
      one is connected (the kernel's backlog counts).  Once K of them have an
      outcome (an answer, EOF or a reset), and half a second later, prints
      "connected=C 503=A other=O eof=E reset=R silent=S" (silent: nothing
      yet), writes F, and keeps every socket open until killed or
      --timeout.  Exit 1 when K outcomes do not come within --timeout.
  limits_client.py rtt PORT --source ADDR
      connect from ADDR, upgrade, one 16-byte echo; prints "echo=ok
      secs=S", or "status=LINE" when the upgrade is refused.
  limits_client.py status PORT [--proxy-src ADDR] [--xff ADDR] [--hold S]
      [--ready-file F]
      an upgrade request, after a PROXY v1 header naming ADDR as the
      client with --proxy-src, with "X-Forwarded-For: ADDR" with --xff;
      prints "status=LINE" and writes F; a 101 is held open S seconds.
"""

import argparse
import errno
import os
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsraw import (WS, Closed, Timeout, OP_BINARY, write_file)

HOST = "127.0.0.1"


def cmd_idle(args):
	dl = time.monotonic() + args.timeout
	sel = selectors.DefaultSelector()
	got = {}		# socket -> bytes received so far
	outcome = {}		# socket -> "503", "other", "eof", "reset"
	pending = set()		# sockets whose connect is under way
	for i in range(args.n):
		s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		s.bind((args.source, 0))
		s.setblocking(False)
		err = s.connect_ex((HOST, args.port))
		if err not in (0, errno.EINPROGRESS):
			print(f"connect {i}: {os.strerror(err)}")
			return 1
		got[s] = bytearray()
		pending.add(s)
		sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
	settle = None
	while time.monotonic() < dl:
		if pending is not None and not pending:
			pending = None
			if args.connected_file:
				write_file(args.connected_file, f"{len(got)}\n")
		if len(outcome) >= args.answers:
			if settle is None:
				settle = time.monotonic() + 0.5
			elif time.monotonic() >= settle:
				break
		for key, ev in sel.select(0.05):
			s = key.fileobj
			if pending is not None and s in pending and \
			    ev & selectors.EVENT_WRITE:
				err = s.getsockopt(socket.SOL_SOCKET,
				    socket.SO_ERROR)
				if err != 0:
					print(f"connect: {os.strerror(err)}")
					return 1
				pending.discard(s)
				sel.modify(s, selectors.EVENT_READ)
				continue
			if pending is not None:
				pending.discard(s)
			try:
				b = s.recv(4096)
			except (BlockingIOError, InterruptedError):
				continue
			except ConnectionResetError:
				outcome[s] = "reset"
				sel.unregister(s)
				continue
			if b:
				got[s] += b
				continue
			if got[s].startswith(b"HTTP/1.1 503 "):
				outcome[s] = "503"
			elif got[s]:
				outcome[s] = "other"
			else:
				outcome[s] = "eof"
			sel.unregister(s)
	if len(outcome) < args.answers:
		print(f"only {len(outcome)} outcomes of {args.answers}")
		return 1
	counts = {k: 0 for k in ("503", "other", "eof", "reset")}
	for v in outcome.values():
		counts[v] += 1
	line = (f"connected={len(got)} 503={counts['503']} "
	    f"other={counts['other']} eof={counts['eof']} "
	    f"reset={counts['reset']} silent={len(got) - len(outcome)}")
	print(line, flush=True)
	if args.ready_file:
		write_file(args.ready_file, line + "\n")
	time.sleep(max(0.0, dl - time.monotonic()))
	return 0


def cmd_rtt(args):
	t0 = time.monotonic()
	ws = WS.__new__(WS)
	ws.timeout, ws.buf, ws.eof, ws.close_sent = args.timeout, \
	    bytearray(), False, False
	ws.sock = socket.create_connection((HOST, args.port), args.timeout,
	    source_address=(args.source, 0))
	r = ws.handshake(host_header=f"{HOST}:{args.port}")
	if r.status != 101 or not r.accept_ok:
		print(f"status={r.status_line}")
		return 0
	ws.send_frame(OP_BINARY, b"are you there?\r\n")
	data, _, stop = ws.collect(16)
	dt = time.monotonic() - t0
	ok = stop is None and data == b"are you there?\r\n"
	ws.send_close(1000)
	ws.expect_close(5, reply=False)
	print(f"echo={'ok' if ok else 'FAIL'} secs={dt:.3f}")
	return 0 if ok else 1


def cmd_status(args):
	ws = WS.__new__(WS)
	ws.timeout, ws.buf, ws.eof, ws.close_sent = args.timeout, \
	    bytearray(), False, False
	ws.sock = socket.create_connection((HOST, args.port), args.timeout,
	    source_address=(args.source, 0))
	if args.proxy_src:
		ws.send(f"PROXY TCP4 {args.proxy_src} {HOST} 40000 "
		    f"{args.port}\r\n".encode())
	extra = [("X-Forwarded-For", args.xff)] if args.xff else []
	r = ws.handshake(host_header=f"{HOST}:{args.port}", extra=extra)
	print(f"status={r.status_line}", flush=True)
	if args.ready_file:
		write_file(args.ready_file, f"{r.status_line}\n")
	if r.status == 101:
		time.sleep(args.hold)
	ws.close()
	return 0


def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	sub = ap.add_subparsers(dest="cmd", required=True)

	def add(name, fn):
		p = sub.add_parser(name)
		p.add_argument("port", type=int)
		p.add_argument("--source", default=HOST)
		p.add_argument("--timeout", type=float, default=30.0)
		p.set_defaults(fn=fn)
		return p

	p = add("idle", cmd_idle)
	p.add_argument("--n", type=int, required=True)
	p.add_argument("--answers", type=int, required=True)
	p.add_argument("--connected-file")
	p.add_argument("--ready-file")
	add("rtt", cmd_rtt)
	p = add("status", cmd_status)
	p.add_argument("--proxy-src")
	p.add_argument("--xff")
	p.add_argument("--hold", type=float, default=0.0)
	p.add_argument("--ready-file")
	args = ap.parse_args()
	try:
		sys.exit(args.fn(args))
	except (Closed, Timeout, OSError, RuntimeError) as e:
		print(f"error: {type(e).__name__}: {e}")
		sys.exit(1)


if __name__ == "__main__":
	main()
