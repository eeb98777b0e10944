# Summarise scripts/policy-table's runs into docs/POLICY.md. Input lines:
# tag|scenario|seed|policy|pages|warnings|batches|first page|ls at 5
function per1000(n, d) { return d > 0 ? sprintf("%.3f", 1000 * n / d) : "-" }
function median(list,    a, n, i, j, t, m) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++)
		a[i] = (a[i] == "" || a[i] == "never") ? 1e9 : a[i] + 0
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
	if (n == 0)
		return "-"
	m = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	if (m >= 1e9)
		return "never"
	return (m == int(m)) ? m : sprintf("%.1f", m)
}
BEGIN { FS = "|" }
{
	k = $1 SUBSEP $2 SUBSEP $4
	if (!(($1 SUBSEP $2) in seen)) {
		seen[$1, $2] = 1
		order[++n] = $1 SUBSEP $2
	}
	runs[k]++
	pages[k] += $5
	warns[k] += $6
	batches[k] += $7
	paged_runs[k] += ($5 > 0)
	first[k] = first[k] " " ($8 == "" ? "never" : $8)
	at5[k] += ($8 == 5)
	ls5[k] += ($9 == 1)
}
END {
	print "# The calibrated policy, measured"
	print ""
	print "Made by `make policy-doc`, that is"
	print ""
	print "    " cmd
	print ""
	print "with " version " and the `mlmon-ingest` of the same build: each"
	print "stream is generated once and fed through `tee` to two ingests,"
	print "`--policy seed` and `--policy calibrated` (default"
	print "`--false-page-rate 0.02`), each with its own store. A **page** is"
	print "a batch with a critical decision that reached a channel (alerts"
	print "rows with channel other than `log`, kind firing or repeat); a"
	print "**warning** is a batch where a warning condition fired (kind"
	print "`firing`: opened; its repeats while it stays open are not"
	print "counted again). Warnings are recorded, not sent, by default."
	print "Rates are per 1,000 batches."
	print ""
	print "## Stable streams (nothing drifts): false alarms"
	print ""
	print "| shape | batches | pages, seed | pages, calibrated | warnings, seed | warnings, calibrated |"
	print "|---|---:|---:|---:|---:|---:|"
	for (i = 1; i <= n; i++) {
		split(order[i], o, SUBSEP)
		if (o[2] != "stable")
			continue
		s = order[i] SUBSEP "seed"
		c = order[i] SUBSEP "calibrated"
		printf "| %s | %d | %s (%d) | %s (%d) | %s | %s |\n", o[1], \
		    batches[c], per1000(pages[s], batches[s]), pages[s], \
		    per1000(pages[c], batches[c]), pages[c], \
		    per1000(warns[s], batches[s]), per1000(warns[c], batches[c])
	}
	print ""
	print "Shapes: `stable200` is 200-row batches with 5 features; `rows50`"
	print "and `rows2000` change the batch size, `features20` the number of"
	print "features (200-row batches). Page counts in brackets."
	print ""
	print "## Drift scenarios: when the first page comes"
	print ""
	print "The change is at batch 5 (abrupt, label_shift) or ramps over"
	print "batches 4-9 (gradual); 15 batches per run."
	print ""
	print "| scenario | shape | runs | paged at batch 5, seed | paged at batch 5, calibrated | median first page, seed | median first page, calibrated | label_shift warning at batch 5, seed | calibrated |"
	print "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= n; i++) {
		split(order[i], o, SUBSEP)
		if (o[2] == "stable")
			continue
		s = order[i] SUBSEP "seed"
		c = order[i] SUBSEP "calibrated"
		printf "| %s | %s | %d | %d | %d | %s | %s | %d | %d |\n", \
		    o[2], o[1], runs[c], at5[s], at5[c], median(first[s]), \
		    median(first[c]), ls5[s], ls5[c]
	}
}
