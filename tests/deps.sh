#!/bin/sh
# Install what building and testing wsbridge needs on Debian 12: compilers
# and libraries, the test clients (bats, Python websockets, Node ws), and the
# peers the benchmarks compare against.  Safe to run again: it does nothing
# when everything is already there.
set -eu

PKGS="build-essential pkg-config libev-dev libssl-dev libcrypt-dev zlib1g-dev openssl
clang libclang-rt-14-dev
bats python3 python3-websockets socat procps curl"
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
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null
fi

# Test-only npm packages, exact versions from the lock file.
cd "$(dirname "$0")"
if [ -f package-lock.json ] && ! npm ls --silent >/dev/null 2>&1; then
	npm ci --silent --no-audit --no-fund
fi
echo "deps: ok"
