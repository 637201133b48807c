# Goal: garbage never hurts: malformed requests and frames each get their exact status or close code, random frame sequences end every connection cleanly, and after each the server still echoes for a normal client with no descriptor left behind.

load helpers
load program_helpers
load hardening_helpers

# abuse CASE [server options]: start the server in front of an echo
# backend (once per test), run stress.py case CASE; sets output.
abuse() {
	local name=$1; shift
	if [ -z "${SERVER_PID:-}" ]; then
		start_hashecho
		start_server "$@"
		fd_baseline
	fi
	run stress case "$PORT" "$name" --timeout "${CASE_TIMEOUT:-10}"
	echo "$name: $output"
}

# survived: a normal client still echoes, descriptors back to the baseline
survived() {
	still_echoes
	no_leak
}

@test "random bytes instead of HTTP -> 400 Bad Request and close" {
	abuse random
	[ "$output" = "status=HTTP/1.1 400 Bad Request tcp_closed=True" ]
	log_has "$T/server.log" "warn: #1 peer=.* 400 Bad Request: malformed request"
	survived
}

@test "HTTP/1.0 upgrade request -> 400 Bad Request ('HTTP version below 1.1')" {
	abuse http10
	[ "$output" = "status=HTTP/1.1 400 Bad Request tcp_closed=True" ]
	log_has "$T/server.log" "warn: #1 peer=.* 400 Bad Request: HTTP version below 1.1"
	survived
}

@test "101 header lines -> 431" {
	abuse headers101
	[ "$output" = "status=HTTP/1.1 431 Request Header Fields Too Large tcp_closed=True" ]
	log_has "$T/server.log" "431 Request Header Fields Too Large: too many header fields"
	survived
}

@test "a 64 KiB header line -> 431" {
	abuse longline
	[ "$output" = "status=HTTP/1.1 431 Request Header Fields Too Large tcp_closed=True" ]
	log_has "$T/server.log" "431 Request Header Fields Too Large: request head too large"
	survived
}

@test "an invalid Sec-WebSocket-Key (base64 of 15 bytes) -> 400" {
	abuse badkey
	[ "$output" = "status=HTTP/1.1 400 Bad Request tcp_closed=True" ]
	log_has "$T/server.log" "400 Bad Request: Sec-WebSocket-Key is not base64 of 16 bytes"
	survived
}

@test "a frame announcing 2^63 bytes -> close 1002" {
	abuse len63
	[[ "$output" == "close=1002 reason='64-bit length with the top bit set' tcp_closed=True after="* ]]
	one_close_line 1 1002
	survived
}

@test "a frame announcing 2^62 bytes with --max-message 1048576 -> close 1009 before any payload" {
	abuse len62 --max-message 1048576
	[[ "$output" == "close=1009 reason='message too big' tcp_closed=True after="* ]]
	one_close_line 1 1009
	log_has "$T/server.log" "#1 close .* rx=0 .*code=1009"
	survived
}

@test "a frame announcing 2^62 bytes without --max-message: streamed, the client's FIN ends it (1006), nothing buffered" {
	CASE_TIMEOUT=2 abuse len62
	# 16 payload bytes reach the backend; the connection ends when the
	# client goes (its deadline): no 4 EiB buffer, no crash
	[[ "$output" == "close=None tcp_closed=False timeout"* ]]
	one_close_line 1 1006
	log_has "$T/server.log" "#1 close .* rx=16 "
	survived
}

@test "fuzz: 1,000 connections of random frame sequences: each ends with a close code or EOF, one close line each, nothing leaks" {
	start_hashecho
	start_server --max-message 65536
	fd_baseline
	run stress fuzz "$PORT" --n 1000 --seed 6455 --per-conn 5 --timeout 100
	echo "$output"
	[ "$status" -eq 0 ]
	note "fuzz: $output"
	local ends=${output#ends=} e code
	for e in ${ends//,/ }; do
		code=${e%%:*}
		case $code in
		1000|1001|1002|1003|1007|1008|1009|1011|eof) ;;
		[34][0-9][0-9][0-9]) ;;
		*) echo "unexpected end: $e"; return 1 ;;
		esac
	done
	wait_for 10 eval '[ "$(grep -c " close peer=" "$T/server.log")" -eq 1000 ]'
	[ "$(grep -c " open peer=" "$T/server.log")" -eq 1000 ]
	survived
}
