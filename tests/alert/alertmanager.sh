#!/bin/sh
# Alertmanager as a channel, against Debian's real prometheus-alertmanager
# (a private instance on a free loopback port, private config and data
# dir, no cluster) delivering to the local webhook receiver
# (webhook-receiver.py), checked through its API and amtool:
#
#  1. amtool silences confidence_drift before anything fires;
#  2. an abrupt drift read from a FIFO that stays open: the incident
#     arrives at the receiver grouped (one notification of the model's
#     group naming confirmed_drift and performance_decay), amtool finds
#     confirmed_drift with mlmon's labels, confidence_drift is in
#     Alertmanager but suppressed by the silence and in no notification;
#  3. no input for 3x the 4 s lifetime of one post: ingest's re-post
#     timer keeps the alerts active, endsAt moves forward;
#  4. stable batches: the conditions resolve, the resolution (endsAt =
#     now) reaches the receiver and the alerts leave Alertmanager;
#  5. a second ingest with an open condition is stopped: the alert
#     expires at its endsAt, about 4 s later, with no resolution posted.
#
# usage: alertmanager.sh MLMON-INGEST MLMON-GEN WEBHOOK-RECEIVER
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
receiver=$(abspath "$3")
py=/usr/bin/python3
sandbox alertmanager
for p in prometheus-alertmanager amtool curl "$py"; do
	if ! command -v "$p" >/dev/null 2>&1; then
		echo "FAIL $p not found (run scripts/install-deps)"
		exit 1
	fi
done
rpid=""
ampid=""
ipid=""
on_exit='exec 3>&- 4>&- 2>/dev/null;
    for x in $ipid $ampid $rpid; do kill $x 2>/dev/null; done; wait'

now() { date +%s.%N; }
# within SECONDS CMD...: until CMD succeeds, at most SECONDS; its status.
within() {
	t0=$(now)
	lim=$1
	shift
	until "$@"; do
		if [ "$(awk "BEGIN { print ($(now) - $t0 > $lim) }")" = 1 ]
		then
			return 1
		fi
		sleep 0.1
	done
}

webhook_start "$receiver" hook
am_port=$("$py" -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
am="http://127.0.0.1:$am_port"
cat >am.yml <<EOF
route:
  receiver: hook
  group_by: [model]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:$port/am
        send_resolved: true
EOF
prometheus-alertmanager --config.file=am.yml --storage.path="$tmp/am-data" \
    --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= \
    --log.level=warn >am.log 2>&1 &
ampid=$!
yes_if "alertmanager up" within 20 curl -sf -o /dev/null "$am/-/ready"

# amq [MATCHER...]: the alerts amtool finds, one line each:
# alertname model severity features state endsAt.
amq() {
	amtool --alertmanager.url="$am" alert query -o json "$@" |
	    "$py" -c '
import json, sys
for a in sorted(json.load(sys.stdin), key=lambda a: a["labels"]["alertname"]):
    l = a["labels"]
    print(l["alertname"], l.get("model"), l.get("severity"),
          l.get("features", "-"), a["status"]["state"], a["endsAt"])
'
}
# The webhook notifications as "status: alertname,alertname" per line.
notes() {
	cat hook/req-*.json 2>/dev/null | "$py" -c '
import json, sys
for line in sys.stdin:
    for doc in line.replace("}{", "}\n{").splitlines():
        b = json.loads(json.loads(doc)["body"])
        print(b["status"] + ": " + ",".join(sorted(
            a["labels"]["alertname"] + "=" + a["status"]
            for a in b["alerts"])), "group", b["groupLabels"])
'
}
has_note() { notes | grep -q "$1"; }
gone() { [ -z "$(amq "alertname=$1")" ]; }
active() { [ -n "$(amq "alertname=$1")" ]; }

sid=$(amtool --alertmanager.url="$am" silence add alertname=confidence_drift \
    --duration=1h --author=mlmon-test --comment="known, muted")
yes_if "amtool silence added" [ -n "$sid" ]

cat >mlmon.conf <<EOF
[alert]
min_severity_slack = off
min_severity_email = off
retries = 0
timeout = 3s
[alertmanager]
url = $am
resend_interval = 1s
EOF
"$gen" --scenario abrupt --batches 8 >drift.ndjson
"$gen" --scenario stable --batches 4 --first-batch 9 --no-schema |
    grep -v '"type":"reference"' >stable.ndjson

# 2. The incident, on a FIFO that stays open.
mkfifo in.fifo
"$ingest" --send --config mlmon.conf --db m.db <in.fifo 2>ingest.err &
ipid=$!
exec 3>in.fifo
cat drift.ndjson >&3
yes_if "incident notified, grouped" within 15 has_note \
    'firing: .*confirmed_drift=firing.*performance_decay=firing'
check "one group: the model" "$(notes | grep -c "group {'model': 'default'}")" \
    "$(notes | wc -l)"
keys=$(q m.db "SELECT condition_key FROM alert_conditions WHERE open = 1
    AND rule = 'confirmed_drift'")
got=$(amq alertname=confirmed_drift | cut -d' ' -f1-5)
check "amtool: confirmed_drift with mlmon's labels" "$got" \
    "confirmed_drift default critical ${keys#confirmed_drift:} active"
check "amtool: performance_decay" \
    "$(amq alertname=performance_decay | cut -d' ' -f1-5)" \
    "performance_decay default critical - active"
check "amtool: the silenced rule is in Alertmanager, suppressed" \
    "$(amq -s alertname=confidence_drift | cut -d' ' -f1,5)" \
    "confidence_drift suppressed"
check "silenced rule open in the store" "$(q m.db "SELECT open FROM
    alert_conditions WHERE condition_key = 'confidence_drift'")" 1
check "store: firing rows delivered to alertmanager" "$(q m.db "SELECT
    count(*) FROM alerts WHERE channel = 'alertmanager' AND kind =
    'firing' AND status <> 'delivered'")" 0
yes_if "store: warnings go to alertmanager too" [ "$(q m.db "SELECT count(*)
    FROM alerts WHERE channel = 'alertmanager' AND severity = 'warning'
    AND kind = 'firing'")" -ge 1 ]

# 3. No input for 12 s: three lifetimes of one post.
end1=$(amq alertname=confirmed_drift | cut -d' ' -f6)
sleep 12
check "re-posted: still active after 12 s without a batch" \
    "$(amq alertname=confirmed_drift | cut -d' ' -f5)" active
end2=$(amq alertname=confirmed_drift | cut -d' ' -f6)
yes_if "endsAt moved forward ($end1 -> $end2)" [ "$end2" \> "$end1" ]
check "no notification of the silenced rule" \
    "$(notes | grep -c confidence_drift)" 0

# 4. The stream recovers: resolutions with endsAt = now.
cat stable.ndjson >&3
yes_if "resolution notified" within 20 has_note \
    'resolved: .*confirmed_drift=resolved'
yes_if "resolved alerts leave Alertmanager" within 10 gone confirmed_drift
check "store: resolved rows delivered to alertmanager" "$(q m.db "SELECT
    count(*) FROM alerts WHERE channel = 'alertmanager' AND kind =
    'resolved' AND status = 'delivered' AND condition_key LIKE
    'confirmed_drift:%'")" 1
exec 3>&-
wait "$ipid"
check "ingest exit" $? 0
ipid=""

# 5. Ingest stops while a condition is open: the alert expires by itself.
"$gen" --scenario abrupt --batches 6 >drift2.ndjson
mkfifo in2.fifo
"$ingest" --send --config mlmon.conf --db m2.db <in2.fifo 2>ingest2.err &
ipid=$!
exec 4>in2.fifo
cat drift2.ndjson >&4
yes_if "second incident active" within 15 active confirmed_drift
sleep 1.5	# a re-post or two
kill -TERM "$ipid"
wait "$ipid"
ipid=""
exec 4>&-
t0=$(now)
yes_if "expired at its endsAt once ingest is gone" within 10 gone \
    confirmed_drift
took=$(awk "BEGIN { printf \"%.1f\", $(now) - $t0 }")
echo "     gone from Alertmanager $took s after ingest stopped"
yes_if "not before its endsAt (>= 2 s)" \
    [ "$(awk "BEGIN { print ($took >= 2) }")" = 1 ]
check "no resolution posted by the stopped ingest" "$(q m2.db "SELECT
    count(*) FROM alerts WHERE kind = 'resolved'")" 0
finish
