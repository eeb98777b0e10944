#!/bin/sh
# Retention's cost (issue 20), printed as the markdown of BENCHMARKS.md's
# section 10:
#  1. ingest of one stream (ROWS predictions whose event times span the
#     10 days up to now, labels inline) without retention and with
#     --retain-rows 1d, alternated RUNS times in the same run: medians of
#     wall and CPU rows/s. With retention 90% of the stream is due as it
#     arrives, so every flush also deletes about as many rows as it
#     wrote: the steady state, the most retention ever costs.
#  2. console frames (bench/frame DB 120 40 200: every tab's load + draw)
#     on a store of FRAME_ROWS predictions, 90% of them due, while an
#     ingest with --retain-rows 1d prunes it and logs a new stream;
#     beside the same frames on the store at rest.
#
#	bench/retain.sh INGEST GEN FRAME [ROWS [RUNS [FRAME_ROWS]]]
#
# Defaults: 500,000 rows, 3 runs, 1,000,000 rows for the frames. WORK=dir
# keeps the scratch files, and its file "summary" is for bench/run-all:
# "wall_ratio=W cpu_ratio=C frame_ms=M" (with / without retention, the
# worst tab's median frame while pruning).
set -u
ingest=$1
gen=$2
frame=$3
rows=${4:-500000}
runs=${5:-3}
frows=${6:-1000000}
if [ -n "${WORK:-}" ]; then
	mkdir -p "$WORK"
	w=$WORK
else
	w=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-retain.XXXXXX")
	trap 'rm -rf "$w"' EXIT
	trap 'exit 130' INT TERM
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
export HOME="$w" XDG_CONFIG_HOME="$w/xdg"
unset MLMON_DB MLMON_CONFIG

# stream N FIRST_BATCH T0 STEP: N predictions in batches of 1,000 from
# batch FIRST_BATCH, event times T0 + i * STEP (the first stream carries
# the schema and reference).
stream() {
	if [ "$2" = 1 ]; then
		"$gen" --scenario stable --batches $(($1 / 1000)) \
		    --batch-size 1000
	else
		"$gen" --scenario stable --batches $(($1 / 1000)) \
		    --batch-size 1000 --first-batch "$2" --no-schema |
		    grep -v '"type":"reference"'
	fi | awk -v T0="$3" -v STEP="$4" '/"batch_id":/ && !/"type":/ {
	    $0 = sprintf("{\"ts\":%.3f,", T0 + n++ * STEP) substr($0, 2) }
	    { print }'
}
span=864000
t0=$(($(date +%s) - span))
stream "$rows" 1 "$t0" "$(calc "$span / $rows")" >"$w/s.ndjson"

# 1. Rows per second, without and with retention, alternated.
i=1
while [ $i -le "$runs" ]; do
	for mode in off on; do
		rm -f "$w/i.db" "$w/i.db-wal" "$w/i.db-shm" "$w/i.db-wait"
		flags=""
		[ $mode = on ] && flags="--retain-rows 1d"
		# shellcheck disable=SC2086
		/usr/bin/time -f '%e %U %S' -o "$w/time" "$ingest" --quiet \
		    --db "$w/i.db" $flags "$w/s.ndjson" || {
			echo "bench/retain.sh: ingest ($mode) failed" >&2
			exit 1
		}
		read -r e u s <"$w/time"
		calc "$rows / $e" >>"$w/wall-$mode"
		calc "$rows / ($u + $s)" >>"$w/cpu-$mode"
		[ $mode = on ] && sqlite3 "$w/i.db" "SELECT count(*) FROM
		    predictions" >>"$w/kept"
	done
	i=$((i + 1))
done
wall_ratio=$(calc "$(med "$w/wall-on") / $(med "$w/wall-off")")
cpu_ratio=$(calc "$(med "$w/cpu-on") / $(med "$w/cpu-off")")

# 2. Frames at rest, then while an ingest prunes the store.
rm -f "$w/f.db"*
stream "$frows" 1 "$t0" "$(calc "$span / $frows")" |
    "$ingest" --quiet --db "$w/f.db" || exit 1
"$frame" "$w/f.db" 120 40 200 >"$w/rest.txt" || exit 1
pruned() {
	sqlite3 "$w/f.db" "SELECT count(*) FROM batches WHERE pruned_at IS NOT
	    NULL"
}
before=$(pruned)
stream 500000 $((frows / 1000 + 1)) "$(date +%s)" 0.001 |
    "$ingest" --quiet --db "$w/f.db" --retain-rows 1d &
ipid=$!
sleep 1
during=$(pruned)
"$frame" "$w/f.db" 120 40 200 >"$w/busy.txt" || exit 1
after=$(pruned)
kill "$ipid" 2>/dev/null
wait "$ipid" 2>/dev/null

rest=$(tail -n 1 "$w/rest.txt")
busy=$(tail -n 1 "$w/busy.txt")
fm=$(field worst_median_ms "$busy")
echo "wall_ratio=$wall_ratio cpu_ratio=$cpu_ratio frame_ms=$fm" >"$w/summary"
echo "## 10. Retention (issue 20): ingest and the console while it prunes"
echo ""
echo "\`bench/retain.sh INGEST GEN FRAME $rows $runs $frows\` (a release"
echo "build). $(int "$rows") predictions whose event times span the 10 days"
echo "up to now, labels inline, batches of 1,000, ingested without"
echo "retention and with \`--retain-rows 1d\` in turn, $runs times each;"
echo "with retention 90% of the stream is due as it arrives, so each flush"
echo "also deletes about the rows it wrote (the steady state; $(int "$(med "$w/kept")")"
echo "rows kept at the end). Medians, range across runs:"
echo ""
echo "| | rows/s (wall) | rows/s (CPU) |"
echo "|---|---:|---:|"
echo "| without retention | $(int "$(med "$w/wall-off")") ($(int "$(stats "$w/wall-off" | cut -d' ' -f2)")-$(int "$(stats "$w/wall-off" | cut -d' ' -f3)")) | $(int "$(med "$w/cpu-off")") ($(int "$(stats "$w/cpu-off" | cut -d' ' -f2)")-$(int "$(stats "$w/cpu-off" | cut -d' ' -f3)")) |"
echo "| --retain-rows 1d | $(int "$(med "$w/wall-on")") ($(int "$(stats "$w/wall-on" | cut -d' ' -f2)")-$(int "$(stats "$w/wall-on" | cut -d' ' -f3)")) | $(int "$(med "$w/cpu-on")") ($(int "$(stats "$w/cpu-on" | cut -d' ' -f2)")-$(int "$(stats "$w/cpu-on" | cut -d' ' -f3)")) |"
echo "| with / without | $(printf '%.1f' "$(calc "100 * $wall_ratio")")% | $(printf '%.1f' "$(calc "100 * $cpu_ratio")")% |"
echo ""
met() { awk "BEGIN { print ($1) ? \"met\" : \"missed\" }"; }
echo "Target: with retention >= 90% of without: **$(met "$wall_ratio >= 0.9")**"
echo "(CPU time: **$(met "$cpu_ratio >= 0.9")**)."
echo ""
echo "Console frames (\`bench/frame DB 120 40 200\`) on a store of"
echo "$(int "$frows") predictions (90% due), at rest and while an ingest"
echo "with \`--retain-rows 1d\` logs a new stream and prunes the old one"
echo "(batches pruned: $before before, $during when the frames began,"
echo "$after when they ended):"
echo ""
echo "| store | worst tab median | worst tab p95 | first refresh |"
echo "|---|---:|---:|---:|"
echo "| at rest | $(field worst_median_ms "$rest") ms | $(field worst_p95_ms "$rest") ms | $(field first_ms "$rest") ms |"
echo "| pruning | $fm ms | $(field worst_p95_ms "$busy") ms | $(field first_ms "$busy") ms |"
echo ""
echo "Target: a frame <= 5 ms at 1M while pruning: **$(met "$fm <= 5")**"
echo "($fm ms)."
