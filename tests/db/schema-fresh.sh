#!/bin/sh
# A new store gets schema 7 directly (src/db/schema-fresh.c), not by
# the migrations; this holds the two to being one schema:
# - a new store's file is, sorted, the one the whole chain of migrations
#   from version 0 leaves (a file whose only table is someone else's
#   takes that chain; the table is kept): every CREATE text to the
#   letter, every row (meta's schema_version) and the version;
# - its schema objects (type, name, table, CREATE text) are the ones
#   the migrations leave on the stores of the releases of schemas 4, 5
#   and 6 (tests/fixtures), to the letter;
# - on the stores of schemas 2 and 3, whose ledger gained its columns
#   in another order, every table has the same columns (name, type, NOT
#   NULL, default, key) and every other object the same text.
#
# usage: schema-fresh.sh MLMON-INGEST FIXTURE-DIR
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
fixtures=$(abspath "$2")
sandbox schema-fresh

# ingest DB: open DB read-write (create or migrate it), no rows.
open_store() {
	"$ingest" --quiet --db "$1" </dev/null 2>"$1.err" ||
	    { echo "FAIL opening $1: $(cat "$1.err")"; fails=$((fails + 1)); }
}

objects() {
	qrows "$1" "SELECT type, name, tbl_name, sql FROM sqlite_schema
	    WHERE name <> 'notes' ORDER BY type, name"
}

# Every object but the tables, and every table's columns.
columns() {
	qrows "$1" "SELECT type, name, tbl_name, sql FROM sqlite_schema
	    WHERE type <> 'table' ORDER BY type, name"
	qrows "$1" "SELECT m.name, c.name, c.type, c.\"notnull\",
	    c.dflt_value, c.pk FROM sqlite_schema m,
	    pragma_table_xinfo(m.name) c WHERE m.type = 'table'
	    ORDER BY m.name, c.name"
}

open_store new.db
check "new store: schema 7" "$(q new.db 'PRAGMA user_version')" 7
check "new store: integrity" "$(q new.db 'PRAGMA integrity_check')" ok

# The chain from version 0: a file with a table that is not ours.
sqlite3 chain.db "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('kept')"
open_store chain.db
check "chain: the file's own table kept" "$(q chain.db \
    'SELECT x FROM notes')" kept
sqlite3 new.db .dump | sort >new.dump
sqlite3 chain.db .dump | grep -v 'notes' | sort >chain.dump
if cmp -s new.dump chain.dump; then
	echo "ok   new store = the migrations from version 0 (file, sorted)"
else
	echo "FAIL new store differs from the migrations from version 0:"
	diff new.dump chain.dump | sed 's/^/     /'
	fails=$((fails + 1))
fi

objects new.db >new.objects
columns new.db >new.columns
for v in 2 3 4 5 6; do
	cp "$fixtures/store-v$v.db" "v$v.db"
	chmod u+w "v$v.db"
	open_store "v$v.db"
	check "schema $v: migrated to 7" "$(q "v$v.db" 'PRAGMA user_version')" 7
	if [ "$v" -ge 4 ]; then
		what="objects" got="v$v.objects"
		objects "v$v.db" >"$got"
	else
		what="columns and other objects" got="v$v.columns"
		columns "v$v.db" >"$got"
	fi
	if cmp -s "new.${got#*.}" "$got"; then
		echo "ok   new store = schema $v migrated ($what)"
	else
		echo "FAIL new store differs from schema $v migrated ($what):"
		diff "new.${got#*.}" "$got" | sed 's/^/     /'
		fails=$((fails + 1))
	fi
done
finish
