# helpers.bash - shared by tests/bats/*.bats: a temp dir per test, servers and
# backends on free loopback ports, waits on conditions with deadlines, cleanup
# by PID, logs printed when a test fails.

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
WSBRIDGE=${WSBRIDGE:-$ROOT/wsbridge}
HELPERS=$ROOT/tests/helpers
PY=/usr/bin/python3		# Debian's python, with python3-websockets

# LOG_TS: the time that starts each server log line (an ERE; the server's
# stderr is a file here, not the journal).
LOG_TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z '

# Every test is bounded (bats >= 1.7 kills a test running longer).
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-90}

PIDS=()			# background processes to end in teardown
T=			# this test's temp dir

setup() {
	T=$BATS_TEST_TMPDIR
	need_server
}

# need_server: fail, not skip, without the server binary under test.
need_server() {
	[ -x "$WSBRIDGE" ] || { echo "no $WSBRIDGE: run make wsbridge" >&2; return 1; }
}

# need_tool COMMAND PACKAGE, need_file PATH PACKAGE: fail, not skip, when
# something a test needs is missing.  make deps installs all of it, and a
# test that quietly does not run hides a missing install.
need_tool() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "$1 is not installed (Debian package $2; make deps installs it)" >&2
	return 1
}

need_file() {
	[ -e "$1" ] && return 0
	echo "no $1 (Debian package $2; make deps installs it)" >&2
	return 1
}

# skip_env REASON: skip a test this machine cannot run for a limit of the
# machine (not a missing tool).  tests/run-suite counts these as skipped;
# any other skip is counted as a failure.
skip_env() {
	skip "environment: $1"
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait_pid_gone "$p" 5 || kill -9 "$p" 2>/dev/null
	done
	if [ "${BATS_TEST_COMPLETED:-}" != 1 ]; then
		dump_logs
	fi
}

dump_logs() {
	local f
	for f in "$T"/*.log "$T"/*.out "$T"/*.events; do
		[ -f "$f" ] || continue
		echo "----- ${f##*/} (last 60 lines)"
		tail -n 60 "$f"
	done
}

# now_us: microseconds, for deadlines.
now_us() {
	local t=${EPOCHREALTIME/./}
	echo "${t#0}"
}

# wait_for SECONDS COMMAND...: run COMMAND until it succeeds; fail at the
# deadline.  Polling, not sleeping for synchronisation: the condition decides.
wait_for() {
	local secs=$1; shift
	local end=$(( $(now_us) + ${secs%.*} * 1000000 ))
	until "$@"; do
		if [ "$(now_us)" -gt "$end" ]; then
			echo "wait_for: '$*' still false after ${secs}s" >&2
			return 1
		fi
		sleep 0.02
	done
}

# wait_pid_gone PID SECONDS: true once PID has exited.
wait_pid_gone() {
	wait_for "$2" eval "! kill -0 $1 2>/dev/null" 2>/dev/null
}

# untimed FILE: the server's log lines without the time that starts them
untimed() {
	sed -E "s/^$LOG_TS//" "$1"
}

# log_has FILE REGEX
log_has() {
	grep -Eq -- "$2" "$1" 2>/dev/null
}

# bg LOGNAME CMD...: start CMD in the background with its stdout in
# $T/LOGNAME.out and stderr in $T/LOGNAME.log; sets BG_PID.  fd 3 is closed
# for it so bats does not wait on it.
bg() {
	local name=$1; shift
	"$@" >"$T/$name.out" 2>"$T/$name.log" 3>&- &
	BG_PID=$!
	PIDS+=("$BG_PID")
}

# start_backend MODE [N] [backend.py options]: a TCP backend on a free port;
# sets BACKEND_PORT, BACKEND_PID, BACKEND_LOG ($T/backend.events).
start_backend() {
	BACKEND_LOG=$T/backend.events
	rm -f "$T/backend.port" "$BACKEND_LOG"
	bg backend "$PY" "$HELPERS/backend.py" "$@" --port-file "$T/backend.port" \
	    --log "$BACKEND_LOG" --timeout 120
	BACKEND_PID=$BG_PID
	wait_for 10 test -s "$T/backend.port"
	BACKEND_PORT=$(cat "$T/backend.port")
}

# start_backend_unix MODE PATH [options]
start_backend_unix() {
	local mode=$1 path=$2; shift 2
	BACKEND_LOG=$T/backend.events
	rm -f "$BACKEND_LOG"
	bg backend "$PY" "$HELPERS/backend.py" "$mode" "$@" --unix "$path" \
	    --log "$BACKEND_LOG" --timeout 120
	BACKEND_PID=$BG_PID
	wait_for 10 log_has "$BACKEND_LOG" "^listening "
}

# start_wsbridge ARGS...: run the server with exactly ARGS, stderr in
# $T/server.log; wait for its first "listening on" line and set PORT (and
# LISTEN_ADDR), SERVER_PID.
start_wsbridge() {
	"$WSBRIDGE" "$@" 2>"$T/server.log" >/dev/null 3>&- &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	wait_for 10 log_has "$T/server.log" "info: listening on " || {
		cat "$T/server.log" >&2
		return 1
	}
	# "listening on ADDR:PORT" may go on with " (TLS)" and the like; the
	# time is not there with --log-time off
	LISTEN_ADDR=$(sed -En "s/^($LOG_TS)?wsbridge: info: listening on ([^ ]*).*/\2/p" \
	    "$T/server.log" | head -1)
	PORT=${LISTEN_ADDR##*:}
}

# start_server [ARGS...]: the server on 127.0.0.1:0 in front of the backend
# started by start_backend, with more ARGS.
start_server() {
	start_wsbridge --listen 127.0.0.1:0 --connect "127.0.0.1:$BACKEND_PORT" \
	    "$@"
}

# wsraw CMD ARGS...: the raw client, bounded in time.
wsraw() {
	timeout 60 "$PY" "$HELPERS/wsraw.py" "$@"
}

# http_status: the status line of the answer to the request on stdin.
http_status() {
	wsraw http "$PORT" | head -n 1 | tr -d '\r'
}

# asan_build: true when WSBRIDGE is a sanitizer build (slower, bigger RSS).
asan_build() {
	case $WSBRIDGE in
	*asan*) return 0 ;;
	esac
	nm -D "$WSBRIDGE" 2>/dev/null | grep -q __asan_init
}

# rss_kb PID FIELD: VmRSS or VmHWM in kB from /proc.
rss_kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# note TEXT: a comment line in the TAP output.
note() {
	echo "# $*" >&3
}
