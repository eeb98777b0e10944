#!/bin/sh
# make bench's logging-scale table (bench/run-all) writes 2,000 rows in
# 200-row batches by each of bench/write-patterns' patterns and loads
# them back with bench/batch-load: each must read its 10 batches and
# 2,000 rows (a plain pattern's rows are model 1's, which the store must
# know by name to read them). No timing is checked.
#
# usage: batch-load.sh WRITE-PATTERNS BATCH-LOAD
set -u
. "$(dirname "$0")/../lib.sh"
wp=$(abspath "$1")
bl=$(abspath "$2")
sandbox bench-batch-load

for p in conn-per-row commit-per-row conn-per-batch tx-per-batch \
    buffered store; do
	rmdb "$p.db"
	"$wp" -p "$p" -j delete -s full -b 200 -f 200 -n 2000 -o "$p.db" \
	    -k >/dev/null 2>"$p.err" || cat "$p.err"
	got=$("$bl" "$p.db" 2>&1 | sed 's/ store_ms=.*//')
	check "$p: every batch read back" "$got" "batches=10 rows=2000"
done
finish
