#!/bin/sh
# The seed article's numbers on its own streams: mlmon-gen --rng numpy
# (seed 42, the article's seed) | mlmon-ingest --policy seed (the
# article's rules), read back with sqlite3. The article reports:
#   abrupt       the chi-squared label-shift test fires at batch 5;
#   gradual      it fires first at batch 9;
#   label_shift  it fires at batch 5 while accuracy stays flat;
#   stable       PSI never crosses 0.20 and crosses 0.10 in 5 of 15 batches.
# Also: the binary prints numpy's features (the golden file's rows) and
# rejects an unknown --rng.
# usage: findings-numpy.sh MLMON_GEN MLMON_INGEST NUMPY_GOLDEN
set -eu
. "$(dirname "$0")/../lib.sh"
gen=$(abspath "$1")
ingest=$(abspath "$2")
golden=$(abspath "$3")
sandbox findings-numpy

for s in stable abrupt gradual label_shift; do
	"$gen" --rng numpy --scenario "$s" |
	    "$ingest" --db "$s.db" --quiet --policy seed
done

# First batch where the label-shift test fired (p < 0.01), and how many.
chisq() {
	q "$1" "SELECT min(batch_id), count(*) FROM monitor_reports
	WHERE report_type = 'prediction'
	AND json_extract(payload, '\$.label_shift_drift') = 1" | tr '|' ' '
}
check "abrupt: chi-squared first at batch 5, then every batch" \
    "$(chisq abrupt.db)" "5 11"
check "gradual: chi-squared first at batch 9, then every batch" \
    "$(chisq gradual.db)" "9 7"
check "label_shift: chi-squared first at batch 5, then every batch" \
    "$(chisq label_shift.db)" "5 11"
check "label_shift: accuracy flat (|delta| <= 0.02 in 15 of 15)" \
    "$(q label_shift.db "SELECT count(*), sum(abs(json_extract(payload,
	'\$.acc_delta')) <= 0.02) FROM monitor_reports
	WHERE report_type = 'performance'" | tr '|' ' ')" "15 15"
check "stable: batches with max PSI > 0.20, > 0.10, of all" \
    "$(q stable.db "SELECT
	sum(json_extract(payload, '\$.max_psi') > 0.20),
	sum(json_extract(payload, '\$.max_psi') > 0.10), count(*)
	FROM monitor_reports WHERE report_type = 'feature'" | tr '|' ' ')" \
    "0 5 15"

# The golden row "row B I ..." of the stream case "stream NAME 42 5 3 ...":
# its features (fields 6-10) comma-separated.
golden_features() {
	awk -v name="$1" -v b="$2" -v i="$3" '
	$1 == "stream" { in_case = ($2 == name && $3 == 42 && $4 == 5) }
	in_case && $1 == "row" && $2 == b && $3 == i {
		print $6 "," $7 "," $8 "," $9 "," $10; exit
	}' "$golden"
}
"$gen" --rng numpy --scenario abrupt --no-schema >abrupt.ndjson
check "binary: first reference row is numpy's" \
    "$(sed -n '1s/.*"features":\[\([^]]*\)\].*/\1/p' abrupt.ndjson)" \
    "$(golden_features abrupt 0 0)"
check "binary: last row of batch 15 is numpy's" \
    "$(grep '"batch_id":15,"row_in_batch":199,' abrupt.ndjson |
	sed 's/.*"features":\[\([^]]*\)\].*/\1/')" \
    "$(golden_features abrupt 15 199)"
yes_if "binary: golden rows found" test -n "$(golden_features abrupt 15 199)"

set +e
"$gen" --rng bogus >/dev/null 2>err.txt
st=$?
set -e
check "binary: --rng bogus exits 2" "$st" 2
check "binary: --rng bogus says why" "$(head -1 err.txt)" \
    "mlmon-gen: --rng: expected mlmon or numpy, got 'bogus'"
finish
