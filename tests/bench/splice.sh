#!/bin/sh
# bench/splice, make bench's last step (no benchmark is run): the tables
# of a run go between their markers in docs/BENCHMARKS.md and every other
# line stays. On made-up documents: hand text kept byte for byte, marked
# tables replaced, a block the run lacks kept, a new one appended, the
# same run twice the same document; each broken marker an error naming
# its file and line, with nothing written. On the repository: the
# document's markers are well formed (an empty run leaves it byte for
# byte) and every table bench/run-all writes has its markers there once.
#
#	sh tests/bench/splice.sh SPLICE RUN_ALL DOC
set -u
SPLICE=$1
RUNALL=$2
DOC=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-splice.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

cat >"$tmp/doc.md" <<'X'
# Title

Hand intro, **measured 02:45 UTC**.
<!-- bench:a begin -->
## A
old a
<!-- bench:a end -->

Hand between: `<!-- bench:a begin -->` in the text is no marker.
<!-- bench:keep begin -->
kept: the run has no such table
<!-- bench:keep end -->
<!-- bench:b begin -->
old b 1

old b 2
<!-- bench:b end -->
Hand tail.
X
cat >"$tmp/run.md" <<'X'

<!-- bench:a begin -->
## A
new a
<!-- bench:a end -->
<!-- bench:c begin -->
## C, a new section
new c
<!-- bench:c end -->

<!-- bench:b begin -->
new b
<!-- bench:b end -->
X
cat >"$tmp/want.md" <<'X'
# Title

Hand intro, **measured 02:45 UTC**.
<!-- bench:a begin -->
## A
new a
<!-- bench:a end -->

Hand between: `<!-- bench:a begin -->` in the text is no marker.
<!-- bench:keep begin -->
kept: the run has no such table
<!-- bench:keep end -->
<!-- bench:b begin -->
new b
<!-- bench:b end -->
Hand tail.

<!-- bench:c begin -->
## C, a new section
new c
<!-- bench:c end -->
X
sh "$SPLICE" "$tmp/doc.md" "$tmp/run.md" >"$tmp/got.md" ||
    fail "splice of a good document: exit $?"
cmp -s "$tmp/got.md" "$tmp/want.md" || {
	diff "$tmp/want.md" "$tmp/got.md" >&2
	fail "spliced document differs from the expected one"
}
# The same run again: nothing moves (c is now in place, not appended).
sh "$SPLICE" "$tmp/got.md" "$tmp/run.md" >"$tmp/again.md" ||
    fail "second splice: exit $?"
cmp -s "$tmp/again.md" "$tmp/want.md" || fail "second splice changed it"
# No document yet: the run's blocks alone.
sh "$SPLICE" "$tmp/none.md" "$tmp/run.md" >"$tmp/new.md" ||
    fail "splice into a missing document: exit $?"
[ "$(grep -c 'bench:[abc] begin' "$tmp/new.md")" = 3 ] ||
    fail "a missing document did not get the run's three blocks"

# bad FILE-KIND LINE-WANTED REASON-WANTED: splice of the broken file
# ($tmp/bad.md as the document or the run) fails with exit 1, says
# "bad.md:LINE: ...REASON...", and writes nothing.
bad() {
	if [ "$1" = doc ]; then
		sh "$SPLICE" "$tmp/bad.md" "$tmp/run.md" >"$tmp/out" 2>"$tmp/err"
	else
		sh "$SPLICE" "$tmp/doc.md" "$tmp/bad.md" >"$tmp/out" 2>"$tmp/err"
	fi
	rc=$?
	[ $rc -eq 1 ] || fail "$3: exit $rc, want 1"
	[ ! -s "$tmp/out" ] || fail "$3: wrote a document anyway"
	grep -q "bad\\.md:$2: .*$3" "$tmp/err" ||
	    fail "$3: want bad.md:$2 and the reason, got: $(cat "$tmp/err")"
}
# The document: b's end marker gone (the end of the file is reached).
sed '/bench:b end/d' "$tmp/doc.md" >"$tmp/bad.md"
bad doc 13 "block b has no end marker"
# a's end marker gone: found at the next begin, named at a's begin.
sed '/bench:a end/d' "$tmp/doc.md" >"$tmp/bad.md"
bad doc 4 \
    "block a has no end marker .* before the begin of block keep at line 9"
sed '/bench:a begin/d' "$tmp/doc.md" >"$tmp/bad.md"
bad doc 6 "end of block a without its begin marker"
sed 's/bench:keep end/bench:b end/' "$tmp/doc.md" >"$tmp/bad.md"
bad doc 12 "end of block b while block keep (line 10) is open"
sed 's/bench:keep /bench:a /' "$tmp/doc.md" >"$tmp/bad.md"
bad doc 10 "block a again (first at line 4)"
sed 's/bench:keep begin/bench:keep  begin/' "$tmp/doc.md" >"$tmp/bad.md"
bad doc 10 "not a marker"
# The run's tables: an end marker missing, text outside the blocks.
sed '/bench:c end/d' "$tmp/run.md" >"$tmp/bad.md"
bad run 6 "block c has no end marker .* before the begin of block b at line 10"
{ cat "$tmp/run.md"; echo "a stray line"; } >"$tmp/bad.md"
bad run 14 "text outside a block"

# The repository's document: an empty run leaves it byte for byte.
: >"$tmp/empty.md"
sh "$SPLICE" "$DOC" "$tmp/empty.md" >"$tmp/same.md" ||
    fail "$DOC: its markers are broken (above)"
cmp -s "$DOC" "$tmp/same.md" || fail "$DOC changed by an empty run"
# Every table bench/run-all writes: begin and end in turn, and its
# markers once each in the document (else make bench would append it).
names=$(awk '$1 == "begin" || $1 == "end" { print $1, $2 }' "$RUNALL" |
    awk '$1 == "begin" { if (open != "") bad = 1; open = $2; next }
	{ if ($2 != open) bad = 1; print open; open = "" }
	END { if (bad || open != "") print "UNPAIRED" }')
[ -n "$names" ] || fail "$RUNALL writes no marked table"
case $names in
*UNPAIRED*) fail "$RUNALL: begin and end of its tables do not pair" ;;
esac
for n in $names; do
	for k in begin end; do
		c=$(grep -c "^<!-- bench:$n $k -->\$" "$DOC")
		[ "$c" = 1 ] || fail "$DOC has $c '<!-- bench:$n $k -->' (want 1)"
	done
done
echo "ok: splice of made-up documents, 8 broken markers, $DOC and the" \
    "$(echo $names | wc -w) tables of run-all"
