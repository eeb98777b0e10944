#!/bin/sh
# scripts/check-structure: the tree keeps its rules (every violation is a
# listed debt or exemption), and the checker finds what it must: a call
# circle and an include circle between two files, a function over 80
# lines, a file over 800 lines, each failing until listed.
#   run-structure.sh CHECKER SRC BUILD
set -u
check=$1 src=$2 build=$3
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }

if out=$("$check" "$src" "$build"); then
	ok "the tree"
else
	printf '%s\n' "$out"
	bad "the tree has violations not in scripts/structure-known"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/x" "$tmp/build/src/x/libx.a.p"
cat >"$tmp/src/x/a.h" <<'H'
int a_one(int);
H
cat >"$tmp/src/x/b.h" <<'H'
int b_one(int);
H
cat >"$tmp/src/x/a.c" <<'C'
#include "x/a.h"
#include "x/b.h"
int
a_one(int n)
{
	return n > 0 ? b_one(n - 1) : 0;
}
C
{
	echo '#include "x/b.h"'
	echo '#include "x/a.h"'
	echo 'int'
	echo 'b_one(int n)'
	echo '{'
	i=0
	while [ $i -lt 80 ]; do echo '	n++;'; i=$((i + 1)); done
	echo '	return a_one(n);'
	echo '}'
	i=0
	while [ $i -lt 720 ]; do echo '/* filler */'; i=$((i + 1)); done
} >"$tmp/src/x/b.c"
for f in a b; do
	${CC:-cc} -c -I"$tmp/src" -o "$tmp/build/src/x/libx.a.p/$f.c.o" \
	    "$tmp/src/x/$f.c" || bad "compiling the sample $f.c"
done
: >"$tmp/none"
out=$(KNOWN="$tmp/none" "$check" "$tmp/src" "$tmp/build")
rc=$?
[ $rc -eq 1 ] && ok "unlisted violations fail" || bad "exit $rc, not 1"
for want in "new call-circle src/x/a src/x/b" \
    "new include-circle src/x/a src/x/b" \
    "new function b_one src/x/b.c 84" "new file src/x/b.c 807"; do
	case "$out" in
	*"  ${want#new }"*) ok "found: ${want#new }" ;;
	*) printf '%s\n' "$out"; bad "not found: ${want#new }" ;;
	esac
done
printf '%s\n' "call-circle src/x/a src/x/b" "include-circle src/x/a src/x/b" \
    "function b_one" "file src/x/b.c" >"$tmp/all"
if KNOWN="$tmp/all" "$check" "$tmp/src" "$tmp/build" >/dev/null; then
	ok "listed violations pass"
else
	bad "listed violations still fail"
fi
[ $fails -eq 0 ]
