#!/bin/sh
# mlmon-backtest on fixed streams (abrupt, seed 42, 15 batches of 200
# rows, labels 2 batches late; stable, seed 7, 300 batches) ingested
# under the seed policy:
#  1. the seed policy replayed gives the openings the store records, rule
#     by rule (the replay reproduces the original run), exact output;
#  2. the calibrated policy and a threshold change, exact output; the
#     calibrated replay of the seed store opens, rule by rule, what an
#     ingest of the same stream under the calibrated policy records;
#  3. read-only: the store's bytes are unchanged, a read-only file works,
#     a missing store and bad flags are refused with the reason.
#
# usage: run-backtest.sh MLMON-BACKTEST MLMON-INGEST MLMON-GEN EXPECTED-DIR
set -u
. "$(dirname "$0")/../lib.sh"
backtest=$(abspath "$1")
ingest=$(abspath "$2")
gen=$(abspath "$3")
expected=$(abspath "$4")
sandbox backtest

"$gen" --scenario abrupt --seed 42 --batches 15 --label-delay 2 >s.ndjson
"$ingest" --db s.db -q --policy seed s.ndjson
check "ingest exit" $? 0
sum=$(cat s.db s.db-wal 2>/dev/null | cksum)

# 1. The seed policy: as recorded.
"$backtest" --db s.db --policy seed >seed.out 2>seed.err
check "seed exit" $? 0
yes_if "seed: exact output" cmp -s seed.out "$expected/backtest-seed.txt"
check "seed: every rule's openings as recorded" "$(awk '
    NR > 4 && NF == 5 && $4 != $5 { bad++ } END { print bad + 0 }' seed.out)" 0

# 2. The calibrated policy, and the seed's with other thresholds.
"$backtest" --db s.db >cal.out 2>cal.err
check "calibrated exit" $? 0
yes_if "calibrated: exact output" cmp -s cal.out \
    "$expected/backtest-calibrated.txt"
# Against a calibrated ingest of the same stream.
"$ingest" --db c.db -q s.ndjson
check "calibrated ingest exit" $? 0
"$backtest" --db c.db >c.out
check "calibrated ingest replayed: as recorded" "$(awk '
    NR > 4 && NF == 5 && $4 != $5 { bad++ } END { print bad + 0 }' c.out)" 0
check "calibrated replay of the seed store = calibrated ingest" \
    "$(awk 'NR > 4 && NF == 5 { print $1, $4 }' cal.out)" \
    "$(awk 'NR > 4 && NF == 5 { print $1, $5 }' c.out)"
# A stable stream: the seed's warnings, the calibrated policy's.
"$gen" --scenario stable --seed 7 --batches 300 >st.ndjson
"$ingest" --db st.db -q --policy seed st.ndjson
"$ingest" --db stc.db -q st.ndjson
"$backtest" --db st.db >st.out
yes_if "stable: calibrated replay, exact output" cmp -s st.out \
    "$expected/backtest-stable.txt"
"$backtest" --db stc.db >stc.out
check "stable: calibrated replay of the seed store = calibrated ingest" \
    "$(awk 'NR > 4 && NF == 5 { print $1, $4 }' st.out)" \
    "$(awk 'NR > 4 && NF == 5 { print $1, $5 }' stc.out)"
"$backtest" --db st.db --policy seed --psi-critical 0.3 --chisq-alpha 0.001 \
    >strict.out 2>strict.err
check "thresholds exit" $? 0
yes_if "thresholds: exact output" cmp -s strict.out \
    "$expected/backtest-strict.txt"

# 3. Read-only.
check "store unchanged" "$(cat s.db s.db-wal 2>/dev/null | cksum)" "$sum"
mkdir ro
cp s.db ro/s.db
chmod 444 ro/s.db
"$backtest" --db ro/s.db --policy seed >ro.out 2>ro.err
check "read-only file exit" $? 0
check "read-only file: same tallies" "$(tail -n +2 ro.out | cksum)" \
    "$(tail -n +2 seed.out | cksum)"
"$backtest" --db nothing.db 2>missing.err
check "missing store exit" $? 1
yes_if "missing store: no file made" test ! -e nothing.db
yes_if "missing store reason" grep -q "nothing.db" missing.err
"$backtest" --db s.db --policy strict 2>bad.err
check "--policy strict exit" $? 2
yes_if "--policy strict reason" grep -q "must be seed or calibrated" bad.err
"$backtest" --db s.db --ks-alpha 2 2>bad.err
check "--ks-alpha 2 exit" $? 2
yes_if "--ks-alpha 2 reason" grep -q -- "--ks-alpha must be a number" bad.err
finish
