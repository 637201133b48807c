# Goal: the HTTP front door end to end: static files (types, validators, keep-alive, large files with bounded memory, no way out of the directory), the help text, --header, Origin policies, Basic auth, routes, token files, trusted proxies, the PROXY protocol and Unix-socket listeners.

load helpers
load front_helpers

bats_require_minimum_version 1.5.0

# www: a static tree in $T/www.
www() {
	mkdir -p "$T/www/sub" "$T/www/a" "$T/outside"
	printf '<!doctype html><title>home</title>\n' >"$T/www/index.html"
	printf 'sub index\n' >"$T/www/sub/index.html"
	printf 'body { color: red }\n' >"$T/www/style.css"
	printf 'console.log(1);\n' >"$T/www/app.js"
	printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR' >"$T/www/pic.png"
	printf '<svg xmlns="http://www.w3.org/2000/svg"/>\n' >"$T/www/pic.svg"
	printf '{"a": 1}\n' >"$T/www/data.json"
	printf '\0asm\1\0\0\0' >"$T/www/mod.wasm"
	printf 'hidden\n' >"$T/www/.hidden"
	printf 'outside secret\n' >"$T/outside/secret.txt"
	ln -s "$T/outside/secret.txt" "$T/www/leak.txt"
	ln -s "$T/outside" "$T/www/leakdir"
	ln -s style.css "$T/www/alias.css"
}

# get ARGS...: curl, quiet, bounded.
get() {
	curl -sS --max-time 20 "$@"
}

# code URL [ARGS...]: the status code curl gets.
code() {
	local u=$1; shift
	get -o /dev/null -w '%{http_code}' "$@" "$u"
}

@test "--static: index.html for /, a Content-Type per extension, Content-Length and Last-Modified" {
	www
	start_wsbridge --listen 127.0.0.1:0 --static "$T/www"
	local u=http://127.0.0.1:$PORT ext p type file got
	run get -D "$T/h" -o "$T/body" "$u/"
	[ "$status" -eq 0 ]
	cmp "$T/body" "$T/www/index.html"
	grep -qi '^HTTP/1.1 200' "$T/h"
	grep -qi '^Content-Type: text/html' "$T/h"
	grep -qi "^Content-Length: $(stat -c %s "$T/www/index.html")"$'\r'"$" "$T/h"
	grep -qi "^Last-Modified: $(TZ=GMT date -r "$T/www/index.html" '+%a, %d %b %Y %H:%M:%S GMT')"$'\r'"$" "$T/h"
	for ext in style.css:text/css:style.css app.js:javascript:app.js \
	    pic.png:image/png:pic.png pic.svg:image/svg+xml:pic.svg \
	    data.json:application/json:data.json \
	    mod.wasm:application/wasm:mod.wasm sub/:text/html:sub/index.html; do
		IFS=: read -r p type file <<<"$ext"
		got=$(get -o "$T/body" -w '%{content_type}' "$u/$p")
		echo "$p -> $got"
		[[ $got == *"$type"* ]]
		cmp "$T/body" "$T/www/$file"
	done
	log_has "$T/server.log" "GET /style.css 200 $(stat -c %s "$T/www/style.css")$"
}

@test "--static: 304 for the same If-Modified-Since, HEAD without body, 301 for a directory, 405 for POST" {
	www
	start_wsbridge --listen 127.0.0.1:0 --static "$T/www"
	local u=http://127.0.0.1:$PORT lm
	lm=$(get -D - -o /dev/null "$u/style.css" | tr -d '\r' |
	    sed -n 's/^Last-Modified: //ip')
	[ -n "$lm" ]
	[ "$(code "$u/style.css" -H "If-Modified-Since: $lm")" = 304 ]
	[ "$(get "$u/style.css" -H "If-Modified-Since: $lm" | wc -c)" -eq 0 ]
	[ "$(code "$u/style.css" -H "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT")" = 200 ]
	# HEAD: the headers of a GET, no body (the raw client reads to EOF).
	run fc head "$PORT" --method HEAD --path /style.css \
	    --header "Connection: close" --body
	echo "$output"
	[[ ${lines[0]} == "HTTP/1.1 200 OK" ]]
	grep -qi "^Content-Length: $(stat -c %s "$T/www/style.css")$" <<<"$output"
	[[ $output != *"color: red"* ]]
	run get -D - -o /dev/null "$u/sub"
	echo "$output"
	[[ ${lines[0]} == "HTTP/1.1 301"* ]]
	grep -qi '^Location: /sub/' <<<"$output"
	run get -D - -o /dev/null -X POST "$u/style.css"
	echo "$output"
	[[ ${lines[0]} == "HTTP/1.1 405"* ]]
	grep -qi '^Allow: GET, HEAD' <<<"$output"
}

@test "--static: keep-alive serves two requests on one connection" {
	www
	start_wsbridge --listen 127.0.0.1:0 --static "$T/www"
	run get -o /dev/null -o /dev/null -w '%{num_connects}\n' \
	    "http://127.0.0.1:$PORT/style.css" "http://127.0.0.1:$PORT/app.js"
	echo "$output"
	[ "${lines[0]}" = 1 ] && [ "${lines[1]}" = 0 ]
	[ "$(count_lines "$T/server.log" "^${LOG_TS}wsbridge: info: #1 .* GET /")" -eq 2 ]
}

@test "--static: a 20 MiB file arrives intact while a slow reader holds it, memory bounded" {
	www
	head -c 20971520 /dev/urandom >"$T/www/big.bin"
	start_wsbridge --listen 127.0.0.1:0 --static "$T/www"
	local u=http://127.0.0.1:$PORT/big.bin base hwm
	base=$(rss_kb "$SERVER_PID" VmRSS)
	bg slow curl -s --limit-rate 1M --max-time 2 -o /dev/null "$u"
	local slow=$BG_PID
	wait_for 5 log_has "$T/server.log" "GET /big.bin"
	run get -o "$T/got.bin" -w '%{size_download}' "$u"
	[ "$output" -eq 20971520 ]
	[ "$(sha256sum <"$T/got.bin")" = "$(sha256sum <"$T/www/big.bin")" ]
	local st=0
	wait "$slow" || st=$?		# curl ends the slow transfer at 2 s
	[ "$st" -eq 28 ]
	hwm=$(rss_kb "$SERVER_PID" VmHWM)
	note "server RSS: ${base} kB at start, high-water mark ${hwm} kB"
	[ "$hwm" -lt $((base + 8192)) ]
	kill -0 "$SERVER_PID"
	[ "$(code "http://127.0.0.1:$PORT/style.css")" = 200 ]
}

@test "--static: no way out of the directory; symlinks inside it are served" {
	www
	start_wsbridge --listen 127.0.0.1:0 --static "$T/www"
	local u=http://127.0.0.1:$PORT p c
	for p in /../etc/passwd /%2e%2e/etc/passwd /a/%2E%2E/%2E%2E/etc/passwd \
	    /a/..%2f..%2fetc/passwd /.hidden /%2ehidden /%00 /style.css%00.txt \
	    /leakdir/secret.txt; do
		run get --path-as-is -o "$T/body" -w '%{http_code}' "$u$p"
		echo "$p -> $output"
		[[ $output == 4?? ]]
		! grep -q 'root:\|outside secret\|hidden' "$T/body" || false
	done
	[ "$(code "$u/leak.txt")" = 404 ]
	run get "$u/alias.css"
	[ "$output" = "body { color: red }" ]
	kill -0 "$SERVER_PID"
}

@test "without --static, / answers a short help text; other paths want an upgrade" {
	start_backend echo
	start_server
	run get -D "$T/h" "http://127.0.0.1:$PORT/"
	echo "$output"
	[[ $output == *WebSocket* ]]
	grep -q '^HTTP/1.1 200' "$T/h"
	grep -qi '^Content-Type: text/plain' "$T/h"
	[ "$(code "http://127.0.0.1:$PORT/other")" = 426 ]
}

@test "--header is added to static answers, errors and the 101" {
	www
	start_backend echo
	start_wsbridge --listen 127.0.0.1:0 --static "$T/www" \
	    --connect "127.0.0.1:$BACKEND_PORT" --header "X-Frame-Options: DENY"
	local u=http://127.0.0.1:$PORT
	get -D - -o /dev/null "$u/" | grep -q '^X-Frame-Options: DENY'
	get -D - -o /dev/null "$u/nothing" | grep -q '^X-Frame-Options: DENY'
	get -D - -o /dev/null -X POST "$u/" | grep -q '^X-Frame-Options: DENY'
	run fc head "$PORT" --upgrade
	echo "$output"
	[ "${lines[0]}" = "HTTP/1.1 101 Switching Protocols" ]
	grep -qx 'X-Frame-Options: DENY' <<<"$output"
}

@test "--origin: listed origins and wildcards pass, others get 403 and a log line, no Origin passes" {
	start_backend echo
	start_server --origin 'https://good.example,*.example.org'
	local o
	for o in https://good.example https://a.example.org https://b.c.example.org; do
		[ "$(status_of "$PORT" --upgrade --header "Origin: $o")" = 101 ]
	done
	[ "$(status_of "$PORT" --upgrade)" = 101 ]
	for o in https://evil.example https://good.example.evil \
	    https://example.org.evil.net null; do
		[ "$(status_of "$PORT" --upgrade --header "Origin: $o")" = 403 ]
	done
	[ "$(count_lines "$T/server.log" "warn: #[0-9]+ peer=127.0.0.1:[0-9]+ 403 Forbidden: Origin not allowed")" -eq 4 ]
}

@test "--same-origin: the page's own origin passes, another gets 403" {
	start_backend echo
	start_server --same-origin
	[ "$(status_of "$PORT" --upgrade --header "Origin: http://127.0.0.1:$PORT")" = 101 ]
	[ "$(status_of "$PORT" --upgrade --header "Origin: http://evil.example")" = 403 ]
	[ "$(status_of "$PORT" --upgrade --header "Origin: http://127.0.0.1:1")" = 403 ]
	log_has "$T/server.log" "403 Forbidden: Origin not allowed"
}

@test "--basic-auth: 401 without or with wrong credentials; the right ones reach static files, upgrades and programs" {
	www
	env_script "$T/env.sh"
	printf 'alice:%s\nbob:%s\n' "$(openssl passwd -6 'open sesame')" \
	    "$(openssl passwd -6 other)" >"$T/users"
	start_wsbridge --listen 127.0.0.1:0 --static "$T/www" \
	    --basic-auth "$T/users" -- "$T/env.sh"
	local u=http://127.0.0.1:$PORT
	run get -D - -o /dev/null "$u/"
	echo "$output"
	[[ ${lines[0]} == "HTTP/1.1 401"* ]]
	grep -qi '^WWW-Authenticate: Basic realm=' <<<"$output"
	[ "$(code "$u/" -u alice:wrong)" = 401 ]
	[ "$(code "$u/" -u mallory:'open sesame')" = 401 ]
	[ "$(code "$u/" -u alice:'open sesame')" = 200 ]
	[ "$(status_of "$PORT" --upgrade)" = 401 ]
	local cred
	cred=$(printf 'alice:open sesame' | base64)
	[ "$(status_of "$PORT" --upgrade --header "Authorization: Basic $cred")" = 101 ]
	run fc lines "$PORT" --header "Authorization: Basic $cred"
	echo "$output"
	grep -qx 'REMOTE_USER=alice' <<<"$output"
	grep -qx 'AUTH_TYPE=Basic' <<<"$output"
	# The log says who it was.
	log_has "$T/server.log" "alice"
}

@test "--route: two TCP backends and a program by path prefix; no default means 404" {
	start_tag_backend A
	local pa=$TAG_PORT
	start_tag_backend B
	local pb=$TAG_PORT
	env_script "$T/env.sh"
	start_wsbridge --listen 127.0.0.1:0 --route "/a=127.0.0.1:$pa" \
	    --route "/b/=127.0.0.1:$pb" --route "/p=$T/env.sh"
	run fc lines "$PORT" --path /a --count 1
	[ "$output" = 'binary A\n' ]
	run fc lines "$PORT" --path /a/deeper/x --count 1
	[ "$output" = 'binary A\n' ]
	# (the backend's tag alone: an echo sent at once may come back in the
	# same read as the tag, and so in the same message)
	run fc lines "$PORT" --path /b --count 1
	echo "$output"
	[ "$output" = 'binary B\n' ]
	run fc lines "$PORT" --path /p/x?q=1
	echo "$output"
	grep -qx 'REMOTE_ADDR=127.0.0.1' <<<"$output"
	grep -qx 'QUERY_STRING=q=1' <<<"$output"
	for p in / /c /ab /pp; do
		[ "$(status_of "$PORT" --upgrade --path "$p")" = 404 ]
	done
	log_has "$T/server.log" "404 Not Found: no route for this path"
}

@test "--token-file FILE: ?token= and path tokens, unknown ones 404, edits seen without restart, SIGHUP reloads" {
	start_tag_backend A
	local pa=$TAG_PORT
	start_tag_backend B
	local pb=$TAG_PORT
	printf '# websockify tokens\nalpha: 127.0.0.1:%s\nbeta: 127.0.0.1:%s\n' \
	    "$pa" "$pb" >"$T/tokens"
	start_wsbridge --listen 127.0.0.1:0 --token-file "$T/tokens"
	run fc lines "$PORT" --path '/websockify?token=alpha' --count 1
	[ "$output" = 'binary A\n' ]
	run fc lines "$PORT" --path /beta --count 1
	[ "$output" = 'binary B\n' ]
	run fc lines "$PORT" --path /vnc/beta --count 1
	[ "$output" = 'binary B\n' ]
	[ "$(status_of "$PORT" --upgrade --path '/?token=gamma')" = 404 ]
	# the log says what was wrong: the token, not the path
	log_has "$T/server.log" "404 Not Found: unknown token gamma \(path /\)$"
	[ "$(status_of "$PORT" --upgrade --path /gamma)" = 404 ]
	printf 'gamma: 127.0.0.1:%s\n' "$pa" >>"$T/tokens"
	wait_for 5 eval "[ \"\$(status_of $PORT --upgrade --path /gamma)\" = 101 ]"
	log_has "$T/server.log" "token file $T/tokens: 3 token"
	# No request between the edit and SIGHUP: the reload is SIGHUP's.
	printf 'delta: 127.0.0.1:%s\n' "$pb" >>"$T/tokens"
	kill -HUP "$SERVER_PID"
	wait_for 5 log_has "$T/server.log" "token file $T/tokens: 4 token"
	run fc lines "$PORT" --path '/?token=delta' --count 1
	[ "$output" = 'binary B\n' ]
}

@test "--token-file DIR: every file of the directory" {
	start_tag_backend A
	local pa=$TAG_PORT
	start_tag_backend B
	local pb=$TAG_PORT
	mkdir "$T/tokens.d"
	printf 'one: 127.0.0.1:%s\n' "$pa" >"$T/tokens.d/a.conf"
	printf 'two: 127.0.0.1:%s\n' "$pb" >"$T/tokens.d/b.conf"
	start_wsbridge --listen 127.0.0.1:0 --token-file "$T/tokens.d"
	run fc lines "$PORT" --path '/?token=one' --count 1
	[ "$output" = 'binary A\n' ]
	run fc lines "$PORT" --path /two --count 1
	[ "$output" = 'binary B\n' ]
	[ "$(status_of "$PORT" --upgrade --path /three)" = 404 ]
	printf 'three: 127.0.0.1:%s\n' "$pa" >"$T/tokens.d/c.conf"
	wait_for 5 eval "[ \"\$(status_of $PORT --upgrade --path /three)\" = 101 ]"
}

@test "--trust-proxy: X-Forwarded-For from a trusted peer is the client; otherwise ignored" {
	env_script "$T/env.sh"
	start_wsbridge --listen 127.0.0.1:0 --trust-proxy 127.0.0.1/32 \
	    -- "$T/env.sh"
	run fc lines "$PORT" --header "X-Forwarded-For: 198.51.100.7, 203.0.113.9"
	echo "$output"
	grep -qx 'REMOTE_ADDR=203.0.113.9' <<<"$output"
	wait_for 5 log_has "$T/server.log" "open peer=203\.0\.113\.9 "
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 10
	start_wsbridge --listen 127.0.0.1:0 --trust-proxy 10.0.0.0/8 \
	    -- "$T/env.sh"
	run fc lines "$PORT" --header "X-Forwarded-For: 203.0.113.9"
	echo "$output"
	grep -qx 'REMOTE_ADDR=127.0.0.1' <<<"$output"
	wait_for 5 log_has "$T/server.log" "open peer=127\.0\.0\.1:"
	! log_has "$T/server.log" "203\.0\.113\.9" || false
}

@test "PROXY protocol listener: v1 and v2 headers give the client address; garbage is dropped with one log line" {
	env_script "$T/env.sh"
	start_front --listen 127.0.0.1:0,proxy -- "$T/env.sh"
	run fc lines "$PORT" --proxy-v1 "TCP4 198.51.100.9 127.0.0.1 40001 80"
	echo "$output"
	grep -qx 'REMOTE_ADDR=198.51.100.9' <<<"$output"
	grep -qx 'REMOTE_PORT=40001' <<<"$output"
	run fc lines "$PORT" --proxy-v2 "[2001:db8::5]:40002,[2001:db8::1]:443"
	echo "$output"
	grep -qx 'REMOTE_ADDR=2001:db8::5' <<<"$output"
	grep -qx 'REMOTE_PORT=40002' <<<"$output"
	run fc lines "$PORT" --proxy-v2 "192.0.2.33:40003,192.0.2.1:443"
	grep -qx 'REMOTE_ADDR=192.0.2.33' <<<"$output"
	# A plain request where the header should be: no answer, one line.
	run fc head "$PORT" --upgrade --timeout 5
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output != HTTP/* ]]
	wait_for 5 log_has "$T/server.log" "bad PROXY protocol header"
	[ "$(count_lines "$T/server.log" "bad PROXY")" -eq 1 ]
	[ "$(count_lines "$T/server.log" "#4 ")" -eq 1 ]
}

@test "--listen unix:PATH: curl and a WebSocket client over the socket" {
	www
	start_backend echo
	start_wsbridge --listen "unix:$T/ws.sock" --static "$T/www" \
	    --connect "127.0.0.1:$BACKEND_PORT"
	[ -S "$T/ws.sock" ]
	run get --unix-socket "$T/ws.sock" http://localhost/style.css
	[ "$output" = "body { color: red }" ]
	run fc echo "unix:$T/ws.sock" --sizes 1,5000,200000
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "close 1000" ]
}
