#!/bin/sh
# Replay after kill -9: ingest a throttled stream, kill it hard at several
# points (mid-batch, with rows of the open batch committed), then ingest
# the whole input again into the same DB. The predictions, the monitor
# reports and the detector state must equal those of an uninterrupted run.
# On either backend (lib.sh's store: under tests/pg/with-pg, PostgreSQL).
#
# usage: run-replay.sh MLMON-INGEST MLMON-GEN
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
sandbox replay

# Delayed labels (labels records), end_batch records, drift, 30 batches.
args="--scenario abrupt --batches 30 --label-delay 2"
"$gen" $args >in.ndjson

dump() {
	qrows "$1" "SELECT batch_id, row_in_batch, features,
	    predicted_class, confidence, scores, true_class FROM predictions
	    ORDER BY batch_id, row_in_batch"
	qrows "$1" "SELECT batch_id, report_type, payload FROM monitor_reports
	    ORDER BY batch_id, report_type"
	qrows "$1" "SELECT name, last_batch, state FROM detector_state
	    ORDER BY name"
}

full=$(store full)
k=$(store k)
"$ingest" --quiet --db "$full" <in.ndjson
[ $? -eq 0 ] || { echo "FAIL uninterrupted run"; exit 1; }
dump "$full" >full.txt
total=$(q "$full" 'SELECT count(*) FROM predictions')

mid=0
for delay in 0.3 0.6 0.9 1.2; do
	store_reset "$k"
	# 6000 rows at 4000 rows/s: about 1.5 s of stream after the reference.
	"$gen" $args --rate 4000 |
	    "$ingest" --quiet --db "$k" --flush-rows 70 --flush-ms 20 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	got=$(q "$k" 'SELECT count(*) FROM predictions' 2>/dev/null)
	got=${got:-0}
	"$ingest" --quiet --db "$k" <in.ndjson
	rc=$?
	dump "$k" >k.txt
	if [ "$rc" -ne 0 ]; then
		echo "FAIL kill at ${delay}s: replay exit $rc"
		fails=$((fails + 1))
	elif ! cmp -s full.txt k.txt; then
		echo "FAIL kill at ${delay}s ($got of $total rows): store differs"
		diff full.txt k.txt | head -5
		fails=$((fails + 1))
	else
		echo "ok   kill at ${delay}s ($got of $total rows before replay)"
	fi
	if [ "$got" -gt 0 ] && [ "$got" -lt "$total" ]; then
		mid=$((mid + 1))
	fi
done
if [ "$mid" -lt 2 ]; then
	echo "FAIL only $mid kills landed mid-stream (machine too slow/fast?)"
	fails=$((fails + 1))
fi
finish
