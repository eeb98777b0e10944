#!/bin/sh
# copy.sh INGEST TOP GEN DB SRCDIR (under tests/pg/with-pg): mlmon-db copy
# moves a whole store between SQLite and PostgreSQL. A SQLite store of
# three models (abrupt with labels late; a producer's stream by text id
# with labels held before their predictions; ids 7 and "7", two ids) goes
# to PostgreSQL and back to a new SQLite file: every copy is verified by
# itself (row counts, the reports' digest), the file that comes back
# shows every tab of every model as the first does, and its ids keep
# their types. An interrupted copy (the destination's newest rows gone)
# is resumed by running it again. A terminal gets a progress line; a
# password in a URI is never printed; a file that is not a store is
# refused by name.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
ingest=$(abspath "$1")
top=$(abspath "$2")
gen=$(abspath "$3")
db=$(abspath "$4")
src=$(abspath "$5")
url=${MLMON_TEST_PG:?run under tests/pg/with-pg}
password=${MLMON_TEST_PG_PASSWORD:?}
psql="${MLMON_TEST_PG_BIN:?}/psql"
sandbox pg-copy

two_streams 12 6 50
"$ingest" --db lite.db --model a <a.ndjson >/dev/null 2>&1
check "ingest a" "$?" 0
"$ingest" --db lite.db --model b --window rows:200 <b.ndjson >/dev/null 2>&1
check "ingest b" "$?" 0
{ grep -E '"type":"(schema|reference)"' b.preds
  echo '{"id":7,"ts":1796541000,"features":[0.1,0.2,0.3,0.4,0.5],"scores":[0.8,0.1,0.1]}'
  echo '{"id":"7","ts":1796541001,"features":[0.1,0.2,0.3,0.4,0.5],"scores":[0.1,0.8,0.1]}'
  echo '{"type":"label","id":"7","true_class":1}'; } >c.ndjson
"$ingest" --db lite.db --model c --window rows:200 <c.ndjson >/dev/null 2>&1
check "ingest c" "$?" 0

"$db" copy -q lite.db "$url" >out 2>err
check "SQLite -> PostgreSQL: exit" "$?" 0
yes_if "SQLite -> PostgreSQL: verified" grep -q 'the same on both' out
n=$(sqlite3 lite.db "SELECT count(*) FROM predictions")
check "SQLite -> PostgreSQL: the predictions" \
    "$("$psql" -X -At "$url" -c 'SELECT count(*) FROM predictions')" "$n"

# Interrupted: the newest predictions and reports never arrived.
"$psql" -X -q "$url" -c "DELETE FROM predictions WHERE id > $((n - 500));
    DELETE FROM monitor_reports WHERE id > 40" >/dev/null
"$db" copy -q lite.db "$url" >out 2>err
check "resumed: exit" "$?" 0
w=$(sed -n 's/.*: \([0-9]*\) rows written.*/\1/p' out)
r=$(sqlite3 lite.db "SELECT count(*) FROM monitor_reports WHERE id > 40")
# (and the fleet summary, a row per model, replaced every time)
check "resumed: only the missing rows written" "$w" "$((500 + r + 3))"
yes_if "resumed: verified" grep -q 'the same on both' out

"$db" copy -q "$url" back.db >out 2>err
check "PostgreSQL -> SQLite: exit" "$?" 0
yes_if "PostgreSQL -> SQLite: verified" grep -q 'the same on both' out
q() { sqlite3 "$1" "SELECT typeof(event_id), count(*) FROM predictions
    GROUP BY 1 ORDER BY 1"; }
check "ids keep their types (7 and \"7\")" "$(q back.db)" "$(q lite.db)"
check "the held labels" \
    "$(sqlite3 back.db 'SELECT count(*) FROM pending_labels')" \
    "$(sqlite3 lite.db 'SELECT count(*) FROM pending_labels')"
for m in a b c; do
	for tab in overview drift calibration alerts fleet; do
		for f in lite back; do
			env -i PATH=/usr/bin:/bin LC_ALL=C TZ=UTC \
			    MLMON_NOW=1796561999 "$top" --db $f.db --once \
			    --model $m --tab $tab --format json |
			    sed "s/$f\\.db/STORE/" >$f.$m.$tab
		done
		yes_if "back in SQLite: $m $tab as before" \
		    cmp -s lite.$m.$tab back.$m.$tab
	done
done

# A progress line on a terminal (script(1) gives the copy one).
script -qec "\"$db\" copy lite.db tty.db" /dev/null >tty.out 2>&1
check "on a terminal: exit" "$?" 0
yes_if "on a terminal: the progress line" \
    grep -q 'copying predictions *[0-9]* / [0-9]* rows' tty.out

# The password in the URI, never printed; a wrong one fails by name.
pw=$(echo "$url" | sed "s|//postgres@|//postgres:$password@|")
"$db" copy -q lite.db "$pw" >out 2>err
check "password in the URI: exit" "$?" 0
yes_if "password in the URI: not printed" \
    sh -c "! grep -q -- '$password' out err"
bad=$(echo "$url" | sed "s|//postgres@|//postgres:Wrong-$password@|")
env -u PGPASSFILE "$db" copy -q lite.db "$bad" >out 2>err
yes_if "a wrong password: fails" [ "$?" -ne 0 ]
yes_if "a wrong password: not printed" \
    sh -c "! grep -q -- '$password' out err"
echo 'not a store' >junk.db
"$db" copy -q junk.db "$url" >out 2>err
yes_if "not a store: fails" [ "$?" -ne 0 ]
yes_if "not a store: says which" grep -q 'junk.db' err
finish
