#!/bin/sh
# Concurrency: for SECONDS, an ingest logs predictions at full speed
# (mlmon-gen --label-delay 3 --no-labels | mlmon-ingest), a labeler (a
# second mlmon-ingest on the same DB) applies the delayed labels of
# logged batches, one labels record every 50 ms, and two consoles render
# (mlmon-top --once in a loop, 50 ms apart). Then the writers stop (the
# predictions ingest by SIGTERM, which commits and exits 0; the labeler
# by end of input). No error anywhere: every exit status 0, no reject or
# error line on stderr, no error frame from the consoles, integrity_check
# ok, every label applied.
#
# With MAX_SLOWDOWN (e.g. 0.20) the predictions ingest first runs alone
# for SECONDS and its rate with company must be >= (1 - MAX_SLOWDOWN) of
# its rate alone; the ratio is printed either way.
#
# usage: concurrency.sh MLMON-INGEST MLMON-GEN MLMON-TOP [SECONDS]
set -u
. "$(dirname "$0")/lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
top=$(abspath "$3")
secs=${4:-10}
max_slow=${MAX_SLOWDOWN:-}
sandbox rel
echo "# concurrency: $secs s${max_slow:+, max slowdown $max_slow}"

# Enough batches that the stream outlasts SECONDS at any speed.
batches=$((secs * 1500 + 1000))
delay=3
# The labeler sends 20 records a second: labels of the first batches
# suffice (batch b's rows do not depend on --batches).
"$gen" --batches $((secs * 25 + 10)) --label-delay $delay |
    grep '"type":"labels"' >labels.ndjson

# predictions DB SECONDS: run the predictions ingest for SECONDS, stop it
# with SIGTERM; prints the rows it logged.
predictions() {
	"$gen" --batches "$batches" --label-delay $delay --no-labels |
	    "$ingest" --db "$1" 2>"$1.err" &
	pid=$!
	sleep "$2"
	kill -TERM "$pid"
	wait "$pid"
	echo $? >"$1.rc"
}

if [ -n "$max_slow" ]; then
	predictions alone.db "$secs"
	check "alone: predictions ingest exit" "$(cat alone.db.rc)" 0
	alone=$(count alone.db 'SELECT count(*) FROM predictions')
fi

# console N: mlmon-top --once every 50 ms until stop; counts frames and
# keeps any frame that shows an error, and any stderr.
console() {
	n=0
	bad=0
	while [ ! -e stop ]; do
		tab=overview
		case $((n % 4)) in
		1) tab=drift ;;
		2) tab=calibration ;;
		3) tab=alerts ;;
		esac
		frame=$("$top" --once --db t.db --tab $tab --width 100 \
		    --height 30 2>>"top$1.err")
		rc=$?
		if [ "$rc" -ne 0 ]; then
			echo "exit $rc" >>"top$1.err"
		fi
		case $frame in
		*"Cannot read"* | *"Error:"* | *"locked"* | *"malformed"* | *"I/O error"*)
			bad=$((bad + 1))
			printf '%s\n----\n' "$frame" >>"top$1.bad"
			;;
		esac
		n=$((n + 1))
		sleep 0.05
	done
	echo "$n $bad" >"top$1.count"
}
rm -f stop
predictions t.db "$secs" &
ppid=$!
# The labeler and the consoles start once the first batch is committed
# (a labeler started before the schema is stored trips over a bug of its
# own: labeler-race.sh). The labeler applies one labels record every
# 50 ms (20 batches/s against hundreds logged), so each batch it labels
# is logged and closed.
until [ "$(count t.db 'SELECT count(*) FROM batches WHERE closed_at
    IS NOT NULL')" -gt 0 ] 2>/dev/null; do
	sleep 0.01
done
while IFS= read -r line; do
	[ -e stop ] && break
	printf '%s\n' "$line"
	sleep 0.05
done <labels.ndjson | "$ingest" --db t.db --flush-ms 0 2>labeler.err &
lpid=$!
console 1 &
c1=$!
console 2 &
c2=$!
wait "$ppid"
touch stop
wait "$c1" "$c2" "$lpid"
lrc=$?

# Batch lines, alert decisions and the final summary (after SIGTERM:
# "mlmon-ingest: interrupted: N accepted ...", after the line saying where
# reading stopped) are the only stderr.
ok_lines='^(batch |alert: |reference calibration: |mlmon-ingest: (interrupted: )?[0-9]+ accepted|mlmon-ingest: interrupted: stdin lines after [0-9]+ were not read)'
check "predictions ingest exit" "$(cat t.db.rc)" 0
check "labeler exit" "$lrc" 0
rows=$(count t.db 'SELECT count(*) FROM predictions')
nl=$(sed -n 's/^mlmon-ingest: \([0-9]*\) accepted.*/\1/p' labeler.err)
echo "     predictions logged: $rows; labels records applied: ${nl:-?}"
yes_if "labels were applied while predictions were logged" \
    [ "${nl:-0}" -gt 0 ]
check "predictions ingest: no reject or error line" \
    "$(grep -c -v -E "$ok_lines" t.db.err)" 0
check "labeler: no reject or error line" \
    "$(grep -c -v -E "$ok_lines" labeler.err)" 0
check "labelled rows" "$(count t.db 'SELECT count(*) FROM predictions
    WHERE true_class IS NOT NULL')" $((${nl:-0} * 200))
check "performance reports" "$(count t.db "SELECT count(*) FROM
    monitor_reports WHERE report_type = 'performance'")" "${nl:-0}"
for c in 1 2; do
	set -- $(cat "top$c.count")
	echo "     console $c: $1 frames"
	yes_if "console $c rendered frames" [ "$1" -gt 0 ]
	check "console $c: error frames" "$2" 0
	check "console $c: stderr" "$(wc -c <"top$c.err" | tr -d ' ')" 0
done
[ -s top1.bad ] && head -n 20 top1.bad
check "integrity_check" "$(integrity t.db)" ok

if [ -n "$max_slow" ]; then
	ratio=$(awk -v a="$alone" -v b="$rows" 'BEGIN { printf "%.3f", b / a }')
	echo "     alone: $alone rows in $secs s; with labeler and consoles:" \
	    "$rows rows: ratio $ratio"
	yes_if "slowdown at most $max_slow (ratio $ratio)" \
	    awk -v r="$ratio" -v m="$max_slow" 'BEGIN { exit !(r >= 1 - m) }'
fi
finish
