#!/bin/sh
# mlmon-backtest on fixed streams (abrupt, seed 42, 15 batches of 200
# rows, labels 2 batches late; stable, seed 7, 300 batches) ingested
# under the seed policy:
#  1. the seed policy replayed gives the openings, repeats and suppressed
#     repeats the store records, rule by rule (the replay reproduces the
#     original run), exact output; with a repeat interval of 0 every
#     refire is a sent repeat, replayed as recorded too;
#  2. the calibrated policy and a threshold change, exact output; the
#     calibrated replay of the seed store opens, rule by rule, what an
#     ingest of the same stream under the calibrated policy records;
#  3. read-only: the store's bytes are unchanged, a read-only file works,
#     a missing store and bad flags are refused with the reason (the
#     threshold flags with mlmon-ingest's bounds and words);
#  4. a store of two models: a section each, --model picks one, an
#     unknown model is refused.
#
# usage: run-backtest.sh MLMON-BACKTEST MLMON-INGEST MLMON-GEN EXPECTED-DIR
set -u
. "$(dirname "$0")/../lib.sh"

# Rows of a tally (rule severity fired opens recorded repeats recorded
# suppressed recorded) where the replay differs from the record.
asrec() {
	awk 'NF == 9 && ($2 == "critical" || $2 == "warning") &&
	    ($4 != $5 || $6 != $7 || $8 != $9) { bad++ }
	    END { print bad + 0 }' "$1"
}
# "rule replayed-column" of every tally row: column $2 of the nine.
col() {
	awk -v c="$2" 'NF == 9 && ($2 == "critical" || $2 == "warning") {
	    print $1, $c }' "$1"
}
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
check "seed: every rule's openings as recorded" "$(asrec seed.out)" 0
yes_if "seed: suppressed repeats replayed" awk '
    $1 == "confirmed_drift" && $8 > 0 { ok = 1 } END { exit !ok }' seed.out
# Repeats: every refire of an open condition is sent at interval 0.
printf '[alert]\nrepeat_interval = 0\n' >r0.conf
"$ingest" --db r0.db -q --policy seed --config r0.conf s.ndjson
check "interval 0: ingest exit" $? 0
"$backtest" --db r0.db --policy seed --repeat-interval 0 >r0.out 2>r0.err
check "interval 0: exit" $? 0
yes_if "interval 0: exact output" cmp -s r0.out \
    "$expected/backtest-repeats.txt"
check "interval 0: openings and repeats as recorded" "$(asrec r0.out)" 0
check "interval 0: pages as recorded" "$(awk '/^pages/ {
    print ($8 + 0 == $10 + 0 && $8 + 0 > 2) }' r0.out)" 1

# 2. The calibrated policy, and the seed's with other thresholds.
"$backtest" --db s.db >cal.out 2>cal.err
check "calibrated exit" $? 0
yes_if "calibrated: exact output" cmp -s cal.out \
    "$expected/backtest-calibrated.txt"
# Against a calibrated ingest of the same stream.
"$ingest" --db c.db -q s.ndjson
check "calibrated ingest exit" $? 0
"$backtest" --db c.db >c.out
check "calibrated ingest replayed: as recorded" "$(asrec c.out)" 0
check "calibrated replay of the seed store = calibrated ingest" \
    "$(col cal.out 4)" "$(col c.out 5)"
# A stable stream: the seed's warnings, the calibrated policy's.
"$gen" --scenario stable --seed 7 --batches 300 >st.ndjson
"$ingest" --db st.db -q --policy seed st.ndjson
"$ingest" --db stc.db -q st.ndjson
"$backtest" --db st.db >st.out
yes_if "stable: calibrated replay, exact output" cmp -s st.out \
    "$expected/backtest-stable.txt"
"$backtest" --db stc.db >stc.out
check "stable: calibrated replay of the seed store = calibrated ingest" \
    "$(col st.out 4)" "$(col stc.out 5)"
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
# The threshold flags are the config keys' (ingest's key table): the
# same bounds and, word for word, the same reason as mlmon-ingest's.
for bad in "--ks-alpha 2" "--ks-alpha 0" "--ks-alpha 1" \
    "--psi-critical 1e300" "--psi-warning 100" "--chisq-alpha 0" \
    "--confidence-drift 1.5" "--decay -0.1" "--false-page-rate 0" \
    "--policy strict"; do
	# shellcheck disable=SC2086
	"$backtest" --db s.db $bad >bad.out 2>bad.err
	check "$bad: exit" $? 2
	check "$bad: nothing printed" "$(wc -c <bad.out)" 0
	# shellcheck disable=SC2086
	"$ingest" --db bad.db -q $bad </dev/null 2>ingest.err
	check "$bad: ingest refuses it" $? 2
	check "$bad: ingest's reason" "$(cat bad.err)" \
	    "$(sed 's/^mlmon-ingest:/mlmon-backtest:/' ingest.err)"
done
"$backtest" --db s.db --ks-alpha 0 2>bad.err
check "--ks-alpha 0: the reason" "$(cat bad.err)" \
    "mlmon-backtest: --ks-alpha: ks_alpha must be a number in (0, 1)"
"$backtest" --db s.db --psi-critical 1e300 2>bad.err
check "--psi-critical 1e300: the reason" "$(cat bad.err)" \
    "mlmon-backtest: --psi-critical: psi_critical must be a number in (0, 100)"
"$backtest" --db s.db --policy seed --psi-warning 0.3 2>bad.err
check "--psi-warning above --psi-critical: exit" $? 2
check "--psi-warning above --psi-critical: the reason" "$(cat bad.err)" \
    "mlmon-backtest: psi_warning 0.3 is above psi_critical 0.2"
# The alert engine's two: the [alert] keys' bounds and reasons.
"$backtest" --db s.db --resolve-after 0 2>bad.err
check "--resolve-after 0: exit" $? 2
yes_if "--resolve-after 0: the reason" grep -q -- \
    "^mlmon-backtest: --resolve-after: .*at least 1" bad.err
"$backtest" --db s.db --repeat-interval 9999h 2>bad.err
check "--repeat-interval 9999h: exit" $? 2
yes_if "--repeat-interval 9999h: the reason" grep -q -- \
    "^mlmon-backtest: --repeat-interval: .*at most a week" bad.err
# Valid values: the defaults spelled out (the interval as a duration,
# as the config file takes it) give the defaults' tallies to the byte.
"$backtest" --db s.db --policy seed --ks-alpha 0.01 --psi-warning 0.1 \
    --psi-critical 0.2 --chisq-alpha 0.01 --confidence-drift 0.08 \
    --decay 0.05 --false-page-rate 0.02 --resolve-after 3 \
    --repeat-interval 5m >def.out 2>def.err
check "defaults spelled out: exit" $? 0
yes_if "defaults spelled out: as the defaults" cmp -s def.out seed.out

# 4. Two models in one store.
cp c.db m.db
"$gen" --scenario stable --seed 9 --batches 30 >m2.ndjson
"$ingest" --db m.db -q --model second m2.ndjson
check "second model ingest exit" $? 0
"$backtest" --db m.db >m.out 2>m.err
check "two models exit" $? 0
check "two models: a section each" "$(grep -c '^mlmon-backtest: m.db, model ' \
    m.out)" 2
check "two models: the default's section as alone" \
    "$(sed -n '/model default:/,/^pages/p' m.out | tail -n +2 | cksum)" \
    "$(tail -n +2 c.out | cksum)"
yes_if "two models: the second's 30 batches" grep -q \
    "model second: 30 judged batches" m.out
"$backtest" --db m.db --model second >m2.out
check "--model second: one section" "$(grep -c '^mlmon-backtest:' m2.out)" 1
check "--model second: as in the whole" "$(cksum <m2.out)" \
    "$(sed -n '/model second:/,/^pages/p' m.out | cksum)"
"$backtest" --db m.db --model nobody 2>nobody.err
check "--model nobody exit" $? 1
yes_if "--model nobody reason" grep -q "no model 'nobody'" nobody.err
finish
