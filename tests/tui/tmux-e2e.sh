#!/bin/sh
# End-to-end: the real mlmon-top in a private tmux server (fish-shell's
# isolated-tmux pattern, tmux regress/*.sh). Poll capture-pane until a
# marker shows (no fixed sleeps), send keys, assert what is on screen.
# Mouse events are SGR sequences sent as literal keys; tmux's pane flags
# (#{mouse_standard_flag}) tell whether the app asked for the mouse.
#
#   tmux-e2e.sh MLMON_TOP MKFIXTURE [MLMON_GEN MLMON_INGEST]
set -eu

top=$1
mkfixture=$2
gen=${3:-}
ingest=${4:-}
sock=mlmon-test-$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-e2e.XXXXXX")
. "$(dirname "$0")/tmux-lib.sh"

# A session that outlives the others, so killing one never stops the
# server under the next new-session.
T new-session -d -s keep "sleep 600"
"$mkfixture" "$tmp/fx.db"
env_utf8="env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color TZ=UTC XDG_STATE_HOME=$tmp/state MLMON_NOW=1700001300"

# ---- every tab, keys, help, resize, pause, quit ----
step=tabs
start "$env_utf8 $top --db $tmp/fx.db -d 0.2"
wait_for "Overview [1]"
wait_for "Drifted batches: 11/20 at PSI>0.20"
keys 2;		wait_for "PSI of age"
keys Down;	wait_for "PSI of income"
keys 3;		wait_for "Reliability"
wait_for "Batch 16 of 1-20"
keys Left;	wait_for "Batch 15 of"
keys End;	wait_for "Batch 16 of 1-20 (newest labelled)"
keys Home;	wait_for "Batch 1 of"
keys g 1 8 Enter; wait_for "no ground truth yet"
keys 4;		wait_for "1-14 of 14, newest first"
keys v;		wait_for "Severity: critical"
keys / d e c a y; wait_for 'Search: "decay"'
keys Enter;	wait_for "1-2 of 2"
keys Escape;	wait_for "Severity: all"
step=snapshot
snap=$tmp/state/mlmon-top/snap-20231114-223500.txt
keys s;		wait_for "saved $snap"
if [ ! -f "$snap" ] || ! grep -qF "1-14 of 14, newest first" "$snap"; then
	echo "FAIL [snapshot]: $snap missing or not the Alerts tab"; fail=1
fi
for d in "$tmp/state" "$tmp/state/mlmon-top"; do
	[ "$(stat -c %a "$d")" = 700 ] || { echo "FAIL [snapshot]: $d not 0700"; fail=1; }
done
wait_gone "saved $snap"
step=help
keys '?';	wait_for "Help (Esc closes)"
keys Escape;	wait_gone "Help (Esc closes)"
keys Tab;	wait_for "1 model, 1 shown, worst first"
keys Tab;	wait_for "Latest alerts"
keys BTab;	wait_for "1 model, 1 shown, worst first"
keys BTab;	wait_for "newest first"
step=pause
keys Space;	wait_for "PAUSED"
keys p;		wait_gone "PAUSED"
keys + +;	wait_for "0.4s"
step=resize
T resize-window -t t -x 50 -y 12; wait_for "Terminal size too small"
wait_for "Width = 50 Height = 12"
T resize-window -t t -x 100 -y 30; wait_for "newest first"
keys C-l;	wait_for "newest first"
step=quit
keys q;		wait_for "EXITED=0"

# ---- mouse: SGR click on a tab label, the wheel, -M ----
step=mouse
esc=$(printf '\033')
click() { keys -l "$esc[<0;$1;$2M"; keys -l "$esc[<0;$1;$2m"; }
start "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color MLMON_NOW=1700001300 $top --db $tmp/fx.db -d 0.2"
wait_for "Overview [1]"
[ "$(T display -p -t t '#{mouse_standard_flag}')" = 1 ] || {
	echo "FAIL [mouse]: the console did not ask for the mouse"; fail=1; }
click 51 1;	wait_for "newest first"		# "Alerts [4]"
click 19 1;	wait_for "PSI of age"		# "Drift [2]"
keys -l "$esc[<65;30;12M";	wait_for "PSI of income"	# wheel down
keys -l "$esc[<64;30;12M";	wait_for "PSI of age"		# wheel up
click 14 1;	sleep 0.3			# the " |" between tabs
T capture-pane -p -t t | grep -qF "PSI of age" || {
	echo "FAIL [mouse]: a click between tabs did something"; fail=1; }
keys '?';	wait_for "Shift+drag"
keys q;		wait_for "EXITED=0"
[ "$(T display -p -t t '#{mouse_standard_flag}')" = 0 ] || {
	echo "FAIL [mouse]: mouse mode left on after exit"; fail=1; }
step=no-mouse
start "env LANG=C.UTF-8 TERM=xterm-256color $top --db $tmp/fx.db -M"
wait_for "Overview [1]"
[ "$(T display -p -t t '#{mouse_standard_flag}')" = 0 ] || {
	echo "FAIL [no-mouse]: -M still asked for the mouse"; fail=1; }
keys q;		wait_for "EXITED=0"

# ---- ASCII, C locale, NO_COLOR: not one non-ASCII byte ----
step=ascii
start "env LANG=C LC_ALL=C NO_COLOR=1 TERM=screen MLMON_NOW=1700001300 $top --db $tmp/fx.db"
wait_for "Overview [1]"
for k in 1 2 3 4; do
	keys "$k"
	sleep 0.3
	if T capture-pane -p -t t | LC_ALL=C grep -q '[^ -~]'; then
		echo "FAIL [ascii]: non-ASCII byte on tab $k"; fail=1
	fi
done
wait_for "newest first"
keys q;		wait_for "EXITED=0"
step=ascii-flag
start "$env_utf8 $top --db $tmp/fx.db --ascii"
wait_for "Overview [1]"
keys 2; wait_for "PSI of age"
if T capture-pane -p -t t | LC_ALL=C grep -q '[^ -~]'; then
	echo "FAIL [ascii-flag]: non-ASCII byte with --ascii"; fail=1
fi
keys q;		wait_for "EXITED=0"

# ---- a store that does not exist yet, then ingest starts ----
step=empty
start "$env_utf8 $top --db $tmp/late.db -d 0.2"
wait_for "Waiting for data"
"$mkfixture" "$tmp/late.db" --last 3
wait_for "Latest batch 3"
step=deleted
rm -f "$tmp/late.db" "$tmp/late.db-wal" "$tmp/late.db-shm"
wait_for "was deleted"
"$mkfixture" "$tmp/late.db" --last 4
wait_for "Latest batch 4"
keys q;		wait_for "EXITED=0"

# ---- live: a writer appends batches while the console runs ----
step=live
"$mkfixture" "$tmp/live.db" --live --last 3
start "env LANG=C.UTF-8 TERM=screen-256color $top --db $tmp/live.db -d 0.1"
wait_for "Latest batch 3"
keys 4
"$mkfixture" "$tmp/live.db" --live --first 4 --last 14 --sleep-ms 100 &
writer=$!
# Any batch past the first three while the writer runs, then the last.
wait_re "  batch ([4-9]|1[0-4])  " 20
wait_for "batch 14" 20
wait_for "1-10 of 10, newest first" 20
# Alerts that arrived while it ran are marked for a few seconds.
step=highlight
wait_for "•" 5
wait_gone "•"
step=live
wait "$writer"; writer=""
keys 1;		wait_for "Latest batch 14"
keys Space;	wait_for "PAUSED"
"$mkfixture" "$tmp/live.db" --live --first 15 --last 15
sleep 0.5
if T capture-pane -p -t t | grep -qF "Latest batch 15"; then
	echo "FAIL [live]: updated while paused"; fail=1
fi
keys Space;	wait_for "Latest batch 15"
# The batch that just arrived is in reverse (SGR 7), then plain again.
step=highlight-batch
if ! T capture-pane -e -p -t t | grep -F "Latest batch 15" | grep -q '7m'; then
	echo "FAIL [highlight-batch]: new batch not in reverse"; fail=1
fi
i=0
while T capture-pane -e -p -t t | grep -F "Latest batch 15" | grep -q '7m'; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { echo "FAIL [highlight-batch]: still reverse"; fail=1; break; }
	sleep 0.1
done
step=live

# ---- idle CPU over 3 s at -d 0.1 on a store nobody writes ----
# (the live console above, before the next step replaces it)
step=idle
pid=$(pgrep -n -f "mlmon-top --db $tmp/live.db" || true)
if [ -n "$pid" ]; then
	t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	sleep 3
	t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	ticks=$(getconf CLK_TCK)
	pct=$(awk -v a="$t0" -v b="$t1" -v hz="$ticks" \
	    'BEGIN { printf "%.2f", (b - a) * 100 / hz / 3 }')
	echo "idle CPU at -d 0.1: ${pct}%"
	if awk -v p="$pct" 'BEGIN { exit !(p > 5) }'; then
		echo "FAIL [idle]: ${pct}% CPU"; fail=1
	fi
fi
keys q;		wait_for "EXITED=0"

# ---- live with the real pipeline: mlmon-gen --rate | mlmon-ingest ----
if [ -n "$gen" ] && [ -n "$ingest" ]; then
	step=live-ingest
	start "env LANG=C.UTF-8 TERM=screen-256color $top --db $tmp/real.db -d 0.1"
	wait_for "Waiting for data"
	"$gen" --scenario abrupt --batches 12 --rate 2000 |
	    "$ingest" --db "$tmp/real.db" --quiet --flush-ms 50 &
	writer=$!
	# Some batch while the stream is still running, then the last one.
	wait_re "Latest batch ([1-9]|1[01]) " 20
	wait_for "Latest batch 12" 30
	wait "$writer"; writer=""
	keys 2;		wait_for "First fired: PSI b5"
	keys q;		wait_for "EXITED=0"

	# Labels 5 batches late: the estimate before them, its band drawn
	# in its own colour on the chart, graded once they land.
	step=estimate
	start "env LANG=C.UTF-8 TERM=screen-256color $top --db $tmp/est.db -d 0.1"
	wait_for "Waiting for data"
	"$gen" --scenario stable_overlap --batches 12 --label-delay 5 \
	    --rate 1500 | "$ingest" --db "$tmp/est.db" --quiet \
	    --flush-ms 50 &
	writer=$!
	wait_re "Estimated accuracy 0\.[0-9]{3} \[0\.[0-9]{3}, 0\.[0-9]{3}\]" 20
	wait_for "newest batches: no labels yet" 20
	wait "$writer"; writer=""
	wait_re "MAE 0\.[0-9]{3} \(12 graded\)" 10
	wait_for " est  band " 5
	# ROLE_ESTIMATE is green (SGR 32) and draws braille dots on the chart.
	# (UTF-8 braille is \342\240-\243 then one more byte.)
	if ! T capture-pane -e -p -t t | LC_ALL=C grep -q \
	    "$(printf '32m\342[\240-\243]')"; then
		echo "FAIL [estimate]: no estimate dots in green"; fail=1
	fi
	keys q;		wait_for "EXITED=0"
fi

# ---- 500 features, one categorical: order, filter, paging, bars ----
if [ -n "$gen" ] && [ -n "$ingest" ]; then
	step=features-500
	"$gen" --scenario tabular --features 500 --batches 6 |
	    "$ingest" --db "$tmp/wide.db" --quiet
	start "env LANG=C.UTF-8 TERM=screen-256color $top --db $tmp/wide.db --tab drift"
	wait_for "by schema order"
	wait_for "features 1-"
	wait_re "of 500 \\(Up/Down"
	keys o;		wait_for "by PSI"
	# The categorical feature drifts most: first, with its bars.
	wait_re "^.f2 .*PSI! chi2! new!"
	wait_for "Categories of f2"
	wait_re "basic .*%"
	keys o;		wait_for "by p"
	keys o;		wait_for "by missing"
	wait_re "^.f1 .*miss!"
	keys o;		wait_for "by name"
	keys o;		wait_for "by schema order"
	keys /;		keys -l "f49"
	wait_for "by schema order, /f49"
	keys Enter;	wait_gone "Search: f49"
	# f49 and f490-f499: all on one page, nothing else.
	wait_re "^.f499 "
	wait_gone "features 1-"
	[ "$(T capture-pane -p -t t | grep -cE '^.f49[0-9]? ')" = 11 ] || {
		echo "FAIL [$step]: not the 11 features of /f49"; fail=1; }
	keys Escape;	wait_gone "/f49"
	keys End;	wait_re "^.f499 .*"
	wait_re "features [0-9]+-500 of 500"
	wait_for "PSI of f499"
	keys PgUp;	wait_gone "features 483-500"
	keys q;		wait_for "EXITED=0"
fi

# ---- terminals curses cannot drive ----
step=dumb
start "env TERM=dumb $top --db $tmp/fx.db"
wait_for "cannot move the cursor"
wait_for "EXITED=1"
if "$top" --db "$tmp/fx.db" </dev/null >"$tmp/out" 2>&1; then
	echo "FAIL [notty]: started without a terminal"; fail=1
fi
grep -q -- "--once" "$tmp/out" || { echo "FAIL [notty]: no hint"; fail=1; }

# ---- SIGTERM restores the terminal ----
step=sigterm
start "$env_utf8 $top --db $tmp/fx.db"
wait_for "Overview [1]"
pkill -TERM -n -f "mlmon-top --db $tmp/fx.db" || true
wait_for "EXITED=143"

[ "$fail" -eq 0 ] && echo "ok: tmux end-to-end"
exit "$fail"
