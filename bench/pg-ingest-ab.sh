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
# one per answer awaited). Prints each run's rows/s and the server's CPU
# for it (bench/lib.sh pg_ticks: every server process's), the medians,
# and the calls.
set -u
. "$(dirname "$0")/lib.sh"
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
# One ingest with build $1 ($2: a command to run it under); "rows/s
# server-CPU-seconds ingest-CPU-seconds" (user + system, /usr/bin/time).
one() {
	db=$(fresh) || exit 1
	pg_steady
	k0=$(pg_ticks)
	t0=$(now)
	$2 /usr/bin/time -f '%U %S' -o "$work/time.$$" \
	    "$1/src/ingest/mlmon-ingest" --db "$db" --quiet \
	    <"$work/in.ndjson" || fail "ingest ($1)"
	t1=$(now)
	k1=$(pg_ticks)
	awk -v n="$rows" -v a="$t0" -v b="$t1" -v k="$((k1 - k0))" \
	    -v hz="$(getconf CLK_TCK)" '
	    { c = $1 + $2 }
	    END { printf "%.0f %.2f %.2f", n / (b - a), k / hz, c }' \
	    "$work/time.$$"
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
oc=
wc=
oi=
wi=
i=0
while [ $i -lt "$runs" ]; do
	a=$(one "$old" "") || exit 1
	b=$(one "$new" "") || exit 1
	set -- $a $b
	echo "run $((i + 1)): old $1 rows/s (CPU: server $2 s, ingest $3 s)," \
	    "new $4 rows/s (CPU: server $5 s, ingest $6 s)"
	o="$o $1"
	w="$w $4"
	oc="$oc $2"
	wc="$wc $5"
	oi="$oi $3"
	wi="$wi $6"
	i=$((i + 1))
done
echo "median: old $(echo "$o" | median) rows/s, new $(echo "$w" | median) rows/s;" \
    "server CPU: old $(echo "$oc" | median) s, new $(echo "$wc" | median) s;" \
    "ingest CPU: old $(echo "$oi" | median) s, new $(echo "$wi" | median) s"
for b in old new; do
	eval d=\$$b
	one "$d" "strace -f -c -o $work/strace.$b -e trace=recvfrom,sendto" \
	    >/dev/null || exit 1
	echo "$b: $(awk '$NF == "recvfrom" || $NF == "sendto" {
	    printf "%s %s calls  ", $NF, $4 }' "$work/strace.$b")"
done
