#!/bin/sh
# The console on a PostgreSQL store (issue 16, docs/BENCHMARKS.md section
# 11), on a throwaway server with fsync on:
#
#	MLMON_TEST_PG_FSYNC=on tests/pg/with-pg bench/pg-console.sh BUILD [RUNS]
#
# 1M predictions (mlmon-gen --batches 5000, one mlmon-ingest into the
# server), then `frame URI 120 40 200` RUNS times (default 3, every tab),
# then `pg-wake URI default 20`: how soon a commit is on the console.
set -eu
B=$1
RUNS=${2:-3}
url=${MLMON_TEST_PG:?run under tests/pg/with-pg}
t0=$(date +%s)
"$B/scenarios/mlmon-gen" --batches 5000 |
    "$B/src/ingest/mlmon-ingest" --quiet --db "$url"
echo "ingest of 1M predictions: $(( $(date +%s) - t0 )) s"
i=1
while [ "$i" -le "$RUNS" ]; do
	echo "run $i"
	"$B/bench/frame" "$url" 120 40 200 | grep -E 'frame|refresh|tick|summary'
	i=$((i + 1))
done
"$B/bench/pg-wake" "$url" default 20 | tail -n 1
