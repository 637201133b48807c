# Goal: programs on a pseudo-terminal (--pty, --term): the terminal the program sees, bytes both ways, ^C, exit statuses as close codes, flow control on a flood, no zombie or descriptor left behind, a full-screen editor, and the start-up refusals.

load helpers
load program_helpers

# ptc ARGS...: tests/helpers/pty_client.py, bounded in time.
ptc() {
	timeout 90 "$PY" "$HELPERS/pty_client.py" "$@"
}

@test "--pty: the program's stdin, stdout and stderr are a /dev/pts terminal, its controlling one" {
	start_prog --pty -- sh -c 'tty; tty <&2; readlink /proc/self/fd/2; ps -o tty= -p $$'
	run ptc "$PORT" 'print:^(/dev/pts/[0-9]+)\r\n' 'print:^(/dev/pts/[0-9]+)\r\n' \
	    'print:^(/dev/pts/[0-9]+)\r\n' 'print:^(pts/[0-9]+) *\r\n' wait
	echo "$output"
	[ "$status" -eq 0 ]
	local pts
	pts=$(sed -n 1p <<<"$output")
	expect_output "$pts
$pts
$pts
${pts#/dev/}
close 1000 \"\"
tcp_closed=True text_messages=0"
	wait_for 5 no_children "$SERVER_PID"
}

@test "--pty: TERM is xterm-256color; --term vt100 changes it; --env still wins" {
	start_prog --pty -- sh -c 'echo "[$TERM]"'
	run ptc "$PORT" 'print:^(\[.*\])\r\n' wait
	echo "$output"
	expect_output '[xterm-256color]
close 1000 ""
tcp_closed=True text_messages=0'
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 10
	start_prog --pty --term vt100 -- sh -c 'echo "[$TERM]"'
	run ptc "$PORT" 'print:^(\[.*\])\r\n' wait
	echo "$output"
	expect_output '[vt100]
close 1000 ""
tcp_closed=True text_messages=0'
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 10
	start_prog --pty --term vt100 --env TERM=dumb -- sh -c 'echo "[$TERM]"'
	run ptc "$PORT" 'print:^(\[.*\])\r\n' wait
	echo "$output"
	expect_output '[dumb]
close 1000 ""
tcp_closed=True text_messages=0'
}

@test "--pty: the window is 80x24; the CGI variables are there as in program mode" {
	start_prog --pty -- sh -c 'stty size; echo "$GATEWAY_INTERFACE $PATH_INFO"'
	run ptc "$PORT" 'print:^(.*)\r\n' 'print:^(.*)\r\n' wait
	echo "$output"
	expect_output '24 80
CGI/1.1 /
close 1000 ""
tcp_closed=True text_messages=0'
}

@test "--pty: what the client types is echoed and read as a line; output is binary messages" {
	start_prog --pty -- sh -c 'read -r x; echo "got [$x]"'
	run ptc "$PORT" --text 'send:héllo\r' 'print:^(héllo)\r\n' \
	    'print:^(got \[héllo\])\r\n' wait
	echo "$output"
	expect_output 'héllo
got [héllo]
close 1000 ""
tcp_closed=True text_messages=0'
}

@test "--pty: ^C (byte 0x03) interrupts sleep 100 in an interactive bash; the prompt is back at once" {
	start_prog --pty --env 'PS1=P1> ' -- bash --norc --noprofile -i
	# "go" comes from the job itself: the terminal is its by then
	run ptc "$PORT" --step-timeout 5 'expect:P1> ' \
	    "send:sh -c 'echo g\"\"o; exec sleep 100'\\r" 'expect:\rgo\r\n' \
	    'send:\x03' 'expect:\^C.*P1> ' \
	    'send:echo x$((6*7))\r' 'print:\r(x42)\r\n' 'send:exit 0\r' wait
	echo "$output"
	[ "$status" -eq 0 ]
	expect_output 'x42
close 1000 ""
tcp_closed=True text_messages=0'
	wait_for 5 no_children "$SERVER_PID"
}

@test "--pty: exit 3 from a shell closes 1011 \"exit status 3\"; exit 0 closes 1000" {
	start_prog --pty -- sh
	run ptc "$PORT" 'send:exit 3\r' wait
	echo "$output"
	expect_output 'close 1011 "exit status 3"
tcp_closed=True text_messages=0'
	run ptc "$PORT" 'send:exit 0\r' wait
	echo "$output"
	expect_output 'close 1000 ""
tcp_closed=True text_messages=0'
	run ptc "$PORT" 'send:kill -9 $$\r' wait
	echo "$output"
	expect_output 'close 1011 "killed by signal 9"
tcp_closed=True text_messages=0'
	wait_for 5 no_children "$SERVER_PID"
}

@test "--pty: 100 MiB of output to a client that pauses: the program blocks, the server stays small, then every byte arrives" {
	start_prog --pty -- sh -c 'stty raw -echo; exec head -c 104857600 /dev/zero'
	bg client "$PY" "$HELPERS/wsraw.py" recv "$PORT" --timeout 60 \
	    --ready-file "$T/ready" --wait-file "$T/go"
	wait_for 10 test -f "$T/ready"
	the_child
	# the program blocks once the pty and our buffers are full
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

@test "--pty: a client that leaves: the terminal hangs up, the session's shell and its job end; no zombie, no descriptor left" {
	start_prog --pty --close-grace 200 -- bash --norc --noprofile -i
	local base
	base=$(fd_count "$SERVER_PID")
	# a job of an interactive shell has a process group of its own; the
	# hangup reaches the shell, which passes it on to its jobs
	run ptc "$PORT" "send:sleep 1000 & echo st''arted\\r" \
	    'expect:started\r\n'
	echo "$output"
	[ "$status" -eq 0 ]
	wait_for 10 no_children "$SERVER_PID"
	wait_for 5 fd_count_is "$SERVER_PID" "$base"
	[ -z "$(zombies "$SERVER_PID")" ]
}

@test "--pty: a client that leaves while the program ignores the hangup and SIGTERM: SIGKILL to the group; no zombie, no descriptor left" {
	start_prog --pty --close-grace 200 -- sh -c 'trap "" HUP TERM; echo ready; sleep 1000 & wait'
	local base
	base=$(fd_count "$SERVER_PID")
	run ptc "$PORT" 'expect:ready\r\n'
	[ "$status" -eq 0 ]
	wait_for 10 no_children "$SERVER_PID"
	wait_for 5 fd_count_is "$SERVER_PID" "$base"
	[ -z "$(zombies "$SERVER_PID")" ]
	log_has "$T/server.log" 'ignored SIGTERM: SIGKILL'
}

@test "--pty: vi opens a file, takes ihello<Esc>:wq<CR>, and the file holds exactly hello" {
	need_tool vi
	start_prog --pty -- vi "$T/note.txt"
	run ptc "$PORT" 'expect:note\.txt' 'send:ihello' 'send:\x1b' \
	    'send::wq\r' wait
	echo "$output"
	[ "$status" -eq 0 ]
	expect_output 'close 1000 ""
tcp_closed=True text_messages=0'
	[ "$(od -An -c "$T/note.txt" | tr -s ' ')" = " h e l l o \n" ]
}

@test "--pty is refused without a program, with --connect, and --term without --pty: exit 2, one line" {
	run "$WSBRIDGE" --listen 127.0.0.1:0 --pty
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = "wsbridge: --pty needs -- PROGRAM or --dir: only programs run on a terminal" ]
	run "$WSBRIDGE" --listen 127.0.0.1:0 --pty --connect 127.0.0.1:9
	[ "$status" -eq 2 ]
	[ "$output" = "wsbridge: --pty needs -- PROGRAM or --dir: only programs run on a terminal, not --connect" ]
	run "$WSBRIDGE" --listen 127.0.0.1:0 --pty --connect stdio
	[ "$status" -eq 2 ]
	[ "$output" = "wsbridge: --pty needs -- PROGRAM or --dir: only programs run on a terminal, not --connect" ]
	run "$WSBRIDGE" --listen 127.0.0.1:0 --pty --connect unix:/tmp/x.sock
	[ "$status" -eq 2 ]
	[ "$output" = "wsbridge: --pty needs -- PROGRAM or --dir: only programs run on a terminal, not --connect" ]
	run "$WSBRIDGE" --listen 127.0.0.1:0 --term vt100 -- sh
	[ "$status" -eq 2 ]
	[ "$output" = "wsbridge: --term needs --pty" ]
	run "$WSBRIDGE" --listen 127.0.0.1:0 --pty --term 'vt100;rm' -- sh
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
}
