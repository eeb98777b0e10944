#!/bin/sh
# bench/pg-ingest.sh BUILD [BATCHES]: mlmon-ingest into PostgreSQL, run
# under tests/pg/with-pg (with MLMON_TEST_PG_FSYNC=on for real commits):
#
#	MLMON_TEST_PG_FSYNC=on tests/pg/with-pg sh bench/pg-ingest.sh build
#
# The same stream (mlmon-gen abrupt, BATCHES batches of 200 rows, default
# 500: 100,000 rows) four ways, each into a fresh database of the server:
#   ceilings bench/raw-insert -m copy and -m copy-binary: the rows by COPY
#            in text and in binary format (as ingest sends them), 2,000 a
#            transaction, into a bare predictions table (no ledger, no
#            monitors, no replay safety)
#   one      one mlmon-ingest --quiet, end to end
#   four     four ingests at once, one model each (a model's writers take
#            turns by transaction: docs/POSTGRES.md), their rows together
# Prints a markdown table of rows/s, the ratios to the ceilings and the
# CPU seconds of each side (the server's: bench/lib.sh pg_ticks, every
# server process; the clients': raw-insert's own count of its loop,
# /usr/bin/time for the ingests, the four added), then the issue's two
# targets (one ingest >= 100,000 rows/s; four together no slower than
# one) met or missed.
set -u
. "$(dirname "$0")/lib.sh"
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
rate() {
	awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'
}
hz=$(getconf CLK_TCK)
# The server's CPU seconds since pg_ticks printed $1.
server_cpu() {
	awk -v a="$1" -v b="$(pg_ticks)" -v hz="$hz" \
	    'BEGIN { printf "%.2f", (b - a) / hz }'
}
# The CPU seconds (user + system) of the /usr/bin/time files given.
client_cpu() {
	cat "$@" | awk '{ s += $1 + $2 } END { printf "%.2f", s }'
}

"$gen" --scenario abrupt --batches "$batches" >"$work/in.ndjson" ||
    fail "mlmon-gen"
rows=$((batches * 200))

# raw-insert MODE: "rows/s client-CPU server-CPU".
ceiling() {
	db=$(fresh "ceiling_$(echo "$1" | tr -d -)")
	pg_steady
	k0=$(pg_ticks)
	l=$("$raw" -m "$1" "$work/in.ndjson" "$db") || fail "raw-insert"
	k=$(server_cpu "$k0")
	printf '%s\n' "$l" | awk -v k="$k" -v n="$rows" '{
	    for (i = 1; i <= NF; i++) {
		split($i, f, "=")
		v[f[1]] = f[2]
	    }
	    printf "%s %.2f %s", v["rows_per_s"], n / v["cpu_rows_per_s"], k }'
}
set -- $(ceiling copy)
text=$1 text_c=$2 text_s=$3
set -- $(ceiling copy-binary)
bin=$1 bin_c=$2 bin_s=$3

db=$(fresh one)
pg_steady
k0=$(pg_ticks)
t0=$(now)
/usr/bin/time -f '%U %S' -o "$work/time.one" \
    "$ingest" --db "$db" --quiet <"$work/in.ndjson" || fail "ingest"
t1=$(now)
one=$(rate "$rows" "$t0" "$t1")
one_s=$(server_cpu "$k0")
one_c=$(client_cpu "$work/time.one")

db=$(fresh four)
pg_steady
k0=$(pg_ticks)
t0=$(now)
pids=
for m in m1 m2 m3 m4; do
	/usr/bin/time -f '%U %S' -o "$work/time.$m" \
	    "$ingest" --db "$db" --model "$m" --quiet <"$work/in.ndjson" &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p" || fail "one of the four ingests"
done
t1=$(now)
four=$(rate $((4 * rows)) "$t0" "$t1")
four_s=$(server_cpu "$k0")
four_c=$(client_cpu "$work"/time.m?)

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}
echo "| path ($rows rows each) | rows/s | of the text ceiling | of the binary ceiling | client CPU s | server CPU s |"
echo "|---|---:|---:|---:|---:|---:|"
echo "| raw COPY ceiling, text (bench/raw-insert -m copy) | $text | 1.00 | $(ratio "$text" "$bin") | $text_c | $text_s |"
echo "| raw COPY ceiling, binary (-m copy-binary) | $bin | $(ratio "$bin" "$text") | 1.00 | $bin_c | $bin_s |"
echo "| one mlmon-ingest | $one | $(ratio "$one" "$text") | $(ratio "$one" "$bin") | $one_c | $one_s |"
echo "| four mlmon-ingest at once, one model each | $four | $(ratio "$four" "$text") | $(ratio "$four" "$bin") | $four_c | $four_s |"
met() {
	awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? "met" : "missed" }'
}
echo ""
echo "Targets: one ingest >= 100,000 rows/s: **$(met "$one" 100000)**" \
    "($one); four ingests together no slower than one:" \
    "**$(met "$four" "$one")** ($(ratio "$four" "$one") x one)."
