# Helpers for the tests/pg scripts that compare a PostgreSQL store with a
# SQLite one (POSIX sh, sourced after tests/lib.sh, under with-pg):
#
# pq SQL		SQL's result on $MLMON_TEST_PG (psql -At), errors too
# mask			stdin to stdout, a suppressed alert's "next repeat in
#			N s" (counted from its writer's clock) masked
# same DB WHAT SQL	SQL's rows on the SQLite file DB and on PostgreSQL:
#			not empty, and equal (both masked)
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
