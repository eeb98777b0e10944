#!/bin/sh
# mlmon-ingest as mlmon-ingest.service runs it: standard input is the
# FIFO of mlmon-ingest.socket, which systemd opens O_RDWR|O_NONBLOCK
# (ListenFIFO=; StandardInput=socket). A writer that closes the FIFO is
# therefore no end of input: ingest keeps reading the next writer, commits
# each batch while the input is idle, and SIGTERM (systemctl stop) commits
# and exits 0. Debian's /usr/bin/python3 opens the FIFO the way systemd
# does and execs ingest on it.
#
# usage: fifo.sh MLMON-INGEST MLMON-GEN
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
py=/usr/bin/python3
sandbox fifo
if [ ! -x "$py" ]; then
	echo "FAIL $py not found (run scripts/install-deps)"
	exit 1
fi

# wait_for NAME SQL WANT: poll the store (10 s at most) until SQL gives WANT.
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		[ "$(q f.db "$2" 2>/dev/null)" = "$3" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	check "$1" "$(q f.db "$2" 2>/dev/null)" "$3"
}

"$gen" --scenario abrupt --batches 6 >all.ndjson
# Writer 1: schema, reference and batches 1-3; writer 2: batches 4-6.
split=$(grep -n '"type":"end_batch","batch_id":3}' all.ndjson | cut -d: -f1)
head -n "$split" all.ndjson >one.ndjson
tail -n +"$((split + 1))" all.ndjson >two.ndjson

mkfifo predictions.fifo
"$py" -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NONBLOCK)
os.dup2(fd, 0)
os.close(fd)
os.execv(sys.argv[2], sys.argv[2:])
' predictions.fifo "$ingest" --db f.db 2>ingest.err &
pid=$!
on_exit="kill $pid 2>/dev/null"

cat one.ndjson >predictions.fifo
wait_for "writer 1's batches stored" "SELECT count(*) FROM monitor_reports
    WHERE report_type = 'feature'" 3
yes_if "ingest still running after writer 1 closed" kill -0 $pid
cat two.ndjson >predictions.fifo
wait_for "writer 2's batches stored" "SELECT count(*) FROM monitor_reports
    WHERE report_type = 'feature'" 6
check "every row" "$(q f.db 'SELECT count(*) FROM predictions')" 1200

kill -TERM $pid
wait $pid
check "SIGTERM exit status" $? 0
on_exit=""
check "summary after SIGTERM" "$(grep -c '^mlmon-ingest: interrupted: .* (1200 rows)' ingest.err)" 1
finish
