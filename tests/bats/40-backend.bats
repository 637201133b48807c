# Goal: the backend side: Unix sockets, refused connections (502), EOF and resets from the backend, client disconnects, SIGTERM, and the open/close log lines.

load helpers

# field NAME LINE: the value of NAME= in a log line
field() {
	sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"
}

@test "Unix-socket backend: echo through unix:/path" {
	start_backend_unix echo "$T/be.sock"
	start_wsbridge --listen 127.0.0.1:0 --connect "unix:$T/be.sock"
	run wsraw echo "$PORT" --size 100000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"echo ok 100000 bytes"* ]]
	wait_for 5 log_has "$BACKEND_LOG" "EOF after 100000 bytes"
}

@test "backend down -> HTTP/1.1 502 Bad Gateway and a warn line" {
	# a port that was just free: bind, note, close
	local port
	port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	start_wsbridge --listen 127.0.0.1:0 --connect "127.0.0.1:$port"
	run wsraw http "$PORT" < <("$PY" -c '
import sys; sys.path.insert(0, sys.argv[1])
from wsraw import upgrade_request
sys.stdout.buffer.write(upgrade_request()[0])' "$HELPERS")
	echo "$output"
	[ "$(head -n 1 <<<"$output" | tr -d '\r')" = "HTTP/1.1 502 Bad Gateway" ]
	wait_for 5 log_has "$T/server.log" "^${LOG_TS}wsbridge: warn: #[0-9]+ .*502"
}

@test "Unix-socket backend missing -> 502" {
	start_wsbridge --listen 127.0.0.1:0 --connect "unix:$T/nobody.sock"
	run wsraw http "$PORT" < <("$PY" -c '
import sys; sys.path.insert(0, sys.argv[1])
from wsraw import upgrade_request
sys.stdout.buffer.write(upgrade_request()[0])' "$HELPERS")
	[ "$(head -n 1 <<<"$output" | tr -d '\r')" = "HTTP/1.1 502 Bad Gateway" ]
}

@test "backend pushes 8 MiB and closes -> client gets every byte, then close 1000" {
	start_backend push 8388608
	start_server
	run wsraw recv "$PORT"
	echo "$output"
	[ "$status" -eq 0 ]
	wait_for 10 log_has "$BACKEND_LOG" "sent 8388608 bytes"
	local sha
	sha=$(sed -n 's/.*sent 8388608 bytes sha256=//p' "$BACKEND_LOG")
	[[ "$output" == *"bytes=8388608 sha256=$sha close=1000 tcp_closed=True odd=0"* ]]
	wait_for 5 log_has "$T/server.log" "close .* code=1000 by=backend"
}

@test "backend closes right after accept -> close 1000" {
	start_backend close
	start_server
	run wsraw recv "$PORT"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"bytes=0 "*"close=1000 tcp_closed=True"* ]]
}

@test "backend reset -> close 1011" {
	start_backend reset
	start_server
	run wsraw recv "$PORT" --send "trigger"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"close=1011 tcp_closed=True"* ]]
	wait_for 5 log_has "$T/server.log" "close .* code=1011 by=backend"
}

@test "client vanishes (TCP close, no close frame) -> backend gets every byte, then EOF" {
	start_backend sink
	start_server
	run wsraw send "$PORT" --bytes 4000000 --chunk 65536 --end abort
	echo "$output"
	[ "$status" -eq 0 ]
	local sha=${output##*sha256=}
	wait_for 10 log_has "$BACKEND_LOG" "EOF after 4000000 bytes sha256=$sha"
	wait_for 5 log_has "$T/server.log" "close .* rx=4000000 .*code=1006 by=client"
}

@test "client sends close -> close 1000 back, backend gets every byte, then EOF" {
	start_backend sink
	start_server
	run wsraw send "$PORT" --bytes 3000000 --chunk 100000 --end close
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"close=1000 tcp_closed=True"* ]]
	local sha
	sha=$(sed -n 's/^sent 3000000 bytes sha256=//p' <<<"$output")
	wait_for 10 log_has "$BACKEND_LOG" "EOF after 3000000 bytes sha256=$sha"
}

@test "SIGTERM -> every client gets close 1001, the server exits 0" {
	start_backend hold
	start_server
	bg client1 "$PY" "$HELPERS/wsraw.py" recv "$PORT" --ready-file "$T/r1" --timeout 20
	local c1=$BG_PID
	bg client2 "$PY" "$HELPERS/wsraw.py" recv "$PORT" --ready-file "$T/r2" --timeout 20
	local c2=$BG_PID
	wait_for 10 test -e "$T/r1"
	wait_for 10 test -e "$T/r2"
	wait_for 10 eval '[ "$(grep -c " open peer=" "$T/server.log")" -eq 2 ]'
	kill -TERM "$SERVER_PID"
	wait_pid_gone "$c1" 15
	wait_pid_gone "$c2" 15
	cat "$T/client1.out" "$T/client2.out"
	grep -q "close=1001 tcp_closed=True" "$T/client1.out"
	grep -q "close=1001 tcp_closed=True" "$T/client2.out"
	wait_pid_gone "$SERVER_PID" 15
	local rc=0
	wait "$SERVER_PID" || rc=$?
	echo "server exit status $rc"
	[ "$rc" -eq 0 ]
}

@test "SIGINT -> the client gets close 1001, the server exits 0" {
	start_backend hold
	start_server
	bg client "$PY" "$HELPERS/wsraw.py" recv "$PORT" --ready-file "$T/r" --timeout 20
	local c=$BG_PID
	wait_for 10 test -e "$T/r"
	wait_for 10 log_has "$T/server.log" " open peer="
	kill -INT "$SERVER_PID"
	wait_pid_gone "$c" 15
	cat "$T/client.out"
	grep -q "close=1001 tcp_closed=True" "$T/client.out"
	wait_pid_gone "$SERVER_PID" 15
	local rc=0
	wait "$SERVER_PID" || rc=$?
	echo "server exit status $rc"
	[ "$rc" -eq 0 ]
}

@test "one open and one close line per connection, with code and by=" {
	start_backend echo
	start_server
	run wsraw echo "$PORT" --size 123
	[ "$status" -eq 0 ]
	wait_for 5 log_has "$T/server.log" " close peer="
	run grep -E "^${LOG_TS}wsbridge: info: #[0-9]+ open " "$T/server.log"
	[ "${#lines[@]}" -eq 1 ]
	local open=${lines[0]}
	[[ "$open" =~ ^${LOG_TS}wsbridge:\ info:\ #([0-9]+)\ open\ peer=127\.0\.0\.1:[0-9]+\ path=/\ backend=127\.0\.0\.1:$BACKEND_PORT$ ]]
	local id=${BASH_REMATCH[1]}
	run grep -E "^${LOG_TS}wsbridge: info: #[0-9]+ close " "$T/server.log"
	[ "${#lines[@]}" -eq 1 ]
	local close=${lines[0]}
	echo "$close"
	[[ "$close" =~ ^${LOG_TS}wsbridge:\ info:\ #$id\ close\ peer=127\.0\.0\.1: ]]
	[ "$(field path "$close")" = / ]
	[ "$(field backend "$close")" = "127.0.0.1:$BACKEND_PORT" ]
	[ "$(field rx "$close")" = 123 ]
	[ "$(field tx "$close")" = 123 ]
	[[ "$(field time "$close")" =~ ^[0-9]+\.[0-9]{3}s$ ]]
	[ "$(field code "$close")" = 1000 ]
	[ "$(field by "$close")" = client ]
	[[ "$close" == *" reason="* ]]
}
