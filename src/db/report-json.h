/*
 * Monitor reports as the JSON payloads of monitor_reports, with the seed
 * article's key names (docs/SCHEMA.md lists every key). Feature and class
 * names come from the store schema: per-feature values are objects keyed
 * by feature name, per-class counts objects keyed by class name.
 *
 * Doubles round-trip exactly: they are printed with the shortest of
 * %.15g/%.16g/%.17g that reads back to the same bits, in the C locale.
 * NaN is written as null and read back as NaN; +-Inf as +-1e999.
 *
 * Decoders take untrusted text (the console reads any DB): anything
 * malformed (bad JSON, wrong types, missing keys, unknown or repeated
 * names, arrays of the wrong size) is refused with a cause and nothing
 * leaks. Keys the seed's Python code does not write (ks_statistics,
 * class_counts, confusion, ...) are optional on input: a missing double
 * reads as NaN, missing counts as zeros.
 */
#ifndef MLMON_DB_REPORT_JSON_H
#define MLMON_DB_REPORT_JSON_H

#include <stddef.h>

#include "core/report-types.h"

struct store_schema;

/* monitor_reports.report_type values. */
#define REPORT_TYPE_FEATURE	"feature"
#define REPORT_TYPE_PREDICTION	"prediction"
#define REPORT_TYPE_PERFORMANCE	"performance"
#define REPORT_TYPE_DETECTORS	"detectors"
#define REPORT_TYPE_ESTIMATE	"estimated_performance"

/* Caller frees. NULL and *cause when the report does not fit the schema. */
char	*report_json_encode_feature(const struct feature_report *r,
	    const struct store_schema *sc, char **cause);
char	*report_json_encode_prediction(const struct prediction_report *r,
	    const struct store_schema *sc, char **cause);
char	*report_json_encode_performance(const struct performance_report *r,
	    const struct store_schema *sc, char **cause);
char	*report_json_encode_detectors(const struct detector_report *r,
	    char **cause);
/* report-json-estimate.c: the estimated_performance payload. */
char	*report_json_encode_estimate(const struct estimate_report *r,
	    char **cause);

/*
 * 0 and *out filled (caller finishes it with the matching *_finish of
 * core/monitor.h), or -1 and *cause (caller frees) with *out untouched.
 * text need not be NUL-terminated; len is its length in bytes.
 */
int	report_json_decode_feature(const char *text, size_t len,
	    const struct store_schema *sc, struct feature_report *out,
	    char **cause);
int	report_json_decode_prediction(const char *text, size_t len,
	    const struct store_schema *sc, struct prediction_report *out,
	    char **cause);
int	report_json_decode_performance(const char *text, size_t len,
	    const struct store_schema *sc, struct performance_report *out,
	    char **cause);
int	report_json_decode_detectors(const char *text, size_t len,
	    struct detector_report *out, char **cause);
/* No *_finish: an estimate_report owns nothing. */
int	report_json_decode_estimate(const char *text, size_t len,
	    struct estimate_report *out, char **cause);

#endif
