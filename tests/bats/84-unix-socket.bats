# Goal: Unix sockets on both sides: a backend whose accept queue is full is a failed connect (502), and a unix: listener never takes the path of a live server nor removes a file that is not a socket.

load helpers

# upgrade: an upgrade request for / on stdin of the raw client.
upgrade() {
	wsraw http "$PORT" < <("$PY" -c '
import sys; sys.path.insert(0, sys.argv[1])
from wsraw import upgrade_request
sys.stdout.buffer.write(upgrade_request()[0])' "$HELPERS")
}

@test "Unix backend with a full accept queue: 502 and one warn line, not a connection that goes nowhere" {
	# listens with a backlog of 0, fills it itself and never accepts
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
time.sleep(60)' "$T/full.sock" "$T/full.ready"
	wait_for 10 test -s "$T/full.ready"
	cat "$T/full.ready"
	start_wsbridge --listen 127.0.0.1:0 --connect "unix:$T/full.sock"
	run upgrade
	echo "$output"
	[ "$(head -n 1 <<<"$output" | tr -d '\r')" = "HTTP/1.1 502 Bad Gateway" ]
	wait_for 5 log_has "$T/server.log" '^wsbridge: warn: #1 '
	cat "$T/server.log"
	[ "$(grep -c '^wsbridge: warn: ' "$T/server.log")" -eq 1 ]
	grep -q "^wsbridge: warn: #1 peer=.* 502 Bad Gateway: connect to unix:$T/full.sock: its accept queue is full\$" \
	    "$T/server.log"
	! log_has "$T/server.log" ' open peer=' || false
}
