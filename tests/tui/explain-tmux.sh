#!/bin/sh
# Enter on an alert in the Alerts tab, in the real mlmon-top under a
# private tmux server (the pattern of tmux-e2e.sh: poll the pane, no
# fixed sleeps): the selected alert (the newest at first) is explained
# over the list (its id, rule and condition as `--once --alert` prints
# them), Escape goes back to the list, and after moving the selection one
# row down Enter explains the next older alert.
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
[ "$fail" -eq 0 ] && echo "0 failed" || echo "failed"
exit "$fail"
