#!/bin/sh
# valgrind --leak-check=full on mlmon-ingest (a small stream with delayed
# labels, drift, rejected lines; then its replay; then a labels-only run)
# and on mlmon-top --once (every tab, a missing DB): no leak (definite or
# indirect) and no memory error. Use binaries built without sanitizers.
#
# usage: valgrind.sh MLMON-INGEST MLMON-GEN MLMON-TOP
set -u
. "$(dirname "$0")/lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
top=$(abspath "$3")
command -v valgrind >/dev/null 2>&1 || {
	echo "SKIP: no valgrind"
	exit 77
}
if nm "$ingest" 2>/dev/null | grep -q __asan_init; then
	echo "SKIP: $ingest is built with AddressSanitizer"
	exit 77
fi
sandbox rel

vg() {
	log=$1
	shift
	valgrind --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	    --track-fds=no --log-file="$log" "$@"
}

# summary LOG: "definitely lost: X bytes, indirectly lost: Y, errors Z"
summary() {
	d=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$1")
	i=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$1")
	e=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$1")
	if grep -q 'All heap blocks were freed' "$1"; then
		d=0
		i=0
	fi
	echo "definitely lost ${d:-?} B, indirectly lost ${i:-?} B," \
	    "errors ${e:-?}"
}

# run NAME WANT-EXIT CMD...: under valgrind; exit must be WANT-EXIT and
# the log clean.
run() {
	name=$1
	want=$2
	shift 2
	vg "$name.vg" "$@" >"$name.out" 2>"$name.err"
	rc=$?
	s=$(summary "$name.vg")
	if [ "$rc" -eq "$want" ] &&
	    [ "$s" = "definitely lost 0 B, indirectly lost 0 B, errors 0" ]; then
		echo "ok   $name: $s"
	else
		echo "FAIL $name: exit $rc (want $want); $s"
		grep -A 12 -e 'definitely lost in' -e 'Invalid' -e \
		    'uninitialised' "$name.vg" | head -n 40
		fails=$((fails + 1))
	fi
}

"$gen" --scenario abrupt --batches 8 --label-delay 2 --reference-rows 200 \
    >in.ndjson
{
	cat in.ndjson
	printf '%s\n' '{"batch_id":1,"features":[1,2]}' 'garbage' \
	    '{"type":"labels","batch_id":3,"true_class":[0]}'
	printf '\377\376 binary\n'
} >bad.ndjson
"$gen" --scenario abrupt --batches 12 --label-delay 1 --reference-rows 200 |
    grep -v '"type":"labels"' | sed -n '1,$p' >preds.ndjson
"$gen" --scenario abrupt --batches 12 --label-delay 1 --reference-rows 200 |
    grep '"type":"labels"' >labels.ndjson

run "ingest (stream with rejects)" 65 "$ingest" --db v.db bad.ndjson
run "ingest (replay of the same stream)" 65 "$ingest" --db v.db bad.ndjson
run "ingest (predictions only)" 0 "$ingest" --quiet --db w.db preds.ndjson
run "ingest (labels only)" 0 "$ingest" --quiet --db w.db labels.ndjson
for tab in overview drift calibration alerts; do
	run "mlmon-top --once --tab $tab" 0 "$top" --once --db v.db \
	    --tab $tab --width 120 --height 40
done
run "mlmon-top --once --tab calibration --batch 2" 0 "$top" --once \
    --db v.db --tab calibration --batch 2
run "mlmon-top --once, missing DB" 1 "$top" --once --db missing.db
finish
