# Goal: permessage-deflate (RFC 7692) end to end: Python websockets and Node ws echo 1 KiB..16 MiB compressed through TCP and program text mode, each offer gets its exact answer or none, and bombs, bad bits and bad data close with 1009, 1002 or 1007 with bounded memory.

load helpers
load program_helpers

S3=1024,65536,1048576
S4=1024,65536,1048576,16777216
DEFAULT_ANSWER="permessage-deflate; client_max_window_bits=15"

setup_file() {
	# ws is pinned in tests/package-lock.json; install it if not yet there
	if [ ! -f "$BATS_TEST_DIRNAME/../node_modules/ws/package.json" ]; then
		(cd "$BATS_TEST_DIRNAME/.." &&
		    timeout 120 npm ci --no-audit --no-fund >&2) || true
	fi
}

# pyd ARGS...: tests/helpers/pyws_deflate.py against ws://127.0.0.1:$PORT/.
pyd() {
	run timeout 60 "$PY" "$HELPERS/pyws_deflate.py" --timeout 50 \
	    --url "ws://127.0.0.1:$PORT/" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

# nodd ARGS...: tests/helpers/ws_deflate.js (the npm "ws" client).
nodd() {
	run env NODE_PATH="$ROOT/tests/node_modules" timeout 60 node \
	    "$HELPERS/ws_deflate.js" --timeout 50 \
	    --url "ws://127.0.0.1:$PORT/" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

# pmdraw CMD ARGS...: tests/helpers/pmdraw.py CMD $PORT ARGS...
pmdraw() {
	local cmd=$1; shift
	run timeout 60 "$PY" "$HELPERS/pmdraw.py" "$cmd" "$PORT" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

# wire_of TYPE CONTENT: "PAYLOAD WIRE" from the "ok TYPE CONTENT" line.
wire_of() {
	sed -n "s/^ok $1 $2 sizes=[0-9,]* payload=\([0-9]*\) wire=\([0-9]*\)$/\1 \2/p" \
	    <<<"$output"
}

# compressed TYPE CONTENT: the echo came back at most a quarter of its size.
compressed() {
	local p w
	read -r p w <<<"$(wire_of "$1" "$2")"
	[ -n "$w" ] && [ $(( w * 4 )) -le "$p" ] || {
		echo "$1 $2: payload=$p wire=$w, want wire <= payload/4"
		return 1
	}
}

# uncompressed TYPE CONTENT: the echo came back whole (sent as it is).
uncompressed() {
	local p w
	read -r p w <<<"$(wire_of "$1" "$2")"
	[ -n "$w" ] && [ "$w" -ge "$p" ] || {
		echo "$1 $2: payload=$p wire=$w, want wire >= payload"
		return 1
	}
}

# smaller TYPE CONTENT: the echo came back smaller than it was (a 512-byte
# window does little for the binary pattern).
smaller() {
	local p w
	read -r p w <<<"$(wire_of "$1" "$2")"
	[ -n "$w" ] && [ "$w" -lt "$p" ] || {
		echo "$1 $2: payload=$p wire=$w, want wire < payload"
		return 1
	}
}

# hwm_below KB: the server's peak RSS is below KB; noted on fd 3.
hwm_below() {
	local hwm
	hwm=$(rss_kb "$SERVER_PID" VmHWM)
	note "server VmHWM ${hwm} kB (limit $1 kB)"
	[ "$hwm" -lt "$1" ]
}

@test "python websockets, default offer, TCP echo: 1 KiB..16 MiB text and binary, compressible and random" {
	start_backend echo
	start_server
	pyd --expect-ext "$DEFAULT_ANSWER" --types binary \
	    --contents compressible,random --sizes "$S4"
	compressed binary compressible
	# random bytes are sent back as they are
	uncompressed binary random
	pyd --expect-ext "$DEFAULT_ANSWER" --types text \
	    --contents compressible --sizes "$S4"
	compressed text compressible
	pyd --expect-ext "$DEFAULT_ANSWER" --types text --contents random \
	    --sizes "$S3"
}

@test "node ws perMessageDeflate: TCP echo: 1 KiB..16 MiB text and binary, compressible and random" {
	start_backend echo
	start_server
	nodd --pmd true --expect-ext "$DEFAULT_ANSWER" --types text \
	    --contents random,compressible --sizes "$S4"
	compressed text compressible
	nodd --pmd true --expect-ext "$DEFAULT_ANSWER" --types binary \
	    --contents compressible --sizes "$S4"
	compressed binary compressible
	nodd --pmd true --expect-ext "$DEFAULT_ANSWER" --types binary \
	    --contents random --sizes "$S3"
	uncompressed binary random
}

@test "python websockets, cat in text mode: each line a compressed text message, 1 KiB..16 MiB" {
	start_prog -- cat
	pyd --lines --expect-ext "$DEFAULT_ANSWER" --types text \
	    --contents compressible --sizes "$S4"
	pyd --lines --types text,binary --contents random --sizes "$S3"
	# lines up to 128 KiB go out compressed (longer ones are fragmented,
	# uncompressed: docs/compression.md)
	pyd --lines --types text,binary --contents compressible \
	    --sizes 1024,65536
	compressed text compressible
	compressed binary compressible
}

@test "node ws, cat in text mode: each line a compressed text message, 1 KiB..16 MiB" {
	start_prog -- cat
	nodd --lines --pmd true --expect-ext "$DEFAULT_ANSWER" --types text \
	    --contents random --sizes "$S4"
	nodd --lines --pmd true --types text,binary --contents compressible \
	    --sizes "$S3"
	nodd --lines --pmd true --types text --contents compressible \
	    --sizes 1024,65536
	compressed text compressible
}

@test "node ws options: each parameter gets its exact answer, echo works" {
	start_backend echo
	start_server
	local opts want
	while IFS='|' read -r opts want; do
		nodd --pmd "$opts" --expect-ext "$want" --types text,binary \
		    --contents compressible,random --sizes 1024,65536
		compressed text compressible
		smaller binary compressible
		uncompressed binary random
	done <<'EOF'
{"serverNoContextTakeover":true}|permessage-deflate; server_no_context_takeover; client_max_window_bits=15
{"clientNoContextTakeover":true}|permessage-deflate; client_no_context_takeover; client_max_window_bits=15
{"serverNoContextTakeover":true,"clientNoContextTakeover":true}|permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits=15
{"serverMaxWindowBits":9}|permessage-deflate; server_max_window_bits=9; client_max_window_bits=15
{"serverMaxWindowBits":12}|permessage-deflate; server_max_window_bits=12; client_max_window_bits=15
{"serverMaxWindowBits":15}|permessage-deflate; server_max_window_bits=15; client_max_window_bits=15
{"clientMaxWindowBits":9}|permessage-deflate; client_max_window_bits=9
{"clientMaxWindowBits":12,"serverMaxWindowBits":10,"serverNoContextTakeover":true}|permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12
EOF
}

@test "python websockets parameters: each gets its exact answer, echo works" {
	start_backend echo
	start_server
	local offer want
	while IFS='|' read -r offer want; do
		pyd --offer "$offer" --expect-ext "$want" --types text,binary \
		    --contents compressible,random --sizes 1024,65536
		compressed text compressible
		smaller binary compressible
		uncompressed binary random
	done <<'EOF'
snct|permessage-deflate; server_no_context_takeover
cnct|permessage-deflate; client_no_context_takeover
snct,cnct|permessage-deflate; server_no_context_takeover; client_no_context_takeover
sbits=9|permessage-deflate; server_max_window_bits=9
sbits=12|permessage-deflate; server_max_window_bits=12
sbits=15|permessage-deflate; server_max_window_bits=15
cbits=9|permessage-deflate; client_max_window_bits=9
cbits|permessage-deflate; client_max_window_bits=15
snct,cnct,sbits=10,cbits=11|permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11
EOF
}

@test "raw offers: exact answers, the first acceptable offer wins" {
	start_backend echo
	start_server
	local want
	check_offer() {
		want=$1; shift
		pmdraw offer "$@"
		[ "${lines[0]}" = "ext=$want" ]
		# the server compresses the echo of the 300-byte text
		[ "${lines[2]}" = "echo plain ok rsv=4" ]
		[ "${lines[3]}" = "echo deflate ok" ]
		[ "${lines[-1]}" = "close=1000" ]
	}
	check_offer "permessage-deflate" --ext "permessage-deflate"
	check_offer "permessage-deflate; client_max_window_bits=8" \
	    --ext "permessage-deflate; client_max_window_bits=8"
	check_offer "permessage-deflate; server_max_window_bits=10" \
	    --ext "permessage-deflate; server_max_window_bits=8, permessage-deflate; server_max_window_bits=10"
	check_offer "permessage-deflate; server_no_context_takeover" \
	    --ext "permessage-deflate; foo=1" \
	    --ext "permessage-deflate; server_no_context_takeover"
	check_offer "permessage-deflate; server_max_window_bits=11" \
	    --ext 'permessage-deflate; server_max_window_bits="11"'
	check_offer "permessage-deflate; client_max_window_bits=15" \
	    --ext "x-webkit-deflate-frame, PerMessage-Deflate ; client_max_window_bits"
}

@test "garbage offers: no extension, echo goes on uncompressed, RSV1 is then 1002" {
	start_backend echo
	start_server
	local offer
	while IFS= read -r offer; do
		pmdraw offer --ext "$offer" --rsv1-after
		expect_output "ext=none
protocol=none
echo plain ok rsv=0
close=1002"
	done <<'EOF'
permessage-deflate; foo=1
permessage-deflate; server_max_window_bits=20
permessage-deflate; server_max_window_bits=8
permessage-deflate; client_max_window_bits=7
permessage-deflate; server_max_window_bits=010
permessage-deflate; server_max_window_bits
permessage-deflate; server_no_context_takeover=1
permessage-deflate; server_no_context_takeover; server_no_context_takeover
permessage-deflate; client_no_context_takeover; client_no_context_takeover
permessage-deflate; server_max_window_bits=10; server_max_window_bits=11
permessage-deflate; client_max_window_bits=10; client_max_window_bits
permessage-deflate; client_max_window_bits="1 5"
permessage-deflate; =1
permessage-deflate; server_max_window_bits="10
permessage-deflate; ; foo
x-webkit-deflate-frame
EOF
}

@test "no offer, --deflate off, base64 subprotocol: no extension, echo works" {
	start_backend echo
	start_server
	pmdraw offer
	[ "${lines[0]}" = "ext=none" ]
	[ "${lines[2]}" = "echo plain ok rsv=0" ]
	pyd --offer none --expect-ext none --types binary \
	    --contents compressible --sizes 1024,65536
	uncompressed binary compressible
	nodd --pmd false --expect-ext none --types text \
	    --contents compressible --sizes 1024
	pmdraw offer --ext permessage-deflate --protocol base64
	expect_output "ext=none
protocol=base64
echo plain ok rsv=0
close=1000"

	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 5
	start_server --deflate off
	pyd --expect-ext none --types text,binary --contents compressible \
	    --sizes 1024,65536
	uncompressed text compressible
	nodd --pmd true --expect-ext none --types binary \
	    --contents compressible --sizes 1024,65536
	pmdraw offer --ext "permessage-deflate; client_max_window_bits" \
	    --rsv1-after
	expect_output "ext=none
protocol=none
echo plain ok rsv=0
close=1002"
}

@test "--deflate-level 1 and 9 both echo; 9 is not larger on the wire" {
	start_backend echo
	local w1 w9
	start_server --deflate-level 1
	pyd --types binary --contents compressible --sizes 1048576
	read -r _ w1 <<<"$(wire_of binary compressible)"
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 5
	start_server --deflate-level 9
	pyd --types binary --contents compressible --sizes 1048576
	read -r _ w9 <<<"$(wire_of binary compressible)"
	note "1 MiB compressible echo on the wire: level 1 $w1 B, level 9 $w9 B"
	[ "$w9" -le "$w1" ]
}

@test "fragmented compressed messages (3 frames, RSV1 on the first only): TCP echo and cat" {
	start_backend echo
	start_server
	local n
	for n in 1024 65536 1048576; do
		pmdraw frag --type text --size "$n" --frames 3 --count 3
		[ "${lines[0]}" = "echo ok $n bytes x3 frames=3 compressed_replies=${lines[0]##*=}" ]
		[ "${lines[0]##*=}" -ge 3 ]
		pmdraw frag --type binary --size "$n" --frames 3 --count 3
		[[ "${lines[0]}" == "echo ok $n bytes x3 frames=3 "* ]]
		[ "${lines[-1]}" = "close=1000" ]
	done
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 5
	start_prog -- cat
	pmdraw frag --lines --type text --size 65536 --frames 3 --count 3
	expect_output "echo ok 65536 bytes x3 frames=3 compressed_replies=3
close=1000"
	pmdraw frag --lines --type text --size 1048576 --frames 3
	[[ "${lines[0]}" == "echo ok 1048576 bytes x1 frames=3 "* ]]
}

@test "decompression bomb (1 GiB of zeros) with --max-message 1048576: 1009 at once, small RSS" {
	start_backend sink
	start_server --max-message 1048576
	pmdraw bomb --mib 1024
	[[ "${lines[1]}" =~ ^close=1009\ after=([0-9.]+)s\ tcp_closed=True$ ]]
	note "1009 after ${BASH_REMATCH[1]} s"
	awk -v t="${BASH_REMATCH[1]}" 'BEGIN { exit !(t < 2) }'
	hwm_below 32768
	wait_for 5 log_has "$T/server.log" "code=1009 by=server reason=message too big"
	# never more than the limit reached the backend
	wait_for 5 log_has "$BACKEND_LOG" "^conn 1 EOF after [0-9]+ bytes"
	local got
	got=$(sed -n 's/^conn 1 EOF after \([0-9]*\) bytes.*/\1/p' "$BACKEND_LOG")
	[ "$got" -le 1048576 ]
}

@test "decompression bomb without --max-message: 1 GiB streamed to a sink, small RSS" {
	start_backend sink
	start_server
	run timeout 60 "$PY" "$HELPERS/pmdraw.py" bomb "$PORT" --mib 1024 \
	    --then close --timeout 20
	echo "$output"
	note "server VmHWM $(rss_kb "$SERVER_PID" VmHWM) kB"
	[[ "${lines[1]}" =~ ^close=1000\ after=([0-9.]+)s\ tcp_closed=True$ ]]
	note "1 GiB inflated and delivered in ${BASH_REMATCH[1]} s"
	wait_for 10 log_has "$BACKEND_LOG" "^conn 1 EOF after 1073741824 bytes"
	hwm_below 32768
}

@test "a compressed message larger than the backend buffer reaches a backend that never answers" {
	# 1 MiB of text in ~50 KiB: the client has sent it all long before
	# the server has inflated it all; nothing comes back from a sink
	start_backend sink
	start_server
	run timeout 30 "$PY" - "$HELPERS" "$PORT" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[1])
from pmdraw import Conn, compressible_text, OP_TEXT
c = Conn("127.0.0.1", int(sys.argv[2]), 5, offers=["permessage-deflate"])
c.send_message(OP_TEXT, compressible_text(1 << 20))
try:
	c.ping_sync(c.ws.deadline())
	print("pong")
except Exception as e:
	print(f"no pong within 5 s: {type(e).__name__}")
c.ws.send_close(1000)
code, closed, _ = c.expect_close()
print(f"close={code}")
PYEOF
	echo "$output"
	expect_output "pong
close=1000"
	wait_for 5 log_has "$BACKEND_LOG" "^conn 1 EOF after 1048576 bytes"
}

@test "invalid UTF-8 inside a compressed text message: 1007" {
	start_backend echo
	start_server
	local c
	for c in utf8 utf8-truncated utf8-late; do
		pmdraw bad --case "$c"
		expect_output "close=1007"
	done
	wait_for 5 log_has "$T/server.log" "code=1007 by=server reason=invalid UTF-8"
}

@test "RSV1 on a continuation frame: 1002" {
	start_backend echo
	start_server
	pmdraw bad --case rsv1-cont
	expect_output "close=1002"
	pmdraw bad --case rsv1-cont-plain
	expect_output "close=1002"
}

@test "RSV1 on a ping (and pong, close): 1002; RSV1 without the extension: 1002" {
	start_backend echo
	start_server
	local c
	for c in rsv1-ping rsv1-pong rsv1-close rsv1-unnegotiated rsv2 rsv3; do
		pmdraw bad --case "$c"
		expect_output "close=1002"
	done
}

@test "corrupted deflate data: 1007" {
	start_backend echo
	start_server
	local c
	for c in corrupt-block-type corrupt-stored-len corrupt-distance \
	    corrupt-cut corrupt-garbage; do
		pmdraw bad --case "$c"
		expect_output "close=1007"
	done
	wait_for 5 log_has "$T/server.log" "code=1007 by=server reason=invalid compressed data"
}
