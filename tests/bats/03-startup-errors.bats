# Goal: every start-up error is one line and exit status 2, with nothing left allocated (the ASan+UBSan run of this file fails on a leak report).

load helpers

# refused ARGS...: the server refuses to start with exit 2 and one line
refused() {
	run "$WSBRIDGE" "$@"
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$(grep -c . <<<"$output")" -eq 1 ]
	[[ "$output" == "wsbridge: "* ]]
	! grep -q "LeakSanitizer\|AddressSanitizer" <<<"$output" || false
}

@test "bad files at start-up: exit 2, one line, nothing leaked" {
	echo garbage >"$T/bad.pem"
	echo "nocolon" >"$T/users"
	printf 'listen 0\nconnect 127.0.0.1:1\nbogus x\n' >"$T/bad.conf"
	refused --listen 127.0.0.1:0 --connect 127.0.0.1:1 --basic-auth "$T/users"
	refused --listen 127.0.0.1:0 --connect 127.0.0.1:1 --basic-auth "$T/none"
	refused --listen 127.0.0.1:0 --connect 127.0.0.1:1 \
	    --tls-cert "$T/bad.pem" --tls-key "$T/bad.pem"
	refused --listen 127.0.0.1:0 --connect 127.0.0.1:1 --static "$T/none"
	refused --listen 127.0.0.1:0 --connect 127.0.0.1:1 \
	    --token-file "$T/none"
	refused --config "$T/bad.conf"
	refused --listen 127.0.0.1:0 -- "$T/none"
	refused --listen 127.0.0.1:0 --connect 127.0.0.1:1 --route /a="$T/none"
}

@test "bad options at start-up: exit 2, one line, nothing leaked" {
	refused --bogus
	refused --listen 127.0.0.1:0 --connect
	refused --listen 127.0.0.1:0 --connect 127.0.0.1:1 --origin 'http://[x'
	refused --listen 127.0.0.1:0 --connect 127.0.0.1:1 --header 'Bad Header'
	refused --listen 127.0.0.1:0 --connect 127.0.0.1:1 \
	    --route /a=127.0.0.1:2 --route /a=127.0.0.1:3
	refused --listen 127.0.0.1:0 --connect 127.0.0.1:1 --user no-such-user-x
}
