#!/bin/sh
# Ack and silence from the console, end to end: the real mlmon-top in a
# private tmux server writes the requests, and the real mlmon-ingest
# --send on the same store, paging the local webhook receiver
# (tests/alert/webhook-receiver.py) with repeat_interval 0 (every drifted
# batch would page again), honours them:
#
#  1. batches 1-6 of an abrupt drift: confirmed_drift pages;
#  2. a on its alert (found with /): an ack row by $USER; batches 7-8
#     record its repeats as "silenced" and page nothing for it, while
#     performance_decay, not acked, still pages;
#  3. u: the ack removed; batch 9 pages confirmed_drift again;
#  4. S, Tab (the rule), 30m, Enter: a silence of the rule until now +
#     30 min; batch 10 is silenced; --once shows it (text and json);
#  5. a second model in the same store still pages: the silence is
#     default's;
#  6. --read-only refuses a with a message and writes nothing.
#
# On either backend (lib.sh's store: under tests/pg/with-pg, PostgreSQL,
# where the console reads in a read-only session and writes its acks and
# silences in a transaction of their own).
#
# usage: mute-e2e.sh MLMON-TOP MLMON-INGEST MLMON-GEN WEBHOOK-RECEIVER
set -u
. "$(dirname "$0")/../lib.sh"
top=$(abspath "$1")
ingest=$(abspath "$2")
gen=$(abspath "$3")
receiver=$(abspath "$4")
sandbox mute-e2e
m=$(store m)
for p in tmux /usr/bin/python3; do
	if ! command -v "$p" >/dev/null 2>&1; then
		echo "FAIL $p not found (run scripts/install-deps)"
		exit 1
	fi
done
sock=mlmon-mute-$$
T() { tmux -L "$sock" -f /dev/null "$@"; }
rpid=""
on_exit='T kill-server 2>/dev/null; [ -n "$rpid" ] && kill "$rpid" 2>/dev/null'

# wait_for TEXT: poll the pane (10 s at most); on failure show it.
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		T capture-pane -p -t t 2>/dev/null | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	T capture-pane -p -t t 2>/dev/null | sed 's/^/  | /'
	return 1
}
keys() { T send-keys -t t "$@"; }
# pages TEXT: webhook requests whose body holds TEXT.
pages() { cat hook/req-*.json 2>/dev/null | grep -o "$1" | wc -l; }
# feed FROM TO [MODEL]: batches FROM..TO of the stream into ingest
# --send (as MODEL, default "default").
feed() {
	awk -v lo="$1" -v hi="$2" '{
		b = 0
		if (match($0, /"batch_id":[0-9]+/))
			b = substr($0, RSTART + 11, RLENGTH - 11) + 0
		if ((b == 0 && lo == 1) || (b >= lo && b <= hi))
			print
	}' stream.ndjson |
	    MLMON_SLACK_WEBHOOK_URL="http://127.0.0.1:$port/hook" \
	    "$ingest" --send --quiet --config mlmon.conf --db "$m" \
	    --model "${3:-default}" 2>>ingest.err
	check "ingest batches $1-$2${3:+ of $3}" $? 0
}

webhook_start "$receiver" hook
cat >mlmon.conf <<'EOF'
[alert]
repeat_interval = 0s
min_severity_email = off
retries = 0
timeout = 3s
EOF
"$gen" --scenario abrupt --batches 10 --batch-size 100 >stream.ndjson

# 1. The incident pages.
feed 1 6
drift=$(pages "confirmed drift")
yes_if "confirmed_drift paged ($drift pages)" [ "$drift" -ge 1 ]
key=$(q "$m" "SELECT condition_key FROM alert_conditions WHERE open = 1
    AND rule = 'confirmed_drift'")

# 2. Acknowledged from the console.
T new-session -d -s keep "sleep 600"
T new-session -d -s t -x 140 -y 30 "env USER=alice LANG=C.UTF-8 \
    TERM=screen-256color $top --db '$m' -d 0.2; sleep 60"
yes_if "console up" wait_for "Overview [1]"
keys 4
keys / c o n f i r m e d Enter
yes_if "feed filtered" wait_for 'Search: "confirmed"'
keys a
yes_if "ack: said on screen" wait_for "acknowledged $key as alice"
yes_if "ack: listed above the feed" wait_for "ACKED    $key by alice"
check "ack: stored with the user and the opening" "$(q "$m" "SELECT
    m.kind, m.scope, m.target, m.created_by,
    CASE WHEN m.opened_at = c.opened_at THEN 1 ELSE 0 END FROM alert_mutes m JOIN alert_conditions c ON c.condition_key =
    m.target")" "ack|condition|$key|alice|1"
decay=$(pages "performance decay")
feed 7 8
check "ack: no page of the acked condition" "$(pages "confirmed drift")" \
    "$drift"
yes_if "ack: the other condition still pages" \
    [ "$(pages "performance decay")" -gt "$decay" ]
check "ack: its repeats recorded as silenced" "$(q "$m" "SELECT count(*)
    FROM alerts WHERE condition_key = '$key' AND batch_id IN (7, 8) AND
    status = 'silenced' AND channel = 'log' AND message LIKE
    '%acknowledged by alice%'")" 2

# 3. Undone: it pages again.
keys u
yes_if "undo: said on screen" wait_for "removed 1 ack or silence on $key"
check "undo: stored" "$(q "$m" "SELECT removed_by FROM alert_mutes")" alice
feed 9 9
check "undo: pages again" "$(pages "confirmed drift")" "$((drift + 1))"

# 4. The rule silenced for 30 minutes.
keys S
yes_if "silence: the prompt" wait_for "Silence condition $key for: 1h"
keys Tab
yes_if "silence: Tab picks the rule" \
    wait_for "Silence rule confirmed_drift for: 1h"
keys BSpace BSpace 3 0 m Enter
yes_if "silence: said on screen" \
    wait_for "silenced rule confirmed_drift for 30m as alice"
check "silence: stored for 30 minutes" "$(q "$m" "SELECT kind, scope,
    target, created_by, CAST(round(until - created_at) AS INTEGER) FROM
    alert_mutes WHERE removed_at IS NULL")" \
    "silence|rule|confirmed_drift|alice|1800"
feed 10 10
check "silence: no page" "$(pages "confirmed drift")" "$((drift + 1))"
check "silence: recorded as silenced" "$(q "$m" "SELECT count(*) FROM
    alerts WHERE batch_id = 10 AND condition_key = '$key' AND status =
    'silenced' AND message LIKE
    '%rule confirmed_drift silenced by alice%'")" 1
yes_if "--once text shows the silence" sh -c "'$top' --db '$m' --once \
    --tab alerts --width 120 | grep -q \
    'SILENCED rule confirmed_drift by alice'"
check "--once json shows it" "$("$top" --db "$m" --once --tab alerts \
    --format json | jq -c '[.mutes[] | [.kind, .scope, .target, .by]]')" \
    '[["silence","rule","confirmed_drift","alice"]]'

# 5. Acks and silences belong to a model: another model's drift in the
# same store still pages while default's rule is silenced.
feed 1 6 fraud
check "other model: pages" "$(pages "confirmed drift")" "$((drift + 1 +
    $(q "$m" "SELECT count(*) FROM alerts a JOIN models m USING
    (model_id) WHERE m.name = 'fraud' AND a.channel = 'slack' AND
    a.condition_key LIKE 'confirmed_drift:%'")))"
check "other model: nothing silenced" "$(q "$m" "SELECT count(*) FROM
    alerts a JOIN models m USING (model_id) WHERE m.name = 'fraud' AND
    a.status = 'silenced'")" 0
yes_if "other model: its drift paged at least once" [ "$(q "$m" "SELECT
    count(*) FROM alerts a JOIN models m USING (model_id) WHERE m.name =
    'fraud' AND a.channel = 'slack' AND a.status = 'delivered'")" -ge 1 ]

# 6. --read-only refuses.
T kill-session -t t
T new-session -d -s t -x 140 -y 30 "env USER=bob LANG=C.UTF-8 \
    TERM=screen-256color $top --db '$m' --read-only -d 0.2; sleep 60"
yes_if "read-only console up" wait_for "Overview [1]"
keys 4 a
yes_if "read-only: refused on screen" \
    wait_for "read-only console (--read-only): cannot acknowledge"
check "read-only: nothing written" "$(q "$m" "SELECT count(*) FROM
    alert_mutes WHERE created_by = 'bob'")" 0
finish
