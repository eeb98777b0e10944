#!/bin/sh
# schema.sh INGEST (under tests/pg/with-pg): the PostgreSQL store's schema.
# Four ingests started together on an empty database create it once (one
# transaction under an advisory lock); --init creates it on another empty
# database (and again is a no-op); its tables, columns and indexes are a
# fresh SQLite store's; a version 5 store migrates to 6 once. A role that may only read cannot ingest: a clear
# error, nothing stored, no password printed.
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
url=${MLMON_TEST_PG:?run under tests/pg/with-pg}
psql="${MLMON_TEST_PG_BIN:?}/psql"
sandbox pg-schema

pq() {
	"$psql" -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2" 2>&1 | tr '\n' ' ' |
	    sed 's/ $//'
}

# Four ingests at once on database $2, with nothing to read: all exit 0
# and say nothing (checks named $1).
at_once() {
	pids=
	for i in 1 2 3 4; do
		"$ingest" --db "$2" --quiet </dev/null >"out$i" 2>"err$i" &
		pids="$pids $!"
	done
	n=0
	for p in $pids; do
		wait "$p" && n=$((n + 1))
	done
	check "$1: all exit 0" "$n" 4
	yes_if "$1: no error" sh -c '! cat err1 err2 err3 err4 | grep .'
}

# Four processes at once on the empty database: all succeed.
at_once "4 ingests at once on an empty database" "$url"
check "schema_version written once" "$(pq "$url" "SELECT count(*), \
    max(value) FROM meta WHERE key = 'schema_version' AND model_id = 0")" "1|6"
check "model_status triggers created once" "$(pq "$url" "SELECT count(*) \
    FROM pg_trigger WHERE NOT tgisinternal")" 8

# The same tables, columns and indexes as a fresh SQLite store.
"$ingest" --db fresh.db --quiet </dev/null
sqlite3 fresh.db "SELECT m.name || '.' || p.name FROM sqlite_master m,
    pragma_table_info(m.name) p WHERE m.type = 'table'
    AND m.name NOT LIKE 'sqlite_%'" | LC_ALL=C sort >sqlite.columns
pq "$url" "SELECT table_name || '.' || column_name FROM
    information_schema.columns WHERE table_schema = current_schema()" |
    tr ' ' '\n' | LC_ALL=C sort >pg.columns
check "the same tables and columns as SQLite's ($(wc -l <sqlite.columns))" \
    "$(diff sqlite.columns pg.columns)" ""
sqlite3 fresh.db "SELECT name FROM sqlite_master WHERE type = 'index'
    AND sql IS NOT NULL" | LC_ALL=C sort >sqlite.indexes
pq "$url" "SELECT indexname FROM pg_indexes WHERE schemaname =
    current_schema() AND indexname NOT LIKE '%\_pkey'
    AND indexname NOT LIKE '%\_key'" | tr ' ' '\n' | LC_ALL=C sort \
    >pg.indexes
check "the same indexes as SQLite's ($(wc -l <sqlite.indexes))" \
    "$(diff sqlite.indexes pg.indexes)" ""

# --init on another empty database, and again.
pq "$url" "CREATE DATABASE second" >/dev/null
second=$(printf '%s' "$url" | sed 's|/mlmon_test?|/second?|')
"$ingest" --db "$second" --init </dev/null >out 2>err
check "--init: exit" "$?" 0
check "--init: says so" "$(cat out err)" "$second: schema 6 ready"
check "--init: the schema is there, no model yet" "$(pq "$second" "SELECT \
    value FROM meta WHERE key = 'schema_version'")|$(pq "$second" "SELECT \
    count(*) FROM models")" "6|0"
"$ingest" --db "$second" --init </dev/null >out 2>err
check "--init again: exit" "$?" 0

# A version 5 store (the rows' key led by model_id, schema_pg_steps before
# 6) with rows of two models in the same batches: four ingests at once
# migrate it once, in place; its rows stay and a replay is still one.
stream() {
	for r in 0 1 2; do
		printf '{"batch_id":%d,"row_in_batch":%d,"features":[%d],"scores":[0.5,0.5]}\n' \
		    "$1" "$r" "$r"
	done
}
stream 1 | "$ingest" --db "$second" --model a --quiet
stream 1 | "$ingest" --db "$second" --model b --quiet
pq "$second" "DROP INDEX predictions_batch_model_row;
    CREATE UNIQUE INDEX predictions_model_batch_row
    ON predictions(model_id, batch_id, row_in_batch);
    UPDATE meta SET value = '5' WHERE key = 'schema_version'" >/dev/null
at_once "v5 -> 6, 4 ingests at once" "$second"
check "v5 -> 6: version, the key led by batch_id, the old key gone" \
    "$(pq "$second" "SELECT value FROM meta WHERE key =
    'schema_version'")|$(pq "$second" "SELECT indexdef FROM pg_indexes
    WHERE indexname LIKE 'predictions_%batch%'" | sed 's/.* ON //')" \
    "6|public.predictions USING btree (batch_id, model_id, row_in_batch)"
stream 1 | "$ingest" --db "$second" --model a 2>err
yes_if "v5 -> 6: the rows sent again are replays" \
    grep -q '3 skipped, 0 rejected' err
stream 2 | "$ingest" --db "$second" --model b --quiet
check "v5 -> 6: rows per model and batch" "$(pq "$second" "SELECT
    string_agg(m.name || p.batch_id || ':' || n, ' ' ORDER BY m.name,
    p.batch_id) FROM (SELECT model_id, batch_id, count(*) AS n FROM
    predictions GROUP BY 1, 2) p JOIN models m USING (model_id)")" \
    "a1:3 b1:3 b2:3"
# A read-only role.
pq "$url" "CREATE ROLE reader LOGIN PASSWORD 'Rd-S3cret';
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader" >/dev/null
ro="postgresql://reader:Rd-S3cret@/mlmon_test?${url#*\?}"
printf '%s\n' '{"batch_id":1,"row_in_batch":0,"features":[1],"scores":[0.5,0.5]}' |
    "$ingest" --db "$ro" --quiet >out 2>err
check "a read-only role: ingest fails" "$?" 1
yes_if "a read-only role: says permission denied" \
    grep -q 'permission denied' err
yes_if "a read-only role: no password printed" \
    sh -c "! grep -q 'Rd-S3cret' out err"
check "a read-only role: nothing stored" "$(pq "$url" "SELECT count(*) \
    FROM predictions")" 0
"$ingest" --db init.db --init </dev/null >out 2>err
check "--init of a SQLite file: exit" "$?" 0
check "--init of a SQLite file: schema 6" "$(sqlite3 init.db \
    'PRAGMA user_version')" 6
finish
