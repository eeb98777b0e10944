#!/bin/sh
# bulk.sh INGEST GEN (under tests/pg/with-pg): PostgreSQL's bulk write path
# (src/db/store-bulk.c: new rows go by COPY, one stream per flush) keeps
# every answer of the per-row path. The same streams into a SQLite store
# and a PostgreSQL store give the same ingest output, the same rejected
# lines and the same rows:
#   1. six batches with --flush-rows 37 (batches across transactions);
#   2. a batch out of order (its second half below rows already sent),
#      a replayed row and a conflicting one in the same flush as new
#      rows, a late row and a replayed row of a judged batch, a row
#      repeated at once, producer's ids (one repeated with other content)
#      between rows without;
#   3. stream 1 again: every row a replay.
# And the rows of stream 1 went by COPY, none by INSERT (the server's
# statement log); the reference window too (store_bulk_row).
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
url=${MLMON_TEST_PG:?run under tests/pg/with-pg}
psql="${MLMON_TEST_PG_BIN:?}/psql"
log=${MLMON_TEST_PG_DIR:?}/server.log
sandbox pg-bulk

"$psql" -X -q -d "$url" -c "CREATE DATABASE bulk" \
    -c "ALTER DATABASE bulk SET log_statement = 'all'" >/dev/null ||
    { echo "FAIL cannot create the database"; exit 1; }
pg=$(printf '%s' "$url" | sed 's|/mlmon_test?|/bulk?|')

"$gen" --scenario abrupt --seed 11 --batches 8 >all.ndjson
grep -E '"type":"(schema|reference)"' all.ndjson >head.ndjson
# batch N's predictions (ROW, or all); end_batch of N.
rows() {
	grep "^{\"batch_id\":$1,\"row_in_batch\":${2:-}" all.ndjson
}
end() {
	echo "{\"type\":\"end_batch\",\"batch_id\":$1}"
}
{
	cat head.ndjson
	for b in 1 2 3 4 5 6; do rows "$b"; end "$b"; done
} >one.ndjson
# Batch 7: rows 100..199, then 0..99; row 150 again, row 151 changed.
{
	rows 7 | sed -n '101,200p'
	rows 7 | sed -n '1,100p'
	rows 7 150,
	rows 7 151, | sed 's/"confidence":/"confidence":0.5,"x":/'
	end 7
	# Late: a new row for judged batch 3, and a replay of one of it.
	rows 3 5, | sed 's/"row_in_batch":5,/"row_in_batch":200,/'
	rows 3 5,
	# Batch 8: row 10 twice in a row, rows with ids among the rest.
	rows 8 | sed -n '1,11p'
	rows 8 10,
	rows 8 | sed -n '12,60p'
	rows 8 | sed -n '61,80p' | sed 's/^{"batch_id":8,"row_in_batch":\([0-9]*\),/{"id":"e\1","batch_id":8,"row_in_batch":\1,/'
	rows 8 | sed -n '81,200p'
	rows 8 65, | sed 's/^{/{"id":"e64",/;
	    s/"row_in_batch":65,/"row_in_batch":201,/'
	end 8
} >two.ndjson

# feed DB TAG: the three streams, each run's output kept.
feed() {
	"$ingest" --db "$1" --model c --flush-rows 37 <one.ndjson \
	    >"$2.1.out" 2>"$2.1.err"
	echo "$?" >"$2.1.rc"
	"$ingest" --db "$1" --model c --flush-rows 50 <two.ndjson \
	    >"$2.2.out" 2>"$2.2.err"
	echo "$?" >"$2.2.rc"
	"$ingest" --db "$1" --model c --flush-rows 37 <one.ndjson \
	    >"$2.3.out" 2>"$2.3.err"
	echo "$?" >"$2.3.rc"
}
feed sqlite.db lite
start=$(wc -l <"$log")
"$ingest" --db "$pg" --model c --flush-rows 37 <one.ndjson \
    >pg.1.out 2>pg.1.err
echo "$?" >pg.1.rc
tail -n +"$((start + 1))" "$log" >one.log
"$ingest" --db "$pg" --model c --flush-rows 50 <two.ndjson \
    >pg.2.out 2>pg.2.err
echo "$?" >pg.2.rc
"$ingest" --db "$pg" --model c --flush-rows 37 <one.ndjson \
    >pg.3.out 2>pg.3.err
echo "$?" >pg.3.rc

# Stream 2 has rejected lines: exit 65 (EX_DATAERR).
for n in 1 2 3; do
	want=0
	[ "$n" = 2 ] && want=65
	check "stream $n: SQLite ingest exit" "$(cat lite.$n.rc)" "$want"
	check "stream $n: PostgreSQL ingest exit" "$(cat pg.$n.rc)" "$want"
	for b in lite pg; do
		grep -v ' rows/s$' "$b.$n.err" >"$b.$n.said"
	done
	check "stream $n: the same ingest output" \
	    "$(cmp lite.$n.out pg.$n.out && cmp lite.$n.said pg.$n.said &&
	    echo same)" same
done
yes_if "stream 2 rejected the changed row 151 (conflict)" \
    grep -q 'batch 7 row_in_batch 151 is logged already' lite.2.said
yes_if "stream 2 rejected the repeated id e64 (other content)" \
    grep -q 'e64' lite.2.said
yes_if "stream 3: every row a replay" \
    grep -q ' 1200 skipped, 0 rejected' lite.3.err

# Event ids compared without PostgreSQL's '"' before a text id; ids
# themselves differ (an INSERT ... ON CONFLICT DO NOTHING that inserts
# nothing still takes a number of PostgreSQL's sequence), their order is
# the order rows arrived in.
queries() {
	cat <<EOF
SELECT p.batch_id, p.row_in_batch, p.features, p.scores,
 p.predicted_class, CAST(round(p.confidence * 1e9) AS BIGINT),
 p.true_class, replace(CAST(p.event_id AS TEXT), '"', ''), p.src_line
 FROM predictions p ORDER BY p.batch_id, p.row_in_batch;
SELECT batch_id, row_in_batch FROM predictions ORDER BY id;
SELECT line, reason FROM rejected ORDER BY line;
SELECT batch_id, n_rows, n_labelled,
 CASE WHEN closed_at IS NULL THEN 1 ELSE 0 END FROM batches
 ORDER BY batch_id;
SELECT key, value FROM meta WHERE key = 'late_rows';
SELECT row, features, predicted_class,
 CAST(round(confidence * 1e9) AS BIGINT), scores, true_class
 FROM reference ORDER BY row;
SELECT batch_id, report_type, payload FROM monitor_reports
 ORDER BY batch_id, report_type;
EOF
}
queries | sqlite3 sqlite.db >lite.rows
queries | "$psql" -X -q -At -v ON_ERROR_STOP=1 -d "$pg" >pg.rows 2>pg.qerr
check "queries on PostgreSQL: no error" "$(cat pg.qerr)" ""
yes_if "the SQLite store holds 1,601 rows" \
    [ "$(sqlite3 sqlite.db 'SELECT count(*) FROM predictions')" -eq 1601 ]
check "the same rows, order, rejections, ledger, reference and reports" \
    "$(diff lite.rows pg.rows | head -20)" ""

# Stream 1 on PostgreSQL: its 1,200 rows by COPY, not one by INSERT.
yes_if "stream 1: rows sent by COPY" grep -q 'COPY predictions' one.log
check "stream 1: no row sent by INSERT" \
    "$(grep -c 'INSERT INTO predictions' one.log)" 0
yes_if "stream 1: the reference sent by COPY" grep -q 'COPY reference' one.log
check "stream 1: no reference row sent by INSERT" \
    "$(grep -c 'INSERT INTO reference' one.log)" 0
finish
