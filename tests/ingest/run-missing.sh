#!/bin/sh
# Missing feature values through mlmon-ingest (issue 15): null and the
# bare NaN/Infinity/-Infinity tokens are accepted as missing, counted,
# warned about once; rows are stored with null so JSON readers see them;
# each feature report carries the missing block, and the missingness
# rule fires at the batch whose missing share moved. On either backend
# (lib.sh's store): the stored rows and payloads are read with SQLite's
# JSON functions from a copy of their bytes (qcopy).
#
# Stream: features a (complete), b (20% missing in the reference and in
# batches 0-2, 60% from batch 3, some of it as NaN/Infinity), c (complete
# until batch 4, then entirely null).
#
# usage: run-missing.sh MLMON-INGEST
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
sandbox missing
m=$(store m)
full=$(store full)

awk 'BEGIN {
	print "{\"type\":\"schema\",\"feature_names\":[\"a\",\"b\",\"c\"],\"class_names\":[\"n\",\"y\"]}"
	for (i = 0; i < 500; i++) {
		b = (i % 5 == 0) ? "null" : (i * 13 % 29) / 7
		printf "{\"type\":\"reference\",\"features\":[%g,%s,%g],\"scores\":[0.4,0.6]}\n", (i * 37 % 101) / 10, b, (i * 7 % 23) / 3
	}
	for (t = 0; t < 6; t++)
		for (i = 0; i < 200; i++) {
			k = i + 1000 * t
			if (t < 3)
				b = (i % 5 == 0) ? "null" : (k * 13 % 29) / 7
			else if (i % 5 < 3)
				b = (i % 5 == 0) ? "NaN" : (i % 5 == 1 ? "Infinity" : "null")
			else
				b = (k * 13 % 29) / 7
			c = t >= 4 ? "null" : (k * 7 % 23) / 3
			printf "{\"batch_id\":%d,\"features\":[%g,%s,%s],\"scores\":[0.4,0.6]}\n", t, (k * 37 % 101) / 10, b, c
		}
}' >in.ndjson

"$ingest" --db "$m" in.ndjson 2>err.txt
check "exit" $? 0
check "one warning for bare tokens" \
    "$(grep -c 'NaN/Infinity read as a missing value' err.txt)" 1
check "the warning names the first line" \
    "$(grep -c '^mlmon-ingest: in.ndjson:1102: NaN/Infinity' err.txt)" 1
check "summary counts" "$(grep -c '^mlmon-ingest: 980 missing feature values (240 of them NaN or Infinity)$' err.txt)" 1
check "rows stored" "$(q "$m" 'SELECT count(*) FROM predictions')" 1200
# The store's rows, reference and feature reports as stored.
qcopy "$m" "SELECT features FROM predictions" m.sqlite "p(features TEXT)"
qcopy "$m" "SELECT features FROM reference" m.sqlite "r(features TEXT)"
qcopy "$m" "SELECT batch_id, payload FROM monitor_reports WHERE
    report_type = 'feature'" m.sqlite "f(batch_id INTEGER, payload TEXT)"
check "null stored as JSON null" "$(q m.sqlite "SELECT count(*) FROM p \
    WHERE json_type(features, '\$[1]') = 'null'")" 480
check "reference nulls" "$(q m.sqlite "SELECT count(*) FROM r \
    WHERE json_type(features, '\$[1]') = 'null'")" 100

missing() {
	q m.sqlite "SELECT json_extract(payload, '\$.missing.$2') FROM f \
	    WHERE batch_id = $1"
}
check "batch 0 shares" "$(missing 0 shares)" '{"a":0,"b":0.2,"c":0}'
check "batch 0 no verdict" "$(missing 0 drifted_features)" '[]'
check "batch 2 no verdict" "$(missing 2 drifted_features)" '[]'
check "batch 3 b moved" "$(missing 3 drifted_features)" '["b"]'
check "batch 3 values used" "$(missing 3 values_used)" \
    '{"a":200,"b":80,"c":200}'
check "batch 4 b and c" "$(missing 4 drifted_features)" '["b","c"]'
check "batch 4 c has no values" "$(missing 4 no_values_features)" '["c"]'
check "batch 4 c PSI is null" "$(q m.sqlite "SELECT json_type(payload, \
    '\$.psi_values.c') FROM f WHERE batch_id = 4")" null
check "alerts" "$(qrows "$m" "SELECT batch_id || ' ' || condition_key \
    FROM alerts WHERE condition_key LIKE 'missingness:%' AND \
    kind = 'firing' ORDER BY id" | paste -sd ';')" \
    '3 missingness:b;4 missingness:b,c'

# A complete stream's payload has no missing block.
awk 'BEGIN {
	for (i = 0; i < 100; i++)
		printf "{\"type\":\"reference\",\"features\":[%d],\"scores\":[0.4,0.6]}\n", i % 10
	for (i = 0; i < 100; i++)
		printf "{\"batch_id\":1,\"features\":[%d],\"scores\":[0.4,0.6]}\n", i % 10
}' | "$ingest" --db "$full" 2>full.err
check "complete exit" $? 0
qcopy "$full" "SELECT payload FROM monitor_reports WHERE report_type =
    'feature'" full.sqlite "f(payload TEXT)"
check "complete: a feature report, no missing block" "$(q full.sqlite \
    "SELECT count(*), count(json_extract(payload, '\$.missing')) \
    FROM f")" "1|0"
check "complete: no count line" "$(grep -c 'missing feature values' \
    full.err)" 0

finish
