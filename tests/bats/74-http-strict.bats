# Goal: the front door is strict and says why: Host names checked against DNS rebinding, one trusted-proxy header family walked from the right, --header never cut, request heads found incrementally, RFC 9112 framing and methods, and refusal log lines that name what was refused at the right level.

load helpers
load front_helpers
load program_helpers

bats_require_minimum_version 1.5.0

# www: a small static tree in $T/www.
www() {
	mkdir -p "$T/www/sub" "$T/www/evil.example"
	printf 'body { color: red }\n' >"$T/www/style.css"
	printf 'secret\n' >"$T/www/secret.txt"
	printf 'sub\n' >"$T/www/sub/index.html"
	printf 'evil\n' >"$T/www/evil.example/index.html"
}

# raw BYTES: send BYTES (printf format) on one connection, the whole answer
# until the server closes into $T/answer; its first line in STATUS_LINE.
raw() {
	# shellcheck disable=SC2059
	printf "$1" | wsraw http "$PORT" >"$T/answer" || true
	STATUS_LINE=$(head -n 1 "$T/answer" | tr -d '\r')
	echo "status line: $STATUS_LINE"
}

# upgrade_status HOST [HEADER...]: the status of an upgrade with that Host.
upgrade_status() {
	local host=$1; shift
	local -a h=()
	local x
	for x in "$@"; do h+=(--header "$x"); done
	fc head "$PORT" --upgrade --host "$host" "${h[@]}" | head -n 1 |
	    awk '{ print $2 }'
}

# cpu_ticks PID: user + system time of PID, in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

@test "DNS rebinding: a program on loopback answers only loopback Host names, --same-origin or not; 421 names the Host" {
	start_prog --same-origin -- cat
	local h
	# The page of a rebound name is its own origin: --same-origin passes it.
	[ "$(upgrade_status "evil.example:$PORT" "Origin: http://evil.example:$PORT")" = 421 ]
	[ "$(upgrade_status "evil.example")" = 421 ]
	[ "$(upgrade_status "localhost.evil.example:$PORT")" = 421 ]
	[ "$(upgrade_status "127.0.0.1.evil.example")" = 421 ]
	for h in "127.0.0.1:$PORT" 127.0.0.1 "localhost:$PORT" LOCALHOST \
	    "app.localhost:$PORT" "[::1]:$PORT" "127.0.0.2"; do
		echo "Host: $h"
		[ "$(upgrade_status "$h" "Origin: http://$h")" = 101 ]
	done
	# Plain requests too, before anything else is looked at.
	raw 'GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 421 Misdirected Request" ]
	# and the answer says which option decides
	grep -q '^421 Misdirected Request: this server does not answer to the name in Host (see --server-name in wsbridge(1))\.$' "$T/answer"
	# No Host at all (HTTP/1.0, a health check) comes from no browser.
	raw 'GET / HTTP/1.0\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 200 OK" ]
	log_has "$T/server.log" "^${LOG_TS}wsbridge: warn: #1 peer=127\.0\.0\.1:[0-9]+ 421 Misdirected Request: Host evil\.example:$PORT is not a loopback name, and programs on loopback answer only those \(see --server-name\)$"
	[ "$(count_lines "$T/server.log" " 421 Misdirected Request: Host ")" -eq 5 ]
}

@test "DNS rebinding: --server-name lists the names, '*' takes any; TCP backends are not restricted by default" {
	start_prog --server-name 'app.example,*.apps.example' -- cat
	[ "$(upgrade_status "app.example:$PORT")" = 101 ]
	[ "$(upgrade_status "APP.example.")" = 101 ]
	[ "$(upgrade_status "x.apps.example")" = 101 ]
	[ "$(upgrade_status "apps.example")" = 421 ]
	[ "$(upgrade_status "evil.example")" = 421 ]
	# Named, loopback is no longer implied.
	[ "$(upgrade_status "127.0.0.1:$PORT")" = 421 ]
	# An absolute-form target's authority is the one checked.
	raw 'GET http://evil.example/ HTTP/1.1\r\nHost: app.example\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 421 Misdirected Request" ]
	log_has "$T/server.log" "421 Misdirected Request: Host evil\.example is not a --server-name$"
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 10
	start_prog --server-name '*' -- cat
	[ "$(upgrade_status "evil.example")" = 101 ]
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 10
	start_backend echo
	start_server
	[ "$(upgrade_status "evil.example")" = 101 ]
	run "$WSBRIDGE" --listen 127.0.0.1:0 --server-name 'https://a.example' -- cat
	[ "$status" -eq 2 ]
	[ "$output" = "wsbridge: bad --server-name 'https://a.example': expected a host name, *.domain or *" ]
}

@test "--trust-proxy-header forwarded: a client's own X-Forwarded-For no longer wins over the proxy's Forwarded" {
	env_script "$T/env.sh"
	start_prog --trust-proxy 127.0.0.1 --trust-proxy-header forwarded \
	    -- "$T/env.sh"
	# What a proxy that writes only Forwarded passes on.
	run fc lines "$PORT" --header "X-Forwarded-For: 6.6.6.6" \
	    --header "Forwarded: for=192.0.2.7;proto=https"
	echo "$output"
	grep -qx 'REMOTE_ADDR=192.0.2.7' <<<"$output"
	wait_for 5 log_has "$T/server.log" "open peer=192\.0\.2\.7 "
	! log_has "$T/server.log" "6\.6\.6\.6"
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 10
	# The default is X-Forwarded-For, and only it.
	start_prog --trust-proxy 127.0.0.1 -- "$T/env.sh"
	run fc lines "$PORT" --header "Forwarded: for=192.0.2.7"
	echo "$output"
	grep -qx 'REMOTE_ADDR=127.0.0.1' <<<"$output"
	run "$WSBRIDGE" --listen 127.0.0.1:0 --trust-proxy-header x-real-ip -- cat
	[ "$status" -eq 2 ]
	[ "$output" = "wsbridge: bad --trust-proxy-header 'x-real-ip': expected x-forwarded-for or forwarded" ]
}

@test "--trust-proxy: X-Forwarded-For is walked from the right past trusted proxies; several fields are one list" {
	env_script "$T/env.sh"
	start_prog --trust-proxy 127.0.0.1,10.0.0.0/8 -- "$T/env.sh"
	run fc lines "$PORT" \
	    --header "X-Forwarded-For: 198.51.100.1, 203.0.113.9, 10.1.2.3"
	echo "$output"
	grep -qx 'REMOTE_ADDR=203.0.113.9' <<<"$output"
	run fc lines "$PORT" --header "X-Forwarded-For: 203.0.113.8" \
	    --header "X-Forwarded-For: 10.1.2.3"
	echo "$output"
	grep -qx 'REMOTE_ADDR=203.0.113.8' <<<"$output"
	# Not an address: nothing left of it counts.
	run fc lines "$PORT" --header "X-Forwarded-For: 203.0.113.7, unknown, 10.1.2.4"
	echo "$output"
	grep -qx 'REMOTE_ADDR=10.1.2.4' <<<"$output"
}

@test "nginx writing only Forwarded in front: the client's X-Forwarded-For passes through and is not believed" {
	command -v nginx >/dev/null ||
	    skip "nginx is not installed (Debian package nginx-light)"
	env_script "$T/env.sh"
	start_prog --trust-proxy 127.0.0.1/32 --trust-proxy-header forwarded \
	    -- "$T/env.sh"
	local np
	np=$(free_port)
	start_nginx "$np" <<-EOF
	        listen 127.0.0.1:$np;
	        location / {
	            proxy_pass http://127.0.0.1:$PORT;
	            proxy_http_version 1.1;
	            proxy_set_header Upgrade \$http_upgrade;
	            proxy_set_header Connection "upgrade";
	            proxy_set_header Forwarded "for=\$remote_addr";
	        }
	EOF
	run fc lines "$np" --path /env --source 127.0.0.2 \
	    --header "X-Forwarded-For: 6.6.6.6"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx 'HTTP_X_FORWARDED_FOR=6.6.6.6' <<<"$output"
	grep -qx 'REMOTE_ADDR=127.0.0.2' <<<"$output"
}

@test "--header: 4 KiB of headers reach the 101 (with its extension line and blank line), errors and files whole; more is refused at start-up" {
	www
	start_backend echo
	local -a hdrs=()
	local i total=0 line
	for i in $(seq 1 36); do
		line="X-Pad-$(printf %02d "$i"): $(head -c 100 /dev/zero | tr '\0' v)"
		hdrs+=(--header "$line")
		total=$((total + ${#line} + 2))
	done
	note "--header lines: $total bytes"
	[ "$total" -le 4096 ] && [ "$total" -gt 4000 ]
	start_wsbridge --listen 127.0.0.1:0 --connect "127.0.0.1:$BACKEND_PORT" \
	    --static "$T/www" "${hdrs[@]}"
	run fc head "$PORT" --upgrade --header \
	    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"
	echo "$output"
	[ "${lines[0]}" = "HTTP/1.1 101 Switching Protocols" ]
	[ "$(grep -c '^X-Pad-[0-9][0-9]: v\{100\}$' <<<"$output")" -eq 36 ]
	grep -qx 'Sec-WebSocket-Extensions: permessage-deflate.*' <<<"$output"
	# The blank line: the whole head arrived.
	[[ $output != *"(connection closed before the end of the head)"* ]]
	raw 'GET /missing HTTP/1.1\r\nHost: a\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 404 Not Found" ]
	[ "$(grep -c '^X-Pad-[0-9][0-9]: v\{100\}'$'\r''$' "$T/answer")" -eq 36 ]
	[ "$(tail -c 14 "$T/answer")" = "404 Not Found" ]
	raw 'GET /style.css HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 200 OK" ]
	[ "$(grep -c '^X-Pad-[0-9][0-9]: v\{100\}'$'\r''$' "$T/answer")" -eq 36 ]
	[ "$(tail -n 1 "$T/answer")" = "body { color: red }" ]
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 10
	# Up to 4096 bytes in all (--help, last, exits 0 once all is parsed);
	# one byte more is refused, before anything starts.
	run "$WSBRIDGE" --listen 127.0.0.1:0 --connect "127.0.0.1:$BACKEND_PORT" \
	    "${hdrs[@]}" --header "X-More: $(head -c $((4086 - total)) /dev/zero | tr '\0' w)" --help
	[ "$status" -eq 0 ]
	run "$WSBRIDGE" --listen 127.0.0.1:0 --connect "127.0.0.1:$BACKEND_PORT" \
	    "${hdrs[@]}" --header "X-More: $(head -c $((4087 - total)) /dev/zero | tr '\0' w)"
	echo "$output"
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == "wsbridge: bad --header 'X-More: wwww"*"...': the added headers would take more than 4096 bytes" ]]
}

@test "a request head of exactly --max-header bytes sent one byte per write gets its 101; one more byte gets 431" {
	start_backend echo
	start_server
	run "$PY" -c '
import sys; sys.path.insert(0, sys.argv[1])
from wsraw import WS, upgrade_request
port = int(sys.argv[2])
for size in (16384, 16385):
    base, _ = upgrade_request(host_header="127.0.0.1")
    pad = size - len(base) - len("X-Pad: \r\n")
    req, key = upgrade_request(host_header="127.0.0.1",
        extra=[("X-Pad", "p" * pad)])
    assert len(req) == size, len(req)
    ws = WS("127.0.0.1", port, 30)
    try:
        ws.send(req, split=1)
    except OSError as e:
        print("send:", e)
    r = ws.read_head(30, key)
    print(size, r.status_line, r.accept_ok)
    ws.close()' "$HELPERS" "$PORT"
	echo "$output"
	expect_output '16384 HTTP/1.1 101 Switching Protocols True
16385 HTTP/1.1 431 Request Header Fields Too Large False'
}

@test "a 1 MiB request head finished a byte per write costs the server no more than one sent whole (no re-parse per read)" {
	start_backend echo
	start_server --max-header 1048576 --handshake-timeout 60
	local before after
	before=$(cpu_ticks "$SERVER_PID")
	run "$PY" -c '
import sys, time; sys.path.insert(0, sys.argv[1])
from wsraw import WS, upgrade_request
port, size, tail = int(sys.argv[2]), 1048576, 6000
base, _ = upgrade_request(host_header="127.0.0.1")
pad = size - len(base) - len("X-Pad: \r\n")
req, key = upgrade_request(host_header="127.0.0.1",
    extra=[("X-Pad", "p" * pad)])
assert len(req) == size, len(req)
ws = WS("127.0.0.1", port, 60)
ws.send(req[:-tail])
# Paced, so that the server reads (and, before, parsed) about once each.
for i in range(size - tail, size):
    ws.sock.send(req[i:i + 1])
    time.sleep(0.0003)
r = ws.read_head(60, key)
print(r.status_line, r.accept_ok)' "$HELPERS" "$PORT"
	echo "$output"
	[ "$output" = "HTTP/1.1 101 Switching Protocols True" ]
	after=$(cpu_ticks "$SERVER_PID")
	note "server CPU for the head: $((after - before)) ticks of 1/$(getconf CLK_TCK) s"
	# Parsing 1 MiB from byte 0 on each of 6000 reads takes seconds.
	[ $((after - before)) -lt $(($(getconf CLK_TCK) / 2)) ]
}

@test "a kept-alive GET with a Content-Length body: the body is never taken for the next request" {
	www
	start_wsbridge --listen 127.0.0.1:0 --static "$T/www"
	# The body is a whole request of its own (smuggling).
	local body='GET /secret.txt HTTP/1.1\r\nHost: a\r\n\r\n'
	raw "GET /style.css HTTP/1.1\r\nHost: a\r\nContent-Length: 37\r\n\r\n$body"
	[ "$STATUS_LINE" = "HTTP/1.1 200 OK" ]
	[ "$(grep -c '^HTTP/1.1 ' "$T/answer")" -eq 1 ]
	grep -q '^Connection: close'$'\r''$' "$T/answer"
	! grep -q secret "$T/answer"
	! log_has "$T/server.log" "secret"
	raw "GET /style.css HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n$body"
	[ "$STATUS_LINE" = "HTTP/1.1 200 OK" ]
	[ "$(grep -c '^HTTP/1.1 ' "$T/answer")" -eq 1 ]
	! log_has "$T/server.log" "secret"
	# Framing that cannot be trusted is refused.
	raw 'GET /style.css HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy'
	[ "$STATUS_LINE" = "HTTP/1.1 400 Bad Request" ]
	raw 'GET /style.css HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nxy'
	[ "$STATUS_LINE" = "HTTP/1.1 400 Bad Request" ]
	log_has "$T/server.log" "400 Bad Request: bad Content-Length or Transfer-Encoding$"
	# Content-Length: 0 keeps the connection.
	raw "GET /style.css HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\nGET /sub/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
	[ "$(grep -c '^HTTP/1.1 200 OK' "$T/answer")" -eq 2 ]
}

@test "an upgrade request with a body -> 400" {
	start_backend echo
	start_server
	raw 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 5\r\n\r\nhello'
	[ "$STATUS_LINE" = "HTTP/1.1 400 Bad Request" ]
	log_has "$T/server.log" "400 Bad Request: upgrade request with a body$"
}

@test "the client's close reason is logged with its control bytes escaped: no forged log line" {
	start_backend echo
	start_server
	run "$PY" -c '
import sys; sys.path.insert(0, sys.argv[1])
from wsraw import WS
port = int(sys.argv[2])
ws = WS("127.0.0.1", port, 10)
r = ws.handshake()
print(r.status_line)
ws.send_close(1000, b"bye\nwsbridge: warn: #9 forged\x1b[31m\\\x00!")
cf, _, closed = ws.expect_close(10)
print(cf.close_code() if cf else None, closed)' "$HELPERS" "$PORT"
	echo "$output"
	expect_output 'HTTP/1.1 101 Switching Protocols
1000 True'
	wait_for 5 log_has "$T/server.log" "#1 close "
	cat "$T/server.log"
	! log_has "$T/server.log" "^${LOG_TS}wsbridge: warn: #9 forged"
	[ "$(grep -c '' "$T/server.log")" -eq "$(grep -Ec "^${LOG_TS}wsbridge: " "$T/server.log")" ]
	grep -qF 'code=1000 by=client reason=bye\x0awsbridge: warn: #9 forged\x1b[31m\\\x00!' "$T/server.log"
}

@test "GET //name of a directory redirects to /name/, never to another host" {
	www
	start_wsbridge --listen 127.0.0.1:0 --static "$T/www"
	local p
	for p in //evil.example ///evil.example; do
		raw "GET $p HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
		[ "$STATUS_LINE" = "HTTP/1.1 301 Moved Permanently" ]
		grep -qx 'Location: /evil.example/'$'\r' "$T/answer"
	done
	raw 'GET /sub HTTP/1.1\r\nHost: a\r\n\r\n'
	grep -qx 'Location: /sub/'$'\r' "$T/answer"
}

@test "methods are case-sensitive: 'get' -> 501, for files and upgrades alike; POST -> 405" {
	www
	start_backend echo
	start_wsbridge --listen 127.0.0.1:0 --static "$T/www" \
	    --connect "127.0.0.1:$BACKEND_PORT"
	raw 'get /style.css HTTP/1.1\r\nHost: a\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 501 Not Implemented" ]
	raw 'get / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 501 Not Implemented" ]
	raw 'Head /style.css HTTP/1.1\r\nHost: a\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 501 Not Implemented" ]
	raw 'POST /style.css HTTP/1.1\r\nHost: a\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 405 Method Not Allowed" ]
	log_has "$T/server.log" "warn: #1 peer=127\.0\.0\.1:[0-9]+ 501 Not Implemented: unknown method get$"
	log_has "$T/server.log" "405 Method Not Allowed: method POST not allowed for /style.css$"
}

@test "HEAD: error answers and the help text carry their head only" {
	www
	start_wsbridge --listen 127.0.0.1:0 --static "$T/www"
	raw 'HEAD /missing HTTP/1.1\r\nHost: a\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 404 Not Found" ]
	grep -q '^Content-Length: 14'$'\r''$' "$T/answer"
	# The answer ends with its blank line.
	[ "$(tail -c 4 "$T/answer" | od -An -tx1 | tr -d ' ')" = 0d0a0d0a ]
	raw 'HEAD /sub HTTP/1.1\r\nHost: a\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 301 Moved Permanently" ]
	[ "$(tail -c 4 "$T/answer" | od -An -tx1 | tr -d ' ')" = 0d0a0d0a ]
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 10
	start_backend echo
	start_server
	raw 'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 200 OK" ]
	[ "$(tail -c 4 "$T/answer" | od -An -tx1 | tr -d ' ')" = 0d0a0d0a ]
	! grep -q WebSocket "$T/answer"
	raw 'HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 426 Upgrade Required" ]
	[ "$(tail -c 4 "$T/answer" | od -An -tx1 | tr -d ' ')" = 0d0a0d0a ]
	# A GET still gets the body.
	raw 'GET /x HTTP/1.1\r\nHost: a\r\n\r\n'
	[ "$(tail -n 1 "$T/answer")" = "426 Upgrade Required" ]
}

@test "an HTTP/1.1 request without Host, or with two, gets 400; HTTP/1.0 needs none" {
	www
	start_wsbridge --listen 127.0.0.1:0 --static "$T/www"
	raw 'GET /style.css HTTP/1.1\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 400 Bad Request" ]
	log_has "$T/server.log" "400 Bad Request: missing Host$"
	raw 'GET /style.css HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 400 Bad Request" ]
	log_has "$T/server.log" "400 Bad Request: more than one Host$"
	raw 'GET /style.css HTTP/1.1\r\nHost: a b\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 400 Bad Request" ]
	raw 'GET /style.css HTTP/1.0\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 200 OK" ]
}

@test "empty lines before the request line are ignored (RFC 9112 §2.2), on a kept-alive connection too" {
	www
	start_wsbridge --listen 127.0.0.1:0 --static "$T/www"
	raw '\r\nGET /style.css HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 200 OK" ]
	raw 'GET /style.css HTTP/1.1\r\nHost: a\r\n\r\n\r\n\nGET /sub/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'
	[ "$(grep -c '^HTTP/1.1 200 OK' "$T/answer")" -eq 2 ]
	tail -n 1 "$T/answer" | grep -qx sub
	# A lone CR is not an empty line.
	raw '\rGET /style.css HTTP/1.1\r\nHost: a\r\n\r\n'
	[ "$STATUS_LINE" = "HTTP/1.1 400 Bad Request" ]
}

@test "refusals: each log line names what and why; a missing favicon, the first 401 and a redirect are info, not warnings" {
	www
	printf 'alice:%s\n' "$(openssl passwd -6 'open sesame')" >"$T/users"
	start_wsbridge --listen 127.0.0.1:0 --static "$T/www" \
	    --basic-auth "$T/users" --route "/ws=127.0.0.1:1" \
	    --origin https://good.example
	local u=http://127.0.0.1:$PORT cred
	cred=$(printf 'alice:open sesame' | base64)
	# The browser's first try, without credentials: the challenge.
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$u/")" = 401 ]
	log_has "$T/server.log" "^${LOG_TS}wsbridge: info: #1 peer=127\.0\.0\.1:[0-9]+ 401 Unauthorized: no credentials: challenge sent$"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -u alice:wrong "$u/")" = 401 ]
	# A failed login: one line naming the address and the user.
	log_has "$T/server.log" "^${LOG_TS}wsbridge: warn: #2 login failed: addr=127\.0\.0\.1 user=\"alice\" \(wrong password\)$"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -u "mallory's:x" "$u/")" = 401 ]
	log_has "$T/server.log" "^${LOG_TS}wsbridge: warn: #3 login failed: addr=127\.0\.0\.1 user=\"mallory's\" \(unknown user\)$"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -u alice:'open sesame' "$u/favicon.ico")" = 404 ]
	log_has "$T/server.log" "^${LOG_TS}wsbridge: info: #4 peer=.* 404 Not Found: /favicon\.ico: no such file$"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -u alice:'open sesame' "$u/sub")" = 301 ]
	log_has "$T/server.log" "^${LOG_TS}wsbridge: info: #5 peer=.* 301 Moved Permanently: /sub -> /sub/$"
	[ "$(status_of "$PORT" --upgrade --path /ws --header "Authorization: Basic $cred" --header "Origin: https://evil.example")" = 403 ]
	log_has "$T/server.log" "^${LOG_TS}wsbridge: warn: #6 peer=.* 403 Forbidden: Origin not allowed: https://evil\.example$"
	[ "$(status_of "$PORT" --upgrade --path /nope --header "Authorization: Basic $cred")" = 404 ]
	log_has "$T/server.log" "^${LOG_TS}wsbridge: warn: #7 peer=.* 404 Not Found: no route for this path: /nope$"
	# None of the ordinary ones is a warning.
	[ "$(count_lines "$T/server.log" "^${LOG_TS}wsbridge: warn: ")" -eq 4 ]
}

@test "refusals: 503 names the limit" {
	start_backend echo
	start_server --max-connections 1
	run "$PY" -c '
import sys; sys.path.insert(0, sys.argv[1])
from wsraw import WS
port = int(sys.argv[2])
a = WS("127.0.0.1", port, 10)
print(a.handshake().status_line)
b = WS("127.0.0.1", port, 10)
print(b.handshake().status_line)' "$HELPERS" "$PORT"
	echo "$output"
	expect_output 'HTTP/1.1 101 Switching Protocols
HTTP/1.1 503 Service Unavailable'
	log_has "$T/server.log" "^${LOG_TS}wsbridge: warn: #2 peer=.* 503 Service Unavailable: --max-connections reached \(1\)$"
}
