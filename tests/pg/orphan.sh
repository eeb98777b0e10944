#!/bin/sh
# orphan.sh INGEST GEN (under tests/pg/with-pg): a batch only a dead
# writer was writing is taken over. Writer A logs batches 1-4 and 110
# rows of batch 5 (the first drifted one), its input kept open; writer B
# (same model, its own input: batch 6) runs beside it with --orphan-grace
# 2s. While A lives, batch 5 stays open however long it is quiet (A's
# session holds it). A is killed -9: B judges batch 5 once it has been
# quiet for the grace (its closed_at - its newest row's logged_at >= 2 s),
# over A's 110 stored rows, and sends its page (one per channel); then B
# ends. A started again on its whole input (batches 1-5 with their
# ends): rows A had stored are replays (skipped), batch 5's other 90 are
# late rows (stored, counted, not judged): no second report, no second
# page. Then a windowed writer's open window: left alone while it lives,
# taken over once it is killed -9.
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
. "$(dirname "$0")/lib.sh"
sandbox pg-orphan
apid=
bpid=
on_exit='[ -n "$apid" ] && kill -9 $apid 2>/dev/null;
    [ -n "$bpid" ] && kill -9 $bpid 2>/dev/null'

"$gen" --scenario abrupt --seed 11 --batches 6 >stream.ndjson ||
    { echo "FAIL mlmon-gen"; exit 1; }
# The head (schema, reference), each batch's rows and its end_batch.
awk '/"end_batch"/ { match($0, /"batch_id":[0-9]+/)
	print >("e." substr($0, RSTART + 11, RLENGTH - 11)); next }
	/"batch_id":/ { match($0, /"batch_id":[0-9]+/)
	print >("b." substr($0, RSTART + 11, RLENGTH - 11)); next }
	{ print >"head" }' stream.ndjson
cat head b.1 e.1 b.2 e.2 b.3 e.3 b.4 e.4 >a.in
head -n 110 b.5 >>a.in
cat head b.1 e.1 b.2 e.2 b.3 e.3 b.4 e.4 b.5 e.5 >a.all
flags="--quiet --flush-rows 50 --flush-ms 20"

# until_q WHAT SQL WANT: poll (0.1 s steps, 30 s at most) until SQL says
# WANT; checked.
until_q() {
	i=0
	while [ "$(pq "$2")" != "$3" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check "$1" "$(pq "$2")" "$3"
}

# writer FIFO NAME ARG...: an ingest of $url reading FIFO, in the
# background (NAME.out, NAME.err); its pid in wpid.
writer() {
	fifo=$1
	name=$2
	shift 2
	# shellcheck disable=SC2086
	"$ingest" --db "$url" $flags "$@" <"$fifo" >"$name.out" \
	    2>"$name.err" &
	wpid=$!
}

# writer_b NAME GRACE: writer B, its input the head and 100 rows of batch
# 6 (its fifo left open on fd 4), once they are stored.
writer_b() {
	writer b.fifo "$1" --orphan-grace "$2"
	bpid=$wpid
	exec 4>b.fifo
	cat head >&4
	head -n 100 b.6 >&4
	until_q "B ($1): 100 rows of batch 6 stored" \
	    "SELECT count(*) FROM predictions WHERE batch_id = 6" 100
}

mkfifo a.fifo b.fifo
writer a.fifo a
apid=$wpid
exec 3>a.fifo
cat a.in >&3
until_q "A: batches 1-4 judged, 110 rows of batch 5 stored" \
    "SELECT count(closed_at), (SELECT count(*) FROM predictions
    WHERE batch_id = 5) FROM batches" "4|110"
writer_b b 2s
# Past the grace (2 s quiet) and B's looks (every 0.5 s): A holds it.
sleep 3
check "A alive: batch 5 open though quiet for the grace" \
    "$(pq "SELECT count(*) FROM batches WHERE batch_id = 5
    AND closed_at IS NULL AND $(date +%s) - (SELECT max(logged_at)
    FROM predictions WHERE batch_id = 5) > 2")" 1
kill -9 "$apid"
wait "$apid" 2>/dev/null
apid=
exec 3>&-
until_q "A killed -9: B judges batch 5" \
    "SELECT count(closed_at) FROM batches WHERE batch_id = 5" 1
check "B judged it after the grace (quiet >= 2 s), over A's 110 rows" \
    "$(pq "SELECT n_rows, closed_at - (SELECT max(logged_at) FROM
    predictions WHERE batch_id = 5) >= 2 FROM batches
    WHERE batch_id = 5")" "110|t"
# B's own batch goes on: its other rows and its end.
tail -n +101 b.6 >&4
cat e.6 >&4
exec 4>&-
wait "$bpid"
check "B: exit" $? 0
bpid=
said='^mlmon-ingest: judged batch 5, which no live writer holds'
said="$said (its writer is gone; no row for 2 s)\$"
check "B said so" "$(grep -c "$said" b.err)" 1
check "B: no error" "$(grep '^mlmon-ingest:' b.err | grep -v \
    'judged batch 5' | head -3)" ""

# once WHAT: a ledger row per batch, all judged, one report set each,
# the drift's page once per channel (at batch 5, B's judgement).
once() {
	check "$1: 6 batches, all judged" "$(pq "SELECT count(*),
	    count(closed_at) FROM batches")" "6|6"
	check "$1: one report set per batch" "$(pq "SELECT count(*) FROM
	    (SELECT batch_id, report_type FROM monitor_reports GROUP BY
	    batch_id, report_type HAVING count(*) > 1) AS d")|$(pq "SELECT
	    count(DISTINCT batch_id) FROM monitor_reports
	    WHERE report_type = 'feature'")" "0|6"
	check "$1: the drift paged once per channel, at batch 5" \
	    "$(pq "SELECT batch_id, channel FROM alerts WHERE kind = 'firing'
	    ORDER BY channel")" "5|email
5|slack"
}
once "A dead, B alone"
reports=$(pq "SELECT count(*), max(id) FROM monitor_reports")
alerts=$(pq "SELECT count(*), max(id) FROM alerts")

# A again, on its whole input: replays and late rows, nothing judged.
# shellcheck disable=SC2086
"$ingest" --db "$url" --flush-rows 50 --flush-ms 20 <a.all >a2.out \
    2>a2.err
check "A again: exit" $? 0
# The head's 1001 lines, 90 late rows and 5 ends accepted; the 910 rows
# it had stored skipped (replays); no batch judged.
said='^mlmon-ingest: 1096 accepted (90 rows, 90 late), 910 skipped,'
said="$said 0 rejected, 0 batches,"
check "A again: batch 5's 90 rows it had not stored are late" \
    "$(grep -c "$said" a2.err)" 1
check "A again: batch 5 holds every row, its judged count unchanged" \
    "$(pq "SELECT (SELECT count(*) FROM predictions WHERE batch_id = 5),
    n_rows FROM batches WHERE batch_id = 5")" "200|110"
once "A again"
check "A again: no report written" \
    "$(pq "SELECT count(*), max(id) FROM monitor_reports")" "$reports"
check "A again: no alert decided" \
    "$(pq "SELECT count(*), max(id) FROM alerts")" "$alerts"
[ "$fails" -gt 0 ] && sed 's/^/a2: /' a2.err | tail -5

# A windowed writer (--window rows:100) holds its open window too: a
# batch_id writer of its model leaves it alone while it lives, however
# quiet, and judges it once it is killed -9.
pq "CREATE DATABASE win" >/dev/null
url=$(printf '%s' "$url" | sed "s|/mlmon_test?|/win?|")
sed 's/"batch_id":[0-9]*,"row_in_batch":[0-9]*,//' b.1 | head -n 150 |
    cat head - >w.in
writer a.fifo w --window rows:100 --idle-close 0
apid=$wpid
exec 3>a.fifo
cat w.in >&3
until_q "W: its first window judged, 50 rows in the second" \
    "SELECT count(closed_at), count(*) - count(closed_at), sum(CASE WHEN
    closed_at IS NULL THEN (SELECT count(*) FROM predictions p WHERE
    p.batch_id = b.batch_id) END) FROM batches b" "1|1|50"
open=$(pq "SELECT batch_id FROM batches WHERE closed_at IS NULL")
writer_b b2 1s
sleep 2	# past the grace (1 s) and B's looks (every 0.25 s)
check "W alive: its open window $open stays open" "$(pq "SELECT
    count(*) FROM batches WHERE batch_id = $open AND closed_at IS NULL")" 1
kill -9 "$apid"
wait "$apid" 2>/dev/null
apid=
exec 3>&-
until_q "W killed -9: B judges window $open" \
    "SELECT n_rows, closed_at IS NOT NULL FROM batches
    WHERE batch_id = $open" "50|t"
exec 4>&-
wait "$bpid"
check "B beside W: exit" $? 0
bpid=
check "B beside W said so" "$(grep -c "judged batch $open, which no live \
writer holds" b2.err)" 1
finish
