#!/bin/sh
# Retention (--retain-rows): a stream of 80,000 predictions over about 8 s
# through --retain-rows 2s.
#  - steady state: the rows stop growing (their pages per kept row after
#    batch 200 stay within 15% of that at batch 200; reports, kept, still
#    grow by about 3 kB a batch) and the file ends within
#    15% of a compact copy of what it holds (VACUUM INTO: the kept rows,
#    the ledger, reports, alerts), so pruned pages are reused;
#  - the console's overview and drift history equal the same stream's
#    without retention; the calibration tab of a pruned batch says
#    rows_pruned;
#  - kill -9 during pruning loses no kept row and no report, and sending
#    the whole stream again brings no pruned row back.
#
# usage: run-retain.sh MLMON-INGEST MLMON-GEN MLMON-TOP
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
top=$(abspath "$3")
sandbox retain

"$gen" --scenario stable --batches 400 --batch-size 200 >all.ndjson
# size DB: bytes of the file.
size() { wc -c <"$1" | tr -d ' '; }

# 1. Steady state: the stream at 10,000 rows/s, the size sampled.
"$gen" --scenario stable --batches 400 --batch-size 200 --rate 10000 |
    "$ingest" --quiet --db r.db --retain-rows 2s &
ipid=$!
: >sizes
while kill -0 "$ipid" 2>/dev/null; do
	# Pages of the rows (table and index, WAL included), of the whole
	# file, and the newest batch then.
	[ -f r.db ] && { q r.db "SELECT (SELECT count(*) FROM dbstat
	    WHERE name IN ('predictions', 'predictions_batch_model_row')),
	    (SELECT page_count FROM pragma_page_count),
	    (SELECT coalesce(max(batch_id), 0) FROM batches),
	    (SELECT count(*) FROM predictions)" 2>/dev/null
	    echo; } >>sizes
	sleep 0.2
done
wait "$ipid"
check "retain: exit" $? 0
# From batch 200 on (the retained 2 s hold about 100 batches).
# Pages per 1,000 kept rows: at batch 200, and the most after it (how
# many rows the window holds varies with the pace of a loaded machine).
half=$(awk -F'|' '$3 >= 200 { printf "%.1f", 1000 * $1 / $4; exit }' sizes)
late_max=$(awk -F'|' '$3 >= 200 && 1000 * $1 / $4 > m {
    m = 1000 * $1 / $4 } END { printf "%.1f", m }' sizes)
final=$(size r.db)
sqlite3 r.db "VACUUM INTO 'compact.db'"
compact=$(size compact.db)
kept=$(q r.db "SELECT count(*) FROM predictions")
pruned=$(q r.db "SELECT count(*) FROM batches WHERE pruned_at IS NOT NULL")
echo "     $kept rows kept, $pruned of 400 batches pruned; $half pages" \
    "per 1000 kept rows at batch 200, $late_max at most after; file" \
    "$final bytes at the end, its compact copy $compact"
check "retain: batches pruned" "$([ "$pruned" -ge 250 ] && echo yes)" yes
check "retain: pruned batches hold no row" "$(q r.db "SELECT count(*)
    FROM predictions JOIN batches USING (batch_id)
    WHERE pruned_at IS NOT NULL")" 0
check "retain: unpruned batches hold every row" "$(q r.db "SELECT
    count(*) FROM batches WHERE pruned_at IS NULL AND n_rows <>
    (SELECT count(*) FROM predictions p
    WHERE p.batch_id = batches.batch_id)")" 0
check "retain: rows stop growing (pages per row within 15% after batch 200)" \
    "$(awk "BEGIN { print ($late_max <= 1.15 * $half) }")" 1
check "retain: within 15% of a compact copy" \
    "$(awk "BEGIN { print ($final <= 1.15 * $compact) }")" 1

# 2. The console's history equals the same stream's without retention.
"$ingest" --quiet --db n.db all.ndjson
check "no retention: exit" $? 0
for t in overview drift; do
	"$top" --once --format csv --tab $t --db r.db >r.$t.csv
	"$top" --once --format csv --tab $t --db n.db >n.$t.csv
	check "console $t equal" "$(cmp -s r.$t.csv n.$t.csv && echo yes)" yes
done
b=$(q r.db "SELECT min(batch_id) FROM batches WHERE pruned_at IS NOT NULL")
"$top" --once --format json --tab calibration --batch "$b" --db r.db >c.json
check "calibration of a pruned batch: rows pruned" \
    "$(grep -c '"exists":false,"labelled":false,"rows_pruned":true' c.json)" 1

# 3. kill -9 while pruning: a store with every batch due, a stream that
# keeps flushing (each flush prunes 2,000 rows).
"$ingest" --quiet --db k.db all.ndjson
reports=$(q k.db "SELECT count(*) FROM monitor_reports")
sleep 1.1
"$gen" --scenario stable --batches 50 --batch-size 200 --first-batch 401 \
    --no-schema --rate 20000 | grep -v '"type":"reference"' |
    "$ingest" --quiet --db k.db --retain-rows 1s --flush-rows 200 &
ipid=$!
sleep 0.6
kill -9 "$ipid" 2>/dev/null
wait "$ipid" 2>/dev/null
done_b=$(q k.db "SELECT count(*) FROM batches WHERE pruned_at IS NOT NULL")
echo "     killed with $done_b batches pruned"
check "kill -9: some pruned, not all" \
    "$([ "$done_b" -gt 0 ] && [ "$done_b" -lt 400 ] && echo yes)" yes
check "kill -9: a batch is kept whole or pruned whole" "$(q k.db "SELECT
    count(*) FROM batches WHERE closed_at IS NOT NULL AND
    n_rows <> (SELECT count(*) FROM
    predictions p WHERE p.batch_id = batches.batch_id) AND
    (pruned_at IS NULL OR EXISTS (SELECT 1 FROM predictions p
    WHERE p.batch_id = batches.batch_id))")" 0
check "kill -9: reports kept" "$([ "$(q k.db "SELECT count(*) FROM
    monitor_reports WHERE batch_id <= 400")" = "$reports" ] && echo yes)" yes
# The whole stream again (a replay after the crash): nothing pruned
# comes back, nothing is late.
"$ingest" --quiet --db k.db all.ndjson
check "replay after kill: exit" $? 0
check "replay: no pruned row back" "$(q k.db "SELECT count(*) FROM
    predictions JOIN batches USING (batch_id)
    WHERE pruned_at IS NOT NULL")" 0
check "replay: no late row" "$(q k.db "SELECT coalesce(sum(value), 0)
    FROM meta WHERE key = 'late_rows'")" 0

finish
