# Goal: a terminal is not served to the network by accident: --pty on an address other hosts reach needs --basic-auth, --tls-client-ca, --token-file or --allow-public-pty (else exit 2 with the reason), and Origins default to same-origin.

load helpers
load front_helpers

# pty_refused ARGS...: start-up refused, exit 2, one line saying why.
pty_refused() {
	run timeout 10 "$WSBRIDGE" "$@"
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$(grep -c . <<<"$output")" -eq 1 ]
	[[ "$output" == "wsbridge: --pty on "*" would give a terminal to anyone who can reach that address: there is no --basic-auth, --tls-client-ca or --token-file."*"--allow-public-pty"* ]]
}

# pty_accepted ARGS...: the configuration passes (--check-config, exit 0).
pty_accepted() {
	run timeout 10 "$WSBRIDGE" --check-config "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "--pty on a public address without a login is refused with the reason" {
	pty_refused --listen 0.0.0.0:0 --pty -- cat
	[[ "$output" == "wsbridge: --pty on 0.0.0.0:0 would"* ]]
	pty_refused --listen 0 --pty -- cat
	pty_refused --listen '[::]:0' --pty -- cat
	pty_refused --listen 192.0.2.1:0 --pty -- cat
	pty_refused --listen example.org:0 --pty -- cat
	# one public listener among local ones is enough to refuse
	pty_refused --listen 127.0.0.1:0 --listen 0.0.0.0:0 --pty -- cat
	# a configuration file is held to the same rule
	printf 'listen 0.0.0.0:0\npty\n' >"$T/public.conf"
	run timeout 10 "$WSBRIDGE" --config "$T/public.conf" -- cat
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == "wsbridge: --pty on 0.0.0.0:0 would give a terminal"* ]]
}

@test "--pty is served on loopback and Unix sockets, or publicly with a login, a token file or --allow-public-pty" {
	pty_accepted --listen 127.0.0.1:0 --pty -- cat
	# --check-config says where the program runs
	[[ "$output" == *"/ -> program "*"cat (on a pty)"* ]]
	pty_accepted --listen 127.0.0.2:0 --pty -- cat
	pty_accepted --listen '[::1]:0' --pty -- cat
	pty_accepted --listen localhost:0 --pty -- cat
	pty_accepted --listen "unix:$T/pty.sock" --pty -- cat
	printf 'alice:%s\n' "$(openssl passwd -6 secret)" >"$T/users"
	pty_accepted --listen 0.0.0.0:0 --pty --basic-auth "$T/users" -- cat
	echo "tok: 127.0.0.1:1" >"$T/tokens"
	pty_accepted --listen 0.0.0.0:0 --pty --token-file "$T/tokens" -- cat
	pty_accepted --listen 0.0.0.0:0 --pty --allow-public-pty -- cat
	# without --pty nothing changes
	pty_accepted --listen 0.0.0.0:0 -- cat
}

@test "--pty: an Origin from another site gets 403 unless --origin allows it; no Origin passes" {
	start_front --listen 127.0.0.1:0 --pty -- cat
	[ "$(status_of "$PORT" --upgrade --header "Origin: http://127.0.0.1:$PORT")" = 101 ]
	[ "$(status_of "$PORT" --upgrade --header "Origin: http://evil.example")" = 403 ]
	[ "$(status_of "$PORT" --upgrade)" = 101 ]
	log_has "$T/server.log" "warn: #[0-9]+ peer=127.0.0.1:[0-9]+ 403 Forbidden: Origin not allowed"
	kill "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 10
	start_front --listen 127.0.0.1:0 --pty --origin http://evil.example -- cat
	[ "$(status_of "$PORT" --upgrade --header "Origin: http://evil.example")" = 101 ]
	[ "$(status_of "$PORT" --upgrade --header "Origin: http://127.0.0.1:$PORT")" = 403 ]
}
