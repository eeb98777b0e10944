#!/bin/sh
# Enter on an alert in the Alerts tab, in the real mlmon-top under a
# private tmux server (the pattern of tmux-e2e.sh: poll the pane, no
# fixed sleeps): the selected alert (the newest at first) is explained
# over the list (its id, rule and condition as `--once --alert` prints
# them), Escape goes back to the list, and after moving the selection one
# row down Enter explains the next older alert. In a store of two models,
# the all-models list (M, or --model '*') explains another model's alert
# from its own rows: its model, condition and feature names.
#
#   explain-tmux.sh MLMON-TOP MLMON-GEN MLMON-INGEST
set -eu

abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
top=$(abs "$1")
gen=$(abs "$2")
ingest=$(abs "$3")
sock=mlmon-explain-$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-explain.XXXXXX")
T() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() {
	T kill-server 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail=0
step=""

wait_for() {
	i=0
	while [ "$i" -lt 150 ]; do
		if T capture-pane -p -t t 2>/dev/null | grep -qF -- "$1"; then
			echo "ok   [$step] '$1'"
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "FAIL [$step]: '$1' never appeared; screen:"
	T capture-pane -p -t t 2>/dev/null | sed 's/^/  | /' || true
	fail=1
}

wait_gone() {
	i=0
	while [ "$i" -lt 150 ]; do
		if ! T capture-pane -p -t t | grep -qF -- "$1"; then
			echo "ok   [$step] '$1' gone"
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "FAIL [$step]: '$1' still on screen"
	fail=1
}

cd "$tmp"
"$gen" --scenario abrupt --seed 42 --batches 15 --label-delay 2 >s.ndjson
"$ingest" --db c.db -q s.ndjson
newest=$(sqlite3 c.db "SELECT max(id) FROM alerts")
key=$(sqlite3 c.db "SELECT condition_key FROM alerts WHERE id = $newest")
older=$(sqlite3 c.db "SELECT max(id) FROM alerts WHERE id < $newest")
okey=$(sqlite3 c.db "SELECT condition_key FROM alerts WHERE id = $older")

# A session that keeps the server up for the whole run: killing the last
# one makes the server exit, and a new-session racing that exit fails
# ("server exited unexpectedly") on a loaded machine (it did at the first
# change of console too, before this session came first).
T new-session -d -s keep "sleep 600"
T new-session -d -s t -x 120 -y 24 \
    "env MLMON_DB=c.db TERM=xterm-256color '$top' -M; sleep 60"
step="alerts tab"
T send-keys -t t 4
wait_for "newest first"
step="Enter explains the selected alert"
T send-keys -t t Enter
wait_for "Explain (Esc"
wait_for "alert $newest: "
wait_for "condition $key, opened at batch"
step="Escape goes back"
T send-keys -t t Escape
wait_gone "Explain (Esc"
wait_for "newest first"
step="one row down, Enter"
T send-keys -t t Down
T send-keys -t t Enter
wait_for "alert $older: "
wait_for "condition $okey, opened at batch"
T send-keys -t t Escape q

# A second model in a copy: its alerts are the newest of the store.
cp c.db m.db
"$gen" --scenario gradual --features 3 --classes 4 --seed 12 --batches 12 \
    --batch-size 150 --reference-rows 400 --label-delay 2 >o.ndjson
"$ingest" --db m.db -q --model other.m o.ndjson
mnewest=$(sqlite3 m.db "SELECT max(id) FROM alerts")
mkey=$(sqlite3 m.db "SELECT condition_key FROM alerts WHERE id = $mnewest")
# The other model's last drift condition; the newest alert it matches.
dkey=$(sqlite3 m.db "SELECT condition_key FROM alerts WHERE model_id =
    (SELECT model_id FROM models WHERE name = 'other.m')
    AND condition_key LIKE 'confirmed_drift:%' ORDER BY id DESC LIMIT 1")
drift=$(sqlite3 m.db "SELECT max(id) FROM alerts
    WHERE instr(condition_key, '$dkey') OR instr(message, '$dkey')")
T kill-session -t t
T new-session -d -s t -x 120 -y 24 \
    "env MLMON_DB=m.db TERM=xterm-256color '$top' -M; sleep 60"
step="two models: the console opens on the fleet, M lists every model"
wait_for "other.m"
T send-keys -t t 4
wait_for "newest first"
T send-keys -t t M
wait_for "Models: all"
step="Enter on another model's alert explains it"
T send-keys -t t Enter
wait_for "alert $mnewest: "
wait_for "model other.m, rule"
wait_for "condition $mkey, opened at batch"
T send-keys -t t Escape q
T kill-session -t t

step="--model '*' opens on the fleet, its Alerts tab lists every model"
T new-session -d -s t -x 120 -y 24 \
    "env MLMON_DB=m.db TERM=xterm-256color '$top' -M --model '*'; sleep 60"
wait_for "other.m"
T send-keys -t t 4
wait_for "Models: all"
step="/ finds the other model's drift page, Enter explains it"
T send-keys -t t / "$dkey" Enter
wait_for "Search: \"$dkey\""
T send-keys -t t Enter
wait_for "alert $drift: "
wait_for "model other.m, rule confirmed_drift"
wait_for "  f2 "
T send-keys -t t Escape q
[ "$fail" -eq 0 ] && echo "0 failed" || echo "failed"
exit "$fail"
