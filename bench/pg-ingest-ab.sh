#!/bin/sh
# bench/pg-ingest-ab.sh OLD NEW [RUNS] [BATCHES]: one mlmon-ingest of the
# same stream into PostgreSQL, build OLD against build NEW, alternating
# on the same server in the same minutes (run under tests/pg/with-pg, with
# MLMON_TEST_PG_FSYNC=on for real commits):
#
#	MLMON_TEST_PG_FSYNC=on tests/pg/with-pg sh bench/pg-ingest-ab.sh \
#	    OLD-BUILD build 3
#
# Each run ingests mlmon-gen abrupt (BATCHES batches of 200 rows, default
# 500: 100,000 rows) into a fresh database; a last run of each under
# `strace -c -e trace=recvfrom,sendto` counts its round trips (recvfrom:
# one per answer awaited). Prints each run's rows/s, the medians, and
# the calls.
set -u
old=$(cd "${1:?usage: pg-ingest-ab.sh OLD NEW [RUNS] [BATCHES]}" && pwd)
new=$(cd "${2:?usage: pg-ingest-ab.sh OLD NEW [RUNS] [BATCHES]}" && pwd)
runs=${3:-3}
batches=${4:-500}
url=${MLMON_TEST_PG:?run under tests/pg/with-pg}
psql="${MLMON_TEST_PG_BIN:?}/psql"
work=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-pg-ab.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

fail() {
	echo "pg-ingest-ab: $*" >&2
	exit 1
}
# A fresh database (called in a subshell: a name of its own); its URI.
fresh() {
	d=ab$(date +%s%N)
	"$psql" -X -q -d "$url" -c "CREATE DATABASE $d" >/dev/null ||
	    fail "cannot create database $d"
	printf '%s' "$url" | sed "s|/mlmon_test?|/$d?|"
}
now() {
	date +%s.%N
}
# One ingest with build $1 ($2: a command to run it under); rows/s.
one() {
	db=$(fresh) || exit 1
	t0=$(now)
	$2 "$1/src/ingest/mlmon-ingest" --db "$db" --quiet \
	    <"$work/in.ndjson" || fail "ingest ($1)"
	t1=$(now)
	awk -v n="$rows" -v a="$t0" -v b="$t1" \
	    'BEGIN { printf "%.0f", n / (b - a) }'
}
median() {
	tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 }
	    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

"$new/scenarios/mlmon-gen" --scenario abrupt --batches "$batches" \
    >"$work/in.ndjson" || fail "mlmon-gen"
rows=$((batches * 200))
o=
w=
i=0
while [ $i -lt "$runs" ]; do
	a=$(one "$old" "") || exit 1
	b=$(one "$new" "") || exit 1
	echo "run $((i + 1)): old $a rows/s, new $b rows/s"
	o="$o $a"
	w="$w $b"
	i=$((i + 1))
done
echo "median: old $(echo "$o" | median) rows/s, new $(echo "$w" | median) rows/s"
for b in old new; do
	eval d=\$$b
	one "$d" "strace -f -c -o $work/strace.$b -e trace=recvfrom,sendto" \
	    >/dev/null || exit 1
	echo "$b: $(awk '$NF == "recvfrom" || $NF == "sendto" {
	    printf "%s %s calls  ", $NF, $4 }' "$work/strace.$b")"
done
