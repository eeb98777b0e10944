#!/bin/sh
# One ingest process carrying three models (docs/PROTOCOL.md, "model"):
# the three streams of models-concurrent.sh (different feature counts,
# class counts and names) interleaved line by line into one input, each
# record naming its model (ranker_2's name none: --model ranker_2 gives
# it), fraud-v3's labels after everything else. Every model's reports are
# byte for byte those of its stream ingested alone into its own store,
# its alert conditions, pages and dry-run lines are its own (the lines
# name it), a bad line is still rejected with its line number and a
# model without schema or reference is warned and logged as alone. Then
# the same input through --follow, written while it is read, ingest
# killed with kill -9 twice and restarted: no row of any model lost or
# doubled, the same reports.
#
# usage: models-one-ingest.sh MLMON-INGEST MLMON-GEN
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
sandbox models-one-ingest

# Every ingest below reads three_models' config.
three_models
for m in $models; do
	mname=${m%%:*}
	if [ "$mname" = ranker_2 ]; then
		cp "$mname.ndjson" "$mname.tagged"
	else
		sed "s/^{/{\"model\":\"$mname\",/" "$mname.ndjson" \
		    >"$mname.tagged"
	fi
done
grep -v '"type":"labels"' fraud-v3.tagged >fraud-v3.preds
grep '"type":"labels"' fraud-v3.tagged >fraud-v3.labels
# Round robin, a line of each in turn (a blank one where a stream has
# ended); fraud-v3's labels last.
paste -d '\n' fraud-v3.preds churn.eu.tagged ranker_2.tagged >all.ndjson
cat fraud-v3.labels >>all.ndjson

# Every model of DB as alone: reports byte for byte, conditions, pages.
same_as_alone() {
	for m in $models; do
		mname=${m%%:*}
		nf=$(echo "$m" | cut -d: -f3)
		id=$(q "$1" "SELECT model_id FROM models WHERE name = '$mname'")
		sqlite3 "alone-$mname.db" "SELECT batch_id, report_type,
		    payload FROM monitor_reports ORDER BY 1, 2" >"$mname.want"
		sqlite3 "$1" "SELECT batch_id, report_type, payload
		    FROM monitor_reports WHERE model_id = '$id'
		    ORDER BY 1, 2" >"$mname.got"
		check "$2: $mname reports" "$(wc -l <"$mname.got")" 50
		yes_if "$2: $mname reports byte-identical to its stream alone" \
		    cmp -s "$mname.want" "$mname.got"
		check "$2: $mname rows once each" "$(q "$1" "SELECT count(*),
		    count(DISTINCT batch_id || ':' || row_in_batch),
		    count(true_class) FROM predictions
		    WHERE model_id = '$id'")" "1500|1500|1500"
		check "$2: $mname axes" "$(q "$1" "SELECT value FROM meta
		    WHERE model_id = '$id' AND key = 'n_features'")" "$nf"
		check "$2: $mname conditions as alone" "$(q "$1" "SELECT
		    condition_key, severity, open FROM alert_conditions
		    WHERE model_id = '$id' ORDER BY 1")" "$(q "alone-$mname.db" \
		    "SELECT condition_key, severity, open FROM alert_conditions
		    ORDER BY 1")"
		# A suppressed repeat says when the next may go: wall time.
		sqlite3 "alone-$mname.db" "SELECT batch_id, condition_key,
		    severity, kind, channel, message FROM alerts
		    ORDER BY 1, 2, 3, 4, 5" |
		    sed 's/next repeat in [0-9]* s/next repeat in N s/' \
		    >"$mname.pages.want"
		sqlite3 "$1" "SELECT batch_id, condition_key, severity, kind,
		    channel, message FROM alerts WHERE model_id = '$id'
		    ORDER BY 1, 2, 3, 4, 5" |
		    sed 's/next repeat in [0-9]* s/next repeat in N s/' \
		    >"$mname.pages.got"
		yes_if "$2: $mname has pages" [ -s "$mname.pages.want" ]
		yes_if "$2: $mname pages as alone" \
		    cmp -s "$mname.pages.want" "$mname.pages.got"
	done
	check "$2: the models, no other" "$(q "$1" "SELECT name
	    FROM models ORDER BY name")" "${3:-churn.eu fraud-v3 ranker_2}"
}

# 1. One pass over the interleaved input.
"$ingest" --db one.db --model ranker_2 --flush-rows 500 <all.ndjson \
    2>one.err
check "one ingest exit" $? 0
same_as_alone one.db "one ingest"
for m in $models; do
	mname=${m%%:*}
	check "$mname: its dry-run lines, named" \
	    "$(grep -c "^$mname: alert: firing" one.err)" \
	    "$(grep -c '^alert: firing' "alone-$mname.err")"
	check "$mname: its batch lines, named" \
	    "$(grep -c "^$mname: batch [0-9]*: 150 rows" one.err)" 10
	yes_if "$mname: its summary line" grep -q "^mlmon-ingest: $mname: \
1921 accepted (1500 rows), 0 skipped, 0 rejected, 10 batches" one.err
done
yes_if "the summary of all" grep -q "^mlmon-ingest: all models: 5763 \
accepted (4500 rows), 0 skipped, 0 rejected, 30 batches" one.err
yes_if "churn.eu pages Slack on warnings, ranker_2 does not" [ \
    "$(q one.db "SELECT count(*) FROM alerts JOIN models USING (model_id)
    WHERE name = 'churn.eu' AND severity = 'warning' AND channel =
    'slack'")" -gt 0 -a "$(q one.db "SELECT count(*) FROM alerts JOIN
    models USING (model_id) WHERE name = 'ranker_2' AND severity =
    'warning' AND channel = 'slack'")" = 0 ]

# 2. Bad lines among them: line-numbered, in the rejected table of the
# model they name (a line that is no record: --model's). And a model
# whose first record is a prediction (no schema, no reference): as a
# stream of its own, warned (the warning names it), logged, not judged.
printf '%s\n' \
    '{"model":"newbie","batch_id":1,"features":[1,2],"scores":[0.3,0.7]}' \
    '{"model":"newbie","batch_id":1,"features":[2,1],"scores":[0.6,0.4]}' \
    '{"model":"newbie","type":"end_batch","batch_id":1}' >newbie.ndjson
"$ingest" --quiet --db alone-newbie.db <newbie.ndjson 2>alone-newbie.err
check "newbie alone exit" $? 0
awk 'NR == 2000 { print "{\"model\":\"fraud-v3\",\"batch_id\":3," \
    "\"features\":[1,2],\"scores\":[0.5,0.5]}" }
    NR == 2004 { print "{oops" }
    NR == 3000 { while ((getline l < "newbie.ndjson") > 0) print l }
    { print }' all.ndjson >bad.ndjson
"$ingest" --quiet --db bad.db --model ranker_2 <bad.ndjson 2>bad.err
check "bad lines: exit 65" $? 65
check "bad lines: line-numbered" "$(grep -v '^mlmon-ingest: ' bad.err |
    cut -d' ' -f1 | xargs)" \
    "stdin:2000: stdin:2005:"
check "bad lines: each in its model's rejected table" "$(q bad.db "SELECT
    name, line FROM rejected JOIN models USING (model_id)
    ORDER BY line")" "fraud-v3|2000 ranker_2|2005"
same_as_alone bad.db "bad lines" "churn.eu fraud-v3 newbie ranker_2"
check "newbie: rows and batch as alone" "$(q bad.db "SELECT n_rows,
    closed_at IS NOT NULL FROM batches JOIN models USING (model_id)
    WHERE name = 'newbie'")" "$(q alone-newbie.db "SELECT n_rows,
    closed_at IS NOT NULL FROM batches")"
check "newbie: reports as alone (none)" "$(q bad.db "SELECT count(*)
    FROM monitor_reports JOIN models USING (model_id)
    WHERE name = 'newbie'")" "$(q alone-newbie.db "SELECT count(*)
    FROM monitor_reports")"
check "newbie: warned as alone, named" "$(grep -c "^mlmon-ingest: newbie: \
$(sed 's/^mlmon-ingest: //' alone-newbie.err)\$" bad.err)" 1

# 3. --follow, the input written while it is read, kill -9 twice.
start_ingest() {
	"$ingest" --quiet --db f.db --model ranker_2 --flush-rows 300 \
	    --follow app.log 2>>follow.err &
	ipid=$!
}
on_exit='kill $ipid $wpid 2>/dev/null'
: >app.log
start_ingest
# In three parts: the second after the first kill, the third after the
# second (so each kill comes mid-stream), a pause every 400 lines.
awk -v N="$(wc -l <all.ndjson)" '{ print >> "app.log" }
NR % 400 == 0 { close("app.log"); system("sleep 0.1") }
NR == int(N / 3) || NR == int(2 * N / 3) {
	close("app.log")
	system("while [ ! -e kill" ++k " ]; do sleep 0.05; done")
}' all.ndjson &
wpid=$!
rows() {
	n=$(q f.db "SELECT count(*) FROM predictions" 2>/dev/null)
	echo "${n:-0}"
}
# Each kill once half of the rows written so far are in.
n=$(wc -l <all.ndjson)
preds() {
	head -n "$1" all.ndjson | grep -c '"batch_id":[0-9]*,"row_in_batch"'
}
k=0
for at in $(($(preds $((n / 3))) / 2)) $(($(preds $((2 * n / 3))) / 2)); do
	i=0
	while [ "$(rows)" -lt "$at" ] && [ $i -lt 1200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -9 "$ipid"
	wait "$ipid" 2>/dev/null
	rows >>killed-at
	start_ingest
	k=$((k + 1))
	touch "kill$k"
done
wait "$wpid"
wpid=
# Everything read and judged, every label in: then stop.
i=0
while [ $i -lt 600 ]; do
	[ "$(q f.db "SELECT count(*), sum(n_labelled), count(closed_at)
	    FROM batches")" = "30|4500|30" ] &&
	    [ "$(q f.db "SELECT count(*) FROM monitor_reports")" = 150 ] &&
	    break
	sleep 0.1
	i=$((i + 1))
done
kill -TERM "$ipid"
wait "$ipid"
check "follow: clean stop" $? 0
check "follow: killed twice mid-stream" "$(awk '$1 > 0 && $1 < 4500' \
    killed-at | wc -l | tr -d ' ')" 2
same_as_alone f.db "follow"
check "follow: nothing rejected" "$(q f.db "SELECT count(*)
    FROM rejected")" 0
check "follow: one position, every model's" "$(q f.db "SELECT
    count(DISTINCT \"offset\" || ':' || line), count(*)
    FROM input_positions")" "1|3"
[ -s follow.err ] && sed 's/^/follow: /' follow.err | head -10
finish
