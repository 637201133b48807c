# Goal: the opening handshake answers every request with the exact HTTP status, keeps bytes sent along with it, and times out silent clients.

load helpers
bats_require_minimum_version 1.5.0

KEY=dGhlIHNhbXBsZSBub25jZQ==		# RFC 6455 §1.3 example
ACCEPT=s3pPLMBiTxaQ9kYGzzhZRbK+xOo=

setup() {
	T=$BATS_TEST_TMPDIR
	[ -x "$WSBRIDGE" ] || { echo "no $WSBRIDGE: run make wsbridge" >&2; return 1; }
	start_backend echo
}

# request [HEADER...]: a request head; "-Name" leaves the default Name out.
request() {
	local method=GET path=/ proto=HTTP/1.1 h skip=" "
	local -a extra=()
	for h in "$@"; do
		case $h in
		METHOD=*) method=${h#METHOD=} ;;
		-*) skip+="${h#-} " ;;
		*) extra+=("$h") ;;
		esac
	done
	printf '%s %s %s\r\n' "$method" "$path" "$proto"
	for h in "Host: 127.0.0.1" "Upgrade: websocket" "Connection: Upgrade" \
	    "Sec-WebSocket-Key: $KEY" "Sec-WebSocket-Version: 13"; do
		[[ "$skip" == *" ${h%%:*} "* ]] || printf '%s\r\n' "$h"
	done
	for h in "${extra[@]}"; do printf '%s\r\n' "$h"; done
	printf '\r\n'
}

# answer [HEADER...]: send the request, the answer's head into $T/answer.out
answer() {
	request "$@" | wsraw http "$PORT" --head >"$T/answer.out" || true
	STATUS_LINE=$(head -n 1 "$T/answer.out" | tr -d '\r')
	echo "status line: $STATUS_LINE"
}

has_header() {		# has_header 'Name: value' (case-insensitive name)
	tr -d '\r' <"$T/answer.out" | sed '/^$/q' | grep -qix -- "$1"
}

@test "valid upgrade -> 101 with the RFC 6455 example accept" {
	start_server
	answer
	[ "$STATUS_LINE" = "HTTP/1.1 101 Switching Protocols" ]
	has_header "Sec-WebSocket-Accept: $ACCEPT"
	has_header "Upgrade: websocket"
	has_header "Connection: Upgrade"
	run ! has_header "Sec-WebSocket-Protocol:.*"
}

@test "missing Sec-WebSocket-Version -> 426 with Sec-WebSocket-Version: 13" {
	start_server
	answer -Sec-WebSocket-Version
	[ "$STATUS_LINE" = "HTTP/1.1 426 Upgrade Required" ]
	has_header "Sec-WebSocket-Version: 13"
}

@test "Sec-WebSocket-Version: 8 -> 426 with Sec-WebSocket-Version: 13" {
	start_server
	answer -Sec-WebSocket-Version "Sec-WebSocket-Version: 8"
	[ "$STATUS_LINE" = "HTTP/1.1 426 Upgrade Required" ]
	has_header "Sec-WebSocket-Version: 13"
}

@test "missing Sec-WebSocket-Key -> 400" {
	start_server
	answer -Sec-WebSocket-Key
	[ "$STATUS_LINE" = "HTTP/1.1 400 Bad Request" ]
}

@test "bad Sec-WebSocket-Key -> 400" {
	start_server
	answer -Sec-WebSocket-Key "Sec-WebSocket-Key: not-a-key"
	[ "$STATUS_LINE" = "HTTP/1.1 400 Bad Request" ]
	answer -Sec-WebSocket-Key "Sec-WebSocket-Key: eHh4eHh4eHh4eHh4eHh4"	# 15 bytes
	[ "$STATUS_LINE" = "HTTP/1.1 400 Bad Request" ]
}

@test "missing Host -> 400" {
	start_server
	answer -Host
	[ "$STATUS_LINE" = "HTTP/1.1 400 Bad Request" ]
}

@test "Connection without the upgrade token -> 400" {
	start_server
	answer -Connection "Connection: keep-alive"
	[ "$STATUS_LINE" = "HTTP/1.1 400 Bad Request" ]
}

@test "Upgrade without the websocket token (WebSocket request otherwise) -> 400" {
	start_server
	answer -Upgrade "Upgrade: h2c"
	[ "$STATUS_LINE" = "HTTP/1.1 400 Bad Request" ]
}

@test "POST -> 405" {
	start_server
	answer METHOD=POST
	[ "$STATUS_LINE" = "HTTP/1.1 405 Method Not Allowed" ]
}

@test "plain GET without Upgrade -> 426, but / gets a help text" {
	start_server
	printf 'GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' |
	    wsraw http "$PORT" >"$T/answer.out"
	[ "$(head -n 1 "$T/answer.out" | tr -d '\r')" = "HTTP/1.1 426 Upgrade Required" ]
	has_header "Sec-WebSocket-Version: 13"
	printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' |
	    wsraw http "$PORT" >"$T/answer.out"
	[ "$(head -n 1 "$T/answer.out" | tr -d '\r')" = "HTTP/1.1 200 OK" ]
	grep -q "WebSocket endpoint" "$T/answer.out"
}

@test "a refused request is logged as a warn line with its status" {
	start_server
	answer METHOD=POST
	wait_for 5 log_has "$T/server.log" \
	    "^${LOG_TS}wsbridge: warn: #[0-9]+ peer=127\.0\.0\.1:[0-9]+ 405 Method Not Allowed: "
}

@test "request head over 16 KiB -> 431" {
	start_server
	answer "X-Filler: $(head -c 17000 /dev/zero | tr '\0' f)"
	[ "$STATUS_LINE" = "HTTP/1.1 431 Request Header Fields Too Large" ]
}

@test "a 15 KiB request head is fine" {
	start_server
	answer "X-Filler: $(head -c 15000 /dev/zero | tr '\0' f)"
	[ "$STATUS_LINE" = "HTTP/1.1 101 Switching Protocols" ]
}

@test "--max-header 1024: 2 KiB head -> 431, small head -> 101" {
	start_server --max-header 1024
	answer "X-Filler: $(head -c 2048 /dev/zero | tr '\0' f)"
	[ "$STATUS_LINE" = "HTTP/1.1 431 Request Header Fields Too Large" ]
	answer "X-Filler: $(head -c 600 /dev/zero | tr '\0' f)"
	[ "$STATUS_LINE" = "HTTP/1.1 101 Switching Protocols" ]
}

@test "frames sent in the same write as the handshake are not lost" {
	start_server
	run wsraw echo "$PORT" --size 1000 --pipelined
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"echo ok 1000 bytes"* ]]
	run wsraw echo "$PORT" --size 70000 --text --fragments 3 --pipelined
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "--handshake-timeout 1: a silent client is disconnected" {
	start_server --handshake-timeout 1
	run wsraw idle "$PORT" --timeout 8
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ closed=True\ after=([0-9.]+)s ]]
	# one second, give or take the timer's slack
	awk -v t="${BASH_REMATCH[1]}" 'BEGIN { exit !(t >= 0.8 && t < 4) }'
}

@test "--handshake-timeout 1: a client stuck mid-request is disconnected" {
	start_server --handshake-timeout 1
	run wsraw idle "$PORT" --partial --timeout 8
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ closed=True\ after=([0-9.]+)s ]]
	awk -v t="${BASH_REMATCH[1]}" 'BEGIN { exit !(t >= 0.8 && t < 4) }'
}
