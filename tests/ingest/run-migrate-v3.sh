#!/bin/sh
# Schema 3 -> 4 -> 5 on a store the schema-3 release wrote
# (tests/fixtures/store-v3.db, never regenerated: 13 batches, batch 13
# of predictions by id with labels by id and a held label). A copy shows
# the same in the console (every tab, text, json and csv) before and
# after this mlmon-ingest migrates it in place (PRAGMA user_version 7,
# the alert_mutes table, models, nothing else touched), then accepts new rows, a
# held label still waits, and an ack or silence can be recorded.
#
# usage: run-migrate-v3.sh MLMON-INGEST MLMON-GEN MLMON-TOP FIXTURE
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
top=$(abspath "$3")
fixture=$(abspath "$4")
sandbox migrate-v3

cp "$fixture" v.db
check "fixture is schema 3" "$(q v.db 'PRAGMA user_version')" 3
# shown TAG: everything mlmon-top prints of v.db, but the clock.
shown() {
	for t in overview drift calibration alerts; do
		"$top" --db v.db --once --tab "$t" --width 120 --height 40 |
		    sed 's/[0-9][0-9hms ]* ago/AGO/g'
		"$top" --db v.db --once --tab "$t" --format json |
		    jq -c 'del(.now, .last_write_age_s)'
		"$top" --db v.db --once --tab "$t" --format csv
	done >"$1.shown"
}
shown before
check "the console does not migrate" "$(q v.db 'PRAGMA user_version')" 3
tables=$(q v.db "SELECT group_concat(name) FROM (SELECT name FROM
    sqlite_master WHERE type = 'table' ORDER BY name)")
counts() {
	q v.db "SELECT (SELECT count(*) FROM predictions),
	    (SELECT count(*) FROM batches), (SELECT count(*) FROM
	    monitor_reports), (SELECT count(*) FROM alerts), (SELECT count(*)
	    FROM pending_labels)"
}
before=$(counts)

# 1. Opened by this ingest with nothing to add: migrated, same numbers.
"$ingest" --quiet --db v.db </dev/null
check "migrate: exit" $? 0
check "migrate: schema 7" "$(q v.db 'PRAGMA user_version')" 7
check "migrate: meta says 7" "$(q v.db "SELECT value FROM meta
    WHERE key = 'schema_version'")" 7
check "migrate: four tables more, alert_mutes, models, model_status, sqlite_stat1" \
    "$(q v.db "SELECT group_concat(name) FROM (SELECT name FROM
    sqlite_master WHERE type = 'table' AND name NOT IN ('alert_mutes',
    'models', 'model_status', 'sqlite_stat1') ORDER BY name)")" "$tables"
check "migrate: alert_mutes empty" "$(q v.db "SELECT count(*) FROM
    alert_mutes")" 0
check "migrate: same rows everywhere" "$(counts)" "$before"
shown after
yes_if "migrate: the console shows the same" cmp -s before.shown after.shown

# 2. New rows are accepted; the held label still waits for its id.
"$gen" --scenario abrupt --batches 2 --batch-size 100 --first-batch 14 \
    --no-schema --reference-rows 300 | grep -v '"type":"reference"' |
    "$ingest" --quiet --db v.db
check "new rows: exit" $? 0
check "new rows: stored" "$(q v.db "SELECT count(*) FROM predictions
    WHERE batch_id IN (14, 15)")" 200
check "new rows: judged" "$(q v.db "SELECT count(*) FROM monitor_reports
    WHERE batch_id = 15 AND report_type = 'feature'")" 1
yes_if "held label still held" [ "$(q v.db "SELECT count(*) FROM
    pending_labels")" -ge 1 ]

# 3. The new table takes a row (as the console writes it).
sqlite3 v.db "INSERT INTO alert_mutes (kind, scope, target, until,
    created_by, created_at) VALUES ('silence', 'rule', 'label_shift',
    4102444800, 'alice', 1796550000)"
check "alert_mutes: a silence stored" "$(q v.db "SELECT model, kind,
    scope, target FROM alert_mutes")" "default|silence|rule|label_shift"
yes_if "--once json shows it" sh -c "'$top' --db v.db --once --tab alerts \
    --format json | jq -e '.mutes[0].target == \"label_shift\"' >/dev/null"
finish
