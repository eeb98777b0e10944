#!/bin/sh
# retain.sh INGEST GEN (under tests/pg/with-pg): retention on PostgreSQL
# does what it does on SQLite. The same streams go to a SQLite file and
# to a PostgreSQL database at the same moments, then the same pruning
# ingest runs on each, its period reaching back to the middle of the gap
# between the parts (taken at each prune: a slow build's runs take
# seconds):
#  1. --retain-reports: the abrupt stream in two parts 4 s apart, then an
#     ingest without input with --retain-reports to the gap: on both stores the
#     first part's reports go, and its alerts but those of a condition
#     still open; what is kept (reports byte for byte, alerts, the ledger)
#     and the counts ingest prints are the same on both;
#  2. --retain-rows: a labelled stream in two parts 4 s apart, pruned
#     with --retain-rows to the gap in one run:
#     the first part's batches pruned whole on both, the same rows kept,
#     the same ledger (pruned or not per batch), the same counts printed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
sandbox pg-retain

# both WHAT ARGS...: ingest ARGS into the SQLite file and PostgreSQL.
both() {
	what=$1
	shift
	"$ingest" --db s.db "$@" 2>s.err
	check "$what, SQLite: exit" "$?" 0
	"$ingest" --db "$url" "$@" 2>p.err
	check "$what, PostgreSQL: exit" "$?" 0
}
# The summary's pruned counts ("N old rows, N reports, N alerts pruned").
pruned() {
	sed -n 's/.*, \([0-9]* old rows, [0-9]* reports, [0-9]* alerts\) pruned.*/\1/p' "$1"
}
# SQL that prints the same on both: a NULL test as 1/0, reals rounded.
N() { echo "CASE WHEN $1 IS NULL THEN 1 ELSE 0 END"; }
R() { echo "CAST(round($1 * 1e9) AS BIGINT)"; }
# parts WHAT FILE N: FILE's batches up to N into both stores, 4 s, the
# rest; the middle of the gap (ms) in $mid.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}
parts() {
	split_at "$2" "$3"
	both "$1, part 1" --quiet part1.ndjson
	mid=$(($(now_ms) + 2000))
	sleep 4
	both "$1, part 2" --quiet part2.ndjson
}
# prune FLAG: both stores pruned with FLAG back to $mid (whole seconds).
prune() {
	"$ingest" --db s.db "$1" "$((($(now_ms) - mid) / 1000))s" </dev/null \
	    2>s.err
	check "$1, SQLite: exit" "$?" 0
	"$ingest" --db "$url" "$1" "$((($(now_ms) - mid) / 1000))s" \
	    </dev/null 2>p.err
	check "$1, PostgreSQL: exit" "$?" 0
}
# split FILE N: FILE's batches up to N into part1, the rest into part2.
split_at() {
	awk -v n="$2" '{ b = 0; if (match($0, /"batch_id":[0-9]+/))
	    b = substr($0, RSTART + 11, RLENGTH - 11) + 0
	    print >(b <= n ? "part1.ndjson" : "part2.ndjson") }' "$1"
}

# 1. --retain-reports.
"$gen" --scenario abrupt --batches 12 --batch-size 200 >all.ndjson ||
    { echo "FAIL mlmon-gen"; exit 1; }
parts reports all.ndjson 6
prune --retain-reports
echo "     SQLite: $(pruned s.err); PostgreSQL: $(pruned p.err)"
yes_if "--retain-reports: reports and alerts pruned" \
    grep -q ', 0 old rows, [1-9][0-9]* reports, [1-9][0-9]* alerts pruned' s.err
check "--retain-reports: the same counts pruned" "$(pruned p.err)" \
    "$(pruned s.err)"
check "--retain-reports: the first part's reports gone" \
    "$(pq "SELECT min(batch_id) FROM monitor_reports")" 7
same s.db "--retain-reports: reports kept" "SELECT batch_id, report_type,
    payload FROM monitor_reports ORDER BY batch_id, report_type;"
same s.db "--retain-reports: alerts kept" "SELECT id, batch_id, severity,
    channel, message, kind, condition_key, status, delivered FROM alerts
    ORDER BY id;"
same s.db "--retain-reports: the ledger kept" "SELECT batch_id, n_rows,
    n_labelled, $(N pruned_at) FROM batches ORDER BY batch_id;"

# 2. --retain-rows, on new stores.
rm -f s.db s.db-wal s.db-shm s.db-wait
pq "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
"$gen" --scenario stable --batches 8 --batch-size 200 >rows.ndjson ||
    { echo "FAIL mlmon-gen"; exit 1; }
parts rows rows.ndjson 4
prune --retain-rows
echo "     SQLite: $(pruned s.err); PostgreSQL: $(pruned p.err)"
check "--retain-rows: the first part's rows pruned" "$(pruned p.err)" \
    "800 old rows, 0 reports, 0 alerts"
check "--retain-rows: the same counts pruned" "$(pruned p.err)" \
    "$(pruned s.err)"
check "--retain-rows: batches pruned whole" "$(pq "SELECT
    string_agg(batch_id || ':' || (pruned_at IS NOT NULL)::int || ':' ||
    (SELECT count(*) FROM predictions p WHERE p.batch_id = b.batch_id),
    ' ' ORDER BY batch_id) FROM batches b")" \
    "1:1:0 2:1:0 3:1:0 4:1:0 5:0:200 6:0:200 7:0:200 8:0:200"
same s.db "--retain-rows: rows kept" "SELECT batch_id, row_in_batch,
    predicted_class, true_class, $(R confidence) FROM predictions
    ORDER BY batch_id, row_in_batch;"
same s.db "--retain-rows: the ledger" "SELECT batch_id, n_rows, n_labelled,
    $(N pruned_at) FROM batches ORDER BY batch_id;"
same s.db "--retain-rows: reports kept" "SELECT batch_id, report_type, payload
    FROM monitor_reports ORDER BY batch_id, report_type;"
finish
