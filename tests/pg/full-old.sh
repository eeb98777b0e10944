#!/bin/sh
# full.sh INGEST GEN (under tests/pg/with-pg): the database full. The
# server is started again with a file size limit (RLIMIT_FSIZE 17 MB:
# above a WAL segment's 16 MB, below what the stream's predictions need;
# PostgreSQL ignores SIGXFSZ and gets a short write: "could not extend
# file"), and `mlmon-ingest --follow` reads a stream of 14,000 rows of 120
# features. It stops when the table cannot grow: exit 1, "the database is
# full" on stderr, the lines not stored named; what it counted as
# accepted is what the store holds, and the input position stored with
# the last commit is exactly where the stored rows end. The server started
# again without the limit (space freed), the same --follow goes on from
# that position: every row once, and the reports, alerts and ledger of one
# uninterrupted ingest of the stream into SQLite.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
sandbox pg-full

command -v prlimit >/dev/null 2>&1 ||
    { echo "FAIL prlimit (util-linux) is missing"; exit 1; }

batches=70
rows=$((batches * 200))
"$gen" --scenario abrupt --seed 7 --features 120 --batches $batches \
    >stream.ndjson || { echo "FAIL mlmon-gen"; exit 1; }
"$ingest" --db one.db --quiet stream.ndjson 2>one.err
check "one ingest into SQLite: exit" "$?" 0

"$ctl" stop -m fast >/dev/null 2>&1
prlimit --fsize=17000000 "$ctl" start >/dev/null 2>&1
check "the server started with a 17 MB file size limit" "$?" 0
"$ingest" --db "$url" --follow stream.ndjson >out 2>err &
pid=$!
on_exit="kill $pid 2>/dev/null"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill "$pid" 2>/dev/null
wait "$pid"
check "the database full: ingest exits 1" "$?" 1
on_exit=""
tail -n 3 err | sed "s/^/     | /"
yes_if "it says the database is full" grep -q ': the database is full (the server could not write: could not extend file' err
yes_if "it names the lines not stored" \
    grep -q 'not stored: stream.ndjson lines [0-9]*-[0-9]* ([0-9]* rows of batch' err
stored=$(pq "SELECT count(*) FROM predictions")
echo "     $stored of $rows rows stored"
yes_if "some rows stored, not all" [ "$stored" -gt 0 -a "$stored" -lt $rows ]
check "accepted as counted is what is stored" \
    "$(sed -n 's/.* accepted (\([0-9]*\) rows.*/\1/p' err)" "$stored"
line=$(pq "SELECT line FROM input_positions")
check "the position stored is where the stored rows end" \
    "$(head -n "$line" stream.ndjson | grep -c '"row_in_batch"')" "$stored"
check "and no row past it is stored" "$(pq "SELECT count(*) FROM
    predictions WHERE src_line > $line")" 0

# Space freed: the server again without the limit, the same --follow.
"$ctl" restart -m fast >/dev/null 2>&1
check "the server restarted without the limit" "$?" 0
"$ingest" --db "$url" --follow stream.ndjson >out2 2>err2 &
pid=$!
on_exit="kill $pid 2>/dev/null"
i=0
while [ "$(pq "SELECT count(closed_at) FROM batches")" != $batches ] &&
    [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM "$pid"
wait "$pid"
on_exit=""
yes_if "it went on from the stored position (nothing skipped)" \
    grep -q " ($((rows - stored)) rows), 0 skipped, 0 rejected" err2
check "every row once" "$(pq "SELECT count(*), count(DISTINCT (batch_id,
    row_in_batch)) FROM predictions")" "$rows|$rows"
same one.db "reports" "SELECT batch_id, report_type, payload FROM monitor_reports
    ORDER BY batch_id, report_type;"
same one.db "alerts" "SELECT batch_id, severity, channel, message, kind, status,
    condition_key FROM alerts ORDER BY id;"
same one.db "the ledger" "SELECT batch_id, n_rows, n_labelled FROM batches
    ORDER BY batch_id;"
finish
