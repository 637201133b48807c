# Goal: a configuration that cannot work is refused at start-up, before "listening", with one line and exit status 2 (--check-config says so without starting); the command line and the file never silently disagree.

load helpers
load program_helpers
load front_helpers

bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
	[ -x "$WSBRIDGE" ] || skip "no $WSBRIDGE (make wsbridge)"
	EXAMPLE=$ROOT/packaging/example.conf
	# A directory other users can reach (the bats one is mode 0700).
	U=
}

eval "program_$(declare -f teardown)"
teardown() {
	program_teardown
	[ -z "$U" ] || rm -rf "$U"
}

# refused EXPECTED ARGS...: wsbridge ARGS exits 2 at once, prints nothing
# on stdout and exactly the line "wsbridge: EXPECTED" on stderr (so it never
# logged "listening").
refused() {
	local want=$1 rc=0; shift
	timeout 10 "$WSBRIDGE" "$@" >"$T/out" 2>"$T/err" 3>&- || rc=$?
	echo "args: $* -> status $rc, stderr:"; cat "$T/err"
	echo "expected: wsbridge: $want"
	[ "$rc" -eq 2 ]
	[ ! -s "$T/out" ]
	[ "$(cat "$T/err")" = "wsbridge: $want" ]
}

# checked ARGS...: wsbridge --check-config ARGS exits 0; its stdout in
# $output.
checked() {
	run --separate-stderr timeout 10 "$WSBRIDGE" --check-config "$@"
	echo "status $status, stdout:"; echo "$output"
	echo "stderr:"; echo "$stderr"
	[ "$status" -eq 0 ]
}

# shared_dir: $U, a fresh directory every user may enter.
shared_dir() {
	U=$(mktemp -d /tmp/wsb-config.XXXXXX)
	chmod 0755 "$U"
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (to switch users)"
}

# --- 1. two backends -------------------------------------------------------

@test "example.conf with 'connect' uncommented: refused with FILE:LINE, in either order" {
	local c p
	sed 's/^#connect 127.0.0.1:5900$/connect 127.0.0.1:5900/' "$EXAMPLE" \
	    >"$T/ex.conf"
	c=$(grep -n '^connect 127.0.0.1:5900$' "$T/ex.conf" | cut -d: -f1)
	p=$(grep -n '^program /bin/cat$' "$T/ex.conf" | cut -d: -f1)
	[ -n "$c" ] && [ -n "$p" ] && [ "$c" -lt "$p" ]
	refused "$T/ex.conf:$p: two backends: 'program /bin/cat' here and 'connect 127.0.0.1:5900' on line $c; keep one" \
	    --config "$T/ex.conf"
	# the other order
	printf 'listen 127.0.0.1:0\nprogram /bin/cat\n\nconnect 127.0.0.1:5900\n' \
	    >"$T/rev.conf"
	refused "$T/rev.conf:4: two backends: 'connect 127.0.0.1:5900' here and 'program /bin/cat' on line 2; keep one" \
	    --config "$T/rev.conf"
}

@test "two backends in a file: every pair, and two routes for one path, are refused" {
	mkdir "$T/www"
	printf 'listen 127.0.0.1:0\ndir %s\nprogram /bin/cat\n' "$T/www" \
	    >"$T/a.conf"
	refused "$T/a.conf:3: two backends: 'program /bin/cat' here and 'dir $T/www' on line 2; keep one" \
	    --config "$T/a.conf"
	printf 'listen 127.0.0.1:0\nprogram /bin/cat\nprogram /bin/echo\n' \
	    >"$T/b.conf"
	refused "$T/b.conf:3: two backends: 'program /bin/echo' here and 'program /bin/cat' on line 2; keep one" \
	    --config "$T/b.conf"
	printf 'listen 127.0.0.1:0\nconnect 127.0.0.1:1\ndir %s\n' "$T/www" \
	    >"$T/c.conf"
	refused "$T/c.conf:3: two backends: 'dir $T/www' here and 'connect 127.0.0.1:1' on line 2; keep one" \
	    --config "$T/c.conf"
	printf 'listen 127.0.0.1:0\nroute /vnc=127.0.0.1:1\nroute /x=127.0.0.1:3\nroute /vnc/=127.0.0.1:2\n' \
	    >"$T/d.conf"
	refused "$T/d.conf:4: two backends for route /vnc: '127.0.0.1:2' here and '127.0.0.1:1' on line 2; keep one" \
	    --config "$T/d.conf"
	# the same on the command line
	refused "two backends for route /vnc: --route given twice; keep one" \
	    --listen 127.0.0.1:0 --route /vnc=127.0.0.1:1 \
	    --route /vnc/=127.0.0.1:2
}

@test "the command line replaces the file's backend and routes: no conflict" {
	printf 'listen 127.0.0.1:0\nprogram /bin/cat\nroute /vnc=127.0.0.1:1\n' \
	    >"$T/f.conf"
	checked --config "$T/f.conf" --connect 127.0.0.1:2 \
	    --route /vnc=127.0.0.1:3
	grep -qx '/ -> 127.0.0.1:2' <<<"$output"
	grep -qx '/vnc -> 127.0.0.1:3' <<<"$output"
	! grep -q 'cat\|127.0.0.1:1' <<<"$output" || false
	checked --config "$T/f.conf" -- /bin/echo hi
	grep -qx '/ -> program /bin/echo hi (text)' <<<"$output"
}

# --- 2. backends that cannot work -------------------------------------------

@test "missing, non-executable and unfound programs, missing --dir: exit 2 before listening" {
	printf 'echo no\n' >"$T/noexec.sh"
	mkdir "$T/sub"
	refused "program $T/no-such-program: No such file or directory" \
	    --listen 127.0.0.1:0 -- "$T/no-such-program"
	refused "program $T/noexec.sh: not executable" \
	    --listen 127.0.0.1:0 -- "$T/noexec.sh"
	refused "program $T/sub: not a regular file" \
	    --listen 127.0.0.1:0 -- "$T/sub"
	refused "program wsb-no-such-command: not found in PATH" \
	    --listen 127.0.0.1:0 -- wsb-no-such-command
	refused "--dir $T/no-such-dir: No such file or directory" \
	    --listen 127.0.0.1:0 --dir "$T/no-such-dir"
	refused "--dir $T/noexec.sh: not a directory" \
	    --listen 127.0.0.1:0 --dir "$T/noexec.sh"
	refused "--route /p: program $T/no-such-program: No such file or directory" \
	    --listen 127.0.0.1:0 --route "/p=$T/no-such-program -x"
	# relative to the current directory on the command line
	(cd "$T" && refused "--route /p: program $T/nothere.sh: No such file or directory" \
	    --listen 127.0.0.1:0 --route /p=./nothere.sh)
	printf 'listen 127.0.0.1:0\nprogram %s/no-such-program\n' "$T" >"$T/p.conf"
	refused "program $T/no-such-program: No such file or directory" \
	    --config "$T/p.conf"
}

@test "relative paths in a file are the file's directory's, even started from /; bare names come from PATH" {
	mkdir -p "$T/etc/progs"
	script etc/progs/echo.sh '#!/bin/sh
exec cat'
	script etc/progs/hello.sh '#!/bin/sh
echo hello'
	printf 'listen 127.0.0.1:0\nprogram progs/echo.sh\nroute /hello=./progs/hello.sh\n' \
	    >"$T/etc/rel.conf"
	cd /
	checked --config "$T/etc/rel.conf"
	grep -qx "/ -> program $T/etc/progs/echo.sh (text)" <<<"$output"
	grep -qx "/hello -> program $T/etc/progs/hello.sh (text)" <<<"$output"
	start_wsbridge --config "$T/etc/rel.conf"
	run pc talk "$PORT" --path /hello
	echo "$output"
	expect_output 'text "hello"
close 1000 ""
tcp_closed=True'
	run pc talk "$PORT" --send ping --expect 1 --end close
	echo "$output"
	[ "${lines[0]}" = 'text "ping"' ]
	# a bare name is looked up in PATH once, at start-up
	checked --listen 127.0.0.1:0 -- cat -u
	grep -qx "/ -> program $(command -v cat) -u (text)" <<<"$output"
}

# --- 3. user and group -------------------------------------------------------

@test "unknown user or group in a file: exit 2 before listening" {
	printf 'listen 127.0.0.1:0\nconnect 127.0.0.1:1\nuser wsb-no-such-user\n' \
	    >"$T/u.conf"
	refused "--user wsb-no-such-user: no such user" --config "$T/u.conf"
	printf 'listen 127.0.0.1:0\nconnect 127.0.0.1:1\nuser root\ngroup wsb-no-such-group\n' \
	    >"$T/g.conf"
	refused "--group wsb-no-such-group: no such group" --config "$T/g.conf"
}

@test "'user' in the file of a server that may not switch users (as under the systemd unit): exit 2 before listening" {
	need_root
	shared_dir
	printf 'listen 127.0.0.1:0\nconnect 127.0.0.1:1\nuser daemon\n' >"$U/u.conf"
	chmod 0644 "$U/u.conf"
	local rc=0
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$WSBRIDGE" --config "$U/u.conf" >"$T/out" 2>"$T/err" 3>&- || rc=$?
	cat "$T/err"
	[ "$rc" -eq 2 ]
	[ "$(cat "$T/err")" = "wsbridge: --user daemon: cannot switch to it: Operation not permitted" ]
	# naming the user it already is: nothing to switch, accepted
	printf 'listen 127.0.0.1:0\nconnect 127.0.0.1:1\nuser nobody\n' >"$U/same.conf"
	chmod 0644 "$U/same.conf"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$WSBRIDGE" --check-config --config "$U/same.conf"
	echo "$output"
	[ "$status" -eq 0 ]
}

# --- 4. option errors ---------------------------------------------------------

@test "a value given to an option that takes none, a missing value: one clear line" {
	local l=(--listen 127.0.0.1:0 --connect 127.0.0.1:1)
	refused "option --binary takes no value (remove '=true')" "${l[@]}" --binary=true
	refused "option --help takes no value (remove '=yes')" --help=yes
	refused "option --same-origin takes no value (remove '=1')" "${l[@]}" --same-orig=1
	refused "option --max-message needs a value" "${l[@]}" --max-message
	refused "option --listen needs a value" --connect 127.0.0.1:1 --listen
	refused "option -l needs a value" --connect 127.0.0.1:1 -l
}

@test "an unknown option suggests the closest one, on the command line and in a file" {
	local l=(--listen 127.0.0.1:0 --connect 127.0.0.1:1)
	refused "unknown option --conect; did you mean --connect?" --conect 127.0.0.1:1
	refused "unknown option --tls-kye; did you mean --tls-key?" "${l[@]}" --tls-kye=x
	refused "unknown option --bogus (see --help)" "${l[@]}" --bogus
	refused "unknown option -Z (see --help)" -Z "${l[@]}"
	refused "option --conn is ambiguous: --connect, --connect-timeout" \
	    --listen 127.0.0.1:0 --conn 127.0.0.1:1
	printf 'listen 127.0.0.1:0\nconect 127.0.0.1:1\n' >"$T/o.conf"
	refused "$T/o.conf:2: unknown option 'conect'; did you mean 'connect'?" \
	    --config "$T/o.conf"
	printf 'listen 127.0.0.1:0\nbinary yes\nconnect 127.0.0.1:1\n' >"$T/b.conf"
	refused "$T/b.conf:2: 'binary' takes no value" --config "$T/b.conf"
}

# --- 5. --check-config ----------------------------------------------------------

@test "--check-config and -t: what would listen where, exit 0; nothing bound, nothing started" {
	local port
	start_backend echo
	# the port is taken: --check-config must not try to bind it
	start_wsbridge --listen 127.0.0.1:0 --connect "127.0.0.1:$BACKEND_PORT"
	port=$PORT
	printf 'listen 127.0.0.1:%s\nlisten unix:%s/ws.sock,proxy\nconnect 127.0.0.1:%s\nroute /p=/bin/cat\n' \
	    "$port" "$T" "$BACKEND_PORT" >"$T/t.conf"
	checked --config "$T/t.conf"
	expect_output "listen 127.0.0.1:$port
listen unix:$T/ws.sock,proxy (PROXY protocol)
/ -> 127.0.0.1:$BACKEND_PORT
/p -> program /bin/cat (text)
configuration OK"
	[ -z "$stderr" ]
	[ ! -e "$T/ws.sock" ]
	run --separate-stderr timeout 10 "$WSBRIDGE" -t --config "$T/t.conf"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "configuration OK" ]
	# and a configuration that cannot work: the same line as a start
	refused "program $T/nope: No such file or directory" -t \
	    --listen 127.0.0.1:0 -- "$T/nope"
	refused "--tls-cert $T/none.pem: No such file or directory" \
	    --check-config --listen 127.0.0.1:0 --connect 127.0.0.1:1 \
	    --tls-cert "$T/none.pem" --tls-key "$T/none.key"
	kill -0 "$SERVER_PID"
}

@test "the systemd unit checks the configuration before a reload" {
	grep -qxF 'ExecReload=/usr/bin/wsbridge --check-config --config /etc/wsbridge/%i.conf' \
	    "$ROOT/packaging/debian/wsbridge@.service"
	# and only then signals
	[ "$(grep '^ExecReload=' "$ROOT/packaging/debian/wsbridge@.service" |
	    tail -n 1)" = 'ExecReload=/bin/kill -HUP $MAINPID' ]
}

# --- 6. a key the user cannot read ------------------------------------------------

@test "a TLS key --user cannot read: exit 2 at start-up, naming the file" {
	need_root
	shared_dir
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj /CN=localhost -days 2 -keyout "$U/key.pem" -out "$U/cert.pem" \
	    2>/dev/null
	chmod 0644 "$U/cert.pem"
	chmod 0600 "$U/key.pem"
	local tls=(--tls-cert "$U/cert.pem" --tls-key "$U/key.pem"
	    --listen 127.0.0.1:0 --connect 127.0.0.1:1)
	# root reads it; a reload as nobody could not
	refused "--tls-key $U/key.pem: not readable by user nobody: Permission denied" \
	    "${tls[@]}" --user nobody
	refused "--tls-key $U/key.pem: not readable by user nobody: Permission denied" \
	    -t "${tls[@]}" --user nobody
	# group-readable for the user's group: fine
	chgrp nogroup "$U/key.pem"
	chmod 0640 "$U/key.pem"
	checked "${tls[@]}" --user nobody
	grep -qx 'listen 127.0.0.1:0 (TLS)' <<<"$output"
	grep -qx 'run as user nobody' <<<"$output"
	# the same for a program only root may run
	printf '#!/bin/sh\ncat\n' >"$U/prog"
	chmod 0700 "$U/prog"
	refused "program $U/prog: not executable by user nobody" \
	    --listen 127.0.0.1:0 --user nobody -- "$U/prog"
}

# --- 7. token files ------------------------------------------------------------------

@test "token files: a bad line is skipped with a warning naming FILE:LINE, the rest is served" {
	start_tag_backend A
	local pa=$TAG_PORT
	mkdir "$T/tokens.d"
	printf 'one: 127.0.0.1:%s\n' "$pa" >"$T/tokens.d/a.conf"
	printf '# two\ntwo: 127.0.0.1:%s\nthree 127.0.0.1:1\nfour: 127.0.0.1:%s\n' \
	    "$pa" "$pa" >"$T/tokens.d/b.conf"
	start_wsbridge --listen 127.0.0.1:0 --token-file "$T/tokens.d"
	untimed "$T/server.log" | grep -qxF "wsbridge: warn: token file $T/tokens.d/b.conf:3: expected 'token: target'; line skipped"
	run fc lines "$PORT" --path '/?token=four' --count 1
	[ "$output" = 'binary A\n' ]
	run fc lines "$PORT" --path /one --count 1
	[ "$output" = 'binary A\n' ]
	# a reload: the new bad line is skipped, the new good one taken
	printf 'five: 127.0.0.1:%s\nsix: nowhere\n' "$pa" >"$T/tokens.d/c.conf"
	kill -HUP "$SERVER_PID"
	wait_for 5 log_has "$T/server.log" "token file $T/tokens.d/c.conf:2: bad target 'nowhere'"
	wait_for 5 log_has "$T/server.log" "token file $T/tokens.d: 4 token"
	run fc lines "$PORT" --path /five --count 1
	[ "$output" = 'binary A\n' ]
}
