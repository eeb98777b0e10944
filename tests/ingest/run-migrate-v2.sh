#!/bin/sh
# Schema 2 -> 3 -> 4 -> 5 on a store the last schema-2 commit wrote
# (tests/fixtures/store-v2.db, never regenerated): a copy opened by this
# mlmon-ingest is migrated in place (PRAGMA user_version 7, batches
# pruned_at, alert_mutes, one model "default"), shows the same numbers
# in the console as before, accepts
# new rows, and its old batches can be pruned without changing its
# history.
#
# usage: run-migrate-v2.sh MLMON-INGEST MLMON-GEN MLMON-TOP FIXTURE
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
top=$(abspath "$3")
fixture=$(abspath "$4")
sandbox migrate

cp "$fixture" v.db
check "fixture is schema 2" "$(q v.db 'PRAGMA user_version')" 2
# console TAG: the console's overview and drift history of v.db.
console() {
	for t in overview drift; do
		"$top" --once --format csv --tab $t --db v.db >"$1.$t.csv" ||
		    echo "FAIL console $t on $1"
	done
	# Ages ("0s ago") tick between two runs on a loaded machine.
	"$top" --once --tab overview --db v.db |
	    sed -e 1d -e 's/[0-9][0-9]*[smhd] ago/AGO/g' >"$1.once.txt"
}
console before

# 1. Opened by this ingest with nothing to add: migrated, same numbers.
"$ingest" --quiet --db v.db </dev/null
check "migrate: exit" $? 0
check "migrate: schema 7" "$(q v.db 'PRAGMA user_version')" 7
check "migrate: meta says 7" "$(q v.db "SELECT value FROM meta
    WHERE key = 'schema_version'")" 7
check "migrate: no batch pruned" "$(q v.db "SELECT count(*) FROM batches
    WHERE pruned_at IS NOT NULL")" 0
console after
for f in overview.csv drift.csv once.txt; do
	check "migrate: console $f equal" \
	    "$(cmp -s before.$f after.$f && echo yes)" yes
done

# 2. New rows are accepted.
rows=$(q v.db "SELECT count(*) FROM predictions")
"$gen" --scenario abrupt --batches 2 --batch-size 100 --first-batch 13 \
    --no-schema --reference-rows 300 | grep -v '"type":"reference"' |
    "$ingest" --quiet --db v.db
check "new rows: exit" $? 0
check "new rows: stored" "$(q v.db "SELECT count(*) - $rows
    FROM predictions")" 200

# 3. Retention on the migrated file: old labelled batches lose their rows,
# the console's history stays.
console kept
"$ingest" --quiet --db v.db --retain-rows 1s </dev/null
check "retain: exit" $? 0
pruned=$(q v.db "SELECT count(*) FROM batches WHERE pruned_at IS NOT NULL")
echo "     $pruned batches pruned"
check "retain: labelled batches pruned" \
    "$([ "$pruned" -gt 0 ] && echo yes)" yes
check "retain: their rows gone" "$(q v.db "SELECT count(*) FROM
    predictions JOIN batches USING (batch_id)
    WHERE pruned_at IS NOT NULL")" 0
console pruned
for f in overview.csv drift.csv once.txt; do
	check "retain: console $f equal" \
	    "$(cmp -s kept.$f pruned.$f && echo yes)" yes
done

finish
