#!/bin/sh
# Golden --once frames: every tab at 80x24 and 120x40 plus a too-small
# size, in UTF-8, ASCII and monochrome, and every tab as --format json and
# csv, against the fixture store with the clock frozen (MLMON_NOW, UTC).
# MLMON_UPDATE_GOLDEN=1 rewrites the files.
#
#   frames.sh MLMON_TOP MKFIXTURE GOLDEN_DIR
set -eu

top=$1
mkfixture=$2
golden=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-frames.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

top=$(cd "$(dirname "$top")" && pwd)/$(basename "$top")
golden=$(cd "$golden" && pwd)
"$mkfixture" "$tmp/fx.db"
cd "$tmp"	# the store line shows the path as given: keep it stable
fail=0
n=0

# name locale flags...  (name.json / name.csv as given, else name.txt)
check() {
	name=$1
	loc=$2
	shift 2
	n=$((n + 1))
	case $name in
	*.json|*.csv)	file=$golden/$name;;
	*)		file=$golden/$name.txt;;
	esac
	env -i PATH=/usr/bin:/bin LC_ALL="$loc" TZ=UTC MLMON_NOW=1700001300 \
	    "$top" --db fx.db --once "$@" >"$tmp/out" 2>"$tmp/err" || {
		echo "FAIL $name: exit $?"; cat "$tmp/err"; fail=1; return; }
	if [ -n "${MLMON_UPDATE_GOLDEN:-}" ]; then
		cp "$tmp/out" "$file"
		return
	fi
	if ! cmp -s "$tmp/out" "$file"; then
		echo "FAIL $name: differs from $file"
		diff -u "$file" "$tmp/out" | head -40
		fail=1
	fi
	# No raw control byte (ESC from a hostile name) in any output.
	if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" \
	    "$tmp/out"; then
		echo "FAIL $name: control byte in the output"
		fail=1
	fi
	case $loc in
	C)	if LC_ALL=C grep -q '[^ -~]' "$tmp/out"; then
			echo "FAIL $name: non-ASCII byte in an ASCII frame"
			fail=1
		fi;;
	esac
}

for tab in overview drift calibration alerts; do
	check "$tab-80x24-utf8" C.UTF-8 --tab "$tab"
	check "$tab-120x40-utf8" C.UTF-8 --tab "$tab" --width 120 --height 40
	check "$tab-80x24-ascii" C --tab "$tab"
	check "$tab-120x40-ascii" C.UTF-8 --ascii --tab "$tab" \
	    --width 120 --height 40
done
check calibration-batch5-80x24-utf8 C.UTF-8 --tab calibration --batch 5
check calibration-batch18-80x24-ascii C --tab calibration --batch 18
check too-small-40x10-utf8 C.UTF-8 --width 40 --height 10
check too-small-59x24-ascii C --width 59 --height 24
# Styles: colour roles and their monochrome attributes, cell by cell.
check overview-80x24-roles-color C.UTF-8 --dump-roles
check overview-80x24-roles-mono C.UTF-8 --dump-roles --no-color
check alerts-80x24-roles-mono C --dump-roles --no-color --tab alerts
# Data for scripts: every tab as JSON and as CSV.
for tab in overview drift calibration alerts; do
	check "$tab.json" C.UTF-8 --tab "$tab" --format json
	check "$tab.csv" C.UTF-8 --tab "$tab" --format csv
done
check calibration-batch18.json C --tab calibration --batch 18 \
    --format json
# --format text is today's frame.
check overview-80x24-utf8 C.UTF-8 --format text
# A store ingest has not set up yet (an empty file): the waiting frame.
: >"$tmp/none.db"
env -i PATH=/usr/bin:/bin LC_ALL=C MLMON_NOW=1700001300 \
    "$top" --db "$tmp/none.db" --once >"$tmp/out"
grep -q "Waiting for data" "$tmp/out" || { echo "FAIL: no waiting"; fail=1; }
# A store that is not there: exit 1 naming it (issue 11), no frame.
rm -f "$tmp/none.db"
if env -i PATH=/usr/bin:/bin LC_ALL=C MLMON_NOW=1700001300 \
    "$top" --db "$tmp/none.db" --once >"$tmp/out" 2>"$tmp/err"; then
	echo "FAIL: a missing store exits 0"; fail=1
fi
grep -q "none.db" "$tmp/err" || { echo "FAIL: missing store not named"; fail=1; }
[ -s "$tmp/out" ] && { echo "FAIL: a frame for a missing store"; fail=1; }
# Bad flags exit 2 with a message.
for bad in "-d 0" "-d x" "--tab nope" "--width 0" "--bogus" \
    "--format xml" "--format"; do
	# shellcheck disable=SC2086
	if "$top" $bad --once >/dev/null 2>"$tmp/err"; then
		echo "FAIL: '$bad' accepted"; fail=1
	else
		rc=$?
		[ "$rc" -eq 2 ] || { echo "FAIL: '$bad' exit $rc"; fail=1; }
		grep -q "mlmon-top:" "$tmp/err" || { echo "FAIL: '$bad' no message"; fail=1; }
	fi
done
# --format without --once is a usage error too.
if "$top" --format json >/dev/null 2>"$tmp/err"; then
	echo "FAIL: --format without --once accepted"; fail=1
else
	rc=$?
	[ "$rc" -eq 2 ] || { echo "FAIL: --format without --once exit $rc"; fail=1; }
fi
[ "$fail" -eq 0 ] && echo "ok: $n frames"
exit "$fail"
