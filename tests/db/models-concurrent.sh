#!/bin/sh
# Three models with different feature counts, class counts and names,
# written by three concurrent ingest processes plus a labeler into one
# store: every report of every model is byte for byte the report of that
# model's stream ingested alone into its own store, and alert conditions
# and pages are per model; ids and held labels are per model. The console
# opens such a store on its Fleet tab, and --once --tab fleet lists every
# model with its numbers, read from model_status (kept by triggers),
# which equals the same numbers computed from the tables.
#
# usage: models-concurrent.sh MLMON-INGEST MLMON-GEN MLMON-TOP
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
top=$(abspath "$3")
sandbox models-concurrent

# Every ingest below reads three_models' config.
three_models
grep '"type":"labels"' fraud-v3.ndjson >fraud-v3.labels

# Together: one ingest per model, each fed live at 3,000 rows/s so the
# three overlap, and one labeler for fraud-v3 while they run (the other
# two get their labels inline from their own stream).
pids=
for m in $models; do
	mname=${m%%:*}
	if [ "$mname" = fraud-v3 ]; then
		pat='"type":"labels"'
	else
		pat='^$'
	fi
	model_stream "$mname" --rate 3000 |
	    grep --line-buffered -v "$pat" |
	    "$ingest" --quiet --db fleet.db --model "$mname" --flush-ms 20 \
	    2>"$mname.err" &
	pids="$pids $!"
done
sleep 0.2
"$ingest" --quiet --db fleet.db --model fraud-v3 --flush-ms 0 \
    <fraud-v3.labels 2>labeler.err &
labeler=$!
for p in $pids; do
	wait "$p"
	check "ingest $p exit" $? 0
done
wait "$labeler"
rc=$?
# Labels of a batch not closed yet are refused (exit 65, docs/PROTOCOL.md):
# the labeler may have run ahead. Resend them now that every batch is in.
yes_if "labeler exit 0 or 65" [ "$rc" -eq 0 -o "$rc" -eq 65 ]
"$ingest" --quiet --db fleet.db --model fraud-v3 <fraud-v3.labels
check "labels resent exit" $? 0

check "three models" "$(q fleet.db 'SELECT name FROM models ORDER BY name')" \
    "churn.eu fraud-v3 ranker_2"
for m in $models; do
	mname=${m%%:*}
	nf=$(echo "$m" | cut -d: -f3)
	id=$(q fleet.db "SELECT model_id FROM models WHERE name = '$mname'")
	sqlite3 "alone-$mname.db" "SELECT batch_id, report_type, payload
	    FROM monitor_reports ORDER BY batch_id, report_type" >"$mname.want"
	sqlite3 fleet.db "SELECT batch_id, report_type, payload
	    FROM monitor_reports WHERE model_id = $id
	    ORDER BY batch_id, report_type" >"$mname.got"
	check "$mname reports" "$(wc -l <"$mname.got")" "$(wc -l <"$mname.want")"
	yes_if "$mname reports byte-identical to its stream alone" \
	    cmp -s "$mname.want" "$mname.got"
	check "$mname axes" "$(q fleet.db "SELECT value FROM meta WHERE
	    model_id = $id AND key = 'n_features'")" "$nf"
	check "$mname conditions as alone" "$(q fleet.db "SELECT condition_key
	    FROM alert_conditions WHERE model_id = $id ORDER BY 1")" \
	    "$(q "alone-$mname.db" "SELECT condition_key FROM alert_conditions
	    ORDER BY 1")"
	check "$mname alert rows as alone" "$(q fleet.db "SELECT count(*)
	    FROM alerts WHERE model_id = $id")" \
	    "$(q "alone-$mname.db" "SELECT count(*) FROM alerts")"
done

# The fleet, as scripts read it.
"$top" --db fleet.db --once --format json >fleet.json
check "several models: the console opens on the fleet" \
    "$(grep -c '^{"tab":"fleet",' fleet.json)" 1
for m in $models; do
	mname=${m%%:*}
	yes_if "fleet json: $mname, batch 10, 1500 rows, all labelled" \
	    grep -qE "\"model\":\"$mname\",\"state\":\"[^\"]+\",\
\"latest_batch\":10,\"last_write\":[0-9.e+]+,\"last_write_age_s\":[0-9.e+-]+,\
\"stale\":false,\"rows_per_min\":[0-9.e+]+,\"rows\":1500,\"labelled_share\":1,\
\"accuracy\":[0-9.e+-]+,\"accuracy_delta\":[0-9.e+-]+,\"drift\":\"(none|investigate|drift)\",\
\"open_critical\":[0-9]+,\"open_warning\":[0-9]+," fleet.json
done
"$top" --db fleet.db --once --tab fleet --format csv >fleet.csv
check "fleet csv: a header and a row per model" "$(wc -l <fleet.csv)" 4
# Worst first: open critical conditions sort a model up.
check "fleet csv: worst first" "$(sed 1d fleet.csv | cut -d, -f12 |
    tr '\n' ' ')" "$(sed 1d fleet.csv | cut -d, -f12 | sort -rn |
    tr '\n' ' ')"
check "fleet open counts are the stored conditions" \
    "$(sed 1d fleet.csv | awk -F, '{ s += $12 + $13 } END { print s }')" \
    "$(q fleet.db 'SELECT count(*) FROM alert_conditions WHERE open = 1')"

# [model "churn.eu"]: its warnings page Slack, nobody else's do (the
# warnings that open a condition; repeats are suppressed either way).
slack_warnings() {
	q fleet.db "SELECT count(*) FROM alerts JOIN models USING (model_id)
	    WHERE name = '$1' AND severity = 'warning' AND kind = 'firing'
	    AND channel = 'slack'"
}
warnings() {
	q fleet.db "SELECT count(*) FROM alerts JOIN models USING (model_id)
	    WHERE name = '$1' AND severity = 'warning' AND kind = 'firing'
	    AND channel IN ('slack', 'log')"
}
yes_if "churn.eu has warnings, all to Slack" \
    [ "$(warnings churn.eu)" -gt 0 -a \
    "$(slack_warnings churn.eu)" = "$(warnings churn.eu)" ]
yes_if "ranker_2 has warnings, none to Slack" \
    [ "$(warnings ranker_2)" -gt 0 -a "$(slack_warnings ranker_2)" = 0 ]
check "fraud-v3: no warning to Slack" "$(slack_warnings fraud-v3)" 0

# model_status, kept by triggers in each write, is what the tables say.
truth="SELECT m.model_id, (SELECT max(batch_id) FROM batches b
    WHERE b.model_id = m.model_id), (SELECT sum(n_rows) FROM batches b
    WHERE b.model_id = m.model_id AND closed_at IS NOT NULL),
    (SELECT sum(n_labelled) FROM batches b WHERE b.model_id = m.model_id
    AND closed_at IS NOT NULL), (SELECT count(*) FROM alert_conditions c
    WHERE c.model_id = m.model_id AND open = 1 AND severity = 'critical'),
    (SELECT count(*) FROM alert_conditions c WHERE c.model_id = m.model_id
    AND open = 1 AND severity <> 'critical'), (SELECT max(sent_at)
    FROM alerts a WHERE a.model_id = m.model_id AND channel <> 'log'),
    (SELECT printf('%.12g', json_extract(payload, '$.accuracy'))
    FROM monitor_reports r
    WHERE r.model_id = m.model_id AND report_type = 'performance'
    ORDER BY batch_id DESC LIMIT 1) FROM models m ORDER BY 1"
kept="SELECT model_id, latest_batch, rows, labelled, open_critical,
    open_warning, last_page, printf('%.12g', accuracy) FROM model_status
    ORDER BY 1"
check "model_status equals the tables" "$(q fleet.db "$kept")" \
    "$(q fleet.db "$truth")"

# Ids are each model's own: the same id in two models is two predictions,
# and a label by id (held until its prediction comes) labels the model
# its labeler names.
for m in a b; do
	printf '{"model":"ids-%s","id":"r1","features":[1,2],"scores":[0.5,0.5],"batch_id":1}\n' "$m"
done >ids.ndjson
printf '{"type":"label","id":"r2","true_class":1}\n' |
    "$ingest" --quiet --db fleet.db --model ids-a
check "held label exit" $? 0
check "held label is ids-a's" "$(q fleet.db "SELECT name, event_id
    FROM pending_labels JOIN models USING (model_id)")" "ids-a|r2"
grep ids-a ids.ndjson | "$ingest" --quiet --db fleet.db --model ids-a
check "ids-a exit" $? 0
grep ids-b ids.ndjson | "$ingest" --quiet --db fleet.db --model ids-b
check "ids-b: the same id in another model is new" $? 0
check "both stored" "$(q fleet.db "SELECT name, event_id FROM predictions
    JOIN models USING (model_id) WHERE event_id = 'r1' ORDER BY name")" \
    "ids-a|r1 ids-b|r1"
printf '{"type":"label","id":"r1","true_class":0}\n' |
    "$ingest" --quiet --db fleet.db --model ids-b
check "label by id exit" $? 0
check "the label went to ids-b only" "$(q fleet.db "SELECT name,
    coalesce(true_class, 'none') FROM predictions JOIN models
    USING (model_id) WHERE event_id = 'r1' ORDER BY name")" \
    "ids-a|none ids-b|0"
finish
