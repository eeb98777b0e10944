#!/bin/sh
# midstream.sh INGEST GEN [BATCHES] [RESTARTS] [MODELS] [follow]
# (under tests/pg/with-pg):
# the server restarted inside flushes. One ingest reads a stream of
# BATCHES batches (default 150, 200 rows each; at most 5,000 rows/s) in
# transactions of 5,000 rows, so that nearly all of its time is inside
# one; the server is restarted RESTARTS times (default 3) while it runs, by turns
# `-m fast` (the server ends the sessions) and `-m immediate` (it
# crashes and recovers). A transaction lost with its connection is rolled
# back on ingest's side too and redone once it has reconnected: ingest
# says so on stderr, exits 0, and prints what one ingest of the stream
# into SQLite prints; the store holds every row once, one ledger row and
# one report set per batch, and the same reports and alerts as that
# SQLite store. MODELS 2: one input carrying two models (two streams,
# each record naming its model, interleaved line by line), fed at
# 5,000 lines/s: after each redo every model the lost transaction had
# goes on, each model's rows once and its reports and alerts SQLite's.
# follow: the stream appended to a file that ingest reads with --follow
# (the reader and its position carried through each redo), ingest
# stopped with SIGTERM once every row is stored: each model's stored
# position is the end of the file.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
batches=${3:-150}
restarts=${4:-3}
models=${5:-1}
input=${6:-stdin}
sandbox pg-midstream-$models-$input

if [ "$models" = 1 ]; then
	"$gen" --scenario abrupt --seed 5 --batches "$batches" \
	    >stream.ndjson || { echo "FAIL mlmon-gen"; exit 1; }
else
	for m in a:abrupt:5 b:gradual:6; do
		IFS=: read -r name scn seed <<EOF
$m
EOF
		"$gen" --scenario "$scn" --seed "$seed" --batches "$batches" \
		    --features 3 | sed "s/^{/{\"model\":\"$name\",/" \
		    >"$name.ndjson" || { echo "FAIL mlmon-gen"; exit 1; }
	done
	paste -d '\n' a.ndjson b.ndjson >stream.ndjson
	split -l 1000 stream.ndjson part.
fi
flush="--flush-rows 5000 --flush-ms 60000"
"$ingest" --db one.db $flush <stream.ndjson 2>one.err
check "one ingest into SQLite: exit" "$?" 0

# The same stream at 5,000 rows (lines) a second at most, so that the
# restarts find ingest running however fast the machine is.
feed() {
	if [ "$models" = 1 ]; then
		"$gen" --scenario abrupt --seed 5 --batches "$batches" \
		    --rate 5000
	else
		for part in part.*; do cat "$part"; sleep 0.2; done
	fi
}
if [ "$input" = follow ]; then
	# The tail is committed within 2 s (flushes mid-stream are by rows).
	: >in.ndjson
	"$ingest" --db "$url" --flush-rows 5000 --flush-ms 2000 \
	    --follow in.ndjson 2>pg.err &
	pid=$!
	feed >>in.ndjson &
	fpid=$!
else
	feed | "$ingest" --db "$url" $flush 2>pg.err &
	pid=$!
fi
on_exit="kill $pid 2>/dev/null"
# A restart 1 s after the last, once ingest has committed since it (at
# most 30 s): five redos with no commit between them end ingest, and a
# loaded machine may need more than a second for a transaction.
stored() {
	c=$(pq "SELECT count(*) FROM predictions")
	case $c in
	''|*[!0-9]*) echo 0 ;;	# not there yet, or the server away
	*) echo "$c" ;;
	esac
}
i=0
mode=fast
before=0
while [ $i -lt "$restarts" ]; do
	sleep 1
	n=0
	while [ "$(stored)" -le "$before" ] && [ $n -lt 290 ] &&
	    kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
		n=$((n + 1))
	done
	before=$(stored)
	kill -0 "$pid" 2>/dev/null || break
	"$ctl" restart -m $mode >/dev/null 2>&1 ||
	    echo "     the server's restart ($mode) failed"
	i=$((i + 1))
	[ $mode = fast ] && mode=immediate || mode=fast
done
rows=$((batches * 200))
all=$((models * rows))
if [ "$input" = follow ]; then
	wait "$fpid"
	n=0
	while [ $n -lt 240 ] && [ "$(pq "SELECT count(*) FROM predictions")" \
	    != "$all" ]; do
		sleep 0.5
		n=$((n + 1))
	done
	kill -TERM "$pid"
fi
wait "$pid"
check "ingest across $i restarts: exit" "$?" 0
on_exit=""
redone=$(grep -c '^mlmon-ingest: redoing [0-9]* input lines' pg.err)
echo "     $i restarts, $redone transactions redone; what ingest said:"
grep -e 'reconnect' -e 'redoing' pg.err | sed 's/^/       /'
check "restarted $restarts times while ingest ran" "$i" "$restarts"
yes_if "a transaction was lost and redone" [ "$redone" -ge 1 ]
check "each loss said, each redo after a reconnection" \
    "$(grep -c '^mlmon-ingest: connection lost: ' pg.err) $(grep -c \
    'while working on [0-9]* input lines not committed yet (they are redone): reconnecting$' \
    pg.err) $(grep -c 'reconnected after' pg.err)" "$redone $redone $redone"
# What ingest printed but for the losses and reconnections (and any
# warning of the lost pipeline quoting the loss, e.g. a judgement it
# could not undo), and the summary's speed: one SQLite ingest's. (A
# pipeline taking over may say again how calibrated the stored reference
# is, as a restarted ingest does: that line, a model's, compared once.)
# Ingest prints a flush's lines model by model at its commit, so with two
# models the interleaving follows where the flushes fell (by time under
# --follow, and again after each redo); what must match is each model's
# own lines in order: a stable sort on the line's first word (its model).
said() {
	grep -v -e 'rows/s$' -e ': reconnecting$' -e 'reconnected after' \
	    -e '^mlmon-ingest: redoing ' -e '^mlmon-ingest: connection lost: ' \
	    -e 'server closed the connection unexpectedly' \
	    -e 'terminating connection due to administrator command' \
	    -e '^mlmon-ingest: interrupted: ' \
	    "$1" | mask |
	    awk '!/^([^ ]+: )?reference calibration: / || !seen[$1]++' |
	    if [ "$models" = 1 ]; then cat; else LC_ALL=C sort -s -k1,1; fi
}
said one.err >one.said
said pg.err >pg.said
check "the same ingest output as SQLite's" "$(diff one.said pg.said |
    head -8)" ""
check "every row once" "$(pq "SELECT count(*), count(DISTINCT (model_id,
    batch_id, row_in_batch)) FROM predictions")" "$all|$all"
check "$models model(s), each with every row" "$(pq "SELECT count(*),
    min(n), max(n) FROM (SELECT count(*) AS n FROM predictions
    GROUP BY model_id) c")" "$models|$rows|$rows"
check "one ledger row per batch, every row counted, all judged" \
    "$(pq "SELECT count(*), sum(n_rows), count(closed_at) FROM batches")" \
    "$((models * batches))|$all|$((models * batches))"
check "one report set per batch" "$(pq "SELECT count(*) - count(DISTINCT
    (model_id, batch_id, report_type)) FROM monitor_reports")" 0
if [ "$input" = follow ]; then
	lines=$(wc -l <stream.ndjson)
	check "each model's stored position: the end of the file" \
	    "$(pq "SELECT count(*), min(line), max(line) FROM input_positions
	    WHERE source LIKE '%in.ndjson'")" "$models|$lines|$lines"
fi
same one.db "reports" "SELECT m.name, batch_id, report_type, payload
    FROM monitor_reports JOIN models m USING (model_id)
    ORDER BY m.name, batch_id, report_type;"
same one.db "alerts" "SELECT m.name, batch_id, severity, channel, message,
    kind, status, condition_key, delivered FROM alerts
    JOIN models m USING (model_id) ORDER BY m.name, id;"
same one.db "the ledger" "SELECT m.name, batch_id, n_rows, n_labelled,
    label_shift_drift, confidence_drift, any_decay, psi_verdict, ks_drift
    FROM batches JOIN models m USING (model_id) ORDER BY m.name, batch_id;"
finish
