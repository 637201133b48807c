#!/usr/bin/python3
"""pyws_deflate.py - permessage-deflate echo checks with python3-websockets.

    pyws_deflate.py --url ws://127.0.0.1:PORT/ --sizes 1024,65536
        [--offer default|none|PARAMS] [--expect-ext VALUE|none]
        [--types text,binary] [--contents compressible,random] [--lines]
        [--timeout S]

Uses websockets 10.4 (Debian's python3-websockets), whose compression is on
by default.  --offer default keeps the library's own offer; none turns
compression off; PARAMS is a comma-separated list of snct, cnct, sbits=N,
cbits=N, cbits (client_max_window_bits without a value) for the library's
ClientPerMessageDeflateFactory.  The Sec-WebSocket-Extensions answer is
printed ("ext VALUE" or "ext none") and compared with --expect-ext.

For each type, content and size, one message (text: valid UTF-8 without CR
or LF; compressible, or as random as the type allows); then the echo is
read: against a TCP echo backend the binary messages coming back are
concatenated up to the size; with --lines (a program in text mode, "cat")
one text message must come back equal to what was sent.  Per type and
content one line:
    ok TYPE CONTENT sizes=1024,65536 payload=BYTES wire=BYTES
where wire counts the bytes read from the socket meanwhile (frame headers
and compressed payloads).  Then close 1000 ("close CODE").  Exit 0 when
every echo matched and the answer was the expected one.
"""

import argparse
import asyncio
import os
import sys

import websockets
import websockets.client
from websockets.extensions.permessage_deflate import \
    ClientPerMessageDeflateFactory

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pmdraw import (compressible_text, compressible_binary,  # noqa: E402
    random_text, random_binary)


def make_payload(typ, content, n, seed, lines):
	if typ == "text" or lines:
		return (compressible_text if content == "compressible" else
		    random_text)(n, seed)
	return (compressible_binary if content == "compressible" else
	    random_binary)(n, seed)


def factory(spec):
	kw = {"client_max_window_bits": None}
	for p in spec.split(","):
		p = p.strip()
		if p == "snct":
			kw["server_no_context_takeover"] = True
		elif p == "cnct":
			kw["client_no_context_takeover"] = True
		elif p.startswith("sbits="):
			kw["server_max_window_bits"] = int(p[6:])
		elif p.startswith("cbits="):
			kw["client_max_window_bits"] = int(p[6:])
		elif p == "cbits":
			kw["client_max_window_bits"] = True
		elif p:
			raise SystemExit(f"pyws_deflate: unknown offer part {p!r}")
	return ClientPerMessageDeflateFactory(**kw)


async def run(a):
	kw = dict(max_size=None, ping_interval=None, open_timeout=a.timeout,
	    close_timeout=a.timeout)
	if a.offer == "none":
		kw["compression"] = None
	elif a.offer != "default":
		kw["compression"] = None
		kw["extensions"] = [factory(a.offer)]
	failed = False
	async with websockets.client.connect(a.url, **kw) as ws:
		ext = ws.response_headers.get("Sec-WebSocket-Extensions")
		print(f"ext {ext if ext is not None else 'none'}")
		if a.expect_ext is not None and (ext or "none") != a.expect_ext:
			print(f"pyws_deflate: answer {ext!r}, want "
			    f"{a.expect_ext!r}", file=sys.stderr)
			failed = True
		wire = [0]
		orig = ws.data_received

		def counting(data):
			wire[0] += len(data)
			orig(data)
		ws.data_received = counting
		seed = 0
		for typ in a.types:
			for content in a.contents:
				w0, total = wire[0], 0
				for n in a.sizes:
					seed += 1
					want = make_payload(typ, content, n, seed,
					    a.lines)
					total += n
					await ws.send(want.decode() if typ == "text"
					    else want)
					if a.lines:
						m = await ws.recv()
						got = m.encode() if isinstance(m, str) \
						    else None
					else:
						got = bytearray()
						while len(got) < n:
							m = await ws.recv()
							if isinstance(m, str):
								print("pyws_deflate: text "
								    "message from the server",
								    file=sys.stderr)
								failed = True
								m = m.encode()
							got += m
					if got is None or bytes(got) != want:
						print(f"pyws_deflate: {typ} {content} "
						    f"{n}: echo differs (got "
						    f"{'binary' if got is None else len(got)})",
						    file=sys.stderr)
						failed = True
				print(f"ok {typ} {content} sizes="
				    f"{','.join(map(str, a.sizes))} payload={total} "
				    f"wire={wire[0] - w0}")
				sys.stdout.flush()
		await ws.close(1000, "done")
		print(f"close {ws.close_code}")
	return 1 if failed else 0


def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	ap.add_argument("--url", required=True)
	ap.add_argument("--sizes", required=True,
	    type=lambda s: [int(x) for x in s.split(",")])
	ap.add_argument("--offer", default="default")
	ap.add_argument("--expect-ext")
	ap.add_argument("--types", default="text,binary",
	    type=lambda s: s.split(","))
	ap.add_argument("--contents", default="compressible,random",
	    type=lambda s: s.split(","))
	ap.add_argument("--lines", action="store_true")
	ap.add_argument("--timeout", type=float, default=60)
	a = ap.parse_args()
	try:
		rc = asyncio.run(asyncio.wait_for(run(a), a.timeout))
	except asyncio.TimeoutError:
		print(f"pyws_deflate: timeout after {a.timeout}s", file=sys.stderr)
		rc = 1
	except (OSError, websockets.exceptions.WebSocketException) as e:
		print(f"pyws_deflate: {type(e).__name__}: {e}", file=sys.stderr)
		rc = 1
	sys.exit(rc)


if __name__ == "__main__":
	main()
