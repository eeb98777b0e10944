#!/bin/sh
# bench/pg-statements.sh BUILD [BATCHES] [TOP]: where the server's time
# goes in one mlmon-ingest into PostgreSQL. Run under tests/pg/with-pg
# with pg_stat_statements loaded:
#
#	MLMON_TEST_PG_FSYNC=on MLMON_TEST_PG_OPTIONS="-c \
#	shared_preload_libraries=pg_stat_statements -c \
#	pg_stat_statements.track=all -c pg_stat_statements.track_planning=on" \
#	    tests/pg/with-pg sh bench/pg-statements.sh build
#
# One ingest of mlmon-gen abrupt (BATCHES batches of 200 rows, default 500)
# into a fresh database. Prints the server's CPU (the postmaster's reaped
# children's ticks plus its live children's, from /proc/PID/stat: the
# backend, the WAL writer, the checkpointer) and the ingest's wall time,
# then the TOP statements (default 25) by execution plus planning time,
# top level first (what the ingest sent), then the ones run inside
# triggers and functions (their time is already inside their caller's).
# Times are per 100,000 rows; calls per batch.
set -u
. "$(dirname "$0")/lib.sh"
B=$(cd "${1:?usage: pg-statements.sh BUILD [BATCHES] [TOP]}" && pwd)
batches=${2:-500}
top=${3:-25}
url=${MLMON_TEST_PG:?run under tests/pg/with-pg}
test -n "${MLMON_TEST_PG_DIR:-}" || { echo "run under tests/pg/with-pg" >&2; exit 1; }
psql="${MLMON_TEST_PG_BIN:?}/psql"
work=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-pg-stmt.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

fail() {
	echo "pg-statements: $*" >&2
	exit 1
}
q() {
	"$psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}
q "$url" "SHOW shared_preload_libraries" | grep -q pg_stat_statements ||
    fail "pg_stat_statements is not loaded (MLMON_TEST_PG_OPTIONS above)"
"$B/scenarios/mlmon-gen" --scenario abrupt --batches "$batches" \
    >"$work/in.ndjson" || fail "mlmon-gen"
rows=$((batches * 200))
q "$url" "CREATE DATABASE stmt" >/dev/null || fail "CREATE DATABASE"
db=$(printf '%s' "$url" | sed "s|/mlmon_test?|/stmt?|")
q "$db" "CREATE EXTENSION pg_stat_statements" >/dev/null ||
    fail "CREATE EXTENSION"
# The schema first, so that its creation is not counted.
"$B/src/ingest/mlmon-ingest" --db "$db" --init --quiet </dev/null ||
    fail "ingest --init"
q "$db" "SELECT pg_stat_statements_reset()" >/dev/null
hz=$(getconf CLK_TCK)
pg_steady
k0=$(pg_ticks)
t0=$(now)
"$B/src/ingest/mlmon-ingest" --db "$db" --quiet <"$work/in.ndjson" ||
    fail "ingest"
t1=$(now)
k1=$(pg_ticks)
awk -v a="$t0" -v b="$t1" -v k0="$k0" -v k1="$k1" -v hz="$hz" -v n="$rows" \
    'BEGIN { printf "%d rows in %.2f s (%.0f rows/s); server CPU %.2f s\n",
	n, b - a, n / (b - a), (k1 - k0) / hz }'
scale=$(awk -v n="$rows" 'BEGIN { print 100000 / n }')
# The ingest's own statements only (not this script's, not the server's).
cond="dbid = (SELECT oid FROM pg_database WHERE datname = 'stmt')
    AND query NOT LIKE '%pg_stat_statements%'"
q "$db" "SELECT 'statements: ' || round(sum(total_exec_time + total_plan_time)::numeric * $scale) || ' ms per 100k rows in '
    || sum(calls) || ' calls (top level)'
    FROM pg_stat_statements WHERE toplevel AND $cond"
for level in true false; do
	echo ""
	if [ "$level" = true ]; then
		echo "Top level (what the ingest sent):"
	else
		echo "Nested (inside triggers and functions):"
	fi
	echo ""
	echo "| ms / 100k rows | share | calls / batch | rows / call | plan ms | statement |"
	echo "|---:|---:|---:|---:|---:|---|"
	q "$db" "WITH s AS (SELECT * FROM pg_stat_statements
	    WHERE toplevel = $level AND $cond),
	    t AS (SELECT sum(total_exec_time + total_plan_time) AS t FROM s
	    WHERE $level)
	    SELECT '| ' || round(((total_exec_time + total_plan_time) * $scale)::numeric, 1)
	    || ' | ' || coalesce(round((100 * (total_exec_time + total_plan_time)
		/ nullif((SELECT t FROM t), 0))::numeric, 1) || '%', '')
	    || ' | ' || round((calls::numeric / $batches), 2)
	    || ' | ' || round(rows::numeric / nullif(calls, 0), 1)
	    || ' | ' || round((total_plan_time * $scale)::numeric, 1)
	    || ' | \`' || left(regexp_replace(query, '\s+', ' ', 'g'), 110)
	    || '\` |'
	    FROM s ORDER BY total_exec_time + total_plan_time DESC LIMIT $top"
done
