#!/bin/sh
# mlmon-top --once --alert ID: one alert explained, from real stores (the
# abrupt scenario, seed 42, labels two batches late) under both policies:
#  - the confirmed-drift page: its rule and condition, the five features
#    with the statistics of the stored feature report and, calibrated,
#    the p-values, q-values and null percentiles the payload holds (JSON
#    against sqlite3, relative 1e-12), the histogram of the feature with
#    the largest PSI over every reference and batch value, the timeline
#    as the alerts table has it (one line per batch and kind);
#  - a calibrated performance decay shows the exact test's p and the SE;
#  - the seed policy's explanation names its fixed thresholds;
#  - no such alert: exit 1 naming it; --alert without --once: exit 2;
#  - in a store of two models, an alert of the model not shown is
#    explained from its own model's rows (names, reports, reference,
#    batch), and --model '*' --tab alerts lists every model's alerts in
#    text, json and csv, each row naming its model.
# On either backend (lib.sh's store; the payloads read with SQLite's JSON
# functions from a copy of their bytes, qcopy).
#
# usage: explain.sh MLMON-TOP MLMON-GEN MLMON-INGEST
set -u
. "$(dirname "$0")/../lib.sh"
top=$(abspath "$1")
gen=$(abspath "$2")
ingest=$(abspath "$3")
sandbox explain
c=$(store c)
s=$(store s)

"$gen" --scenario abrupt --seed 42 --batches 15 --label-delay 2 >s.ndjson
"$ingest" --db "$c" -q s.ndjson
"$ingest" --db "$s" -q --policy seed s.ndjson
page=$(q "$c" "SELECT min(id) FROM alerts WHERE kind = 'firing'
    AND condition_key LIKE 'confirmed_drift:%'")
batch=$(q "$c" "SELECT batch_id FROM alerts WHERE id = $page")
key=$(q "$c" "SELECT condition_key FROM alerts WHERE id = $page")

"$top" --db "$c" --once --alert "$page" >c.txt 2>c.err
check "calibrated text exit" $? 0
check "header" "$(head -n 1 c.txt)" \
    "alert $page: critical firing, batch $batch, channel slack (dry_run)"
check "model, rule and condition" "$(sed -n 2p c.txt)" \
    "model default, rule confirmed_drift, condition $key, opened at batch $batch"
check "five features, each fired by PSI and KS" \
    "$(grep -c '^  f[0-4] .* PSI KS$' c.txt)" 5
check "timeline: a line per batch and kind" \
    "$(sed -n '/^timeline/,$p' c.txt | grep -c '^  batch')" \
    "$(q "$c" "SELECT count(*) FROM (SELECT DISTINCT batch_id, kind
    FROM alerts WHERE condition_key = '$key') t")"
check "timeline: opened on slack and email" \
    "$(grep -c "^  batch $batch  *firing  *slack,email  *dry_run$" c.txt)" 1

# The page's batch's feature report, as stored.
qcopy "$c" "SELECT payload FROM monitor_reports WHERE batch_id = $batch
    AND report_type = 'feature'" c.sqlite "f(payload TEXT)"
top_f=$(q c.sqlite "SELECT json_extract(payload, '\$.max_psi_feature')
    FROM f")
check "histogram of the largest PSI, all values" "$(grep '^histogram of' c.txt)" \
    "histogram of $top_f (largest PSI): reference # ($(q "$c" "SELECT count(*)
    FROM reference") values) beside batch = ($(q "$c" "SELECT count(*) FROM
    predictions WHERE batch_id = $batch")), share per bin"
check "histogram: ten bins, each side's shares sum to 100%" "$(sed -n \
    '/^histogram of/,/^$/p' c.txt | awk '/\.\./ { n++; gsub(/[#=]/, "");
    r += $2; c += $3 } END { printf "%d %.0f %.0f", n, r, c }')" "10 100 100"

"$top" --db "$c" --once --alert "$page" --format json >c.json
check "json exit" $? 0
check "json: the model" "$(jq -r .model c.json)" default
bad=0
for f in f0 f1 f2 f3 f4; do
	for k in psi_p_value:psi_p_values ks_q_value:ks_q_values \
	    psi_q_value:psi_q_values ks_statistic:ks_statistics psi:psi_values; do
		j=$(jq -r ".features[] | select(.feature == \"$f\") |
		    .${k%%:*}" c.json)
		p=$(q c.sqlite "SELECT json_extract(payload,
		    '\$.${k#*:}.$f') FROM f")
		awk -v a="$j" -v b="$p" 'BEGIN { d = a - b; if (d < 0) d = -d;
		    m = b < 0 ? -b : b; exit !(d <= 1e-12 * m) }' ||
		    { echo "# $f ${k%%:*}: json $j, payload $p"
		      bad=$((bad + 1)); }
	done
done
check "json: p, q and statistics as the payload" "$bad" 0
check "json: null percentile is 100 (1 - p)" "$(jq -r '[.features[] |
    (.psi_null_percentile - 100 * (1 - .psi_p_value)) | fabs < 1e-9] |
    all' c.json)" true
check "json: timeline as the text" "$(jq '.timeline | length' c.json)" \
    "$(sed -n '/^timeline/,$p' c.txt | grep -c '^  batch')"

decay=$(q "$c" "SELECT min(id) FROM alerts WHERE kind = 'firing'
    AND condition_key = 'performance_decay'")
"$top" --db "$c" --once --alert "$decay" >d.txt
check "decay exit" $? 0
yes_if "decay: the exact test and the SE" grep -q \
    '^performance: accuracy .* SE .*, errors rose p .*decay fired$' d.txt

spage=$(q "$s" "SELECT min(id) FROM alerts WHERE kind = 'firing'
    AND condition_key LIKE 'confirmed_drift:%'")
"$top" --db "$s" --once --alert "$spage" >s.txt
check "seed exit" $? 0
yes_if "seed: fixed thresholds" grep -q '^features (seed policy' s.txt
check "seed: PSI above 0.2 and KS p below 0.01" \
    "$(grep -c '^  f[0-4] .* 0\.2 .* 0\.01  PSI KS$' s.txt)" 5

"$top" --db "$c" --once --alert 99999 >none.txt 2>none.err
check "no such alert exit" $? 1
yes_if "no such alert named" grep -q "no alert 99999" none.err
"$top" --db "$c" --alert "$page" 2>bad.err
check "--alert without --once exit" $? 2
yes_if "--alert without --once reason" grep -q "needs --once" bad.err

# Two models: the console shows "default"; other.m (3 features, 4
# classes) was written after it, into the same store.
m=$(store_copy "$c" m)
"$gen" --scenario gradual --features 3 --classes 4 --seed 12 --batches 12 \
    --batch-size 150 --reference-rows 400 --label-delay 2 >o.ndjson
"$ingest" --db "$m" -q --model other.m o.ndjson
check "other.m ingest exit" $? 0
oid=$(q "$m" "SELECT model_id FROM models WHERE name = 'other.m'")
opage=$(q "$m" "SELECT max(id) FROM alerts WHERE model_id = $oid
    AND kind = 'firing' AND condition_key LIKE 'confirmed_drift:%'")
obatch=$(q "$m" "SELECT batch_id FROM alerts WHERE id = $opage")
okey=$(q "$m" "SELECT condition_key FROM alerts WHERE id = $opage")
"$top" --db "$m" --once --alert "$opage" >o.txt 2>o.err
check "another model's alert: exit" $? 0
check "another model's alert: its model, rule and condition" \
    "$(sed -n 2p o.txt)" \
    "model other.m, rule confirmed_drift, condition $okey, opened at batch $obatch"
check "another model's alert: its three features" \
    "$(grep -c '^  f[0-2] ' o.txt) $(grep -c '^  f[3-9] ' o.txt)" "3 0"
check "another model's alert: its reference and batch" \
    "$(grep -o 'reference # ([0-9]* values) beside batch = ([0-9]*)' o.txt)" \
    "reference # ($(q "$m" "SELECT count(*) FROM reference
    WHERE model_id = $oid") values) beside batch = ($(q "$m" "SELECT count(*)
    FROM predictions WHERE model_id = $oid AND batch_id = $obatch"))"
"$top" --db "$m" --once --alert "$opage" --format json >o.json
check "another model's alert: json names its model and features" \
    "$(jq -c '[.model, .condition_key, [.features[].feature]]' o.json)" \
    "[\"other.m\",\"$okey\",$(q "$m" "SELECT value FROM meta
    WHERE model_id = $oid AND key = 'feature_names'")]"
qcopy "$m" "SELECT payload FROM monitor_reports WHERE model_id = $oid
    AND batch_id = $obatch AND report_type = 'feature'" o.sqlite \
    "f(payload TEXT)"
bad=0
for f in $(jq -r '.features[].feature' o.json); do
	j=$(jq -r ".features[] | select(.feature == \"$f\") | .psi" o.json)
	p=$(q o.sqlite "SELECT json_extract(payload, '\$.psi_values.$f') FROM f")
	awk -v a="$j" -v b="$p" 'BEGIN { d = a - b; if (d < 0) d = -d;
	    exit !(d <= 1e-12 * b) }' || { echo "# $f: $j vs $p"; bad=1; }
done
check "another model's alert: PSI of its own batch's report" "$bad" 0

# --model '*': every model's alerts, each row naming its model.
"$top" --db "$m" --once --tab alerts --model '*' --format json >all.json
check "all models json exit" $? 0
check "all models json: model, total, rows" \
    "$(jq -c '[.model, .total, (.alerts | length)]' all.json)" \
    "[\"*\",$(q "$m" 'SELECT count(*) FROM alerts'),$(q "$m" \
    'SELECT count(*) FROM alerts')]"
check "all models json: ids and models as stored" \
    "$(echo $(jq -r '.alerts[] | "\(.id)|\(.model)"' all.json))" \
    "$(q "$m" "SELECT id, name FROM alerts JOIN models USING (model_id)
    ORDER BY id DESC")"
"$top" --db "$m" --once --tab alerts --model '*' --format csv >all.csv
check "all models csv: header" "$(head -n 1 all.csv | cut -d, -f1-2)" \
    "model,id"
check "all models csv: a row per alert with its model" \
    "$(echo $(sed 1d all.csv | cut -d, -f1 | sort | uniq -c |
    awk '{ print $2 "=" $1 }'))" "$(q "$m" "SELECT name || '=' || count(*)
    FROM alerts JOIN models USING (model_id) GROUP BY name ORDER BY name")"
"$top" --db "$m" --once --tab alerts --model '*' --width 120 >all.txt
check "all models text: the filter line" \
    "$(grep -c 'Models: all' all.txt)" 1
yes_if "all models text: other.m's rows" grep -q ' other\.m  ' all.txt
"$top" --db "$m" --once --tab alerts --format json >one.json
check "one model json: default's alerts only" \
    "$(jq -c '[.model, .total, ([.alerts[].model] | unique)]' one.json)" \
    "[\"default\",$(q "$m" "SELECT count(*) FROM alerts WHERE model_id =
    (SELECT model_id FROM models WHERE name = 'default')"),[\"default\"]]"
"$top" --db "$m" --once --model '*' --tab drift 2>star.err
check "--model '*' with --tab drift exit" $? 2
yes_if "--model '*' with --tab drift reason" grep -q \
    "goes with --tab alerts or fleet" star.err
"$top" --db "$m" --once --model '*' --format json >star.json
check "--model '*' alone: the fleet" "$(jq -r .tab star.json)" fleet
finish
