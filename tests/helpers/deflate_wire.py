#!/usr/bin/python3
"""deflate_wire.py - what permessage-deflate saves on the wire (a measurement,
not a test).

    deflate_wire.py [--wsbridge PATH] [--input FILE] [--cap BYTES]
                    [--levels 1,6,9] [--timeout S]

Takes `ls -lR /usr` (or --input FILE), cut to --cap bytes (default 10 MiB),
cut after its last whole line, and has wsbridge replay it in program text mode, each line one text message,
through a program that prints the file and then waits for stdin EOF
(`cat FILE; cat >/dev/null`, so the connection stays up until the client
closes).  A raw client on loopback reads every line back, counting the bytes
its socket receives after the handshake (frame headers included), once
without offering permessage-deflate and once per --deflate-level with the
offer; it checks the lines against the file.  Prints one line per run and the
ratios:

    plain        wire=BYTES  lines=N payload=BYTES  time=S
    deflate -6   wire=BYTES  ...  ratio=R (wire / plain wire)
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pmdraw import Conn, OP_TEXT, OP_CLOSE  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def make_input(path, cap, src):
	with open(path, "wb") as f:
		if src:
			with open(src, "rb") as g:
				f.write(g.read(cap))
			return
		p = subprocess.Popen(["ls", "-lR", "/usr"], stdout=subprocess.PIPE,
		    stderr=subprocess.DEVNULL)
		left = cap
		while left > 0:
			b = p.stdout.read(min(left, 1 << 16))
			if not b:
				break
			f.write(b)
			left -= len(b)
		p.kill()
		p.wait()


def start_server(wsbridge, script, level, timeout):
	"""wsbridge on 127.0.0.1:0 in text mode; returns (proc, port)."""
	args = [wsbridge, "--listen", "127.0.0.1:0", "--log-level", "warn"]
	if level is not None:
		args += ["--deflate-level", str(level)]
	# --log-level warn hides the "listening on" line: keep info for it
	args = [a for a in args if a not in ("--log-level", "warn")]
	proc = subprocess.Popen(args + ["--", script], stderr=subprocess.PIPE,
	    stdout=subprocess.DEVNULL)
	dl = time.monotonic() + timeout
	line = b""
	while time.monotonic() < dl:
		line = proc.stderr.readline()
		m = re.search(rb"listening on 127\.0\.0\.1:(\d+)", line)
		if m:
			return proc, int(m.group(1))
		if not line and proc.poll() is not None:
			break
	proc.kill()
	raise RuntimeError(f"wsbridge did not start: {line!r}")


def run(port, offer, want_lines, timeout):
	c = Conn("127.0.0.1", port, timeout,
	    offers=["permessage-deflate"] if offer else [])
	if offer and c.codec is None:
		raise RuntimeError("the offer was not agreed")
	counted = [len(c.ws.buf)]	# frame bytes already read with the head
	fill = c.ws._fill

	def counting_fill(deadline):
		before = len(c.ws.buf)
		fill(deadline)
		counted[0] += len(c.ws.buf) - before
	c.ws._fill = counting_fill
	t0 = time.monotonic()
	dl = c.ws.deadline()
	got = []
	payload = compressed = 0
	while len(got) < len(want_lines):
		m = c.recv_message(dl)
		if m.opcode == OP_CLOSE:
			raise RuntimeError(f"closed after {len(got)} lines")
		if m.opcode != OP_TEXT:
			raise RuntimeError(f"non-text message {m!r}")
		got.append(m.data)
		payload += len(m.data)
		compressed += m.compressed
	dt = time.monotonic() - t0
	wire = counted[0]
	c.ws.send_close(1000)
	c.expect_close()
	bad = sum(1 for a, b in zip(got, want_lines) if a != b)
	return wire, len(got), payload, compressed, dt, bad


def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	ap.add_argument("--wsbridge", default=os.path.join(HERE, "..", "..",
	    "wsbridge"))
	ap.add_argument("--input")
	ap.add_argument("--cap", type=int, default=10 << 20)
	ap.add_argument("--levels", default="1,6,9")
	ap.add_argument("--timeout", type=float, default=60)
	a = ap.parse_args()
	with tempfile.TemporaryDirectory() as tmp:
		data_path = os.path.join(tmp, "input.txt")
		make_input(data_path, a.cap, a.input)
		with open(data_path, "rb") as f:
			data = f.read()
		# a cut line would wait for its newline forever (the program
		# does not exit): end on the last whole line
		data = data[:data.rfind(b"\n") + 1]
		with open(data_path, "wb") as f:
			f.write(data)
		# what text mode makes of it: one message per line, no LF/CR
		lines = data.split(b"\n")
		if lines and lines[-1] == b"":
			lines.pop()
		lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
		script = os.path.join(tmp, "replay.sh")
		with open(script, "w") as f:
			f.write(f"#!/bin/sh\ncat '{data_path}'\ncat >/dev/null\n")
		os.chmod(script, 0o755)
		print(f"input: {len(data)} bytes, {len(lines)} lines "
		    f"({'ls -lR /usr' if not a.input else a.input}, cap {a.cap})")
		results = []
		for level in [None] + [int(x) for x in a.levels.split(",")]:
			proc, port = start_server(a.wsbridge, script, level or 6,
			    a.timeout)
			try:
				r = run(port, level is not None, lines, a.timeout)
			finally:
				proc.terminate()
				try:
					proc.wait(a.timeout)
				except subprocess.TimeoutExpired:
					proc.kill()
			wire, n, payload, comp, dt, bad = r
			name = "plain" if level is None else f"deflate -{level}"
			extra = ""
			if results:
				extra = f"  ratio={wire / results[0]:.4f}"
			print(f"{name:<11} wire={wire:>10}  lines={n} payload={payload}"
			    f"  compressed_messages={comp}  time={dt:.2f}s"
			    f"{'  MISMATCHED_LINES=' + str(bad) if bad else ''}{extra}")
			sys.stdout.flush()
			results.append(wire)
	return 0


if __name__ == "__main__":
	sys.exit(main())
