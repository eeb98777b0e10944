#!/bin/sh
# mlmon-ingest --follow against real writers (issue 14): 4 producer
# processes append interleaved predictions with ids and event times to
# one log (one write per line, reopening it each time, as a logger that
# follows rotation does) for SECONDS while the log is rotated by rename
# twice and truncated once (copytruncate, writers paused around it as
# logrotate's race demands); ingest is killed with kill -9 at KILLS random
# moments and restarted. At the end the store holds every prediction
# exactly once and its per-window reports equal those of one
# uninterrupted pass over the concatenated files. On either backend
# (lib.sh's store: under tests/pg/with-pg, PostgreSQL).
#
# usage: run-follow.sh MLMON_INGEST MLMON_GEN SRCDIR [SECONDS [KILLS]]
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
src=$(abspath "$3")
secs=${4:-8}
kills=${5:-2}
awkf="$src/tests/ingest/events.awk"
sandbox follow
f=$(store f)
one=$(store one)

batches=$((secs * 4))
"$gen" --scenario abrupt --batches $batches --no-end-batch |
    awk -v T0=1796541000 -v STEP=0.15 -f "$awkf" > stream.ndjson
grep -v '^{"id"' stream.ndjson > app.log	# schema and reference first
grep '^{"id"' stream.ndjson > preds.ndjson
n=$(wc -l < preds.ndjson | tr -d ' ')
# Lines per producer burst so that the run lasts about secs (10 bursts/s).
burst=$((n / 4 / secs / 10 + 1))
flags="--window time:30s --lateness 120s --idle-close 2s"

start_ingest() {
	# shellcheck disable=SC2086
	"$ingest" --db "$f" -q --follow app.log --rotated 'app.log.*' \
	    $flags 2>> ingest.err &
	ipid=$!
}
on_exit='kill $ipid $pp 2>/dev/null'

producer() {
	awk -v K="$1" -v BURST=$burst 'NR % 4 == K {
		print >> "app.log"; close("app.log")
		if (++n % BURST == 0) {
			while (system("test -e pause") == 0)
				system("sleep 0.05")
			system("sleep 0.1")
		}
	}' preds.ndjson
}

start_ingest
pp=
for k in 0 1 2 3; do
	producer $k &
	pp="$pp $!"
done

# Rotations and kills at fixed fractions and random moments of the run.
awk -v S="$secs" -v K="$kills" 'BEGIN {
	srand()
	printf "%.2f rename1\n%.2f rename2\n%.2f truncate\n", S * 0.3,
	    S * 0.55, S * 0.8
	for (i = 0; i < K; i++)
		printf "%.2f kill\n", 0.3 + rand() * (S - 0.6)
}' | sort -n > plan.txt
t=0
while read -r at what; do
	sleep "$(awk -v a="$at" -v t="$t" 'BEGIN { d = a - t;
	    printf "%.2f", (d > 0 ? d : 0) }')"
	t=$at
	case $what in
	rename1) mv app.log app.log.r1 ;;
	rename2) mv app.log app.log.r2 ;;
	truncate)
		touch pause
		sleep 0.4
		cp app.log app.log.c3
		: > app.log
		rm pause
		;;
	kill)
		kill -9 $ipid
		wait $ipid 2>/dev/null
		start_ingest
		;;
	esac
done < plan.txt
# shellcheck disable=SC2086
wait $pp
pp=

# Every row read and every window closed (idle close), then stop.
i=0
while [ $i -lt 200 ]; do
	if [ "$(q "$f" "SELECT count(*) FROM predictions")" = "$n" ] &&
	    [ "$(q "$f" "SELECT count(*) FROM batches WHERE closed_at IS
	    NULL")" = 0 ]; then
		break
	fi
	sleep 0.1
	i=$((i + 1))
done
kill -TERM $ipid
wait $ipid
check "follow: clean stop" $? 0
# The stop names the file read, not stdin (it was "stdin lines after").
said='^mlmon-ingest: interrupted: app\.log lines after [0-9]* were not read'
check "follow: the stop names the file" "$(grep -c "$said" ingest.err)" 1
check "follow: no message names stdin" "$(grep -c stdin ingest.err)" 0
check "follow: every prediction exactly once" "$(q "$f" "SELECT count(*),
    count(DISTINCT event_id) FROM predictions")" "$n|$n"
check "follow: nothing rejected" "$(q "$f" "SELECT count(*) FROM
    rejected")" 0
check "follow: the plan ran" "$(ls app.log.r1 app.log.r2 app.log.c3 |
    wc -l | tr -d ' ')" 3

# One uninterrupted pass over the concatenated files.
cat app.log.r1 app.log.r2 app.log.c3 app.log > all.ndjson
# shellcheck disable=SC2086
"$ingest" --db "$one" -q $flags all.ndjson
check "one pass: every prediction" "$(q "$one" "SELECT count(*) FROM
    predictions")" "$n"
for t in feature prediction performance; do
	qrows "$f" "SELECT batch_id, payload FROM monitor_reports WHERE
	    report_type = '$t' ORDER BY batch_id" > f.$t
	qrows "$one" "SELECT batch_id, payload FROM monitor_reports WHERE
	    report_type = '$t' ORDER BY batch_id" > one.$t
	yes_if "reports: $t per window equal one pass" cmp -s f.$t one.$t
done
check "reports: windows" "$(wc -l < f.feature | tr -d ' ')" \
    "$(q "$one" "SELECT count(DISTINCT batch_id) FROM predictions")"
[ -s ingest.err ] && sed 's/^/ingest: /' ingest.err | head -20
finish
