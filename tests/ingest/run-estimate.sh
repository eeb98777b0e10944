#!/bin/sh
# Performance estimated before the labels (issue 18): every closed batch
# gets an estimated_performance report (CBPE from its scores and the
# reference's calibration map), the performance report computed when its
# labels land records the estimate it had and the error, a reference
# without labels says "no estimate" in the report and on the log, and
# estimated_decay fires (warning by default, as configured) when the
# estimate's upper bound falls below the reference's accuracy - decay.
#
# usage: run-estimate.sh MLMON-INGEST MLMON-GEN
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
sandbox estimate

# 1. Overlapping classes, labels 5 batches late.
"$gen" --scenario stable_overlap --batches 12 --label-delay 5 --seed 3 \
    >in.ndjson
"$ingest" --db a.db in.ndjson 2>a.err
check "exit" $? 0
check "one estimate per closed batch" "$(q a.db "SELECT count(*),
    count(DISTINCT batch_id) FROM monitor_reports
    WHERE report_type = 'estimated_performance'")" "12|12"
check "available, calibrated, cbpe" "$(q a.db "SELECT count(*) FROM
    monitor_reports WHERE report_type = 'estimated_performance' AND
    json_extract(payload, '\$.available') AND
    json_extract(payload, '\$.calibrated') AND
    json_extract(payload, '\$.method') = 'cbpe'")" 12
check "bounds around the estimate" "$(q a.db "SELECT count(*) FROM
    monitor_reports WHERE report_type = 'estimated_performance' AND
    json_extract(payload, '\$.estimated_accuracy_lower') <
    json_extract(payload, '\$.estimated_accuracy') AND
    json_extract(payload, '\$.estimated_accuracy') <
    json_extract(payload, '\$.estimated_accuracy_upper') AND
    json_extract(payload, '\$.estimated_f1_macro_lower') <
    json_extract(payload, '\$.estimated_f1_macro_upper') AND
    json_extract(payload, '\$.thresholds.decay_delta') = 0.05 AND
    json_extract(payload, '\$.thresholds.sigmas') = 3")" 12
# Labels of batches 1..7 arrived after their batch closed: graded with
# the estimate stored at the close, error = realized - estimated.
check "every labelled batch graded" "$(q a.db "SELECT count(*) FROM
    monitor_reports WHERE report_type = 'performance' AND
    json_type(payload, '\$.estimate') = 'object'")" \
    "$(q a.db "SELECT count(*) FROM monitor_reports
    WHERE report_type = 'performance'")"
check "graded with the stored estimate" "$(q a.db "SELECT count(*) FROM
    monitor_reports p JOIN monitor_reports e USING (batch_id)
    WHERE p.report_type = 'performance' AND
    e.report_type = 'estimated_performance' AND
    json_extract(p.payload, '\$.estimate.accuracy') =
    json_extract(e.payload, '\$.estimated_accuracy') AND
    abs(json_extract(p.payload, '\$.accuracy') -
    json_extract(e.payload, '\$.estimated_accuracy') -
    json_extract(p.payload, '\$.estimate.acc_error')) < 1e-12 AND
    abs(json_extract(p.payload, '\$.f1_macro') -
    json_extract(e.payload, '\$.estimated_f1_macro') -
    json_extract(p.payload, '\$.estimate.f1_error')) < 1e-12")" 12
check "errors small on overlapping classes" "$(q a.db "SELECT
    avg(abs(json_extract(payload, '\$.estimate.acc_error'))) < 0.03
    FROM monitor_reports WHERE report_type = 'performance'")" 1
check "batch line says the estimate" "$(grep -c '^batch 12: 200 rows, .*, estimated accuracy 0\.[0-9]* \[0\.[0-9]*, 0\.[0-9]*\]$' a.err)" 1
check "labels line says the error" "$(grep -c '^batch 5: labelled 200 rows, .*, estimate 0\.[0-9]* off by [-+]0\.[0-9]*$' a.err)" 1
check "no decay estimated" "$(q a.db "SELECT count(*) FROM alerts
    WHERE condition_key = 'estimated_decay'")" 0
check "grades: every graded batch once" "$(q a.db "SELECT substr(state,
    1, 14) || ' ' || last_batch FROM detector_state
    WHERE name = 'estimate_grades'")" "grades/1 n=12  12"

# 2. The same stream through the stored rows (a second writer's labels):
#    a labeler process grades what ingest estimated.
grep -v '"type":"labels"' in.ndjson >preds.ndjson
grep '"type":"labels"' in.ndjson >labels.ndjson
"$ingest" --quiet --db b.db preds.ndjson
check "predictions only exit" $? 0
check "none graded yet" "$(q b.db "SELECT count(*) FROM monitor_reports
    WHERE report_type = 'performance'")" 0
"$ingest" --quiet --db b.db labels.ndjson
check "labeler exit" $? 0
check "labeler graded them all" "$(q b.db "SELECT count(*) FROM
    monitor_reports WHERE report_type = 'performance' AND
    json_type(payload, '\$.estimate') = 'object'")" 12
check "labeler kept the grades" "$(q b.db "SELECT substr(state, 1, 14)
    FROM detector_state WHERE name = 'estimate_grades'")" "grades/1 n=12 "
check "same grades as in one process" "$(q b.db "SELECT group_concat(
    json_extract(payload, '\$.estimate'), ' ') FROM (SELECT payload
    FROM monitor_reports WHERE report_type = 'performance'
    ORDER BY batch_id)")" "$(q a.db "SELECT group_concat(
    json_extract(payload, '\$.estimate'), ' ') FROM (SELECT payload
    FROM monitor_reports WHERE report_type = 'performance'
    ORDER BY batch_id)")"
# A relabel recomputes the batch's report (graded again) but does not
# count it twice in the grades.
acc3() {
	q b.db "SELECT json_extract(payload, '\$.accuracy') FROM
	    monitor_reports WHERE report_type = 'performance' AND batch_id = 3"
}
before=$(acc3)
grep '"type":"labels","batch_id":3,' labels.ndjson | awk '{
	match($0, /"true_class":\[[0-9]/)
	d = substr($0, RSTART + 14, 1)
	print substr($0, 1, RSTART + 13) (d == "0" ? "1" : "0") \
	    substr($0, RSTART + 15)
}' >relabel.ndjson
"$ingest" --quiet --db b.db --allow-relabel relabel.ndjson
check "relabel exit" $? 0
check "relabel recomputed batch 3" "$(acc3 | grep -vx -- "$before" |
    wc -l)" 1
check "relabel: still 12 graded" "$(q b.db "SELECT substr(state, 1, 14)
    FROM detector_state WHERE name = 'estimate_grades'")" "grades/1 n=12 "
# ... and the grades follow its recomputed report: their sums of |error|
# are those of the stored reports (they kept batch 3's first error).
grades_sums() {
	s=$(q "$1" "SELECT state FROM detector_state
	    WHERE name = 'estimate_grades'")
	a=${s#*acc=}
	printf '%.9f %.9f\n' "${a% f1=*}" "${s#* f1=}"
}
report_sums() {
	q "$1" "SELECT printf('%.9f %.9f',
	    sum(abs(json_extract(payload, '\$.estimate.acc_error'))),
	    sum(abs(json_extract(payload, '\$.estimate.f1_error'))))
	    FROM monitor_reports WHERE report_type = 'performance'"
}
check "relabel: grades follow the recomputed report" "$(grades_sums b.db)" \
    "$(report_sums b.db)"
check "one process: grades are the reports' errors" "$(grades_sums a.db)" \
    "$(report_sums a.db)"

# 3. A reference without labels: no estimate, said in the report.
sed '/"type":"reference"/s/,"true_class":[0-9]*//' in.ndjson \
    >nolabels.ndjson
"$ingest" --db n.db nolabels.ndjson 2>n.err
check "no labels exit" $? 0
none='{"available":false,"reason":"the reference has no labels","method":"cbpe","n_rows":200}'
check "reports say no estimate" "$(q n.db "SELECT count(*) FROM
    monitor_reports WHERE report_type = 'estimated_performance' AND
    payload = '$none'")" 12
check "labelled batches ungraded" "$(q n.db "SELECT count(*) || ':' ||
    count(json_extract(payload, '\$.estimate')) FROM monitor_reports
    WHERE report_type = 'performance'")" "12:0"
check "batch line says why" "$(grep -c '^batch 3: .*, no estimate: the reference has no labels$' n.err)" 1

# 4. Confident reference, then a batch whose scores are near the fence:
#    the estimate's upper bound drops below reference - 0.05.
awk 'BEGIN {
	for (i = 0; i < 1000; i++) {
		s = 0.5 + 0.5 * (i % 100) / 100;
		t = ((i * 37) % 100) < s * 100 ? 0 : 1;
		printf "{\"type\":\"reference\",\"features\":[%d],\"scores\":" \
		    "[%.2f,%.2f],\"true_class\":%d}\n", i % 7, s, 1 - s, t;
	}
	for (b = 1; b <= 4; b++)
		for (i = 0; i < 400; i++) {
			if (b <= 1)
				s = 0.5 + 0.5 * (i % 100) / 100;
			else
				s = 0.52 + 0.04 * (i % 10) / 10;
			printf "{\"batch_id\":%d,\"features\":[%d],\"scores\":" \
			    "[%.3f,%.3f]}\n", b, i % 7, s, 1 - s;
		}
}' >fence.ndjson
"$ingest" --db f.db fence.ndjson 2>f.err
check "fence exit" $? 0
check "decay estimated from batch 2" "$(q f.db "SELECT group_concat(
    batch_id) FROM (SELECT batch_id FROM monitor_reports
    WHERE report_type = 'estimated_performance' AND
    json_extract(payload, '\$.estimated_decay') ORDER BY batch_id)")" \
    "2,3,4"
check "warning by default, one page" "$(q f.db "SELECT kind || ':' ||
    severity || ':' || batch_id FROM alerts WHERE condition_key =
    'estimated_decay' AND channel != 'log' ORDER BY id")" ""
check "recorded as a warning, once" "$(q f.db "SELECT kind || ':' ||
    severity || ':' || batch_id FROM alerts WHERE condition_key =
    'estimated_decay' AND kind = 'firing'")" "firing:warning:2"
check "message" "$(grep -c 'estimated performance decay before labels (CBPE: accuracy 0\.5[0-9]*, upper bound 0\.[0-9]* vs reference 0\.7[0-9]*;' f.err)" 1
mkdir -p xdg/mlmon
printf '[alert]\nestimated_decay_severity = critical\n' >crit.conf
"$ingest" --db c.db --config crit.conf fence.ndjson 2>c.err
check "critical configured exit" $? 0
check "critical pages" "$(q c.db "SELECT DISTINCT kind || ':' || severity
    FROM alerts WHERE condition_key = 'estimated_decay' AND
    channel != 'log'")" "firing:critical"
printf '[alert]\nestimated_decay_severity = off\n' >off.conf
"$ingest" --quiet --db o.db --config off.conf fence.ndjson
check "off: verdict stored, nothing fires" "$(q o.db "SELECT
    (SELECT count(*) FROM monitor_reports WHERE report_type =
    'estimated_performance' AND json_extract(payload,
    '\$.estimated_decay')) || ':' || (SELECT count(*) FROM alerts
    WHERE condition_key = 'estimated_decay')")" "3:0"
finish
