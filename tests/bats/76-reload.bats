# Goal: SIGHUP reloads the --config file for new connections (limits, routes, server names), open connections keep the configuration they were accepted with, a bad file is refused in one line, and what needs a restart says so -- alone and with --workers.

load 'helpers'
load 'front_helpers'

RC=$HELPERS/reload_client.py

# rc ARGS...: tests/helpers/reload_client.py, bounded in time.
rc() {
	timeout 60 "$PY" "$RC" "$@"
}

# conf LISTEN MAX_MESSAGE ROUTE_PORT SERVER_NAME [MORE LINES...]: the
# --config file $T/wsb.conf, written whole (a rename, as editors do).
conf() {
	{
		echo "# written by 76-reload.bats"
		echo "listen $1"
		echo "max-message $2"
		echo "route /r=127.0.0.1:$3"
		echo "server-name $4"
		echo "connect 127.0.0.1:$TAG_A"
		shift 4
		printf '%s\n' "$@"
	} >"$T/wsb.conf.new"
	mv "$T/wsb.conf.new" "$T/wsb.conf"
}

# Two tagged echo backends: A and B.
setup() {
	T=$BATS_TEST_TMPDIR
	need_server
	start_tag_backend A
	TAG_A=$TAG_PORT
	start_tag_backend B
	TAG_B=$TAG_PORT
}

# count REGEX: lines of the server's log that match.
count() {
	grep -Ec -- "$1" "$T/server.log" || true
}

# hup_seen N: the workers (or the server) logged N token-file lines.
hup_seen() {
	[ "$(count 'token file .*: [0-9]+ token\(s\)$')" -eq "$1" ]
}

# as_new: what new connections get now: route, limit, server name.
as_new() {
	rc "$PORT" --path /r --host new.test --first --size 5000
	rc "$PORT" --path / --host old.test
}

@test "SIGHUP after editing --config: new connections get the new --max-message, --route and --server-name; an open one keeps its own" {
	conf 127.0.0.1:0 100000 "$TAG_A" old.test
	start_wsbridge --config "$T/wsb.conf"
	run rc "$PORT" --path /r --host old.test --first --size 5000
	[ "$output" = "$(printf 'status 101\nfirst A\necho 5000')" ]
	# Open before the reload, used after it.
	bg held "$PY" "$RC" "$PORT" --path /r --host old.test --first \
	    --size 5000 --ready-file "$T/ready" --go-file "$T/go"
	local held=$BG_PID
	wait_for 10 test -e "$T/ready"
	conf 127.0.0.1:0 1000 "$TAG_B" new.test
	kill -HUP "$SERVER_PID"
	wait_for 5 log_has "$T/server.log" "info: SIGHUP: configuration 2 loaded$"
	run as_new
	[ "$output" = "$(printf 'status 101\nfirst B\nclose 1009\nstatus 421')" ]
	touch "$T/go"
	wait "$held"
	[ "$(cat "$T/held.out")" = "$(printf 'status 101\nfirst A\necho 5000')" ]
	# Nothing needed a restart.
	[ "$(count 'restart')" -eq 0 ]
}

@test "SIGHUP with a broken --config: refused in one line, the old configuration keeps serving" {
	conf 127.0.0.1:0 100000 "$TAG_A" old.test
	start_wsbridge --config "$T/wsb.conf"
	# A syntax error.
	conf 127.0.0.1:0 1000 "$TAG_B" new.test "max-mesage 5"
	kill -HUP "$SERVER_PID"
	wait_for 5 log_has "$T/server.log" "SIGHUP: configuration refused"
	untimed "$T/server.log" | grep -xF "wsbridge: warn: SIGHUP: configuration refused, keeping the old one: $T/wsb.conf:7: unknown option 'max-mesage'; did you mean 'max-message'?"
	run rc "$PORT" --path /r --host old.test --first --size 5000
	[ "$output" = "$(printf 'status 101\nfirst A\necho 5000')" ]
	# A backend that cannot work: the start-up checks refuse it too.
	conf 127.0.0.1:0 1000 "$TAG_B" new.test "route /p=$T/no-such-program"
	kill -HUP "$SERVER_PID"
	wait_for 5 eval '[ "$(count "configuration refused")" -eq 2 ]'
	untimed "$T/server.log" | grep -F "configuration refused" | tail -n 1 |
	    grep -F "no-such-program"
	run rc "$PORT" --path /r --host old.test --first --size 5000
	[ "$output" = "$(printf 'status 101\nfirst A\necho 5000')" ]
	[ "$(count 'warn:')" -eq 2 ]
	[ "$(count 'configuration [0-9]+ loaded')" -eq 0 ]
	kill -0 "$SERVER_PID"
}

@test "SIGHUP with a changed listen address: one line says it needs a restart, the rest is reloaded" {
	conf 127.0.0.1:0 100000 "$TAG_A" old.test
	start_wsbridge --config "$T/wsb.conf"
	conf 127.0.0.1:1 1000 "$TAG_B" new.test
	kill -HUP "$SERVER_PID"
	wait_for 5 log_has "$T/server.log" "SIGHUP: configuration 2 loaded$"
	untimed "$T/server.log" | grep -xF "wsbridge: warn: SIGHUP: --listen changed: kept as it was until a restart"
	[ "$(count 'restart')" -eq 1 ]
	# Still on the old address, with the new rest.
	run as_new
	[ "$output" = "$(printf 'status 101\nfirst B\nclose 1009\nstatus 421')" ]
}

@test "--workers 2: every worker takes the new --config, a broken one and a changed listen address are reported once" {
	: >"$T/tokens"
	conf 127.0.0.1:0 100000 "$TAG_A" old.test "workers 2" \
	    "token-file $T/tokens"
	start_wsbridge --config "$T/wsb.conf"
	wait_for 10 eval '[ "$(count "workers started")" -eq 1 ]'
	bg held "$PY" "$RC" "$PORT" --path /r --host old.test --first \
	    --size 5000 --ready-file "$T/ready" --go-file "$T/go"
	local held=$BG_PID
	wait_for 10 test -e "$T/ready"
	local seen
	seen=$(count 'token\(s\)$')
	conf 127.0.0.1:1 1000 "$TAG_B" new.test "workers 2" \
	    "token-file $T/tokens"
	kill -HUP "$SERVER_PID"
	wait_for 10 hup_seen $(( seen + 2 ))
	[ "$(count 'configuration 2 loaded')" -eq 1 ]
	[ "$(count 'listen changed')" -eq 1 ]
	# Connections land on either worker: every one is served the new way.
	local i
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		run as_new
		[ "$output" = "$(printf 'status 101\nfirst B\nclose 1009\nstatus 421')" ]
	done
	[ "$(untimed "$T/server.log" | sed -n 's/^wsbridge\[\([0-9]*\)\]: .* 421 .*/\1/p' | sort -u | wc -l)" -eq 2 ]
	touch "$T/go"
	wait "$held"
	[ "$(cat "$T/held.out")" = "$(printf 'status 101\nfirst A\necho 5000')" ]
	# Broken: the master says so once; the workers keep what they have.
	conf 127.0.0.1:1 100000 "$TAG_A" old.test "workers 2" \
	    "token-file $T/tokens" "bogus-option"
	kill -HUP "$SERVER_PID"
	wait_for 10 hup_seen $(( seen + 4 ))
	[ "$(count 'configuration refused')" -eq 1 ]
	[ "$(count 'listen changed')" -eq 1 ]
	run as_new
	[ "$output" = "$(printf 'status 101\nfirst B\nclose 1009\nstatus 421')" ]
}
