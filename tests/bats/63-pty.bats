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
