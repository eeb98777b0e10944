#!/bin/sh
# Missing values over 20 seeds (issue 15), mlmon-gen | mlmon-ingest, read
# back from the stored feature reports:
#   missing         feature 1 missing in 20% of rows, 60% from batch 5:
#                   the missingness verdict on f1 in every batch from 5 on
#                   and in none before, on every seed;
#   missing_stable  the twin with 20% in every batch: the verdict never
#                   fires (its false-alarm count is printed and must be 0).
# Prints the counts per scenario.
# usage: missing.sh MLMON_GEN MLMON_INGEST
set -eu
. "$(dirname "$0")/../lib.sh"
gen=$(abspath "$1")
ingest=$(abspath "$2")
sandbox missing

# flagged DB: "batch:features" for each batch whose verdict is set.
flagged() {
	q "$1" "SELECT batch_id || ':' || json_extract(payload,
	    '\$.missing.drifted_features') FROM monitor_reports
	    WHERE report_type = 'feature' AND json_array_length(payload,
	    '\$.missing.drifted_features') > 0 ORDER BY batch_id"
}

want='5:["f1"] 6:["f1"] 7:["f1"] 8:["f1"] 9:["f1"] 10:["f1"] 11:["f1"] 12:["f1"] 13:["f1"] 14:["f1"] 15:["f1"]'
hits=0 misses=0 early=0 false_alarms=0 stable_batches=0
seed=1
while [ $seed -le 20 ]; do
	"$gen" --scenario missing --seed $seed |
	    "$ingest" --db "m$seed.db" --quiet
	got=$(flagged "m$seed.db")
	check "missing seed $seed: f1 from batch 5 on" "$got" "$want"
	n=$(q "m$seed.db" "SELECT count(*) FROM monitor_reports WHERE
	    report_type = 'feature' AND batch_id >= 5 AND
	    json_array_length(payload, '\$.missing.drifted_features') > 0")
	hits=$((hits + n))
	misses=$((misses + 11 - n))
	early=$((early + $(q "m$seed.db" "SELECT count(*) FROM
	    monitor_reports WHERE report_type = 'feature' AND batch_id < 5
	    AND json_array_length(payload,
	    '\$.missing.drifted_features') > 0")))

	"$gen" --scenario missing_stable --seed $seed |
	    "$ingest" --db "s$seed.db" --quiet
	got=$(flagged "s$seed.db")
	check "missing_stable seed $seed: no verdict" "$got" ""
	false_alarms=$((false_alarms + $(q "s$seed.db" "SELECT count(*)
	    FROM monitor_reports WHERE report_type = 'feature' AND
	    json_array_length(payload, '\$.missing.drifted_features') > 0")))
	stable_batches=$((stable_batches + $(q "s$seed.db" "SELECT count(*)
	    FROM monitor_reports WHERE report_type = 'feature'")))
	seed=$((seed + 1))
done
echo "missing: $hits of 220 changed batches flagged ($misses missed)," \
    "$early of 80 batches before the change flagged"
echo "missing_stable: $false_alarms false alarms in $stable_batches batches"
check "stable batches judged" "$stable_batches" 300
finish
