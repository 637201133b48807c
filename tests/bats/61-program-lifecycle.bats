# Goal: program mode's process lifecycle: stdin EOF, SIGTERM then SIGKILL to the group after --close-grace, server shutdown, no zombie or descriptor left after many connections, no descriptor inherited, --max-forks, backpressure both ways, and stderr after the client left.

load helpers
load program_helpers

@test "sleep 1000: own process group, no descriptor of the server's; gone after the client closes" {
	start_prog_fds "" --close-grace 200 -- sleep 1000
	bg client "$PY" "$HELPERS/prog_client.py" talk "$PORT" \
	    --ready-file "$T/ready" --hold-file "$T/go" --end close
	wait_for 10 test -f "$T/ready"
	the_child
	# no shell in between, a group of its own
	[ "$(cat "/proc/$CHILD/comm")" = sleep ]
	[ "$(pgid "$CHILD")" = "$CHILD" ]
	[ "$(pgid "$CHILD")" != "$(pgid "$SERVER_PID")" ]
	# the server holds its listener, epoll, the client socket and pipes:
	# none of them reaches the program
	ls -l "/proc/$SERVER_PID/fd"
	[ "$(fd_count "$SERVER_PID")" -gt 3 ]
	run ls "/proc/$CHILD/fd"
	echo "program fds: $output"
	expect_output '0
1
2'
	touch "$T/go"
	# the close handshake does not wait for the program
	wait_for 5 log_has "$T/client.out" "tcp_closed=True"
	grep -qx 'close 1000 ""' "$T/client.out"
	# stdin EOF does not end sleep; SIGTERM after 200 ms does
	wait_pid_gone "$CHILD" 3
	wait_for 3 no_children "$SERVER_PID"
	! log_has "$T/server.log" "ignored SIGTERM" || false
}

@test "descriptors wsbridge inherited from its parent are not passed to programs" {
	# as when started from a shell script or a service manager holding
	# files and pipes open without close-on-exec
	exec 7<"$BATS_TEST_FILENAME" 8>"$T/extra.out"
	start_prog_fds 7,8 -- sleep 1000
	exec 7<&- 8>&-
	bg client "$PY" "$HELPERS/prog_client.py" talk "$PORT" \
	    --ready-file "$T/ready" --hold-file "$T/go" --end vanish
	wait_for 10 test -f "$T/ready"
	the_child
	ls -l "/proc/$SERVER_PID/fd" "/proc/$CHILD/fd"
	run ls "/proc/$CHILD/fd"
	touch "$T/go"
	expect_output '0
1
2'
}

@test "a program trapping TERM: stdin closed, then SIGTERM, then SIGKILL to its whole group" {
	# (stderr to /dev/null: see the stderr test below for why)
	script trap.sh '#!/bin/bash
ev=$1
exec 2>/dev/null
trap "echo term >>$ev" TERM
cat >/dev/null
echo eof >>"$ev"
sleep 1000 &
echo "helper $!" >>"$ev"
while :; do sleep 0.05; done'
	start_prog --close-grace 300 -- "$T/trap.sh" "$T/trap.events"
	bg client "$PY" "$HELPERS/prog_client.py" talk "$PORT" \
	    --ready-file "$T/ready" --hold-file "$T/go" --end abort
	wait_for 10 test -f "$T/ready"
	the_child
	local group=$CHILD
	touch "$T/go"			# the client vanishes (TCP reset)
	wait_for 5 log_has "$T/trap.events" '^eof$'
	local t0 helper
	t0=$(now_us)
	helper=$(sed -n 's/^helper //p' "$T/trap.events")
	[ -n "$helper" ]
	# the helper it started is in its group (unless already gone)
	[ "$(pgid "$helper")" = "$group" ] || [ ! -e "/proc/$helper" ]
	wait_for 5 log_has "$T/trap.events" '^term$'
	wait_pid_gone "$CHILD" 5
	wait_for 5 group_gone "$group"
	local ms=$(( ($(now_us) - t0) / 1000 ))
	note "trap.sh gone ${ms} ms after its stdin EOF (grace 300 ms x 2)"
	[ "$ms" -lt 5000 ]
	run cat "$T/trap.events"
	expect_output "eof
helper $helper
term"
	wait_for 5 log_has "$T/server.log" "program $group ignored SIGTERM: SIGKILL"
	wait_for 3 no_children "$SERVER_PID"
	[ -z "$(zombies "$SERVER_PID")" ]
}

@test "server SIGTERM: a running program and one in its grace period both end, none left behind" {
	start_prog --close-grace 5000 --shutdown-grace 1 -- sleep 1000
	bg gone "$PY" "$HELPERS/prog_client.py" talk "$PORT" \
	    --ready-file "$T/ready1" --end vanish
	wait_for 10 test -f "$T/ready1"
	the_child
	local first=$CHILD
	wait_for 5 log_has "$T/gone.out" vanished
	bg client "$PY" "$HELPERS/prog_client.py" talk "$PORT" \
	    --ready-file "$T/ready2"
	wait_for 10 test -f "$T/ready2"
	wait_for 10 has_children "$SERVER_PID" 2
	local second
	second=$(children "$SERVER_PID" | grep -vx "$first")
	kill -TERM "$SERVER_PID"
	wait_for 5 log_has "$T/client.out" "tcp_closed="
	grep -qx 'close 1001 "server shutting down"' "$T/client.out"
	wait_pid_gone "$SERVER_PID" 5
	wait_for 5 group_gone "$first"
	wait_for 5 group_gone "$second"
}

@test "a program that ends on stdin EOF is not signalled" {
	script eof.sh '#!/bin/sh
trap "echo term >>$1" TERM
cat >/dev/null
echo eof >>"$1"'
	start_prog --close-grace 100 -- "$T/eof.sh" "$T/eof.events"
	run pc talk "$PORT" --end vanish
	[ "$output" = vanished ]
	wait_for 5 log_has "$T/eof.events" '^eof$'
	wait_for 5 no_children "$SERVER_PID"
	[ "$(cat "$T/eof.events")" = eof ]
}

@test "500 connections in a row: no zombie, no leaked descriptor, all reaped" {
	start_prog --close-grace 100 -- cat
	# one connection first, so that lazily opened descriptors exist
	run pc talk "$PORT" --send warm --expect 1 --end close
	wait_for 5 no_children "$SERVER_PID"
	local before
	before=$(fd_count "$SERVER_PID")
	run pc many "$PORT" --n 500 --timeout 60
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "ok 500" ]
	wait_for 10 no_children "$SERVER_PID"
	[ -z "$(zombies "$SERVER_PID")" ]
	wait_for 10 fd_count_is "$SERVER_PID" "$before"
	note "fds before and after 500 connections: $before $(fd_count "$SERVER_PID")"
	[ "$(grep -c ' close peer=' "$T/server.log")" -eq 501 ]
}

@test "--max-forks 1: a second connection gets 503 while the first program runs" {
	start_prog --max-forks 1 -- cat
	bg client "$PY" "$HELPERS/prog_client.py" talk "$PORT" --send one \
	    --expect 1 --ready-file "$T/ready" --hold-file "$T/go" --end close
	wait_for 10 test -f "$T/ready"
	run upgrade_status
	[ "$output" = "HTTP/1.1 503 Service Unavailable" ]
	run upgrade_status
	[ "$output" = "HTTP/1.1 503 Service Unavailable" ]
	touch "$T/go"
	wait_for 5 log_has "$T/client.out" "tcp_closed=True"
	wait_for 5 no_children "$SERVER_PID"
	# the slot is free again
	run pc talk "$PORT" --send two --expect 1 --end close
	echo "$output"
	expect_output 'text "two"
close 1000 ""
tcp_closed=True'
}

@test "100 MiB of program output to a client that pauses: the server stays small, then every byte arrives" {
	start_prog --binary -- head -c 104857600 /dev/zero
	bg client "$PY" "$HELPERS/wsraw.py" recv "$PORT" --timeout 60 \
	    --ready-file "$T/ready" --wait-file "$T/go"
	wait_for 10 test -f "$T/ready"
	the_child
	# wait until the program is blocked on its full pipe
	wait_for 30 stalled "$CHILD"
	local written rss hwm
	written=$(wchar "$CHILD")
	rss=$(rss_kb "$SERVER_PID" VmRSS)
	hwm=$(rss_kb "$SERVER_PID" VmHWM)
	note "program blocked after ${written} bytes; server VmRSS ${rss} kB, VmHWM ${hwm} kB"
	[ "$written" -lt 104857600 ]
	[ "$rss" -lt 32768 ]
	[ "$hwm" -lt 32768 ]
	touch "$T/go"
	wait_pid_gone "$BG_PID" 60
	cat "$T/client.out"
	local sha
	sha=$(head -c 104857600 /dev/zero | sha256sum | cut -d' ' -f1)
	[ "$(cat "$T/client.out")" = \
	    "bytes=104857600 sha256=$sha close=1000 tcp_closed=True odd=0" ]
	hwm=$(rss_kb "$SERVER_PID" VmHWM)
	note "server VmHWM after the transfer: ${hwm} kB"
	[ "$hwm" -lt 32768 ]
}

@test "a program that does not read: the client's flood stalls, the server stays small" {
	start_prog --binary --close-grace 100 --shutdown-grace 1 -- sleep 1000
	bg client "$PY" "$HELPERS/wsraw.py" send "$PORT" --bytes 104857600 \
	    --end stall --stall 1 --timeout 30 --ready-file "$T/ready"
	local client=$BG_PID
	wait_for 20 log_has "$T/ready" '^stalled=True'
	local rss hwm
	rss=$(rss_kb "$SERVER_PID" VmRSS)
	hwm=$(rss_kb "$SERVER_PID" VmHWM)
	note "client $(cat "$T/ready"); server VmRSS ${rss} kB, VmHWM ${hwm} kB"
	[ "$rss" -lt 32768 ]
	[ "$hwm" -lt 32768 ]
	kill "$client"
}

@test "a client that leaves while its messages wait for a program that does not read: the program still ends" {
	# The program gets --close-timeout to take what was accepted for it.
	start_prog --binary --close-grace 100 --close-timeout 1 \
	    --shutdown-grace 1 -- sleep 1000
	bg client "$PY" "$HELPERS/wsraw.py" send "$PORT" --bytes 104857600 \
	    --end stall --stall 1 --timeout 30 --ready-file "$T/ready"
	local client=$BG_PID
	wait_for 20 log_has "$T/ready" '^stalled=True'
	the_child
	kill "$client"			# its socket closes (FIN)
	wait_pid_gone "$client" 5
	# client gone (noticed within a second) -> the program has 1 s to
	# read what is pending -> stdin closed, SIGTERM after 100 ms
	wait_for 4 log_has "$T/server.log" ' close peer=.* by=client'
	wait_pid_gone "$CHILD" 5
}

@test "--stderr log: what a program says on stderr after the client left is logged, not a SIGPIPE" {
	script late.sh '#!/bin/sh
cat >/dev/null
echo "cleaning up" >&2
echo "still running" >>"$1"'
	start_prog -- "$T/late.sh" "$T/late.events"
	run pc talk "$PORT" --path /late --end close
	expect_output 'close 1000 ""
tcp_closed=True'
	wait_for 5 no_children "$SERVER_PID"
	local id
	id=$(conn_id /late)
	cat "$T/late.events" || true
	grep -qx "still running" "$T/late.events"
	grep -Eqx "${LOG_TS}wsbridge: info: #$id stderr: cleaning up" "$T/server.log"
}
