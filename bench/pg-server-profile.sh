#!/bin/sh
# bench/pg-server-profile.sh BUILD [BATCHES]: where the server's CPU goes
# in one mlmon-ingest into PostgreSQL, by what the backend was doing
# (perf's call stacks), run under tests/pg/with-pg:
#
#	MLMON_TEST_PG_FSYNC=on tests/pg/with-pg sh bench/pg-server-profile.sh build
#
# perf (linux-perf, scripts/install-deps --dev) samples the postmaster and
# every process it forks (the ingest's backend, the WAL writer, ...) at
# 1 kHz with DWARF call stacks while one ingest of mlmon-gen abrupt
# (BATCHES batches of 200 rows, default 500) runs into a fresh database.
# Each sample goes to the first class its stack matches, in the order
# below (a COPY's index inserts are the COPY's, not "index inserts").
# pg_stat_statements' times (bench/pg-statements.sh) cannot say this: a
# COPY's time there includes the wait for the client's rows.
set -u
B=$(cd "${1:?usage: pg-server-profile.sh BUILD [BATCHES]}" && pwd)
batches=${2:-500}
url=${MLMON_TEST_PG:?run under tests/pg/with-pg}
dir=${MLMON_TEST_PG_DIR:?run under tests/pg/with-pg}
psql="${MLMON_TEST_PG_BIN:?}/psql"
command -v perf >/dev/null 2>&1 ||
    { echo "pg-server-profile: no perf (scripts/install-deps --dev)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-pg-prof.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

"$B/scenarios/mlmon-gen" --scenario abrupt --batches "$batches" \
    >"$work/in.ndjson" || exit 1
"$psql" -X -q -d "$url" -c "CREATE DATABASE prof" || exit 1
db=$(printf '%s' "$url" | sed "s|/mlmon_test?|/prof?|")
"$B/src/ingest/mlmon-ingest" --db "$db" --init --quiet </dev/null || exit 1
pm=$(head -1 "$dir/data/postmaster.pid")
perf record -q -o "$work/perf.data" -e cpu-clock -F 1000 \
    --call-graph dwarf,16384 -p "$pm" 2>/dev/null &
perf=$!
sleep 1
"$B/src/ingest/mlmon-ingest" --db "$db" --quiet <"$work/in.ndjson" || exit 1
sleep 0.3
kill -INT "$perf"
wait "$perf"
perf script -i "$work/perf.data" -F comm,ip,sym 2>/dev/null | awk '
function has(f,   i) {
	for (i = 1; i <= n; i++)
		if (index(fr[i], f) == 1)
			return 1
	return 0
}
function class() {
	if (has("CopyFrom")) {
		if (has("NextCopyFrom")) return "COPY: reading the rows (text parsed or binary received)"
		if (has("ExecInsertIndexTuples")) return "COPY: index inserts"
		if (has("heap_multi_insert")) return "COPY: heap inserts"
		return "COPY: the rest (start, end, buffers)"
	}
	if (has("plpgsql_exec_trigger")) return "triggers (plpgsql, model_status)"
	if (has("standard_ExecutorStart")) return "statements: executor start"
	if (has("standard_ExecutorEnd")) return "statements: executor end"
	if (has("ExecInsertIndexTuples")) return "statements: index inserts"
	if (has("standard_ExecutorRun")) return "statements: executor run"
	if (has("CommitTransactionCommand") || has("XLogFlush"))
		return "commit, WAL flush"
	if (has("GetCachedPlan")) return "statements: plan cache"
	if (has("PortalRun") || has("PortalStart")) return "statements: portal"
	if (has("pq_getbyte") || has("secure_read") || has("pq_getmessage"))
		return "socket: reading"
	if (has("secure_write") || has("pq_flush") || has("internal_flush"))
		return "socket: writing"
	return "other (protocol, parse, bind, WAL writer, ...)"
}
function flush() {
	if (n > 0 || inside) { c[class()]++; total++ }
	n = 0
}
/^[^ \t]/ { flush(); inside = 1; next }
NF >= 2 { fr[++n] = $2 }
END {
	flush()
	printf "%d samples (1 ms of CPU each)\n\n", total
	print "| what the server did | share | ms per run |"
	print "|---|---:|---:|"
	fflush()
	sort = "sort -t\"|\" -k4 -rn"
	for (k in c)
		printf "| %s | %.1f%% | %d |\n", k, 100 * c[k] / total, c[k] | sort
	close(sort)
}'
