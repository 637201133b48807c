#!/usr/bin/python3
"""reload_client.py - one WebSocket connection across a server's reload.

    reload_client.py PORT [--path P] [--host H] [--first] [--size N]
                     [--ready-file F --go-file G] [--timeout S]

Prints "status NNN" for the handshake's answer and stops there unless it is
101.  With --first, reads the backend's first message (a tag_backend.py
greeting) and prints "first TEXT".  With --ready-file, writes it and waits
for --go-file before going on: the server is reloaded in between.  Then
sends one binary message of --size bytes and prints "echo N" when it all
comes back, or "close CODE" when the server closes instead.  Exit status 0
unless the connection broke some other way (1) or the usage is wrong (2).
"""

import argparse
import sys

import wsraw


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("port", type=int)
	ap.add_argument("--path", default="/")
	ap.add_argument("--host", default=None)
	ap.add_argument("--first", action="store_true")
	ap.add_argument("--size", type=int, default=0)
	ap.add_argument("--ready-file")
	ap.add_argument("--go-file")
	ap.add_argument("--timeout", type=float, default=20.0)
	args = ap.parse_args()
	ws = wsraw.WS("127.0.0.1", args.port, args.timeout)
	r = ws.handshake(host_header=args.host or f"127.0.0.1:{args.port}",
	    path=args.path)
	print(f"status {r.status}", flush=True)
	if r.status != 101:
		return 0
	if args.first:
		data, _, stop = ws.collect(1)
		if stop is not None:
			print(f"stopped {stop!r}")
			return 1
		print(f"first {data.decode(errors='replace').strip()}",
		    flush=True)
	if args.ready_file:
		wsraw.write_file(args.ready_file, "ready\n")
		wsraw.wait_file(args.go_file, args.timeout)
	if args.size == 0:
		return 0
	payload = wsraw.pattern(args.size, 3)
	ws.send_frame(wsraw.OP_BINARY, payload)
	data, _, stop = ws.collect(len(payload))
	if stop is None and data == payload:
		print(f"echo {len(data)}")
		return 0
	if isinstance(stop, wsraw.Frame) and stop.opcode == wsraw.OP_CLOSE:
		print(f"close {stop.close_code()}")
		return 0
	print(f"stopped {stop!r} after {len(data)} bytes")
	return 1


if __name__ == "__main__":
	sys.exit(main())
