#!/bin/sh
# --policy seed|calibrated and --false-page-rate through the real binaries.
#  1. seed: the stream that wrote tests/fixtures/store-v2.db (the release
#     before, 7a05c0c) gives the same reports, byte for byte, but for the
#     keys added since by issue 11 (psi_outlier_range,
#     label_shift_homogeneity) and issue 12 (thresholds,
#     investigate_features_psi) and the performance estimate since (its
#     reports, the grading key "estimate"), and the same alert decisions
#     and messages.
#  2. calibrated (the default): p-values, adjusted p-values and effect
#     sizes in the payloads and the messages; the performance test's
#     p-value and standard error decide decay; DDM/ADWIN verdicts are
#     their signals where that test reached the warning level; the abrupt
#     change pages at its batch (5) and not before; a stable stream does
#     not page.
#  3. bad values are refused with the reason, on the command line and in
#     the config file; the config file's policy is used.
#  4. the PSI nulls are stored with the reference (meta psi_nulls, one per
#     feature and batch size, tied to the reference's digest), loaded by
#     the next run (a store judged half by one run and half by the next
#     has the reports of one run), extended for a new batch size, and a
#     corrupt text stops ingest naming the line. The joint tests' nulls
#     likewise (meta joint_nulls, one per batch size): the next run judges
#     with the stored ones (a changed stored null changes its joint
#     p-values), a corrupt text stops ingest naming the line.
#
# usage: run-policy.sh MLMON-INGEST MLMON-GEN FIXTURE-STORE-V2
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
fixture=$(abspath "$3")
sandbox policy

"$gen" --scenario abrupt --batches 12 --batch-size 100 --reference-rows 300 \
    --label-delay 2 >fx.ndjson
"$ingest" --db seed.db -q --policy seed fx.ndjson
check "seed exit" $? 0
"$ingest" --db cal.db -q fx.ndjson
check "calibrated (default) exit" $? 0

# 1. The seed policy against the release before.
reports="SELECT batch_id, report_type,
    json_remove(payload, '\$.psi_outlier_range',
    '\$.label_shift_homogeneity', '\$.thresholds',
    '\$.investigate_features_psi', '\$.estimate') FROM monitor_reports
    WHERE report_type <> 'estimated_performance'
    ORDER BY batch_id, report_type"
alerts="SELECT batch_id, severity, channel, kind, message FROM alerts
    ORDER BY id"
sqlite3 "$fixture" "$reports" >old-reports
sqlite3 seed.db "$reports" >seed-reports
check "seed: 48 reports" "$(wc -l <seed-reports | tr -d ' ')" 48
yes_if "seed: reports as the release before" cmp -s old-reports seed-reports
sqlite3 "$fixture" "$alerts" >old-alerts
sqlite3 seed.db "$alerts" >seed-alerts
check "seed: 28 decisions" "$(wc -l <seed-alerts | tr -d ' ')" 28
yes_if "seed: decisions as the release before" cmp -s old-alerts seed-alerts
check "seed: no calibrated keys" "$(q seed.db "SELECT count(*)
    FROM monitor_reports WHERE json_extract(payload, '\$.policy')
    IS NOT NULL")" 0

# 2. The calibrated policy.
check "calibrated: every feature and prediction report says so" \
    "$(q cal.db "SELECT count(*) FROM monitor_reports
    WHERE report_type IN ('feature', 'prediction')
    AND json_extract(payload, '\$.policy') = 'calibrated'")" 24
check "calibrated: a PSI p-value and two q-values per feature" \
    "$(q cal.db "SELECT DISTINCT
    (SELECT count(*) FROM json_each(payload, '\$.psi_p_values')) || ',' ||
    (SELECT count(*) FROM json_each(payload, '\$.ks_q_values')) || ',' ||
    (SELECT count(*) FROM json_each(payload, '\$.psi_q_values'))
    FROM monitor_reports WHERE report_type = 'feature'")" "5,5,5"
check "calibrated: q >= p" "$(q cal.db "SELECT count(*)
    FROM monitor_reports m, json_each(m.payload, '\$.ks_q_values') k
    WHERE m.report_type = 'feature' AND k.value < (1 - 1e-12) *
    json_extract(m.payload, '\$.ks_p_values.' || k.key)")" 0
check "calibrated: effect sizes of the prediction mix" "$(q cal.db "SELECT
    count(*) FROM monitor_reports WHERE report_type = 'prediction'
    AND json_type(payload, '\$.class_tvd') = 'real'
    AND json_type(payload, '\$.confidence_delta') = 'real'
    AND json_type(payload, '\$.label_shift_q_value') = 'real'")" 12
check "calibrated: first page at the change" "$(q cal.db "SELECT
    min(batch_id) FROM alerts WHERE severity = 'critical'
    AND channel <> 'log'")" 5
check "calibrated: page message has p and q" "$(q cal.db "SELECT count(*)
    FROM alerts WHERE batch_id = 5 AND channel = 'slack'
    AND message LIKE 'batch 5: confirmed drift (PSI and KS agree) on 5 '
    || 'features: f0 (PSI % p % q %, KS D % p % q %)%'")" 1
# Before the change PSI > 0.20 on 100-row batches is noise: the seed warns
# on 4 of 4 batches, the calibrated policy on none.
pre="SELECT count(*) FROM alerts WHERE batch_id < 5 AND kind = 'firing'
    AND condition_key LIKE 'psi_unconfirmed:%'"
check "calibrated: the seed's PSI warnings before the change are gone" \
    "$(q seed.db "$pre")|$(q cal.db "$pre")" "4|0"

check "calibrated: the performance test beside accuracy" "$(q cal.db "SELECT
    count(*) || ',' || sum(json_type(payload, '\$.acc_p_value') IN ('real', 'integer')
    AND json_type(payload, '\$.acc_se') IN ('real', 'integer')
    AND json_extract(payload, '\$.any_decay') =
    (json_extract(payload, '\$.acc_p_value') <= 2e-5))
    FROM monitor_reports WHERE report_type = 'performance'")" "12,12"
check "calibrated: detector verdicts need the performance test" "$(q cal.db "
    SELECT count(*) FROM monitor_reports WHERE report_type = 'detectors'
    AND (json_type(payload, '\$.ddm_signal') IS NULL
    OR json_extract(payload, '\$.ddm_drift') >
    json_extract(payload, '\$.ddm_signal')
    OR json_extract(payload, '\$.ddm_drift') <>
    (json_extract(payload, '\$.ddm_signal') AND
    json_extract(payload, '\$.acc_p_value') <= 2e-3))")" 0
"$gen" --scenario stable --batches 40 >stable.ndjson
"$ingest" --db stable.db -q stable.ndjson
check "calibrated: no page on 40 stable batches" "$(q stable.db "SELECT
    count(*) FROM alerts WHERE severity = 'critical'")" 0

# 3. Bad values and the config file.
"$ingest" --db bad.db --policy strict stable.ndjson 2>bad.err
check "--policy strict exit" $? 2
yes_if "--policy strict reason" grep -q "policy must be seed or calibrated" \
    bad.err
for r in 0 -1 100 abc; do
	"$ingest" --db bad.db --false-page-rate "$r" stable.ndjson 2>bad.err
	check "--false-page-rate $r exit" $? 2
	yes_if "--false-page-rate $r reason" grep -q \
	    "false_page_rate must be a number in (0, 100)" bad.err
done
printf '[monitor]\npolicy = seed\n' >seed.conf
"$ingest" --db conf.db -q --config seed.conf fx.ndjson
sqlite3 conf.db "$reports" >conf-reports
yes_if "config policy = seed" cmp -s seed-reports conf-reports
printf '[monitor]\npolicy = calibrated\nfalse_page_rate = 5\n' >cal.conf
"$ingest" --db conf5.db -q --config cal.conf fx.ndjson
check "config false_page_rate = 5: calibrated" "$(q conf5.db "SELECT
    count(*) FROM monitor_reports WHERE report_type IN ('feature',
    'prediction') AND json_extract(payload, '\$.policy') =
    'calibrated'")" 24

# 4. The PSI nulls stored with the reference.
check "nulls: one per feature, tied to the reference" "$(q cal.db "SELECT
    (SELECT length(value) - length(replace(value, char(10), ''))
    FROM meta WHERE key = 'psi_nulls') || ',' ||
    (SELECT count(*) FROM meta a, meta b WHERE a.key = 'reference_digest'
    AND b.key = 'psi_nulls_reference' AND a.value = b.value)")" "6,1"
check "nulls: the header and the 100-row fits" "$(q cal.db "SELECT
    value LIKE 'psi-nulls 1' || char(10) || '0 100 psi-null 2 nref 300 '
    || 'nbatch 100 draws 2000 %' FROM meta WHERE key = 'psi_nulls'")" 1
check "joint nulls: the 100-row pair, tied to the reference" "$(q cal.db \
    "SELECT (SELECT value LIKE 'joint-nulls 1' || char(10) || '100 psi-null 2'
    || ' nref 300 nbatch 100 draws 2000 %;psi-null 2 nref 300 nbatch 100 %'
    || char(10) FROM meta WHERE key = 'joint_nulls') || ',' ||
    (SELECT count(*) FROM meta a, meta b WHERE a.key = 'reference_digest'
    AND b.key = 'joint_nulls_reference' AND a.value = b.value)")" "1,1"
# Up to batch 5's end: batches judged in the first run are not judged again.
sed '/"type":"end_batch","batch_id":5}/q' fx.ndjson >half.ndjson
"$ingest" --db half.db -q half.ndjson
check "nulls: first half exit" $? 0
# A copy whose stored T_KS null has another mean (64): judged with it.
sqlite3 half.db ".backup moved.db"
sqlite3 moved.db "UPDATE meta SET value = substr(value, 1,
    instr(value, ' mean ') + 5) || '0x1p+6' || substr(value,
    instr(value, ' var ')) WHERE key = 'joint_nulls'"
"$ingest" --db moved.db -q fx.ndjson
check "joint nulls: moved null, whole stream exit" $? 0
joint_p="SELECT batch_id, json_extract(payload, '\$.joint.ks_p_value')
    FROM monitor_reports WHERE report_type = 'feature' AND batch_id > 5
    ORDER BY batch_id"
yes_if "joint nulls: the next run judges with the stored ones" \
    test "$(q moved.db "$joint_p")" != "$(q cal.db "$joint_p")"
"$ingest" --db half.db -q fx.ndjson
check "nulls: whole stream over it exit" $? 0
sqlite3 cal.db "$reports" >cal-reports
sqlite3 half.db "$reports" >half-reports
yes_if "nulls: judged in two runs as in one" cmp -s cal-reports half-reports
q cal.db "SELECT value FROM meta WHERE key = 'psi_nulls'" >nulls-before
"$gen" --scenario abrupt --batches 4 --batch-size 40 --reference-rows 300 \
    --first-batch 100 >b40.ndjson
"$ingest" --db cal.db -q b40.ndjson
check "nulls: 40-row batches exit" $? 0
check "nulls: 40-row fits added, 100-row ones kept" "$(q cal.db "SELECT
    (length(value) - length(replace(value, char(10), ''))) || ',' ||
    (instr(value, '$(sed -n 2p nulls-before)') > 0)
    FROM meta WHERE key = 'psi_nulls'")" "11,1"
# corrupt NAME DB KEY HEAD LINE2 MESSAGE: the stored nulls text KEY of DB
# made HEAD and a bad second line: the next ingest stops (exit 1) with
# MESSAGE, which names the line.
corrupt() {
	sqlite3 "$2" "UPDATE meta SET value = '$4' || char(10) || '$5' ||
	    char(10) WHERE key = '$3'"
	"$ingest" --db "$2" -q b40.ndjson 2>corrupt.err
	check "$1: corrupt text exit" $? 1
	yes_if "$1: corrupt text names the line" grep -q "$6" corrupt.err
}
corrupt nulls half.db psi_nulls 'psi-nulls 1' \
    '0 100 psi-null 2 nref 300 nbatch 100 draws 2000' \
    "PSI nulls: line 2: PSI null: unreadable at byte"
corrupt "joint nulls" moved.db joint_nulls 'joint-nulls 1' \
    '100 psi-null 2 nref 300 nbatch 100 draws 2000' \
    "joint nulls: line 2: not two nulls"
finish
