#!/bin/sh
# Retention's other settings, end to end:
#  1. --retain-reports: the abrupt stream in two parts 4 s apart, then an
#     ingest without input with --retain-reports 3s: the first part's
#     reports go, and its alerts except those of a condition still open;
#     the second part's stay; the ledger stays; every tab of the console
#     reads what remains without error: the drift history of the second
#     part as without retention, the first part's batches (the ledger's)
#     listed without statistics;
#  2. [model "NAME"] retain_rows: one model's rows pruned, the other's
#     kept, and a flag wins over the section;
#  3. --label-ttl: batches whose labels never came are kept until they
#     closed longer ago than the TTL, then pruned.
# On either backend (lib.sh's store).
#
# usage: run-retain-reports.sh MLMON-INGEST MLMON-GEN MLMON-TOP
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
top=$(abspath "$3")
sandbox retain-reports
whole=$(store whole)
pruned=$(store pruned)
models=$(store models)
unlab=$(store unlabelled)

# 1. --retain-reports.
"$gen" --scenario abrupt --batches 12 --batch-size 200 >all.ndjson
awk '{ b = 0; if (match($0, /"batch_id":[0-9]+/))
    b = substr($0, RSTART + 11, RLENGTH - 11) + 0
    print >(b <= 6 ? "part1.ndjson" : "part2.ndjson") }' all.ndjson
"$ingest" --quiet --db "$whole" all.ndjson
check "no retention: exit" $? 0
"$ingest" --quiet --db "$pruned" part1.ndjson
check "part 1: exit" $? 0
sleep 4
"$ingest" --quiet --db "$pruned" part2.ndjson
check "part 2: exit" $? 0
"$ingest" --db "$pruned" --retain-reports 3s --flush-rows 100000 </dev/null \
    2>prune.err
check "prune: exit" $? 0
check "prune: reports of the first part gone, the second's kept" \
    "$(q "$pruned" "SELECT min(batch_id) || ' ' || count(*) FROM
    monitor_reports")" "7 $(q "$whole" "SELECT count(*) FROM monitor_reports
    WHERE batch_id >= 7")"
# The alerts of the first part whose condition is closed go.
gone=$(qrows "$whole" "SELECT id FROM alerts a WHERE batch_id <= 6 AND NOT
    EXISTS (SELECT 1 FROM alert_conditions c WHERE c.condition_key =
    a.condition_key AND c.open = 1) ORDER BY id" | paste -sd ,)
echo "     alerts pruned: $gone"
check "prune: some alerts pruned, of closed conditions" \
    "$([ -n "$gone" ] && echo yes)" yes
check "prune: the other alerts kept" "$(q "$pruned" "SELECT id FROM alerts
    ORDER BY id")" "$(q "$whole" "SELECT id FROM alerts WHERE id NOT IN
    ($gone) ORDER BY id")"
check "prune: the ledger kept" "$(q "$pruned" "SELECT count(*) FROM
    batches")" 12
check "prune: counted" "$(grep -c "reports, $(echo "$gone" |
    tr ',' '\n' | wc -l | tr -d ' ') alerts pruned" prune.err)" 1
errs=0
for t in overview drift calibration alerts; do
	for f in text json csv; do
		"$top" --once --tab $t --format $f --db "$pruned" \
		    >p.$t.$f 2>p.err || errs=$((errs + 1))
		[ -s p.err ] && errs=$((errs + 1))
	done
done
check "console: every tab in every format reads what remains" $errs 0
"$top" --once --tab drift --format csv --db "$whole" |
    awk -F, 'NR == 1 || $3 >= 7' >n.drift.csv
awk -F, 'NR == 1 || $3 >= 7' p.drift.csv >p.kept.csv
check "console: drift history of the second part as without retention" \
    "$(cmp -s p.kept.csv n.drift.csv && echo yes)" yes
check "console: the first part's batches listed without statistics" \
    "$(awk -F, 'NR > 1 && $3 <= 6 { n++; if ($4 $5 != "") bad++ }
    END { print n + 0, bad + 0 }' p.drift.csv)" "30 0"

# 2. Retention per model, and a flag over the section.
cat >m.conf <<'EOF'
[model "a"]
retain_rows = 1s
[model "b"]
retain_rows = 1s
EOF
"$gen" --scenario stable --batches 5 --batch-size 100 >s.ndjson
for m in a b; do
	"$ingest" --quiet --db "$models" --model $m s.ndjson
	check "model $m: exit" $? 0
done
sleep 1.5
"$ingest" --quiet --db "$models" --model a --config m.conf </dev/null
check "model a: prune exit" $? 0
"$ingest" --quiet --db "$models" --model b --config m.conf --retain-rows 1h \
    </dev/null
check "model b: prune exit" $? 0
check "per model: a's batches pruned, b's kept (the flag wins)" \
    "$(q "$models" "SELECT name || ':' || count(pruned_at) FROM batches
    JOIN models USING (model_id) GROUP BY name ORDER BY name")" "a:5 b:0"

# 3. Labels that never came: kept within --label-ttl, pruned past it.
"$gen" --scenario stable --batches 4 --batch-size 100 --label-delay 1 |
    grep -v '"type":"labels"' >nolab.ndjson
"$ingest" --quiet --db "$unlab" nolab.ndjson
check "unlabelled: exit" $? 0
sleep 1.5
"$ingest" --quiet --db "$unlab" --retain-rows 1s --label-ttl 1h </dev/null
check "within the TTL: kept" "$(q "$unlab" "SELECT count(pruned_at) FROM
    batches")" 0
"$ingest" --quiet --db "$unlab" --retain-rows 1s --label-ttl 1s </dev/null
check "past the TTL: pruned" "$(q "$unlab" "SELECT count(pruned_at) || ' ' ||
    (SELECT count(*) FROM predictions) FROM batches")" "4 0"

finish
