# Goal: wss:// end to end: real clients verifying a test CA, protocol floor and ALPN, client certificates reaching programs, start-up checks of the key pair, SIGHUP reload, mixed TLS/plain listeners, and bulk data over TLS.

load helpers
load front_helpers

bats_require_minimum_version 1.5.0

setup_file() {
	make_pki "$BATS_FILE_TMPDIR/pki"
}

setup() {
	T=$BATS_TEST_TMPDIR
	need_server
	P=$BATS_FILE_TMPDIR/pki
	TLS=(--tls-cert "$P/server.pem" --tls-key "$P/server.key")
}

# s_client ARGS...: openssl s_client to the server, stdin closed at once.
s_client() {
	timeout 20 openssl s_client -connect "127.0.0.1:$PORT" "$@" \
	    </dev/null 2>&1
}

# served_subject: the subject of the certificate a new connection gets.
served_subject() {
	s_client -showcerts | openssl x509 -noout -subject -nameopt RFC2253
}

@test "wss echo through a TCP echo backend: Node ws and python websockets verify the test CA" {
	start_backend echo
	start_front "${TLS[@]}" --listen 127.0.0.1:0 \
	    --connect "127.0.0.1:$BACKEND_PORT"
	log_has "$T/server.log" "listening on 127\.0\.0\.1:$PORT \(TLS\)"
	run fws --url "wss://127.0.0.1:$PORT/" --ca "$P/ca.pem" \
	    --sizes 1,125,126,65536,300000
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ok ' <<<"$output")" -eq 5 ]
	run fc echo "$PORT" --cafile "$P/ca.pem" --sizes 0,1,70000,1048576
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "ok 1048576 bytes" ]
	[ "${lines[4]}" = "close 1000" ]
	# Sanity: the same client refuses a server it cannot verify.
	run fc echo "$PORT" --cafile "$P/other-ca.pem" --sizes 1
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *CERTIFICATE_VERIFY_FAILED* ]]
}

@test "TLS 1.1 is refused with one log line; TLS 1.2 and 1.3 are accepted" {
	start_backend echo
	start_front "${TLS[@]}" --listen 127.0.0.1:0 \
	    --connect "127.0.0.1:$BACKEND_PORT"
	# SECLEVEL=0 so that our own client is willing to offer TLS 1.1.
	run s_client -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
	echo "$output"
	[ "$status" -ne 0 ]
	wait_for 5 log_has "$T/server.log" "TLS handshake"
	run grep -c "peer=127.0.0.1:" "$T/server.log"
	[ "$output" -eq 1 ]
	log_has "$T/server.log" "unsupported protocol|version"
	run s_client -tls1_2 -CAfile "$P/ca.pem"
	[ "$status" -eq 0 ]
	[[ $output == *"Protocol  : TLSv1.2"* ]]
	[[ $output == *"Verify return code: 0 (ok)"* ]]
	run s_client -tls1_3 -CAfile "$P/ca.pem"
	[ "$status" -eq 0 ]
	[[ $output == *"TLSv1.3"* ]]
}

@test "--tls-min-version 1.3 refuses TLS 1.2" {
	start_backend echo
	start_front "${TLS[@]}" --tls-min-version 1.3 \
	    --listen 127.0.0.1:0 --connect "127.0.0.1:$BACKEND_PORT"
	run s_client -tls1_2
	echo "$output"
	[ "$status" -ne 0 ]
	run s_client -tls1_3 -CAfile "$P/ca.pem"
	[ "$status" -eq 0 ]
	[[ $output == *"Verify return code: 0 (ok)"* ]]
	run fc echo "$PORT" --cafile "$P/ca.pem" --sizes 1000
	[ "$status" -eq 0 ]
}

@test "ALPN: http/1.1 offered is selected; h2 alone is not" {
	start_backend echo
	start_front "${TLS[@]}" --listen 127.0.0.1:0 \
	    --connect "127.0.0.1:$BACKEND_PORT"
	run s_client -alpn h2,http/1.1
	echo "$output"
	[[ $output == *"ALPN protocol: http/1.1"* ]]
	run s_client -alpn h2
	echo "$output"
	[[ $output == *"No ALPN negotiated"* ]]
}

@test "--tls-client-ca: no certificate or a stranger's fails; the right one reaches the program" {
	env_script "$T/env.sh"
	start_front "${TLS[@]}" --tls-client-ca "$P/ca.pem" \
	    --listen 127.0.0.1:0 -- "$T/env.sh"
	run fc lines "$PORT" --cafile "$P/ca.pem"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output != *SSL_CLIENT* ]]
	run fc lines "$PORT" --cafile "$P/ca.pem" \
	    --cert "$P/other-client.pem" --key "$P/other-client.key"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output != *SSL_CLIENT* ]]
	! log_has "$T/server.log" "client certificate: " || false
	run fc lines "$PORT" --cafile "$P/ca.pem" \
	    --cert "$P/client.pem" --key "$P/client.key"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx 'SSL_CLIENT_S_DN=CN=client' <<<"$output"
	grep -qx 'SSL_CLIENT_VERIFY=SUCCESS' <<<"$output"
	grep -qx 'HTTPS=on' <<<"$output"
	log_has "$T/server.log" "#[0-9]+ client certificate: CN=client$"
}

@test "start-up checks: a key of another certificate, an unreadable key, an expired certificate: exit 2, one line" {
	local ports=(--listen 127.0.0.1:0 --connect 127.0.0.1:9)
	run -2 --separate-stderr timeout 10 "$WSBRIDGE" \
	    --tls-cert "$P/server.pem" --tls-key "$P/wrong.key" "${ports[@]}"
	echo "$stderr"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *wrong.key* || $stderr == *server.pem* ]]
	run -2 --separate-stderr timeout 10 "$WSBRIDGE" \
	    --tls-cert "$P/server.pem" --tls-key "$T/missing.key" "${ports[@]}"
	echo "$stderr"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *missing.key* ]]
	head -c 300 /dev/urandom >"$T/garbage.key"
	run -2 --separate-stderr timeout 10 "$WSBRIDGE" \
	    --tls-cert "$P/server.pem" --tls-key "$T/garbage.key" "${ports[@]}"
	echo "$stderr"
	[ "${#stderr_lines[@]}" -eq 1 ]
	run -2 --separate-stderr timeout 10 "$WSBRIDGE" \
	    --tls-cert "$P/expired.pem" --tls-key "$P/server.key" "${ports[@]}"
	echo "$stderr"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *expired* ]]
}

@test "SIGHUP: new connections get the new certificate, an open one keeps echoing; a bad file keeps the old one" {
	start_backend echo
	cp "$P/server.pem" "$T/cert.pem"
	cp "$P/server.key" "$T/cert.key"
	start_front --tls-cert "$T/cert.pem" --tls-key "$T/cert.key" \
	    --listen 127.0.0.1:0 --connect "127.0.0.1:$BACKEND_PORT"
	[ "$(served_subject)" = "subject=CN=localhost" ]
	bg hold "$PY" "$FRONT" hold "$PORT" --cafile "$P/ca.pem" \
	    --ready-file "$T/ready" --release-file "$T/release" --timeout 30
	local hold=$BG_PID
	wait_for 10 test -e "$T/ready"
	cp "$P/server-b.pem" "$T/cert.pem"
	cp "$P/server-b.key" "$T/cert.key"
	kill -HUP "$SERVER_PID"
	wait_for 5 log_has "$T/server.log" "SIGHUP: TLS certificate and key reloaded"
	[ "$(served_subject)" = "subject=CN=reloaded.localhost" ]
	touch "$T/release"
	wait "$hold"
	grep -qx "second ok" "$T/hold.out"
	# A broken pair: the warning, and the last good certificate stays.
	echo garbage >"$T/cert.pem"
	kill -HUP "$SERVER_PID"
	wait_for 5 log_has "$T/server.log" "warn: SIGHUP: keeping the old certificate"
	[ "$(served_subject)" = "subject=CN=reloaded.localhost" ]
	run fc echo "$PORT" --cafile "$P/ca.pem" --sizes 100
	[ "$status" -eq 0 ]
	kill -0 "$SERVER_PID"
}

@test "mixed listeners: ,tls and ,plain side by side" {
	start_backend echo
	start_front "${TLS[@]}" --listen 127.0.0.1:0,tls \
	    --listen 127.0.0.1:0,plain --connect "127.0.0.1:$BACKEND_PORT"
	wait_listening 2
	local tls plain
	tls=$(sed -En "s/^${LOG_TS}wsbridge: info: listening on 127\.0\.0\.1:([0-9]*) \(TLS\)\$/\1/p" "$T/server.log")
	plain=$(sed -En "s/^${LOG_TS}wsbridge: info: listening on 127\.0\.0\.1:([0-9]*)\$/\1/p" "$T/server.log")
	[ -n "$tls" ] && [ -n "$plain" ] && [ "$tls" != "$plain" ]
	run fc echo "$tls" --cafile "$P/ca.pem" --sizes 10,100000
	echo "$output"
	[ "$status" -eq 0 ]
	run fc echo "$plain" --sizes 10,100000
	echo "$output"
	[ "$status" -eq 0 ]
	# And each speaks only its own: TLS to the plain one fails.
	run fc echo "$plain" --cafile "$P/ca.pem" --sizes 1 --timeout 5
	[ "$status" -ne 0 ]
}

@test "bulk over TLS: 16 MiB echoed, sha256 equal" {
	start_backend echo
	start_front "${TLS[@]}" --listen 127.0.0.1:0 \
	    --connect "127.0.0.1:$BACKEND_PORT"
	run fc bulk "$PORT" --cafile "$P/ca.pem" --bytes 16777216 --timeout 60
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]#sent }" = "${lines[1]#got }" ]
	wait_for 10 log_has "$T/server.log" "close .* rx=16777216 tx=16777216"
}
