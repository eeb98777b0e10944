#!/bin/sh
# A tabular stream for the ingest benchmarks (issue 15): 5 numeric and 5
# categorical features (alternating; 3, 8, 20, 50 and 200 categories with
# skewed shares), 1,000 reference rows, then BATCHES batches of 200 rows
# (default 500: 100,000 predictions). Deterministic (a Park-Miller
# generator in exact awk arithmetic, the same numbers in every awk).
#
#	bench/tabular-stream.sh [BATCHES] >stream.ndjson
set -eu
awk -v batches="${1:-500}" '
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
# Category k of n with shares falling as 1/(k+1).
function cat(n,    u, k) {
	u = rnd() * h[n]
	for (k = 0; k < n - 1; k++) {
		u -= 1 / (k + 1)
		if (u < 0)
			break
	}
	return "c" n "_" k
}
function row(   f, s, a, b) {
	s = ""
	for (f = 0; f < 10; f++) {
		if (f % 2 == 0)
			s = s sprintf("%s%.6f", f ? "," : "", (rnd() + rnd() + rnd()) * 2 - 3)
		else
			s = s sprintf(",\"%s\"", cat(ncat[f]))
	}
	a = int(rnd() * 1000) / 1000 * 0.8 + 0.1
	b = 1 - a
	return sprintf("\"features\":[%s],\"scores\":[%.3f,%.3f]", s, a, b)
}
BEGIN {
	seed = 42
	split("3 8 20 50 200", n_of, " ")
	for (f = 1; f < 10; f += 2)
		ncat[f] = n_of[(f + 1) / 2]
	for (i = 1; i <= 5; i++) {
		h[n_of[i]] = 0
		for (k = 0; k < n_of[i]; k++)
			h[n_of[i]] += 1 / (k + 1)
	}
	printf "{\"type\":\"schema\",\"feature_names\":["
	for (f = 0; f < 10; f++)
		printf "%s\"%s%d\"", f ? "," : "", f % 2 ? "cat" : "num", f
	printf "],\"feature_types\":["
	for (f = 0; f < 10; f++)
		printf "%s\"%s\"", f ? "," : "", f % 2 ? "categorical" : "numeric"
	print "],\"class_names\":[\"no\",\"yes\"]}"
	for (i = 0; i < 1000; i++)
		print "{\"type\":\"reference\"," row() "}"
	for (b = 0; b < batches; b++)
		for (i = 0; i < 200; i++)
			printf "{\"batch_id\":%d,\"row_in_batch\":%d,%s}\n", b, i, row()
}'
