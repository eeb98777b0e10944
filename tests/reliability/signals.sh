#!/bin/sh
# SIGTERM at random points (issue 11): while rows stream in (even points: a
# throttled stream), while a batch is judged and inside an MMD permutation
# test (odd points). Each time ingest must exit within 1 s, keep every row its
# summary counted as accepted, and leave no batch unjudged for good: the
# next start (empty input) judges the one it left.
#
# usage: signals.sh MLMON-INGEST MLMON-GEN POINTS
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
points=${3:-5}
sandbox signals

# 40 batches of 400 rows; MMD over 1,200 pooled rows with 250
# permutations costs about half a second per batch: kills land in it, in
# the rows between, and (first points) before the first judgement.
"$gen" --batches 40 --batch-size 400 --reference-rows 800 >in.ndjson
mmd="--mmd --mmd-max-ref 800 --mmd-permutations 250"

ms() {
	date +%s%N | cut -c1-13
}

i=0
seed=$(($$ % 1000))
while [ "$i" -lt "$points" ]; do
	i=$((i + 1))
	rmdb t.db
	# Random delay 50..2550 ms: before, during and between judgements.
	delay=$(awk -v s="$((seed + i))" 'BEGIN { srand(s);
	    printf "%.3f", 0.05 + 2.5 * rand() }')
	if [ $((i % 2)) -eq 1 ]; then
		"$ingest" --db t.db $mmd --flush-rows 300 <in.ndjson \
		    >/dev/null 2>err.txt &
	else
		# A throttled stream without MMD: kills between lines.
		"$gen" --batches 40 --batch-size 400 --reference-rows 800 \
		    --rate 4000 | "$ingest" --db t.db --flush-rows 300 \
		    >/dev/null 2>err.txt &
	fi
	pid=$!
	sleep "$delay"
	t0=$(ms)
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	took=$(($(ms) - t0))
	rows=$(sed -n 's/.*interrupted: [0-9]* accepted (\([0-9]*\) rows.*/\1/p' \
	    err.txt)
	stored=$(q t.db "SELECT count(*) FROM predictions")
	if [ "$took" -gt 1000 ]; then
		echo "FAIL kill $i at ${delay}s: exit took $took ms"
		fails=$((fails + 1))
	elif [ "$rc" -ne 0 ]; then
		echo "FAIL kill $i at ${delay}s: exit status $rc"
		sed 's/^/  /' err.txt | tail -3
		fails=$((fails + 1))
	elif [ "${rows:-x}" != "$stored" ]; then
		echo "FAIL kill $i at ${delay}s: summary says ${rows:-?} rows," \
		    "store has $stored"
		fails=$((fails + 1))
	else
		# The next start judges what the stopped run left open.
		"$ingest" --quiet --db t.db </dev/null 2>/dev/null
		left=$(q t.db "SELECT count(*) FROM batches WHERE closed_at
		    IS NULL")
		if [ "$left" != 0 ]; then
			echo "FAIL kill $i at ${delay}s: $left batches left" \
			    "unjudged after a restart"
			fails=$((fails + 1))
		else
			where=$(grep -c 'interrupted while judging' err.txt)
			echo "ok   kill $i at ${delay}s: exit in $took ms," \
			    "$stored rows kept$([ "$where" -gt 0 ] &&
			    echo ', inside a judgement')"
		fi
	fi
done
finish
