#!/usr/bin/python3
"""backend.py - a TCP or Unix-socket backend for wsbridge's end-to-end tests.

    backend.py MODE [N] (--port-file FILE | --unix PATH) [--log FILE]
               [--host ADDR] [--timeout SECONDS] [--stall SECONDS]

Modes, per accepted connection (each in its own thread):
  echo      send back every byte received; on EOF flush, shut down, close
  sink      read and discard, counting
  slow      read and discard, counting, 8 KiB every 2 ms (a backend that
            takes its input slower than a client can send it)
  push N    send N patterned bytes as fast as the socket allows, then close
  hold      accept and never read (the connection stays open)
  close     close right after accept
  reset     send a little, wait for the first byte from the peer (or EOF,
            at most --timeout), then reset (SO_LINGER 0)

Events go to --log, one line each, flushed at once, so a test can wait on them:
  listening PORT|PATH
  conn K accept
  conn K EOF after N bytes sha256=HEX        (echo, sink, hold never says it)
  conn K sent N bytes sha256=HEX             (push, echo on EOF)
  conn K stalled after N bytes               (push: no progress for --stall s)
  conn K reset after N bytes                 (reset)
  conn K error TEXT
The port (TCP) is written to --port-file atomically once listening.  The whole
process exits after --timeout seconds whatever happens.
"""

import argparse
import hashlib
import os
import random
import socket
import struct
import sys
import threading
import time

PATTERN_LEN = (1 << 20) + 7	# prime-ish period: never aligned to a buffer


def pattern_block():
	"""The push pattern: pseudo-random bytes, the same on every run."""
	return random.Random(6455).randbytes(PATTERN_LEN)


class Log:
	def __init__(self, path):
		self.lock = threading.Lock()
		self.f = open(path, "a", buffering=1) if path else sys.stderr

	def __call__(self, line):
		with self.lock:
			self.f.write(line + "\n")
			self.f.flush()


def read_all(sock, log, k, echo, slow=False):
	h = hashlib.sha256()
	n = 0
	while True:
		if slow:
			time.sleep(0.002)
		try:
			b = sock.recv(8192 if slow else 1 << 18)
		except OSError as e:
			log(f"conn {k} error recv after {n} bytes: {e}")
			return None
		if not b:
			break
		n += len(b)
		h.update(b)
		if echo:
			sock.sendall(b)
	log(f"conn {k} EOF after {n} bytes sha256={h.hexdigest()}")
	return n, h.hexdigest()


def do_push(sock, log, k, total, stall):
	block = pattern_block()
	view = memoryview(block + block[:1 << 18])
	h = hashlib.sha256()
	sent = 0
	off = 0
	stalled = False
	sock.settimeout(stall)
	while sent < total:
		want = min(1 << 18, total - sent)
		chunk = view[off:off + want]
		try:
			n = sock.send(chunk)
		except socket.timeout:
			if not stalled:
				stalled = True
				log(f"conn {k} stalled after {sent} bytes")
			continue
		except OSError as e:
			log(f"conn {k} error send after {sent} bytes: {e}")
			return
		h.update(chunk[:n])
		sent += n
		off = (off + n) % PATTERN_LEN
	log(f"conn {k} sent {sent} bytes sha256={h.hexdigest()}")


def handle(sock, k, args, log):
	try:
		log(f"conn {k} accept")
		mode = args.mode
		if mode == "echo":
			r = read_all(sock, log, k, echo=True)
			if r is not None:
				log(f"conn {k} sent {r[0]} bytes sha256={r[1]}")
				sock.shutdown(socket.SHUT_WR)
		elif mode == "sink":
			read_all(sock, log, k, echo=False)
		elif mode == "slow":
			read_all(sock, log, k, echo=False, slow=True)
		elif mode == "push":
			do_push(sock, log, k, args.n, args.stall)
		elif mode == "hold":
			threading.Event().wait(args.timeout)
		elif mode == "close":
			pass
		elif mode == "reset":
			sock.sendall(b"backend-before-reset\n")
			sock.settimeout(args.timeout)
			try:
				n = len(sock.recv(1 << 16))
			except OSError:
				n = 0
			sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
			    struct.pack("ii", 1, 0))
			log(f"conn {k} reset after {n} bytes")
	except OSError as e:
		log(f"conn {k} error {e}")
	finally:
		sock.close()


def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	ap.add_argument("mode", choices=["echo", "sink", "slow", "push", "hold",
	    "close", "reset"])
	ap.add_argument("n", nargs="?", type=int, default=0,
	    help="bytes to send in push mode")
	g = ap.add_mutually_exclusive_group(required=True)
	g.add_argument("--port-file")
	g.add_argument("--unix")
	ap.add_argument("--host", default="127.0.0.1")
	ap.add_argument("--log")
	ap.add_argument("--timeout", type=float, default=60.0)
	ap.add_argument("--stall", type=float, default=0.5,
	    help="push: seconds without progress that count as a stall")
	args = ap.parse_args()
	log = Log(args.log)

	if args.unix:
		try:
			os.unlink(args.unix)
		except FileNotFoundError:
			pass
		ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		ls.bind(args.unix)
		where = args.unix
	else:
		fam = socket.AF_INET6 if ":" in args.host else socket.AF_INET
		ls = socket.socket(fam, socket.SOCK_STREAM)
		ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		ls.bind((args.host, 0))
		where = str(ls.getsockname()[1])
	ls.listen(64)
	if args.port_file:
		tmp = args.port_file + ".tmp"
		with open(tmp, "w") as f:
			f.write(where + "\n")
		os.rename(tmp, args.port_file)
	log(f"listening {where}")

	def accept_loop():
		k = 0
		while True:
			s, _ = ls.accept()
			k += 1
			threading.Thread(target=handle, args=(s, k, args, log),
			    daemon=True).start()

	threading.Thread(target=accept_loop, daemon=True).start()
	threading.Event().wait(args.timeout)
	log("timeout")
	os._exit(0)


if __name__ == "__main__":
	main()
