#!/bin/sh
# Retention's steady state by event time (issue 20's Done-when): ROWS
# predictions whose event times span the 10 days up to now, through
# --retain-rows 1d, labels inline (so every batch is final at close).
#  - size: the store file (sampled during the run, and at the end) stays
#    within 15% of what one day of rows needs: of a compact copy of what
#    it holds (VACUUM INTO: one day of rows, the ledger and every report,
#    kept); and the pages of the rows (the predictions table and its
#    indexes) within 15% of theirs in a store of the last day's stream
#    alone; the rows kept are one day's (plus at most two batches not
#    yet due or not yet pruned);
#  - the console's overview and drift history equal those of the same
#    stream without retention;
#  - crash replay: kill -9 while it prunes, then the whole stream again:
#    no batch half pruned, no pruned row back, every kept batch whole,
#    nothing pruned that was younger than a day, and the console's
#    history equal to the stream's without retention.
# make test runs it on 100,000 rows, make reliability on 2,000,000.
#
# usage: run-retain-steady.sh MLMON-INGEST MLMON-GEN MLMON-TOP ROWS [BATCH]
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
top=$(abspath "$3")
rows=$4
bs=${5:-1000}
sandbox retain-steady
ipid=""
on_exit='[ -n "$ipid" ] && kill -9 "$ipid" 2>/dev/null'

batches=$((rows / bs))
day_batches=$((batches / 10))
span=864000
t0=$(($(date +%s) - span))
step=$(awk "BEGIN { printf \"%.6f\", $span / $rows }")
# Batch b's newest event time (rows (b - 1) * bs .. b * bs - 1).
newest() { awk "BEGIN { printf \"%.3f\", $t0 + ($1 * $bs - 1) * $step }"; }
size() { wc -c <"$1" | tr -d ' '; }
# Pages of the rows: the predictions table and its indexes.
row_pages() { q "$1" "SELECT count(*) FROM dbstat WHERE name IN (SELECT
    name FROM sqlite_master WHERE tbl_name = 'predictions')"; }
now() { date +%s; }

"$gen" --scenario stable --batches "$batches" --batch-size "$bs" |
    awk -v T0="$t0" -v STEP="$step" '/"batch_id":/ && !/"type":/ {
	$0 = sprintf("{\"ts\":%.3f,", T0 + n++ * STEP) substr($0, 2) }
	{ print }' >all.ndjson
# The last day's batches alone, after the schema and reference records.
awk -v FIRST=$((batches - day_batches + 1)) '!/"batch_id":/ { print; next }
    { match($0, /"batch_id":[0-9]+/)
      if (substr($0, RSTART + 11, RLENGTH - 11) + 0 >= FIRST) print }' \
    all.ndjson >day.ndjson

# 1. Steady state.
"$ingest" --quiet --db r.db --retain-rows 1d all.ndjson &
ipid=$!
max=0
while kill -0 "$ipid" 2>/dev/null; do
	[ -f r.db ] && s=$(size r.db) && [ "$s" -gt "$max" ] && max=$s
	sleep 0.2
done
wait "$ipid"
check "steady: exit" $? 0
ipid=""
t_end=$(now)
final=$(size r.db)
[ "$final" -gt "$max" ] && max=$final
sqlite3 r.db "VACUUM INTO 'compact.db'"
compact=$(size compact.db)
"$ingest" --quiet --db day.db day.ndjson
check "one day alone: exit" $? 0
day=$(size day.db)
kept=$(q r.db "SELECT count(*) FROM predictions")
pruned=$(q r.db "SELECT count(*) FROM batches WHERE pruned_at IS NOT NULL")
r_pages=$(row_pages r.db)
d_pages=$(row_pages day.db)
free=$(q r.db "PRAGMA freelist_count")
echo "     $rows rows over 10 days, --retain-rows 1d: $kept rows kept" \
    "($pruned of $batches batches pruned); file $final bytes at the end," \
    "$max at most during the run ($free free pages); a compact copy of" \
    "what it holds $compact; the last day's stream alone $day; pages of" \
    "rows $r_pages, of the day alone's $d_pages"
check "steady: pruned batches hold no row" "$(q r.db "SELECT count(*)
    FROM predictions JOIN batches USING (model_id, batch_id)
    WHERE pruned_at IS NOT NULL")" 0
check "steady: one day of rows kept (+ at most 2 batches)" \
    "$([ "$kept" -ge $((day_batches * bs)) ] &&
    [ "$kept" -le $(((day_batches + 2) * bs)) ] && echo yes)" yes
check "steady: file within 15% of what one day of rows needs" \
    "$(awk "BEGIN { print ($max <= 1.15 * $compact) }")" 1
check "steady: rows' pages within 15% of one day's alone" \
    "$(awk "BEGIN { print ($r_pages <= 1.15 * $d_pages) }")" 1

# 2. The console's history equals the same stream's without retention.
"$ingest" --quiet --db n.db all.ndjson
check "no retention: exit" $? 0
for t in overview drift; do
	"$top" --once --format csv --tab $t --db n.db >n.$t.csv
	"$top" --once --format csv --tab $t --db r.db >r.$t.csv
	check "console $t equal" "$(cmp -s r.$t.csv n.$t.csv && echo yes)" yes
done

# 3. kill -9 at a point of the run (it prunes after every flush) once a
# quarter of the batches went, then the whole stream again.
"$ingest" --quiet --db k.db --retain-rows 1d all.ndjson &
ipid=$!
# pruned: batches pruned in k.db so far (0 before it has the table).
pruned() {
	v=$(q k.db "SELECT count(*) FROM batches WHERE pruned_at IS NOT NULL" \
	    2>/dev/null)
	echo "${v:-0}"
}
n=0
while [ "$(pruned)" -lt $((batches / 4)) ] && [ $n -lt 1200 ]; do
	sleep 0.02
	n=$((n + 1))
done
kill -9 "$ipid" 2>/dev/null
wait "$ipid" 2>/dev/null
ipid=""
at=$(q k.db "SELECT count(*) FROM batches WHERE pruned_at IS NOT NULL")
echo "     killed with $at batches pruned"
check "kill -9: while pruning" "$([ "$at" -gt 0 ] &&
    [ "$at" -lt $((batches - day_batches)) ] && echo yes)" yes
check "kill -9: a batch is kept whole or pruned whole" "$(q k.db "SELECT
    count(*) FROM batches b WHERE closed_at IS NOT NULL AND
    (SELECT count(*) FROM predictions p WHERE p.model_id = b.model_id
    AND p.batch_id = b.batch_id) NOT IN (0, b.n_rows)")" 0
"$ingest" --quiet --db k.db --retain-rows 1d all.ndjson
check "replay: exit" $? 0
t_check=$(now)
check "replay: no pruned row back" "$(q k.db "SELECT count(*) FROM
    predictions JOIN batches USING (model_id, batch_id)
    WHERE pruned_at IS NOT NULL")" 0
check "replay: every kept batch whole" "$(q k.db "SELECT count(*) FROM
    batches b WHERE pruned_at IS NULL AND n_rows <> (SELECT count(*)
    FROM predictions p WHERE p.model_id = b.model_id
    AND p.batch_id = b.batch_id)")" 0
last=$(q k.db "SELECT max(batch_id) FROM batches WHERE pruned_at IS NOT
    NULL")
check "replay: nothing younger than a day pruned" "$(awk "BEGIN {
    print ($(newest "$last") < $t_check - 86400) }")" 1
check "replay: no late row" "$(q k.db "SELECT coalesce(sum(value), 0)
    FROM meta WHERE key = 'late_rows'")" 0
for t in overview drift; do
	"$top" --once --format csv --tab $t --db k.db >k.$t.csv
	check "replay: console $t equal" \
	    "$(cmp -s k.$t.csv n.$t.csv && echo yes)" yes
done
echo "     steady run ended $((t_check - t_end)) s before the check"

finish
