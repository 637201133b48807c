# Goal: the server passes every case of the project's RFC 6455 conformance suite (tests/helpers/conformance.py), one test per category.

load helpers

# conformance ARGS...: run the suite against the server; every line shows up
# in the test's output on failure.
conformance() {
	run timeout 120 "$PY" "$HELPERS/conformance.py" "$PORT" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" =~ ^conformance:\ [1-9][0-9]*\ passed,\ 0\ failed ]]
}

@test "1.x framing" {
	start_backend echo
	start_server
	conformance --category 1
}

@test "2.x pings and pongs" {
	start_backend echo
	start_server
	conformance --category 2
}

@test "3.x reserved bits" {
	start_backend echo
	start_server
	conformance --category 3
}

@test "4.x reserved opcodes" {
	start_backend echo
	start_server
	conformance --category 4
}

@test "5.x fragmentation" {
	start_backend echo
	start_server
	conformance --category 5
}

@test "6.x UTF-8" {
	start_backend echo
	start_server
	conformance --category 6
}

@test "7.x close handling" {
	start_backend echo
	start_server
	conformance --category 7
}

@test "9.x limits with --max-message 65536" {
	start_backend echo
	start_server --max-message 65536
	conformance --category 9 --max-message 65536
}

@test "9.x limits without --max-message" {
	start_backend echo
	start_server
	conformance --category 9
}

@test "handshake cases" {
	start_backend echo
	start_server
	conformance --category h
}
