# Goal: the server passes the permessage-deflate categories of the project's conformance suite (tests/helpers/conformance.py 12.x compressed echo, 13.x compression errors), one test per category.

load helpers

# conformance ARGS...: run the suite against the server; every line shows up
# in the test's output on failure.
conformance() {
	run timeout 120 "$PY" "$HELPERS/conformance.py" "$PORT" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" =~ ^conformance:\ [1-9][0-9]*\ passed,\ 0\ failed ]]
}

@test "12.x compressed echo, every parameter set" {
	start_backend echo
	start_server
	conformance --category 12
}

@test "13.x compression errors" {
	start_backend echo
	start_server
	conformance --category 13
}

@test "13.4 limits on the inflated size with --max-message 65536" {
	start_backend echo
	start_server --max-message 65536
	conformance --max-message 65536 --case 13.4.1 --case 13.4.2 \
	    --case 13.4.3 --case 13.4.4 --case 13.4.5
	[[ "${lines[-1]}" =~ ^conformance:\ 5\ passed,\ 0\ failed$ ]]
}

@test "12.x and 13.x against --deflate off: nothing is agreed" {
	start_backend echo
	start_server --deflate off
	run timeout 60 "$PY" "$HELPERS/conformance.py" "$PORT" --case 12.1.1 \
	    --case 12.11.8 --case 13.1.1
	echo "$output"
	# 12.1.1 needs the extension: it must fail on the missing answer
	[[ "$output" == *"FAIL 12.1.1 default: compressible text"*"answer None, want 'permessage-deflate'"* ]]
	[[ "$output" == *"PASS 12.11.8 no offer: no extension"* ]]
	[[ "$output" == *"PASS 13.1.1 RSV1 text without the extension -> 1002"* ]]
}
