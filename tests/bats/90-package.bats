# Goal: the Debian package builds from the work tree, is lintian-clean, ships the binary, man page, unit, example conffile and docs, and what it ships works.

# dpkg-buildpackage and lintian take a minute or two on a busy machine.
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT_PACKAGE:-300}
load helpers

# The package is built once for the file; each test reads the copy in
# $BATS_FILE_TMPDIR/deb (build/deb may be cleaned meanwhile).
setup_file() {
	local root start
	root=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	need_tool dpkg-buildpackage dpkg-dev
	need_tool dh debhelper
	start=$(date +%s)
	"$root/packaging/build-deb.sh" >"$BATS_FILE_TMPDIR/build.out" 2>&1 ||
	    { cat "$BATS_FILE_TMPDIR/build.out"; return 1; }
	mkdir "$BATS_FILE_TMPDIR/deb"
	cp "$root"/build/deb/*.deb "$root"/build/deb/*.changes \
	    "$root"/build/deb/*.buildinfo "$BATS_FILE_TMPDIR/deb/"
	echo "$(( $(date +%s) - start ))" >"$BATS_FILE_TMPDIR/build.seconds"
	# A throw-away root with the package's files.
	dpkg-deb -x "$BATS_FILE_TMPDIR"/deb/wsbridge_*_*.deb \
	    "$BATS_FILE_TMPDIR/root"
}

setup() {
	T=$BATS_TEST_TMPDIR
	D=$BATS_FILE_TMPDIR/deb
	R=$BATS_FILE_TMPDIR/root
	VERSION=$(cat "$ROOT/VERSION")
	DEB=$(echo "$D"/wsbridge_"$VERSION"_*.deb)
}

@test "package: builds into build/deb/ with the version of VERSION" {
	note "dpkg-buildpackage took $(cat "$BATS_FILE_TMPDIR/build.seconds")s"
	ls -l "$D"
	[ -f "$DEB" ]
	ls "$D"/wsbridge_"$VERSION"_*.changes
	ls "$D"/wsbridge_"$VERSION"_*.buildinfo
	[ "$(dpkg-deb -f "$DEB" Package)" = wsbridge ]
	[ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ]
}

@test "package: lintian reports no errors and no warnings" {
	need_tool lintian lintian
	local start=$(date +%s)
	# stderr only has lintian's "running with root privileges" notice
	timeout 300 lintian --pedantic --info --show-overrides \
	    "$D"/wsbridge_"$VERSION"_*.changes >"$T/lintian.out" 2>"$T/lintian.log"
	note "lintian took $(( $(date +%s) - start ))s"
	cat "$T/lintian.out"
	# ("! grep" would not fail a bats test: set -e ignores it)
	if grep -E '^[EW]: ' "$T/lintian.out"; then
		return 1
	fi
	# nor overridden in silence: accepted tags are in packaging/README.md
	if grep -E '^O: ' "$T/lintian.out"; then
		return 1
	fi
}

@test "package: holds the binary, man page, unit, example conffile and docs" {
	dpkg-deb -c "$DEB" | awk '{ print $NF }' >"$T/list"
	cat "$T/list"
	grep -qx './usr/bin/wsbridge' "$T/list"
	grep -qx './usr/share/man/man1/wsbridge.1.gz' "$T/list"
	grep -qx './lib/systemd/system/wsbridge@.service' "$T/list"
	grep -qx './etc/wsbridge/example.conf' "$T/list"
	grep -qx './usr/share/doc/wsbridge/' "$T/list"
	grep -qx './usr/share/doc/wsbridge/copyright' "$T/list"
	grep -Eqx './usr/share/doc/wsbridge/README.md(.gz)?' "$T/list"
	# every page of docs/
	local f
	for f in "$ROOT"/docs/*.md; do
		grep -Eqx "./usr/share/doc/wsbridge/docs/${f##*/}(.gz)?" "$T/list" ||
		    { echo "missing docs/${f##*/}"; return 1; }
	done
	# the example is a conffile, kept on upgrade and removed on purge
	dpkg-deb -e "$DEB" "$T/control"
	grep -qx '/etc/wsbridge/example.conf' "$T/control/conffiles"
	# the installed man page is the one in docs/
	zcat "$R/usr/share/man/man1/wsbridge.1.gz" | cmp - "$ROOT/docs/wsbridge.1"
}

@test "package: the extracted binary runs and tells its version" {
	run "$R/usr/bin/wsbridge" --version
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "wsbridge $VERSION" ]
}

@test "package: systemd-analyze verify accepts an instance of the unit" {
	need_tool systemd-analyze systemd
	local unit=$R/lib/systemd/system/wsbridge@.service d
	# The directives the unit promises.
	for d in 'User=wsbridge' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
	    'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
	    'ProtectKernelTunables=yes' 'ProtectKernelModules=yes' \
	    'ProtectKernelLogs=yes' 'ProtectControlGroups=yes' \
	    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
	    'RestrictNamespaces=yes' 'LockPersonality=yes' \
	    'MemoryDenyWriteExecute=yes' 'SystemCallArchitectures=native' \
	    'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' \
	    'AmbientCapabilities=CAP_NET_BIND_SERVICE' \
	    'ExecReload=/usr/bin/wsbridge --check-config --config /etc/wsbridge/%i.conf' \
	    'ExecReload=/bin/kill -HUP $MAINPID' 'Restart=on-failure' \
	    'ExecStart=/usr/bin/wsbridge --config /etc/wsbridge/%i.conf'; do
		grep -qxF "$d" "$unit" || { echo "unit lacks: $d"; return 1; }
	done
	# An instance whose ExecStart (and ExecReload check) is the extracted
	# binary, and man pages from the extracted tree, so that verify checks
	# them too (Documentation=man:wsbridge(1)): any message at all fails.
	sed "s|^\(Exec[A-Za-z]*=\)/usr/bin/wsbridge |\1$R/usr/bin/wsbridge |" \
	    "$unit" >"$T/wsbridge@pkgtest.service"
	grep -q "^ExecStart=$R/usr/bin/wsbridge " "$T/wsbridge@pkgtest.service"
	grep -q "^ExecReload=$R/usr/bin/wsbridge " "$T/wsbridge@pkgtest.service"
	run env MANPATH="$R/usr/share/man" \
	    systemd-analyze verify "$T/wsbridge@pkgtest.service"
	echo "status $status: $output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "package: the extracted binary runs the example configuration" {
	sed 's/^listen .*/listen 127.0.0.1:0/' "$R/etc/wsbridge/example.conf" \
	    >"$T/example.conf"
	grep -qx 'listen 127.0.0.1:0' "$T/example.conf"
	WSBRIDGE=$R/usr/bin/wsbridge
	start_wsbridge --config "$T/example.conf"
	# it is an echo service (program /bin/cat): one message through
	run timeout 20 "$PY" -c '
import asyncio, sys, websockets
async def main():
    async with websockets.connect("ws://127.0.0.1:%s/" % sys.argv[1]) as ws:
        await ws.send("through example.conf")
        print(await asyncio.wait_for(ws.recv(), 10))
asyncio.run(main())' "$PORT"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "through example.conf" ]
	local rc=0
	kill -TERM "$SERVER_PID"
	wait_pid_gone "$SERVER_PID" 15
	wait "$SERVER_PID" || rc=$?
	cat "$T/server.log"
	[ "$rc" -eq 0 ]
	log_has "$T/server.log" "info: exiting"
}

@test "package: the autopkgtest smoke test passes against the extracted files" {
	need_tool socat socat
	local start=$(date +%s)
	run env WSBRIDGE="$R/usr/bin/wsbridge" \
	    EXAMPLE="$R/etc/wsbridge/example.conf" \
	    timeout 120 sh "$ROOT/packaging/debian/tests/smoke"
	note "smoke test took $(( $(date +%s) - start ))s"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok: TCP mode echo"* ]]
	[[ "$output" == *"ok: program mode echo"* ]]
	[[ "$output" == *"ok: example configuration"* ]]
}
