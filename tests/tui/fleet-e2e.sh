#!/bin/sh
# The Fleet tab end to end: the real mlmon-top in a private tmux server
# (as tmux-e2e.sh) on a store of two calm models, while a third model's
# ingest starts writing an abrupt drift. The console opens on the Fleet
# (several models), shows the new model at the top as [CRIT] at most 1 s
# (5 refreshes) after the store holds its first critical condition, Enter opens it on the Overview
# with the model named in the header, 0 comes back, / filters by name.
# On either backend (tests/lib.sh's store: under tests/pg/with-pg, a
# PostgreSQL database, the console woken by the writer's notifications).
#
#   fleet-e2e.sh MLMON_TOP MLMON_INGEST MLMON_GEN
set -eu
. "$(dirname "$0")/../lib.sh"

top=$1
ingest=$2
gen=$3
sock=mlmon-fleet-$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-fleet.XXXXXX")
wait_default=20
. "$(dirname "$0")/tmux-lib.sh"

db=$(cd "$tmp" && store fleet)
for m in alpha beta; do
	"$gen" --scenario stable --batches 4 --batch-size 300 \
	    --reference-rows 600 | "$ingest" --quiet --db "$db" --model "$m"
done

T new-session -d -s keep "sleep 600"
T new-session -d -s t -x 110 -y 30 "env LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    TERM=screen-256color TZ=UTC $top --db '$db' -d 0.2; echo EXITED=\$?; \
    sleep 60"
T set-option -t t remain-on-exit on >/dev/null

step=opens-on-fleet
wait_re '▸Fleet \[0\]'
wait_re '^2 models, 2 shown, worst first'

step=critical-on-top
# The new model drifts from its 5th batch on: a critical condition opens.
"$gen" --scenario abrupt --batches 8 --batch-size 300 --reference-rows 600 \
    --rate 3000 | "$ingest" --quiet --db "$db" --model gamma-v2 &
writer=$!
wait_re '^3 models, 3 shown'
# The moment the store holds gamma-v2's first open critical condition,
# then the moment the Fleet shows it on top: at most 1 s apart (5
# refreshes of 0.2 s, room for a loaded machine).
i=0
while [ "$(q "$db" "SELECT count(*) FROM model_status JOIN models
    USING (model_id) WHERE name = 'gamma-v2' AND open_critical > 0" \
    2>/dev/null)" != 1 ] && [ "$i" -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
t0=$(date +%s%N)
wait_re '^\[CRIT\] +gamma-v2 ' 30
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "critical in the store -> on top of the Fleet: $ms ms"
if [ "$ms" -gt 1000 ]; then
	echo "FAIL [$step]: $ms ms from the store to the screen"
	fail=1
fi
row=$(screen | sed -n 5p)
case $row in
"[CRIT]  gamma-v2"*) ;;
*) echo "FAIL [$step]: row 1 is '$row'"; fail=1 ;;
esac
wait "$writer" || { echo "FAIL [$step]: ingest exit $?"; fail=1; }
writer=

step=enter-opens
keys Enter
wait_re '▸Overview \[1\]'
wait_re '  model gamma-v2  batch 8'

step=back-and-filter
keys 0
wait_re '▸Fleet \[0\]'
keys / a l p
wait_re 'Filter: "alp"'
wait_re '^3 models   Filter: "alp", 1 shown'
keys Enter
keys Enter
wait_re 'model alpha  batch 4'
keys m
wait_re '▸Fleet \[0\]'
keys Escape
wait_re '^3 models, 3 shown'

step=quit
keys q
wait_re 'EXITED=0'

[ "$fail" -eq 0 ] && echo "fleet e2e: ok"
exit "$fail"
