# program_helpers.bash - for tests/bats/6x-program*.bats, on top of
# helpers.bash: the program-mode client, process-table and /proc checks.

# teardown: helpers.bash's, and then the process groups of programs the
# server still had are killed: a server that had to be killed with SIGKILL
# leaves its programs behind (their own groups, reparented to init).
eval "helpers_$(declare -f teardown)"
teardown() {
	local p groups=()
	if [ -n "${SERVER_PID:-}" ]; then
		for p in $(children "$SERVER_PID"); do
			groups+=("$p")
		done
	fi
	helpers_teardown
	for p in "${groups[@]}"; do
		kill -KILL -- "-$p" 2>/dev/null || true
	done
}

# start_prog ARGS...: the server on 127.0.0.1:0 in program mode with ARGS
# (options, then "-- PROGRAM ARGS..." or "--dir DIR").
start_prog() {
	start_wsbridge --listen 127.0.0.1:0 "$@"
}

# start_prog_fds KEEP ARGS...: start_prog, with every descriptor above 2 but
# those in KEEP (comma-separated, may be empty) closed in the server first.
start_prog_fds() {
	local keep=$1 real=$WSBRIDGE; shift
	WSBRIDGE=$PY start_wsbridge "$HELPERS/closefds_exec.py" "$keep" \
	    "$real" --listen 127.0.0.1:0 "$@"
}

# pc CMD PORT ARGS...: tests/helpers/prog_client.py, bounded in time.
pc() {
	timeout 60 "$PY" "$HELPERS/prog_client.py" "$@"
}

# pws ARGS...: tests/helpers/prog_ws.js (the npm "ws" client).
pws() {
	NODE_PATH=$ROOT/tests/node_modules timeout 60 node \
	    "$HELPERS/prog_ws.js" "$@"
}

# script NAME BODY: an executable file $T/NAME holding BODY.
script() {
	printf '%s\n' "$2" >"$T/$1"
	chmod +x "$T/$1"
}

# upgrade_status [PATH...]: the status line the server answers to an upgrade
# request for PATH (default /); for several, "PATH -> STATUS LINE" each.
upgrade_status() {
	pc status "$PORT" "$@"
}

# expect_output EXPECTED: $output must be EXPECTED exactly; else a diff.
expect_output() {
	if [ "$output" != "$1" ]; then
		echo "----- output differs (- expected, + actual)"
		diff -u <(printf '%s\n' "$1") <(printf '%s\n' "$output") |
		    tail -n +3
		return 1
	fi
}

# children PID: the PIDs of PID's children, one a line.
children() {
	ps -o pid= --ppid "$1" | tr -d ' '
}

# nchildren PID: how many.
nchildren() {
	children "$1" | grep -c . || true
}

# no_children PID: true when PID has no child (running or zombie).
no_children() {
	[ "$(nchildren "$1")" -eq 0 ]
}

# has_children PID N: true when PID has exactly N children.
has_children() {
	[ "$(nchildren "$1")" -eq "$2" ]
}

# zombies PID: the stat of PID's children in state Z (none: empty).
zombies() {
	ps -o stat= --ppid "$1" | grep Z || true
}

# fd_count PID: open descriptors of PID.
fd_count() {
	ls "/proc/$1/fd" | wc -l
}

# fd_count_is PID N
fd_count_is() {
	[ "$(fd_count "$1")" -eq "$2" ]
}

# the_child: wait until the server has exactly one child; set CHILD.
the_child() {
	wait_for 10 has_children "$SERVER_PID" 1
	CHILD=$(children "$SERVER_PID")
}

# pgid PID
pgid() {
	ps -o pgid= -p "$1" | tr -d ' '
}

# group_gone PGID: no process left in the process group.
group_gone() {
	! pgrep -g "$1" >/dev/null
}

# wchar PID: bytes PID has written so far (/proc/PID/io).
wchar() {
	awk '$1 == "wchar:" { print $2 }' "/proc/$1/io"
}

# stalled PID: true once PID's written byte count has not moved for 0.5 s
# (it is blocked on a full pipe).  Polled by wait_for.
stalled() {
	local now last=$T/wchar.last
	now=$(wchar "$1") || return 1
	if [ -f "$last" ] && [ "$(head -1 "$last")" = "$now" ] &&
	    [ $(( $(now_us) - $(tail -1 "$last") )) -ge 500000 ]; then
		return 0
	fi
	if [ ! -f "$last" ] || [ "$(head -1 "$last")" != "$now" ]; then
		printf '%s\n%s\n' "$now" "$(now_us)" >"$last"
	fi
	return 1
}

# conn_id PATH_REGEX: the #ID of the connection whose open line matches.
conn_id() {
	sed -En "s|^${LOG_TS}wsbridge: info: #([0-9]*) open .*path=$1 .*|\1|p" \
	    "$T/server.log" | head -1
}
