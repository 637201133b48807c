# hardening_helpers.bash - for tests/bats/8x-*.bats, on top of helpers.bash
# and program_helpers.bash: tests/helpers/stress.py, the bench tools, CPU
# time, descriptor and zombie checks after a fault.

# stress CMD PORT ARGS...: tests/helpers/stress.py, bounded in time.
stress() {
	timeout 120 "$PY" "$HELPERS/stress.py" "$@"
}

# bench_tools: build bench/wsload and bench/echod if needed (fail when they
# cannot be built); sets WSLOAD and ECHOD.
bench_tools() {
	WSLOAD=$ROOT/bench/wsload
	ECHOD=$ROOT/bench/echod
	if [ ! -x "$WSLOAD" ] || [ ! -x "$ECHOD" ] ||
	    [ "$ROOT/bench/wsload.c" -nt "$WSLOAD" ] ||
	    [ "$ROOT/bench/echod.c" -nt "$ECHOD" ]; then
		make -s -C "$ROOT/bench" wsload echod >"$T/bench-build.log" \
		    2>&1 || { cat "$T/bench-build.log"; return 1; }
	fi
}

# start_echod: bench/echod (epoll, no thread per connection) on a free
# port; sets BACKEND_PORT, BACKEND_PID.
start_echod() {
	bg echod "$ECHOD" 0 127.0.0.1
	BACKEND_PID=$BG_PID
	wait_for 10 test -s "$T/echod.out"
	BACKEND_PORT=$(sed -n 's/^echod: listening on .*:\([0-9]*\)$/\1/p' \
	    "$T/echod.out")
	[ -n "$BACKEND_PORT" ]
}

# start_hashecho: stress.py's one-thread echo backend that logs the sha256
# of each direction; sets BACKEND_PORT, BACKEND_PID, BACKEND_LOG.
start_hashecho() {
	BACKEND_LOG=$T/backend.events
	rm -f "$T/backend.port" "$BACKEND_LOG"
	bg backend "$PY" "$HELPERS/stress.py" hashecho --port-file \
	    "$T/backend.port" --log "$BACKEND_LOG" --timeout 150
	BACKEND_PID=$BG_PID
	wait_for 10 test -s "$T/backend.port"
	BACKEND_PORT=$(cat "$T/backend.port")
}

# cpu_ticks PID: user + system time of PID in clock ticks (/proc/PID/stat
# fields 14 and 15; the command name may hold spaces, so cut after ')').
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# fd_baseline: remember the server's descriptor count now (FD_BASE).
fd_baseline() {
	FD_BASE=$(fd_count "$SERVER_PID")
}

# no_leak: the server's descriptors go back to FD_BASE and it has no
# zombie child; a descriptor left open fails after 10 s.
no_leak() {
	wait_for 10 fd_count_is "$SERVER_PID" "$FD_BASE" || {
		echo "descriptors: $(fd_count "$SERVER_PID"), baseline $FD_BASE"
		ls -l "/proc/$SERVER_PID/fd"
		return 1
	}
	[ -z "$(zombies "$SERVER_PID")" ]
}

# close_lines ID: how many close lines connection #ID has.
close_lines() {
	grep -Ec "^${LOG_TS}wsbridge: info: #$1 close " "$T/server.log" || true
}

# lines_about ID: how many log lines name connection #ID.
lines_about() {
	grep -Ec "^${LOG_TS}wsbridge: [a-z]*: #$1 " "$T/server.log" || true
}

# last_id: the id of the last connection that has an open line.
last_id() {
	sed -En "s/^${LOG_TS}wsbridge: info: #([0-9]*) open .*/\1/p" "$T/server.log" |
	    tail -1
}

# one_close_line ID CODE: connection #ID was logged open once and closed
# once, with CODE.
one_close_line() {
	wait_for 10 log_has "$T/server.log" "^${LOG_TS}wsbridge: info: #$1 close .* code=$2 "
	[ "$(close_lines "$1")" -eq 1 ]
	[ "$(grep -Ec "^${LOG_TS}wsbridge: info: #$1 open " "$T/server.log")" -eq 1 ]
}

# still_echoes: a normal client gets its echo (the server survived).
still_echoes() {
	run stress rtt "$PORT"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "echo=ok "* ]]
}

# elapsed_since US: seconds (with 2 decimals) since now_us was US.
elapsed_since() {
	local d=$(( $(now_us) - $1 ))
	printf '%d.%02d\n' $(( d / 1000000 )) $(( d % 1000000 / 10000 ))
}
