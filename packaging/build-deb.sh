#!/bin/sh
# build-deb.sh - build the Debian package from this working tree.
#
# dpkg-buildpackage wants debian/ at the root of the source, and upstream
# keeps it in packaging/debian, so: copy the tree (the files git knows of,
# tracked or new but not ignored; without git, everything but build/, .git
# and node_modules) into a temporary directory, move packaging/debian to its
# root, build the binary package there and copy the .deb, .ddeb, .changes
# and .buildinfo files into build/deb/.  The whole build log is kept in
# build/deb/build.log.  xterm.js's files, which the build embeds, come from
# term/node_modules (make deps).
#
# Usage: packaging/build-deb.sh [-v] [-s]
#   -v  show the build log as it goes
#   -s  build the source package too (.dsc and .tar.xz, for lintian)
set -eu

verbose=false
what=-b
for arg in "$@"; do
	case $arg in
	-v) verbose=true ;;
	-s) what= ;;
	*) echo "usage: $0 [-v] [-s]" >&2; exit 2 ;;
	esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/deb
for tool in dpkg-buildpackage dpkg-parsechangelog dh; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "build-deb: $tool not found (make deps installs it)" >&2
		exit 1
	}
done
version=$(dpkg-parsechangelog -l "$root/packaging/debian/changelog" \
    -S Version)
if [ "$version" != "$(cat "$root/VERSION")" ]; then
	echo "build-deb: packaging/debian/changelog says $version but" \
	    "VERSION says $(cat "$root/VERSION")" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wsbridge-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
src=$tmp/wsbridge-$version
mkdir "$src"

if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Files deleted in the work tree are still "cached": leave them out.
	(cd "$root" && git ls-files -z --cached --others --exclude-standard |
	    xargs -0 sh -c 'for f; do
		if [ -f "$f" ] || [ -L "$f" ]; then printf "%s\0" "$f"; fi
	    done' sh |
	    tar --null -T - -cf -) | tar -C "$src" -xf -
else
	(cd "$root" && tar --exclude=./build --exclude=./.git \
	    --exclude=./tests/node_modules --exclude=./wsbridge -cf - .) |
	    tar -C "$src" -xf -
fi
# xterm.js and its fit addon (term/node_modules, from npm by make deps) are
# built into the binary: the source package carries the files the build
# embeds, with their licences.
for f in xterm/lib/xterm.js xterm/css/xterm.css xterm/LICENSE \
    xterm/package.json addon-fit/lib/addon-fit.js addon-fit/LICENSE \
    addon-fit/package.json; do
	from=$root/term/node_modules/@xterm/$f
	if [ ! -f "$from" ]; then
		echo "build-deb: $from is missing: run make deps" >&2
		exit 1
	fi
	mkdir -p "$src/term/node_modules/@xterm/${f%/*}"
	cp "$from" "$src/term/node_modules/@xterm/$f"
done
mv "$src/packaging/debian" "$src/debian"

mkdir -p "$out"
rm -f "$out"/*.deb "$out"/*.ddeb "$out"/*.changes "$out"/*.buildinfo \
    "$out"/*.dsc "$out"/*.tar.*
log=$out/build.log
start=$(date +%s)
echo "build-deb: building wsbridge $version in $src"
status=0
if $verbose; then
	(cd "$src" && dpkg-buildpackage -us -uc $what -Jauto; echo "status $?") \
	    2>&1 | tee "$log"
	# tee hides the status of the build: the last line has it
	[ "$(tail -n 1 "$log")" = "status 0" ] || status=1
else
	(cd "$src" && dpkg-buildpackage -us -uc $what -Jauto) >"$log" 2>&1 ||
	    status=$?
fi
if [ "$status" -ne 0 ]; then
	$verbose || tail -n 40 "$log" >&2
	echo "build-deb: dpkg-buildpackage failed; the log is $log" >&2
	exit 1
fi

for f in "$tmp"/*.deb "$tmp"/*.ddeb "$tmp"/*.changes "$tmp"/*.buildinfo \
    "$tmp"/*.dsc "$tmp"/*.tar.*; do
	[ -e "$f" ] || continue
	cp "$f" "$out/"
	echo "build-deb: build/deb/${f##*/}"
done
echo "build-deb: done in $(( $(date +%s) - start ))s"
