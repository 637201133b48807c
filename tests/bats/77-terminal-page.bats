# Goal: the terminal page built in for --pty: GET / and its files (exact bytes, types, HEAD, 404, ETag, --terminal-assets, routes, --static), and headless Chromium typing into a shell through it.

load helpers
load front_helpers

NPM=$ROOT/term/node_modules/@xterm

setup() {
	T=$BATS_TEST_TMPDIR
	need_server
	need_tool curl curl
}

# get URL: the answer's head (CR removed) in $T/head, body in $T/body.
get() {
	rm -f "$T/head" "$T/body"
	curl -s -D "$T/head" -o "$T/body" "$@"
	sed -i 's/\r$//' "$T/head"
}

# header NAME: the value of NAME in $T/head.
header() {
	sed -n "s/^$1: //Ip" "$T/head"
}

# raw_head PATH: a HEAD request by hand; prints every byte of the answer
# (the server closes after it: Connection: close).
raw_head() {
	timeout 10 "$PY" - "$PORT" "$1" <<-'PYEOF'
	import socket, sys
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	s.sendall(("HEAD %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
	    % sys.argv[2]).encode())
	data = b""
	while True:
	    d = s.recv(65536)
	    if not d:
	        break
	    data += d
	sys.stdout.buffer.write(data)
	PYEOF
}

@test "GET / on a --pty target is the page, its files are npm's exact bytes" {
	start_wsbridge --listen 127.0.0.1:0 --pty -- /bin/sh
	get "http://127.0.0.1:$PORT/"
	[ "$(head -n 1 "$T/head")" = "HTTP/1.1 200 OK" ]
	[ "$(header Content-Type)" = "text/html; charset=utf-8" ]
	cmp "$T/body" "$ROOT/term/index.html"
	get "http://127.0.0.1:$PORT/_wsbridge/term/xterm.js"
	[ "$(head -n 1 "$T/head")" = "HTTP/1.1 200 OK" ]
	[ "$(header Content-Type)" = "text/javascript; charset=utf-8" ]
	[ "$(header Content-Length)" = "$(stat -c %s "$NPM/xterm/lib/xterm.js")" ]
	cmp "$T/body" "$NPM/xterm/lib/xterm.js"
	get "http://127.0.0.1:$PORT/_wsbridge/term/xterm.css"
	[ "$(header Content-Type)" = "text/css; charset=utf-8" ]
	cmp "$T/body" "$NPM/xterm/css/xterm.css"
	get "http://127.0.0.1:$PORT/_wsbridge/term/addon-fit.js"
	cmp "$T/body" "$NPM/addon-fit/lib/addon-fit.js"
	get "http://127.0.0.1:$PORT/_wsbridge/term/term.js"
	cmp "$T/body" "$ROOT/term/term.js"
	log_has "$T/server.log" "GET /_wsbridge/term/xterm.js 200 $(stat -c %s "$NPM/xterm/lib/xterm.js")"
}

@test "over TLS the built-in files are the same bytes" {
	make_pki "$T/pki"
	start_front --listen 127.0.0.1:0 --tls-cert "$T/pki/server.pem" \
	    --tls-key "$T/pki/server.key" --pty -- /bin/sh
	get --cacert "$T/pki/ca.pem" "https://localhost:$PORT/_wsbridge/term/xterm.js"
	[ "$(head -n 1 "$T/head")" = "HTTP/1.1 200 OK" ]
	cmp "$T/body" "$NPM/xterm/lib/xterm.js"
}

@test "HEAD has the head only; unknown files 404; other paths stay 426" {
	start_wsbridge --listen 127.0.0.1:0 --pty -- /bin/sh
	raw_head /_wsbridge/term/xterm.js >"$T/raw"
	head -n 1 "$T/raw" | grep -qx $'HTTP/1.1 200 OK\r'
	grep -qx $'Content-Length: '"$(stat -c %s "$NPM/xterm/lib/xterm.js")"$'\r' "$T/raw"
	# The answer ends with its blank line: no body.
	[ "$(tail -c 4 "$T/raw" | od -An -tx1 | tr -d ' ')" = 0d0a0d0a ]
	[ "$(grep -c $'^\r$' "$T/raw")" = 1 ]
	for p in /_wsbridge/term/nope.js /_wsbridge/term/xterm.js.map \
	    /_wsbridge/term/ /_wsbridge/term/../term/xterm.js /_wsbridge; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is \
		    "http://127.0.0.1:$PORT$p")" = 404 ]
	done
	[ "$(curl -s -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$PORT/favicon.ico")" = 426 ]
}

@test "ETag: If-None-Match with the same tag is 304 without a body" {
	start_wsbridge --listen 127.0.0.1:0 --pty -- /bin/sh
	get "http://127.0.0.1:$PORT/_wsbridge/term/xterm.css"
	etag=$(header ETag)
	[[ $etag =~ ^\"[0-9a-f]{20}\"$ ]]
	[ "$(header Cache-Control)" = no-cache ]
	get -H "If-None-Match: $etag" "http://127.0.0.1:$PORT/_wsbridge/term/xterm.css"
	[ "$(head -n 1 "$T/head")" = "HTTP/1.1 304 Not Modified" ]
	[ ! -s "$T/body" ]
	get -H 'If-None-Match: "0000"' "http://127.0.0.1:$PORT/_wsbridge/term/xterm.css"
	[ "$(head -n 1 "$T/head")" = "HTTP/1.1 200 OK" ]
}

@test "--terminal-assets DIR: the files come from DIR, a missing one is 404" {
	mkdir "$T/assets"
	echo 'console.log("my own xterm");' >"$T/assets/xterm.js"
	echo '<!doctype html><title>mine</title>' >"$T/assets/index.html"
	start_wsbridge --listen 127.0.0.1:0 --pty --terminal-assets "$T/assets" \
	    -- /bin/sh
	get "http://127.0.0.1:$PORT/_wsbridge/term/xterm.js"
	[ "$(head -n 1 "$T/head")" = "HTTP/1.1 200 OK" ]
	[ "$(header Content-Type)" = "text/javascript; charset=utf-8" ]
	cmp "$T/body" "$T/assets/xterm.js"
	get "http://127.0.0.1:$PORT/"
	cmp "$T/body" "$T/assets/index.html"
	[ "$(curl -s -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$PORT/_wsbridge/term/xterm.css")" = 404 ]
}

@test "--terminal-assets needs --pty and an existing directory" {
	run "$WSBRIDGE" --listen 127.0.0.1:0 --terminal-assets "$T" -- /bin/sh
	[ "$status" -eq 2 ]
	[ "$output" = "wsbridge: --terminal-assets needs --pty" ]
	run "$WSBRIDGE" --listen 127.0.0.1:0 --pty --terminal-assets "$T/none" \
	    -- /bin/sh
	[ "$status" -eq 2 ]
	[ "$output" = "wsbridge: --terminal-assets $T/none: No such file or directory" ]
}

@test "a --pty route has the page under its prefix; --static wins; no --pty, no page" {
	start_wsbridge --listen 127.0.0.1:0 --pty --route "/shell=/bin/sh" \
	    -- /bin/cat
	get "http://127.0.0.1:$PORT/shell"
	[ "$(head -n 1 "$T/head")" = "HTTP/1.1 301 Moved Permanently" ]
	[ "$(header Location)" = /shell/ ]
	get "http://127.0.0.1:$PORT/shell/"
	cmp "$T/body" "$ROOT/term/index.html"
	get "http://127.0.0.1:$PORT/shell/_wsbridge/term/addon-fit.js"
	cmp "$T/body" "$NPM/addon-fit/lib/addon-fit.js"
	kill "$SERVER_PID"
	mkdir "$T/www"
	echo static >"$T/www/index.html"
	start_wsbridge --listen 127.0.0.1:0 --pty --static "$T/www" -- /bin/sh
	get "http://127.0.0.1:$PORT/"
	[ "$(cat "$T/body")" = static ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$PORT/_wsbridge/term/xterm.js")" = 404 ]
	kill "$SERVER_PID"
	start_wsbridge --listen 127.0.0.1:0 -- /bin/sh
	get "http://127.0.0.1:$PORT/"
	grep -q "this address is a WebSocket endpoint" "$T/body"
	[ "$(curl -s -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$PORT/_wsbridge/term/xterm.js")" = 426 ]
}

@test "the page goes through the front door: --basic-auth guards it" {
	printf 'alice:%s\n' "$(openssl passwd -6 'open sesame')" >"$T/users"
	start_wsbridge --listen 127.0.0.1:0 --pty --basic-auth "$T/users" \
	    -- /bin/sh
	[ "$(curl -s -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$PORT/")" = 401 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$PORT/_wsbridge/term/xterm.js")" = 401 ]
	get -u 'alice:open sesame' "http://127.0.0.1:$PORT/"
	cmp "$T/body" "$ROOT/term/index.html"
}

# browser URL: headless Chromium on URL with its DevTools port written to
# $T/profile/DevToolsActivePort; sets DEVTOOLS.
browser() {
	need_tool chromium chromium
	bg chromium timeout -k 5 80 chromium --headless --no-sandbox \
	    --disable-gpu --disable-quic --no-first-run \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --disable-dev-shm-usage --window-size=800,600 \
	    --user-data-dir="$T/profile" --remote-debugging-port=0 "$1"
	wait_for 20 test -s "$T/profile/DevToolsActivePort"
	DEVTOOLS=$(head -n 1 "$T/profile/DevToolsActivePort")
}

# cdp STEP...: tests/helpers/cdp_term.js against the browser.
cdp() {
	NODE_PATH=$ROOT/tests/node_modules timeout 70 node \
	    "$HELPERS/cdp_term.js" "$DEVTOOLS" "$@" --timeout 20
}

@test "Chromium: the page runs bash on a pty; echo \$((6*7)) prints 42" {
	start_wsbridge --listen 127.0.0.1:0 --pty -- /bin/bash --norc -i
	browser "http://127.0.0.1:$PORT/"
	run cdp 'wait:typeof window.wsbridgeTerm === "object"' \
	    'wait:document.getElementById("status").dataset.state === "open"' \
	    'match:[$#] *$' 'type:echo $((6*7))' 'key:Enter' 'line:42' \
	    'print:document.getElementById("status").textContent'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = '"connected"' ]
	log_has "$T/server.log" "open peer=127\.0\.0\.1:[0-9]+ path=/ backend=/bin/bash"
}

@test "Chromium: under a route's prefix the page reaches its own route" {
	start_wsbridge --listen 127.0.0.1:0 --pty \
	    --route "/a/shell=/bin/bash --norc -i" -- /bin/cat
	browser "http://127.0.0.1:$PORT/a/shell/"
	run cdp 'wait:typeof window.wsbridgeTerm === "object"' \
	    'match:[$#] *$' 'type:echo route-$((2+3))' 'key:Enter' \
	    'line:route-5' 'print:document.title'
	echo "$output"
	[ "$status" -eq 0 ]
	log_has "$T/server.log" "GET /a/shell/_wsbridge/term/xterm.js 200 "
	log_has "$T/server.log" "open peer=127\.0\.0\.1:[0-9]+ path=/a/shell/ backend=/bin/bash"
}

@test "Chromium: the program's title becomes the window's; a dropped connection comes back" {
	cat >"$T/prog.sh" <<-'EOF'
	#!/bin/sh
	echo $$ >"$(dirname "$0")/prog.pid"
	printf '\033]0;hello-title\007ready %s\r\n' $$
	exec cat
	EOF
	chmod +x "$T/prog.sh"
	start_wsbridge --listen 127.0.0.1:0 --pty -- "$T/prog.sh"
	browser "http://127.0.0.1:$PORT/"
	wait_for 20 test -s "$T/prog.pid"
	first=$(cat "$T/prog.pid")
	run cdp "line:ready $first" 'wait:document.title === "hello-title"' \
	    'type:typed' 'line:typed'
	echo "$output"
	[ "$status" -eq 0 ]
	# The program dies: the connection ends, and the page connects again
	# to a new one, whose line shows in the same terminal.
	kill -KILL "$first"
	wait_for 20 eval "[ \"\$(cat '$T/prog.pid')\" != $first ]"
	run cdp "match:ready $(cat "$T/prog.pid")$" \
	    'wait:document.getElementById("status").dataset.state === "open"'
	echo "$output"
	[ "$status" -eq 0 ]
	log_has "$T/server.log" "close peer=127\.0\.0\.1:[0-9]+ path=/ backend=$T/prog.sh"
}

@test "Chromium: the page's window size reaches the program (stty size)" {
	start_wsbridge --listen 127.0.0.1:0 --pty -- /bin/bash --norc -i
	browser "http://127.0.0.1:$PORT/"
	# the line stty prints is the terminal's own rows and columns
	run cdp 'wait:typeof window.wsbridgeTerm === "object"' \
	    'wait:document.getElementById("status").dataset.state === "open"' \
	    'match:[$#] *$' 'type:stty size' 'key:Enter' \
	    'wait:(() => { const t = window.wsbridgeTerm, b = t.buffer.active, want = t.rows + " " + t.cols; for (let i = 0; i < b.length; i++) if (b.getLine(i).translateToString(true) === want) return true; return false; })()' \
	    'print:window.wsbridgeTerm.rows + "x" + window.wsbridgeTerm.cols'
	echo "$output"
	[ "$status" -eq 0 ]
	# an 800x600 window is not the 80x24 a pty starts with
	[[ "${lines[-1]}" =~ ^\"[0-9]+x[0-9]+\"$ ]]
	[ "${lines[-1]}" != '"24x80"' ]
}

@test "Chromium: with --readonly the page says so and takes no input" {
	start_wsbridge --listen 127.0.0.1:0 --pty --readonly -- /bin/cat
	browser "http://127.0.0.1:$PORT/"
	run cdp 'wait:typeof window.wsbridgeTerm === "object"' \
	    'wait:document.getElementById("status").dataset.state === "readonly"' \
	    'print:window.wsbridgeTerm.options.disableStdin' \
	    'print:document.getElementById("status").textContent'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-2]}" = true ]
	[ "${lines[-1]}" = '"connected (read-only: input is not sent)"' ]
}

@test "Chromium: a program that ends by itself (1000) is started again only on Enter" {
	cat >"$T/prog.sh" <<-'EOF2'
	#!/bin/sh
	echo $$ >>"$(dirname "$0")/pids"
	printf 'ready %s\r\n' $$
	read line
	exit 0
	EOF2
	chmod +x "$T/prog.sh"
	start_wsbridge --listen 127.0.0.1:0 --pty -- "$T/prog.sh"
	browser "http://127.0.0.1:$PORT/"
	run cdp 'match:^ready [0-9]+' 'type:bye' 'key:Enter' \
	    'wait:document.getElementById("status").dataset.state === "ended"' \
	    'print:document.getElementById("status").textContent'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = '"the program ended: press Enter to start it again"' ]
	wait_for 10 log_has "$T/server.log" " close peer=.* code=1000 by=backend"
	[ "$(wc -l <"$T/pids")" -eq 1 ]
	run cdp 'key:Enter' \
	    'wait:document.getElementById("status").dataset.state === "open"'
	echo "$output"
	[ "$status" -eq 0 ]
	wait_for 10 eval '[ "$(wc -l <"$T/pids")" -eq 2 ]'
	[ "$(grep -c ' open peer=' "$T/server.log")" -eq 2 ]
}
