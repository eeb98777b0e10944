#!/bin/sh
# console.sh INGEST TOP GEN (under tests/pg/with-pg): mlmon-top reads a
# PostgreSQL store as it reads a SQLite store. A stream of two models
# (abrupt with labels two batches late; label_shift) goes into a SQLite
# store; its rows are copied into a PostgreSQL store made by
# mlmon-ingest, exactly (ids kept, doubles in 20 digits, event ids in
# PostgreSQL's form). Then every tab's `--once` output of each model, in
# text, csv and json, and an alert explained, are the same on both but
# for the store's name; a role that may only read runs the console; the
# password in the URI is never printed.
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
top=$(abspath "$2")
gen=$(abspath "$3")
url=${MLMON_TEST_PG:?run under tests/pg/with-pg}
password=${MLMON_TEST_PG_PASSWORD:?}
psql="${MLMON_TEST_PG_BIN:?}/psql"
sandbox pg-console

"$gen" --scenario abrupt --seed 42 --batches 14 --label-delay 2 >a.ndjson
"$gen" --scenario label_shift --seed 7 --batches 10 >b.ndjson
"$ingest" --db lite.db --model a <a.ndjson >/dev/null 2>&1
check "SQLite ingest a" "$?" 0
"$ingest" --db lite.db --model b <b.ndjson >/dev/null 2>&1
check "SQLite ingest b" "$?" 0

# The PostgreSQL store's schema, made by ingest (its first use).
echo '{"batch_id":1,"features":[1],"scores":[0.5,0.5]}' |
    "$ingest" --db "$url" --model scratch >/dev/null 2>pg.err
check "PostgreSQL schema made" "$?" 0

# dump TABLE: the SQLite rows as INSERTs PostgreSQL takes. The shell's
# insert mode writes a double in 20 digits (it reads back the same); an
# event id is text on PostgreSQL, '"' before a text id (store-event.c).
dump() {
	sel=$(sqlite3 lite.db "SELECT group_concat(CASE name
	    WHEN 'event_id' THEN 'CASE typeof(event_id) WHEN ''text''
	    THEN ''\"'' || event_id ELSE CAST(event_id AS TEXT) END'
	    WHEN 'offset' THEN '\"offset\"' ELSE name END, ',')
	    FROM pragma_table_info('$1')")
	cols=$(sqlite3 lite.db "SELECT group_concat(CASE name
	    WHEN 'offset' THEN '\"offset\"' ELSE name END, ',')
	    FROM pragma_table_info('$1')")
	# A newline in text comes as replace('..\n..','\n',char(10)):
	# PostgreSQL's char() is chr().
	sqlite3 lite.db ".mode insert $1" "SELECT $sel FROM $1" |
	    sed -e "s/^INSERT INTO \"\{0,1\}$1\"\{0,1\} VALUES/INSERT INTO $1 ($cols) VALUES/" \
	    -e "s/',char(\([0-9]*\)))/',chr(\1))/g"
}
tables=$(sqlite3 lite.db "SELECT name FROM sqlite_master WHERE type =
    'table' AND name NOT LIKE 'sqlite_%' AND name <> 'model_status'
    ORDER BY name")
{
	echo "BEGIN;"
	for t in $tables model_status; do
		echo "DELETE FROM $t;"
	done
	for t in $tables; do
		dump "$t"
	done
	# The fleet's summary as SQLite's triggers left it.
	echo "DELETE FROM model_status;"
	dump model_status
	echo "COMMIT;"
} >copy.sql
"$psql" -X -q -v ON_ERROR_STOP=1 "$url" -f copy.sql >psql.out 2>&1
check "rows copied into PostgreSQL" "$?" 0
yes_if "the copy said nothing" [ ! -s psql.out ]
for t in $tables model_status; do
	n1=$(sqlite3 lite.db "SELECT count(*) FROM $t")
	n2=$("$psql" -X -At "$url" -c "SELECT count(*) FROM $t")
	check "$t: the same rows" "$n2" "$n1"
done

# same NAME A B: A and B are the same but for the store's name (the
# SQLite path or the URI, masked); else what differs.
same() {
	sed "s|lite.db|STORE|g" "$2" >"$2.cmp"
	sed "s|postgresql://[^ \"]*|STORE|g" "$3" >"$3.cmp"
	if cmp -s "$2.cmp" "$3.cmp"; then
		echo "ok   $1"
	else
		echo "FAIL $1:"
		diff "$2.cmp" "$3.cmp" | head -n 6
		fails=$((fails + 1))
	fi
}

# top DB ARGS...: the console's --once output, the clock frozen.
top() {
	db=$1
	shift
	# Wide: the title line holds the URI, longer than a path.
	env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 TZ=UTC MLMON_NOW=1796561999 \
	    PGPASSFILE="$PGPASSFILE" "$top" --db "$db" --once --width 160 \
	    "$@"
}
for m in a b; do
	for tab in overview drift calibration alerts fleet; do
		for fmt in text csv json; do
			o=$m.$tab.$fmt
			top lite.db --model $m --tab $tab --format $fmt \
			    >lite.$o 2>&1
			r1=$?
			top "$url" --model $m --tab $tab --format $fmt \
			    >pg.$o 2>&1
			r2=$?
			check "$m $tab $fmt: exit" "$r2" "$r1"
			same "$m $tab $fmt: the same" lite.$o pg.$o
			yes_if "$m $tab $fmt: not empty" [ -s lite.$o ]
		done
	done
done
# An alert explained: the newest critical one of model a.
id=$(sqlite3 lite.db "SELECT max(id) FROM alerts WHERE severity =
    'critical' AND model_id = (SELECT model_id FROM models
    WHERE name = 'a')")
for fmt in text json; do
	top lite.db --alert "$id" --format $fmt >lite.alert.$fmt 2>&1
	top "$url" --alert "$id" --format $fmt >pg.alert.$fmt 2>&1
	same "alert $id explained, $fmt: the same" lite.alert.$fmt \
	    pg.alert.$fmt
done
# The histogram reads the feature's values out of the rows' JSON.
yes_if "alert $id explained: the histogram of both" \
    grep -q 'reference # ([0-9]* values) beside batch = ([0-9]*)' \
    pg.alert.text

# A role that may only read: the console needs no more.
"$psql" -X -q -v ON_ERROR_STOP=1 "$url" >/dev/null 2>&1 <<EOF
CREATE ROLE reader LOGIN PASSWORD 'Rd-$password';
GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader;
EOF
check "a read-only role made" "$?" 0
ro=$(echo "$url" | sed "s|//postgres@|//reader:Rd-$password@|")
top "$ro" --model a --tab overview --format json >pg.ro 2>&1
check "read-only role: exit" "$?" 0
same "read-only role: the same overview" lite.a.overview.json pg.ro
yes_if "read-only role: the password not shown" \
    sh -c "! grep -q 'Rd-$password' pg.ro"
yes_if "read-only role: it cannot write" sh -c "! \"$psql\" -X -q \
    '$ro' -c 'DELETE FROM alerts' >/dev/null 2>&1"
finish
