#!/bin/sh
# Enter on an alert in the Alerts tab, in the real mlmon-top under a
# private tmux server (the pattern of tmux-e2e.sh: poll the pane, no
# fixed sleeps): the selected alert (the newest at first) is explained
# over the list (its id, rule and condition as `--once --alert` prints
# them), Escape goes back to the list, and after moving the selection one
# row down Enter explains the next older alert. In a store of two models,
# the all-models list (M, or --model '*') explains another model's alert
# from its own rows: its model, condition and feature names. On either
# backend (tests/lib.sh's store: under tests/pg/with-pg, PostgreSQL
# databases, the second a copy of the first by store_copy).
#
#   explain-tmux.sh MLMON-TOP MLMON-GEN MLMON-INGEST
set -eu
. "$(dirname "$0")/../lib.sh"

abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
top=$(abs "$1")
gen=$(abs "$2")
ingest=$(abs "$3")
sock=mlmon-explain-$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-explain.XXXXXX")
wait_default=15
. "$(dirname "$0")/tmux-lib.sh"

# Session t (120x24) running the console on store $1 with flags $2...,
# "EXITED=status" on screen once it ends.
console() {
	db=$1
	shift
	T kill-session -t t 2>/dev/null || true
	T new-session -d -s t -x 120 -y 24 "env MLMON_DB='$db' \
	    TERM=xterm-256color '$top' -M $*; echo EXITED=\$?; sleep 60"
	T set-option -t t remain-on-exit on >/dev/null
}

cd "$tmp"
c=$(store c)
"$gen" --scenario abrupt --seed 42 --batches 15 --label-delay 2 >s.ndjson
"$ingest" --db "$c" -q s.ndjson
newest=$(q "$c" "SELECT max(id) FROM alerts")
key=$(q "$c" "SELECT condition_key FROM alerts WHERE id = $newest")
older=$(q "$c" "SELECT max(id) FROM alerts WHERE id < $newest")
okey=$(q "$c" "SELECT condition_key FROM alerts WHERE id = $older")

# A session that keeps the server up for the whole run: killing the last
# one makes the server exit, and a new-session racing that exit fails
# ("server exited unexpectedly") on a loaded machine (it did at the first
# change of console too, before this session came first).
T new-session -d -s keep "sleep 600"
console "$c"
step="alerts tab"
keys 4
wait_for "newest first"
step="Enter explains the selected alert"
keys Enter
wait_for "Explain (Esc"
wait_for "alert $newest: "
wait_for "condition $key, opened at batch"
step="Escape goes back"
keys Escape
wait_gone "Explain (Esc"
wait_for "newest first"
step="one row down, Enter"
keys Down
keys Enter
wait_for "alert $older: "
wait_for "condition $okey, opened at batch"
keys Escape q
wait_for "EXITED=0"

# A second model in a copy: its alerts are the newest of the store.
m=$(store_copy "$c" m)
"$gen" --scenario gradual --features 3 --classes 4 --seed 12 --batches 12 \
    --batch-size 150 --reference-rows 400 --label-delay 2 >o.ndjson
"$ingest" --db "$m" -q --model other.m o.ndjson
mnewest=$(q "$m" "SELECT max(id) FROM alerts")
mkey=$(q "$m" "SELECT condition_key FROM alerts WHERE id = $mnewest")
# The other model's last drift condition; the newest alert naming it.
dkey=$(q "$m" "SELECT condition_key FROM alerts WHERE model_id =
    (SELECT model_id FROM models WHERE name = 'other.m')
    AND condition_key LIKE 'confirmed_drift:%' ORDER BY id DESC LIMIT 1")
drift=$(q "$m" "SELECT max(id) FROM alerts WHERE
    replace(condition_key, '$dkey', '') <> condition_key OR
    replace(message, '$dkey', '') <> message")
console "$m"
step="two models: the console opens on the fleet, M lists every model"
wait_for "other.m"
keys 4
wait_for "newest first"
keys M
wait_for "Models: all"
step="Enter on another model's alert explains it"
keys Enter
wait_for "alert $mnewest: "
wait_for "model other.m, rule"
wait_for "condition $mkey, opened at batch"
keys Escape q
wait_for "EXITED=0"

step="--model '*' opens on the fleet, its Alerts tab lists every model"
console "$m" --model "'*'"
wait_for "other.m"
keys 4
wait_for "Models: all"
step="/ finds the other model's drift page, Enter explains it"
keys / "$dkey" Enter
wait_for "Search: \"$dkey\""
keys Enter
wait_for "alert $drift: "
wait_for "model other.m, rule confirmed_drift"
wait_for "  f2 "
keys Escape q
wait_for "EXITED=0"
[ "$fail" -eq 0 ] && echo "0 failed" || echo "failed"
exit "$fail"
