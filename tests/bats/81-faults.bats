# Goal: every fault of a backend, a program or a client ends only its own connection, with the right close code or 502, one close line, no leaked descriptor and no zombie; no byte is lost under load; SIGTERM with 100 busy connections closes them all with 1001 and exits 0 in time.

load helpers
load program_helpers
load hardening_helpers

# a port nobody listens on: bind, note, close
free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# -- backend faults (TCP mode)

@test "backend refuses -> 502, one log line, no leaked descriptor" {
	start_wsbridge --listen 127.0.0.1:0 --connect "127.0.0.1:$(free_port)"
	fd_baseline
	run stress burst "$PORT" --n 1
	echo "$output"
	[ "$output" = "statuses=502:1 retry_after=0" ]
	wait_for 5 log_has "$T/server.log" "^${LOG_TS}wsbridge: warn: #1 peer=.* 502 Bad Gateway: connect to 127\.0\.0\.1:[0-9]+: Connection refused\$"
	cat "$T/server.log"
	[ "$(lines_about 1)" -eq 1 ]
	no_leak
}

@test "backend resets mid-stream -> the bytes before it, then close 1011; one close line, no leak" {
	start_backend reset
	start_server
	fd_baseline
	run wsraw recv "$PORT" --send "trigger"
	echo "$output"
	[ "$status" -eq 0 ]
	# "backend-before-reset\n": 21 bytes arrive first
	[[ "$output" == "bytes=21 "*" close=1011 tcp_closed=True odd=0" ]]
	one_close_line 1 1011
	log_has "$T/server.log" "#1 close .* by=backend"
	cat "$T/server.log"
	no_leak
}

@test "backend accepts and never answers: 101, no data; --idle-timeout 1 closes it with 1001; no leak" {
	start_backend hold
	# the backend never closes its side: the server gives it
	# --close-timeout after the client's close
	start_server --idle-timeout 1 --close-timeout 1
	fd_baseline
	run stress client "$PORT" --seconds 5
	echo "$output"
	[[ "$output" == "open=False close=1001 reason='idle timeout' after="*" echoes=0" ]]
	one_close_line 1 1001
	no_leak
}

@test "backend stops reading while the client pushes 64 MiB: the client stalls, RSS < 32 MiB; no leak after it leaves" {
	start_backend hold
	start_server --close-timeout 1
	fd_baseline
	bg client "$PY" "$HELPERS/wsraw.py" send "$PORT" --bytes 67108864 \
	    --chunk 65536 --end stall --stall 1 --ready-file "$T/stalled" \
	    --timeout 60
	local client=$BG_PID
	wait_for 40 test -e "$T/stalled"
	cat "$T/stalled"
	grep -q "stalled=True" "$T/stalled"
	local hwm
	hwm=$(rss_kb "$SERVER_PID" VmHWM)
	note "server VmHWM with a backend that does not read: $hwm kB"
	asan_build || [ "$hwm" -lt 32768 ]	# ASan's own memory is no measure
	kill "$client"
	wait_pid_gone "$client" 5
	# what it sent cannot be delivered: dropped after --close-timeout
	one_close_line 1 1006
	no_leak
}

@test "backend closes right after accept -> close 1000; one close line, no leak" {
	start_backend close
	start_server
	fd_baseline
	run stress client "$PORT" --seconds 5
	echo "$output"
	[[ "$output" == "open=False close=1000 "* ]]
	one_close_line 1 1000
	log_has "$T/server.log" "#1 close .* code=1000 by=backend"
	no_leak
}

# -- program faults

@test "program killed by SIGKILL mid-stream -> close 1011 'killed by signal 9'; reaped, no leak" {
	start_prog --binary -- yes
	fd_baseline
	bg client "$PY" "$HELPERS/stress.py" client "$PORT" --seconds 20 \
	    --timeout 30
	local client=$BG_PID
	the_child
	# mid-stream: output is flowing
	wait_for 10 eval '[ "$(wchar "$CHILD")" -gt 1048576 ]'
	kill -KILL "$CHILD"
	wait_pid_gone "$client" 10
	cat "$T/client.out"
	[[ "$(cat "$T/client.out")" == "open=False close=1011 reason='killed by signal 9' "* ]]
	one_close_line 1 1011
	log_has "$T/server.log" "#1 close .* by=backend reason=killed by signal 9$"
	wait_for 5 no_children "$SERVER_PID"
	no_leak
}

@test "program closes stdout but keeps running: the close comes when it exits, not before" {
	start_prog --binary -- sh -c 'exec >&-; sleep 2'
	fd_baseline
	run stress client "$PORT" --seconds 10
	echo "$output"
	[[ "$output" == "open=False close=1000 "* ]]
	local after=${output#*after=}
	after=${after%% *}
	awk -v a="$after" 'BEGIN { exit !(a >= 1.8 && a < 5) }'
	one_close_line 1 1000
	wait_for 5 no_children "$SERVER_PID"
	no_leak
}

@test "program exits (status 3) before reading while the client pushes 1 MiB -> close 1011 'exit status 3'; the server goes on" {
	start_prog --binary -- sh -c 'exit 3'
	fd_baseline
	run "$PY" -c '
import sys; sys.path.insert(0, sys.argv[1])
from wsraw import WS, frame, upgrade_request, OP_BINARY
port = int(sys.argv[2])
ws = WS("127.0.0.1", port, 10)
req, key = upgrade_request(host_header=f"127.0.0.1:{port}")
# the request and 1 MiB of messages in one write: pending when it exits
data = b"".join(frame(OP_BINARY, bytes([i]) * 65536) for i in range(16))
try:
    ws.send(req + data)
except OSError as e:
    print("send:", e)
r = ws.read_head()
print(r.status_line)
cf, _, closed = ws.expect_close(10)
print(cf.close_code() if cf else None, cf.payload[2:].decode() if cf else "",
    closed)' "$HELPERS" "$PORT"
	echo "$output"
	expect_output 'HTTP/1.1 101 Switching Protocols
1011 exit status 3 True'
	one_close_line 1 1011
	wait_for 5 no_children "$SERVER_PID"
	no_leak
	# the server goes on: the next one ends the same way
	run pc talk "$PORT"
	echo "$output"
	[[ "$output" == *'close 1011 "exit status 3"'* ]]
}

# -- client faults

@test "client resets mid-frame (SO_LINGER 0 after half a frame): code 1006 by=client, backend gets EOF, no leak" {
	start_backend sink
	start_server
	fd_baseline
	run stress case "$PORT" rst
	echo "$output"
	[ "$status" -eq 0 ]
	one_close_line 1 1006
	log_has "$T/server.log" "#1 close .* code=1006 by=client"
	wait_for 5 log_has "$BACKEND_LOG" "^conn 1 EOF after [0-9]+ bytes"
	no_leak
}

@test "client sends half a frame then nothing: --idle-timeout 1 closes it with 1001, dropped after --close-timeout 1; no leak" {
	start_backend sink
	start_server --idle-timeout 1 --close-timeout 1
	fd_baseline
	run stress case "$PORT" halfframe --timeout 10
	echo "$output"
	[[ "$output" == "close=1001 reason='idle timeout' tcp_closed=True after="* ]]
	one_close_line 1 1001
	no_leak
}

@test "client sends half a frame then nothing: SIGTERM still ends it (close 1001) and the server exits 0" {
	start_backend sink
	start_server --close-timeout 1 --shutdown-grace 3
	bg half "$PY" "$HELPERS/stress.py" case "$PORT" halfframe --timeout 20
	local half=$BG_PID
	wait_for 10 log_has "$T/server.log" "#1 open "
	wait_for 5 log_has "$BACKEND_LOG" "^conn 1 accept"
	kill -TERM "$SERVER_PID"
	wait_pid_gone "$half" 10
	cat "$T/half.out"
	[[ "$(cat "$T/half.out")" == "close=1001 reason='server shutting down' tcp_closed=True "* ]]
	wait_pid_gone "$SERVER_PID" 5
	local rc=0
	wait "$SERVER_PID" || rc=$?
	[ "$rc" -eq 0 ]
	[ "$(close_lines 1)" -eq 1 ]
}

# -- no data lost

@test "no data lost: 20 connections x 64 MiB through a TCP echo backend, sha256 equal both ways" {
	start_hashecho
	start_server
	run stress streams "$PORT" --conns 20 --bytes 67108864 --timeout 60
	printf '%s\n' "$output" | tail -3
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "ok 20" ]
	note "TCP echo: $(printf '%s\n' "$output" | grep '^secs=')"
	# client -> backend: what each client sent is what the backend got;
	# backend -> client: what the backend sent back is what came back
	wait_for 20 eval '[ "$(grep -c " sent 67108864 bytes" "$BACKEND_LOG")" -eq 20 ]'
	diff <(printf '%s\n' "$output" | sed -n 's/.* sha_sent=\([0-9a-f]*\) .*/\1/p' | sort) \
	    <(sed -n 's/^conn [0-9]* EOF after 67108864 bytes sha256=//p' "$BACKEND_LOG" | sort)
	diff <(printf '%s\n' "$output" | sed -n 's/.* sha_got=\([0-9a-f]*\) .*/\1/p' | sort) \
	    <(sed -n 's/^conn [0-9]* sent 67108864 bytes sha256=//p' "$BACKEND_LOG" | sort)
	[ "$(grep -c 'code=1000 by=client' "$T/server.log")" -eq 20 ]
}

@test "no data lost: 20 connections x 64 MiB through cat (--binary program mode), sha256 equal" {
	start_prog --binary -- cat
	run stress streams "$PORT" --conns 20 --bytes 67108864 --timeout 60
	printf '%s\n' "$output" | tail -3
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "ok 20" ]
	note "cat: $(printf '%s\n' "$output" | grep '^secs=')"
	[ "$(printf '%s\n' "$output" | grep -c ' sent=67108864 .* got=67108864 .* close=1000$')" -eq 20 ]
	wait_for 10 no_children "$SERVER_PID"
}

# -- SIGTERM under load

# sigterm_busy: 100 busy connections, then SIGTERM: every client gets 1001,
# the server exits 0 within --shutdown-grace 5, no program is left.
sigterm_busy() {
	bg busy "$PY" "$HELPERS/stress.py" busy "$PORT" --conns 100 \
	    --ready-file "$T/busy.ready" --timeout 60
	local busy=$BG_PID kids=() p t0 secs rc=0
	wait_for 30 test -e "$T/busy.ready"
	for p in $(children "$SERVER_PID"); do
		kids+=("$p")
	done
	note "children before SIGTERM: ${#kids[@]}"
	t0=$(now_us)
	kill -TERM "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 8
	secs=$(elapsed_since "$t0")
	wait "$SERVER_PID" || rc=$?
	note "exit status $rc after ${secs}s"
	[ "$rc" -eq 0 ]
	awk -v s="$secs" 'BEGIN { exit !(s < 5.0) }'
	wait_pid_gone "$busy" 15
	cat "$T/busy.out"
	[[ "$(cat "$T/busy.out")" == "closes=1001:100 streamed="* ]]
	[ "$(grep -c ' close .* code=1001 by=server reason=server shutting down$' "$T/server.log")" -eq 100 ]
	for p in "${kids[@]}"; do
		! kill -0 "$p" 2>/dev/null || {
			echo "program $p still running"
			return 1
		}
	done
	KIDS=${#kids[@]}
}

@test "SIGTERM with 100 busy connections through cat (--binary): all get 1001, every program reaped, exit 0 within --shutdown-grace" {
	start_prog --binary --shutdown-grace 5 -- cat
	sigterm_busy
	[ "$KIDS" -eq 100 ]
}

@test "SIGTERM with 100 busy connections in TCP mode: all get 1001, exit 0 within --shutdown-grace" {
	start_hashecho
	start_server --shutdown-grace 5
	sigterm_busy
}
