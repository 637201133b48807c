# Goal: the terminal subprotocols on the WebSocket side: wsbridge-tty (hello, JSON resize, bad control messages), --readonly, no subprotocol (every message is input), and ttyd's tty (first JSON message, '0' input and output, '1' resize, pause and resume losing nothing).

load helpers
load program_helpers

# ptc ARGS...: tests/helpers/pty_client.py, bounded in time.
ptc() {
	timeout 90 "$PY" "$HELPERS/pty_client.py" "$@"
}

RESIZE='{"type":"resize","cols":100,"rows":30}'

@test "wsbridge-tty: chosen for a pty; the hello comes first; a resize reaches stty size and SIGWINCH" {
	start_prog --pty -- sh -c 'trap "echo WINCH; stty size" WINCH; echo READY; stty size; while :; do sleep 0.1; done'
	run ptc "$PORT" --protocol 'binary, wsbridge-tty, tty' proto next \
	    'print:^(READY)\r\n' 'print:^([^\r]*)\r\n' "text:$RESIZE" \
	    'print:(WINCH)\r\n' 'print:^([^\r]*)\r\n' close
	echo "$output"
	[ "$status" -eq 0 ]
	expect_output 'wsbridge-tty
text {"type":"hello","readonly":false,"cols":80,"rows":24}
READY
24 80
WINCH
30 100
close 1000 ""
tcp_closed=True text_messages=1'
}

@test "wsbridge-tty: not chosen for a program that is not on a pty" {
	start_prog -- sh -c 'echo hi; sleep 5'
	run ptc "$PORT" --protocol 'wsbridge-tty, tty' proto "print:^(hi)" close
	echo "$output"
	[ "$status" -eq 0 ]
	# program mode without a pty: a line is a text message
	expect_output 'none
hi
close 1000 ""
tcp_closed=True text_messages=1'
}

@test "wsbridge-tty: a bad control message closes 1007, an unknown type is ignored, over 1024 bytes closes 1009" {
	start_prog --pty -- sh -c 'stty -echo; echo READY; read x; echo "GOT[$x]"; sleep 5'
	run ptc "$PORT" --protocol wsbridge-tty next 'expect:READY\r\n' \
	    'text:{"type":"title","title":"x"}' 'binary:a\r' 'print:^(GOT[^\r]*)\r\n' \
	    'text:{"type":"resize","cols":0,"rows":30}' wait
	echo "$output"
	[ "$status" -eq 0 ]
	expect_output 'text {"type":"hello","readonly":false,"cols":80,"rows":24}
GOT[a]
close 1007 "bad control message"
tcp_closed=True text_messages=1'
	run ptc "$PORT" --protocol wsbridge-tty next 'expect:READY\r\n' \
	    'text:not json' wait
	echo "$output"
	[ "$status" -eq 0 ]
	expect_output 'text {"type":"hello","readonly":false,"cols":80,"rows":24}
close 1007 "bad control message"
tcp_closed=True text_messages=1'
	local big
	big=$(printf '{"type":"x","pad":"%01020d"}' 0)
	run ptc "$PORT" --protocol wsbridge-tty next 'expect:READY\r\n' \
	    "text:$big" wait
	echo "$output"
	[ "$status" -eq 0 ]
	expect_output 'text {"type":"hello","readonly":false,"cols":80,"rows":24}
close 1009 "control message too big"
tcp_closed=True text_messages=1'
}

@test "--readonly: typed bytes never reach the program, resize is ignored, hello says readonly:true" {
	start_prog --pty --readonly -- sh -c "echo READY; timeout --foreground 2 cat > '$T/got'; echo \"SIZE \$(wc -c < '$T/got')\"; stty size"
	run ptc "$PORT" --protocol wsbridge-tty next 'expect:READY\r\n' \
	    "text:$RESIZE" 'binary:hello\r' 'print:^(SIZE[^\r]*)\r\n' \
	    'print:^([^\r]*)\r\n' wait
	echo "$output"
	[ "$status" -eq 0 ]
	expect_output 'text {"type":"hello","readonly":true,"cols":80,"rows":24}
SIZE 0
24 80
close 1000 ""
tcp_closed=True text_messages=1'
	[ ! -s "$T/got" ]
}

@test "--readonly off: the same bytes do reach it (the test above can fail)" {
	start_prog --pty -- sh -c "stty -echo; echo READY; timeout --foreground 2 cat > '$T/got'; echo \"SIZE \$(wc -c < '$T/got')\""
	run ptc "$PORT" --protocol wsbridge-tty next 'expect:READY\r\n' \
	    'binary:hello\r' 'print:^(SIZE[^\r]*)\r\n' wait
	echo "$output"
	[ "$status" -eq 0 ]
	expect_output 'text {"type":"hello","readonly":false,"cols":80,"rows":24}
SIZE 6
close 1000 ""
tcp_closed=True text_messages=1'
}

@test "no subprotocol: text and binary messages alike are input, JSON too; no hello; the size stays" {
	start_prog --pty -- sh -c 'stty -echo; echo READY; read a; read b; echo "[$a][$b]"; stty size'
	run ptc "$PORT" 'expect:READY\r\n' "text:$RESIZE\\r" 'binary:two\r' \
	    'print:^([^\r]*)\r\n' 'print:^([^\r]*)\r\n' wait
	echo "$output"
	[ "$status" -eq 0 ]
	expect_output "[$RESIZE][two]
24 80
close 1000 \"\"
tcp_closed=True text_messages=0"
}

@test "ttyd tty: title and preferences first; the first JSON sets the size; '0' input, '0' output; '1' resize" {
	start_prog --pty -- sh -c 'stty -echo; echo READY; read x; stty size; read y; stty size; echo "[$x$y]"'
	run ptc "$PORT" --protocol tty proto next next \
	    'binary:{"AuthToken":"","columns":90,"rows":20}' 'expect:READY\r\n' \
	    'binary:0ab\r' 'print:^([^\r]*)\r\n' \
	    'binary:1{"columns":100,"rows":30}' 'binary:0cd\r' \
	    'print:^([^\r]*)\r\n' 'print:^([^\r]*)\r\n' wait
	echo "$output"
	[ "$status" -eq 0 ]
	expect_output "tty
binary 1sh ($(hostname))
binary 2{}
20 90
30 100
[abcd]
close 1000 \"\"
tcp_closed=True text_messages=0"
}

@test "ttyd tty: pause stops the output, resume lets it go on with no byte lost" {
	local want
	want=$(( $(seq 1 30000 | wc -c) + 30000 ))	# onlcr: CR LF
	start_prog --pty -- sh -c 'stty -echo; echo READY; read x; seq 1 30000; echo END'
	run ptc "$PORT" --protocol tty next next 'binary:{"columns":80,"rows":24}' \
	    'expect:READY\r\n' 'binary:2' 'binary:0go\r' quiet:1.5 'binary:3' \
	    'count:END\r\n' wait
	echo "$output"
	[ "$status" -eq 0 ]
	expect_output "binary 1sh ($(hostname))
binary 2{}
$want
close 1000 \"\"
tcp_closed=True text_messages=0"
}
