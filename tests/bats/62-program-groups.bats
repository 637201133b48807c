# Goal: a program's whole process group is the unit: what it leaves behind when it exits is signalled and counted against --max-forks until nothing is left; descriptors 0-2 are never a socket; the master says how a worker ended.

load helpers
load program_helpers

# leftover NAME REDIRECT: a program $T/NAME that says "hi", starts a
# "sleep 1000" in the background (its stdout redirected by REDIRECT, or
# kept when empty) and exits 3; its pid and the child's go to $T/NAME.events.
leftover() {
	script "$1" '#!/bin/sh
ev=$0.events
echo "leader $$" >>"$ev"
echo hi
sleep 1000 '"$2"' &
echo "child $!" >>"$ev"
exit 3'
}

# event NAME KEY: the value logged as "KEY VALUE" in $T/NAME.events.
event() {
	sed -n "s/^$2 //p" "$T/$1.events"
}

@test "a program exits, its background child keeps stdout: close with its exit status after --close-grace, then SIGTERM to the group" {
	leftover keep.sh ""
	start_prog --close-grace 300 -- "$T/keep.sh"
	local t0 ms
	t0=$(now_us)
	run pc talk "$PORT" --timeout 10
	ms=$(( ($(now_us) - t0) / 1000 ))
	echo "$output"
	expect_output 'text "hi"
close 1011 "exit status 3"
tcp_closed=True'
	note "connection closed ${ms} ms after it opened (grace 300 ms)"
	[ "$ms" -ge 300 ]
	local leader child
	leader=$(event keep.sh leader)
	child=$(event keep.sh child)
	[ "$(pgid "$child")" = "$leader" ] || [ ! -e "/proc/$child" ]
	wait_pid_gone "$child" 5
	wait_for 5 group_gone "$leader"
	wait_for 5 no_children "$SERVER_PID"
	[ -z "$(zombies "$SERVER_PID")" ]
	! log_has "$T/server.log" "ignored SIGTERM" || false
}

@test "the client leaves while a program's leftover child ignores SIGTERM: SIGKILL to the group" {
	script deaf.sh '#!/bin/sh
ev=$0.events
echo "leader $$" >>"$ev"
echo hi
(trap "" TERM; exec sleep 1000) &
echo "child $!" >>"$ev"'
	start_prog --close-grace 200 -- "$T/deaf.sh"
	run pc talk "$PORT" --expect 1 --end close --timeout 10
	echo "$output"
	expect_output 'text "hi"
close 1000 ""
tcp_closed=True'
	local leader child
	leader=$(event deaf.sh leader)
	child=$(event deaf.sh child)
	wait_pid_gone "$child" 5
	wait_for 5 group_gone "$leader"
	wait_for 5 log_has "$T/server.log" \
	    "program $leader ignored SIGTERM: SIGKILL"
	wait_for 5 no_children "$SERVER_PID"
}

@test "a leftover child with its stdout elsewhere: the connection ends with the program, the child is signalled all the same" {
	leftover away.sh '>/dev/null'
	start_prog --close-grace 200 -- "$T/away.sh"
	run pc talk "$PORT" --timeout 10
	echo "$output"
	expect_output 'text "hi"
close 1011 "exit status 3"
tcp_closed=True'
	local leader child
	leader=$(event away.sh leader)
	child=$(event away.sh child)
	wait_pid_gone "$child" 5
	wait_for 5 group_gone "$leader"
	wait_for 5 no_children "$SERVER_PID"
}

@test "--max-forks 1: a program's group holds its slot until its last process is gone" {
	leftover slot.sh '>/dev/null'
	start_prog --max-forks 1 --close-grace 3000 -- "$T/slot.sh"
	run pc talk "$PORT" --timeout 10
	expect_output 'text "hi"
close 1011 "exit status 3"
tcp_closed=True'
	local child
	child=$(event slot.sh child)
	# the program has exited; what it started has not
	kill -0 "$child"
	run upgrade_status
	[ "$output" = "HTTP/1.1 503 Service Unavailable" ]
	wait_for 5 log_has "$T/server.log" "--max-forks 1 reached"
	# SIGTERM after the grace period empties the group: the slot is free
	wait_pid_gone "$child" 10
	wait_for 5 no_children "$SERVER_PID"
	run upgrade_status
	[ "$output" = "HTTP/1.1 101 Switching Protocols" ]
}

@test "server SIGTERM: the leftover child of a program whose connection is still open is signalled" {
	leftover held.sh ""
	start_prog --close-grace 60000 --shutdown-grace 1 -- "$T/held.sh"
	bg client "$PY" "$HELPERS/prog_client.py" talk "$PORT" --expect 1 \
	    --ready-file "$T/ready" --timeout 20
	wait_for 10 test -f "$T/ready"
	wait_for 5 log_has "$T/held.sh.events" '^child '
	local leader child
	leader=$(event held.sh leader)
	child=$(event held.sh child)
	wait_pid_gone "$leader" 5
	kill -0 "$child"
	kill -TERM "$SERVER_PID"
	wait_for 5 log_has "$T/client.out" "tcp_closed="
	grep -qx 'close 1001 "server shutting down"' "$T/client.out"
	wait_pid_gone "$SERVER_PID" 5
	wait_pid_gone "$child" 5
	wait_for 5 group_gone "$leader"
}

# free_port: a TCP port on 127.0.0.1 that nothing listened on just now.
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# port_open PORT: something accepts on 127.0.0.1:PORT.
port_open() {
	"$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null
}

@test "started with descriptors 0, 1 and 2 closed: they are /dev/null, never a socket, and a program's inherited stderr is /dev/null" {
	script fds.sh '#!/bin/sh
echo "stderr $(readlink /proc/$$/fd/2 || echo closed)"'
	PORT=$(free_port)
	# no log to wait on: stderr is closed
	"$PY" -c 'import os, sys
for fd in (0, 1, 2):
	os.close(fd)
os.execv(sys.argv[1], sys.argv[1:])' "$WSBRIDGE" --listen "127.0.0.1:$PORT" \
	    --stderr inherit -- "$T/fds.sh" 3>&- &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	wait_for 10 port_open "$PORT"
	local fd
	ls -l "/proc/$SERVER_PID/fd"
	for fd in 0 1 2; do
		[ "$(readlink "/proc/$SERVER_PID/fd/$fd")" = /dev/null ]
	done
	run pc talk "$PORT" --timeout 10
	echo "$output"
	expect_output 'text "stderr /dev/null"
close 1000 ""
tcp_closed=True'
}

@test "--workers 2: the master says how a worker ended, by signal or by exit status" {
	start_prog --workers 2 -- cat
	wait_for 10 has_children "$SERVER_PID" 2
	local w1 w2
	w1=$(children "$SERVER_PID" | head -n 1)
	w2=$(children "$SERVER_PID" | tail -n 1)
	kill -KILL "$w1"
	wait_for 5 log_has "$T/server.log" "worker $w1 "
	untimed "$T/server.log" |
	    grep -xF "wsbridge: warn: worker $w1 killed by signal 9: restarting"
	kill -TERM "$w2"
	wait_for 10 log_has "$T/server.log" "worker $w2 "
	untimed "$T/server.log" |
	    grep -xF "wsbridge: warn: worker $w2 exited with status 0: restarting"
	# both came back
	wait_for 10 has_children "$SERVER_PID" 2
}
