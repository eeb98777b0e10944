#!/bin/sh
# Labels by id from a labeler process running while ingest windows the
# predictions into the same store (issue 14), with partial labels
# (--min-label-coverage 0.8): labels for 90% of the ids in a random order,
# a tenth of them before any prediction, some twice, one conflicting, two
# for ids that never come, and one window left below the minimum. At the
# end the stored labels, held and expired counts, and every window's
# performance report (n_rows, n_labelled, coverage, accuracy, confusion)
# are exactly what a recomputation here from the sent lines gives, and
# the detectors were fed once per judged window. With a short TTL, a
# --follow ingest on a log that gets no new line expires the held labels
# and judges the window below the minimum on its own clock. Then two
# processes window disjoint halves of one stream into one shared store:
# the same batch ids as one pass, and (halves split in time) the same
# reports. On either backend (lib.sh's store): the recomputation is a
# scratch SQLite file, exp.sqlite, and each store's reports are read beside
# it from a copy of their bytes (qcopy); ids are read as the producer wrote
# them, ltrim(event_id, '"') (PostgreSQL keeps a text id after a '"').
#
# usage: run-labels.sh MLMON_INGEST MLMON_GEN MLMON_TOP SRCDIR
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
top=$(abspath "$3")
src=$(abspath "$4")
awkf="$src/tests/ingest/events.awk"
sandbox labels
s=$(store s)
quiet=$(store quiet)
d=$(store d)
one=$(store one)
two=$(store two)
mix=$(store mix)
on_exit='kill $lpid $ipid 2>/dev/null'
lpid=
ipid=

T0=1796541000	# a multiple of 30 s: batch b (1-6) is window W0 + b
W0=$((T0 / 30))
"$gen" --scenario abrupt --batches 6 --no-end-batch > plain.ndjson
awk -v T0=$T0 -v STEP=0.15 -v NOLABEL=1 -f "$awkf" plain.ndjson > nolab.ndjson
awk -v T0=$T0 -v STEP=0.15 -v LABELS=1 -f "$awkf" plain.ndjson > all.ndjson
# 90% of the ids (every row but the 4th of each ten), and of batch 2 only
# two thirds of those (below the minimum of 0.8).
awk '{ match($0, /"id":"[0-9]+-[0-9]+"/); split(substr($0, RSTART + 6,
    RLENGTH - 7), k, "-") }
    NR % 10 != 4 && !(k[1] == 2 && k[2] % 3 == 0)' all.ndjson > sent.ndjson
# A fixed shuffle: sort by a hash of the line.
awk '{ h = 0; for (i = 1; i <= length($0); i++)
	h = (h * 31 + index("0123456789-", substr($0, i, 1))) % 1000003;
	print h "\t" $0 }' sent.ndjson | sort -n | cut -f2- > shuffled.ndjson
n=$(wc -l < shuffled.ndjson | tr -d ' ')
head -n $((n / 10)) shuffled.ndjson > early.ndjson
# The rest, then 40 of them again (no-ops), two ids that never come, and
# a label that conflicts with one sent before it.
c=$(sed -n 5p shuffled.ndjson | sed 's/.*"id":"\([^"]*\)".*"true_class":\([0-9]\).*/\1 \2/')
cid=${c% *}
cval=${c#* }
{
	tail -n +$((n / 10 + 1)) shuffled.ndjson
	head -n 40 shuffled.ndjson
	echo '{"type":"label","id":"9-9","true_class":1}'
	echo '{"type":"label","id":"nope","true_class":0}'
	echo "{\"type\":\"label\",\"id\":\"$cid\",\"true_class\":$(((cval + 1) % 3))}"
} > late.ndjson

# A pipe that hands lines over in bursts of 50, 40 ms apart.
slow() {
	awk '{ print; fflush() } NR % 50 == 0 { system("sleep 0.04") }' "$1"
}

# ---- the labels of a tenth before any prediction: held ----
"$ingest" --db "$s" -q --min-label-coverage 0.8 early.ndjson
check "early: held" "$(q "$s" "SELECT count(*) FROM pending_labels")" \
    $((n / 10))

# ---- ingest and the labeler at once ----
slow nolab.ndjson | "$ingest" --db "$s" -q --window time:30s \
    --min-label-coverage 0.8 --flush-ms 50 2> ingest.err &
ipid=$!
slow late.ndjson | "$ingest" --db "$s" -q --min-label-coverage 0.8 \
    --flush-ms 50 2> labeler.err &
lpid=$!
wait $ipid
check "ingest exit" $? 0
wait $lpid
check "labeler exit 65 (the conflict)" $? 65
lpid=
ipid=
check "the conflict named" "$(grep -c "label for id \"$cid\"" labeler.err)" 1
check "one rejection" "$(q "$s" "SELECT count(*) FROM rejected")" 1

# ---- labels: exactly the first label sent for every id that came ----
cat early.ndjson late.ndjson |
    sed -n 's/.*"id":"\([0-9]*-[0-9]*\)","true_class":\([0-9]*\)}/\1|\2/p' |
    awk -F'|' '!seen[$1]++' | sort > sent-labels.txt
# Of the ids that came (9-9 never does).
sed -n 's/^{"id":"\([0-9]*-[0-9]*\)".*/\1/p' nolab.ndjson | sort > came.txt
awk -F'|' 'NR == FNR { came[$1]; next } $1 in came' came.txt \
    sent-labels.txt | sort > want-labels.txt
qrows "$s" "SELECT ltrim(event_id, '\"'), true_class FROM predictions
    WHERE true_class IS NOT NULL" | sort > got-labels.txt
yes_if "labels: exactly the sent ones stored" cmp -s want-labels.txt \
    got-labels.txt
check "labels: as many as sent" "$(wc -l < got-labels.txt | tr -d ' ')" "$n"
check "labels: two held for ids that never came" "$(q "$s" "SELECT
    ltrim(event_id, '\"') FROM pending_labels ORDER BY 1")" "9-9 nope"
check "ledger: labelled per window" "$(q "$s" "SELECT sum(n_labelled)
    FROM batches")" "$n"

# ---- the expected numbers, recomputed from the lines sent ----
# id|batch|predicted, and id|true for the labels stored.
sed -n 's/^{"id":"\(\([0-9]*\)-[0-9]*\)".*"predicted_class":\([0-9]*\).*/\1|\2|\3/p' \
    nolab.ndjson > preds.txt
sqlite3 exp.sqlite "CREATE TABLE p (id, b, pred); CREATE TABLE l (id, t);"
sqlite3 -separator '|' exp.sqlite ".import preds.txt p"
sqlite3 -separator '|' exp.sqlite ".import want-labels.txt l"
# One row per window: rows, labelled, correct; the confusion as JSON.
sqlite3 exp.sqlite "CREATE TABLE w AS SELECT $W0 + b AS batch, count(*) AS rows,
    count(t) AS labelled, sum(t = pred) AS correct FROM p LEFT JOIN l
    USING (id) GROUP BY b;
    CREATE TABLE c AS SELECT $W0 + b AS batch, CAST(t AS INTEGER) AS t,
    CAST(pred AS INTEGER) AS pred, count(*) AS k FROM p JOIN l USING (id)
    GROUP BY b, t, pred;"
check "expected: window 2 below 0.8, the others at 0.9" "$(q exp.sqlite \
    "SELECT group_concat(labelled * 10 / rows) FROM w")" "9,6,9,9,9,9"

# report [STORE]: each window's payload numbers (of $s unless STORE is
# given) beside the recomputation.
report() {
	qcopy "${1:-$s}" "SELECT batch_id, payload FROM monitor_reports WHERE
	    report_type = 'performance'" exp.sqlite \
	    "r(batch_id INTEGER, payload TEXT)"
	sqlite3 exp.sqlite "SELECT w.batch,
	    json_extract(r.payload, '\$.n_rows') = w.labelled,
	    json_extract(r.payload, '\$.n_labelled') = w.labelled,
	    json_extract(r.payload, '\$.coverage') = 1.0 * w.labelled / w.rows,
	    json_extract(r.payload, '\$.accuracy') = 1.0 * w.correct / w.labelled,
	    (SELECT count(*) FROM c WHERE c.batch = w.batch AND
	     json_extract(r.payload, '\$.confusion[' || c.t || '][' || c.pred
	     || ']') <> c.k) = 0,
	    (SELECT sum(value) FROM json_tree(r.payload, '\$.confusion')
	     WHERE type = 'integer') = w.labelled
	    FROM w LEFT JOIN r ON r.batch_id = w.batch ORDER BY w.batch" |
	    tr '\n' ' '
}
# (no report: NULL comparisons, and no confusion cell differs)
all_ok="$((W0 + 1))|1|1|1|1|1|1 $((W0 + 2))|||||1|"
all_ok="$all_ok $((W0 + 3))|1|1|1|1|1|1 $((W0 + 4))|1|1|1|1|1|1"
all_ok="$all_ok $((W0 + 5))|1|1|1|1|1|1 $((W0 + 6))|1|1|1|1|1|1 "
check "reports: every window at 0.9 exact, window 2 none" "$(report)" \
    "$all_ok"
check "detectors: fed once per judged window" "$(q "$s" "SELECT count(*)
    FROM monitor_reports WHERE report_type = 'detectors'")" 5
# Fed once, when the window first reached 0.8: with 160 to 180 labels.
qcopy "$s" "SELECT payload FROM monitor_reports WHERE report_type =
    'detectors'" exp.sqlite "d(payload TEXT)"
check "detectors: fed at the minimum" "$(q exp.sqlite "SELECT count(*)
    FROM d WHERE json_extract(payload, '\$.n_fed') BETWEEN 160 AND 180")" 5

# ---- --label-ttl: the held labels expire, window 2 is judged ----
sleep 1.2
echo '{"type":"label","id":"also-never","true_class":0}' |
    "$ingest" --db "$s" -q --min-label-coverage 0.8 --label-ttl 1s \
    2> ttl.err
check "ttl: exit" $? 0
check "ttl: expired counted" "$(q "$s" "SELECT value FROM meta WHERE
    key = 'labels_expired'")" 2
check "ttl: one held" "$(q "$s" "SELECT count(*) FROM pending_labels")" 1
check "ttl: every window exact, window 2 on its labels" "$(report)" \
    "$(echo "$all_ok" | sed "s/$((W0 + 2))|||||1|/$((W0 + 2))|1|1|1|1|1|1/")"
check "ttl: window 2's detectors fed" "$(q "$s" "SELECT count(*) FROM
    monitor_reports WHERE report_type = 'detectors'")" 6

# ---- a quiet --follow: the TTL on the ingest's clock, no new line ----
# The whole stream is in the log at the start, labels after the rows,
# and one label for an id that never comes. Once it is read nothing is
# appended: the held label must still expire and window 2 (below the
# minimum) must be judged on its labels, at the TTL, by the idle ingest.
{ cat nolab.ndjson sent.ndjson
  echo '{"type":"label","id":"never","true_class":0}'; } > quiet.log
"$ingest" --db "$quiet" -q --follow quiet.log --window time:30s \
    --idle-close 1s --min-label-coverage 0.8 --label-ttl 3s \
    --flush-ms 50 2> quiet.err &
ipid=$!
# Wait (up to 60 s) for the expiry and the judgement to be committed.
quiet_done() {
	[ "$(q "$quiet" "SELECT (SELECT value FROM meta WHERE key =
	    'labels_expired') || ' ' || (SELECT count(*) FROM monitor_reports
	    WHERE report_type = 'performance')" 2>/dev/null)" = "1 6" ]
}
k=0
while ! quiet_done && [ $k -lt 600 ]; do
	sleep 0.1
	k=$((k + 1))
done
yes_if "quiet follow: still following (no new input, no exit)" \
    kill -0 $ipid
check "quiet follow: the held label expired and counted" "$(q "$quiet" \
    "SELECT (SELECT value FROM meta WHERE key = 'labels_expired'),
    (SELECT count(*) FROM pending_labels)")" "1|0"
check "quiet follow: every window exact, window 2 on its labels" \
    "$(report "$quiet")" \
    "$(echo "$all_ok" | sed "s/$((W0 + 2))|||||1|/$((W0 + 2))|1|1|1|1|1|1/")"
check "quiet follow: window 2 judged at the TTL after its close" \
    "$(q "$quiet" "SELECT CASE WHEN r.created_at - b.closed_at >= 3 THEN
    1 ELSE 0 END FROM monitor_reports r JOIN batches b USING (model_id,
    batch_id) WHERE
    r.report_type = 'performance' AND b.batch_id = $((W0 + 2))")" 1
check "quiet follow: detectors fed once per window" "$(q "$quiet" "SELECT
    count(*) FROM monitor_reports WHERE report_type = 'detectors'")" 6
kill $ipid
wait $ipid
ipid=
check "quiet follow: the expiry said" "$(grep -c '1 held labels expired' \
    quiet.err)" 1

# ---- a label after the TTL judgement: recomputed, not fed again ----
more=$(awk '{ match($0, /"id":"2-[0-9]+"/) } RSTART { print }' all.ndjson |
    awk -F'"' 'NR % 3 == 1 { print $8 }' | head -n 1)
m=$(grep "\"id\":\"$more\"" all.ndjson)
grep -q "\"id\":\"$more\"" sent.ndjson
check "one more label for window 2 (not sent yet)" $? 1
echo "$m" | "$ingest" --db "$s" -q --min-label-coverage 0.8
echo "$m" | sed -n 's/.*"id":"\([0-9]*-[0-9]*\)","true_class":\([0-9]*\)}/\1|\2/p' \
    > more.txt
sqlite3 -separator '|' exp.sqlite ".import more.txt l"
sqlite3 exp.sqlite "DELETE FROM w; DELETE FROM c;
    INSERT INTO w SELECT $W0 + b, count(*), count(t), sum(t = pred) FROM p
    LEFT JOIN l USING (id) GROUP BY b;
    INSERT INTO c SELECT $W0 + b, CAST(t AS INTEGER), CAST(pred AS INTEGER),
    count(*) FROM p JOIN l USING (id) GROUP BY b, t, pred;"
check "late label: window 2 recomputed exactly" "$(report | cut -d' ' -f2)" \
    "$((W0 + 2))|1|1|1|1|1|1"
check "late label: detectors not fed again" "$(q "$s" "SELECT count(*)
    FROM monitor_reports WHERE report_type = 'detectors'")" 6

# ---- the console: window starts, partial marks, coverage ----
frame() {
	TZ=UTC "$top" --db "$s" --once --tab "$1" --format text --width 120 \
	    --height 40
}
start=$(date -u -d "@$(((W0 + 6) * 30))" '+%Y-%m-%d %H:%M')
check "console: the window's start beside the newest batch" \
    "$(frame overview | grep -c "Latest batch $((W0 + 6)) \[$start UTC\]")" 1
check "console: batches judged on partial labels counted" \
    "$(frame overview | grep -c '6 batches judged on partial labels')" 1
check "console: the accuracy line says partial" \
    "$(frame overview | grep -c '(partial: 90% labelled)')" 1
check "console: coverage of the batch" "$(frame calibration |
    grep -c "($(q "$s" "SELECT n_labelled FROM batches WHERE batch_id =
    $((W0 + 6))") of 200 rows labelled)")" 1

# ---- the default (1.0): no window is judged on partial labels ----
slow nolab.ndjson | "$ingest" --db "$d" -q --window time:30s &
ipid=$!
slow late.ndjson | "$ingest" --db "$d" -q 2>/dev/null
wait $ipid
ipid=
check "default: no performance report" "$(q "$d" "SELECT count(*) FROM
    monitor_reports WHERE report_type = 'performance'")" 0

# ---- two processes, disjoint halves, one shared store ----
ev() { awk -v T0=$T0 -v STEP=0.15 -f "$awkf" plain.ndjson; }
ev > ev.ndjson
"$ingest" --db "$one" -q --window time:30s ev.ndjson
# In time: windows 0-2 to one process, 3-5 to the other.
awk -v W=$((T0 + 3 * 30)) 'NR <= 1001 || $0 ~ /"ts":/ &&
    substr($0, index($0, "\"ts\":") + 5, 10) + 0 < W' ev.ndjson > first.ndjson
awk -v W=$((T0 + 3 * 30)) 'NR <= 1001 || $0 ~ /"ts":/ &&
    substr($0, index($0, "\"ts\":") + 5, 10) + 0 >= W' ev.ndjson > second.ndjson
slow first.ndjson | "$ingest" --db "$two" -q --window time:30s &
ipid=$!
slow second.ndjson | "$ingest" --db "$two" -q --window time:30s
check "time halves: exit" $? 0
wait $ipid
ipid=
ids() {
	qrows "$1" "SELECT event_id, batch_id FROM predictions" | sort
}
ids "$one" > one.ids
ids "$two" > two.ids
yes_if "time halves: same batch for every id" cmp -s one.ids two.ids
for t in feature prediction performance; do
	qrows "$one" "SELECT batch_id, payload FROM monitor_reports WHERE
	    report_type = '$t' ORDER BY batch_id" > one.$t
	qrows "$two" "SELECT batch_id, payload FROM monitor_reports WHERE
	    report_type = '$t' ORDER BY batch_id" > two.$t
	yes_if "time halves: $t reports as one pass" cmp -s one.$t two.$t
done
# Interleaved (every other row), at once: every row once, in its window.
awk 'NR <= 1001 || NR % 2 == 0' ev.ndjson > even.ndjson
awk 'NR <= 1001 || NR % 2 == 1' ev.ndjson > odd.ndjson
slow even.ndjson | "$ingest" --db "$mix" -q --window time:30s &
ipid=$!
slow odd.ndjson | "$ingest" --db "$mix" -q --window time:30s
wait $ipid
ipid=
ids "$mix" > mix.ids
yes_if "interleaved halves: same batch for every id" cmp -s one.ids mix.ids
check "interleaved halves: rows judged or late, each once" "$(q "$mix" \
    "SELECT sum(n_rows) + coalesce((SELECT CAST(value AS INTEGER)
    FROM meta WHERE key = 'late_rows'), 0) FROM batches")" 1200
check "interleaved halves: nothing rejected" "$(q "$mix" "SELECT count(*)
    FROM rejected")" 0
finish
