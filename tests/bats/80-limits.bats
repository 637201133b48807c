# Goal: the limits hold under pressure: connection caps answer 503 with Retry-After and log at most once a second, every timeout cuts who it must and no one else, slowloris and 5,000 idle connections do not slow a normal client, and running out of descriptors never makes the server spin.

load helpers
load program_helpers
load hardening_helpers

@test "--max-connections 2: a burst of 50 more gets 503 + Retry-After, logged at most once a second" {
	start_hashecho
	start_server --max-connections 2
	bg hold "$PY" "$HELPERS/stress.py" hold "$PORT" --n 2 \
	    --ready-file "$T/held" --timeout 60
	wait_for 10 test -e "$T/held"
	local t0 secs
	t0=$(now_us)
	run stress burst "$PORT" --n 50
	secs=$(elapsed_since "$t0")
	echo "$output (in ${secs}s)"
	[ "$output" = "statuses=503:50 retry_after=50" ]
	run stress burst "$PORT" --n 1
	[ "$output" = "statuses=503:1 retry_after=1" ]
	# 51 refusals: each either has its own 503 line or is counted in a
	# "N more connection(s) refused by limits" line; one more refusal a
	# second later flushes the count.
	local mark
	mark=$(now_us)
	wait_for 5 eval '[ $(( $(now_us) - mark )) -ge 1100000 ]'
	run stress burst "$PORT" --n 1
	[ "$output" = "statuses=503:1 retry_after=1" ]
	secs=$(elapsed_since "$t0")
	grep -E ' 503 |refused by limits' "$T/server.log"
	local lines503 suppressed
	lines503=$(grep -c ' 503 Service Unavailable: --max-connections reached' "$T/server.log")
	suppressed=$(sed -n 's/.*warn: \([0-9]*\) more connection(s) refused by limits$/\1/p' \
	    "$T/server.log" | awk '{ s += $1 } END { print s + 0 }')
	note "52 refusals in ${secs}s: $lines503 503 lines, $suppressed counted in summaries"
	[ $(( lines503 + suppressed )) -eq 52 ]
	# at most one 503 line a second (+1: the first comes at once)
	[ "$lines503" -le $(( ${secs%.*} + 1 )) ]
	[ "$lines503" -ge 2 ]
	# no connection beyond the limit reached the backend
	[ "$(grep -c ' accept$' "$BACKEND_LOG")" -eq 2 ]
}

@test "--max-connections-per-ip 2: a third from 127.0.0.1 gets 503, 127.0.0.2 still gets through" {
	start_hashecho
	start_server --max-connections-per-ip 2
	bg hold "$PY" "$HELPERS/stress.py" hold "$PORT" --n 2 \
	    --ready-file "$T/held" --timeout 60
	wait_for 10 test -e "$T/held"
	run stress burst "$PORT" --n 5
	echo "$output"
	[ "$output" = "statuses=503:5 retry_after=5" ]
	run stress hold "$PORT" --n 2 --source 127.0.0.2 --ready-file "$T/two" \
	    --timeout 0.1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "holding 2" ]
	log_has "$T/server.log" "503 Service Unavailable: --max-connections-per-ip reached"
}

@test "--handshake-timeout 1: a silent client is cut, a normal one is not" {
	start_hashecho
	start_server --handshake-timeout 1
	run wsraw idle "$PORT" --timeout 10
	echo "$output"
	[ "$status" -eq 0 ]
	local after=${output#*after=}
	after=${after%%s*}
	# cut after about 1 s, and without an answer
	[[ "$output" == *"bytes=0"* ]]
	awk -v a="$after" 'BEGIN { exit !(a >= 0.9 && a < 2.5) }'
	wait_for 5 log_has "$T/server.log" "handshake timeout"
	still_echoes
}

@test "--idle-timeout 1: an idle WebSocket gets 1001 'idle timeout', a busy one (a message every 200 ms) stays" {
	start_hashecho
	start_server --idle-timeout 1
	bg busy "$PY" "$HELPERS/stress.py" client "$PORT" --every 0.2 \
	    --seconds 3 --timeout 20
	local busy=$BG_PID
	run stress client "$PORT" --seconds 4
	echo "idle: $output"
	[[ "$output" == "open=False close=1001 reason='idle timeout' after="* ]]
	local after=${output#*after=}
	after=${after%% *}
	awk -v a="$after" 'BEGIN { exit !(a >= 0.9 && a < 2.5) }'
	wait_pid_gone "$busy" 10
	cat "$T/busy.out"
	[[ "$(cat "$T/busy.out")" == "open=True close=None "* ]]
	# about 15 echoes in 3 s
	local echoes
	echoes=$(sed -n 's/.*echoes=//p' "$T/busy.out")
	[ "$echoes" -ge 10 ]
	wait_for 5 log_has "$T/server.log" "code=1001 by=server reason=idle timeout"
	[ "$(grep -c 'reason=idle timeout' "$T/server.log")" -eq 1 ]
}

@test "--ping-interval 1: a client answering pings stays 3 s; one ignoring them gets 1011 'ping timeout' within 2.5 s" {
	start_hashecho
	start_server --ping-interval 1
	bg ponger "$PY" "$HELPERS/stress.py" client "$PORT" --pong \
	    --seconds 3 --timeout 20
	local ponger=$BG_PID
	run stress client "$PORT" --seconds 5
	echo "silent: $output"
	[[ "$output" == "open=False close=1011 reason='ping timeout' after="* ]]
	local after=${output#*after=}
	after=${after%% *}
	awk -v a="$after" 'BEGIN { exit !(a >= 1.5 && a <= 2.5) }'
	[[ "$output" == *" pings=1 "* ]]
	wait_pid_gone "$ponger" 10
	cat "$T/ponger.out"
	[[ "$(cat "$T/ponger.out")" == "open=True close=None "* ]]
	local pings
	pings=$(sed -n 's/.*pings=\([0-9]*\).*/\1/p' "$T/ponger.out")
	[ "$pings" -ge 1 ]
	wait_for 5 log_has "$T/server.log" "code=1011 by=server reason=ping timeout"
}

@test "--max-message 65536: a 65537-byte message gets 1009, a 65536-byte one echoes" {
	start_hashecho
	start_server --max-message 65536
	run wsraw echo "$PORT" --size 65536
	echo "$output"
	[ "$status" -eq 0 ]
	run "$PY" -c '
import sys; sys.path.insert(0, sys.argv[1])
from wsraw import connect_ws, OP_BINARY
ws = connect_ws("127.0.0.1", int(sys.argv[2]))
ws.send_frame(OP_BINARY, b"m" * 65537)
cf, data, closed = ws.expect_close(10)
print(cf.close_code() if cf else None, sum(len(f.payload) for f in data),
    closed)' "$HELPERS" "$PORT"
	echo "$output"
	[ "$output" = "1009 0 True" ]
	wait_for 5 log_has "$T/server.log" "code=1009 by=server"
}

@test "--max-header 1024: a 1025-byte request head gets 431, a 1000-byte one 101" {
	start_hashecho
	start_server --max-header 1024
	run "$PY" -c '
import sys; sys.path.insert(0, sys.argv[1])
from wsraw import WS, upgrade_request
port = int(sys.argv[2])
for size in (1000, 1024, 1025, 4096):
    base, _ = upgrade_request(host_header="127.0.0.1")
    pad = size - len(base) - len("X-Pad: \r\n")
    req, _ = upgrade_request(host_header="127.0.0.1",
        extra=[("X-Pad", "p" * pad)])
    assert len(req) == size, len(req)
    ws = WS("127.0.0.1", port, 10)
    r = ws.handshake(request=req)
    print(size, r.status_line)
    ws.close()' "$HELPERS" "$PORT"
	echo "$output"
	expect_output '1000 HTTP/1.1 101 Switching Protocols
1024 HTTP/1.1 101 Switching Protocols
1025 HTTP/1.1 431 Request Header Fields Too Large
4096 HTTP/1.1 431 Request Header Fields Too Large'
}

@test "slowloris: 500 clients dribbling a request head (1 byte/s) are all cut at --handshake-timeout 2, a normal client echoes in < 1 s meanwhile" {
	[ "$(ulimit -n)" -ge 2048 ] || ulimit -n 2048 ||
	    skip_env "cannot raise the descriptor limit to 2048"
	start_hashecho
	start_server --handshake-timeout 2
	bg slow "$PY" "$HELPERS/stress.py" slowloris "$PORT" --n 500 \
	    --interval 1 --seconds 8 --ready-file "$T/slow.ready" --timeout 30
	local slow=$BG_PID
	wait_for 15 test -e "$T/slow.ready"
	note "slowloris connections: $(cat "$T/slow.ready")"
	[ "$(cat "$T/slow.ready")" -eq 500 ]
	# a normal client, while the 500 dribble
	run stress rtt "$PORT"
	echo "normal client: $output"
	[ "$status" -eq 0 ]
	local secs=${output#*secs=}
	note "normal client's upgrade + echo under slowloris: ${secs}s"
	awk -v s="$secs" 'BEGIN { exit !(s < 1.0) }'
	wait_pid_gone "$slow" 20
	cat "$T/slow.out"
	local out
	out=$(cat "$T/slow.out")
	[[ "$out" == "n=500 connected=500 cut=500 "* ]]
	[[ "$out" == *" answered=0 "* ]]
	local max=${out#*max_life=}
	max=${max%% *}
	# cut at 2 s after the connect, however many bytes they dribbled
	awk -v m="$max" 'BEGIN { exit !(m >= 1.9 && m < 4.0) }'
	[ "$(grep -c 'handshake timeout' "$T/server.log")" -eq 500 ]
}

@test "5,000 idle WebSocket connections (TCP): a new client echoes in < 1 s, every idle one still echoes; RSS per connection" {
	local hard
	hard=$(ulimit -Hn)
	if [ "$hard" != unlimited ] && [ "$hard" -lt 20000 ]; then
		skip_env "hard descriptor limit $hard < 20000"
	fi
	ulimit -n 20000
	bench_tools
	start_echod
	start_server
	# one connection first: what is allocated once is in the baseline
	still_echoes
	local rss0 rss1
	rss0=$(rss_kb "$SERVER_PID" VmRSS)
	bg idle "$WSLOAD" --port "$PORT" --mode idle -c 5000 \
	    --ready-file "$T/idle.ready" --timeout 60
	local idle=$BG_PID
	wait_for 30 test -s "$T/idle.ready"
	[ "$(cat "$T/idle.ready")" -eq 5000 ]
	wait_for 10 eval '[ "$(grep -c " open peer=" "$T/server.log")" -ge 5001 ]'
	rss1=$(rss_kb "$SERVER_PID" VmRSS)
	note "server VmRSS: $rss0 kB with 1 connection, $rss1 kB with 5000 idle: $(( (rss1 - rss0) * 1024 / 5000 )) bytes per connection"
	note "server descriptors with 5000 idle: $(fd_count "$SERVER_PID")"
	run stress rtt "$PORT"
	echo "new client: $output"
	[ "$status" -eq 0 ]
	local secs=${output#*secs=}
	note "a new client's upgrade + echo with 5000 idle: ${secs}s"
	awk -v s="$secs" 'BEGIN { exit !(s < 1.0) }'
	# every idle connection echoes one message, then closes
	kill -USR1 "$idle"
	wait_pid_gone "$idle" 30
	cat "$T/idle.out"
	grep -q " status=ok " "$T/idle.out"
	grep -q " opened=5000 verified=5000" "$T/idle.out"
	# and the memory per connection stays small (< 16 KiB); not under
	# ASan, whose shadow memory and quarantine are no measure of ours
	asan_build || [ $(( (rss1 - rss0) / 5000 )) -lt 16 ]
}

@test "ulimit -n 64: a flood of 200 connects makes it pause accepting, not spin; afterwards clients echo again" {
	start_hashecho
	local real=$WSBRIDGE
	WSBRIDGE=bash start_wsbridge -c 'ulimit -n 64 && exec "$0" "$@"' \
	    "$real" --listen 127.0.0.1:0 --connect "127.0.0.1:$BACKEND_PORT"
	grep "open files" "/proc/$SERVER_PID/limits"
	grep -Eq "open files +64 " "/proc/$SERVER_PID/limits"
	fd_baseline
	bg flood "$PY" "$HELPERS/stress.py" flood "$PORT" --n 200 --seconds 3 \
	    --ready-file "$T/flood.ready" --timeout 30
	local flood=$BG_PID
	wait_for 10 test -e "$T/flood.ready"
	local c0 c1 t0
	c0=$(cpu_ticks "$SERVER_PID")
	t0=$(now_us)
	wait_pid_gone "$flood" 15
	c1=$(cpu_ticks "$SERVER_PID")
	cat "$T/flood.out"
	note "flood: $(cat "$T/flood.out")"
	note "server CPU during $(elapsed_since "$t0")s of flood: $(( c1 - c0 )) ticks of 1/$(getconf CLK_TCK) s"
	[[ "$(cat "$T/flood.out")" == "connected=200 "* ]]
	# less than 0.5 s of CPU time over the flood
	[ $(( (c1 - c0) * 1000 / $(getconf CLK_TCK) )) -lt 500 ]
	log_has "$T/server.log" "warn: accept on 127.0.0.1:$PORT: out of descriptors \(pausing [0-9.]+s\)"
	# it keeps descriptors for the backends of those it accepted: no
	# client gets a 502 for want of one
	if log_has "$T/server.log" "502 Bad Gateway"; then false; fi
	note "pausing lines: $(grep -c 'pausing' "$T/server.log")"
	# afterwards: echoes again once the flood's connections are gone
	wait_for 20 eval 'stress rtt "$PORT" --timeout 3 >/dev/null 2>&1'
	still_echoes
	no_leak
}
