#!/bin/sh
# Producers without batch ids (issue 14), over the real binary and real
# stores: time and row windows give the same reports as the same
# rows sent with batch ids; a repeated id is a replay (skipped) or a
# conflict (rejected, naming the earlier line); labels by id in random
# order, some before their prediction, twice, conflicting, for ids that
# never come, with a TTL; bad ids, times and window misuse are rejected
# with their line and exit 65; two processes windowing disjoint halves
# agree on batch ids; a schema 2 store migrates and takes ids. On either
# backend (lib.sh's store: under tests/pg/with-pg, PostgreSQL; the schema
# 2 store is a SQLite file of an earlier release, so SQLite's alone). Ids
# are read as the producer wrote them: ltrim(event_id, '"') (PostgreSQL
# stores a text id after a '"').
#
# usage: run-events.sh MLMON_INGEST MLMON_GEN MLMON_TOP SRCDIR
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
top=$(abspath "$3")
src=$(abspath "$4")
awkf="$src/tests/ingest/events.awk"
sandbox events
ref=$(store ref)
t=$(store t)
r=$(store r)
h1=$(store h1)
h2=$(store h2)
l=$(store l)
a=$(store a)
b=$(store b)
b2=$(store b2)

T0=1796541000
"$gen" --scenario abrupt --batches 6 --no-end-batch > plain.ndjson
# 200 rows per batch, 0.15 s apart: each batch is one 30 s window.
awk -v T0=$T0 -v STEP=0.15 -f "$awkf" plain.ndjson > ev.ndjson
"$ingest" --db "$ref" -q plain.ndjson

# The reports of type $3 in $1 and $2, batch by batch, are the same.
same_reports() {
	for ty in feature prediction performance; do
		ra=$(qrows "$1" "SELECT payload FROM monitor_reports WHERE
		    report_type = '$ty' ORDER BY batch_id" | cksum)
		rb=$(qrows "$2" "SELECT payload FROM monitor_reports WHERE
		    report_type = '$ty' ORDER BY batch_id" | cksum)
		[ "$ra" = "$rb" ] || return 1
	done
}

# ---- time windows: same reports, batch ids floor(ts / 30 s) ----
"$ingest" --db "$t" -q --window time:30s ev.ndjson
check "time: exit" $? 0
check "time: batch ids" "$(q "$t" "SELECT DISTINCT batch_id
    FROM predictions ORDER BY 1")" \
    "$(q "$t" "SELECT DISTINCT event_ts / 30000000 FROM predictions
    ORDER BY 1")"
check "time: first batch" "$(q "$t" "SELECT min(batch_id) FROM batches")" \
    $(((T0 + 200 * 3 / 20) / 30))
yes_if "time: reports equal the batch_id run" same_reports "$ref" "$t"
check "time: ids and times stored" "$(q "$t" "SELECT count(DISTINCT
    event_id), count(event_ts), count(src_line) FROM predictions")" \
    "1200|1200|1200"

# ---- replay and conflict ----
"$ingest" --db "$t" --window time:30s ev.ndjson 2> replay.err
check "replay: exit" $? 0
check "replay: all skipped" "$(grep -c '1200 skipped, 0 rejected' \
    replay.err)" 1
sed -n '1010p' ev.ndjson | sed 's/"features":\[[^,]*,/"features":[0.5,/' \
    > other.ndjson
"$ingest" --db "$t" --window time:30s other.ndjson 2> conflict.err
check "conflict: exit" $? 65
check "conflict: names both lines" "$(sed -n 1p conflict.err)" \
    "other.ndjson:1: id \"1-8\" is logged with other content (line 1010, batch $(((T0 + 1 * 30) / 30)))"
check "conflict: row unchanged" "$(q "$t" "SELECT count(*) FROM
    predictions")" 1200

# ---- row windows: 150 rows per batch, the counter survives a restart ----
head -1401 ev.ndjson > part1.ndjson
tail -n +1402 ev.ndjson > part2.ndjson
"$ingest" --db "$r" -q --window rows:150 part1.ndjson
"$ingest" --db "$r" -q --window rows:150 part2.ndjson
# End of input closes the partial batch; the next run starts a new one.
check "rows: batches of 150" "$(q "$r" "SELECT n_rows FROM batches
    ORDER BY batch_id")" "150 150 100 150 150 150 150 150 50"
check "rows: counter stored" "$(q "$r" "SELECT next_row FROM
    input_positions WHERE source = 'input'")" 1350

# ---- two processes, disjoint halves of one stream ----
# Each windows its half alone: every row gets the batch the whole stream
# gives it, whichever process saw it.
awk 'NR <= 1001 || NR % 2 == 0' ev.ndjson > even.ndjson
awk 'NR <= 1001 || NR % 2 == 1' ev.ndjson > odd.ndjson
"$ingest" --db "$h1" -q --window time:30s even.ndjson &
pid=$!
"$ingest" --db "$h2" -q --window time:30s odd.ndjson
wait $pid
{ qrows "$h1" "SELECT event_id, batch_id FROM predictions"
  qrows "$h2" "SELECT event_id, batch_id FROM predictions"; } |
    sort > halves.txt
qrows "$t" "SELECT event_id, batch_id FROM predictions" | sort > whole.txt
yes_if "halves: the same batch for every id" cmp -s halves.txt whole.txt
check "halves: every row once" "$(wc -l < halves.txt | tr -d ' ')" 1200

# ---- labels by id ----
# Predictions without labels; the labels of 90% of them in a random order,
# the first tenth before any prediction, some twice, some conflicting,
# and some for ids that never come.
awk -v T0=$T0 -v STEP=0.15 -v NOLABEL=1 -f "$awkf" plain.ndjson > nolab.ndjson
awk -v T0=$T0 -v STEP=0.15 -v LABELS=1 -f "$awkf" plain.ndjson |
    awk 'NR % 10 != 3' > labels.ndjson
# A fixed shuffle (no shuf --random-source dependence): sort by a hash.
awk '{ h = 0; for (i = 1; i <= length($0); i++)
	h = (h * 31 + index("0123456789-", substr($0, i, 1))) % 1000003;
	print h "\t" $0 }' labels.ndjson | sort -n | cut -f2- > shuffled.ndjson
n=$(wc -l < shuffled.ndjson)
head -n $((n / 10)) shuffled.ndjson > early.ndjson
tail -n +$((n / 10 + 1)) shuffled.ndjson > late.ndjson
{
	cat late.ndjson
	head -n 50 late.ndjson				# twice: no-ops
	echo '{"type":"label","id":"9-9","true_class":1}'	# never comes
	echo '{"type":"label","id":"nope","true_class":0}'	# never comes
} > late2.ndjson
# A conflicting label for an id that is labelled.
c=$(sed -n 5p late.ndjson | sed 's/.*"id":"\([^"]*\)".*"true_class":\([0-9]\).*/\1 \2/')
cid=${c% *}
cval=${c#* }
echo "{\"type\":\"label\",\"id\":\"$cid\",\"true_class\":$(((cval + 1) % 3))}" >> late2.ndjson
"$ingest" --db "$l" -q early.ndjson
check "labels: held before predictions" "$(q "$l" "SELECT count(*) FROM
    pending_labels")" $((n / 10))
"$ingest" --db "$l" -q --window time:30s nolab.ndjson
check "labels: held ones applied on arrival" "$(q "$l" "SELECT count(*)
    FROM pending_labels")" 0
"$ingest" --db "$l" -q late2.ndjson 2> labels.err
check "labels: exit 65 for the conflict" $? 65
check "labels: the conflict named" "$(grep -c "late2.ndjson:$((n - n / 10 + 53)): label for id \"$cid\" differs from the stored one ($cval, new $(((cval + 1) % 3)))" labels.err)" 1
check "labels: never-coming ids held" "$(q "$l" "SELECT count(*) FROM
    pending_labels")" 2
# Every stored label is the scenario's, on exactly the labelled 90%.
sed 's/.*"id":"\([^"]*\)","true_class":\([0-9]*\)}/\1|\2/' labels.ndjson |
    sort > want-labels.txt
qrows "$l" "SELECT ltrim(event_id, '\"'), true_class FROM predictions
    WHERE true_class IS NOT NULL" | sort > got-labels.txt
yes_if "labels: exactly the sent labels stored" cmp -s want-labels.txt \
    got-labels.txt
check "labels: ledger counts" "$(q "$l" "SELECT sum(n_labelled) FROM
    batches")" "$(wc -l < want-labels.txt | tr -d ' ')"
# With a 1 s TTL the two held labels expire and are counted.
sleep 1.2
echo '{"type":"label","id":"also-never","true_class":0}' |
    "$ingest" --db "$l" -q --label-ttl 1s 2> ttl.err
check "labels: expired counted" "$(q "$l" "SELECT value FROM meta WHERE
    key = 'labels_expired'")" 2
check "labels: one held after expiry" "$(q "$l" "SELECT count(*) FROM
    pending_labels")" 1
# All labels of a batch by id: its performance report is the inline one.
awk -v T0=$T0 -v STEP=0.15 -v LABELS=1 -f "$awkf" plain.ndjson > all.ndjson
"$ingest" --db "$a" -q --window time:30s nolab.ndjson
"$ingest" --db "$a" -q all.ndjson
yes_if "labels: performance reports equal the inline run" same_reports \
    "$ref" "$a"

# ---- bad input: a line number, a reason, exit 65, the rest kept ----
{
	sed -n 1002p ev.ndjson | sed 's/"ts":[0-9.]*/"ts":"2026-12-06T07:12:10"/'
	sed -n 1003p ev.ndjson | sed 's/"ts":[0-9.]*/"ts":"2026-12-06T25:00:00Z"/'
	sed -n 1004p ev.ndjson | sed 's/"ts":[0-9.]*/"ts":"99999-12-06T07:12:10Z"/'
	sed -n 1005p ev.ndjson | sed 's/"id":"[^"]*"/"id":1.5/'
	sed -n 1006p ev.ndjson | sed 's/"id":"[^"]*"/"id":""/'
	sed -n 1007p ev.ndjson | sed "s/\"id\":\"[^\"]*\"/\"id\":\"$(printf '%0129d' 0)\"/"
	sed -n 1008p ev.ndjson | sed 's/{"id"/{"batch_id":3,"id"/'
	sed -n 1009p ev.ndjson | sed 's/"ts":[0-9.]*,//'
	echo '{"type":"label","id":"1-9"}'
	sed -n 1010p ev.ndjson
} > bad.ndjson
"$ingest" --db "$b" --window time:30s bad.ndjson 2> bad.err
check "bad: exit" $? 65
check "bad: reasons by line" "$(cut -d: -f2- bad.err | sed -n 1,9p |
    tr '\n' '/')" \
"1: ts has no time zone (end it with Z or +HH:MM)/\
2: ts hour 25 is out of range/\
3: ts year must be 4 digits (YYYY-MM-DDTHH:MM:SSZ)/\
4: id is not an integer (a number id must be written as one)/\
5: id is empty/\
6: id is 129 bytes, more than 128/\
7: batch_id is given, but ingest windows this stream (--window): send one or the other/\
8: missing field ts (--window time needs the event time of every prediction)/\
9: missing field true_class/"
check "bad: the good line kept" "$(q "$b" "SELECT ltrim(event_id, '\"') FROM
    predictions")" "1-8"
check "bad: rejected rows stored" "$(q "$b" "SELECT count(*) FROM
    rejected")" 9
sed -n 1002p ev.ndjson | "$ingest" --db "$b2" 2> nobatch.err
check "bad: no batch_id without --window" "$(cat nobatch.err | sed -n 1p)" \
    "stdin:1: missing field batch_id"

# ---- a schema 2 store migrates: same numbers, then takes ids ----
# (a SQLite file: SQLite's alone)
[ "$backend" = sqlite ] || { finish; exit; }
cp "$src/tests/fixtures/store-v2.db" v2.db
chmod u+w v2.db
# The console's numbers of every tab, without the clock's.
console() {
	for tab in overview drift calibration alerts; do
		"$top" --db v2.db --once --tab $tab --format json |
		    sed 's/"now":[0-9.e+]*,//; s/"last_write_age_s":[0-9.e+]*,//'
	done
}
console > before.json
check "v2: read as version 2" "$(q v2.db "PRAGMA user_version")" 2
"$ingest" --db v2.db -q < /dev/null
check "v2: migrated to 7" "$(q v2.db "PRAGMA user_version")" 7
console > after.json
yes_if "v2: console numbers unchanged" cmp -s before.json after.json
yes_if "v2: console has numbers" grep -q '"accuracy":0.94' after.json
check "v2: reports unchanged" "$(q v2.db "SELECT count(*) FROM
    monitor_reports")" "$(q "$src/tests/fixtures/store-v2.db" "SELECT
    count(*) FROM monitor_reports")"
"$gen" --scenario abrupt --batches 2 --batch-size 100 --first-batch 13 \
    --reference-rows 300 --no-schema --no-end-batch |
    grep '^{"batch_id"' |
    sed 's/^{"batch_id":\([0-9]*\),"row_in_batch":\([0-9]*\),/{"id":"n-\1-\2",&/; s/,{"batch_id"/,"batch_id"/' \
    > more.ndjson
"$ingest" --db v2.db -q more.ndjson
check "v2: new rows with ids" "$(q v2.db "SELECT count(event_id),
    count(DISTINCT batch_id) FROM predictions WHERE batch_id >= 13")" \
    "200|2"

finish
