# Goal: Unix sockets on both sides: a backend whose accept queue is full is a failed connect (502), and a unix: listener never takes the path of a live server nor removes a file that is not a socket.

load helpers
load front_helpers

# upgrade: an upgrade request for / on stdin of the raw client.
upgrade() {
	wsraw http "$PORT" < <("$PY" -c '
import sys; sys.path.insert(0, sys.argv[1])
from wsraw import upgrade_request
sys.stdout.buffer.write(upgrade_request()[0])' "$HELPERS")
}

# full_listener PATH: a Unix socket at PATH that listens with a backlog of
# 0, fills it itself and never accepts; waits until it is full.
full_listener() {
	bg full "$PY" -c '
import socket, sys, time
path, ready = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.bind(path)
s.listen(0)
held = []
while True:
	c = socket.socket(socket.AF_UNIX)
	c.setblocking(False)
	try:
		c.connect(path)
	except BlockingIOError:
		break
	held.append(c)
open(ready, "w").write("queued %d\n" % len(held))
time.sleep(60)' "$1" "$T/full.ready"
	wait_for 10 test -s "$T/full.ready"
}

# second ARGS...: another wsbridge with ARGS, bounded in time; sets status,
# and output to its stderr (stdout must stay empty).
second() {
	local rc=0
	timeout 5 "$WSBRIDGE" "$@" >"$T/second.out" 2>"$T/second.err" 3>&- ||
	    rc=$?
	status=$rc
	output=$(cat "$T/second.err")
	echo "second: status $status, stderr:"
	cat "$T/second.err"
	[ ! -s "$T/second.out" ]
}

@test "Unix backend with a full accept queue: 502 and one warn line, not a connection that goes nowhere" {
	full_listener "$T/full.sock"
	cat "$T/full.ready"
	start_wsbridge --listen 127.0.0.1:0 --connect "unix:$T/full.sock"
	run upgrade
	echo "$output"
	[ "$(head -n 1 <<<"$output" | tr -d '\r')" = "HTTP/1.1 502 Bad Gateway" ]
	wait_for 5 log_has "$T/server.log" "^${LOG_TS}wsbridge: warn: #1 "
	cat "$T/server.log"
	[ "$(grep -Ec "^${LOG_TS}wsbridge: warn: " "$T/server.log")" -eq 1 ]
	grep -Eq "^${LOG_TS}wsbridge: warn: #1 peer=.* 502 Bad Gateway: connect to unix:$T/full.sock: its accept queue is full\$" \
	    "$T/server.log"
	! log_has "$T/server.log" ' open peer=' || false
}

@test "--listen unix:PATH where a server listens: exit 2, one line naming the path; the running one keeps its socket" {
	start_backend echo
	start_wsbridge --listen "unix:$T/ws.sock" \
	    --connect "127.0.0.1:$BACKEND_PORT"
	local first=$SERVER_PID ino
	ino=$(stat -c %i "$T/ws.sock")
	second --listen "unix:$T/ws.sock" --connect "127.0.0.1:$BACKEND_PORT"
	[ "$status" -eq 2 ]
	[ "$output" = "wsbridge: listen unix:$T/ws.sock: a server is already listening there" ]
	[ -S "$T/ws.sock" ]
	[ "$(stat -c %i "$T/ws.sock")" = "$ino" ]
	kill -0 "$first"
	run fc lines "unix:$T/ws.sock" --send hello --count 1
	echo "$output"
	[ "$output" = "binary hello" ]
}

@test "--listen unix:PATH where a server listens with a full accept queue: refused all the same" {
	full_listener "$T/busy.sock"
	local ino
	ino=$(stat -c %i "$T/busy.sock")
	second --listen "unix:$T/busy.sock" --connect 127.0.0.1:1
	[ "$status" -eq 2 ]
	[ "$output" = "wsbridge: listen unix:$T/busy.sock: a server is already listening there" ]
	[ "$(stat -c %i "$T/busy.sock")" = "$ino" ]
}

@test "--listen unix:PATH: the socket left by a killed server is replaced" {
	start_backend echo
	start_wsbridge --listen "unix:$T/ws.sock" \
	    --connect "127.0.0.1:$BACKEND_PORT"
	kill -KILL "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 5
	[ -S "$T/ws.sock" ]
	start_wsbridge --listen "unix:$T/ws.sock" \
	    --connect "127.0.0.1:$BACKEND_PORT"
	run fc lines "unix:$T/ws.sock" --send again --count 1
	echo "$output"
	[ "$output" = "binary again" ]
}

@test "--listen unix:PATH on a file that is not a socket: exit 2, one line, the file left alone" {
	printf 'precious\n' >"$T/data"
	second --listen "unix:$T/data" --connect 127.0.0.1:1
	[ "$status" -eq 2 ]
	[ "$output" = "wsbridge: listen unix:$T/data: exists and is not a socket" ]
	[ "$(cat "$T/data")" = precious ]
	mkdir "$T/dir"
	second --listen "unix:$T/dir" --connect 127.0.0.1:1
	[ "$status" -eq 2 ]
	[ "$output" = "wsbridge: listen unix:$T/dir: exists and is not a socket" ]
	[ -d "$T/dir" ]
}
