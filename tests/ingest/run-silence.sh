#!/bin/sh
# The silence alarm against the real local webhook receiver
# (tests/alert/webhook-receiver.py). An ingest reads a FIFO that stays
# open, with --expect-every 2s: when the lines stop, stream_silent pages
# once within 3 s (and not again while the silence lasts); when lines come
# back, the resolution is sent. Then --expect-labels-within: a batch that
# closed without labels records labels_late (a warning: recorded, not
# paged, by the default gate) and a labels record resolves it. Last the
# same with --follow on a log file that stops growing: stream_silent
# pages once within 3 s of the last line read and the resolution when
# lines are appended again; labels_late (paged with min_severity_slack =
# warning) and its resolution when a labels record is appended.
# On either backend (lib.sh's store: under tests/pg/with-pg, PostgreSQL).
#
# usage: run-silence.sh MLMON-INGEST MLMON-GEN WEBHOOK-RECEIVER
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
receiver=$(abspath "$3")
py=/usr/bin/python3
if [ ! -x "$py" ]; then
	echo "FAIL no $py for the webhook receiver (scripts/install-deps --dev)"
	exit 1
fi
sandbox silence
s=$(store s)
l=$(store l)
f=$(store f)
fl=$(store fl)
rpid=""
ipid=""
on_exit='[ -n "$rpid" ] && kill "$rpid" 2>/dev/null;
    [ -n "$ipid" ] && kill "$ipid" 2>/dev/null'

webhook_start "$receiver" hook
cat >mlmon.conf <<'EOF'
[alert]
min_severity_email = off
retries = 0
connect_timeout = 1s
timeout = 2s
EOF

now() { date +%s.%N; }
# pages TEXT: webhook requests whose body holds TEXT.
pages() { cat hook/req-*.json 2>/dev/null | grep -o "$1" | wc -l; }
# wait_page TEXT COUNT SECONDS [START]: until COUNT such pages came, at
# most that long; prints the seconds it took (since START, a now).
wait_page() {
	t0=${4:-$(now)}
	while [ "$(pages "$1")" -lt "$2" ]; do
		if [ "$(awk "BEGIN { print ($(now) - $t0 > $3) }")" = 1 ]; then
			break
		fi
		sleep 0.05
	done
	awk "BEGIN { printf \"%.2f\", $(now) - $t0 }"
}
# wait_rows DB KEY COUNT: until the alerts of condition KEY number COUNT
# (5 s at most).
wait_rows() {
	n=0
	while [ "$(q "$1" "SELECT count(*) FROM alerts WHERE condition_key =
	    '$2'" 2>/dev/null)" != "$3" ] && [ $n -lt 100 ]; do
		sleep 0.05
		n=$((n + 1))
	done
}

"$gen" --scenario stable --batches 3 --batch-size 50 >part1.ndjson
"$gen" --scenario stable --batches 2 --batch-size 50 --first-batch 4 \
    --no-schema | grep -v '"type":"reference"' >part2.ndjson

# 1. Lines, then nothing on an input that stays open.
mkfifo in.fifo
MLMON_SLACK_WEBHOOK_URL="http://127.0.0.1:$port/hook" \
    "$ingest" --send --config mlmon.conf --db "$s" --expect-every 2s \
    <in.fifo 2>ingest.err &
ipid=$!
exec 3>in.fifo
cat part1.ndjson >&3
took=$(wait_page "stream silent" 1 5)
echo "     stream_silent paged $took s after the last line was written"
check "silent: one page" "$(pages "stream silent")" 1
check "silent: within 3 s" "$(awk "BEGIN { print ($took <= 3.0) }")" 1
want='model default: stream silent: no prediction on stdin for [0-9.]* s'
want="$want (expected every 2 s); last arrival 20[0-9-]*T[0-9:]*Z, batch 3"
check "silent: names the model and the last arrival" \
    "$(cat hook/req-*.json | grep -c "$want")" 1
sleep 2.5
check "silent: still one page 2.5 s later" "$(pages "stream silent")" 1
check "silent: condition open" "$(q "$s" "SELECT open FROM
    alert_conditions WHERE condition_key = 'stream_silent:default'")" 1

# 2. Lines come back: the resolution is sent.
cat part2.ndjson >&3
took=$(wait_page "predictions are back" 1 5)
echo "     resolution paged $took s after lines came back"
check "back: resolution sent" "$(pages "resolved: predictions are back \
on stdin (batch 4)")" 1
check "back: condition closed" "$(q "$s" "SELECT open FROM
    alert_conditions WHERE condition_key = 'stream_silent:default'")" 0
exec 3>&-
wait "$ipid"
check "back: ingest exit at end of input" $? 0
ipid=""
check "back: decisions stored" "$(q "$s" "SELECT kind || ':' || status
    FROM alerts WHERE condition_key = 'stream_silent:default'
    ORDER BY id")" "firing:delivered resolved:delivered"

# 3. A restart leaves an open condition to the next run: silence again,
# ingest stopped while silent, the next run's first prediction resolves.
mkfifo in2.fifo
MLMON_SLACK_WEBHOOK_URL="http://127.0.0.1:$port/hook" \
    "$ingest" --send --quiet --config mlmon.conf --db "$s" \
    --expect-every 1s <in2.fifo 2>ingest2.err &
ipid=$!
exec 3>in2.fifo
wait_page "stream silent" 2 5 >/dev/null
check "restart: silent since the run started" "$(pages "none arrived \
since this run started")" 1
kill -TERM "$ipid"
wait "$ipid"
ipid=""
exec 3>&-
"$gen" --scenario stable --batches 1 --batch-size 50 --first-batch 6 \
    --no-schema | grep -v '"type":"reference"' | \
    MLMON_SLACK_WEBHOOK_URL="http://127.0.0.1:$port/hook" \
    "$ingest" --send --quiet --config mlmon.conf --db "$s" \
    --expect-every 1h
check "restart: exit" $? 0
check "restart: the open condition resolved" "$(q "$s" "SELECT kind
    FROM alerts WHERE condition_key = 'stream_silent:default'
    ORDER BY id")" \
    "firing resolved firing resolved"

# 4. Labels late: batch 1 closes (batch 2 starts), no labels within 1 s.
"$gen" --scenario stable --batches 3 --batch-size 50 --label-delay 2 \
    >lab.ndjson
grep -v '"type":"labels"' lab.ndjson >nolab.ndjson
mkfifo in3.fifo
"$ingest" --config mlmon.conf --db "$l" --expect-labels-within 1s \
    <in3.fifo 2>ingest3.err &
ipid=$!
exec 3>in3.fifo
cat nolab.ndjson >&3
wait_rows "$l" labels_late:default 1
check "labels late: recorded once" "$(q "$l" "SELECT kind || ':' ||
    severity || ':' || channel || ':' || status FROM alerts
    WHERE condition_key = 'labels_late:default'")" \
    "firing:warning:log:recorded"
check "labels late: names the batch" "$(q "$l" "SELECT count(*) FROM
    alerts WHERE message LIKE '%since batch 1 closed at %'")" 1
grep '"type":"labels"' lab.ndjson | head -1 >&3
wait_rows "$l" labels_late:default 2
check "labels late: resolved by a labels record" "$(q "$l" "SELECT kind
    FROM alerts WHERE condition_key = 'labels_late:default'
    ORDER BY id")" "firing resolved"
exec 3>&-
wait "$ipid"
check "labels late: exit" $? 0
ipid=""

# 5. --follow: the log stops growing; then lines are appended again. The
# same for labels: labels_late paged (the config pages warnings here).
: >f.log
MLMON_SLACK_WEBHOOK_URL="http://127.0.0.1:$port/hook" \
    "$ingest" --send --quiet --config mlmon.conf --db "$f" --follow f.log \
    --expect-every 2s 2>follow.err &
ipid=$!
base=$(pages "stream silent")
t_end=$(now)
cat part1.ndjson >>f.log
took=$(wait_page "stream silent" $((base + 1)) 6 "$t_end")
echo "     follow: stream_silent paged $took s after the log stopped growing"
check "follow: one page" "$(pages "stream silent")" $((base + 1))
check "follow: after 2 s, within 3 s" \
    "$(awk "BEGIN { print ($took >= 2.0 && $took <= 3.0) }")" 1
check "follow: names the log file" "$(cat hook/req-*.json | grep -c \
    "stream silent: no prediction on f.log for [0-9.]* s (expected every \
2 s); last arrival 20[0-9-]*T[0-9:]*Z, batch 3")" 1
sleep 2.5
check "follow: still one page 2.5 s later" "$(pages "stream silent")" \
    $((base + 1))
cat part2.ndjson >>f.log
took=$(wait_page "predictions are back on f.log" 1 5)
echo "     follow: resolution paged $took s after lines were appended"
check "follow: resolution sent" "$(pages "resolved: predictions are back \
on f.log (batch 4)")" 1
check "follow: decisions stored" "$(q "$f" "SELECT kind || ':' || status
    FROM alerts WHERE condition_key = 'stream_silent:default'
    ORDER BY id")" "firing:delivered resolved:delivered"
kill -TERM "$ipid"
wait "$ipid"
check "follow: exit on SIGTERM" $? 0
ipid=""

sed 's/^min_severity_email = off$/&\nmin_severity_slack = warning/' \
    mlmon.conf >warn.conf
: >fl.log
MLMON_SLACK_WEBHOOK_URL="http://127.0.0.1:$port/hook" \
    "$ingest" --send --quiet --config warn.conf --db "$fl" --follow fl.log \
    --expect-labels-within 1s 2>follow-labels.err &
ipid=$!
cat nolab.ndjson >>fl.log
took=$(wait_page "labels late: no labels on fl.log" 1 8)
echo "     follow: labels_late paged $took s after the lines were appended"
check "follow labels: one page" "$(pages "labels late: no labels on fl.log")" 1
grep '"type":"labels"' lab.ndjson | head -1 >>fl.log
took=$(wait_page "labels arrived again on fl.log" 1 5)
echo "     follow: its resolution paged $took s after labels were appended"
check "follow labels: resolution sent" "$(pages "resolved: labels arrived \
again on fl.log")" 1
kill -TERM "$ipid"
wait "$ipid"
check "follow labels: exit on SIGTERM" $? 0
ipid=""

finish
