#!/bin/sh
# A store written by an earlier schema version N (2 or 3:
# tests/fixtures/store-vN.db, see tests/fixtures/README.md) in this
# release: the console shows what that release's console showed
# (tests/fixtures/store-vN/*, printed by its mlmon-top), both read-only
# on the unmigrated file and after mlmon-ingest migrated it in place to
# version 5 as one model "default"; the stored rows and reports are byte
# for byte those of the fixture; the seed's readers still work; and the
# migrated store accepts new rows, for its model and another.
#
# usage: migrate.sh N MLMON-INGEST MLMON-TOP MLMON-GEN FIXTURE-DIR
set -u
. "$(dirname "$0")/../lib.sh"
ver=$1
ingest=$(abspath "$2")
top=$(abspath "$3")
gen=$(abspath "$4")
fixtures=$(abspath "$5")
fixture=$fixtures/store-v$ver.db
sandbox "migrate-v$ver"

cp "$fixture" old.db
chmod u+w old.db

# The console's tables and frames, normalised where they hold the time:
# frame line 2 (the store's last write, local time and age) and alert
# ages (a width that never cuts a message, so ages cannot move a cut).
console() {
	for t in overview drift calibration alerts; do
		# This release's csv starts with a model column.
		"$top" --db old.db --once --tab "$t" --format csv \
		    >"$1.$t.model.csv"
		sed 's/^[^,]*,//' "$1.$t.model.csv" >"$1.$t.csv"
		# Its Drift table ends with missing_share, kind, chisq_p and
		# new_share (issue 15): the release's columns come first.
		if [ "$t" = drift ]; then
			sed 's/,[^,]*,[^,]*,[^,]*,[^,]*$//' "$1.$t.csv" \
			    >"$1.$t.csv.tmp" && mv "$1.$t.csv.tmp" "$1.$t.csv"
		fi
		# Its overview ends with five estimate columns (issue 18),
		# empty for a store that never held an estimate.
		if [ "$t" = overview ]; then
			check "$1: overview estimate columns empty" "$(sed 1d \
			    "$1.$t.csv" | grep -vc ',,,,,$')" 0
			sed -i 's/\(,[^,]*\)\{5\}$//' "$1.$t.csv"
		fi
		# This release's tab bar has a Fleet tab, its store line
		# (dropped: it holds the time) the model, the Alerts
		# function bar Enter (an alert explained).
		TZ=UTC "$top" --db old.db --once --tab "$t" --format text \
		    --width 400 --height 40 |
		    sed '2d; 1s/ | Fleet \[0\]/            /;
		    $s/ DelClear EnterWhy/ DelClear/' |
		    sed -E 's/[0-9]+[dhms]( [0-9]+[dhms])? ago +/AGO /g;
		    s/ +$//' >"$1.$t.txt"
		"$top" --db old.db --once --tab "$t" --format json |
		    sed -E 's/"(now|last_write_age_s)":[0-9.e+-]+,//g' \
		    >"$1.$t.json"
	done
}

same_as_release() {
	for t in overview drift calibration alerts; do
		for f in csv txt; do
			# The Drift frame is laid out anew (issue 15: name
			# column, miss column, order): its numbers are the
			# csv's, checked here; the frame is checked before
			# and after the migration below.
			[ "$t.$f" = drift.txt ] && continue
			yes_if "$2: $t $f as the v$ver release showed it" \
			    cmp -s "$1.$t.$f" "$fixtures/store-v$ver/$t.$f"
		done
	done
}

# The rows as stored (every column the fixture has, in its order).
dump() {
	sqlite3 old.db "SELECT batch_id, report_type, payload
	    FROM monitor_reports ORDER BY id" >"$1.reports"
	sqlite3 old.db "SELECT id, batch_id, row_in_batch, features,
	    predicted_class, confidence, scores, true_class, logged_at,
	    labeled_at FROM predictions ORDER BY id" >"$1.predictions"
	sqlite3 old.db "SELECT id, batch_id, severity, channel, message,
	    sent_at, delivered FROM alerts ORDER BY id" >"$1.alerts"
	sqlite3 old.db "SELECT row, features, predicted_class, confidence,
	    scores, true_class FROM reference ORDER BY row" >"$1.reference"
	sqlite3 old.db "SELECT name, last_batch, state FROM detector_state
	    ORDER BY name" >"$1.detectors"
	sqlite3 old.db "SELECT condition_key, open, first_batch,
	    last_seen_batch FROM alert_conditions ORDER BY 1" >"$1.conditions"
	sqlite3 old.db "SELECT batch_id, n_rows, n_labelled, opened_at,
	    closed_at, labelled_at, max_psi, min_ks_p FROM batches
	    ORDER BY batch_id" >"$1.batches"
	if [ "$ver" -ge 3 ]; then
		sqlite3 old.db "SELECT id, event_id, event_ts, src_line
		    FROM predictions ORDER BY id" >"$1.events"
		sqlite3 old.db "SELECT event_id, true_class, received_at
		    FROM pending_labels ORDER BY 1" >"$1.pending"
	else
		: >"$1.events"
		: >"$1.pending"
	fi
}

check "fixture is version $ver" "$(q old.db 'PRAGMA user_version')" "$ver"
dump before
console ro
same_as_release ro "read-only, unmigrated"
check "read-only open left the file at version $ver" \
    "$(q old.db 'PRAGMA user_version')" "$ver"

# Migrate: an ingest with nothing to read opens it read-write.
"$ingest" --quiet --db old.db </dev/null
check "empty ingest exit" $? 0
check "migrated to version 7" "$(q old.db 'PRAGMA user_version')" 7
check "one model, default, id 1" \
    "$(q old.db 'SELECT model_id, name FROM models')" "1|default"
check "every row is model 1" "$(q old.db "SELECT
    (SELECT count(*) FROM predictions WHERE model_id <> 1) +
    (SELECT count(*) FROM monitor_reports WHERE model_id <> 1) +
    (SELECT count(*) FROM batches WHERE model_id <> 1) +
    (SELECT count(*) FROM reference WHERE model_id <> 1) +
    (SELECT count(*) FROM alerts WHERE model_id <> 1) +
    (SELECT count(*) FROM alert_conditions WHERE model_id <> 1) +
    (SELECT count(*) FROM detector_state WHERE model_id <> 1) +
    (SELECT count(*) FROM pending_labels WHERE model_id <> 1) +
    (SELECT count(*) FROM input_positions WHERE model_id <> 1) +
    (SELECT count(*) FROM meta WHERE model_id <> 1
     AND key <> 'schema_version')")" 0
check "schema_version is the store's (model 0)" \
    "$(q old.db "SELECT model_id, value FROM meta
    WHERE key = 'schema_version'")" "0|7"
dump after
for t in reports predictions alerts reference detectors conditions batches \
    events pending; do
	yes_if "migration kept $t byte for byte" cmp -s before.$t after.$t
done
console rw
same_as_release rw "migrated"
yes_if "drift txt: the same frame before and after migration" \
    cmp -s ro.drift.txt rw.drift.txt
for t in overview drift calibration alerts; do
	yes_if "json $t: same numbers before and after migration" \
	    cmp -s ro.$t.json rw.$t.json
done
yes_if "json names the model" \
    grep -q '^{"tab":"overview","store":"old.db","model":"default",' \
    rw.overview.json
check "csv model column" \
    "$(cut -d, -f1 rw.drift.model.csv | sort -u | tr '\n' ' ')" \
    "default model "

# The seed's readers, as written in the article.
seed() {
	q "$1" 'SELECT count(*), sum(predicted_class) FROM predictions
	    WHERE batch_id = 3'
	q "$1" "SELECT count(*), sum(length(payload)) FROM monitor_reports
	    WHERE report_type = 'performance'"
	q "$1" 'SELECT count(*), sum(length(message)) FROM alerts'
}
check "seed readers answer as on the fixture" "$(seed old.db)" \
    "$(seed "$fixture")"
check "opening again changes nothing" "$("$ingest" --quiet --db old.db \
    </dev/null; q old.db 'PRAGMA user_version')" 7

# New rows for the migrated model: two batches after its last, and a
# second model beside it.
last=$(q old.db 'SELECT max(batch_id) FROM batches')
rows=$(q old.db 'SELECT sum(n_rows) FROM batches')
"$gen" --scenario abrupt --batches 2 --batch-size 100 \
    --first-batch $((last + 1)) --no-schema --reference-rows 300 |
    grep -v '"type":"reference"' | "$ingest" --quiet --db old.db
check "continue default exit" $? 0
check "default: two batches, 200 rows more" \
    "$(q old.db 'SELECT count(*), sum(n_rows) FROM batches
    WHERE model_id = 1')" "$((last + 2))|$((rows + 200))"
sqlite3 old.db "SELECT batch_id, report_type, payload FROM monitor_reports
    WHERE batch_id <= $last ORDER BY id" >continued.reports
yes_if "old reports untouched by new rows" \
    cmp -s before.reports continued.reports
check "new reports for the two batches" "$(q old.db "SELECT count(*) FROM
    monitor_reports WHERE batch_id > $last AND model_id = 1
    AND report_type IN ('feature', 'prediction')")" 4
"$gen" --scenario stable --batches 3 --batch-size 50 --features 3 \
    --classes 2 | "$ingest" --quiet --db old.db --model other-model
check "second model exit" $? 0
check "two models" "$(q old.db 'SELECT name FROM models ORDER BY model_id')" \
    "default other-model"
check "second model's batches" "$(q old.db "SELECT count(*), sum(n_rows)
    FROM batches JOIN models USING (model_id) WHERE name = 'other-model'")" \
    "3|150"
check "second model's axes" "$(q old.db "SELECT value FROM meta JOIN models
    USING (model_id) WHERE name = 'other-model' AND key = 'n_features'")" 3
check "default's axes unchanged" "$(q old.db "SELECT value FROM meta
    WHERE model_id = 1 AND key = 'n_features'")" 5
printf '%s\n' \
    '{"model":"x","batch_id":9,"features":[1,2,3],"scores":[0.5,0.5]}' |
    "$ingest" --quiet --db old.db --model other-model 2>routed.err
check "a record naming another model goes to that model" $? 0
check "model x holds it, other-model has no more" "$(q old.db "SELECT name,
    count(*) FROM predictions JOIN models USING (model_id)
    WHERE name IN ('x', 'other-model') GROUP BY name ORDER BY name")" \
    "other-model|150 x|1"
check "nothing rejected" "$(q old.db "SELECT count(*) FROM rejected")" 0
"$ingest" --quiet --db old.db --model 'no spaces' </dev/null 2>bad.err
check "--model with a bad name: usage error" $? 2
check "--model message" "$(cat bad.err)" \
    'mlmon-ingest: --model: "no spaces": byte 3 of a model name is 0x20, not one of A-Z a-z 0-9 . _ : -'
check "console on the other model" "$("$top" --db old.db \
    --model other-model --once --tab overview --format csv | sed 1d |
    wc -l)" 3
finish
