#!/bin/sh
# restart.sh INGEST GEN (under tests/pg/with-pg): the server restarted
# while ingest waits for input. Ingest reads a pipe: the first half of a
# stream, committed; the server stopped; the second half; the server
# started 2 s later. Ingest says on stderr that it lost the connection and
# reconnected, exits 0, and the store holds every row once and the same
# reports as one ingest of the whole stream into SQLite.
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
url=${MLMON_TEST_PG:?run under tests/pg/with-pg}
psql="${MLMON_TEST_PG_BIN:?}/psql"
ctl="${MLMON_TEST_PG_DIR:?}/ctl"
sandbox pg-restart

pq() {
	"$psql" -X -q -At -v ON_ERROR_STOP=1 -d "$url" -c "$1" 2>/dev/null
}

"$gen" --scenario abrupt --seed 5 --batches 8 >stream.ndjson ||
    { echo "FAIL mlmon-gen"; exit 1; }
"$ingest" --db one.db --quiet <stream.ndjson
check "one ingest into SQLite: exit" "$?" 0
# The first half: up to batch 4's end_batch.
cut=$(grep -n '"type":"end_batch","batch_id":4}' stream.ndjson | cut -d: -f1)
head -n "$cut" stream.ndjson >part1
tail -n +"$((cut + 1))" stream.ndjson >part2

mkfifo in
"$ingest" --db "$url" --quiet <in >out 2>err &
pid=$!
on_exit="kill $pid 2>/dev/null"
exec 3>in
cat part1 >&3
# Committed: batch 4 closed (the idle flush commits within 200 ms).
i=0
while [ "$(pq "SELECT count(closed_at) FROM batches")" != 4 ] &&
    [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the first half is committed" "$(pq "SELECT count(*) FROM
    predictions")" 800
# Down, the second half sent, up again 2 s later: ingest waits for it.
# (The server must not inherit the pipe's end: ingest would never see EOF.)
"$ctl" stop -m fast >/dev/null 2>&1 3>&-
(sleep 2; "$ctl" start >/dev/null 2>&1) 3>&- &
starter=$!
cat part2 >&3
exec 3>&-
wait "$starter"
wait "$pid"
check "ingest across the restart: exit" "$?" 0
yes_if "ingest says it lost the connection" grep -q 'reconnecting' err
yes_if "ingest says it reconnected, having waited" \
    grep -q 'reconnected after [1-9]' err
check "every row once" "$(pq "SELECT count(*), count(DISTINCT (batch_id,
    row_in_batch)) FROM predictions")" "1600|1600"
reports() {
	echo "SELECT batch_id, report_type, payload FROM monitor_reports
	    WHERE report_type IN ('feature', 'prediction', 'performance')
	    ORDER BY batch_id, report_type;"
}
reports | sqlite3 one.db >one.reports
reports | "$psql" -X -q -At -d "$url" >pg.reports
yes_if "reports of every batch" [ "$(wc -l <one.reports)" -ge 16 ]
check "the reports are one SQLite ingest's" \
    "$(cmp one.reports pg.reports 2>&1)" ""
finish
