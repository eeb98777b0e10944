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
#  - no such alert: exit 1 naming it; --alert without --once: exit 2.
#
# usage: explain.sh MLMON-TOP MLMON-GEN MLMON-INGEST
set -u
. "$(dirname "$0")/../lib.sh"
top=$(abspath "$1")
gen=$(abspath "$2")
ingest=$(abspath "$3")
sandbox explain

"$gen" --scenario abrupt --seed 42 --batches 15 --label-delay 2 >s.ndjson
"$ingest" --db c.db -q s.ndjson
"$ingest" --db s.db -q --policy seed s.ndjson
page=$(q c.db "SELECT min(id) FROM alerts WHERE kind = 'firing'
    AND condition_key LIKE 'confirmed_drift:%'")
batch=$(q c.db "SELECT batch_id FROM alerts WHERE id = $page")
key=$(q c.db "SELECT condition_key FROM alerts WHERE id = $page")

"$top" --db c.db --once --alert "$page" >c.txt 2>c.err
check "calibrated text exit" $? 0
check "header" "$(head -n 1 c.txt)" \
    "alert $page: critical firing, batch $batch, channel slack (dry_run)"
check "rule and condition" "$(sed -n 2p c.txt)" \
    "rule confirmed_drift, condition $key, opened at batch $batch"
check "five features, each fired by PSI and KS" \
    "$(grep -c '^  f[0-4] .* PSI KS$' c.txt)" 5
check "timeline: a line per batch and kind" \
    "$(sed -n '/^timeline/,$p' c.txt | grep -c '^  batch')" \
    "$(q c.db "SELECT count(DISTINCT batch_id || kind) FROM alerts
    WHERE condition_key = '$key'")"
check "timeline: opened on slack and email" \
    "$(grep -c "^  batch $batch  *firing  *slack,email  *dry_run$" c.txt)" 1

top_f=$(q c.db "SELECT json_extract(payload, '\$.max_psi_feature')
    FROM monitor_reports WHERE batch_id = $batch AND report_type = 'feature'")
check "histogram of the largest PSI, all values" "$(grep '^histogram of' c.txt)" \
    "histogram of $top_f (largest PSI): reference # ($(q c.db "SELECT count(*)
    FROM reference") values) beside batch = ($(q c.db "SELECT count(*) FROM
    predictions WHERE batch_id = $batch")), share per bin"
check "histogram: ten bins, each side's shares sum to 100%" "$(sed -n \
    '/^histogram of/,/^$/p' c.txt | awk '/\.\./ { n++; gsub(/[#=]/, "");
    r += $2; c += $3 } END { printf "%d %.0f %.0f", n, r, c }')" "10 100 100"

"$top" --db c.db --once --alert "$page" --format json >c.json
check "json exit" $? 0
bad=0
for f in f0 f1 f2 f3 f4; do
	for k in psi_p_value:psi_p_values ks_q_value:ks_q_values \
	    psi_q_value:psi_q_values ks_statistic:ks_statistics psi:psi_values; do
		j=$(jq -r ".features[] | select(.feature == \"$f\") |
		    .${k%%:*}" c.json)
		s=$(q c.db "SELECT json_extract(payload, '\$.${k#*:}.$f')
		    FROM monitor_reports WHERE batch_id = $batch
		    AND report_type = 'feature'")
		awk -v a="$j" -v b="$s" 'BEGIN { d = a - b; if (d < 0) d = -d;
		    m = b < 0 ? -b : b; exit !(d <= 1e-12 * m) }' ||
		    { echo "# $f ${k%%:*}: json $j, payload $s"; bad=$((bad + 1)); }
	done
done
check "json: p, q and statistics as the payload" "$bad" 0
check "json: null percentile is 100 (1 - p)" "$(jq -r '[.features[] |
    (.psi_null_percentile - 100 * (1 - .psi_p_value)) | fabs < 1e-9] |
    all' c.json)" true
check "json: timeline as the text" "$(jq '.timeline | length' c.json)" \
    "$(sed -n '/^timeline/,$p' c.txt | grep -c '^  batch')"

decay=$(q c.db "SELECT min(id) FROM alerts WHERE kind = 'firing'
    AND condition_key = 'performance_decay'")
"$top" --db c.db --once --alert "$decay" >d.txt
check "decay exit" $? 0
yes_if "decay: the exact test and the SE" grep -q \
    '^performance: accuracy .* SE .*, errors rose p .*decay fired$' d.txt

spage=$(q s.db "SELECT min(id) FROM alerts WHERE kind = 'firing'
    AND condition_key LIKE 'confirmed_drift:%'")
"$top" --db s.db --once --alert "$spage" >s.txt
check "seed exit" $? 0
yes_if "seed: fixed thresholds" grep -q '^features (seed policy' s.txt
check "seed: PSI above 0.2 and KS p below 0.01" \
    "$(grep -c '^  f[0-4] .* 0\.2 .* 0\.01  PSI KS$' s.txt)" 5

"$top" --db c.db --once --alert 99999 >none.txt 2>none.err
check "no such alert exit" $? 1
yes_if "no such alert named" grep -q "no alert 99999" none.err
"$top" --db c.db --alert "$page" 2>bad.err
check "--alert without --once exit" $? 2
yes_if "--alert without --once reason" grep -q "needs --once" bad.err
finish
