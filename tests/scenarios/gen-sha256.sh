#!/bin/sh
# Byte-identical output for a seed: the SHA-256 of each shipped scenario's
# default stream (seed 42, 15 x 200 rows) against golden/SHA256SUMS.
# usage: gen-sha256.sh MLMON_GEN SHA256SUMS
# Regenerate after an intended format change with:
#   for s in stable abrupt gradual label_shift stable_overlap covariate_shift \
#       missing missing_stable tabular tabular_stable; do
#     printf '%s  %s\n' "$(mlmon-gen --scenario $s | sha256sum | cut -c1-64)" $s
#   done > tests/scenarios/golden/SHA256SUMS
set -eu
gen=$1
sums=$2
fail=0
while read -r want name; do
	got=$(env -u MLMON_SCENARIO_DIR "$gen" --scenario "$name" |
	    sha256sum | cut -c1-64)
	if [ "$got" != "$want" ]; then
		echo "FAIL $name: sha256 $got, golden $want" >&2
		fail=1
	else
		echo "ok   $name $got"
	fi
done < "$sums"
exit $fail
