#!/bin/sh
# Pending alert pages and restarts: a --send run whose Slack webhook is
# down leaves its pages pending; a restart with empty input (nothing to
# batch, so no delivery round after a commit) must still deliver them to
# the real local webhook receiver (tests/alert/webhook-receiver.py), once.
# On either backend (lib.sh's store: under tests/pg/with-pg, PostgreSQL).
#
# usage: run-outbox.sh MLMON-INGEST MLMON-GEN WEBHOOK-RECEIVER
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
receiver=$(abspath "$3")
py=/usr/bin/python3
if [ ! -x "$py" ]; then
	echo "SKIP: no $py for the webhook receiver"
	exit 77
fi
sandbox outbox
o=$(store o)
rpid=""
on_exit='[ -n "$rpid" ] && kill "$rpid" 2>/dev/null'

# Short timings: a refused connection is retried 50 ms later.
cat >mlmon.conf <<'EOF'
[alert]
min_severity_email = off
retries = 0
backoff = 50ms
backoff_max = 50ms
connect_timeout = 1s
timeout = 2s
EOF
"$gen" --scenario abrupt --batches 8 >in.ndjson

# 1. The webhook is down: a receiver's port, closed again.
webhook_start "$receiver" down
kill "$rpid"
wait "$rpid" 2>/dev/null
rpid=""
MLMON_SLACK_WEBHOOK_URL="http://127.0.0.1:$port/hook" \
    "$ingest" --send --quiet --config mlmon.conf --db "$o" in.ndjson
check "webhook down: ingest exit" $? 0
pending=$(q "$o" "SELECT count(*) FROM alerts WHERE channel = 'slack'
    AND status = 'pending'")
echo "     $pending pages pending"
check "webhook down: pages pending" "$([ "$pending" -gt 0 ] && echo yes)" yes

# 2. Restart with empty input and the webhook up: all of them delivered.
webhook_start "$receiver" up
sleep 0.1	# past next_attempt_at
MLMON_SLACK_WEBHOOK_URL="http://127.0.0.1:$port/hook" \
    "$ingest" --send --config mlmon.conf --db "$o" </dev/null 2>up.err
check "restart, empty input: exit" $? 0
check "restart, empty input: nothing pending" "$(q "$o" "SELECT count(*)
    FROM alerts WHERE status = 'pending'")" 0
check "restart, empty input: delivered" "$(q "$o" "SELECT count(*)
    FROM alerts WHERE channel = 'slack' AND status = 'delivered'")" \
    "$pending"
check "restart, empty input: requests received" \
    "$(ls up | grep -c '^req-[0-9]*\.json$')" "$pending"
check "restart, empty input: delivery logged" \
    "$(grep -c '^alert: delivered alert [0-9]* to slack' up.err)" "$pending"

# 3. Again: nothing is sent twice.
MLMON_SLACK_WEBHOOK_URL="http://127.0.0.1:$port/hook" \
    "$ingest" --send --quiet --config mlmon.conf --db "$o" </dev/null
check "second restart: exit" $? 0
check "second restart: no new request" \
    "$(ls up | grep -c '^req-[0-9]*\.json$')" "$pending"

# 4. Another model's pages: left pending by a run of model fraud (its
# records name it), then a restart of --model default with empty input
# sends them too (they waited for fraud's next record before).
kill "$rpid"
wait "$rpid" 2>/dev/null
sed 's/^{/{"model":"fraud",/' in.ndjson >fraud.ndjson
MLMON_SLACK_WEBHOOK_URL="http://127.0.0.1:$port/hook" \
    "$ingest" --send --quiet --config mlmon.conf --db "$o" fraud.ndjson
check "fraud, webhook down: exit" $? 0
fraud=$(q "$o" "SELECT count(*) FROM alerts a JOIN models m USING
    (model_id) WHERE m.name = 'fraud' AND a.status = 'pending'")
echo "     $fraud of fraud's pages pending"
check "fraud, webhook down: pages pending" \
    "$([ "$fraud" -gt 0 ] && echo yes)" yes
rpid=""
webhook_start "$receiver" up2
sleep 0.1	# past next_attempt_at
MLMON_SLACK_WEBHOOK_URL="http://127.0.0.1:$port/hook" \
    "$ingest" --send --config mlmon.conf --db "$o" </dev/null 2>up2.err
check "restart of default, empty input: exit" $? 0
check "restart of default: fraud's pages delivered" "$(q "$o" "SELECT
    count(*) FROM alerts a JOIN models m USING (model_id) WHERE
    m.name = 'fraud' AND a.status = 'delivered'")" "$fraud"
check "restart of default: nothing pending" "$(q "$o" "SELECT count(*)
    FROM alerts WHERE status = 'pending'")" 0
check "restart of default: requests received" \
    "$(ls up2 | grep -c '^req-[0-9]*\.json$')" "$fraud"
check "restart of default: each names fraud" \
    "$(grep -l '\\"text\\":\\"fraud: ' up2/req-*.json | wc -l |
    tr -d ' ')" "$fraud"

finish
