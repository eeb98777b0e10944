#!/bin/sh
# The console shows the performance estimated before the labels (issue
# 18) as stored: a real mlmon-gen | mlmon-ingest run whose labels come 5
# batches late and stop before the end, then mlmon-top --once text, json
# and csv checked against the stored estimated_performance payloads and
# the grades row (sqlite3 and jq; the expected values never come from
# mlmon's own code). A reference without labels says why there is no
# estimate; a store of the previous release (no estimates) shows none.
#
#   estimate.sh MLMON_TOP MLMON_GEN MLMON_INGEST STORE_V3_DB
set -u
. "$(dirname "$0")/../lib.sh"

command -v jq >/dev/null || { echo "FAIL jq missing (scripts/install-deps)"; exit 1; }
top=$(abspath "$1")
gen=$(abspath "$2")
ingest=$(abspath "$3")
v3=$(abspath "$4")
sandbox tui-estimate

# 14 batches, labels 5 late; the labels of batches 10..14 never come.
"$gen" --scenario stable_overlap --batches 14 --label-delay 5 --seed 9 |
    grep -v '"type":"labels","batch_id":1[0-4],' >in.ndjson
"$ingest" --db e.db --quiet in.ndjson
check "ingest exit" $? 0
est() {
	q e.db "SELECT printf('%.3f', json_extract(payload, '\$.$1'))
	    FROM monitor_reports WHERE report_type = 'estimated_performance'
	    AND batch_id = $2"
}
mae=$(q e.db "SELECT printf('%.3f', avg(abs(json_extract(payload,
    '\$.estimate.acc_error')))) FROM monitor_reports
    WHERE report_type = 'performance'")
n=$(q e.db "SELECT count(*) FROM monitor_reports
    WHERE report_type = 'performance'")
check "graded batches" "$n" 9

# Text: the newest estimate, its band, the MAE over the graded batches.
"$top" --db e.db --once --width 120 --height 40 >frame.txt
check "text exit" $? 0
want="Estimated accuracy $(est estimated_accuracy 14) [$(est estimated_accuracy_lower 14), $(est estimated_accuracy_upper 14)]  F1 $(est estimated_f1_macro 14)  MAE $mae ($n graded)  CBPE calibrated, batch 14"
check "text estimate line" "$(grep -c -F -x -- "$want" frame.txt)" 1
check "text legend" "$(grep -c -F ' est  band  dashed: ref ' frame.txt)" 1
check "text unlabelled tail" "$(grep -c 'newest batches: no labels yet' frame.txt)" 1

# JSON: the estimate object and every batch's stored estimate.
"$top" --db e.db --once --format json >o.json
check "json exit" $? 0
check "json estimate" "$(jq -r '.estimate | [.batch, .available,
    .method, .calibrated, .graded_batches] | @tsv' o.json)" \
    "$(printf '14\ttrue\tcbpe\ttrue\t9')"
# Numbers compared as integers of 1e-12: jq prints 17 digits, sqlite 15.
r12() {
	printf 'CAST(round(json_extract(%s, %s) * 1e12) AS INTEGER)' "$1" "$2"
}
check "json estimate = payload" "$(jq -r '.estimate | ([.accuracy,
    .accuracy_lower, .accuracy_upper, .f1] | map(. * 1e12 | round)) +
    [.estimated_decay] | @tsv' o.json)" "$(q e.db "SELECT
    $(r12 payload "'\$.estimated_accuracy'") || char(9) ||
    $(r12 payload "'\$.estimated_accuracy_lower'") || char(9) ||
    $(r12 payload "'\$.estimated_accuracy_upper'") || char(9) ||
    $(r12 payload "'\$.estimated_f1_macro'") || char(9) ||
    CASE json_extract(payload, '\$.estimated_decay') WHEN 1 THEN 'true'
    ELSE 'false' END FROM monitor_reports
    WHERE report_type = 'estimated_performance' AND batch_id = 14")"
check "json MAE" "$(jq -r '.estimate.mae_accuracy * 1000 | round' o.json)" \
    "$(q e.db "SELECT CAST(round(avg(abs(json_extract(payload,
    '\$.estimate.acc_error'))) * 1000) AS INTEGER) FROM monitor_reports
    WHERE report_type = 'performance'")"
check "json per batch" "$(jq -r '.estimates[] | "\(.batch):\(.estimated_accuracy * 1e12 | round):\(.accuracy)"' o.json |
    tr '\n' ' ' | sed 's/ $//')" "$(q e.db "SELECT e.batch_id || ':' ||
    $(r12 e.payload "'\$.estimated_accuracy'") || ':' ||
    coalesce(json_extract(p.payload, '\$.accuracy'), 'null')
    FROM monitor_reports e LEFT JOIN monitor_reports p
    ON p.batch_id = e.batch_id AND p.report_type = 'performance'
    WHERE e.report_type = 'estimated_performance' ORDER BY e.batch_id")"

# CSV: the estimate columns on every batch, labelled or not.
"$top" --db e.db --once --format csv >o.csv
check "csv exit" $? 0
check "csv header" "$(head -n 1 o.csv)" \
    "model,batch,accuracy,f1,ece,max_psi,label_shift_p,est_accuracy,est_accuracy_lower,est_accuracy_upper,est_f1,estimated_decay"
check "csv unlabelled batch 14 estimated" "$(grep '^default,14,' o.csv |
    cut -d, -f3,8,12 | awk -F, '{ printf "%s|%.3f|%s", $1, $2, $3 }')" \
    "|$(est estimated_accuracy 14)|0"

# A reference without labels: the reason, in every format.
"$gen" --scenario stable_overlap --batches 3 --seed 9 |
    sed '/"type":"reference"/s/,"true_class":[0-9]*//' >nolab.ndjson
"$ingest" --db n.db --quiet nolab.ndjson
"$top" --db n.db --once >n.txt
check "no labels: text" "$(grep -c -x 'Estimated accuracy: no estimate: the reference has no labels' n.txt)" 1
check "no labels: json" "$("$top" --db n.db --once --format json |
    jq -r '.estimate | [.available, .reason, .accuracy] | @tsv')" \
    "$(printf 'false\tthe reference has no labels\t')"

# Two models in one store, each with its own estimates and grades: the
# first with a labelled reference, the second without.
"$ingest" --db m.db --quiet --model fraud-v3 in.ndjson
"$ingest" --db m.db --quiet --model churn nolab.ndjson
check "two models: fraud-v3's estimate" "$("$top" --db m.db --once \
    --model fraud-v3 --format json | jq -r '[.model, .estimate.batch,
    .estimate.available, .estimate.graded_batches] | @tsv')" \
    "$(printf 'fraud-v3\t14\ttrue\t9')"
check "two models: churn has none" "$("$top" --db m.db --once \
    --model churn | grep -c -x 'Estimated accuracy: no estimate: the reference has no labels')" 1
check "two models: fraud-v3's grades are its own" "$("$top" --db m.db \
    --once --model fraud-v3 --format json | jq -r '.estimate.mae_accuracy
    * 1e12 | round')" "$(jq -r '.estimate.mae_accuracy * 1e12 | round' \
    o.json)"

# A store of the previous release: no estimate, nothing graded, and its
# overview as that release drew it.
cp "$v3" old.db
"$top" --db old.db --once >old.txt
check "v3 store: text as before (no estimate line, no est legend)" \
    "$(grep -c -e '^Estimated' -e ' est  band ' old.txt)" 0
check "v3 store: the chart legend" "$(grep -c ' acc  F1  dashed: ref ' \
    old.txt)" 1
check "v3 store: json" "$("$top" --db old.db --once --format json |
    jq -r '.estimate | [.available, .graded_batches, .mae_accuracy] |
    @tsv')" "$(printf '\t0\t')"
finish
