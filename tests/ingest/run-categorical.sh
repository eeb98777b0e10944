#!/bin/sh
# Categorical features through mlmon-ingest and back out of mlmon-top
# (issue 15), on mlmon-gen's tabular scenario (f1 20% missing then 60%,
# f2 a category whose mix moves at batch 5 with a new plan):
#   - strings are stored as JSON strings, feature_types in meta;
#   - confirmed drift (PSI and chi-squared), new categories and
#     missingness fire from batch 5 and page with their numbers;
#   - two processes (a restart with the same reference, labels by a
#     second process reading the rows back) give the one process's
#     reports byte for byte: codes never leave a process;
#   - bad input: a number where the schema says categorical, a string
#     where it says numeric, named by line;
#   - the console: --once json/csv/text carry kind, chi-squared p, new
#     share, missing share, the categories' shares.
# On either backend (lib.sh's store): the stored rows are read with
# SQLite's JSON functions from a copy of their bytes (qcopy).
#
# usage: run-categorical.sh MLMON-INGEST MLMON-GEN MLMON-TOP
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
top=$(abspath "$3")
sandbox categorical
one=$(store one)
two=$(store two)
bad=$(store bad)

"$gen" --scenario tabular --seed 3 >all.ndjson
"$ingest" --db "$one" all.ndjson 2>err.txt
check "exit" $? 0
qcopy "$one" "SELECT features FROM predictions" one.sqlite "p(features TEXT)"
qcopy "$one" "SELECT features FROM reference" one.sqlite "r(features TEXT)"
check "stored as a string" "$(q one.sqlite "SELECT DISTINCT json_type(features,
    '\$[2]') FROM p")" text
check "feature_types" "$(q "$one" "SELECT value FROM meta WHERE key =
    'feature_types'")" '["numeric","numeric","categorical","numeric","numeric"]'
check "reference strings" "$(q one.sqlite "SELECT count(DISTINCT
    json_extract(features, '\$[2]')) FROM r")" 4
fired() {
	q "$one" "SELECT DISTINCT batch_id FROM alerts WHERE kind = 'firing'
	    AND condition_key = '$1' ORDER BY batch_id"
}
check "confirmed drift on f2 pages at 5" "$(fired 'confirmed_drift:f2')" 5
check "new categories at 5" "$(fired 'new_categories:f2')" 5
check "missingness at 5" "$(fired 'missingness:f1')" 5
check "message names chi-squared" "$(q "$one" "SELECT count(DISTINCT
    batch_id) FROM alerts WHERE kind = 'firing' AND message LIKE
    '%f2 (PSI %, chi-squared % p %, TVD %)%'")" 1

# Two processes: the reference and batches 1-7, then a restart with the
# same reference and the rest; labels by a third process.
"$gen" --scenario tabular --seed 3 --label-delay 20 >late.ndjson
grep -v '"type":"labels"' late.ndjson |
    awk '/"batch_id":(8|9|1[0-9])[,}]/ { next } { print }' >first.ndjson
awk '/"type":"(schema|reference)"/ || /"batch_id":(8|9|1[0-9])[,}]/' \
    late.ndjson | grep -v '"type":"labels"' >second.ndjson
grep '"type":"labels"' late.ndjson >labels.ndjson
"$ingest" --db "$two" first.ndjson 2>err1.txt &&
    "$ingest" --db "$two" second.ndjson 2>err2.txt &&
    "$ingest" --db "$two" labels.ndjson 2>err3.txt
check "three processes" $? 0
check "labels read the rows back" "$(q "$two" "SELECT count(*) FROM
    monitor_reports WHERE report_type = 'performance'")" 15
# Reports as text, one file per store (compared whole, shown as a diff).
reports() {
	qrows "$1" "SELECT batch_id, payload FROM monitor_reports WHERE
	    report_type = 'feature' ORDER BY batch_id"
}
reports "$one" >one.reports
reports "$two" >two.reports
check "15 feature reports" "$(wc -l <one.reports)" 15
check "feature reports identical" "$(diff one.reports two.reports |
    head -c 300)" ""

# Bad input, by line.
head -1006 all.ndjson >bad.ndjson
echo '{"batch_id":1,"row_in_batch":7,"features":[1,2,3,4,5],"scores":[0.5,0.25,0.25]}' >>bad.ndjson
echo '{"batch_id":1,"row_in_batch":8,"features":[1,"x","a",4,5],"scores":[0.5,0.25,0.25]}' >>bad.ndjson
"$ingest" --db "$bad" bad.ndjson 2>err.txt
check "bad input exit (lines rejected)" $? 65
check "number where categorical" "$(grep -c '^bad.ndjson:1007: features\[2\] is a number, but the schema says categorical (send it as a string)$' err.txt)" 1
check "string where numeric" "$(grep -c '^bad.ndjson:1008: features\[1\] is a string, but the schema says numeric$' err.txt)" 1

# The console.
"$top" --db "$one" --once --tab drift --format json >drift.json
check "json kind" "$(jq -r '[.features[].kind] | join(",")' drift.json)" \
    numeric,numeric,categorical,numeric,numeric
check "json f2 flags" "$(jq -r '.features[2].flags | join(" ")' drift.json)" \
    "psi_critical chisq new_categories"
check "json f2 categories" "$(jq -r '.features[2].categories.names |
    join(",")' drift.json)" "basic,plus,pro,team,(other),(new)"
check "json f2 shares sum" "$(jq '.features[2].categories.shares | add |
    . * 1000 | round' drift.json)" 1000
check "json f1 missing share" "$(jq '.features[1].missing_share > 0.4' \
    drift.json)" true
"$top" --db "$one" --once --tab drift --format csv >drift.csv
check "csv f2 row" "$(grep -c '^default,f2,15,[0-9.e-]*,,psi_critical chisq new_categories,0,categorical,[0-9.e-]*,0\.[0-9]*$' drift.csv)" 1
"$top" --db "$one" --once --tab drift --width 120 --height 30 >drift.txt
check "text flags" "$(grep -c 'PSI! chi2! new!' drift.txt)" 1
check "text miss" "$(grep -c '^ f1 .*miss!' drift.txt)" 1
finish
