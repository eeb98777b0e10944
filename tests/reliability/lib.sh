# Helpers for the reliability scripts (POSIX sh, sourced with
# . "$(dirname "$0")/lib.sh"). It brings in tests/lib.sh (abspath,
# sandbox, check, yes_if, finish, q, rmdb) and adds what only these
# scripts need. Each script gets the binaries as arguments, runs in
# `sandbox rel` and prints "ok"/"FAIL" lines and a final "N failed".

. "$(dirname "$0")/../lib.sh"

# dump DB: everything a replay must reproduce, without the wall-clock
# columns (logged_at, labeled_at, created_at, sent_at, ...). Alert
# messages of suppressed repeats name the seconds left of the repeat
# interval ("next repeat in 299 s"): wall clock too, so normalised.
dump() {
	sqlite3 "$1" "SELECT 'P', batch_id, row_in_batch, features,
	    predicted_class, confidence, scores, true_class FROM predictions
	    ORDER BY batch_id, row_in_batch;
	  SELECT 'R', batch_id, report_type, payload FROM monitor_reports
	    ORDER BY batch_id, report_type;
	  SELECT 'B', batch_id, n_rows, n_labelled, closed_at IS NOT NULL,
	    labelled_at IS NOT NULL FROM batches ORDER BY batch_id;
	  SELECT 'D', name, last_batch, state FROM detector_state
	    ORDER BY name;
	  SELECT 'A', batch_id, severity, channel, message, condition_key,
	    kind, status FROM alerts
	    ORDER BY batch_id, condition_key, kind, channel, message;
	  SELECT 'C', condition_key, rule, severity, features, open,
	    first_batch, last_fired_batch, last_seen_batch, clear_streak
	    FROM alert_conditions ORDER BY condition_key;" |
	    sed 's/next repeat in [0-9]* s/next repeat in N s/'
}

integrity() {
	sqlite3 "$1" 'PRAGMA integrity_check' 2>&1 | tr '\n' ' ' |
	    sed 's/ $//'
}

count() {
	sqlite3 "$1" "$2" 2>/dev/null
}

# rand_between SEED I LO HI: a reproducible pseudo-random decimal. The
# seed is kept below 2^31: awk's srand truncates a larger one (a clock
# seed times 1000 gave every SEED and I the same number).
rand_between() {
	awk -v s="$1" -v i="$2" -v lo="$3" -v hi="$4" 'BEGIN {
		srand((s % 1000003) * 1000 + i)
		printf "%.3f\n", lo + rand() * (hi - lo)
	}'
}

# first_rows DB: wait (up to 20 s) until DB holds a committed prediction.
first_rows() {
	n=0
	while [ "$n" -lt 1000 ]; do
		[ "$(count "$1" 'SELECT count(*) FROM predictions')" \
		    -gt 0 ] 2>/dev/null && return 0
		sleep 0.02
		n=$((n + 1))
	done
	return 1
}
