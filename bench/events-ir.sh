#!/bin/sh
# Producer events (issue 14) in instructions, which are stable on a shared
# machine where wall and CPU time are not: callgrind over the same 100k
# predictions (mlmon-gen --batches 500) as sent without ids through the
# previous commit's ingest, and with a sequential integer id and a ts on
# every row, and with a random UUIDv4-like id and a ts, through this
# one's (both release builds, commits by row count only: --flush-ms
# 3600000). Prints a Markdown table: Ir, Ir per row, and the previous
# commit's plain rows per this one's (the rows/s ratio instructions
# predict); then the same per row past each run's fixed cost (the
# monitors' null distributions fitted once, the store's creation), from
# the first 50,000 rows run alone: (Ir(100k) - Ir(50k)) / 50,000; then
# where this build's extra Ir per row of ids go.
#
#	bench/events-ir.sh PREV_INGEST INGEST MLMON_GEN
set -eu
. "$(dirname "$0")/lib.sh"
prev=$1
ingest=$2
gen=$3
cg_begin events-ir
rows=100000
"$gen" --batches 500 --no-end-batch >"$tmp/plain.ndjson"
event_streams "$tmp"
# The first half of each stream (50,000 predictions after the reference).
for f in plain seq; do
	awk '/^{"batch_id"/ && ++n > 50000 { exit } { print }' \
	    "$tmp/$f.ndjson" >"$tmp/$f-half.ndjson"
done
# run NAME BINARY STREAM
run() {
	valgrind --tool=callgrind --callgrind-out-file="$tmp/$1.out" \
	    "$2" --quiet --flush-ms 3600000 --db "$tmp/$1.db" \
	    "$tmp/$3.ndjson" 2>"$tmp/$1.log" ||
	    { echo "events-ir: $1 failed" >&2; cat "$tmp/$1.log" >&2; exit 1; }
	callgrind_annotate --inclusive=yes --threshold=100 "$tmp/$1.out" \
	    >"$tmp/$1.txt" 2>/dev/null
}
run prev "$prev" plain
run plain "$ingest" plain
run seq "$ingest" seq
run rand "$ingest" rand
run prev-half "$prev" plain-half
run plain-half "$ingest" plain-half
run seq-half "$ingest" seq-half
total() {
	cg_total "$tmp/$1.txt"
}
incl() {
	cg_incl "$tmp/$1.txt" "$2"
}
p=$(total prev)
echo "| run (100,000 rows) | Ir | Ir per row | previous commit's plain rows/s per this |"
echo "|---|---:|---:|---:|"
for r in prev plain seq rand; do
	case $r in
	prev) what="previous commit, batch_id rows" ;;
	plain) what="this commit, the same rows" ;;
	seq) what="this commit, + sequential integer id and ts" ;;
	rand) what="this commit, + random UUIDv4-like id and ts" ;;
	esac
	t=$(total $r)
	awk -v w="$what" -v t="$t" -v p="$p" -v n=$rows 'BEGIN {
	    printf "| %s | %.0f | %.0f | %.3f |\n", w, t, t / n, p / t }'
done
echo
echo "| per row past the fixed cost (rows 50,001-100,000) | Ir per row | previous commit's plain rows/s per this |"
echo "|---|---:|---:|"
pm=$(( ($(total prev) - $(total prev-half)) / (rows / 2) ))
for r in prev plain seq; do
	case $r in
	prev) what="previous commit, batch_id rows" ;;
	plain) what="this commit, the same rows" ;;
	seq) what="this commit, + sequential integer id and ts" ;;
	esac
	m=$(( ($(total $r) - $(total $r-half)) / (rows / 2) ))
	awk -v w="$what" -v m="$m" -v p="$pm" 'BEGIN {
	    printf "| %s | %.0f | %.3f |\n", w, m, p / m }'
done
echo
echo "| where the ids' Ir go (this commit, inclusive) | plain | sequential | random |"
echo "|---|---:|---:|---:|"
for f in store_prediction_insert sqlite3BtreeIndexMoveto sqlite3BtreeInsert \
    proto_parse_line; do
	echo "| \`$f\` per row | $(($(incl plain $f) / rows)) |" \
	    "$(($(incl seq $f) / rows)) | $(($(incl rand $f) / rows)) |"
done
