#!/bin/sh
# Tabular rows (issue 15): instructions per row of mlmon-ingest, release
# builds, under callgrind (deterministic up to a few hundredths of a
# percent), and CPU rows/s (user + system of ingest, median of RUNS):
#   - the all-numeric 100k-row stream of section 5 (mlmon-gen --batches
#     500) through PREV_INGEST (a build of the commit before) and INGEST,
#     side by side: the all-numeric path must not get slower;
#   - bench/tabular-stream.sh 500: 5 numeric + 5 categorical features
#     (3 to 200 categories), 100k rows, through INGEST.
# Prints a markdown table.
#
#	bench/tabular.sh PREV_INGEST INGEST MLMON_GEN [RUNS]
set -eu
prev=$1
ingest=$2
gen=$3
runs=${4:-3}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-tabular.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

"$gen" --batches 500 >"$work/num.ndjson"
sh "$here/tabular-stream.sh" 500 >"$work/tab.ndjson"

# ir BINARY STREAM: total Ir of one run.
ir() {
	rm -f "$work/cg.db" "$work/cg.db-wal" "$work/cg.db-shm"
	valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
	    "$1" --quiet --flush-ms 3600000 --db "$work/cg.db" "$2" \
	    2>"$work/cg.log"
	callgrind_annotate "$work/cg.out" 2>/dev/null |
	    sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,
}
# cpu BINARY STREAM: median CPU rows/s over runs.
cpu() {
	i=0
	while [ "$i" -lt "$runs" ]; do
		rm -f "$work/c.db" "$work/c.db-wal" "$work/c.db-shm"
		/usr/bin/time -f "%U %S" -o "$work/t" "$1" --quiet \
		    --db "$work/c.db" "$2"
		awk '{ printf "%.0f\n", 100000 / ($1 + $2) }' "$work/t"
		i=$((i + 1))
	done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
a=$(ir "$prev" "$work/num.ndjson")
b=$(ir "$ingest" "$work/num.ndjson")
c=$(ir "$ingest" "$work/tab.ndjson")
echo "| stream (100,000 predictions) | ingest | Ir | Ir/row | vs previous | CPU rows/s (median of $runs) |"
echo "|---|---|---:|---:|---:|---:|"
echo "| all numeric (\`mlmon-gen --batches 500\`) | previous commit | $a | $((a / 100000)) | 1.000 | $(cpu "$prev" "$work/num.ndjson") |"
echo "| all numeric | this commit | $b | $((b / 100000)) | $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", b / a }') | $(cpu "$ingest" "$work/num.ndjson") |"
echo "| 5 numeric + 5 categorical (\`bench/tabular-stream.sh 500\`) | this commit | $c | $((c / 100000)) | | $(cpu "$ingest" "$work/tab.ndjson") |"
