#!/bin/sh
# A labeler started before the predictions writer has stored anything:
# its mlmon-ingest opens the (empty) DB first, the predictions ingest then
# logs batches 1..10 with a schema record, then the labels arrive on the
# labeler's stdin. The labels must be applied (exit 0), as they are when
# the labeler starts later. Deterministic: the labeler reads a FIFO.
#
# usage: labeler-race.sh MLMON-INGEST MLMON-GEN
set -u
. "$(dirname "$0")/lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
rel_setup

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
finish
