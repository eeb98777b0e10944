#!/bin/sh
# Ingest's instructions by stage (section 5 of docs/BENCHMARKS.md), for
# two builds side by side: callgrind over the same fixed 100,000 rows
# (`mlmon-gen --batches 500`: 1,000 reference rows, 500 batches of 200,
# labels inline) into a fresh store, commits by row count only
# (--flush-ms 3600000), so the counts do not depend on the machine's
# load. Prints a Markdown table: each stage's inclusive Ir per row of the
# stream in the previous build and in this one, and the totals.
#
#	bench/ingest-ir.sh PREV_INGEST INGEST MLMON_GEN
#
# PREV_INGEST may be INGEST (one build: both columns the same).
set -eu
. "$(dirname "$0")/lib.sh"
prev=$1
ingest=$2
gen=$3
cg_begin ingest-ir
rows=100000
"$gen" --batches 500 >"$tmp/in.ndjson"
# run NAME BINARY
run() {
	valgrind --tool=callgrind --callgrind-out-file="$tmp/$1.out" \
	    "$2" --quiet --flush-ms 3600000 --db "$tmp/$1.db" \
	    "$tmp/in.ndjson" 2>"$tmp/$1.log" ||
	    { echo "ingest-ir: $1 failed" >&2; cat "$tmp/$1.log" >&2; exit 1; }
	callgrind_annotate --inclusive=yes --threshold=100 "$tmp/$1.out" \
	    >"$tmp/$1.txt" 2>/dev/null
}
run prev "$prev"
run this "$ingest"
# row WHAT FUNCTION: inclusive Ir per row of the stream, both builds.
row() {
	p=$(cg_incl "$tmp/prev.txt" "$2")
	t=$(cg_incl "$tmp/this.txt" "$2")
	awk -v w="$1" -v f="$2" -v p="$p" -v t="$t" -v n=$rows 'BEGIN {
	    printf "| %s (`%s`) | %.0f | %.0f |\n", w, f, p / n, t / n }'
}
echo "| stage (function, inclusive) | previous: Ir per row | this: Ir per row |"
echo "|---|---:|---:|"
row "creating the store" store_open
row "parsing a line" proto_parse_line
row "logging a row (INSERT, ledger)" store_prediction_add
row "  of which SQLite's insert of the row, one at a time" store_prediction_insert
row "the held rows' multi-row INSERTs, wherever written" store_held_write
row "closing a batch (claim, monitors, reports, alerts)" pl_judge
row "  the batch's claim (ledger)" store_batch_claim
row "  the calibrated verdicts" monitor_judge
row "    the joint tests' nulls (once per batch size)" joint_null_fit
row "    the PSI nulls (once per feature and batch size)" psi_null_fit
row "  the feature monitor (PSI, KS)" monitor_feature
row "  the performance monitor, DDM, ADWIN" run_performance
row "  the estimate before labels (CBPE)" monitor_estimate
row "  storing the feature reports" store_report_put_feature
row "  the alert rules" alert_engine_batch
row "commits" fleet_flush
awk -v p="$(cg_total "$tmp/prev.txt")" -v t="$(cg_total "$tmp/this.txt")" \
    -v n=$rows 'BEGIN {
	printf "| **whole run** | **%.0f** (%.0f Ir) | **%.0f** (%.0f Ir, %+.1f%%) |\n",
	    p / n, p, t / n, t, 100 * (t - p) / p }'
