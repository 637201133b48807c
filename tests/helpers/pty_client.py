#!/usr/bin/python3
"""pty_client.py - a scripted client for programs on a pty (wsbridge --pty).

Built on wsraw.py.  Runs its STEPs in order, each within --step-timeout
seconds (default 10), the whole within --timeout (default 30); exit 0 = every
step done, 1 = a step failed (what came so far is printed, escaped), 2 =
usage.

  pty_client.py PORT [--text] [--protocol P] STEP...
    send:S     send S as one binary message (--text: text message); S takes
               Python escapes: \\r \\x03 \\x1b
    text:S     send S as one text message, binary:S as a binary one
    expect:RE  read output until what came since the last match matches the
               regular expression RE (bytes, DOTALL); consume up to its end
    print:RE   the same, and print RE's first group (UTF-8)
    count:RE   the same, and print how many output bytes came before the
               match
    quiet:SECS read for SECS seconds: fail if any output comes
    next       print the next message that is not output: "text PAYLOAD"
               or "binary PAYLOAD" (escaped as Python bytes, no b'')
    proto      print the subprotocol the server chose ("none")
    close      send close 1000 and read until the reply
    wait       read until the server closes
  close and wait print 'close CODE "REASON"' and then "tcp_closed=BOOL
  text_messages=N" (output should come as binary messages only).

  Output is what binary messages carry (without a subprotocol text too).
  --protocol wsbridge-tty: text messages are not output, "next" reads them;
  --protocol tty (ttyd's): a message starting with '0' is output (the '0'
  taken off), any other is read by "next".
"""

import argparse
import codecs
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsraw import (Closed, Timeout, OP_TEXT, OP_BINARY, OP_CONT, OP_CLOSE,
    OP_PING, OP_PONG, connect_ws)


def unescape(s):
	return codecs.escape_decode(s.encode("utf-8"))[0]


class Session:
	def __init__(self, ws, end, proto):
		self.ws = ws
		self.out = b""
		self.end = end
		self.closed = None
		self.ntext = 0
		self.proto = proto
		self.msgs = []
		self.frag = None	# (opcode, payload so far)

	def message(self, opcode, payload):
		if self.proto == "tty":
			if payload[:1] == b"0":
				self.out += payload[1:]
				return
		elif self.proto == "wsbridge-tty":
			if opcode == OP_BINARY:
				self.out += payload
				return
		else:
			self.out += payload
			return
		self.msgs.append((opcode, payload))

	def pump(self, deadline):
		"""One frame; False once the server closed."""
		f = self.ws.recv_frame(deadline=min(deadline, self.end))
		if f.opcode == OP_TEXT:
			self.ntext += 1
		if f.opcode in (OP_TEXT, OP_BINARY):
			self.frag = (f.opcode, f.payload)
		elif f.opcode == OP_CONT and self.frag is not None:
			self.frag = (self.frag[0], self.frag[1] + f.payload)
		if f.opcode in (OP_TEXT, OP_BINARY, OP_CONT):
			if f.fin and self.frag is not None:
				self.message(*self.frag)
				self.frag = None
		elif f.opcode == OP_PING:
			self.ws.send_frame(OP_PONG, f.payload)
		elif f.opcode == OP_CLOSE:
			code = f.close_code()
			reason = f.payload[2:].decode("utf-8", "replace")
			self.closed = (code, reason)
			try:
				self.ws.send_close(code)
			except OSError:
				pass
			return False
		return True

	def report_close(self):
		self.ws.wait_tcp_close()
		code, reason = self.closed
		print(f'close {code} "{reason}"')
		print(f"tcp_closed={self.ws.eof} text_messages={self.ntext}")


def main():
	p = argparse.ArgumentParser()
	p.add_argument("port", type=int)
	p.add_argument("--text", action="store_true")
	p.add_argument("--protocol")
	p.add_argument("--timeout", type=float, default=30.0)
	p.add_argument("--step-timeout", type=float, default=10.0)
	p.add_argument("steps", nargs="+")
	args = p.parse_args()
	start = time.monotonic()
	ws = connect_ws("127.0.0.1", args.port, args.timeout,
	    protocols=args.protocol)
	chosen = ws.response.header("Sec-WebSocket-Protocol")
	s = Session(ws, start + args.timeout, chosen)
	for step in args.steps:
		verb, _, arg = step.partition(":")
		deadline = time.monotonic() + args.step_timeout
		try:
			if verb == "send":
				ws.send_frame(OP_TEXT if args.text else OP_BINARY,
				    unescape(arg))
			elif verb in ("text", "binary"):
				ws.send_frame(OP_TEXT if verb == "text" else
				    OP_BINARY, unescape(arg))
			elif verb in ("expect", "print", "count"):
				rx = re.compile(arg.encode("utf-8"), re.DOTALL)
				while (m := rx.search(s.out)) is None:
					if s.closed or not s.pump(deadline):
						raise Closed()
				if verb == "count":
					print(m.start())
				s.out = s.out[m.end():]
				if verb == "print":
					print(m.group(1).decode("utf-8", "replace"))
			elif verb == "quiet":
				until = time.monotonic() + float(arg)
				try:
					while s.pump(until):
						if s.out:
							raise Closed()
				except Timeout:
					pass
				if s.out or s.closed:
					raise Closed()
			elif verb == "next":
				while not s.msgs:
					if s.closed or not s.pump(deadline):
						raise Closed()
				op, pl = s.msgs.pop(0)
				kind = "text" if op == OP_TEXT else "binary"
				print(f"{kind} {repr(pl)[2:-1]}")
			elif verb == "proto":
				print(chosen or "none")
			elif verb == "close":
				ws.send_close(1000)
				while s.pump(deadline):
					pass
				s.report_close()
			elif verb == "wait":
				while s.closed is None and s.pump(deadline):
					pass
				s.report_close()
			else:
				print(f"bad step {step!r}", file=sys.stderr)
				return 2
		except (Closed, Timeout, OSError) as e:
			print(f"step {step!r} failed ({type(e).__name__}); "
			    f"output so far: {s.out!r} close={s.closed}")
			return 1
	return 0


if __name__ == "__main__":
	sys.exit(main())
