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

@test "10 MiB of empty final blocks cost at most 3x the CPU of 10 MiB of compressed text" {
	start_backend sink
	start_server --deflate on
	blocks data
	[[ "$OUT" == *"close=1000" ]]
	base=$TICKS
	blocks empty
	[[ "$OUT" == "sent=10488000 close=1000" ]]
	[ "$TICKS" -le $((3 * base + 10)) ]
	blocks empty-after-window
	[[ "$OUT" == *"close=1008" ]]
	[ "$TICKS" -le $((3 * base + 10)) ]
	wait_for 5 log_has "$T/server.log" "code=1008"
	kill -0 "$SERVER_PID"
}
