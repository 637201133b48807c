# Goal: accepting is decided by the descriptors the server really holds, not by the number of the one just accepted: a low number handed out while many higher ones are in use never lets in more clients than there are descriptors for their backends.

load helpers
load program_helpers
load hardening_helpers

# holes PORT PID LOG PER HOLD DROP BURST: open HOLD WebSocket connections
# one after the other (so they take the descriptors in order, PER each in
# the server), close the first DROP of them and wait until the server's
# descriptors are DROP * PER fewer.  Then, while the others stay open,
# connect BURST sockets at once and wait until the server has accepted them
# all or paused accepting (a new "out of descriptors" line in LOG), so that
# every one accepted is still before its backend; only then send each an
# upgrade request.  Prints "held=H burst statuses=CODE:K,..." ("none": no
# answer within 3 s, still in the listen queue), then closes everything.
holes() {
	timeout 60 "$PY" - "$HELPERS" "$@" <<'EOF'
import os, selectors, socket, sys, time
sys.path.insert(0, sys.argv[1])
from wsraw import connect_ws, upgrade_request, Response

port, pid = int(sys.argv[2]), int(sys.argv[3])
log = sys.argv[4]
per, hold, drop, burst = (int(a) for a in sys.argv[5:9])

def server_fds():
	return len(os.listdir(f"/proc/{pid}/fd"))

def pauses():
	with open(log, errors="replace") as f:
		return f.read().count("out of descriptors")

def wait(cond, what):
	dl = time.monotonic() + 10
	while not cond():
		if time.monotonic() > dl:
			print(f"{what}: server has {server_fds()} descriptors")
			sys.exit(1)
		time.sleep(0.02)

held = []
for i in range(hold):
	held.append(connect_ws("127.0.0.1", port))
before = server_fds()
for ws in held[:drop]:
	ws.sock.close()
wait(lambda: server_fds() <= before - per * drop, "closing")

before, paused = server_fds(), pauses()
socks = [socket.create_connection(("127.0.0.1", port), timeout=5)
    for i in range(burst)]
wait(lambda: server_fds() >= before + burst or pauses() > paused,
    "accepting")
req = upgrade_request(host_header=f"127.0.0.1:{port}")[0]
sel = selectors.DefaultSelector()
got = {}
for s in socks:
	s.sendall(req)
	s.setblocking(False)
	got[s] = bytearray()
	sel.register(s, selectors.EVENT_READ)
dl = time.monotonic() + 3
while sel.get_map() and time.monotonic() < dl:
	for key, _ in sel.select(0.1):
		s = key.fileobj
		try:
			b = s.recv(65536)
		except OSError:
			b = b""
		got[s] += b
		if not b or b"\r\n\r\n" in got[s]:
			sel.unregister(s)
counts = {}
for raw in got.values():
	r = Response(bytes(raw).split(b"\r\n\r\n")[0] + b"\r\n\r\n") \
	    if b"\r\n\r\n" in raw else None
	code = str(r.status) if r is not None else "none"
	counts[code] = counts.get(code, 0) + 1
print(f"held={hold - drop} burst statuses=" +
    ",".join(f"{k}:{v}" for k, v in sorted(counts.items())))
for s in got:
	s.close()
for ws in held[drop:]:
	ws.sock.close()
EOF
}

@test "ulimit -n 64: low descriptors freed while higher ones stay in use: a burst gets 101, 503 or waits, never a 502 'Too many open files'" {
	start_hashecho
	local real=$WSBRIDGE
	WSBRIDGE=bash start_wsbridge -c 'ulimit -n 64 && exec "$0" "$@"' \
	    "$real" --listen 127.0.0.1:0 --connect "127.0.0.1:$BACKEND_PORT"
	grep -Eq "open files +64 " "/proc/$SERVER_PID/limits"
	fd_baseline
	note "server descriptors at start: $FD_BASE"
	# 20 connections hold 40 descriptors above the baseline; the first
	# 12 go, leaving their 24 low descriptors free under 16 still held.
	run holes "$PORT" "$SERVER_PID" "$T/server.log" 2 20 12 24
	echo "$output"
	note "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "held=8 burst statuses="* ]]
	# every answer is 101 or 503 (or none: still in the listen queue)
	local st=${output#*statuses=}
	[[ ",$st" != *,502:* ]]
	[ -z "$(echo "$st" | tr ',' '\n' | grep -Ev '^(101|503|none):')" ]
	# and some of the burst did get in
	[[ ",$st" == *,101:* ]]
	if log_has "$T/server.log" "Too many open files"; then false; fi
	if log_has "$T/server.log" "502 Bad Gateway"; then false; fi
	# afterwards, with everything closed: clients echo, nothing leaked
	wait_for 20 eval 'stress rtt "$PORT" --timeout 3 >/dev/null 2>&1'
	still_echoes
	no_leak
}

@test "ulimit -n 64, a program per connection: low descriptors freed while higher ones stay in use: a burst gets 101, 503 or waits, never a 500 or 502" {
	local real=$WSBRIDGE
	WSBRIDGE=bash start_wsbridge -c 'ulimit -n 64 && exec "$0" "$@"' \
	    "$real" --listen 127.0.0.1:0 -- cat
	grep -Eq "open files +64 " "/proc/$SERVER_PID/limits"
	fd_baseline
	# client, stdin, stdout, stderr: 4 each.  10 connections hold 40
	# descriptors; the first 6 go, leaving 24 low ones free under 16
	# still held.
	run holes "$PORT" "$SERVER_PID" "$T/server.log" 4 10 6 12
	echo "$output"
	note "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "held=4 burst statuses="* ]]
	local st=${output#*statuses=}
	[ -z "$(echo "$st" | tr ',' '\n' | grep -Ev '^(101|503|none):')" ]
	[[ ",$st" == *,101:* ]]
	if log_has "$T/server.log" "Too many open files"; then false; fi
	if log_has "$T/server.log" " 50[02] "; then false; fi
	wait_for 20 eval 'pc status "$PORT" 2>/dev/null | grep -q "^HTTP/1.1 101"'
	no_leak
	wait_for 10 no_children "$SERVER_PID"
}
