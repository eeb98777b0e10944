#!/bin/sh
# The cost of estimating performance before the labels (issue 18) in
# ingest's instructions per row: callgrind over the same fixed 100k-row
# stream (mlmon-gen --batches 500, labels inline) through two release
# builds of mlmon-ingest, the previous commit's and this one's, with the
# commits depending on row counts only (--flush-ms 3600000), as in
# bench/run-all table 5. Prints a Markdown table: total Ir, Ir per row,
# the ratio, and the inclusive Ir of the new work per row.
#
#	bench/estimate-cost.sh PREV_INGEST INGEST MLMON_GEN
set -eu
. "$(dirname "$0")/lib.sh"
prev=$1
ingest=$2
gen=$3
cg_begin estimate-cost
"$gen" --batches 500 >"$tmp/in.ndjson"
rows=100000
for b in prev this; do
	if [ "$b" = prev ]; then bin=$prev; else bin=$ingest; fi
	valgrind --tool=callgrind --callgrind-out-file="$tmp/$b.out" \
	    "$bin" --quiet --flush-ms 3600000 --db "$tmp/$b.db" \
	    "$tmp/in.ndjson" 2>"$tmp/$b.log"
	callgrind_annotate --inclusive=yes --threshold=100 "$tmp/$b.out" \
	    >"$tmp/$b.txt" 2>/dev/null
done
total() {
	cg_total "$tmp/$1.txt"
}
# incl BUILD FUNCTION: inclusive Ir of a function of ingest (0: absent).
incl() {
	cg_incl "$tmp/$1.txt" "$2"
}
p=$(total prev)
t=$(total this)
echo "| build | Ir | Ir per row |"
echo "|---|---:|---:|"
echo "| previous commit | $p | $((p / rows)) |"
echo "| this commit | $t | $((t / rows)) |"
awk -v p="$p" -v t="$t" 'BEGIN { printf "\nRatio: %.4f (+%.2f%%)\n\n", t / p, 100 * (t - p) / p }'
echo "| new work (inclusive, this commit) | Ir | Ir per row |"
echo "|---|---:|---:|"
for f in monitor_estimate calib_apply store_report_put_estimate; do
	v=$(incl this "$f")
	echo "| \`$f\` | $v | $((v / rows)) |"
done
rp=$(incl prev run_performance)
rt=$(incl this run_performance)
echo "| \`run_performance\` growth (grading, grades row) | $((rt - rp)) | $(((rt - rp) / rows)) |"
