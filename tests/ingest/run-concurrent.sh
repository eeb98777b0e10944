#!/bin/sh
# Two writers on one DB: an ingest logging predictions (batches 21..40,
# throttled) while a labels-only ingest (a separate process, as a labeler
# would be) applies delayed labels to batches 1..20. Both must finish with
# exit 0 and no error; every label and every report must be there. On
# either backend (lib.sh's store: under tests/pg/with-pg, PostgreSQL).
#
# usage: run-concurrent.sh MLMON-INGEST MLMON-GEN
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
sandbox concurrent
t=$(store t)

"$gen" --batches 20 --label-delay 1 >first.ndjson
grep -v '"type":"labels"' first.ndjson >preds.ndjson
grep '"type":"labels"' first.ndjson >labels.ndjson
nlabels=$(wc -l <labels.ndjson)
"$ingest" --quiet --db "$t" <preds.ndjson
check "first half" $? 0

# Writer A: 4000 rows at 1000 rows/s, committing every 50 ms. Writer B:
# one labels record every 50 ms, committed at once (--flush-ms 0). Each
# label waits for A's open transaction (at most A's flush interval).
"$gen" --batches 20 --first-batch 21 --label-delay 1 --rate 1000 |
    grep --line-buffered -v '"type":"labels"' |
    "$ingest" --db "$t" --flush-ms 50 2>a.err &
a=$!
while IFS= read -r line; do
	printf '%s\n' "$line"
	sleep 0.05
done <labels.ndjson | "$ingest" --db "$t" --flush-ms 0 2>b.err &
b=$!
wait "$a"
check "predictions writer exit" $? 0
# The labels (about 1 s of them) were all applied while the predictions
# writer ran (about 4 s): the two took turns at the write lock, and the
# labeler was not starved by a writer that re-locks right after commit.
check "overlap" "$(q "$t" 'SELECT count(*) FROM batches
    WHERE batch_id <= 20 AND n_labelled > 0')" "$nlabels"
wait "$b"
check "labels writer exit" $? 0
check "predictions writer errors" "$(grep -c -e '^stdin:' -e 'mlmon-ingest: [^0-9]' a.err)" 0
check "labels writer errors" "$(grep -c -e '^stdin:' -e 'mlmon-ingest: [^0-9]' b.err)" 0
check "labels applied" "$(grep -c ": $nlabels accepted (0 rows)" b.err)" 1
check "rows" "$(q "$t" 'SELECT count(*) FROM predictions')" 8000
check "labelled rows" "$(q "$t" 'SELECT count(*) FROM predictions
    WHERE true_class IS NOT NULL')" $((nlabels * 200))
check "performance reports" "$(q "$t" "SELECT count(*) FROM
    monitor_reports WHERE report_type = 'performance'")" "$nlabels"
check "feature reports" "$(q "$t" "SELECT count(*) FROM
    monitor_reports WHERE report_type = 'feature'")" 40
check "batch lines" "$(grep -c '^batch' a.err) $(grep -c '^batch' b.err)" \
    "20 $nlabels"
finish
