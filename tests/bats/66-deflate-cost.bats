# Goal: the server's work per compressed input byte is bounded: empty final deflate blocks cost no more CPU than ordinary compressed data, and ending streams to force window copies gets a 1008.

load helpers

# cpu_ticks PID: user + system CPU time of PID in clock ticks
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# blocks KIND: send 10 MiB of compressed payload of KIND; sets OUT and the
# server's CPU ticks spent on it in TICKS
blocks() {
	local a b
	a=$(cpu_ticks "$SERVER_PID")
	OUT=$(timeout 120 "$PY" "$HELPERS/pmdraw.py" blocks "$PORT" --mib 10 \
	    --kind "$1" --timeout 100)
	b=$(cpu_ticks "$SERVER_PID")
	TICKS=$((b - a))
	note "$1: $OUT, server CPU $TICKS ticks"
}

@test "10 MiB of empty final blocks: 1008, and at most 3x the CPU of 10 MiB of compressed text" {
	start_backend sink
	start_server --deflate on
	blocks data
	[[ "$OUT" == *"close=1000" ]]
	base=$TICKS
	blocks empty
	[[ "$OUT" == *"close=1008" ]]
	[ "$TICKS" -le $((3 * base + 10)) ]
	blocks empty-after-window
	[[ "$OUT" == *"close=1008" ]]
	[ "$TICKS" -le $((3 * base + 10)) ]
	wait_for 5 log_has "$T/server.log" "code=1008"
	kill -0 "$SERVER_PID"
}

@test "deflate failing part way through a message: close 1011, nothing sent uncompressed" {
	cc -shared -fPIC -O1 -o "$T/zfail.so" "$HELPERS/zfail.c" -ldl
	# the program writes a 2000-byte message, then one of 300,000 bytes,
	# which crosses the 100,000 bytes after which deflate fails
	cat >"$T/two.sh" <<'SH'
#!/bin/sh
head -c 2000 /dev/zero | tr '\0' a
read -r go
head -c 300000 /dev/zero | tr '\0' b
sleep 5
SH
	chmod +x "$T/two.sh"
	ZFAIL_DEFLATE_AFTER=100000 LD_PRELOAD="$T/zfail.so" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    start_wsbridge --listen 127.0.0.1:0 --binary --deflate on -- "$T/two.sh"
	run timeout 30 "$PY" - "$HELPERS" "$PORT" <<'PY'
import sys, time
sys.path.insert(0, sys.argv[1])
from pmdraw import Conn, OP_CLOSE, OP_BINARY
c = Conn("127.0.0.1", int(sys.argv[2]), 20, offers=["permessage-deflate"])
deadline = time.monotonic() + 20
got = 0
m = c.recv_message(deadline)
print(f"first op={m.opcode} len={len(m.data)} compressed={m.compressed}")
c.send_message(OP_BINARY, b"go\n", compress=False)
while True:
	m = c.recv_message(deadline)
	if m.opcode == OP_CLOSE:
		print(f"close={m.close_frame.close_code()} after={got}")
		break
	got += len(m.data)
	print(f"data op={m.opcode} len={len(m.data)} compressed={m.compressed}")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(head -1 <<<"$output")" = "first op=2 len=2000 compressed=True" ]
	[[ "$(tail -1 <<<"$output")" == "close=1011 after="* ]]
	# what went out before the failure went out compressed, then nothing
	[ "$(grep -c "compressed=False" <<<"$output")" -eq 0 ]
	wait_for 5 log_has "$T/server.log" "compression failed: closing with 1011"
}
