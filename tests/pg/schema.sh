#!/bin/sh
# schema.sh INGEST (under tests/pg/with-pg): the PostgreSQL store's schema.
# Four ingests started together on an empty database create it once (one
# transaction under an advisory lock); --init creates it on another empty
# database (and again is a no-op); its tables, columns and indexes are a
# fresh SQLite store's; a version 5 store migrates to 7 once. A role that may only read cannot ingest: a clear
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
    max(value) FROM meta WHERE key = 'schema_version' AND model_id = 0")" "1|7"
check "model_status triggers created once" "$(pq "$url" "SELECT \
    string_agg(tgname, ' ' ORDER BY tgname) FROM pg_trigger WHERE NOT \
    tgisinternal")" "model_status_condition model_status_condition_gone \
model_status_condition_new model_status_labels model_status_page"

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
check "--init: says so" "$(cat out err)" "$second: schema 7 ready"
check "--init: the schema is there, no model yet" "$(pq "$second" "SELECT \
    value FROM meta WHERE key = 'schema_version'")|$(pq "$second" "SELECT \
    count(*) FROM models")" "7|0"
"$ingest" --db "$second" --init </dev/null >out 2>err
check "--init again: exit" "$?" 0

# A version 5 store (the rows' key led by model_id, schema_pg_steps before
# 6; the ledger's indexes and a model_status trigger on it of versions
# before 7) with rows of two models in the same batches: four ingests at
# once migrate it once, in place; its rows stay and a replay is still one;
# model_status, kept by the writer from 7 on, is what the tables say.
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
    CREATE INDEX batches_max_psi ON batches(model_id, max_psi);
    CREATE INDEX batches_min_ks_p ON batches(model_id, min_ks_p);
    CREATE INDEX batches_model_counts
    ON batches(model_id, n_rows, n_labelled, labelled_at);
    DROP TRIGGER model_status_labels ON batches;
    DROP FUNCTION model_status_labels();
    CREATE FUNCTION model_status_perf() RETURNS trigger LANGUAGE plpgsql
    AS \$\$ BEGIN UPDATE model_status SET perf_batch = NEW.batch_id,
    accuracy = NEW.accuracy, acc_delta = NEW.acc_delta
    WHERE model_id = NEW.model_id
    AND coalesce(perf_batch, NEW.batch_id) <= NEW.batch_id;
    RETURN NULL; END \$\$;
    CREATE TRIGGER model_status_perf AFTER UPDATE OF accuracy, acc_delta
    ON batches FOR EACH ROW WHEN (NEW.accuracy IS NOT NULL)
    EXECUTE FUNCTION model_status_perf();
    UPDATE meta SET value = '5' WHERE key = 'schema_version'" >/dev/null
at_once "v5 -> 7, 4 ingests at once" "$second"
check "v5 -> 7: version, the key led by batch_id, the old key gone" \
    "$(pq "$second" "SELECT value FROM meta WHERE key =
    'schema_version'")|$(pq "$second" "SELECT indexdef FROM pg_indexes
    WHERE indexname LIKE 'predictions_%batch%'" | sed 's/.* ON //')" \
    "7|public.predictions USING btree (batch_id, model_id, row_in_batch)"
check "v5 -> 7: the ledger's unread indexes gone" "$(pq "$second" "SELECT
    count(*) FROM pg_indexes WHERE indexname IN ('batches_max_psi',
    'batches_min_ks_p', 'batches_model_counts')")" 0
check "v5 -> 7: of the ledger's triggers the labels' alone" "$(pq "$second" \
    "SELECT string_agg(tgname, ' ') FROM pg_trigger WHERE NOT tgisinternal
    AND tgrelid = 'batches'::regclass")|$(pq "$second" "SELECT count(*)
    FROM pg_proc WHERE proname = 'model_status_perf'")" \
    "model_status_labels|0"
stream 1 | "$ingest" --db "$second" --model a 2>err
yes_if "v5 -> 7: the rows sent again are replays" \
    grep -q '3 skipped, 0 rejected' err
stream 2 | "$ingest" --db "$second" --model b --quiet
check "v5 -> 7: rows per model and batch" "$(pq "$second" "SELECT
    string_agg(m.name || p.batch_id || ':' || n, ' ' ORDER BY m.name,
    p.batch_id) FROM (SELECT model_id, batch_id, count(*) AS n FROM
    predictions GROUP BY 1, 2) p JOIN models m USING (model_id)")" \
    "a1:3 b1:3 b2:3"
check "v5 -> 7: model_status is what the ledger says" "$(pq "$second" \
    "SELECT string_agg(m.name || ':' || s.latest_batch || ':' || s.rows
    || ':' || s.rate_rows, ' ' ORDER BY m.name) FROM model_status s
    JOIN models m USING (model_id)")" "$(pq "$second" "SELECT
    string_agg(m.name || ':' || b.l || ':' || b.r || ':' || b.r, ' '
    ORDER BY m.name) FROM (SELECT model_id, max(batch_id) AS l,
    sum(n_rows) FILTER (WHERE closed_at IS NOT NULL) AS r FROM batches
    GROUP BY 1) b JOIN models m USING (model_id)")"
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
check "--init of a SQLite file: schema 7" "$(sqlite3 init.db \
    'PRAGMA user_version')" 7
finish
