#!/bin/sh
# A labeler started before the predictions writer has stored anything:
# its mlmon-ingest opens the (empty) DB first, the predictions ingest then
# logs batches 1..10 with a schema record, then the labels arrive on the
# labeler's stdin. The labels must be applied (exit 0), as they are when
# the labeler starts later. Deterministic: the labeler reads a FIFO.
# Part 2: the labeler handles a record while nothing is stored yet (a
# labels record for an unknown batch, rejected); it must still find the
# reference and schema stored later, and give the same DB as predictions
# then labels run one after the other. Runs in `make test` (1 s).
#
# usage: labeler-race.sh MLMON-INGEST MLMON-GEN
set -u
. "$(dirname "$0")/lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
sandbox rel

"$gen" --batches 10 --label-delay 1 >all.ndjson
grep -v '"type":"labels"' all.ndjson >preds.ndjson
grep '"type":"labels"' all.ndjson >labels.ndjson
mkfifo fifo
"$ingest" --quiet --db r.db <fifo 2>labeler.err &
lpid=$!
exec 3>fifo
sleep 0.3
"$ingest" --quiet --db r.db preds.ndjson
check "predictions writer exit" $? 0
cat labels.ndjson >&3
exec 3>&-
wait "$lpid"
check "labeler exit" $? 0
check "labeler stderr" "$(cat labeler.err)" ""
check "labelled rows" "$(count r.db 'SELECT count(*) FROM predictions
    WHERE true_class IS NOT NULL')" $(($(wc -l <labels.ndjson) * 200))

# 2. One labeler record before anything is stored.
"$ingest" --quiet --db seq.db preds.ndjson &&
    "$ingest" --quiet --db seq.db labels.ndjson
check "sequential run exit" $? 0
mkfifo fifo2
"$ingest" --quiet --db r2.db <fifo2 2>labeler2.err &
lpid=$!
exec 4>fifo2
echo '{"type":"labels","batch_id":999,"true_class":[0,1]}' >&4
# Until the labeler has committed that rejection (flush_ms 200).
n=0
while [ "$(count r2.db 'SELECT count(*) FROM rejected')" != 1 ] &&
    [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
check "early record handled" "$(count r2.db 'SELECT count(*) FROM rejected')" 1
"$ingest" --quiet --db r2.db preds.ndjson
check "predictions writer exit (2)" $? 0
cat labels.ndjson >&4
exec 4>&-
wait "$lpid"
check "labeler exit (2): one rejected line" $? 65
check "labeler stderr (2)" "$(cat labeler2.err)" \
    "stdin:1: labels for batch 999: no predictions are logged for it"
check "performance reports (2)" "$(count r2.db "SELECT count(*) FROM
    monitor_reports WHERE report_type = 'performance'")" \
    "$(wc -l <labels.ndjson)"
dump seq.db >seq.txt
dump r2.db >r2.txt
yes_if "labeler started first gives the sequential result" \
    cmp -s seq.txt r2.txt
finish
