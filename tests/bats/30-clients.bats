# Goal: real client libraries (Node "ws", Python "websockets") get every message size echoed through the bridge, whole and fragmented, over IPv4 and IPv6, with each subprotocol.

load helpers

SIZES=0,1,125,126,65535,65536,1048576,16777216

setup_file() {
	# ws is pinned in tests/package-lock.json; install it if not yet there
	if [ ! -f "$BATS_TEST_DIRNAME/../node_modules/ws/package.json" ]; then
		(cd "$BATS_TEST_DIRNAME/.." &&
		    timeout 120 npm ci --no-audit --no-fund >&2) || true
	fi
}

setup() {
	T=$BATS_TEST_TMPDIR
	[ -x "$WSBRIDGE" ] || { echo "no $WSBRIDGE: run make wsbridge" >&2; return 1; }
	start_backend echo
}

node_client() {
	run timeout 40 node "$HELPERS/ws_client.js" --timeout 30 "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

py_client() {
	run timeout 40 "$PY" "$HELPERS/pyws_client.py" --timeout 30 "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "node ws: text, one frame per message, 0 B .. 16 MiB" {
	start_server
	node_client --url "ws://127.0.0.1:$PORT/t" --type text --sizes "$SIZES" \
	    --print-close
	[ "$(grep -c '^ok text' <<<"$output")" -eq 8 ]
	[ "${lines[-1]}" = "close 1000" ]
}

@test "node ws: text in 64 fragments, 0 B .. 16 MiB" {
	start_server
	node_client --url "ws://127.0.0.1:$PORT/t" --type text --sizes "$SIZES" \
	    --fragments 64
	[ "$(grep -c '^ok text' <<<"$output")" -eq 8 ]
}

@test "node ws: binary, one frame per message, 0 B .. 16 MiB" {
	start_server
	node_client --url "ws://127.0.0.1:$PORT/b" --type binary --sizes "$SIZES" \
	    --print-close
	[ "$(grep -c '^ok binary' <<<"$output")" -eq 8 ]
	[ "${lines[-1]}" = "close 1000" ]
}

@test "node ws: binary in 64 fragments, 0 B .. 16 MiB" {
	start_server
	node_client --url "ws://127.0.0.1:$PORT/b" --type binary --sizes "$SIZES" \
	    --fragments 64
	[ "$(grep -c '^ok binary' <<<"$output")" -eq 8 ]
}

@test "python websockets: text, one frame per message, 0 B .. 16 MiB" {
	start_server
	py_client --url "ws://127.0.0.1:$PORT/t" --type text --sizes "$SIZES" \
	    --print-close
	[ "$(grep -c '^ok text' <<<"$output")" -eq 8 ]
	[ "${lines[-1]}" = "close 1000" ]
}

@test "python websockets: text in 64 fragments, 0 B .. 16 MiB" {
	start_server
	py_client --url "ws://127.0.0.1:$PORT/t" --type text --sizes "$SIZES" \
	    --fragments 64
	[ "$(grep -c '^ok text' <<<"$output")" -eq 8 ]
}

@test "python websockets: binary, one frame per message, 0 B .. 16 MiB" {
	start_server
	py_client --url "ws://127.0.0.1:$PORT/b" --type binary --sizes "$SIZES"
	[ "$(grep -c '^ok binary' <<<"$output")" -eq 8 ]
}

@test "python websockets: binary in 64 fragments, 0 B .. 16 MiB" {
	start_server
	py_client --url "ws://127.0.0.1:$PORT/b" --type binary --sizes "$SIZES" \
	    --fragments 64
	[ "$(grep -c '^ok binary' <<<"$output")" -eq 8 ]
}

@test "IPv6: [::1] listener, node and python clients" {
	start_wsbridge --listen '[::1]:0' --connect "127.0.0.1:$BACKEND_PORT"
	[[ "$LISTEN_ADDR" =~ ^\[::1\]:[0-9]+$ ]]
	node_client --url "ws://[::1]:$PORT/v6" --type binary --sizes 0,1,65536
	py_client --url "ws://[::1]:$PORT/v6" --type text --sizes 0,1,65536 \
	    --fragments 3
	wait_for 5 log_has "$T/server.log" \
	    'info: #[0-9]+ open peer=\[::1\]:[0-9]+ path=/v6 '
}

@test "IPv6: backend reached at [::1]" {
	kill "$BACKEND_PID"
	start_backend echo --host ::1
	start_wsbridge --listen 127.0.0.1:0 --connect "[::1]:$BACKEND_PORT"
	py_client --url "ws://127.0.0.1:$PORT/" --type binary --sizes 1,70000
}

@test "subprotocol binary is answered binary (node, python)" {
	start_server
	node_client --url "ws://127.0.0.1:$PORT/" --protocol binary \
	    --expect-protocol binary --sizes 1,1000
	py_client --url "ws://127.0.0.1:$PORT/" --protocol chat --protocol binary \
	    --expect-protocol binary --sizes 1,1000
}

@test "no known subprotocol offered: none answered (node, python)" {
	start_server
	node_client --url "ws://127.0.0.1:$PORT/" --expect-protocol none \
	    --sizes 5
	py_client --url "ws://127.0.0.1:$PORT/" --expect-protocol none --sizes 5
}

@test "subprotocol base64: base64 text both ways decodes to the same bytes" {
	start_server
	run wsraw echo "$PORT" --protocol base64 --base64 --size 100000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"protocol=base64"* ]]
	[[ "$output" == *"echo ok 100000 bytes"* ]]
	run wsraw echo "$PORT" --protocol base64 --base64 --size 1 --fragments 1
	echo "$output"
	[ "$status" -eq 0 ]
	# the backend saw the decoded bytes, not base64
	wait_for 5 log_has "$BACKEND_LOG" "EOF after 100000 bytes"
}
