# Goal: the command line: --help and --version succeed, every usage error is one "wsbridge: " line and exit status 2.

load helpers

# usage_error ARGS...: exit 2, nothing on stdout, exactly one stderr line
# starting "wsbridge: ".
usage_error() {
	local rc=0
	timeout 10 "$WSBRIDGE" "$@" >"$T/out" 2>"$T/err" 3>&- || rc=$?
	echo "args: $* -> status $rc, stderr:"; cat "$T/err"
	[ "$rc" -eq 2 ]
	[ ! -s "$T/out" ]
	[ "$(wc -l <"$T/err")" -eq 1 ]
	grep -q '^wsbridge: ' "$T/err"
}

@test "--help prints usage on stdout, exit 0" {
	run timeout 10 "$WSBRIDGE" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *--listen* ]]
	[[ "$output" == *--connect* ]]
}

@test "-h is --help" {
	run timeout 10 "$WSBRIDGE" -h
	[ "$status" -eq 0 ]
	[[ "$output" == *--listen* ]]
}

@test "--version and -V print 'wsbridge X.Y.Z', exit 0" {
	run timeout 10 "$WSBRIDGE" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^wsbridge\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[ "$output" = "wsbridge $(cat "$ROOT/VERSION")" ]
	run timeout 10 "$WSBRIDGE" -V
	[ "$status" -eq 0 ]
	[ "$output" = "wsbridge $(cat "$ROOT/VERSION")" ]
}

@test "unknown option -> exit 2, one line" {
	usage_error --listen 127.0.0.1:0 --connect 127.0.0.1:1 --bogus
}

@test "unknown short option -> exit 2, one line" {
	usage_error -Z --listen 127.0.0.1:0 --connect 127.0.0.1:1
}

@test "missing value -> exit 2, one line" {
	usage_error --connect 127.0.0.1:1 --listen
	usage_error --listen 127.0.0.1:0 --connect
	usage_error --listen 127.0.0.1:0 --connect 127.0.0.1:1 --max-message
}

@test "bad listen address -> exit 2, one line" {
	usage_error --listen 127.0.0.1:99999 --connect 127.0.0.1:1
	usage_error --listen '[::1' --connect 127.0.0.1:1
	usage_error --listen 127.0.0.1:port --connect 127.0.0.1:1
}

@test "listen address that is no IPv4 literal nor resolvable -> exit 2" {
	usage_error --listen 999.1.1.1:80 --connect 127.0.0.1:1
}

@test "bad connect target -> exit 2, one line" {
	usage_error --listen 127.0.0.1:0 --connect 127.0.0.1
	usage_error --listen 127.0.0.1:0 --connect 127.0.0.1:0x
	usage_error --listen 127.0.0.1:0 --connect '[::1]:70000'
	usage_error --listen 127.0.0.1:0 --connect unix:
}

@test "bad numeric and level values -> exit 2, one line" {
	usage_error --listen 127.0.0.1:0 --connect 127.0.0.1:1 --max-message -1
	usage_error --listen 127.0.0.1:0 --connect 127.0.0.1:1 --max-header abc
	usage_error --listen 127.0.0.1:0 --connect 127.0.0.1:1 --handshake-timeout x
	usage_error --listen 127.0.0.1:0 --connect 127.0.0.1:1 --log-level loud
}

@test "missing --connect -> exit 2, one line" {
	usage_error --listen 127.0.0.1:0
}

@test "missing --listen -> exit 2, one line" {
	usage_error --connect 127.0.0.1:1
}

@test "--listen 127.0.0.1:0 logs the actual port" {
	start_wsbridge --listen 127.0.0.1:0 --connect 127.0.0.1:1
	[[ "$LISTEN_ADDR" =~ ^127\.0\.0\.1:[0-9]+$ ]]
	[ "$PORT" -gt 0 ]
	# something accepts there
	timeout 5 "$PY" -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2).close()' "$PORT"
}

@test "two listeners, one of them IPv6" {
	start_wsbridge --listen 127.0.0.1:0 --listen '[::1]:0' --connect 127.0.0.1:1
	wait_for 5 log_has "$T/server.log" 'listening on \[::1\]:[0-9]+$'
	log_has "$T/server.log" 'listening on 127\.0\.0\.1:[0-9]+$'
}

@test "SIGTERM with no connection -> exit 0" {
	start_wsbridge --listen 127.0.0.1:0 --connect 127.0.0.1:1
	kill -TERM "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 10
	wait "$SERVER_PID"
}
