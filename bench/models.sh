#!/bin/sh
# The console on many models (issue 13, docs/BENCHMARKS.md section 7):
# builds two stores with the real ingest and times bench/frame on each.
#
#	bench/models.sh BUILD WORK [RUNS]
#
# WORK/fleet.db: 50 models x 1,000 batches x 20 rows (1M predictions, 3 to
# 7 features, 3 classes, the four scenarios in turn, one mlmon-ingest
# --model model-N each, labels 2 batches late). WORK/one.db: 1 model x
# 1,000 batches x 1,000 rows (abrupt, labels 2 batches late). A store
# already in WORK is reused. Then `frame DB 120 40 200` RUNS times on each
# (default 3), every tab measured (bench/frame passes --tab overview and
# sets each tab itself), the Fleet tab included.
set -eu
B=$1
WORK=$2
RUNS=${3:-3}
gen=$B/scenarios/mlmon-gen
ingest=$B/src/ingest/mlmon-ingest
frame=$B/bench/frame
mkdir -p "$WORK"

if [ ! -f "$WORK/fleet.db" ]; then
	i=0
	while [ "$i" -lt 50 ]; do
		case $((i % 4)) in
		0) scn=stable ;; 1) scn=abrupt ;; 2) scn=gradual ;;
		*) scn=label_shift ;;
		esac
		"$gen" --scenario "$scn" --seed "$i" --batches 1000 \
		    --batch-size 20 --features $((3 + i % 5)) --classes 3 \
		    --reference-rows 300 --label-delay 2 |
		    "$ingest" --quiet --db "$WORK/fleet.db" \
		    --model "model-$i" --flush-rows 20000
		i=$((i + 1))
	done
fi
if [ ! -f "$WORK/one.db" ]; then
	"$gen" --scenario abrupt --batches 1000 --batch-size 1000 \
	    --label-delay 2 | "$ingest" --quiet --db "$WORK/one.db" \
	    --flush-rows 20000
fi
for db in fleet one; do
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		echo "== $db.db run $((r + 1))"
		"$frame" "$WORK/$db.db" 120 40 200
		r=$((r + 1))
	done
done
