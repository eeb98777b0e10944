#!/bin/sh
# live.sh INGEST TOP GEN (under tests/pg/with-pg): the live console on a
# PostgreSQL store redraws when a writer commits, not on its tick. The
# real mlmon-top runs in a private tmux server with a 10 s refresh delay
# (-d 10); ingest then writes three more batches: their batch shows
# within 5 s, which only the writers' notification can bring (the next
# tick is 10 s away). How soon, in milliseconds, is bench/pg-wake's to
# measure (docs/BENCHMARKS.md section 11), not this test's.
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
top=$(abspath "$2")
gen=$(abspath "$3")
url=${MLMON_TEST_PG:?run under tests/pg/with-pg}
sandbox pg-live
sock=mlmon-pg-live-$$
T() { tmux -L "$sock" -f /dev/null "$@"; }
on_exit='T kill-server 2>/dev/null || true'

"$gen" --scenario abrupt --seed 42 --batches 6 >all.ndjson
# Batches 1-3 first, 4-6 later (the header lines go with the first).
awk '/"batch_id":[456][,}]/ { print > "late.ndjson"; next } { print }' \
    all.ndjson >early.ndjson
"$ingest" --db "$url" <early.ndjson >/dev/null 2>&1
check "the first three batches" "$?" 0

# seen TEXT SECONDS: TEXT on the pane within SECONDS (polled every 0.1 s).
seen() {
	i=0
	while [ "$i" -lt $(($2 * 10)) ]; do
		T capture-pane -p -t t 2>/dev/null | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	T capture-pane -p -t t 2>/dev/null | sed 's/^/  | /'
	return 1
}

T new-session -d -s t -x 200 -y 30 "env PGPASSFILE='$PGPASSFILE' \
    TERM=xterm LC_ALL=C.UTF-8 '$top' --db '$url' -d 10; sleep 60"
yes_if "the console shows batch 3" seen "batch 3" 10
# Its first refresh is done: the next tick is 10 s away from now.
t0=$(date +%s)
"$ingest" --db "$url" <late.ndjson >/dev/null 2>&1
check "three more batches" "$?" 0
yes_if "the commit redrew it: batch 6" seen "batch 6" 5
yes_if "before the tick could have (< 9 s)" [ $(($(date +%s) - t0)) -lt 9 ]
T capture-pane -p -t t >screen
yes_if "no connection trouble on screen" sh -c "! grep -q 'cannot connect\\|connection' screen"
finish
