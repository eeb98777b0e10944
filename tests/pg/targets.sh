#!/bin/sh
# targets.sh INGEST TOP: --db and $MLMON_DB given a PostgreSQL URI or
# connection string of a server that cannot be reached: ingest tries it
# (it is a PostgreSQL store, not a file) and says it cannot connect, and
# so does the console (--once fails; live, it waits for the server). Both
# create no file named after it and never print its password: not in
# ingest's error, not in the console's --once text or JSON. (The store on
# a real server: schema.sh and same.sh.)
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
top=$(abspath "$2")
sandbox pg-targets

secret=Hunter2-S3cret
i=0
for target in \
    "postgresql://mlmon:$secret@/mlmon?host=/nonexistent" \
    "postgres://mlmon:$secret@db.example:5432/mlmon?sslmode=require" \
    "host=/nonexistent dbname=mlmon password=$secret" \
    "postgresql:///mlmon?user=mlmon&password=$secret"; do
	i=$((i + 1))
	label="target $i ($(printf '%s' "$target" | cut -c1-12))"
	echo '{"batch_id":1,"features":[1],"scores":[0.5,0.5]}' |
	    "$ingest" --db "$target" >out 2>err
	check "ingest cannot connect to $label: exit" "$?" 1
	yes_if "ingest cannot connect to $label: says why" \
	    grep -q ': cannot connect: ' err
	yes_if "ingest cannot connect to $label: no password" \
	    sh -c "! grep -q '$secret' out err"
	yes_if "ingest cannot connect to $label: masked" grep -q '\*\*\*' err

	MLMON_DB=$target "$ingest" </dev/null >out 2>err
	check "MLMON_DB $label: exit" "$?" 1
	yes_if "MLMON_DB $label: no password" \
	    sh -c "! grep -q '$secret' out err"

	for fmt in text json; do
		"$top" --db "$target" --once --format $fmt >out 2>err
		rc=$?
		yes_if "top --once --format $fmt $label: fails" \
		    [ "$rc" -ne 0 ]
		yes_if "top --once --format $fmt $label: says why" \
		    grep -q 'cannot read .*: cannot connect: ' out err
		yes_if "top --once --format $fmt $label: no password" \
		    sh -c "! grep -q '$secret' out err"
	done
	check "nothing created for $label" "$(ls)" "err
out"
done
finish
