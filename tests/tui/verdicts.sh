#!/bin/sh
# One verdict, one place (issue 12): real mlmon-gen | mlmon-ingest runs with
# default and non-default thresholds, and one whose thresholds change at
# batch 8; then every number and flag mlmon-top shows (all four tabs;
# --once text, json and csv) and every drift alert (when it fired, the
# features and numbers its message names) is checked against the stored
# report payloads, batch by batch. The expected values come from
# the payloads through sqlite3's JSON functions and jq, never from mlmon.
# Ingest runs with --policy seed: the fixed thresholds are what is checked.
#
# Last, a store written by the previous release (schema 2, no stored
# thresholds): the console shows the same before and after ingest migrates
# it, and batches added with other thresholds show with theirs.
#
#   verdicts.sh MLMON_TOP MLMON_GEN MLMON_INGEST STORE_V2_DB
set -u
. "$(dirname "$0")/../lib.sh"

command -v jq >/dev/null || { echo "FAIL jq missing (scripts/install-deps)"; exit 1; }
top=$(abspath "$1")
gen=$(abspath "$2")
ingest=$(abspath "$3")
v2=$(abspath "$4")
sandbox verdicts

CUSTOM="--psi-critical 50 --psi-warning 30 --ks-alpha 1e-9"
# PSI after the abrupt change is 1.5-2.7: these put batches in both bands.
BANDS="--psi-warning 1.7 --psi-critical 2.4 --ks-alpha 1e-12"

# run DB FIRST N FLAGS: batches FIRST..FIRST+N-1 of the abrupt scenario.
run() {
	"$gen" --scenario abrupt --first-batch "$2" --batches "$3" \
	    --batch-size 200 | "$ingest" -q --db "$1" --policy seed $4 ||
	    echo "FAIL ingest $1 $2"
}

run default.db 1 12 ""
run custom.db 1 12 "$CUSTOM"
run bands.db 1 12 "$BANDS"
run changed.db 1 7 ""
run changed.db 8 8 "$CUSTOM"

# Every number as %.12g, so sqlite3 and jq spellings compare.
norm() {
	awk -F'|' -v OFS='|' '{
		for (i = 1; i <= NF; i++)
			if ($i ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/)
				$i = sprintf("%.12g", $i)
		print
	}'
}

# The feature payloads as rows: batch|feature|psi|ks_p|warning|critical|
# alpha|flags, flags as the console spells them (psi_critical psi_warning ks).
payload_rows() {
	sqlite3 "$1" "SELECT r.batch_id, p.key, p.value,
	    json_extract(r.payload, '\$.ks_p_values.\"' || p.key || '\"'),
	    json_extract(r.payload, '\$.thresholds.\"' || p.key ||
	    '\".psi_warning'),
	    json_extract(r.payload, '\$.thresholds.\"' || p.key ||
	    '\".psi_critical'),
	    json_extract(r.payload, '\$.thresholds.\"' || p.key ||
	    '\".ks_alpha'),
	    trim(CASE WHEN EXISTS (SELECT 1 FROM json_each(r.payload,
	    '\$.drifted_features_psi') d WHERE d.value = p.key)
	    THEN 'psi_critical' WHEN EXISTS (SELECT 1 FROM json_each(
	    r.payload, '\$.investigate_features_psi') d WHERE d.value = p.key)
	    THEN 'psi_warning' ELSE '' END || CASE WHEN EXISTS (SELECT 1
	    FROM json_each(r.payload, '\$.drifted_features_ks') d
	    WHERE d.value = p.key) THEN ' ks' ELSE '' END)
	    FROM monitor_reports r, json_each(r.payload, '\$.psi_values') p
	    WHERE r.report_type = 'feature' ORDER BY p.key, r.batch_id" | norm
}

# check_store NAME DB WARN CRIT ALPHA FROM WARN2 CRIT2 ALPHA2: batches
# before FROM were judged with WARN CRIT ALPHA, the rest with the others.
check_store() {
	n=$1 db=$2
	payload_rows "$db" >"$n.rows"

	# The payloads: the thresholds of each batch, and the monitors'
	# verdicts consistent with the values and those thresholds.
	want=$(awk -F'|' -v from="$6" -v w1="$3" -v c1="$4" -v a1="$5" \
	    -v w2="$7" -v c2="$8" -v a2="$9" '{
		w = $1 < from ? w1 : w2; c = $1 < from ? c1 : c2
		a = $1 < from ? a1 : a2
		if ($5 != w + 0 || $6 != c + 0 || $7 != a + 0)
			bad++
		f = ($3 > c ? "psi_critical" : $3 >= w ? "psi_warning" : "")
		if ($4 < a) f = f == "" ? "ks" : f " ks"
		if (f != $8) bad++
	} END { print bad + 0, NR }' "$n.rows")
	check "$n: payload thresholds and verdicts per batch and feature" \
	    "$want" "0 $(sqlite3 "$db" "SELECT count(*) FROM monitor_reports
	    r, json_each(r.payload, '\$.psi_values') WHERE report_type =
	    'feature'")"

	# --once --format csv, Drift: flags of every feature and batch (the
	# first column is the model).
	"$top" --db "$db" --once --format csv --tab drift |
	    awk -F, 'NR > 1 { print $3 "|" $2 "|" $6 }' | sort >"$n.csv"
	awk -F'|' '{ print $1 "|" $2 "|" $8 }' "$n.rows" | sort >"$n.want"
	yes_if "$n: csv drift flags = payload verdicts" cmp -s "$n.csv" \
	    "$n.want"

	# --once --format json, Drift: series, per-batch thresholds, flags.
	"$top" --db "$db" --once --format json --tab drift >"$n.drift.json"
	jq -r '.batches as $b | .features[] | .name as $f |
	    range(0; $b | length) as $i | [$b[$i], $f, .psi_series[$i],
	    .ks_p_series[$i], .psi_warning_series[$i],
	    .psi_critical_series[$i], .ks_alpha_series[$i]] | join("|")' \
	    "$n.drift.json" | norm | sort >"$n.jd"
	cut -d'|' -f1-7 "$n.rows" | sort >"$n.want"
	yes_if "$n: json drift series and thresholds = payloads" \
	    cmp -s "$n.jd" "$n.want"
	last=$(sqlite3 "$db" "SELECT max(batch_id) FROM monitor_reports
	    WHERE report_type = 'feature'")
	jq -r '.features[] | .name + "|" + (.flags | join(" "))' \
	    "$n.drift.json" | sort >"$n.jf"
	awk -F'|' -v b="$last" '$1 == b { print $2 "|" $8 }' "$n.rows" |
	    sort >"$n.want"
	yes_if "$n: json drift latest flags = payload $last" cmp -s "$n.jf" \
	    "$n.want"

	# --once --format json, Overview: counts of the stored verdicts.
	"$top" --db "$db" --once --format json >"$n.ov.json"
	crit=$(sqlite3 "$db" "SELECT count(*) FROM monitor_reports WHERE
	    report_type = 'feature' AND json_array_length(payload,
	    '\$.drifted_features_psi') > 0")
	inv=$(sqlite3 "$db" "SELECT count(*) FROM monitor_reports WHERE
	    report_type = 'feature' AND json_array_length(payload,
	    '\$.drifted_features_psi') + json_array_length(payload,
	    '\$.investigate_features_psi') > 0")
	nrep=$(sqlite3 "$db" "SELECT count(*) FROM monitor_reports WHERE
	    report_type = 'feature'")
	first() {
		sqlite3 "$db" "SELECT coalesce(min(batch_id), 'null') FROM
		    monitor_reports WHERE report_type = '$1' AND $2"
	}
	f_psi=$(first feature \
	    "json_array_length(payload, '\$.drifted_features_psi') > 0")
	f_ks=$(first feature \
	    "json_array_length(payload, '\$.drifted_features_ks') > 0")
	f_ls=$(first prediction "json_extract(payload, '\$.label_shift_drift')")
	f_cd=$(first prediction "json_extract(payload, '\$.confidence_drift')")
	f_dc=$(first performance "json_extract(payload, '\$.any_decay')")
	check "$n: overview counts" "$(jq -r '[.feature_reports,
	    .drifted_batches_psi_critical, .drifted_batches_psi_0_20,
	    .drifted_batches_psi_investigate, .drifted_batches_psi_0_10,
	    .first_fired.psi, .first_fired.ks, .first_fired.label_shift,
	    .first_fired.confidence, .first_fired.decay] | map(tostring) |
	    join(" ")' "$n.ov.json")" \
	    "$nrep $crit $crit $inv $inv $f_psi $f_ks $f_ls $f_cd $f_dc"
	latest() {
		sqlite3 "$db" "SELECT json_extract(payload, '$2') FROM
		    monitor_reports WHERE report_type = '$1' ORDER BY batch_id
		    DESC LIMIT 1" | norm
	}
	check "$n: overview latest numbers and thresholds" "$(jq -r '[
	    .accuracy, .f1, .label_shift_p, .psi_warning, .psi_critical,
	    .ks_alpha, .chisq_alpha, .confidence_delta, .decay_delta] |
	    join("|")' "$n.ov.json" | norm)" "$(latest performance \
	    '$.accuracy')|$(latest performance '$.f1_macro')|$(latest \
	    prediction '$.label_shift_p_value')|$(latest feature \
	    '$.thresholds.f0.psi_warning')|$(latest feature \
	    '$.thresholds.f0.psi_critical')|$(latest feature \
	    '$.thresholds.f0.ks_alpha')|$(latest prediction \
	    '$.thresholds.chisq_alpha')|$(latest prediction \
	    '$.thresholds.confidence_delta')|$(latest performance \
	    '$.thresholds.decay_delta')"

	# --once text, Overview: the drift line, named by its thresholds.
	if [ "$6" -gt "$last" ]; then
		lc=$(printf 'at PSI>%.2f ' "$4") lw=$(printf 'at PSI>%.2f ' "$3")
	else
		lc="by batch thresholds " lw=$lc
	fi
	"$top" --db "$db" --once --width 120 --height 40 >"$n.txt"
	check "$n: text overview drift line" \
	    "$(grep -o 'Drifted batches: .*' "$n.txt" | sed 's/ *$//')" \
	    "Drifted batches: $crit/$nrep $lc(critical), $inv/$nrep $lw(investigate)"

	# --once text, Drift (ASCII: one byte a column): each feature's flags
	# column, under the header "flags".
	"$top" --db "$db" --once --ascii --tab drift --width 120 \
	    --height 40 >"$n.dtxt"
	for f in f0 f1 f2 f3 f4; do
		v=$(awk -F'|' -v b="$last" -v f="$f" '$1 == b && $2 == f {
			s = $8 ~ /psi_critical/ ? "PSI!" : \
			    $8 ~ /psi_warning/ ? "psi?" : ""
			if ($8 ~ /ks/) s = s == "" ? "KS!" : s " KS!"
			print s }' "$n.rows")
		got=$(awk -v f="$f" '/ feature .* flags/ { c = index($0, "flags") }
		    c && substr($0, 2, length(f) + 1) == f " " {
			s = substr($0, c); sub(/ +$/, "", s); print s; exit }' \
		    "$n.dtxt")
		check "$n: text drift flags of $f" "$got" "$v"
	done

	# Alerts: a confirmed-drift alert exactly where PSI and KS drifted on
	# a common feature; PSI-without-KS exactly where PSI drifted alone.
	check "$n: confirmed drift alerts = payload verdicts" \
	    "$(q "$db" "SELECT DISTINCT batch_id FROM alerts WHERE message
	    LIKE 'batch %: confirmed drift (%' ORDER BY 1")" \
	    "$(q "$db" "SELECT batch_id FROM monitor_reports r WHERE
	    report_type = 'feature' AND EXISTS (SELECT 1 FROM json_each(
	    r.payload, '\$.drifted_features_psi') a, json_each(r.payload,
	    '\$.drifted_features_ks') b WHERE a.value = b.value)
	    ORDER BY 1")"
	check "$n: PSI-only alerts = payload verdicts" \
	    "$(q "$db" "SELECT DISTINCT batch_id FROM alerts WHERE message
	    LIKE 'batch %: PSI critical%' ORDER BY 1")" \
	    "$(q "$db" "SELECT batch_id FROM monitor_reports r WHERE
	    report_type = 'feature' AND json_array_length(payload,
	    '\$.drifted_features_psi') > 0 AND NOT EXISTS (SELECT 1 FROM
	    json_each(r.payload, '\$.drifted_features_psi') a, json_each(
	    r.payload, '\$.drifted_features_ks') b WHERE a.value = b.value)
	    ORDER BY 1")"
	# Each drift alert's numbers: the features it names, each with the
	# PSI and KS p of its batch's payload, as the rules print them.
	sqlite3 "$db" "SELECT DISTINCT batch_id, message FROM alerts WHERE message
	    LIKE 'batch %: confirmed drift (%' OR message LIKE
	    'batch %: PSI critical%'" | awk -F'|' '{
		b = $1; s = $2
		while (match(s, /[A-Za-z0-9_]+ \(PSI [0-9.]+, KS D [0-9.]+ p [-0-9.e+]+\)/)) {
			t = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
			split(t, w, /[ (),]+/)
			print b "|" w[1] "|" w[3] "|" w[8]
		}
	}' | sort -u >"$n.am"
	sqlite3 "$db" "SELECT r.batch_id || '|' || p.key || '|' || printf('%.3f',
	    p.value) || '|' || printf('%.2g', json_extract(r.payload,
	    '\$.ks_p_values.\"' || p.key || '\"')) FROM monitor_reports r,
	    json_each(r.payload, '\$.psi_values') p WHERE r.report_type =
	    'feature' AND r.batch_id IN (SELECT batch_id FROM alerts WHERE
	    message LIKE 'batch %: confirmed drift (%' OR message LIKE
	    'batch %: PSI critical%') AND EXISTS (SELECT 1 FROM json_each(
	    r.payload, '\$.drifted_features_psi') d WHERE d.value = p.key)
	    AND (EXISTS (SELECT 1 FROM json_each(r.payload,
	    '\$.drifted_features_ks') d WHERE d.value = p.key) OR NOT EXISTS
	    (SELECT 1 FROM json_each(r.payload, '\$.drifted_features_psi') a,
	    json_each(r.payload, '\$.drifted_features_ks') k WHERE a.value =
	    k.value))" | sort -u >"$n.want"
	yes_if "$n: drift alert messages' features and numbers = payloads" \
	    cmp -s "$n.am" "$n.want"

	# --once --format csv, Overview: each batch's largest stored PSI.
	"$top" --db "$db" --once --format csv |
	    awk -F, 'NR > 1 { print $2 "|" $6 }' | norm >"$n.ocsv"
	sqlite3 "$db" "SELECT r.batch_id || '|' || max(p.value) FROM
	    monitor_reports r, json_each(r.payload, '\$.psi_values') p WHERE
	    r.report_type = 'feature' GROUP BY r.batch_id" | norm |
	    grep -xFf "$n.ocsv" >"$n.want"
	yes_if "$n: csv overview has batches" test -s "$n.ocsv"
	check "$n: csv overview max_psi = payloads" \
	    "$(cat "$n.ocsv")" "$(cat "$n.want")"

	# --once --format csv and text, Alerts: every stored message, cut as
	# the tab cuts it (below), quoted as RFC 4180 wants.
	"$top" --db "$db" --once --format csv --tab alerts |
	    sed 1d | cut -d, -f10- >"$n.alc"
	sqlite3 "$db" "SELECT substr(message, 1, 255) FROM alerts ORDER BY
	    id DESC" |
	    awk -v q='"' '/[,"]/ { gsub(q, q q); $0 = q $0 q } { print }' \
	    >"$n.want"
	yes_if "$n: csv alerts = the stored messages" cmp -s "$n.alc" \
	    "$n.want"
	"$top" --db "$db" --once --tab alerts --width 200 --height 60 \
	    >"$n.atxt"
	check "$n: text alerts count and newest = the stored alerts" \
	    "$(grep -o 'of [0-9]*, newest first' "$n.atxt") $(awk \
	    '/^sev / { getline; sub(/^.*ago +/, ""); print; exit }' \
	    "$n.atxt" | cut -c1-60)" \
	    "of $(q "$db" "SELECT count(*) FROM alerts"), newest first $(q \
	    "$db" "SELECT substr(message, 1, 60) FROM alerts ORDER BY id DESC
	    LIMIT 1")"
	# The alerts tab shows each message cut to QUERY_TEXT_MAX - 1 bytes.
	"$top" --db "$db" --once --format json --tab alerts >"$n.al.json"
	check "$n: alerts tab = the stored alerts" \
	    "$(jq -r '[.total, (.alerts | map(.message) | join("\n"))] |
	    join(" ")' "$n.al.json" | md5sum)" \
	    "$(printf '%s %s\n' "$(q "$db" "SELECT count(*) FROM alerts")" \
	    "$(sqlite3 "$db" "SELECT substr(message, 1, 255) FROM alerts
	    ORDER BY id DESC")" |
	    md5sum)"

	# Calibration of the latest labelled batch = its performance report.
	pb=$(sqlite3 "$db" "SELECT max(batch_id) FROM monitor_reports WHERE
	    report_type = 'performance'")
	check "$n: calibration tab = performance payload $pb" \
	    "$("$top" --db "$db" --once --format json --tab calibration \
	    --batch "$pb" | jq -r '[.accuracy, .ece] | join("|")' | norm)" \
	    "$(sqlite3 "$db" "SELECT json_extract(payload, '\$.accuracy'),
	    json_extract(payload, '\$.ece') FROM monitor_reports WHERE
	    batch_id = $pb AND report_type = 'performance'" | norm)"
}

check_store default default.db 0.1 0.2 0.01 99 0 0 0
check_store custom custom.db 30 50 1e-9 99 0 0 0
check_store bands bands.db 1.7 2.4 1e-12 99 0 0 0
check_store changed changed.db 0.1 0.2 0.01 8 30 50 1e-9

# The cases must exercise what they claim: drift under the defaults,
# none at 50, both bands at 1.7/2.4, and the change visible at batch 8.
check "default: drifted batches" "$(jq .drifted_batches_psi_critical \
    default.ov.json)" 8
check "custom: no PSI verdict at 30/50" "$(jq '[.drifted_batches_psi_critical,
    .drifted_batches_psi_investigate] | join(" ")' custom.ov.json)" '"0 0"'
yes_if "bands: investigate and drift both occur" grep -q \
    'psi_warning' bands.rows
yes_if "bands: ... and drift" grep -q 'psi_critical' bands.rows
check "changed: drifted only before batch 8" "$(q changed.db "SELECT
    group_concat(batch_id) FROM batches WHERE psi_verdict = 2")" "5,6,7"
check "changed: thresholds not the same in every batch" \
    "$(jq .thresholds_same_in_every_batch changed.ov.json)" false

# ---- A store of the previous release ----
cp "$v2" v2.db
# Everything mlmon-top prints of it, but the clock.
shown() {
	for t in overview drift calibration alerts; do
		"$top" --db v2.db --once --tab "$t" --width 120 --height 40 |
		    sed 's/[0-9][0-9hms ]* ago/AGO/g'
		"$top" --db v2.db --once --tab "$t" --format json |
		    jq -c 'del(.now, .last_write_age_s)'
		"$top" --db v2.db --once --tab "$t" --format csv
	done
}
shown >v2.before
check "v2: the console does not migrate" "$(q v2.db 'PRAGMA user_version')" 2
"$ingest" -q --db v2.db --policy seed </dev/null ||
    echo "FAIL v2: ingest"
check "v2: ingest migrates" "$(q v2.db 'PRAGMA user_version')" 7
shown >v2.after
yes_if "v2: the console shows the same after the migration" \
    cmp -s v2.before v2.after
check "v2: no thresholds stored: the defaults, said so" \
    "$(grep '^{"tab":"drift"' v2.after | jq -c '[.psi_warning,
    .psi_critical, .ks_alpha, .thresholds_stored]')" '[0.1,0.2,0.01,false]'
"$gen" --scenario abrupt --first-batch 13 --batches 3 --batch-size 100 \
    --reference-rows 300 --label-delay 2 |
    "$ingest" -q --db v2.db --policy seed $CUSTOM ||
    echo "FAIL v2: ingest new batches"
"$top" --db v2.db --once --format json --tab drift >v2.drift.json
check "v2: each batch with its own PSI critical threshold" \
    "$(jq -c '[.batches[0], .batches[-1],
    .features[0].psi_critical_series[0],
    .features[0].psi_critical_series[-1],
    .thresholds_same_in_every_batch]' v2.drift.json)" '[1,15,0.2,50,false]'
check "v2: new batches judged with 30/50" "$(q v2.db "SELECT
    group_concat(psi_verdict) FROM batches WHERE batch_id > 12")" "0,0,0"
finish
