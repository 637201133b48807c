# Goal: program mode's data path and request mapping: lines and UTF-8 in text mode, bytes in --binary, the CGI environment, --dir routing and its escapes, start errors, stderr, and websocketd's README examples unchanged.

load helpers
load program_helpers

@test "cat in text mode: each message is a line, each line a message, exactly" {
	start_prog -- cat
	run pc talk "$PORT" --send hello --send "" --send "wörld €😀" \
	    --send "tab	in" --send "crlf"$'\r' --send $'two\nlines' \
	    --send "  spaces  " --expect 8 --end close
	echo "$output"
	[ "$status" -eq 0 ]
	expect_output 'text "hello"
text ""
text "w\u00f6rld \u20ac\ud83d\ude00"
text "tab\tin"
text "crlf"
text "two"
text "lines"
text "  spaces  "
close 1000 ""
tcp_closed=True'
	wait_for 5 no_children "$SERVER_PID"
}

@test "arguments reach the program as they are, never through a shell" {
	start_prog -- printf '%s\n' '$HOME; echo pwned' '*' '`id`' "a'b\"c"
	run pc talk "$PORT"
	echo "$output"
	expect_output 'text "$HOME; echo pwned"
text "*"
text "`id`"
text "a'"'"'b\"c"
close 1000 ""
tcp_closed=True'
}

@test "--binary cat: 1 MiB of random bytes both ways, sha256 equal" {
	head -c 1048576 /dev/urandom >"$T/in.bin"
	local sha
	sha=$(sha256sum <"$T/in.bin" | cut -d' ' -f1)
	start_prog --binary -- cat
	run pc binary "$PORT" --in "$T/in.bin" --chunk 40000
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "bytes=1048576 sha256=$sha close=1000" ]
}

@test "--binary: messages are written as they are, no newline added; output is binary" {
	# head -c 5 exits after 5 bytes: 4 + 1 only if nothing was added
	start_prog --binary -- head -c 5
	run pc talk "$PORT" --binary --send-hex 00ff0a41 --send-hex 42 --join
	echo "$output"
	expect_output 'binary "\u0000\u00ff\nAB"
close 1000 ""
tcp_closed=True'
}

@test "text mode: a binary message from the client is written as a line too" {
	start_prog -- head -c 3
	run pc talk "$PORT" --binary --send-hex 4142
	echo "$output"
	expect_output 'text "AB"
close 1000 ""
tcp_closed=True'
}

@test "one message, a multi-line reply: one text message per line" {
	script reply.sh '#!/bin/sh
while IFS= read -r n; do
	i=1
	while [ "$i" -le "$n" ]; do echo "line $i of $n"; i=$((i + 1)); done
	echo
done'
	start_prog -- "$T/reply.sh"
	run pc talk "$PORT" --send 3 --send 1 --expect 6 --end close
	echo "$output"
	expect_output 'text "line 1 of 3"
text "line 2 of 3"
text "line 3 of 3"
text ""
text "line 1 of 1"
text ""
close 1000 ""
tcp_closed=True'
}

@test "empty lines, CR LF, and output without a final newline at exit" {
	start_prog -- printf '\n\r\none\r\ntwo\n\nlast'
	run pc talk "$PORT"
	echo "$output"
	expect_output 'text ""
text ""
text "one"
text "two"
text ""
text "last"
close 1000 ""
tcp_closed=True'
}

@test "invalid UTF-8 in output becomes U+FFFD, one per maximal subpart" {
	# bad \xff\xfe utf8 | Unicode table 3-8 | overlong | surrogate |
	# above U+10FFFF | truncated before '!' | valid 4-byte | truncated at
	# the end of a line | truncated at exit without newline
	printf 'bad \377\376 utf8\na\361\200\200\341\200\302b\200c\200\277d\n\300\257\n\355\240\200\n\364\220\200\200\n\342\202!\n\360\237\230\200\nabc\342\202\n\360\237\230' \
	    >"$T/bad.txt"
	start_prog -- cat "$T/bad.txt"
	run pc talk "$PORT"
	echo "$output"
	expect_output 'text "bad \ufffd\ufffd utf8"
text "a\ufffd\ufffd\ufffdb\ufffdc\ufffd\ufffdd"
text "\ufffd\ufffd"
text "\ufffd\ufffd\ufffd"
text "\ufffd\ufffd\ufffd\ufffd"
text "\ufffd!"
text "\ud83d\ude00"
text "abc\ufffd"
text "\ufffd"
close 1000 ""
tcp_closed=True'
}

# long_line_case NAME PYEXPR: $T/NAME holds the bytes of PYEXPR (the program's
# output) and $T/NAME.want the messages Python decodes from it.
long_line_case() {
	"$PY" - "$T/$1" <<EOF
import hashlib, sys
data = $2
open(sys.argv[1], "wb").write(data)
with open(sys.argv[1] + ".want", "w") as w:
	lines = data.split(b"\n")
	if lines[-1] == b"":
		lines.pop()
	for ln in lines:
		if ln.endswith(b"\r"):
			ln = ln[:-1]
		m = ln.decode("utf-8", "replace").encode()
		w.write(f"{len(m)} {hashlib.sha256(m).hexdigest()}\n")
EOF
}

# long_line_check NAME: run cat NAME, compare the messages with NAME.want,
# print frame counts, and check every fragment is valid UTF-8 by itself.
long_line_check() {
	start_prog -- cat "$T/$1"
	run pc talk "$PORT" --summary
	echo "$output"
	[ "$status" -eq 0 ]
	echo "----- messages as 'BYTES SHA256': < received, > expected"
	diff <(sed -n 's/^text bytes=\([0-9]*\) .*sha256=\(.*\)/\1 \2/p' \
	    <<<"$output") "$T/$1.want"
	! grep -q "fragments_valid=False" <<<"$output" || false
	[[ "$output" == *$'close 1000 ""\ntcp_closed=True' ]]
}

@test "a 300 KB line of 3-byte characters: one fragmented text message, cut on character boundaries" {
	long_line_case long '"€".encode() * 100000 + b"\nend\n"'
	long_line_check long
	# more than one frame for the long line, one for "end"
	grep -q '^text bytes=300000 frames=[2-9] ' <<<"$output"
	grep -q '^text bytes=3 frames=1 ' <<<"$output"
}

@test "long lines: a character and an invalid sequence straddling the 128 KiB cut" {
	long_line_case euro '(b"a" * 131071 + "€".encode() + b"\n") * 2'
	long_line_check euro
	long_line_case bad 'b"a" * 131070 + b"\xe2\x82" + b"b" * 10 + b"\n" + b"x" * 131071 + b"\xff\n"'
	long_line_check bad
}

@test "long lines: a CR just before the 128 KiB cut and its LF after it is dropped too" {
	long_line_case cr 'b"a" * 131071 + b"\r\n" + b"b" * 200000 + b"\r\n"'
	long_line_check cr
}

@test "environment: exactly the CGI variables, HTTP_* headers filtered, nothing else leaks" {
	export SECRET=1 LD_LIBRARY_PATH=/wsb/lib LD_PRELOAD='' HTTP_PROXY=x
	# a Host other than loopback's must be named (DNS rebinding)
	start_prog --server-name example.org -- env
	run pc talk "$PORT" --path '/some/p%41th%20x?a=1&b=%41' \
	    --host example.org:8443 --port-file "$T/client.port" \
	    --header 'X-Test: x; FOO=bar' --header 'X_Foo: 1' \
	    --header 'X.Foo: 2' --header 'Proxy: http://evil:3128/' \
	    --header 'X-Rep: a' --header 'x-rep: b' \
	    --header 'Path: /evil' --header 'X-Trim:   padded   ' \
	    --header 'Cookie: FOO=bar; BAR=baz'
	echo "$output"
	[ "$status" -eq 0 ]
	sed -n 's/^text "\(.*\)"$/\1/p' <<<"$output" | LC_ALL=C sort >"$T/env.out"
	local cport
	cport=$(cat "$T/client.port")
	# every name, exactly
	run cut -d= -f1 "$T/env.out"
	expect_output 'AUTH_TYPE
CONTENT_LENGTH
CONTENT_TYPE
GATEWAY_INTERFACE
HTTP_CONNECTION
HTTP_COOKIE
HTTP_HOST
HTTP_PATH
HTTP_SEC_WEBSOCKET_KEY
HTTP_SEC_WEBSOCKET_VERSION
HTTP_UPGRADE
HTTP_X_REP
HTTP_X_TEST
HTTP_X_TRIM
LD_LIBRARY_PATH
PATH
PATH_INFO
PATH_TRANSLATED
QUERY_STRING
REMOTE_ADDR
REMOTE_HOST
REMOTE_IDENT
REMOTE_PORT
REMOTE_USER
REQUEST_METHOD
REQUEST_URI
SCRIPT_NAME
SERVER_NAME
SERVER_PORT
SERVER_PROTOCOL
SERVER_SOFTWARE
UNIQUE_ID'
	# every value, exactly (the key is random: only its form)
	run grep -v '^HTTP_SEC_WEBSOCKET_KEY=' "$T/env.out"
	expect_output "AUTH_TYPE=
CONTENT_LENGTH=
CONTENT_TYPE=
GATEWAY_INTERFACE=CGI/1.1
HTTP_CONNECTION=Upgrade
HTTP_COOKIE=FOO=bar; BAR=baz
HTTP_HOST=example.org:8443
HTTP_PATH=/evil
HTTP_SEC_WEBSOCKET_VERSION=13
HTTP_UPGRADE=websocket
HTTP_X_REP=a, b
HTTP_X_TEST=x; FOO=bar
HTTP_X_TRIM=padded
LD_LIBRARY_PATH=/wsb/lib
PATH=$PATH
PATH_INFO=/some/p%41th%20x
PATH_TRANSLATED=/some/pAth x
QUERY_STRING=a=1&b=%41
REMOTE_ADDR=127.0.0.1
REMOTE_HOST=127.0.0.1
REMOTE_IDENT=
REMOTE_PORT=$cport
REMOTE_USER=
REQUEST_METHOD=GET
REQUEST_URI=/some/p%41th%20x?a=1&b=%41
SCRIPT_NAME=/
SERVER_NAME=example.org
SERVER_PORT=8443
SERVER_PROTOCOL=HTTP/1.1
SERVER_SOFTWARE=wsbridge/$(cat "$ROOT/VERSION")
UNIQUE_ID=$(grep '^UNIQUE_ID=' "$T/env.out" | cut -d= -f2-)"
	grep -Eq '^HTTP_SEC_WEBSOCKET_KEY=[A-Za-z0-9+/]{22}==$' "$T/env.out"
	grep -Eq '^UNIQUE_ID=.+' "$T/env.out"
	# the injection attempts
	! grep -Eq '^(FOO|BAR|HTTP_X_FOO|HTTP_PROXY|SECRET|LD_PRELOAD|HTTPS)=' \
	    "$T/env.out" || false
}

@test "environment: SERVER_PORT 80 without a port in Host; UNIQUE_ID differs per connection" {
	start_prog --server-name example.org -- env
	run pc talk "$PORT" --host example.org
	echo "$output"
	grep -qx 'text "SERVER_NAME=example.org"' <<<"$output"
	grep -qx 'text "SERVER_PORT=80"' <<<"$output"
	grep -qx 'text "PATH_INFO=/"' <<<"$output"
	local id1 id2
	id1=$(grep '^text "UNIQUE_ID=' <<<"$output")
	run pc talk "$PORT" --host example.org
	id2=$(grep '^text "UNIQUE_ID=' <<<"$output")
	echo "$id1 / $id2"
	[ -n "$id1" ] && [ -n "$id2" ] && [ "$id1" != "$id2" ]
}

@test "environment: HTTPS=on under TLS only" {
	"$WSBRIDGE" --help | grep -q -- '--tls-cert'
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
	    -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
	start_prog --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" -- env
	PORT=${PORT%% *}		# "PORT (TLS)"
	run pc talk "$PORT" --tls --host localhost:443
	echo "$output"
	grep -qx 'text "HTTPS=on"' <<<"$output"
	grep -qx 'text "SERVER_PORT=443"' <<<"$output"
	[[ "$output" == *$'close 1000 ""\ntcp_closed=True' ]]
}

@test "--passenv and --env: only the listed parent variables, --env overrides" {
	export SECRET=1 OTHER=2
	start_prog --passenv SECRET --env 'GREETING=hello world' \
	    --env 'PATH=/opt/wsb/bin' --env 'SERVER_SOFTWARE=custom' -- env
	run pc talk "$PORT"
	echo "$output"
	grep -qx 'text "SECRET=1"' <<<"$output"
	grep -qx 'text "GREETING=hello world"' <<<"$output"
	grep -qx 'text "PATH=/opt/wsb/bin"' <<<"$output"
	grep -qx 'text "SERVER_SOFTWARE=custom"' <<<"$output"
	! grep -q '^text "OTHER=' <<<"$output" || false
	! grep -q '^text "LD_LIBRARY_PATH=' <<<"$output" || false
	[ "$(grep -c '^text "PATH=' <<<"$output")" -eq 1 ]
	[ "$(grep -c '^text "SERVER_SOFTWARE=' <<<"$output")" -eq 1 ]
}

# make_dir: $T/www with scripts, a subdir, and the traps
make_dir() {
	mkdir -p "$T/www/sub" "$T/www/empty"
	printf '#!/bin/sh\nexec cat\n' >"$T/www/echo"
	printf '#!/bin/sh\necho "SCRIPT_NAME=$SCRIPT_NAME"\necho "PATH_INFO=$PATH_INFO"\necho "QUERY_STRING=$QUERY_STRING"\n' \
	    >"$T/www/sub/prog"
	printf '#!/bin/sh\necho hidden\n' >"$T/www/.hidden"
	printf '#!/bin/sh\necho outside\n' >"$T/outside"
	printf '#!/bin/sh\necho not executable\n' >"$T/www/noexec"
	chmod +x "$T/www/echo" "$T/www/sub/prog" "$T/www/.hidden" \
	    "$T/outside"
	ln -s "$T/outside" "$T/www/escape"
	ln -s /usr/bin "$T/www/bin"
	ln -s sub/prog "$T/www/alias"
}

@test "--dir: /echo runs DIR/echo; /sub/prog/extra runs DIR/sub/prog with PATH_INFO=/extra" {
	make_dir
	start_prog --dir "$T/www"
	run pc talk "$PORT" --path /echo --send hi --expect 1 --end close
	echo "$output"
	expect_output 'text "hi"
close 1000 ""
tcp_closed=True'
	run pc talk "$PORT" --path '/sub/prog/extra/more?q=1'
	echo "$output"
	expect_output 'text "SCRIPT_NAME=/sub/prog"
text "PATH_INFO=/extra/more"
text "QUERY_STRING=q=1"
close 1000 ""
tcp_closed=True'
	run pc talk "$PORT" --path /sub/prog
	expect_output 'text "SCRIPT_NAME=/sub/prog"
text "PATH_INFO="
text "QUERY_STRING="
close 1000 ""
tcp_closed=True'
	# a symlink that stays inside DIR is fine
	run pc talk "$PORT" --path /alias/x
	echo "$output"
	expect_output 'text "SCRIPT_NAME=/alias"
text "PATH_INFO=/x"
text "QUERY_STRING="
close 1000 ""
tcp_closed=True'
}

@test "--dir: escapes, hidden names, symlinks out, directories, non-executables and missing files get 404" {
	make_dir
	start_prog --dir "$T/www"
	local p paths=('/../outside' '/../../../../usr/bin/id' '/%2e%2e/outside'
	    '/sub/../echo' '/%2E%2E/outside' '/.hidden' '/%2ehidden' '/escape'
	    '/bin/id' '/sub%2fprog' '/sub%2Fprog' '/ech%00o' '/noexec'
	    '/missing' '/sub' '/sub/' '/empty' '/')
	run upgrade_status "${paths[@]}"
	echo "$output"
	expect_output "$(for p in "${paths[@]}"; do
		echo "$p -> HTTP/1.1 404 Not Found"
	done)"
	# none of them got as far as an open connection or a program
	! log_has "$T/server.log" ' open peer=' || false
	no_children "$SERVER_PID"
	[ "$(grep -c ' 404 Not Found' "$T/server.log")" -eq "${#paths[@]}" ]
	[ "$(upgrade_status /echo)" = "HTTP/1.1 101 Switching Protocols" ]
}

@test "program gone or no longer executable after start-up -> 500 and one log line; the server carries on" {
	# (a missing one at start-up is exit status 2: 01-config-check.bats)
	script gone.sh 'echo up'
	start_prog -- "$T/gone.sh"
	rm "$T/gone.sh"
	run upgrade_status
	[ "$output" = "HTTP/1.1 500 Internal Server Error" ]
	wait_for 5 log_has "$T/server.log" "gone.sh"
	[ "$(grep -c 'gone.sh' "$T/server.log")" -eq 1 ]
	run upgrade_status
	[ "$output" = "HTTP/1.1 500 Internal Server Error" ]
	wait_for 5 eval '[ "$(grep -c gone.sh "$T/server.log")" -eq 2 ]'
	kill -0 "$SERVER_PID"
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 5

	script noexec.sh 'echo no'
	start_prog -- "$T/noexec.sh"
	chmod a-x "$T/noexec.sh"
	run upgrade_status
	[ "$output" = "HTTP/1.1 500 Internal Server Error" ]
	wait_for 5 log_has "$T/server.log" "noexec.sh"
	[ "$(grep -c 'noexec.sh' "$T/server.log")" -eq 1 ]
	kill -0 "$SERVER_PID"
	no_children "$SERVER_PID"
}

@test "--stderr log (default): each stderr line logged as '#ID stderr: TEXT'" {
	start_prog -- sh -c 'echo one >&2; printf "two\r\n" >&2; echo out; printf "last" >&2'
	run pc talk "$PORT" --path /errs
	echo "$output"
	expect_output 'text "out"
close 1000 ""
tcp_closed=True'
	local id
	id=$(conn_id /errs)
	[ -n "$id" ]
	wait_for 5 log_has "$T/server.log" "^${LOG_TS}wsbridge: info: #$id stderr: last\$"
	grep -Eqx "${LOG_TS}wsbridge: info: #$id stderr: one" "$T/server.log"
	grep -Eqx "${LOG_TS}wsbridge: info: #$id stderr: two" "$T/server.log"
}

@test "--stderr null discards, --stderr inherit passes it to the server's stderr" {
	start_prog --stderr null -- sh -c 'echo secret-stderr >&2; echo out'
	run pc talk "$PORT"
	[[ "$output" == 'text "out"'* ]]
	! grep -q 'secret-stderr' "$T/server.log" || false
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 5

	start_prog --stderr inherit -- sh -c 'echo raw-stderr >&2; echo out'
	run pc talk "$PORT"
	[[ "$output" == 'text "out"'* ]]
	wait_for 5 log_has "$T/server.log" '^raw-stderr$'
	! grep -q 'stderr: raw-stderr' "$T/server.log" || false
}

@test "exit status -> close code: 0 -> 1000, 3 -> 1011 'exit status 3', a signal -> 1011 'killed by signal 9'" {
	start_prog -- sh -c 'echo bye; exit "${QUERY_STRING:-0}"'
	run pc talk "$PORT" --path '/?0'
	expect_output 'text "bye"
close 1000 ""
tcp_closed=True'
	run pc talk "$PORT" --path '/?3'
	echo "$output"
	expect_output 'text "bye"
close 1011 "exit status 3"
tcp_closed=True'
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 5
	start_prog -- sh -c 'echo before; kill -9 $$'
	run pc talk "$PORT"
	echo "$output"
	expect_output 'text "before"
close 1011 "killed by signal 9"
tcp_closed=True'
}

@test "websocketd README: the counter script, unchanged, through the ws client" {
	script count.sh '#!/bin/bash

# Count from 1 to 10 with a sleep
for ((COUNT = 1; COUNT <= 10; COUNT++)); do
  echo $COUNT
  sleep 0.01
done'
	start_prog -- "$T/count.sh"
	run pws --url "ws://127.0.0.1:$PORT/"
	echo "$output"
	[ "$status" -eq 0 ]
	expect_output 'message "1"
message "2"
message "3"
message "4"
message "5"
message "6"
message "7"
message "8"
message "9"
message "10"
close 1000 ""'
}

@test "websocketd examples: the greeter reads a name, answers 'Hello NAME!'" {
	script greeter.sh '#!/bin/bash

# For each line FOO received on STDIN, respond with "Hello FOO!".
while read LINE; do
  echo "Hello $LINE!"
done'
	start_prog -- "$T/greeter.sh"
	run pws --url "ws://127.0.0.1:$PORT/" --send Alice --send 'Bob Smith' \
	    --close-after 2
	echo "$output"
	[ "$status" -eq 0 ]
	expect_output 'message "Hello Alice!"
message "Hello Bob Smith!"
close 1000 ""'
}
