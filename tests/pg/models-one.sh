#!/bin/sh
# models-one.sh INGEST GEN (under tests/pg/with-pg): one ingest carrying
# three models into PostgreSQL (the streams of tests/db/models-one-ingest.sh
# interleaved line by line, each record naming its model, one commit for
# all of them every 300 rows: the bulk path's COPY then holds rows of
# several models): every model's reports are byte for byte those of its
# stream alone in a SQLite store, its rows there once each.
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
url=${MLMON_TEST_PG:?run under tests/pg/with-pg}
psql="${MLMON_TEST_PG_BIN:?}/psql"
sandbox pg-models-one

three_models
for m in $models; do
	mname=${m%%:*}
	sed "s/^{/{\"model\":\"$mname\",/" "$mname.ndjson" >"$mname.tagged"
done
paste -d '\n' fraud-v3.tagged churn.eu.tagged ranker_2.tagged >all.ndjson
"$ingest" --quiet --db "$url" --flush-rows 300 <all.ndjson 2>one.err
check "one ingest into PostgreSQL exit" $? 0
pg() {
	"$psql" -X -q -A -t -d "$url" -c "$1"
}
check "the three models" "$(pg "SELECT name FROM models ORDER BY name" |
    xargs)" "churn.eu fraud-v3 ranker_2"
for m in $models; do
	mname=${m%%:*}
	sqlite3 "alone-$mname.db" "SELECT batch_id, report_type, payload
	    FROM monitor_reports ORDER BY 1, 2" >"$mname.want"
	pg "SELECT r.batch_id, r.report_type, r.payload FROM monitor_reports r
	    JOIN models m ON m.model_id = r.model_id WHERE m.name = '$mname'
	    ORDER BY 1, 2" >"$mname.got"
	check "$mname reports" "$(wc -l <"$mname.got" | tr -d ' ')" 50
	yes_if "$mname reports byte-identical to its stream alone" \
	    cmp -s "$mname.want" "$mname.got"
	check "$mname rows once each" "$(pg "SELECT count(*),
	    count(DISTINCT (batch_id, row_in_batch)), count(true_class)
	    FROM predictions p JOIN models m ON m.model_id = p.model_id
	    WHERE m.name = '$mname'")" "1500|1500|1500"
	check "$mname conditions as alone" "$(pg "SELECT condition_key
	    FROM alert_conditions c JOIN models m ON m.model_id = c.model_id
	    WHERE m.name = '$mname' ORDER BY 1" | xargs)" \
	    "$(q "alone-$mname.db" "SELECT condition_key FROM alert_conditions
	    ORDER BY 1")"
done
[ -s one.err ] && sed 's/^/ingest: /' one.err | head -10
finish
