#!/bin/sh
# same.sh INGEST GEN SRCDIR (under tests/pg/with-pg): one fixed stream into
# a SQLite store and into a PostgreSQL store gives the same store: the
# same reports (payloads byte for byte), alerts, alert conditions, batch
# ledger, fleet summary (kept by triggers on both), detector state, meta
# and rows, and the same ingest output. The stream: model a, scenario
# abrupt with labels two batches late; model b, scenario label_shift as a
# producer's stream (predictions by id in row windows, labels by id
# afterwards, and some labels before their predictions: held). A password
# in the URI, right or wrong, is never printed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
src=$(abspath "$3")
url=${MLMON_TEST_PG:?run under tests/pg/with-pg}
password=${MLMON_TEST_PG_PASSWORD:?}
psql="${MLMON_TEST_PG_BIN:?}/psql"
sandbox pg-same

two_streams 8 8 300

# feed DB: both models into DB, the output of each run kept.
feed() {
	"$ingest" --db "$1" --model a <a.ndjson >"$2.a.out" 2>"$2.a.err"
	echo "$?" >"$2.a.rc"
	"$ingest" --db "$1" --model b --window rows:200 <b.ndjson \
	    >"$2.b.out" 2>"$2.b.err"
	echo "$?" >"$2.b.rc"
}
feed sqlite.db lite
feed "$url" pg
for m in a b; do
	check "model $m: SQLite ingest exit" "$(cat lite.$m.rc)" 0
	check "model $m: PostgreSQL ingest exit" "$(cat pg.$m.rc)" 0
	# The summary line carries the run's speed.
	for b in lite pg; do
		grep -v ' rows/s$' "$b.$m.err" >"$b.$m.said"
	done
	check "model $m: the same ingest output" \
	    "$(cmp lite.$m.out pg.$m.out && cmp lite.$m.said pg.$m.said &&
	    echo same)" same
done

# The same queries on both: '|' separated rows, reals rounded to 1e-9
# (the payloads hold them exactly).
R() { echo "CAST(round($1 * 1e9) AS BIGINT)"; }
N() { echo "CASE WHEN $1 IS NULL THEN 1 ELSE 0 END"; }
queries() {
	cat <<EOF
SELECT m.name, r.batch_id, r.report_type, r.payload FROM monitor_reports r
 JOIN models m ON m.model_id = r.model_id
 ORDER BY m.name, r.batch_id, r.report_type;
SELECT m.name, a.batch_id, a.severity, a.channel, a.message, a.kind,
 a.status, a.condition_key, a.delivered FROM alerts a
 JOIN models m ON m.model_id = a.model_id ORDER BY m.name, a.id;
SELECT m.name, c.condition_key, c.rule, c.severity, c.features, c.open,
 c.first_batch, c.last_fired_batch, c.last_seen_batch, c.clear_streak,
 $(N c.resolved_at) FROM alert_conditions c
 JOIN models m ON m.model_id = c.model_id ORDER BY m.name, c.condition_key;
SELECT m.name, b.batch_id, b.n_rows, b.n_labelled, $(N b.closed_at),
 $(N b.labelled_at), $(N b.pruned_at), $(R b.max_psi),
 $(R b.min_ks_p), b.label_shift_drift, b.confidence_drift, b.any_decay,
 b.ddm_drift, b.adwin_drift, b.psi_verdict, b.ks_drift,
 $(R b.psi_warning), $(R b.psi_critical), $(R b.accuracy),
 $(R b.acc_delta) FROM batches b JOIN models m ON m.model_id = b.model_id
 ORDER BY m.name, b.batch_id;
SELECT m.name, s.latest_batch, s.rows, s.labelled, s.rate_rows,
 s.drift_batch, s.drift, s.perf_batch, $(R s.accuracy), $(R s.acc_delta),
 s.open_critical, s.open_warning, $(N s.last_page) FROM model_status s
 JOIN models m ON m.model_id = s.model_id ORDER BY m.name;
SELECT m.name, d.name, d.last_batch, d.state FROM detector_state d
 JOIN models m ON m.model_id = d.model_id ORDER BY m.name, d.name;
SELECT x.model_id, x.key, x.value FROM meta x
 WHERE x.key NOT IN ('reference_stored_at') ORDER BY x.model_id, x.key;
SELECT m.name, p.batch_id, count(*), count(p.true_class),
 sum(p.predicted_class), count(p.event_id), count(p.event_ts),
 $(R "sum(p.confidence)") FROM predictions p
 JOIN models m ON m.model_id = p.model_id
 GROUP BY m.name, p.batch_id ORDER BY m.name, p.batch_id;
SELECT m.name, count(*) FROM pending_labels l
 JOIN models m ON m.model_id = l.model_id GROUP BY m.name ORDER BY m.name;
SELECT m.name, r.row, r.predicted_class, r.features FROM reference r
 JOIN models m ON m.model_id = r.model_id ORDER BY m.name, r.row LIMIT 50;
SELECT count(*) FROM rejected;
EOF
}
queries | sqlite3 sqlite.db >lite.rows
queries | "$psql" -X -q -At -v ON_ERROR_STOP=1 -d "$url" >pg.rows 2>pg.qerr
check "queries on PostgreSQL: no error" "$(cat pg.qerr)" ""
yes_if "the SQLite store has reports of both models" \
    [ "$(grep -c '^[ab]|[0-9]*|feature|' lite.rows)" -eq 16 ]
check "the same store on both ($(wc -l <lite.rows) lines)" \
    "$(diff lite.rows pg.rows | head -20)" ""

# A password in the URI: right (connects), wrong (refused); never shown.
host=${url#*\?}
for pw in "$password" "wrong-$password"; do
	"$ingest" --db "postgresql://postgres:$pw@/mlmon_test?$host" \
	    --model c <a.ndjson >pw.out 2>pw.err
	rc=$?
	if [ "$pw" = "$password" ]; then
		check "the right password in the URI: exit" "$rc" 0
	else
		check "a wrong password in the URI: exit" "$rc" 1
		yes_if "a wrong password: says the authentication failed" \
		    grep -q 'password authentication failed' pw.err
	fi
	yes_if "the password is not printed ($rc)" \
	    sh -c "! grep -qF -- '$pw' pw.out pw.err"
done
finish
