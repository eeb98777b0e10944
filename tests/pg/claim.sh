#!/bin/sh
# claim.sh INGEST GEN [BATCHES] (under tests/pg/with-pg): judged once with
# many writers. 2, then 4 ingest processes started together on one
# PostgreSQL store feed the same batches, each from its own share of them
# on (small flushes, so that their transactions interleave): each batch is claimed by one of them (its
# ledger row locked FOR UPDATE SKIP LOCKED), so the store holds exactly one
# report set per (model, batch), one ledger row per batch with every row
# counted once, and one page per alert condition and transition; the
# reports that depend only on the batch (feature, prediction, performance)
# are byte for byte those of one ingest into SQLite. Then 4 ingests of a
# stream of BATCHES batches (default 40; make reliability runs a minute),
# one of them killed -9 mid-run and started again on its input: nothing
# lost or doubled, and still one report set per batch and one page per
# condition and transition.
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
url=${MLMON_TEST_PG:?run under tests/pg/with-pg}
psql="${MLMON_TEST_PG_BIN:?}/psql"
sandbox pg-claim

pq() {
	"$psql" -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2" 2>&1
}

long=${3:-40}
batches=16
"$gen" --scenario abrupt --seed 11 --batches $batches >stream.ndjson ||
    { echo "FAIL mlmon-gen"; exit 1; }
"$ingest" --db one.db --quiet <stream.ndjson 2>one.err
check "one ingest into SQLite: exit" "$?" 0
# The stream's head (schema, reference) and its batches, one file each.
awk '/"batch_id":/ { match($0, /"batch_id":[0-9]+/)
	print >("b." substr($0, RSTART + 11, RLENGTH - 11)); next }
	{ print >"head" }' stream.ndjson

# rotated N I: the same batches, writer I of N starting at its share.
rotated() {
	cat head
	for k in $(seq 0 $((batches - 1))); do
		cat "b.$(( (k + (batches * ($2 - 1)) / $1) % batches + 1 ))"
	done
}

reports() {
	echo "SELECT batch_id, report_type, payload FROM monitor_reports
	    WHERE report_type IN ('feature', 'prediction', 'performance')
	    ORDER BY batch_id, report_type;"
}
reports | sqlite3 one.db >one.reports
yes_if "one ingest into SQLite: reports" [ -s one.reports ]

# once WHAT DB BATCHES: every batch judged once, every row stored once.
once() {
	check "$1: one ledger row per batch, every row once" \
	    "$(pq "$2" "SELECT count(*), sum(n_rows), count(closed_at)
	    FROM batches")" "$3|$(($3 * 200))|$3"
	check "$1: every row stored once" \
	    "$(pq "$2" "SELECT count(*) FROM predictions")" \
	    "$(($3 * 200))"
	check "$1: one report set per batch" \
	    "$(pq "$2" "SELECT count(*) FROM (SELECT batch_id, report_type,
	    count(*) AS n FROM monitor_reports GROUP BY batch_id,
	    report_type HAVING count(*) > 1) AS d")|$(pq "$2" "SELECT
	    count(DISTINCT batch_id) FROM monitor_reports WHERE
	    report_type = 'feature'")" "0|$3"
	check "$1: one page per condition and transition" \
	    "$(pq "$2" "SELECT count(*) FROM (SELECT condition_key, kind,
	    batch_id, channel FROM alerts GROUP BY condition_key, kind,
	    batch_id, channel HAVING count(*) > 1) AS d")" 0
	yes_if "$1: pages were sent" \
	    [ "$(pq "$2" "SELECT count(*) FROM alerts
	    WHERE kind = 'firing'")" -gt 0 ]
}

for n in 2 4; do
	db=$(printf '%s' "$url" | sed "s|/mlmon_test?|/writers$n?|")
	pq "$url" "CREATE DATABASE writers$n" >/dev/null
	pids=
	for i in $(seq "$n"); do
		rotated "$n" "$i" >"in$n.$i"
	done
	for i in $(seq "$n"); do
		"$ingest" --db "$db" --flush-rows 50 --flush-ms 20 \
		    <"in$n.$i" >"out$n.$i" 2>"err$n.$i" &
		pids="$pids $!"
	done
	ok=0
	for p in $pids; do
		wait "$p" && ok=$((ok + 1))
	done
	check "$n ingests of the same batches: all exit 0" "$ok" "$n"
	check "$n ingests: no error" "$(cat err$n.* | grep '^mlmon-ingest:' |
	    grep -v ' accepted (' | head -3)" ""
	once "$n ingests" "$db" "$batches"
	reports | "$psql" -X -q -At -d "$db" >"pg$n.reports"
	check "$n ingests: the batch's reports are one SQLite ingest's" \
	    "$(cmp one.reports "pg$n.reports" 2>&1)" ""
	judges=0
	for i in $(seq "$n"); do
		[ "$(grep -c '^batch [0-9]*: 200 rows' "err$n.$i")" -gt 0 ] &&
		    judges=$((judges + 1))
	done
	yes_if "$n ingests: more than one of them judged batches ($judges)" \
	    [ "$judges" -gt 1 ]
done
# 4 writers of a longer stream, one killed -9 mid-run and restarted.
"$gen" --scenario abrupt --seed 12 --batches "$long" >long.ndjson ||
    { echo "FAIL mlmon-gen"; exit 1; }
pq "$url" "CREATE DATABASE killed" >/dev/null
db=$(printf '%s' "$url" | sed "s|/mlmon_test?|/killed?|")
pids=
for i in 1 2 3 4; do
	"$ingest" --db "$db" --quiet --flush-rows 50 --flush-ms 20 \
	    <long.ndjson >"kout.$i" 2>"kerr.$i" &
	pids="$pids $!"
	[ "$i" = 2 ] && victim=$!
done
# Mid-run: once a quarter of the batches are judged.
i=0
while [ $i -lt 600 ]; do
	n=$(pq "$db" "SELECT count(closed_at) FROM batches" 2>/dev/null)
	case $n in
	''|*[!0-9]*) n=0 ;;
	esac
	[ "$n" -ge $((long / 4)) ] && break
	sleep 0.1
	i=$((i + 1))
done
kill -9 "$victim"
judged=$(pq "$db" "SELECT count(closed_at) FROM batches")
"$ingest" --db "$db" --quiet --flush-rows 50 --flush-ms 20 \
    <long.ndjson >kout.again 2>kerr.again &
pids="$pids $!"
ok=0
for p in $pids; do
	wait "$p" && ok=$((ok + 1))
done
check "killed -9 with $judged of $long batches judged: the others and the \
restart exit 0" "$ok" 4
check "killed -9: no error" "$(cat kerr.* | head -3)" ""
once "killed -9 and restarted" "$db" "$long"
finish
