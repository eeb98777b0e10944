#!/bin/sh
# Missing values and a categorical feature over 20 seeds (issue 15),
# mlmon-gen | mlmon-ingest, read back from the stored feature reports:
#   tabular         f1 missing in 20% of rows, 60% from batch 5; f2 a
#                   category whose mix moves at batch 5 (a new plan
#                   appears): from batch 5 on, every batch has the
#                   missingness verdict on f1, confirmed drift on f2 (PSI
#                   over the categories and chi-squared agree) and the
#                   new-categories verdict on f2; before batch 5, none;
#   tabular_stable  the twin where nothing moves: no missingness, no PSI
#                   or chi-squared verdict on f2, no new categories.
# Prints the counts (docs/SCENARIOS.md quotes them).
# usage: tabular.sh MLMON_GEN MLMON_INGEST
set -eu
. "$(dirname "$0")/../lib.sh"
gen=$(abspath "$1")
ingest=$(abspath "$2")
sandbox tabular

# verdicts DB: one "batch:m c n" line per batch with any of the three
# verdicts (m missingness on f1, c confirmed drift on f2, n new
# categories on f2); other features' flags spoil the match.
verdicts() {
	q "$1" "SELECT batch_id || ':' ||
	    CASE WHEN json_extract(payload, '\$.missing.drifted_features')
	      = '[\"f1\"]' THEN 'm' WHEN json_array_length(payload,
	      '\$.missing.drifted_features') > 0 THEN 'M?' ELSE '-' END ||
	    CASE WHEN json_extract(payload, '\$.categorical.f2.drift') = 1
	      AND EXISTS (SELECT 1 FROM json_each(payload,
	      '\$.drifted_features_psi') WHERE value = 'f2') THEN 'c'
	      ELSE '-' END ||
	    CASE WHEN json_extract(payload, '\$.categorical.f2.new_drift') = 1
	      THEN 'n' ELSE '-' END
	    FROM monitor_reports WHERE report_type = 'feature' ORDER BY
	    batch_id" | tr ' ' '\n' | grep -v ':---$' | tr '\n' ' ' |
	    sed 's/ $//'
}

# count DB SQL-condition: feature reports where it holds.
count() {
	q "$1" "SELECT count(*) FROM monitor_reports WHERE report_type =
	    'feature' AND $2"
}

want='5:mcn 6:mcn 7:mcn 8:mcn 9:mcn 10:mcn 11:mcn 12:mcn 13:mcn 14:mcn 15:mcn'
chisq="json_extract(payload, '\$.categorical.f2.drift') = 1"
psi="EXISTS (SELECT 1 FROM json_each(payload, '\$.drifted_features_psi')
    WHERE value = 'f2')"
newc="json_extract(payload, '\$.categorical.f2.new_drift') = 1"
miss="json_array_length(payload, '\$.missing.drifted_features') > 0"
fa_miss=0 fa_chisq=0 fa_psi=0 fa_conf=0 fa_new=0 stable_batches=0
hits=0 early=0 early_chisq=0
seed=1
while [ $seed -le 20 ]; do
	"$gen" --scenario tabular --seed $seed |
	    "$ingest" --db "t$seed.db" --quiet
	check "tabular seed $seed: f1 missing, f2 drift and new from 5" \
	    "$(verdicts "t$seed.db")" "$want"
	hits=$((hits + $(count "t$seed.db" "batch_id >= 5 AND $chisq AND
	    $psi")))
	early=$((early + $(count "t$seed.db" "batch_id < 5 AND (($chisq AND
	    $psi) OR $newc OR $miss)")))
	early_chisq=$((early_chisq + $(count "t$seed.db" "batch_id < 5 AND
	    $chisq")))

	"$gen" --scenario tabular_stable --seed $seed |
	    "$ingest" --db "s$seed.db" --quiet
	check "tabular_stable seed $seed: no verdict" \
	    "$(verdicts "s$seed.db")" ""
	fa_miss=$((fa_miss + $(count "s$seed.db" "$miss")))
	fa_chisq=$((fa_chisq + $(count "s$seed.db" "$chisq")))
	fa_psi=$((fa_psi + $(count "s$seed.db" "$psi")))
	fa_conf=$((fa_conf + $(count "s$seed.db" "$chisq AND $psi")))
	fa_new=$((fa_new + $(count "s$seed.db" "$newc")))
	stable_batches=$((stable_batches + $(count "s$seed.db" "1")))
	seed=$((seed + 1))
done
echo "tabular: confirmed drift on f2 in $hits of 220 batches from batch 5;" \
    "before it, $early of 80 batches with a missingness, confirmed or" \
    "new-categories verdict ($early_chisq with chi-squared alone)"
echo "tabular_stable, false alarms in $stable_batches batches:" \
    "missingness $fa_miss, chi-squared on f2 $fa_chisq, PSI on f2" \
    "$fa_psi, confirmed drift on f2 $fa_conf, new categories $fa_new"
check "stable batches judged" "$stable_batches" 300
finish
