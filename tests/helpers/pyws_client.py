#!/usr/bin/python3
"""pyws_client.py - an echo check through wsbridge with python3-websockets.

    pyws_client.py --url ws://127.0.0.1:PORT/path --sizes 0,1,125
        [--type text|binary] [--fragments K] [--protocol P]...
        [--expect-protocol P|none] [--print-close] [--timeout S]

Uses the asyncio API of websockets 10.4 (Debian's python3-websockets).  Sends
one message per size (text is valid UTF-8 of exactly that many bytes; with
--fragments K it is sent as K frames through websockets' iterable send, split
at character boundaries), waits until the concatenated binary messages coming
back hold that many bytes, compares, then closes with 1000.  Exit 0 if every
echo matched.
"""

import argparse
import asyncio
import random
import sys

import websockets
import websockets.client


def payload(kind, n, seed):
	if kind == "text":
		unit = "aé€😀".encode()
		b = unit * (n // len(unit))
		return b + b"z" * (n - len(b))
	return random.Random(seed).randbytes(n)


def split(kind, data, k):
	"""k pieces; text pieces end on character boundaries."""
	step = max(1, -(-len(data) // k))
	out, i = [], 0
	while i < len(data):
		j = min(len(data), i + step)
		if kind == "text":
			while j < len(data) and (data[j] & 0xC0) == 0x80:
				j += 1
			out.append(data[i:j].decode())
		else:
			out.append(data[i:j])
		i = j
	return out


async def run(a):
	protos = a.protocol or None
	failed = False
	async with websockets.client.connect(a.url, subprotocols=protos,
	    max_size=None, compression=None, ping_interval=None,
	    open_timeout=a.timeout, close_timeout=a.timeout) as ws:
		p = ws.subprotocol or "none"
		if a.expect_protocol is not None and p != a.expect_protocol:
			print(f"pyws_client: protocol {p}, want {a.expect_protocol}",
			    file=sys.stderr)
			failed = True
		for i, n in enumerate(a.sizes):
			want = payload(a.type, n, i + 1)
			if a.fragments > 1 and n > 0:
				await ws.send(split(a.type, want, a.fragments))
			else:
				await ws.send(want.decode() if a.type == "text"
				    else want)
			got = bytearray()
			while len(got) < n:
				m = await ws.recv()
				if isinstance(m, str):
					print("pyws_client: text message from the server",
					    file=sys.stderr)
					failed = True
					m = m.encode()
				got += m
			if bytes(got) != want:
				print(f"pyws_client: echo of {n} bytes differs (got "
				    f"{len(got)})", file=sys.stderr)
				failed = True
			else:
				print(f"ok {a.type} {n} bytes")
		await ws.close(1000, "done")
		if a.print_close:
			print(f"close {ws.close_code}")
	return 1 if failed else 0


def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	ap.add_argument("--url", required=True)
	ap.add_argument("--sizes", required=True,
	    type=lambda s: [int(x) for x in s.split(",")])
	ap.add_argument("--type", choices=["text", "binary"], default="binary")
	ap.add_argument("--fragments", type=int, default=1)
	ap.add_argument("--protocol", action="append")
	ap.add_argument("--expect-protocol")
	ap.add_argument("--print-close", action="store_true")
	ap.add_argument("--timeout", type=float, default=60)
	a = ap.parse_args()
	try:
		rc = asyncio.run(asyncio.wait_for(run(a), a.timeout))
	except asyncio.TimeoutError:
		print(f"pyws_client: timeout after {a.timeout}s", file=sys.stderr)
		rc = 1
	except (OSError, websockets.exceptions.WebSocketException) as e:
		print(f"pyws_client: {type(e).__name__}: {e}", file=sys.stderr)
		rc = 1
	sys.exit(rc)


if __name__ == "__main__":
	main()
