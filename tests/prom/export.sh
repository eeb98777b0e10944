#!/bin/sh
# The Prometheus export against the store it reads: mlmon-ingest
# --metrics-file after a real scenario, every sample compared with the
# stored reports, ledger and alert conditions by exact double equality
# in SQLite; mlmon-top --once --format prometheus prints the same bytes;
# a second model's ingest rewrites the file with both models' samples;
# promtool check metrics passes; feature names that need escaping come
# out escaped; the file is rewritten after each batch (a labeler's labels
# too) and a file that cannot be written is a warning, not a stop.
#
# usage: export.sh MLMON-INGEST MLMON-TOP MLMON-GEN
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
top=$(abspath "$2")
gen=$(abspath "$3")
sandbox prom-export
if ! command -v promtool >/dev/null 2>&1; then
	echo "FAIL promtool not found (Debian package prometheus: run" \
	    "scripts/install-deps)"
	exit 1
fi

# sample FILE NAME [LABELS]: the value of one sample, e.g.
# sample m.prom mlmon_feature_psi 'feature="f0"'
sample() {
	if [ -n "${3:-}" ]; then
		grep -F "$2{model=\"default\",$3} " "$1" | cut -d' ' -f2
	else
		grep -F "$2{model=\"default\"} " "$1" | cut -d' ' -f2
	fi
}
# same NAME VALUE SQL: VALUE (text of the file) equals SQL's value as a
# double: within one unit in the last place, because SQLite 3.40's
# text-to-REAL conversion is not correctly rounded on every input (see
# tests/prom/scrape.sh).
same() {
	check "$1" "$(sqlite3 m.db "SELECT abs(($3) - CAST('$2' AS REAL))
	    <= abs(($3)) * 2.3e-16")" 1
}

"$gen" --scenario abrupt --batches 8 --label-delay 2 >in.ndjson
# Labels of the last two batches come later, from a labeler.
grep -v '"type":"labels","batch_id":[78],' in.ndjson >preds.ndjson
grep '"type":"labels","batch_id":[78],' in.ndjson >labels.ndjson
"$ingest" --db m.db --quiet --metrics-file m.prom preds.ndjson
check "ingest exit" $? 0
out=$(promtool check metrics <m.prom 2>&1)
check "promtool check metrics" "$?:$out" "0:"
"$top" --db m.db --once --format prometheus >top.prom
check "mlmon-top --format prometheus = the metrics file" \
    "$(cmp -s top.prom m.prom && echo same)" same
check "no sample timestamps, no NaN" \
    "$(grep -v '^#' m.prom | awk 'NF != 2 || $2 == "NaN"' | wc -l)" 0

check "rows" "$(sample m.prom mlmon_rows_total)" \
    "$(q m.db 'SELECT count(*) FROM predictions')"
check "labelled rows" "$(sample m.prom mlmon_labelled_rows_total)" \
    "$(q m.db 'SELECT count(*) FROM predictions WHERE true_class IS NOT NULL')"
check "last batch" "$(sample m.prom mlmon_last_batch_id)" 8
same "last batch time" "$(sample m.prom mlmon_last_batch_timestamp_seconds)" \
    "SELECT closed_at FROM batches WHERE batch_id = 8"
for sev in warning critical; do
	check "open $sev conditions" \
	    "$(sample m.prom mlmon_open_conditions "severity=\"$sev\"")" \
	    "$(q m.db "SELECT count(*) FROM alert_conditions WHERE open = 1
	    AND severity = '$sev'")"
done
check "report batches" "$(grep '^mlmon_report_batch_id' m.prom |
    sed 's/.*report="\([a-z_]*\)"} /\1=/' | tr '\n' ' ')" \
    "feature=8 prediction=8 performance=6 estimated_performance=8 "
# The estimate before labels: the newest estimated_performance report.
for b in estimate:estimated_accuracy lower:estimated_accuracy_lower \
    upper:estimated_accuracy_upper; do
	same "estimated accuracy ${b%%:*}" "$(sample m.prom \
	    mlmon_estimated_accuracy_ratio "bound=\"${b%%:*}\"")" \
	    "SELECT json_extract(payload, '\$.${b#*:}') FROM monitor_reports
	    WHERE report_type = 'estimated_performance' AND batch_id = 8"
done
same "estimated F1" "$(sample m.prom mlmon_estimated_macro_f1_ratio \
    'bound="estimate"')" "SELECT json_extract(payload,
    '\$.estimated_f1_macro') FROM monitor_reports WHERE report_type =
    'estimated_performance' AND batch_id = 8"
check "estimated decay verdict" "$(sample m.prom mlmon_estimated_decay)" \
    "$(q m.db "SELECT json_extract(payload, '\$.estimated_decay') FROM
    monitor_reports WHERE report_type = 'estimated_performance' AND
    batch_id = 8")"
check "estimates graded" "$(sample m.prom mlmon_estimates_graded_total)" 6
check "MAE of the estimates" "$(q m.db "SELECT abs(avg(abs(json_extract(
    payload, '\$.estimate.acc_error'))) - CAST('$(sample m.prom \
    mlmon_estimate_mean_absolute_error_ratio 'metric="accuracy"')' AS
    REAL)) < 1e-12 FROM monitor_reports WHERE report_type =
    'performance'")" 1
for f in f0 f1 f2 f3 f4; do
	for k in psi_values:psi ks_statistics:ks_statistic \
	    ks_p_values:ks_pvalue; do
		same "$f ${k#*:}" \
		    "$(sample m.prom "mlmon_feature_${k#*:}" "feature=\"$f\"")" \
		    "SELECT json_extract(payload, '\$.${k%%:*}.$f') FROM
		    monitor_reports WHERE batch_id = 8 AND report_type =
		    'feature'"
	done
done
for k in label_shift_p_value:label_shift_pvalue \
    mean_confidence:mean_confidence_ratio; do
	same "${k#*:}" "$(sample m.prom "mlmon_${k#*:}")" \
	    "SELECT json_extract(payload, '\$.${k%%:*}') FROM monitor_reports
	    WHERE batch_id = 8 AND report_type = 'prediction'"
done
for k in accuracy:accuracy_ratio f1_macro:macro_f1_ratio \
    ece:expected_calibration_error_ratio; do
	same "${k#*:} (batch 6)" "$(sample m.prom "mlmon_${k#*:}")" \
	    "SELECT json_extract(payload, '\$.${k%%:*}') FROM monitor_reports
	    WHERE batch_id = 6 AND report_type = 'performance'"
done

# The labeler's run rewrites the file: performance now from batch 8.
"$ingest" --db m.db --quiet --metrics-file m.prom labels.ndjson
check "labeler exit" $? 0
check "labeler rewrote the file" \
    "$(sample m.prom mlmon_report_batch_id 'report="performance"')" 8
check "labelled rows after the labeler" \
    "$(sample m.prom mlmon_labelled_rows_total)" 1600
same "accuracy (batch 8)" "$(sample m.prom mlmon_accuracy_ratio)" \
    "SELECT json_extract(payload, '\$.accuracy') FROM monitor_reports
    WHERE batch_id = 8 AND report_type = 'performance'"
check "no temporary file left" "$(ls | grep -c 'm.prom.tmp')" 0

# Names that need escaping: quote, backslash, newline, UTF-8.
sed '1s/.*/{"type":"schema","feature_names":["a\\"b","c\\\\d","e\\nf","g h","\\u00fc"]}/' \
    in.ndjson >names.ndjson
"$ingest" --db n.db --quiet --metrics-file n.prom names.ndjson
check "odd names: exit" $? 0
out=$(promtool check metrics <n.prom 2>&1)
check "odd names: promtool" "$?:$out" "0:"
check "odd names: escaped" "$(grep '^mlmon_feature_psi{' n.prom |
    sed 's/.*feature=\(".*"\)} .*/\1/' | tr '\n' ' ')" \
    '"a\"b" "c\\d" "e\nf" "g h" "ü" '

# A second model in m.db, by its own ingest writing the same file: every
# model of the store in each rewrite, a family's samples under one HELP
# and TYPE, each labelled with its model.
before=$(grep 'model="default"' m.prom)
"$gen" --scenario gradual --features 3 --classes 4 --seed 12 --batches 6 \
    --label-delay 1 | "$ingest" --db m.db --quiet --model churn.eu \
    --metrics-file m.prom
check "second model: exit" $? 0
out=$(promtool check metrics <m.prom 2>&1)
check "two models: promtool check metrics" "$?:$out" "0:"
check "two models: one HELP and TYPE a family" \
    "$(grep '^# ' m.prom | sort | uniq -d | wc -l)" 0
check "two models: default's samples as before" \
    "$(grep 'model="default"' m.prom)" "$before"
cid=$(q m.db "SELECT model_id FROM models WHERE name = 'churn.eu'")
check "two models: churn.eu rows" \
    "$(grep -F 'mlmon_rows_total{model="churn.eu"} ' m.prom | cut -d' ' -f2)" \
    "$(q m.db "SELECT count(*) FROM predictions WHERE model_id = $cid")"
check "two models: churn.eu features" "$(grep -F \
    'mlmon_feature_psi{model="churn.eu",' m.prom | wc -l)" 3
for f in f0 f1 f2; do
	same "two models: churn.eu $f PSI" "$(grep -F \
	    "mlmon_feature_psi{model=\"churn.eu\",feature=\"$f\"} " m.prom |
	    cut -d' ' -f2)" "SELECT json_extract(payload, '\$.psi_values.$f')
	    FROM monitor_reports WHERE model_id = $cid AND batch_id = 6
	    AND report_type = 'feature'"
done
"$top" --db m.db --once --format prometheus >top2.prom
check "two models: mlmon-top prints the same bytes" \
    "$(cmp -s top2.prom m.prom && echo same)" same
"$top" --db m.db --once --format prometheus --model churn.eu >one.prom
check "--model churn.eu: its samples only" \
    "$(grep -v '^#' one.prom)" "$(grep 'model="churn.eu"' m.prom)"

# A file that cannot be written: a warning per try, ingest goes on.
"$gen" --scenario stable --batches 2 |
    "$ingest" --db w.db --quiet --metrics-file nodir/w.prom 2>w.err
check "unwritable metrics file: exit" $? 0
warned=$(grep -c '^mlmon-ingest: metrics file: nodir/w.prom.tmp.[0-9]*: No such file or directory$' w.err)
check "unwritable metrics file: only warnings" "$warned" "$(grep -c . w.err)"
yes_if "unwritable metrics file: warned" [ "$warned" -ge 1 ]
check "unwritable metrics file: rows stored" \
    "$(q w.db 'SELECT count(*) FROM predictions')" 400
finish
