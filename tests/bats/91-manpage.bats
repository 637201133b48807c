# Goal: docs/wsbridge.1 is clean for groff and mandoc, documents every option of --help (and no other), and carries the version of VERSION.

load helpers

MAN=$BATS_TEST_DIRNAME/../../docs/wsbridge.1

# help_options: the long options that --help prints, one per line.
help_options() {
	"$WSBRIDGE" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# man_options: the long options the page documents as items: the tag
# line after each .TP, with \- turned into -.
man_options() {
	awk 'prev == ".TP" { print } { prev = $1 }' "$MAN" |
	    sed 's/\\-/-/g' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

@test "man page: groff -man -ww -z prints nothing" {
	need_tool groff groff-base
	run groff -man -ww -z "$MAN"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "man page: mandoc -T lint prints nothing" {
	need_tool mandoc mandoc
	run mandoc -T lint "$MAN"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "man page: every long option of --help has an item in OPTIONS" {
	help_options >"$T/help"
	man_options >"$T/man"
	[ "$(wc -l <"$T/help")" -gt 20 ]
	echo "in --help but not documented:"
	comm -23 "$T/help" "$T/man" | tee "$T/missing"
	[ ! -s "$T/missing" ]
}

@test "man page: documents no option that --help does not know" {
	help_options >"$T/help"
	man_options >"$T/man"
	echo "documented but not in --help:"
	comm -13 "$T/help" "$T/man" | tee "$T/extra"
	[ ! -s "$T/extra" ]
}

@test "man page: the short options -l -c -h -V are documented" {
	local o
	for o in l c h V; do
		grep -q "^\.BR \\\\-$o \", \" " "$MAN" ||
		    { echo "no item for -$o"; return 1; }
	done
}

@test "man page: .TH carries the version of VERSION" {
	run sed -n 's/^\.TH WSBRIDGE 1 [0-9-]* "wsbridge \([^"]*\)".*/\1/p' "$MAN"
	echo "man page: '$output', VERSION: '$(cat "$ROOT/VERSION")'"
	[ "$output" = "$(cat "$ROOT/VERSION")" ]
}
