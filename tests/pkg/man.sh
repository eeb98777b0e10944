#!/bin/sh
# The man pages: mandoc -T lint at its strictest level (-W style), with
# cross-references (Xr) resolved among the pages themselves through a
# private makewhatis database; and every long flag in each binary's
# --help documented in the OPTIONS section of its page (so a new flag
# cannot skip the manual).
#
# usage: man.sh MAN-SOURCE-DIR MLMON-INGEST MLMON-TOP MLMON-GEN MLMON-BACKTEST
#     MLMON-DB
set -u
. "$(dirname "$0")/../lib.sh"
src=$(cd "$1" && pwd)
ingest=$(abspath "$2")
top=$(abspath "$3")
gen=$(abspath "$4")
backtest=$(abspath "$5")
dbtool=$(abspath "$6")
sandbox man

for tool in mandoc makewhatis; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "FAIL $tool not found (Debian package mandoc: run" \
		    "scripts/install-deps)"
		exit 1
	fi
done

mkdir -p man/man1 man/man5
cp "$src"/*.1 man/man1/
cp "$src"/*.5 man/man5/
check "six pages" "$(ls man/man1 man/man5 | grep -c '\.[15]$')" 6
makewhatis man
out=$(mandoc -T lint -W style -M "$tmp/man" man/man1/*.1 man/man5/*.5 2>&1)
check "mandoc -T lint -W style" "$?:$out" "0:"

# The lint really runs: a page with a broken macro fails it.
printf '.Dd December 6, 2026\n.Dt BROKEN 1\n.Os\n.Sh NAME\n.Nm broken\n.Bl -tag\n' \
    >broken.1
yes_if "lint rejects a broken page" \
    eval '! mandoc -T lint -W style broken.1 >/dev/null 2>&1'

# Every --flag in --help appears in the rendered page.
for bin in "$ingest" "$top" "$gen" "$backtest" "$dbtool"; do
	name=$(basename "$bin")
	mandoc -T ascii "man/man1/$name.1" | col -b >"$name.txt"
	# The OPTIONS section only, not an example that happens to use a flag.
	awk '/^[A-Z]/ { on = ($0 == "OPTIONS") } on' "$name.txt" >"$name.opts"
	missing=""
	for f in $("$bin" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -q -E -- "(^|[^a-z-])$f([^a-z-]|\$)" "$name.opts" ||
		    missing="$missing $f"
	done
	check "$name(1) documents every flag of --help" "$missing" ""
	check "$name(1) has EXIT STATUS" \
	    "$(grep -c '^EXIT STATUS' "$name.txt")" 1
done
finish
