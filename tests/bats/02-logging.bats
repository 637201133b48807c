# Goal: log lines carry an RFC 3339 UTC time unless the journal reads stderr (JOURNAL_STREAM naming stderr's device:inode) or --log-time off; --log-level debug tells the handshake, the backend connect time and each step of a close; and the suite's own count is honest: a skip for a missing tool or server is a failure.

load helpers

# The exact start of a stamped line, and of an unstamped one.
TS_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z wsbridge(\[[0-9]+\])?: (error|warn|info|debug): '
BARE_RE='^wsbridge(\[[0-9]+\])?: (error|warn|info|debug): '

# all_lines_match REGEX: every line of the server's log matches.
all_lines_match() {
	[ -s "$T/server.log" ] || return 1
	! grep -Ev -- "$1" "$T/server.log"
}

# line_no REGEX: the number of the first log line matching REGEX (ERE).
line_no() {
	grep -En -- "$1" "$T/server.log" | head -1 | cut -d: -f1
}

# in_order REGEX...: each pattern matches a line after the previous one's.
in_order() {
	local prev=0 n re
	for re in "$@"; do
		n=$(line_no "$re")
		[ -n "$n" ] || { echo "no line matches: $re" >&2; return 1; }
		[ "$n" -gt "$prev" ] || { echo "out of order: $re" >&2; return 1; }
		prev=$n
	done
}

# stripped: the server's log without the times.
stripped() {
	sed -E "s/^${LOG_TS}//" "$T/server.log"
}

# has_line TEXT: the log (times stripped) has exactly this line.
has_line() {
	stripped | grep -Fqx -- "$1"
}

# py_client SCRIPT: run Python with wsraw importable and the port in PORT.
py_client() {
	timeout 30 env PYTHONPATH="$HELPERS" PORT="$PORT" "$PY" -c "$1"
}

# echo_once: upgrade, one echoed message, then a clean close by the client.
echo_once() {
	py_client '
import os
from wsraw import connect_ws, OP_TEXT
ws = connect_ws("127.0.0.1", int(os.environ["PORT"]))
ws.send_frame(OP_TEXT, b"hi")
f = ws.recv_frame()
assert f.payload == b"hi", f
ws.send_close(1000, b"bye")
cf, _, closed = ws.expect_close()
print(cf.close_code(), closed)'
}

@test "default: each line starts with the UTC time, RFC 3339 with milliseconds, and it is now" {
	start_backend echo
	start_server
	run echo_once
	echo "$output"
	[ "$output" = "1000 True" ]
	wait_for 5 log_has "$T/server.log" "info: #1 close "
	cat "$T/server.log"
	all_lines_match "$TS_RE"
	# the listening line, whole
	grep -Eqx "${LOG_TS}wsbridge: info: listening on 127\.0\.0\.1:$PORT" \
	    "$T/server.log"
	# the time is UTC and current (GNU date reads RFC 3339)
	local stamp then now
	stamp=$(grep -E " info: #1 close " "$T/server.log" | cut -d' ' -f1)
	then=$(date -d "$stamp" +%s)
	now=$(date +%s)
	[ $(( now - then )) -ge 0 ] && [ $(( now - then )) -le 10 ]
}

@test "--log-time off, and log-time off in a --config file: lines start with wsbridge:" {
	start_backend echo
	start_server --log-time off
	run echo_once
	[ "$output" = "1000 True" ]
	wait_for 5 log_has "$T/server.log" "info: #1 close "
	all_lines_match "$BARE_RE"
	grep -qx "wsbridge: info: listening on 127.0.0.1:$PORT" "$T/server.log"
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 10
	printf 'log-time off\n' >"$T/conf"
	start_server --config "$T/conf"
	all_lines_match "$BARE_RE"
}

@test "--log-time: a bad value is one line on stderr and exit 2" {
	run "$WSBRIDGE" --listen 127.0.0.1:0 --connect 127.0.0.1:9 \
	    --log-time sometimes
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = "wsbridge: bad --log-time 'sometimes': expected auto, on or off" ]
}

@test "JOURNAL_STREAM naming stderr's device:inode: no time (the journal has its own); --log-time on puts it back" {
	start_backend echo
	: >"$T/server.log"
	local js
	js=$(stat -c '%d:%i' "$T/server.log")
	JOURNAL_STREAM=$js start_server
	cat "$T/server.log"
	all_lines_match "$BARE_RE"
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 10
	JOURNAL_STREAM=$js start_server --log-time on
	all_lines_match "$TS_RE"
}

@test "JOURNAL_STREAM that is not stderr's (inherited, or malformed): the time stays" {
	start_backend echo
	: >"$T/other"
	JOURNAL_STREAM=$(stat -c '%d:%i' "$T/other") start_server
	cat "$T/server.log"
	all_lines_match "$TS_RE"
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 10
	: >"$T/server.log"
	JOURNAL_STREAM="$(stat -c '%d:%i' "$T/server.log")x" start_server
	all_lines_match "$TS_RE"
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 10
	JOURNAL_STREAM= start_server
	all_lines_match "$TS_RE"
}

@test "--workers 2: the workers' lines are stamped too" {
	start_backend echo
	start_server --workers 2
	run echo_once
	[ "$output" = "1000 True" ]
	wait_for 5 log_has "$T/server.log" "info: #1 close "
	cat "$T/server.log"
	all_lines_match "$TS_RE"
	grep -Eq "^${LOG_TS}wsbridge\[[0-9]+\]: info: #1 open " "$T/server.log"
}

@test "--log-level debug: the subprotocols and extensions offered, and the ones agreed" {
	start_backend echo
	start_server --log-level debug
	run py_client '
import os
from wsraw import WS
ws = WS("127.0.0.1", int(os.environ["PORT"]))
r = ws.handshake(protocols="chat, binary", extra=[
    ("Sec-WebSocket-Extensions", "x-webkit-deflate-frame"),
    ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")])
print(r.status_line)
print(r.header("Sec-WebSocket-Protocol"))
print(r.header("Sec-WebSocket-Extensions"))
ws.close()'
	echo "$output"
	[ "$output" = "HTTP/1.1 101 Switching Protocols
binary
permessage-deflate; client_max_window_bits=15" ]
	wait_for 5 log_has "$T/server.log" "#1 handshake: "
	has_line "wsbridge: debug: #1 handshake: subprotocol=binary (offered \"chat, binary\"), extensions=\"permessage-deflate; client_max_window_bits=15\" (offered \"x-webkit-deflate-frame, permessage-deflate; client_max_window_bits\")"
}

@test "--log-level debug: nothing offered, and an offer --deflate off declines" {
	start_backend echo
	start_server --log-level debug --deflate off
	run py_client '
import os
from wsraw import WS
for extra in ([], [("Sec-WebSocket-Extensions", "permessage-deflate")]):
    ws = WS("127.0.0.1", int(os.environ["PORT"]))
    r = ws.handshake(extra=extra)
    print(r.status_line, r.header("Sec-WebSocket-Extensions"))
    ws.close()'
	echo "$output"
	[ "$output" = "HTTP/1.1 101 Switching Protocols None
HTTP/1.1 101 Switching Protocols None" ]
	wait_for 5 log_has "$T/server.log" "#2 handshake: "
	has_line "wsbridge: debug: #1 handshake: subprotocol=none (offered none), extensions=none (offered none)"
	has_line "wsbridge: debug: #2 handshake: subprotocol=none (offered none), extensions=none (offered \"permessage-deflate\")"
}

@test "--log-level info (the default) writes no debug line" {
	start_backend echo
	start_server
	run echo_once
	[ "$output" = "1000 True" ]
	wait_for 5 log_has "$T/server.log" "info: #1 close "
	! grep -E ' debug: ' "$T/server.log"
	! grep -E 'handshake:|connected in|closing:|close frame' "$T/server.log"
}

@test "--log-level debug: the backend connect and how long it took, TCP and Unix" {
	start_backend echo
	start_server --log-level debug
	run echo_once
	[ "$output" = "1000 True" ]
	wait_for 5 log_has "$T/server.log" "info: #1 close "
	cat "$T/server.log"
	in_order "debug: #1 handshake: " \
	    "debug: #1 backend 127\.0\.0\.1:$BACKEND_PORT connected in [0-9]+\.[0-9] ms$" \
	    "info: #1 open "
	local ms
	ms=$(sed -En 's/.* #1 backend .* connected in ([0-9]+)\.[0-9] ms$/\1/p' \
	    "$T/server.log")
	[ "$ms" -lt 10000 ]
	kill "$SERVER_PID" "$BACKEND_PID"
	wait_pid_gone "$SERVER_PID" 10
	start_backend_unix echo "$T/be.sock"
	start_wsbridge --listen 127.0.0.1:0 --connect "unix:$T/be.sock" \
	    --log-level debug
	run echo_once
	[ "$output" = "1000 True" ]
	wait_for 5 log_has "$T/server.log" "info: #1 close "
	in_order "debug: #1 backend unix:$T/be\.sock connected in [0-9]+\.[0-9] ms$" \
	    "info: #1 open "
}

@test "--log-level debug: each step of a close the client starts" {
	start_backend echo
	start_server --log-level debug
	run echo_once
	[ "$output" = "1000 True" ]
	wait_for 5 log_has "$T/server.log" "info: #1 close "
	cat "$T/server.log"
	local be="backend 127\.0\.0\.1:$BACKEND_PORT"
	in_order "debug: #1 close frame from the client: code=1000$" \
	    "debug: #1 closing: code=1000 by=client reason=-$" \
	    "debug: #1 close frame to the client: code=1000$" \
	    "debug: #1 client socket closed$" \
	    "info: #1 close .* code=1000 by=client reason=bye$"
	in_order "debug: #1 $be: sending EOF$" "debug: #1 $be: EOF$" \
	    "debug: #1 $be closed$" "info: #1 close "
	# each step once
	local re
	for re in "close frame from the client" "closing:" \
	    "close frame to the client" "client socket closed" \
	    "$be: sending EOF" "$be: EOF" "$be closed"; do
		[ "$(grep -Ec "debug: #1 $re" "$T/server.log")" -eq 1 ]
	done
}

@test "--log-level debug: each step of a close the backend starts" {
	start_backend close
	start_server --log-level debug
	run py_client '
import os
from wsraw import connect_ws
ws = connect_ws("127.0.0.1", int(os.environ["PORT"]))
cf, _, closed = ws.expect_close()
print(cf.close_code(), closed)'
	echo "$output"
	[ "$output" = "1000 True" ]
	wait_for 5 log_has "$T/server.log" "info: #1 close "
	cat "$T/server.log"
	local be="backend 127\.0\.0\.1:$BACKEND_PORT"
	in_order "info: #1 open " "debug: #1 $be: EOF$" \
	    "debug: #1 closing: code=1000 by=backend reason=-, backend output first$" \
	    "debug: #1 close frame to the client: code=1000$" \
	    "debug: #1 close frame from the client: code=1000$" \
	    "debug: #1 client socket closed$" \
	    "info: #1 close .* code=1000 by=backend "
	grep -Eq "debug: #1 $be closed$" "$T/server.log"
}

# fake_suite NAME:BODY...: a bats file of these tests (written here: bats
# would take @test lines of a heredoc in this file for its own), counted by
# tests/run-suite's bats suite in $T/suite, then its total alone.
fake_suite() {
	local t
	mkdir -p "$T/suite"
	{
		echo 'load "$HELPERS_DIR/helpers"'
		echo 'setup() { :; }'
		for t in "$@"; do
			printf '%s "%s" { %s; }\n' @test "${t%%:*}" "${t#*:}"
		done
	} >"$T/suite/fake.bats"
	# (a clean environment: a bats run inside a test must not see this
	# run's variables, nor bats's own directory in PATH)
	local path
	path=$(tr : '\n' <<<"$PATH" | grep -v bats-core | paste -sd:)
	(cd "$T/suite" && rm -rf build &&
	    env -i PATH="$path" HELPERS_DIR="$ROOT/tests/bats" \
	    BATS_FILES="$T/suite/fake.bats" "$ROOT/tests/run-suite" bats \
	    >/dev/null 2>&1
	    "$ROOT/tests/run-suite" total bats)
}

@test "run-suite: passed, failed and skipped counted apart; a skip for a missing tool is a failure" {
	run fake_suite "passes:true" \
	    "a machine limit:skip_env 'descriptor limit 64'" \
	    "a bare skip:skip" "a tool missing:skip 'foo is not installed'" \
	    "fails:false"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "1 passed, 3 failed, 1 skipped" ]
	run fake_suite "passes:true" \
	    "a machine limit:skip_env 'descriptor limit 64'"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "1 passed, 0 failed, 1 skipped" ]
}

@test "70-tls, 72-proxies, 73-browser fail, not skip, without the server binary" {
	local f path
	path=$(tr : '\n' <<<"$PATH" | grep -v bats-core | paste -sd:)
	for f in 70-tls 72-proxies 73-browser; do
		run env -i PATH="$path" WSBRIDGE="$T/no-such-wsbridge" \
		    bats --tap "$ROOT/tests/bats/$f.bats"
		echo "$f: $(grep -c '^not ok' <<<"$output") failed"
		[ "$status" -ne 0 ]
		! grep -E '^ok ' <<<"$output"
		grep -q "no $T/no-such-wsbridge: run make wsbridge" <<<"$output"
	done
}
