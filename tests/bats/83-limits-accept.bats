# Goal: the connection and program limits count every accepted connection, hold for the whole server whatever --workers says, and survive a worker's death: one address's idle sockets cannot keep another address out, and refusals are a clean 503.

load helpers
load program_helpers
load hardening_helpers

# lc CMD PORT ARGS...: tests/helpers/limits_client.py, bounded in time.
lc() {
	timeout 90 "$PY" "$HELPERS/limits_client.py" "$@"
}

# start_workers N ARGS...: the server with --workers N in front of the
# backend, once every worker is up (N "wsbridge[PID]:" tags in the log).
start_workers() {
	local n=$1; shift
	start_server --workers "$n" --log-level debug "$@"
	wait_for 10 eval '[ "$(worker_pids | wc -l)" -eq '"$n"' ]'
}

# worker_pids: the workers of SERVER_PID, one a line.
worker_pids() {
	children "$SERVER_PID"
}

# opens_by_worker: "PID COUNT" for each worker that logged open lines.
opens_by_worker() {
	untimed "$T/server.log" |
	    sed -n 's/^wsbridge\[\([0-9]*\)\]: info: #[0-9]* open .*/\1/p' |
	    sort | uniq -c | awk '{ print $2, $1 }'
}

@test "--max-connections-per-ip 4: 3000 idle sockets from 127.0.0.1 hold 2, the rest get 503 at once; 127.0.0.2 upgrades and echoes meanwhile" {
	[ "$(ulimit -n)" -ge 4096 ] || ulimit -n 4096 ||
	    skip "cannot raise the descriptor limit to 4096"
	start_hashecho
	local real=$WSBRIDGE
	# 256 descriptors: 3000 sockets counted only after their upgrade
	# would take every one of them
	WSBRIDGE=bash start_wsbridge -c 'ulimit -n 256 && exec "$0" "$@"' \
	    "$real" --listen 127.0.0.1:0 --connect "127.0.0.1:$BACKEND_PORT" \
	    --max-connections-per-ip 4 --handshake-timeout 30
	bg idle "$PY" "$HELPERS/limits_client.py" idle "$PORT" --n 3000 \
	    --source 127.0.0.1 --answers 2998 --connected-file "$T/idle.conn" \
	    --ready-file "$T/idle.ready" --timeout 80
	wait_for 20 test -e "$T/idle.conn"
	run lc rtt "$PORT" --source 127.0.0.2 --timeout 10
	echo "127.0.0.2: $output"
	[[ "$output" == "echo=ok secs="* ]]
	local secs=${output#*secs=}
	note "127.0.0.2's upgrade + echo beside 3000 idle sockets: ${secs}s"
	awk -v s="$secs" 'BEGIN { exit !(s < 2.0) }'
	wait_for 20 test -e "$T/idle.ready"
	cat "$T/idle.ready"
	# half of the 4 (2) may be in the request phase; every other socket
	# got a whole 503 and a FIN, none a reset
	[ "$(cat "$T/idle.ready")" = \
	    "connected=3000 503=2998 other=0 eof=0 reset=0 silent=2" ]
	# 127.0.0.1 itself is at its allowance
	run lc rtt "$PORT" --source 127.0.0.1
	[ "$output" = "status=HTTP/1.1 503 Service Unavailable" ]
	log_has "$T/server.log" \
	    "503 Service Unavailable: --max-connections-per-ip reached"
	local fds
	fds=$(fd_count "$SERVER_PID")
	note "server descriptors with 3000 idle sockets at it: $fds"
	[ "$fds" -lt 128 ]
}

@test "--max-connections 4: at most 2 connections in the request phase; a third idle socket gets 503 before it sends a byte, and so does an upgrade" {
	start_hashecho
	start_server --max-connections 4
	bg idle "$PY" "$HELPERS/limits_client.py" idle "$PORT" --n 3 \
	    --source 127.0.0.3 --answers 1 --ready-file "$T/idle.ready" \
	    --timeout 60
	local idle=$BG_PID
	wait_for 10 test -e "$T/idle.ready"
	[ "$(cat "$T/idle.ready")" = \
	    "connected=3 503=1 other=0 eof=0 reset=0 silent=2" ]
	run lc rtt "$PORT" --source 127.0.0.4
	[ "$output" = "status=HTTP/1.1 503 Service Unavailable" ]
	log_has "$T/server.log" \
	    "503 Service Unavailable: --max-connections reached"
	# the idle ones go: upgrades go through again
	kill "$idle"
	wait_for 10 eval 'lc rtt "$PORT" --source 127.0.0.4 | grep -q "^echo=ok"'
}

@test "--max-connections 4: two WebSocket connections and two idle sockets fill it; the next connection gets 503 before it sends a byte" {
	start_hashecho
	start_server --max-connections 4
	bg hold "$PY" "$HELPERS/stress.py" hold "$PORT" --n 2 \
	    --ready-file "$T/held" --timeout 60
	wait_for 10 test -e "$T/held"
	bg idle "$PY" "$HELPERS/limits_client.py" idle "$PORT" --n 2 \
	    --source 127.0.0.3 --answers 0 --ready-file "$T/idle.ready" \
	    --timeout 60
	wait_for 10 test -e "$T/idle.ready"
	[ "$(cat "$T/idle.ready")" = \
	    "connected=2 503=0 other=0 eof=0 reset=0 silent=2" ]
	run lc idle "$PORT" --n 1 --source 127.0.0.4 --answers 1 --timeout 5
	echo "$output"
	[ "${lines[0]}" = "connected=1 503=1 other=0 eof=0 reset=0 silent=0" ]
	run stress burst "$PORT" --n 5
	[ "$output" = "statuses=503:5 retry_after=5" ]
	# none of them reached the backend
	[ "$(grep -c ' accept$' "$BACKEND_LOG")" -eq 2 ]
}

@test "--workers 4 --max-connections-per-ip 1: one connection per address for the whole server" {
	start_hashecho
	start_workers 4 --max-connections-per-ip 1
	bg hold "$PY" "$HELPERS/stress.py" hold "$PORT" --n 1 \
	    --ready-file "$T/held" --timeout 60
	wait_for 10 test -e "$T/held"
	run stress burst "$PORT" --n 20
	echo "$output"
	opens_by_worker
	[ "$output" = "statuses=503:20 retry_after=20" ]
	bg hold2 "$PY" "$HELPERS/stress.py" hold "$PORT" --n 1 \
	    --source 127.0.0.2 --ready-file "$T/held2" --timeout 60
	wait_for 10 test -e "$T/held2"
	run stress burst "$PORT" --n 20 --source 127.0.0.2
	[ "$output" = "statuses=503:20 retry_after=20" ]
	[ "$(grep -c ' accept$' "$BACKEND_LOG")" -eq 2 ]
}

@test "--workers 4 --max-connections 2: two for the whole server, SIGHUP changes nothing, and the slots come back" {
	start_hashecho
	# a token file only so that each worker logs its SIGHUP
	: >"$T/tokens"
	start_workers 4 --max-connections 2 --token-file "$T/tokens"
	bg hold "$PY" "$HELPERS/stress.py" hold "$PORT" --n 2 \
	    --ready-file "$T/held" --timeout 60
	local hold=$BG_PID
	wait_for 10 test -e "$T/held"
	run stress burst "$PORT" --n 20
	echo "$output"
	opens_by_worker
	[ "$output" = "statuses=503:20 retry_after=20" ]
	local before
	before=$(grep -c 'token(s)$' "$T/server.log" || true)
	kill -HUP "$SERVER_PID"
	wait_for 10 eval '[ "$(grep -c "token(s)$" "$T/server.log")" -eq $(( before + 4 )) ]'
	run stress burst "$PORT" --n 20
	[ "$output" = "statuses=503:20 retry_after=20" ]
	kill "$hold"
	wait_for 10 eval '[ "$(grep -c " close peer=" "$T/server.log")" -eq 2 ]'
	# both slots are free again, and only both
	run stress hold "$PORT" --n 2 --ready-file "$T/again" --timeout 0.1
	[ "$output" = "holding 2" ]
	wait_for 10 eval '[ "$(grep -c " close peer=" "$T/server.log")" -eq 4 ]'
	bg hold2 "$PY" "$HELPERS/stress.py" hold "$PORT" --n 2 \
	    --ready-file "$T/held2" --timeout 60
	wait_for 10 test -e "$T/held2"
	run stress burst "$PORT" --n 5
	[ "$output" = "statuses=503:5 retry_after=5" ]
}

@test "--workers 4 --max-forks 1: one program for the whole server" {
	start_prog --workers 4 --max-forks 1 --log-level debug -- cat
	wait_for 10 eval '[ "$(worker_pids | wc -l)" -eq 4 ]'
	bg client "$PY" "$HELPERS/prog_client.py" talk "$PORT" --send one \
	    --expect 1 --ready-file "$T/ready" --hold-file "$T/go" --end close
	wait_for 10 test -f "$T/ready"
	run stress burst "$PORT" --n 20
	echo "$output"
	# (a --max-forks refusal carries no Retry-After)
	[ "$output" = "statuses=503:20 retry_after=0" ]
	[ "$(grep -c ': #[0-9]* started cat, pid ' "$T/server.log")" -eq 1 ]
	touch "$T/go"
	wait_for 5 log_has "$T/client.out" "tcp_closed=True"
	# the one slot is free again, wherever the next connection lands
	wait_for 10 eval 'pc talk "$PORT" --send two --expect 1 --end close |
	    grep -q "^text \"two\""'
}

@test "a worker killed with SIGKILL leaves no connection counted behind (--workers 4 --max-connections 3)" {
	start_hashecho
	start_workers 4 --max-connections 3
	bg hold "$PY" "$HELPERS/stress.py" hold "$PORT" --n 3 \
	    --ready-file "$T/held" --timeout 60
	wait_for 10 test -e "$T/held"
	run stress burst "$PORT" --n 5
	[ "$output" = "statuses=503:5 retry_after=5" ]
	# the worker with the most of the three dies with them
	local victim k
	read -r victim k < <(opens_by_worker | sort -k2 -n -r | head -1)
	note "killing worker $victim, which holds $k of the 3 connections"
	kill -KILL "$victim"
	wait_for 10 log_has "$T/server.log" "worker $victim killed by signal 9"
	# exactly k come back
	run stress hold "$PORT" --n "$k" --ready-file "$T/again" --timeout 0.1
	echo "$output"
	[ "$output" = "holding $k" ]
	bg hold2 "$PY" "$HELPERS/stress.py" hold "$PORT" --n "$k" \
	    --ready-file "$T/held2" --timeout 60
	wait_for 10 test -e "$T/held2"
	run stress burst "$PORT" --n 5
	[ "$output" = "statuses=503:5 retry_after=5" ]
}

@test "a worker killed with SIGKILL leaves no program counted behind (--workers 2 --max-forks 1)" {
	start_prog --workers 2 --max-forks 1 --log-level debug -- cat
	wait_for 10 eval '[ "$(worker_pids | wc -l)" -eq 2 ]'
	bg client "$PY" "$HELPERS/prog_client.py" talk "$PORT" --send one \
	    --expect 1 --ready-file "$T/ready" --hold-file "$T/go" --end close
	wait_for 10 test -f "$T/ready"
	run upgrade_status
	[ "$output" = "HTTP/1.1 503 Service Unavailable" ]
	local victim
	victim=$(untimed "$T/server.log" |
	    sed -n 's/^wsbridge\[\([0-9]*\)\]: debug: #[0-9]* started cat.*/\1/p' |
	    head -1)
	[ -n "$victim" ]
	kill -KILL "$victim"
	wait_for 10 log_has "$T/server.log" "worker $victim killed by signal 9"
	# its program saw its stdin close and ended; the slot is free
	wait_for 10 eval 'pc talk "$PORT" --send two --expect 1 --end close |
	    grep -q "^text \"two\""'
}

@test "PROXY listener, --max-connections-per-ip 1: counted under the header's source, the proxy's own idle sockets under no address" {
	start_hashecho
	start_wsbridge --listen 127.0.0.1:0,proxy \
	    --connect "127.0.0.1:$BACKEND_PORT" --max-connections-per-ip 1
	# sockets that have sent no header yet are the proxy's: not refused
	bg idle "$PY" "$HELPERS/limits_client.py" idle "$PORT" --n 3 \
	    --answers 0 --ready-file "$T/idle.ready" --timeout 60
	wait_for 10 test -e "$T/idle.ready"
	[ "$(cat "$T/idle.ready")" = \
	    "connected=3 503=0 other=0 eof=0 reset=0 silent=3" ]
	bg one "$PY" "$HELPERS/limits_client.py" status "$PORT" \
	    --proxy-src 198.51.100.9 --hold 60 --ready-file "$T/one" \
	    --timeout 70
	wait_for 10 test -e "$T/one"
	[ "$(cat "$T/one")" = "HTTP/1.1 101 Switching Protocols" ]
	run lc status "$PORT" --proxy-src 198.51.100.9
	[ "$output" = "status=HTTP/1.1 503 Service Unavailable" ]
	run lc status "$PORT" --proxy-src 198.51.100.10
	[ "$output" = "status=HTTP/1.1 101 Switching Protocols" ]
	log_has "$T/server.log" \
	    "peer=198\.51\.100\.9:40000 503 Service Unavailable: --max-connections-per-ip reached \(1 from 198\.51\.100\.9\)$"
}

@test "--trust-proxy, --max-connections-per-ip 1: counted under X-Forwarded-For, the proxy's own idle sockets under no address" {
	start_hashecho
	start_server --trust-proxy 127.0.0.1/32 --max-connections-per-ip 1
	bg idle "$PY" "$HELPERS/limits_client.py" idle "$PORT" --n 4 \
	    --answers 0 --ready-file "$T/idle.ready" --timeout 60
	wait_for 10 test -e "$T/idle.ready"
	[ "$(cat "$T/idle.ready")" = \
	    "connected=4 503=0 other=0 eof=0 reset=0 silent=4" ]
	bg one "$PY" "$HELPERS/limits_client.py" status "$PORT" \
	    --xff 203.0.113.9 --hold 60 --ready-file "$T/one" --timeout 70
	wait_for 10 test -e "$T/one"
	[ "$(cat "$T/one")" = "HTTP/1.1 101 Switching Protocols" ]
	run lc status "$PORT" --xff 203.0.113.9
	[ "$output" = "status=HTTP/1.1 503 Service Unavailable" ]
	run lc status "$PORT" --xff 203.0.113.10
	[ "$output" = "status=HTTP/1.1 101 Switching Protocols" ]
	log_has "$T/server.log" \
	    "peer=203\.0\.113\.9 503 Service Unavailable: --max-connections-per-ip reached \(1 from 203\.0\.113\.9\)$"
}
