# Goal: backpressure bounds memory: a client that stops reading or a backend that stops reading never makes the server's RSS grow past a small bound, and no byte is lost.

load helpers

RSS_LIMIT_KB=16384		# 16 MiB
TOTAL=268435456			# 256 MiB

# asan_limit: under ASan, whose shadow memory and allocator cost a fixed
# several MiB more than our own, the bound is 12 MiB over the server's RSS
# once started (about the room the plain build has under 16 MiB).
asan_limit() {
	if asan_build; then
		RSS_LIMIT_KB=$(( $(rss_kb "$SERVER_PID" VmRSS) + 12288 ))
	fi
}

# sample_rss: VmRSS sampled over about a second while the transfer is stalled,
# then VmHWM (the peak over the whole run); sets PEAK_KB.
sample_rss() {
	local i rss max=0 hwm
	for i in $(seq 10); do
		rss=$(rss_kb "$SERVER_PID" VmRSS)
		[ "$rss" -gt "$max" ] && max=$rss
		sleep 0.1	# sampling interval, not synchronisation
	done
	hwm=$(rss_kb "$SERVER_PID" VmHWM)
	note "server VmRSS max while stalled: $max kB, VmHWM: $hwm kB (limit $RSS_LIMIT_KB kB)"
	PEAK_KB=$(( hwm > max ? hwm : max ))
}

@test "client stops reading while the backend pushes 256 MiB: RSS bounded, every byte arrives" {
	start_backend push "$TOTAL"
	start_server
	asan_limit
	bg client "$PY" "$HELPERS/wsraw.py" recv "$PORT" --ready-file "$T/ready" \
	    --wait-file "$T/go" --timeout 90
	local client=$BG_PID
	wait_for 10 test -e "$T/ready"
	# the backend's send makes no progress: every buffer on the way is full
	wait_for 30 log_has "$BACKEND_LOG" "^conn 1 stalled after [0-9]+ bytes"
	grep "stalled" "$BACKEND_LOG"
	sample_rss
	[ "$PEAK_KB" -lt "$RSS_LIMIT_KB" ]
	touch "$T/go"
	wait_pid_gone "$client" 60
	cat "$T/client.out"
	wait_for 10 log_has "$BACKEND_LOG" "sent $TOTAL bytes"
	local sha
	sha=$(sed -n "s/.*sent $TOTAL bytes sha256=//p" "$BACKEND_LOG")
	grep -q "bytes=$TOTAL sha256=$sha close=1000 tcp_closed=True odd=0" \
	    "$T/client.out"
	hwm=$(rss_kb "$SERVER_PID" VmHWM)
	note "server VmHWM after the whole transfer: $hwm kB"
	[ "$hwm" -lt "$RSS_LIMIT_KB" ]
}

@test "backend never reads while the client pushes 256 MiB: RSS bounded" {
	start_backend hold
	start_server
	asan_limit
	bg client "$PY" "$HELPERS/wsraw.py" send "$PORT" --bytes "$TOTAL" \
	    --chunk 65536 --end stall --stall 1 --ready-file "$T/stalled" \
	    --timeout 60
	wait_for 40 test -e "$T/stalled"
	cat "$T/stalled"
	grep -q "stalled=True" "$T/stalled"
	local sent
	sent=$(sed -n 's/.*sent<=\([0-9]*\).*/\1/p' "$T/stalled")
	note "client stalled after about $sent bytes"
	[ "$sent" -lt "$TOTAL" ]
	sample_rss
	[ "$PEAK_KB" -lt "$RSS_LIMIT_KB" ]
}
