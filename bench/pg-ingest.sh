#!/bin/sh
# bench/pg-ingest.sh BUILD [BATCHES]: mlmon-ingest into PostgreSQL, run
# under tests/pg/with-pg (with MLMON_TEST_PG_FSYNC=on for real commits):
#
#	MLMON_TEST_PG_FSYNC=on tests/pg/with-pg sh bench/pg-ingest.sh build
#
# The same stream (mlmon-gen abrupt, BATCHES batches of 200 rows, default
# 500: 100,000 rows) three ways, each into a fresh database of the server:
#   ceiling  bench/raw-insert -m copy: the rows by COPY, 2,000 a
#            transaction, into a bare predictions table (no ledger, no
#            monitors, no replay safety)
#   one      one mlmon-ingest --quiet, end to end
#   four     four ingests at once, one model each (a model's writers take
#            turns by transaction: docs/POSTGRES.md), their rows together
# Prints a markdown table of rows/s and the ratios to the ceiling, then
# the issue's two targets (one ingest >= 100,000 rows/s; four together no
# slower than one) met or missed.
set -u
B=$(cd "${1:?usage: pg-ingest.sh BUILD [BATCHES]}" && pwd)
batches=${2:-500}
url=${MLMON_TEST_PG:?run under tests/pg/with-pg}
psql="${MLMON_TEST_PG_BIN:?}/psql"
gen=$B/scenarios/mlmon-gen
ingest=$B/src/ingest/mlmon-ingest
raw=$B/bench/raw-insert
work=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-pg-bench.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

fail() {
	echo "pg-ingest: $*" >&2
	exit 1
}
# A fresh database NAME; prints its URI.
fresh() {
	"$psql" -X -q -d "$url" -c "CREATE DATABASE $1" >/dev/null ||
	    fail "cannot create database $1"
	printf '%s' "$url" | sed "s|/mlmon_test?|/$1?|"
}
now() {
	date +%s.%N
}
rate() {
	awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'
}

"$gen" --scenario abrupt --batches "$batches" >"$work/in.ndjson" ||
    fail "mlmon-gen"
rows=$((batches * 200))

l=$("$raw" -m copy "$work/in.ndjson" "$(fresh ceiling)") ||
    fail "raw-insert"
ceiling=$(printf '%s\n' "$l" | sed -n 's/.* rows_per_s=\([0-9]*\).*/\1/p')

db=$(fresh one)
t0=$(now)
"$ingest" --db "$db" --quiet <"$work/in.ndjson" || fail "ingest"
t1=$(now)
one=$(rate "$rows" "$t0" "$t1")

db=$(fresh four)
t0=$(now)
pids=
for m in m1 m2 m3 m4; do
	"$ingest" --db "$db" --model "$m" --quiet <"$work/in.ndjson" &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p" || fail "one of the four ingests"
done
t1=$(now)
four=$(rate $((4 * rows)) "$t0" "$t1")

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}
echo "| path ($rows rows each) | rows/s | of the ceiling |"
echo "|---|---|---|"
echo "| raw COPY ceiling (bench/raw-insert -m copy) | $ceiling | 1.00 |"
echo "| one mlmon-ingest | $one | $(ratio "$one" "$ceiling") |"
echo "| four mlmon-ingest at once, one model each | $four | $(ratio "$four" "$ceiling") |"
met() {
	awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? "met" : "missed" }'
}
echo ""
echo "Targets: one ingest >= 100,000 rows/s: **$(met "$one" 100000)**" \
    "($one); four ingests together no slower than one:" \
    "**$(met "$four" "$one")** ($(ratio "$four" "$one") x one)."
