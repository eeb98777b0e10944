#!/bin/sh
# Batch ids and batch judgement (issue 11, defects 1, 3 and 5):
#  - the largest batch id (2^63 - 1) is judged and labelled, no hang;
#  - a row for a judged batch is stored and counted late, not re-judged;
#    a row whose key holds other content is rejected with its line
#    (exit 65); only identical content is a skipped replay;
#  - batch ids lower than ones already judged are judged all the same
#    (feature rules, detectors), whatever the order of the streams;
#  - two writers on the same batch ids: no row lost silently, every batch
#    judged exactly once;
#  - a reference without true_class (defect 6): the deltas are unknown
#    (null, "ref unknown" in the console), said once.
# On either backend (lib.sh's store: under tests/pg/with-pg, PostgreSQL).
#
# usage: run-batches.sh MLMON-INGEST MLMON-GEN MLMON-TOP
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
top=$(abspath "$3")
sandbox batches
big=$(store big)
late=$(store late)
order=$(store order)
two=$(store two)
nolabels=$(store nolabels)

max=9223372036854775807

# 1. The largest id, its neighbour, labels for it: done in seconds.
"$gen" --batches 2 --batch-size 20 --reference-rows 50 --label-delay 1 |
    sed -e "s/\"batch_id\":1\([,}]\)/\"batch_id\":$((max - 1))\1/" \
	-e "s/\"batch_id\":2\([,}]\)/\"batch_id\":$max\1/" >big.ndjson
timeout -k 2 20 "$ingest" --quiet --db "$big" <big.ndjson
check "largest id: exit" $? 0
check "largest id: rows, judged, labelled" "$(q "$big" "SELECT count(*)
    FROM predictions; SELECT count(*) FROM batches WHERE closed_at IS NOT
    NULL; SELECT count(*) FROM monitor_reports WHERE report_type =
    'detectors' AND batch_id >= $((max - 1))")" "40 2 2"

# 2. Late rows, conflicts and replays for a judged batch.
"$gen" --batches 2 --batch-size 10 --reference-rows 50 >two.ndjson
b1=$(grep '"batch_id":1,' two.ndjson | head -1)
{
	cat two.ndjson
	# Two new rows for batch 1 (judged by its end_batch): late.
	echo "$b1" | sed 's/"row_in_batch":0/"row_in_batch":10/'
	echo "$b1" | sed 's/"row_in_batch":0/"row_in_batch":11/'
	# The same key as batch 1's first row with other content: rejected.
	echo "$b1" | sed 's/"confidence":[0-9.]*/"confidence":0.5/'
	# Batch 1's first row again, identical: a replay.
	echo "$b1"
} >late.ndjson
conflict_line=$(($(wc -l <two.ndjson) + 3))
"$ingest" --db "$late" <late.ndjson 2>late.err
check "late: exit" $? 65
check "late: rows stored" "$(q "$late" "SELECT count(*) FROM predictions
    WHERE batch_id = 1")" 12
check "late: judged once, over its first 10 rows" "$(q "$late" "SELECT
    n_rows FROM batches WHERE batch_id = 1")" 10
check "late: one batch line for batch 1" "$(grep -c '^batch 1: ' late.err)" 1
check "late: summary" "$(grep -c '(22 rows, 2 late), 1 skipped, 1 rejected, 2 batches' late.err)" 1
check "late: conflict named" "$(grep -c "^stdin:$conflict_line: batch 1 row_in_batch 0 is logged already with different content" late.err)" 1
check "late: rejected table" "$(q "$late" "SELECT line FROM rejected")" \
    "$conflict_line"
check "late: console" "$("$top" --db "$late" --once --width 100 \
    --height 24 | grep -c 'rows 22 .* late 2 ')" 1
check "late: console json" "$("$top" --db "$late" --once --format json |
    grep -o '"late_rows":2' | wc -l)" 1

# 3. Streams with ids 1001-1030, then 1-30: both judged in full.
"$gen" --scenario abrupt --batches 30 --first-batch 1001 >hi.ndjson
"$gen" --scenario abrupt --batches 30 --first-batch 1 | grep -v \
    -e '"type":"reference"' -e '"type":"schema"' >lo.ndjson
"$ingest" --quiet --db "$order" <hi.ndjson
check "order: high ids exit" $? 0
"$ingest" --db "$order" <lo.ndjson 2>lo.err
check "order: low ids exit" $? 0
check "order: every batch judged" "$(q "$order" "SELECT count(*) FROM
    monitor_reports WHERE report_type = 'feature';
    SELECT count(*) FROM monitor_reports WHERE report_type =
    'detectors'")" "60 60"
check "order: no batch skipped" "$(grep -c 'already evaluated' lo.err)" 0
hi_drift=$(q "$order" "SELECT count(*) FROM alerts WHERE batch_id > 1000
    AND condition_key LIKE 'confirmed_drift%'")
lo_drift=$(q "$order" "SELECT count(*) FROM alerts WHERE batch_id <= 30
    AND condition_key LIKE 'confirmed_drift%'")
yes_if "order: drift decisions for the low ids ($lo_drift, high $hi_drift)" \
    test "$lo_drift" -gt 0 -a "$hi_drift" -gt 0

# 4. Two writers on the same batch ids at once, rows numbered by arrival:
# each row is stored or rejected (never skipped), each batch judged once.
"$gen" --batches 20 --batch-size 100 --seed 1 >w1.ndjson
"$gen" --batches 20 --batch-size 100 --seed 2 --no-end-batch |
    sed 's/"row_in_batch":[0-9]*,//' | grep -v -e '"type":"reference"' \
    -e '"type":"schema"' >w2.ndjson
grep -e '"type":"reference"' -e '"type":"schema"' w1.ndjson >ref.ndjson
"$ingest" --quiet --db "$two" <ref.ndjson
grep -v -e '"type":"reference"' -e '"type":"schema"' w1.ndjson |
    sed 's/"row_in_batch":[0-9]*,//' >w1rows.ndjson
"$ingest" --db "$two" --flush-rows 50 <w1rows.ndjson 2>two1.err &
p1=$!
"$ingest" --db "$two" --flush-rows 50 <w2.ndjson 2>two2.err &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
sent=$(cat w1rows.ndjson w2.ndjson | grep -c '"features"')
stored=$(q "$two" "SELECT count(*) FROM predictions")
rejected=$(q "$two" "SELECT count(*) FROM rejected")
skipped=$(sed -n 's/.* \([0-9]*\) skipped.*/\1/p' two1.err two2.err |
    awk '{ s += $1 } END { print s + 0 }')
check "two writers: exits in {0, 65}" \
    "$(echo "$r1 $r2" | sed 's/65/0/g')" "0 0"
check "two writers: stored + rejected = sent, none skipped" \
    "$((stored + rejected)) $skipped" "$sent 0"
check "two writers: each batch judged once" "$(cat two1.err two2.err |
    sed -n 's/^batch \([0-9]*\): [0-9]* rows.*/\1/p' | sort -n | uniq -d |
    wc -l) $(cat two1.err two2.err | grep -c '^batch [0-9]*: [0-9]* rows')" \
    "0 20"

# 5. A reference without true_class: nothing invented.
"$gen" --batches 3 --batch-size 50 --reference-rows 60 |
    sed '/"type":"reference"/s/,"true_class":[0-9]*//' >nolabels.ndjson
"$ingest" --db "$nolabels" <nolabels.ndjson 2>nolabels.err
check "unlabelled reference: exit" $? 0
check "unlabelled reference: deltas null" "$(q "$nolabels" "SELECT
    count(*) FROM monitor_reports WHERE report_type = 'performance' AND
    payload LIKE '%\"acc_delta\":null%' AND
    payload LIKE '%\"f1_delta\":null%' AND
    payload LIKE '%\"any_decay\":false%'")" 3
check "unlabelled reference: one warning" "$(grep -c 'reference has no true_class.*decay cannot fire' nolabels.err)" 1
check "unlabelled reference: batch lines" "$(grep -c 'accuracy 1.000 (ref unknown)' nolabels.err)" 3
check "unlabelled reference: console" "$("$top" --db "$nolabels" --once \
    --width 100 --height 24 | grep -c 'Accuracy 1.000 unknown (ref unknown)')" 1
check "unlabelled reference: console json" "$("$top" --db "$nolabels" \
    --once --format json | grep -o '"accuracy_ref":null' | wc -l)" 1
finish
