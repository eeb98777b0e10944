#!/bin/sh
# mlmon-ingest end to end: NDJSON through the real binary into a store,
# inspected with the sqlite3 CLI (or psql). Covers the happy path with delayed
# labels, a replay of the same input, empty input, a missing final newline,
# an over-long line, binary garbage, exit statuses, the reference refusal,
# the config file mode check, and the flush deadline while the input is
# idle followed by SIGTERM.
# On either backend (lib.sh's store: under tests/pg/with-pg, PostgreSQL;
# the file paths of part 6 are files on both).
#
# usage: run-ingest.sh MLMON-INGEST MLMON-GEN
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
sandbox ingest
a=$(store a)
e=$(store e)
n=$(store n)
l=$(store l)
g=$(store g)
c=$(store c)
i=$(store i)

# 1. A scenario with delayed labels: every row, every report.
"$gen" --scenario abrupt --batches 6 --label-delay 1 >in.ndjson
"$ingest" --db "$a" in.ndjson 2>a.err
check "happy path exit" $? 0
check "rows logged" "$(q "$a" 'SELECT count(*) FROM predictions')" 1200
check "reports" "$(q "$a" "SELECT report_type || ':' || count(*) FROM
    monitor_reports GROUP BY report_type ORDER BY report_type")" \
    "detectors:6 estimated_performance:6 feature:6 performance:6 prediction:6"
check "all labelled" "$(q "$a" 'SELECT count(*) FROM predictions
    WHERE true_class IS NULL OR labeled_at IS NULL')" 0
check "default row_in_batch" "$(q "$a" 'SELECT min(row_in_batch),
    max(row_in_batch), count(DISTINCT row_in_batch) FROM predictions
    WHERE batch_id = 3')" "0|199|200"
# The features column is the input's number tokens, byte for byte.
want=$(grep '"batch_id":2,' in.ndjson | sed -n 5p |
    sed 's/.*"features":\(\[[^]]*\]\).*/\1/')
check "features text exact" "$(q "$a" 'SELECT features FROM predictions
    WHERE batch_id = 2 AND row_in_batch = 4')" "$want"
want=$(grep '"batch_id":2,' in.ndjson | sed -n 5p |
    sed 's/.*"scores":\(\[[^]]*\]\).*/\1/')
check "scores text exact" "$(q "$a" 'SELECT scores FROM predictions
    WHERE batch_id = 2 AND row_in_batch = 4')" "$want"
check "batch lines" "$(grep -c '^batch [0-9]*: 200 rows, max PSI' a.err)" 6
check "summary" "$(grep -c '^mlmon-ingest: 2213 accepted (1200 rows), 0 skipped, 0 rejected, 6 batches' a.err)" 1

# 2. The same input again: everything skipped, nothing changes.
qrows "$a" 'SELECT batch_id, report_type, payload FROM monitor_reports
    ORDER BY 1, 2' >before.txt
"$ingest" --quiet --db "$a" <in.ndjson
check "replay exit" $? 0
qrows "$a" 'SELECT batch_id, report_type, payload FROM monitor_reports
    ORDER BY 1, 2' >after.txt
check "replay reports unchanged" "$(cmp -s before.txt after.txt && echo same)" same
check "replay rows" "$(q "$a" 'SELECT count(*) FROM predictions')" 1200
"$ingest" --db "$a" <in.ndjson 2>replay.err
check "replay counts skipped" "$(grep -c ' 1200 skipped, 0 rejected' replay.err)" 1

# 3. Empty input; a last line without its newline.
"$ingest" --quiet --db "$e" </dev/null
check "empty input" $? 0
head -c 0 /dev/null | "$ingest" --quiet --db "$e"
check "empty pipe" $? 0
printf '{"batch_id":0,"features":[1],"scores":[0.5,0.5]}\n{"batch_id":0,"features":[2],"scores":[0.5,0.5]}' |
    "$ingest" --quiet --db "$n" 2>/dev/null
check "no final newline exit" $? 0
check "no final newline rows" "$(q "$n" 'SELECT count(*) FROM predictions')" 2

# 4. A 2 MiB line between good ones: refused by number, not buffered.
{
	echo '{"batch_id":0,"features":[1],"scores":[0.5,0.5]}'
	printf '{"batch_id":0,"features":['
	head -c 2097152 /dev/zero | tr '\0' '1'
	echo ']}'
	echo '{"batch_id":0,"features":[3],"scores":[0.5,0.5]}'
} | "$ingest" --quiet --db "$l" 2>l.err
check "long line exit" $? 65
check "long line message" "$(grep '^stdin:' l.err)" \
    "stdin:2: line longer than 1048576 bytes"
check "long line neighbours" "$(q "$l" 'SELECT count(*) FROM predictions')" 2
check "long line kept truncated" "$(q "$l" 'SELECT line FROM rejected
    WHERE length(text) <= 4096')" 2

# 5. Binary garbage never crashes; good lines around it survive.
{
	echo '{"batch_id":0,"features":[1],"scores":[0.5,0.5]}'
	head -c 200000 /dev/urandom
	echo
	echo '{"batch_id":1,"features":[1],"scores":[0.5,0.5]}'
} | "$ingest" --quiet --db "$g" 2>g.err
rc=$?
check "garbage exit" "$rc" 65
check "garbage neighbours" "$(q "$g" 'SELECT count(*) FROM predictions')" 2
check "garbage rejected count" "$(grep -c '^stdin:[0-9]*: ' g.err)" \
    "$(q "$g" 'SELECT count(*) FROM rejected')"

# 6. Exit statuses of the command line.
"$ingest" --no-such-flag </dev/null 2>/dev/null
check "bad flag" $? 2
"$ingest" a b </dev/null 2>/dev/null
check "two files" $? 2
"$ingest" --ks-alpha 2 </dev/null 2>/dev/null
check "bad threshold" $? 2
"$ingest" --help >/dev/null
check "--help" $? 0
check "--version" "$("$ingest" --version | head -n 1 | cut -d' ' -f1)" mlmon-ingest
"$ingest" --quiet --db "no/such/dir/x.db" </dev/null 2>open.err
check "unopenable db" $? 1
# Store errors name the path once (not "x.db: x.db: ...").
check "unopenable db: path named once" \
    "$(grep -o 'no/such/dir/x\.db' open.err | wc -l)" 1
MLMON_DB=env.db "$ingest" --quiet </dev/null
check "MLMON_DB" "$(test -f env.db && echo yes)" yes

# 7. A different reference is refused unless replaced.
"$gen" --batches 1 --seed 7 >other.ndjson
"$ingest" --quiet --db "$a" <other.ndjson 2>ref.err
check "different reference exit" $? 1
check "different reference message" "$(grep -c 'reference refused: .*--replace-reference' ref.err)" 1
check "refused: nothing logged" "$(q "$a" 'SELECT count(*) FROM predictions')" 1200

# 8. A config file holding a secret must be 0600; the secret is never shown.
mkdir -p xdg/mlmon
printf '[slack]\nwebhook_url = https://hooks.slack.com/services/T0/B0/sEcReT\n' \
    >xdg/mlmon/mlmon.conf
chmod 644 xdg/mlmon/mlmon.conf
"$ingest" --db "$c" </dev/null 2>c.err
check "secret file 0644 refused" $? 2
check "secret message" "$(grep -c 'holds a secret but its mode is 0644' c.err)" 1
check "secret not printed" "$(grep -c sEcReT c.err)" 0
chmod 600 xdg/mlmon/mlmon.conf
"$ingest" --quiet --db "$c" </dev/null 2>c.err
check "secret file 0600 accepted" $? 0
printf '[monitor]\nks_alpha = 7\n' >bad.conf
"$ingest" --config bad.conf --db "$c" </dev/null 2>c.err
check "bad config exit" $? 2
check "bad config message" "$(cat c.err)" \
    "mlmon-ingest: bad.conf:2: ks_alpha must be a number in (0, 1)"
rm -rf xdg

# 9. Rows are committed within flush_ms while the input is idle, and
# SIGTERM commits and exits cleanly without closing the open batch.
head -30 in.ndjson >head.ndjson	# schema, reference rows
grep '"batch_id":1,' in.ndjson | head -10 >>head.ndjson
{ cat head.ndjson; sleep 3; } | "$ingest" --quiet --db "$i" --flush-ms 100 \
    --flush-rows 100000 &
pid=$!
sleep 1.2
check "idle flush" "$(q "$i" 'SELECT count(*) FROM predictions')" 10
kill -TERM "$pid"
wait "$pid"
check "SIGTERM exit" $? 0
check "SIGTERM rows" "$(q "$i" 'SELECT count(*) FROM predictions')" 10
check "SIGTERM batch left open" "$(q "$i" 'SELECT count(*) FROM
    monitor_reports')" 0

finish
