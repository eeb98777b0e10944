#!/bin/sh
# Schema N -> 7 on a store of two models the schema-N release wrote
# (tests/fixtures/store-vN.db, never regenerated; N = 4: 4ddc498, N = 5:
# 1362a76, N = 6: 0eefd20; tests/fixtures/README.md): model "default", the v3 stream with
# predictions and labels by id and a held label, and model "tab-v1", a
# tabular stream (their batch ids overlap). For each model, every tab of
# the console (csv and the text frame) is what that release's console
# printed (tests/fixtures/store-vN/MODEL/), read-only on the unmigrated
# file and after mlmon-ingest migrated it in place; the rows are those of
# the fixture byte for byte; the seed's readers (WHERE batch_id = ?, no
# model) search an index (the v4 fixture scans) and answer as on the
# fixture; the event id leads its unique index (5, "event index"),
# batch_id the rows' (6); the ledger's unread indexes and model_status's
# triggers on the ledger are gone (7); the fixture's ids sent again are
# replays and a new id is stored; and the migrated store accepts new rows
# for both models, its model_status (now kept by the writer) what the
# tables say.
#
# usage: migrate-models.sh N MLMON-INGEST MLMON-TOP MLMON-GEN FIXTURE-DIR
set -u
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/frames.sh"
ver=$1
ingest=$(abspath "$2")
top=$(abspath "$3")
gen=$(abspath "$4")
fixtures=$(abspath "$5")
fixture=$fixtures/store-v$ver.db
sandbox migrate-v$ver
models="default tab-v1"
tabs=$frames_tabs
now=7		# the schema this mlmon writes

cp "$fixture" old.db
chmod u+w old.db

# Each model's tables and frames as the fixture's were printed.
console() {
	frames "$top" old.db "$1" $models
}
same_as_release() {
	for m in $models; do
		for t in $tabs; do
			for f in csv txt; do
				yes_if "$2: $m $t $f as the v$ver release showed it" \
				    cmp -s "$1.$m.$t.$f" \
				    "$fixtures/store-v$ver/$m/$t.$f"
			done
		done
	done
}
# The rows as stored, every model.
dump() {
	sqlite3 old.db "SELECT model_id, batch_id, report_type, payload
	    FROM monitor_reports ORDER BY id" >"$1.reports"
	sqlite3 old.db "SELECT * FROM predictions ORDER BY id" >"$1.predictions"
	sqlite3 old.db "SELECT * FROM alerts ORDER BY id" >"$1.alerts"
	sqlite3 old.db "SELECT * FROM reference ORDER BY model_id, row" \
	    >"$1.reference"
	sqlite3 old.db "SELECT * FROM batches ORDER BY model_id, batch_id" \
	    >"$1.batches"
	sqlite3 old.db "SELECT * FROM alert_conditions ORDER BY 1, 2" \
	    >"$1.conditions"
	sqlite3 old.db "SELECT * FROM pending_labels ORDER BY 1, 2" \
	    >"$1.pending"
	sqlite3 old.db "SELECT * FROM model_status ORDER BY 1" >"$1.status"
}
# The seed's readers, as the article writes them (no model), and how
# SQLite answers each: 1 when it searches an index, 0 when it scans.
seed() {
	q "$1" 'SELECT count(*), sum(predicted_class) FROM predictions
	    WHERE batch_id = 3'
	q "$1" "SELECT count(*), sum(length(payload)) FROM monitor_reports
	    WHERE batch_id = 3"
	q "$1" 'SELECT count(*), sum(length(message)) FROM alerts
	    WHERE batch_id = 3'
}
plans() {
	for sql in 'SELECT * FROM predictions WHERE batch_id = 3
	    ORDER BY row_in_batch' 'SELECT * FROM monitor_reports
	    WHERE batch_id = 3' 'SELECT * FROM alerts WHERE batch_id = 3'; do
		sqlite3 "$1" "EXPLAIN QUERY PLAN $sql" | grep -c '^.--SEARCH '
	done | tr '\n' ' '
}

# model_status as kept, and as its definition computes it from the tables.
status_kept="SELECT model_id, latest_batch, printf('%.6f', last_write), rows,
    labelled, rate_rows, printf('%.6f', rate_span), drift_batch, drift,
    perf_batch, printf('%.12g', accuracy), printf('%.12g', acc_delta),
    open_critical, open_warning, last_page FROM model_status ORDER BY 1"
status_truth="SELECT m.model_id, (SELECT max(batch_id) FROM batches b
    WHERE b.model_id = m.model_id), (SELECT printf('%.6f', max(max(opened_at,
    coalesce(closed_at, 0), coalesce(labelled_at, 0)))) FROM batches b
    WHERE b.model_id = m.model_id), (SELECT CAST(total(n_rows) AS INTEGER) FROM batches b
    WHERE b.model_id = m.model_id AND closed_at IS NOT NULL),
    (SELECT CAST(total(n_labelled) AS INTEGER) FROM batches b WHERE b.model_id = m.model_id
    AND closed_at IS NOT NULL), (SELECT CAST(total(n_rows) AS INTEGER) FROM (SELECT n_rows
    FROM batches b WHERE b.model_id = m.model_id AND closed_at IS NOT NULL
    ORDER BY batch_id DESC LIMIT 10)), (SELECT printf('%.6f', max(closed_at)
    - min(opened_at)) FROM (SELECT opened_at, closed_at FROM batches b
    WHERE b.model_id = m.model_id AND closed_at IS NOT NULL ORDER BY
    batch_id DESC LIMIT 10)), d.batch_id, CASE WHEN d.psi_verdict = 2 OR
    d.ks_drift = 1 OR d.label_shift_drift = 1 THEN 2 WHEN d.psi_verdict = 1
    OR d.confidence_drift = 1 THEN 1 ELSE 0 END, p.batch_id,
    printf('%.12g', p.accuracy), printf('%.12g', p.acc_delta),
    (SELECT count(*) FROM alert_conditions c WHERE c.model_id = m.model_id
    AND open = 1 AND severity = 'critical'), (SELECT count(*) FROM
    alert_conditions c WHERE c.model_id = m.model_id AND open = 1 AND
    severity IS NOT 'critical'), (SELECT max(sent_at) FROM alerts a WHERE
    a.model_id = m.model_id AND channel <> 'log') FROM models m
    LEFT JOIN batches d ON d.model_id = m.model_id AND d.batch_id =
    (SELECT max(batch_id) FROM batches b WHERE b.model_id = m.model_id AND
    coalesce(psi_verdict, label_shift_drift) IS NOT NULL)
    LEFT JOIN batches p ON p.model_id = m.model_id AND p.batch_id =
    (SELECT max(batch_id) FROM batches b WHERE b.model_id = m.model_id AND
    accuracy IS NOT NULL) ORDER BY 1"

check "fixture is version $ver" "$(q old.db 'PRAGMA user_version')" "$ver"
check "fixture: two models" "$(q old.db 'SELECT name FROM models
    ORDER BY name')" "default tab-v1"
# Version 4 scans: its keys all lead with model_id (5 indexes them).
if [ "$ver" = 4 ]; then seed_plans="0 0 0 "; else seed_plans="1 1 1 "; fi
check "fixture: the seed's readers' plans" "$(plans old.db)" "$seed_plans"
dump before
console ro
same_as_release ro "read-only, unmigrated"
check "read-only open left the file at version $ver" \
    "$(q old.db 'PRAGMA user_version')" "$ver"

# Migrate: an ingest with nothing to read opens it read-write.
"$ingest" --quiet --db old.db </dev/null
check "empty ingest exit" $? 0
check "migrated to version $now" "$(q old.db 'PRAGMA user_version')" "$now"
check "schema_version is the store's" "$(q old.db "SELECT model_id, value
    FROM meta WHERE key = 'schema_version'")" "0|$now"
dump after
for t in reports predictions alerts reference batches conditions pending \
    status; do
	yes_if "migration kept $t byte for byte" cmp -s before.$t after.$t
done
console rw
same_as_release rw "migrated"
check "migrated: the seed's readers search an index" "$(plans old.db)" \
    "1 1 1 "
check "seed readers answer as on the fixture" "$(seed old.db)" \
    "$(seed "$fixture")"
# 4 -> 5, step "event index": the id first, then the model.
check "event id index" "$(q old.db "SELECT group_concat(name) FROM
    pragma_index_info('predictions_event_id_model')")" "event_id,model_id"
check "old event index gone" "$(q old.db "SELECT count(*) FROM sqlite_master
    WHERE name = 'predictions_model_event_id'")" 0
# 5 -> 6: batch_id leads the rows' unique key; the statistics row that
# made SQLite skip-scan the old key went with it.
check "rows' key" "$(q old.db "SELECT group_concat(name) FROM
    pragma_index_info('predictions_batch_model_row')")|$(q old.db "SELECT
    \"unique\" FROM pragma_index_list('predictions') WHERE name =
    'predictions_batch_model_row'")" "batch_id,model_id,row_in_batch|1"
check "old rows' key and its statistics gone" "$(q old.db "SELECT
    (SELECT count(*) FROM sqlite_master WHERE name =
    'predictions_model_batch_row'), (SELECT count(*) FROM sqlite_stat1
    WHERE tbl = 'predictions')")" "0|0"
# A model's batch (the ledger's recounts, labels, retention, the console)
# is one range of the key: a seek on batch_id and model_id, not a walk
# over every model's rows of that batch id.
check "a model's batch: a seek on the key" "$(sqlite3 old.db "EXPLAIN QUERY
    PLAN SELECT count(*), count(true_class) FROM predictions WHERE
    batch_id = 3 AND model_id = 2" | sed -n "s/^.--//p")" \
    "SEARCH predictions USING INDEX predictions_batch_model_row (batch_id=? AND model_id=?)"
check "a model's batch: its rows" "$(q old.db "SELECT count(*) FROM
    predictions WHERE batch_id = 3 AND model_id = 2")|$(q old.db "SELECT
    count(*) FROM predictions WHERE batch_id = 3")" "100|200"
# 6 -> 7: the ledger's indexes nobody seeks dropped; of model_status's
# triggers on the ledger only the labels' is left (the writer keeps the
# rest, src/db/store-status.c).
check "ledger's indexes" "$(q old.db "SELECT group_concat(name, ' ') FROM
    (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name =
    'batches' AND sql IS NOT NULL ORDER BY name)")" \
    "batches_adwin_drift batches_any_decay batches_confidence_drift batches_ddm_drift batches_ks_drift batches_label_shift_drift batches_psi_verdict batches_unpruned"
check "ledger's triggers" "$(q old.db "SELECT group_concat(name, ' ') FROM
    sqlite_master WHERE type = 'trigger' AND tbl_name = 'batches'")" \
    "model_status_labels"
n=$(q old.db "SELECT count(*) FROM predictions")
sqlite3 old.db "SELECT json_object('id', event_id, 'ts', event_ts / 1e6,
    'batch_id', batch_id, 'row_in_batch', row_in_batch,
    'features', json(features), 'scores', json(scores))
    FROM predictions WHERE event_id IS NOT NULL AND model_id = 1
    ORDER BY id LIMIT 3" >again.ndjson
"$ingest" --db old.db again.ndjson 2>again.err
check "ids sent again: exit" $? 0
yes_if "ids sent again are replays" grep -q '3 skipped, 0 rejected' again.err
check "ids sent again: no row added" "$(q old.db "SELECT count(*)
    FROM predictions")" "$n"
check "the held label still held" "$(q old.db "SELECT count(*) FROM
    pending_labels WHERE model_id = 1")" 1
check "opening again changes nothing" "$("$ingest" --quiet --db old.db \
    </dev/null; q old.db 'PRAGMA user_version')" "$now"

# New rows for both models: two batches after each one's last.
more() {
	last=$(q old.db "SELECT max(batch_id) FROM batches JOIN models
	    USING (model_id) WHERE name = '$1'")
	rows=$(q old.db "SELECT sum(n_rows) FROM batches JOIN models
	    USING (model_id) WHERE name = '$1'")
	"$gen" --scenario "$2" --batches 2 --batch-size 100 \
	    --first-batch $((last + 1)) --no-schema --reference-rows 300 |
	    grep -v '"type":"reference"' |
	    "$ingest" --quiet --db old.db --model "$1"
	check "$1: continue exit" $? 0
	check "$1: two batches, 200 rows more" "$(q old.db "SELECT
	    max(batch_id), sum(n_rows) FROM batches JOIN models
	    USING (model_id) WHERE name = '$1'")" \
	    "$((last + 2))|$((rows + 200))"
	check "$1: reports of the new batches" "$(q old.db "SELECT count(*)
	    FROM monitor_reports JOIN models USING (model_id) WHERE name =
	    '$1' AND batch_id > $last AND report_type IN ('feature',
	    'prediction')")" 4
}
maxid=$(q old.db 'SELECT max(id) FROM monitor_reports')
more default abrupt
more tab-v1 tabular
sqlite3 old.db "SELECT model_id, batch_id, report_type, payload
    FROM monitor_reports WHERE id <= $maxid ORDER BY id" >continued.reports
yes_if "old reports untouched by new rows" \
    cmp -s before.reports continued.reports
# model_status, kept by the writer since 7, is what the tables say (its
# definition, src/db/schema-fleet.c's FLEET_SELECT, over the ledger).
check "model_status equals the tables" "$(q old.db "$status_kept")" \
    "$(q old.db "$status_truth")"
finish
