# Helpers for the tests/pg scripts that compare a PostgreSQL store with a
# SQLite one (POSIX sh, sourced after tests/lib.sh, under with-pg):
#
# pq SQL		SQL's result on $MLMON_TEST_PG (psql -At), errors too
# mask			stdin to stdout, a suppressed alert's "next repeat in
#			N s" (counted from its writer's clock) masked
# same DB WHAT SQL	SQL's rows on the SQLite file DB and on PostgreSQL:
#			not empty, and equal (both masked)
# two_streams A B HELD	the streams of two models: a.ndjson (abrupt, seed
#			42, A batches, labels two batches late) and
#			b.ndjson (label_shift, seed 7, B batches as a
#			producer's stream: predictions by id in b.preds,
#			HELD of its labels by id before them, held, the
#			rest after); uses $gen and $src
url=${MLMON_TEST_PG:?run under tests/pg/with-pg}
psql="${MLMON_TEST_PG_BIN:?}/psql"
ctl="${MLMON_TEST_PG_DIR:?}/ctl"

pq() {
	"$psql" -X -q -At -v ON_ERROR_STOP=1 -d "$url" -c "$1" 2>&1
}

mask() {
	sed 's/next repeat in [0-9]* s/next repeat in N s/'
}

same() {
	echo "$3" | sqlite3 "$1" | mask >same.lite
	echo "$3" | "$psql" -X -q -At -d "$url" 2>&1 | mask >same.pg
	yes_if "$2: rows" [ -s same.lite ]
	check "$2: as SQLite's" "$(diff same.lite same.pg | head -6 |
	    cut -c1-240)" ""
}

two_streams() {
	"$gen" --scenario abrupt --seed 42 --batches "$1" --label-delay 2 \
	    >a.ndjson
	"$gen" --scenario label_shift --seed 7 --batches "$2" --no-end-batch \
	    >b.plain
	awk -v T0=1796541000 -v STEP=0.15 -v NOLABEL=1 \
	    -f "$src/tests/ingest/events.awk" b.plain >b.preds
	awk -v LABELS=1 -f "$src/tests/ingest/events.awk" b.plain >b.labels
	# After the schema and reference: HELD labels before their
	# predictions (held), the predictions, the rest of the labels.
	{ grep -E '"type":"(schema|reference)"' b.preds
	  head -n "$3" b.labels
	  grep -vE '"type":"(schema|reference)"' b.preds
	  tail -n +"$(($3 + 1))" b.labels; } >b.ndjson
}
