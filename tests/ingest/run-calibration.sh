#!/bin/sh
# The reference's calibration map (issue 18): fitted on the labelled
# reference when a writer settles it, stored in meta beside the digest of
# that reference, read back by later processes, refitted when the
# reference is replaced or the store has none; a reference without labels
# gives "no estimate: the reference has no labels".
# On either backend (lib.sh's store: under tests/pg/with-pg, PostgreSQL).
#
# usage: run-calibration.sh MLMON-INGEST MLMON-GEN
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
sandbox calibration
a=$(store a)
n=$(store n)

# 1. Overlapping classes: the map is fitted, stored and said.
"$gen" --scenario stable_overlap --batches 2 >in.ndjson
"$ingest" --db "$a" in.ndjson 2>a.err
check "exit" $? 0
check "map stored" "$(q "$a" "SELECT substr(value, 1, 36) FROM meta
    WHERE key = 'calibration'")" "calib/1 k=3 curves=3 enabled=1 rows="
check "map of this reference" "$(q "$a" "SELECT count(*) FROM meta a, meta b
    WHERE a.key = 'calibration_reference' AND b.key = 'reference_digest'
    AND a.value = b.value")" 1
check "said" "$(grep -c '^reference calibration: ECE 0\.[0-9]* raw, 0\.[0-9]* calibrated (isotonic, cross-fitted on 1000 labelled rows): estimates use calibrated scores$' a.err)" 1
map=$(q "$a" "SELECT value FROM meta WHERE key = 'calibration'")

# 2. A later process without a reference of its own reads it back.
printf '{"batch_id":5,"features":[0,0,0,0,0],"scores":[0.4,0.3,0.3]}\n' |
    "$ingest" --db "$a" 2>b.err
check "later exit" $? 0
check "later says the stored map" "$(grep -c '^reference calibration: ECE' b.err)" 1
check "later left it" "$(q "$a" "SELECT value FROM meta
    WHERE key = 'calibration'")" "$map"

# 3. A store without a map (written before it existed): the writer that
#    settles the same reference stores it again, the same text.
qrows "$a" "DELETE FROM meta WHERE key LIKE 'calibration%'"
"$gen" --scenario stable_overlap --batches 3 >in3.ndjson
"$ingest" --quiet --db "$a" in3.ndjson
check "refit exit" $? 0
check "refit equal" "$(q "$a" "SELECT value FROM meta
    WHERE key = 'calibration'")" "$map"

# 4. A replaced reference gets its own map.
"$gen" --scenario stable_overlap --seed 7 --batches 1 --first-batch 10 \
    >in7.ndjson
"$ingest" --quiet --db "$a" --replace-reference in7.ndjson
check "replace exit" $? 0
check "new map for the new reference" "$(q "$a" "SELECT count(*) FROM
    meta a, meta b WHERE a.key = 'calibration_reference' AND
    b.key = 'reference_digest' AND a.value = b.value")" 1
check "new map differs" "$(q "$a" "SELECT count(*) FROM meta
    WHERE key = 'calibration' AND value != '$map'")" 1

# 5. A reference without labels: no map, and it says why.
sed 's/,"true_class":[0-9]*//' in.ndjson >nolabels.ndjson
"$ingest" --db "$n" nolabels.ndjson 2>n.err
check "no labels exit" $? 0
check "no labels said" "$(grep -c '^mlmon-ingest: no estimate: the reference has no labels$' n.err)" 1
check "no map" "$(q "$n" "SELECT count(*) FROM meta
    WHERE key LIKE 'calibration%'")" 0

# 6. A stored map that does not decode is an error naming it.
qrows "$a" "UPDATE meta SET value = 'calib/1 k=9' WHERE key = 'calibration'"
printf '{"batch_id":20,"features":[0,0,0,0,0],"scores":[0.4,0.3,0.3]}\n' |
    "$ingest" --db "$a" 2>c.err
check "bad map exit" $? 1
check "bad map named" "$(grep -c 'calibration map line 1: curves does not match k' c.err)" 1
finish
