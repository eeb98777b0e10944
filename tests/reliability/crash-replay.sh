#!/bin/sh
# Crash and replay: kill -9 mlmon-ingest at POINTS random moments of a
# large stream (drift, delayed labels, alerts), check PRAGMA
# integrity_check right after the kill, replay the same input into the
# same DB and compare with an uninterrupted run: predictions (without
# logged_at/labeled_at), the batch ledger, monitor_reports payloads,
# detector state and alert decisions must be identical.
#
# usage: crash-replay.sh MLMON-INGEST MLMON-GEN [POINTS [BATCHES]]
# SEED=n picks the kill moments (default: from the clock; printed).
set -u
. "$(dirname "$0")/lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
points=${3:-20}
batches=${4:-300}
seed=${SEED:-$(date +%s)}
sandbox rel
echo "# crash-replay: $points kills, $batches batches, SEED=$seed"

# Rows arrive at RATE rows/s, so a stream lasts about batches*200/RATE s
# and the kill moments are spread over it.
rate=40000
span=$(awk -v b="$batches" -v r="$rate" 'BEGIN { printf "%.2f", b * 200 / r }')
args="--scenario abrupt --batches $batches --label-delay 2"
"$gen" $args >in.ndjson

"$ingest" --quiet --db full.db <in.ndjson
check "uninterrupted run exit" $? 0
dump full.db >full.txt
total=$(count full.db 'SELECT count(*) FROM predictions')
check "uninterrupted run rows" "$total" $((batches * 200))

# Flush settings rotate so the kills land mid-batch, mid-flush and on
# the defaults (2000 rows / 200 ms).
mid=0
i=1
while [ "$i" -le "$points" ]; do
	case $((i % 3)) in
	0) flush="" ;;
	1) flush="--flush-rows 70 --flush-ms 20" ;;
	2) flush="--flush-rows 333 --flush-ms 50" ;;
	esac
	rmdb k.db
	t0=$(date +%s.%N)
	"$gen" $args --rate $rate |
	    "$ingest" --quiet --db k.db $flush 2>k.err &
	pid=$!
	# The moment counts from the first committed rows, and falls in what
	# is left of the stream's span by then: start-up (schema, reference,
	# the first judgement's null fits; slow under ASan on a loaded
	# machine) neither eats the span nor pushes kills past its end. At
	# least a quarter of the span is left (a slow ingest is behind the
	# generator's pace, so its stream lasts longer).
	first_rows k.db
	left=$(awk -v s="$span" -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN {
		l = s - (t1 - t0); if (l < s / 4) l = s / 4; printf "%.3f", l }')
	delay=$(rand_between "$seed" "$i" 0 "$left")
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	got=$(count k.db 'SELECT count(*) FROM predictions')
	got=${got:-0}
	ic=ok
	[ -e k.db ] && ic=$(integrity k.db)
	"$ingest" --quiet --db k.db <in.ndjson 2>r.err
	rc=$?
	ic2=$(integrity k.db)
	dump k.db >k.txt
	what="kill $i ${delay}s after the first rows${flush:+ ($flush)},"
	what="$what $got of $total rows"
	if [ "$ic" != ok ] || [ "$ic2" != ok ]; then
		echo "FAIL $what: integrity_check '$ic' / after replay '$ic2'"
		fails=$((fails + 1))
	elif [ "$rc" -ne 0 ]; then
		echo "FAIL $what: replay exit $rc: $(head -c 300 r.err)"
		fails=$((fails + 1))
	elif ! cmp -s full.txt k.txt; then
		echo "FAIL $what: replayed store differs"
		diff full.txt k.txt | head -n 6 | cut -c1-200
		[ -n "${KEEP:-}" ] && cp k.db "k-$i.db"
		fails=$((fails + 1))
	else
		echo "ok   $what"
	fi
	if [ "$got" -gt 0 ] && [ "$got" -lt "$total" ]; then
		mid=$((mid + 1))
	fi
	i=$((i + 1))
done
# At least half the kills must have landed mid-stream (else the test
# did not test much: the machine was far slower or faster than assumed).
yes_if "$mid of $points kills landed mid-stream" \
    [ $((mid * 2)) -ge "$points" ]
finish
