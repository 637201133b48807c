# Goal: client payload never outgrows the room the receive path made for it: under every subprotocol, with backends and programs that read slower than the client sends.

load helpers

# expected_sha SIZE COUNT: sha256 of COUNT copies of wsraw's flood payload
expected_sha() {
	"$PY" - "$HELPERS" "$1" "$2" <<'PY'
import hashlib, sys
sys.path.insert(0, sys.argv[1])
from wsraw import pattern
h = hashlib.sha256()
d = pattern(int(sys.argv[2]), 3)
for _ in range(int(sys.argv[3])):
	h.update(d)
print(h.hexdigest())
PY
}

@test "base64 subprotocol, binary 1 MB frames, slow TCP backend: 1003, server unharmed" {
	start_backend slow
	start_server
	run wsraw flood "$PORT" --protocol base64 --size 1048576 --count 8
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "close=1003 "*"reason=binary message under the base64 subprotocol" ]]
	kill -0 "$SERVER_PID"
	# nothing of the binary messages reached the backend
	wait_for 10 log_has "$BACKEND_LOG" "^conn 1 EOF after 0 bytes"
	# and the server still serves
	run wsraw flood "$PORT" --protocol base64 --base64 --size 1000 --count 1
	[[ "$output" == "close=1000 "* ]]
}

@test "base64 subprotocol, binary frames, backend that never reads: 1003" {
	start_backend hold
	start_server
	run wsraw flood "$PORT" --protocol base64 --size 1048576 --count 8
	echo "$output"
	[[ "$output" == "close=1003 "* ]]
	kill -0 "$SERVER_PID"
}

@test "base64 subprotocol, binary 1 MB frames, slow program: 1003, server unharmed" {
	start_wsbridge --listen 127.0.0.1:0 --binary -- \
	    "$PY" -c 'import sys, time
while sys.stdin.buffer.read(4096):
	time.sleep(0.005)'
	run wsraw flood "$PORT" --protocol base64 --size 1048576 --count 8
	echo "$output"
	[[ "$output" == "close=1003 "*"reason=binary message under the base64 subprotocol" ]]
	kill -0 "$SERVER_PID"
}

@test "base64 subprotocol, 8 MB of base64 text to a slow backend: every byte, in order" {
	start_backend slow
	start_server
	run wsraw flood "$PORT" --protocol base64 --base64 --size 1048576 --count 8
	echo "$output"
	[[ "$output" == "close=1000 sent=8 "* ]]
	sha=$(expected_sha 1048576 8)
	wait_for 30 log_has "$BACKEND_LOG" "^conn 1 EOF after 8388608 bytes sha256=$sha"
}

@test "no subprotocol, 8 MB binary and text to a slow backend: every byte, in order" {
	start_backend slow
	start_server
	run wsraw flood "$PORT" --size 1048576 --count 8
	[[ "$output" == "close=1000 sent=8 "* ]]
	sha=$(expected_sha 1048576 8)
	wait_for 30 log_has "$BACKEND_LOG" "^conn 1 EOF after 8388608 bytes sha256=$sha"
}

@test "binary subprotocol, 8 MB to a slow program: every byte, in order" {
	start_wsbridge --listen 127.0.0.1:0 --binary -- \
	    "$PY" -c 'import hashlib, sys, time
h = hashlib.sha256(); n = 0
while True:
	b = sys.stdin.buffer.read1(4096)
	if not b: break
	h.update(b); n += len(b); time.sleep(0.001)
open(sys.argv[1], "w").write(f"{n} {h.hexdigest()}\n")' "$T/prog.sum"
	run wsraw flood "$PORT" --protocol binary --size 1048576 --count 8
	echo "$output"
	[[ "$output" == "close="*" sent=8 "* ]]
	sha=$(expected_sha 1048576 8)
	wait_for 30 test -s "$T/prog.sum"
	[ "$(cat "$T/prog.sum")" = "8388608 $sha" ]
}
