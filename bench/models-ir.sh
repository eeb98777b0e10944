#!/bin/sh
# One ingest process carrying several models (issue 13) in instructions:
# callgrind over three models' streams (11,001 lines each: 3 to 7
# features, 2 to 4 classes, 50 batches of 200 rows, no end_batch) sent
# through three processes, one --model each, and interleaved line by line
# (each record naming its model) through one process. Both with commits
# by row count only (--flush-ms 3600000). Prints a Markdown table: Ir and
# Ir per row, and where the one process spends on switching models.
#
#	bench/models-ir.sh INGEST MLMON_GEN
set -eu
. "$(dirname "$0")/lib.sh"
ingest=$1
gen=$2
cg_begin models-ir
rows=30000
for m in a:7:2:11 b:3:4:12 c:5:3:13; do
	IFS=: read -r n nf nc seed <<EOF
$m
EOF
	"$gen" --features "$nf" --classes "$nc" --seed "$seed" --batches 50 \
	    --no-end-batch >"$tmp/$n.ndjson"
	sed "s/^{/{\"model\":\"$n\",/" "$tmp/$n.ndjson" >"$tmp/$n.tagged"
done
paste -d '\n' "$tmp/a.tagged" "$tmp/b.tagged" "$tmp/c.tagged" \
    >"$tmp/all.ndjson"
# run NAME STREAM [ARGS...]
run() {
	n=$1
	f=$2
	shift 2
	valgrind --tool=callgrind --callgrind-out-file="$tmp/$n.out" \
	    "$ingest" --quiet --flush-ms 3600000 --db "$tmp/$n.db" "$@" \
	    "$tmp/$f.ndjson" 2>"$tmp/$n.log" ||
	    { echo "models-ir: $n failed" >&2; cat "$tmp/$n.log" >&2; exit 1; }
	callgrind_annotate --inclusive=yes --threshold=100 "$tmp/$n.out" \
	    >"$tmp/$n.txt" 2>/dev/null
}
run a a --model a
run b b --model b
run c c --model c
run all all
sep=$(($(cg_total "$tmp/a.txt") + $(cg_total "$tmp/b.txt") +
    $(cg_total "$tmp/c.txt")))
one=$(cg_total "$tmp/all.txt")
echo "| 3 models, 30,000 rows | Ir | Ir per row |"
echo "|---|---:|---:|"
awk -v s="$sep" -v o="$one" -v n=$rows 'BEGIN {
    printf "| three processes, one model each (sum) | %.0f | %.0f |\n", s, s / n
    printf "| one process, the streams interleaved | %.0f | %.0f |\n", o, o / n }'
echo
echo "| one process, inclusive | Ir | Ir per row |"
echo "|---|---:|---:|"
for f in store_model_set fleet_line store_prediction_add; do
	echo "| \`$f\` | $(cg_incl "$tmp/all.txt" $f) |" \
	    "$(($(cg_incl "$tmp/all.txt" $f) / rows)) |"
done
