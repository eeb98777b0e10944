#!/bin/sh
# reconnect.sh INGEST TOP GEN (under tests/pg/with-pg): the live console
# waits for a server that went away with a backoff, says so, and comes
# back when the server does. The real mlmon-top runs in a private tmux
# server refreshing every 0.2 s (-d 0.2); the server is stopped: the
# console shows why it cannot read the store, how often it tried and when
# it tries next. 12 s later it has tried about 5 times (waits of 0.5 s,
# doubling up to 8 s), not once a tick (60); the server started again, it
# shows the store within the cap (8 s) and a margin.
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
top=$(abspath "$2")
gen=$(abspath "$3")
url=${MLMON_TEST_PG:?run under tests/pg/with-pg}
ctl="${MLMON_TEST_PG_DIR:?}/ctl"
sandbox pg-reconnect
sock=mlmon-pg-reconnect-$$
T() { tmux -L "$sock" -f /dev/null "$@"; }
on_exit='T kill-server 2>/dev/null || true'

"$gen" --scenario abrupt --seed 42 --batches 3 >all.ndjson
"$ingest" --db "$url" <all.ndjson >/dev/null 2>&1
check "three batches" "$?" 0

# seen ERE SECONDS: the pane matches ERE within SECONDS (polled 0.1 s).
seen() {
	i=0
	while [ "$i" -lt $(($2 * 10)) ]; do
		T capture-pane -p -J -t t 2>/dev/null | tr -s ' \n' '  ' |
		    grep -qE -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	T capture-pane -p -t t 2>/dev/null | sed 's/^/  | /'
	return 1
}
# tries: "tried N times" on the pane, N.
tries() {
	T capture-pane -p -J -t t 2>/dev/null | tr -s ' \n' '  ' |
	    sed -n 's/.*(tried \([0-9]*\) times\{0,1\};.*/\1/p'
}

T new-session -d -s t -x 200 -y 30 "env PGPASSFILE='$PGPASSFILE' \
    TERM=xterm LC_ALL=C.UTF-8 '$top' --db '$url' -d 0.2; sleep 60"
yes_if "the console shows batch 3" seen "batch 3" 10
"$ctl" stop -m fast >/dev/null 2>&1
yes_if "server stopped: the console says it is waiting and when it tries again" \
    seen "tried [0-9]+ times?; next try in [0-9]+ s; waits double up to 8 s" 10
sleep 12
n=$(tries)
echo "     tried $n times in about 12 s (a 0.2 s tick would try 60)"
yes_if "backoff: 3 to 8 tries in 12 s" [ "${n:-0}" -ge 3 -a "${n:-0}" -le 8 ]
"$ctl" start >/dev/null 2>&1
t0=$(date +%s)
yes_if "server started: the console reads the store again" seen "batch 3" 12
echo "     back after $(($(date +%s) - t0)) s"
T capture-pane -p -t t >screen
yes_if "no connection trouble left on screen" \
    sh -c "! grep -q 'tried\\|cannot\\|connect' screen"
finish
