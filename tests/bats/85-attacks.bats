# Goal: what a hostile client tried against the limits, checks and parsers, and that each attempt that once worked now fails.

load helpers

# req PORT: send stdin to the server, print the status code of its answer.
req() {
	wsraw http "$1" --head | head -n 1 | cut -d' ' -f2
}

@test "--auth-throttle: IPv4 clients seen as ::ffff:a.b.c.d (dual-stack, PROXY TCP6) are throttled one by one, not as one /64" {
	mkdir -p "$T/www"
	echo hi >"$T/www/index.html"
	printf 'alice:%s\n' "$(openssl passwd -6 secret)" >"$T/users"
	start_wsbridge --listen 127.0.0.1:0,proxy --static "$T/www" \
	    --basic-auth "$T/users" --auth-throttle 3:60
	local bad good i
	bad=$(printf 'alice:wrong' | base64)
	good=$(printf 'alice:secret' | base64)
	# from(ADDR, CRED): one request from ADDR as HAProxy on a
	# dual-stack bind reports it
	from() {
		printf 'PROXY TCP6 %s ::ffff:127.0.0.1 4000 80\r\nGET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic %s\r\nConnection: close\r\n\r\n' \
		    "$1" "$2" | req "$PORT"
	}
	for i in 1 2 3; do
		[ "$(from ::ffff:192.0.2.1 "$bad")" = 401 ]
	done
	[ "$(from ::ffff:192.0.2.1 "$bad")" = 429 ]
	[ "$(from ::ffff:192.0.2.1 "$good")" = 429 ]
	# another IPv4 client is not blocked with the guesser
	[ "$(from ::ffff:198.51.100.7 "$good")" = 200 ]
	[ "$(from ::ffff:192.0.2.2 "$bad")" = 401 ]
}

@test "--trust-proxy: a client's open quote in X-Forwarded-For does not swallow the address nginx appends (it would pass for the proxy)" {
	mkdir -p "$T/www"
	echo hi >"$T/www/index.html"
	start_wsbridge --listen 127.0.0.1:0 --static "$T/www" \
	    --trust-proxy 127.0.0.1 --connect 127.0.0.1:1
	# nginx's $proxy_add_x_forwarded_for: the client's field, then
	# ", " and the address nginx saw, in one field
	printf 'GET /index.html HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: "x, 203.0.113.5\r\nConnection: close\r\n\r\n' |
	    wsraw http "$PORT" >/dev/null
	wait_for 5 log_has "$T/server.log" " GET /index.html 200 3$"
	run untimed "$T/server.log"
	echo "$output"
	grep -q '^wsbridge: info: #[0-9]* peer=203\.0\.113\.5 GET /index\.html 200 3$' <<<"$output"
}

@test "a fast reader of a large --static file does not hold the worker's loop: pings on another connection stay answered" {
	start_backend echo
	mkdir -p "$T/www"
	truncate -s 3G "$T/www/big.bin"
	start_server --static "$T/www"
	bg reader curl -s -o /dev/null --max-time 8 \
	    "http://127.0.0.1:$PORT/big.bin"
	# ping round trips on a WebSocket while the file goes out
	run timeout 30 "$PY" - "$PORT" "$HELPERS" <<'PYEOF'
import sys, time
sys.path.insert(0, sys.argv[2])
from wsraw import connect_ws
ws = connect_ws("127.0.0.1", int(sys.argv[1]))
rtts, end = [], time.time() + 4
while time.time() < end:
	t = time.time()
	ok, _ = ws.ping_sync(b"p", timeout=10)
	rtts.append(time.time() - t if ok else 10)
	time.sleep(0.01)
rtts.sort()
print("median_ms=%d worst_ms=%d n=%d" % (rtts[len(rtts) // 2] * 1000,
    rtts[-1] * 1000, len(rtts)))
PYEOF
	echo "$output"
	# Held for the whole file, the loop answers a ping only when the
	# reader falls behind: the median is then near a second or more.  Between
	# chunks of a turn it is tens of milliseconds on a busy machine.
	median=${output#median_ms=}
	median=${median%% *}
	[ "$median" -lt 300 ]
}
