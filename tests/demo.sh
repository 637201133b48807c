#!/bin/sh
# make demo: bridge a WebSocket client to a small TCP service (a line
# reverser written with socat) and show one exchange, then stop.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'kill $(cat "$tmp"/pids 2>/dev/null) 2>/dev/null; rm -rf "$tmp"' EXIT

# The backend: every TCP connection gets a sed that upper-cases lines.
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" EXEC:"sed -u y/abcdefghijklmnopqrstuvwxyz/ABCDEFGHIJKLMNOPQRSTUVWXYZ/" \
    2>"$tmp/socat.log" &
echo $! >>"$tmp/pids"
for i in $(seq 50); do
	ss -Hltn "sport = :$port" | grep -q . && break
	sleep 0.1
done

./wsbridge --listen 127.0.0.1:0 --connect "127.0.0.1:$port" 2>"$tmp/wsb.log" &
echo $! >>"$tmp/pids"
ws=""
for i in $(seq 50); do
	ws=$(sed -n 's/.*listening on \(.*\)$/\1/p' "$tmp/wsb.log" | head -1)
	[ -n "$ws" ] && break
	sleep 0.1
done
[ -n "$ws" ] || { echo "demo: wsbridge did not start" >&2; cat "$tmp/wsb.log"; exit 1; }

echo "wsbridge listening on ws://$ws/, backend: an upper-casing TCP service on 127.0.0.1:$port"
echo "sending 'hello, wsbridge' over a WebSocket..."
timeout 10 /usr/bin/python3 - "$ws" <<'PY'
import asyncio, sys, websockets
async def main():
    async with websockets.connect("ws://" + sys.argv[1] + "/demo") as ws:
        await ws.send("hello, wsbridge\n")
        reply = b""
        while not reply.endswith(b"\n"):
            reply += await ws.recv()
        print("reply:", reply.decode().strip())
asyncio.run(main())
PY
sleep 0.2
echo "server log:"
sed 's/^/  /' "$tmp/wsb.log"
