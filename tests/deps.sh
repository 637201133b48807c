#!/bin/sh
# Install what building and testing wsbridge needs on Debian 12: compilers
# and libraries, the test clients (bats, Python websockets, Node ws), and the
# peers the benchmarks compare against.  Safe to run again: it does nothing
# when everything is already there.
set -eu

PKGS="build-essential pkg-config libev-dev libssl-dev libcrypt-dev zlib1g-dev libjson-c-dev openssl
xxd clang libclang-rt-14-dev
bats python3 python3-websockets socat procps curl cflow
websockify websocketd python3-numpy vim-tiny"
# The front-door tests' proxies and browser, the packaging tools.
here=$(dirname "$0")
for list in "$here/front_deps.txt" "$here/../packaging/deps.txt"; do
	[ -f "$list" ] && PKGS="$PKGS $(grep -v '^#' "$list" | tr '\n' ' ')"
done
# Node may come from elsewhere (with npm built in): only ask Debian for it
# when there is none.
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		SUDO=sudo
	else
		SUDO=
	fi
	echo "deps: installing$missing"
	$SUDO apt-get update -qq
	# nginx and haproxy are test tools here: keep their packages from
	# starting system services while they install.
	norc=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d \
		    >/dev/null && $SUDO chmod +x /usr/sbin/policy-rc.d && norc=1
	fi
	rc=0
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null || rc=$?
	[ -n "$norc" ] && $SUDO rm -f /usr/sbin/policy-rc.d
	[ $rc -eq 0 ] || exit $rc
fi

# npm packages, exact versions from the lock files: the test clients
# (tests/), and xterm.js for the terminal page built into the binary (term/;
# Debian's libjs-xterm is not usable for it).
for dir in "$here" "$here/../term"; do
	if [ -f "$dir/package-lock.json" ] &&
	    ! (cd "$dir" && npm ls --silent >/dev/null 2>&1); then
		(cd "$dir" && npm ci --silent --no-audit --no-fund)
	fi
done
echo "deps: ok"
