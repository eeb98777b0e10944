/*
 * Fuzz the report JSON decoders (db/report-json.h): the console decodes
 * monitor_reports payloads from any DB it is pointed at. Every input goes
 * through all five decoders (the schema-bound ones against two fixed
 * schemas, schema.c).
 *
 * The input is handed over in an exactly sized buffer without a NUL: the
 * decoders take (text, len) and must not read past it. Invariants: a
 * decoded report encodes, the encoding decodes, and re-encodes to the same
 * text (numbers round-trip exactly, NaN as null); counts stay within 2^53;
 * failures set a cause and leak nothing.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/monitor.h"
#include "db/report-json.h"
#include "db/store.h"

#include "fuzz.h"

#define FUZZ_REPORT_MAX	(64 * 1024)	/* bytes of input looked at */
#define COUNT_MAX	(UINT64_C(1) << 53)

/*
 * True when text holds U+0000 raw or as a \u0000 escape in a string: cJSON
 * would cut the decoded string there, so "0\u0000x" would pass as the
 * class name "0". No payload holding one may be accepted.
 */
static bool
holds_nul(const char *text, size_t len)
{
	bool in_string = false;
	size_t i;

	for (i = 0; i < len; i++) {
		if (text[i] == '\0')
			return true;
		if (text[i] == '"')
			in_string = !in_string;
		else if (in_string && text[i] == '\\' && i + 1 < len) {
			if (i + 5 < len && strncmp(text + i + 1, "u0000", 5)
			    == 0)
				return true;
			i++;
		}
	}
	return false;
}

/* e1 must decode and re-encode to itself. */
static void
check_fixed_point(const char *what, char *e1, char *e2)
{
	if (strcmp(e1, e2) != 0) {
		fprintf(stderr, "%s: re-encoding differs:\n%s\n%s\n", what, e1,
		    e2);
		abort();
	}
	free(e1);
	free(e2);
}

static void
fuzz_feature(const char *text, size_t len,
    const struct store_schema *sc)
{
	struct feature_report r, r2;
	char *cause = NULL, *e1, *e2;

	if (report_json_decode_feature(text, len, sc, &r,
	    &cause) != 0) {
		FUZZ_CHECK(cause != NULL);
		free(cause);
		return;
	}
	FUZZ_CHECK(!holds_nul(text, len));
	FUZZ_CHECK(r.n_features == sc->n_features);
	FUZZ_CHECK(r.max_psi_feature < r.n_features);
	e1 = report_json_encode_feature(&r, sc, &cause);
	FUZZ_CHECK(e1 != NULL);
	FUZZ_CHECK(report_json_decode_feature(e1, strlen(e1), sc,
	    &r2, &cause) == 0);
	FUZZ_CHECK(r2.max_psi_feature == r.max_psi_feature);
	FUZZ_CHECK(r2.mmd_run == r.mmd_run);
	e2 = report_json_encode_feature(&r2, sc, &cause);
	FUZZ_CHECK(e2 != NULL);
	check_fixed_point("feature", e1, e2);
	feature_report_finish(&r2);
	feature_report_finish(&r);
}

static void
fuzz_prediction(const char *text, size_t len,
    const struct store_schema *sc)
{
	struct prediction_report r, r2;
	char *cause = NULL, *e1, *e2;
	int i;

	if (report_json_decode_prediction(text, len, sc, &r,
	    &cause) != 0) {
		FUZZ_CHECK(cause != NULL);
		free(cause);
		return;
	}
	FUZZ_CHECK(!holds_nul(text, len));
	FUZZ_CHECK(r.n_classes == sc->n_classes);
	for (i = 0; i < r.n_classes; i++)
		FUZZ_CHECK(r.class_counts[i] <= COUNT_MAX);
	e1 = report_json_encode_prediction(&r, sc, &cause);
	FUZZ_CHECK(e1 != NULL);
	FUZZ_CHECK(report_json_decode_prediction(e1, strlen(e1), sc,
	    &r2, &cause) == 0);
	for (i = 0; i < r.n_classes; i++)
		FUZZ_CHECK(r2.class_counts[i] == r.class_counts[i]);
	e2 = report_json_encode_prediction(&r2, sc, &cause);
	FUZZ_CHECK(e2 != NULL);
	check_fixed_point("prediction", e1, e2);
	prediction_report_finish(&r2);
	prediction_report_finish(&r);
}

static void
fuzz_performance(const char *text, size_t len,
    const struct store_schema *sc)
{
	struct performance_report r, r2;
	char *cause = NULL, *e1, *e2;
	size_t i, k;

	if (report_json_decode_performance(text, len, sc, &r,
	    &cause) != 0) {
		FUZZ_CHECK(cause != NULL);
		free(cause);
		return;
	}
	FUZZ_CHECK(!holds_nul(text, len));
	FUZZ_CHECK(r.n_classes == sc->n_classes);
	k = (size_t)r.n_classes;
	FUZZ_CHECK(r.n_rows <= COUNT_MAX);
	for (i = 0; i < k * k; i++)
		FUZZ_CHECK(r.confusion[i] <= COUNT_MAX);
	for (i = 0; i < CALIB_BINS; i++)
		FUZZ_CHECK(r.bins[i].count <= COUNT_MAX);
	e1 = report_json_encode_performance(&r, sc, &cause);
	FUZZ_CHECK(e1 != NULL);
	FUZZ_CHECK(report_json_decode_performance(e1, strlen(e1), sc,
	    &r2, &cause) == 0);
	FUZZ_CHECK(r2.n_rows == r.n_rows);
	for (i = 0; i < k * k; i++)
		FUZZ_CHECK(r2.confusion[i] == r.confusion[i]);
	e2 = report_json_encode_performance(&r2, sc, &cause);
	FUZZ_CHECK(e2 != NULL);
	check_fixed_point("performance", e1, e2);
	performance_report_finish(&r2);
	performance_report_finish(&r);
}

static void
fuzz_detectors(const char *text, size_t len)
{
	struct detector_report r, r2;
	char *cause = NULL, *e1, *e2;

	if (report_json_decode_detectors(text, len, &r, &cause) != 0) {
		FUZZ_CHECK(cause != NULL);
		free(cause);
		return;
	}
	FUZZ_CHECK(!holds_nul(text, len));
	FUZZ_CHECK((unsigned)r.ddm_state <= DDM_DRIFT);
	FUZZ_CHECK(r.n_fed <= COUNT_MAX && r.adwin_width <= COUNT_MAX);
	e1 = report_json_encode_detectors(&r, &cause);
	FUZZ_CHECK(e1 != NULL);
	FUZZ_CHECK(report_json_decode_detectors(e1, strlen(e1), &r2,
	    &cause) == 0);
	FUZZ_CHECK(r2.ddm_state == r.ddm_state && r2.n_fed == r.n_fed &&
	    r2.ddm_drifts == r.ddm_drifts &&
	    r2.adwin_detections == r.adwin_detections);
	e2 = report_json_encode_detectors(&r2, &cause);
	FUZZ_CHECK(e2 != NULL);
	check_fixed_point("detectors", e1, e2);
}

static void
fuzz_estimate(const char *text, size_t len)
{
	struct estimate_report r, r2;
	char *cause = NULL, *e1, *e2;

	if (report_json_decode_estimate(text, len, &r, &cause) != 0) {
		FUZZ_CHECK(cause != NULL);
		free(cause);
		return;
	}
	FUZZ_CHECK(!holds_nul(text, len));
	FUZZ_CHECK(r.cbpe.n_rows <= COUNT_MAX);
	FUZZ_CHECK(r.available == (r.reason == NULL));
	e1 = report_json_encode_estimate(&r, &cause);
	FUZZ_CHECK(e1 != NULL);
	FUZZ_CHECK(report_json_decode_estimate(e1, strlen(e1), &r2,
	    &cause) == 0);
	FUZZ_CHECK(r2.available == r.available && r2.cbpe.n_rows == r.cbpe.n_rows &&
	    r2.decayed == r.decayed && r2.cbpe.calibrated == r.cbpe.calibrated);
	e2 = report_json_encode_estimate(&r2, &cause);
	FUZZ_CHECK(e2 != NULL);
	check_fixed_point("estimated_performance", e1, e2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size > FUZZ_REPORT_MAX)
		return 0;
	/* Exactly size bytes, no NUL after them (calloc: nothing unset). */
	if ((text = calloc(size ? size : 1, 1)) == NULL)
		abort();
	if (size > 0)
		memcpy(text, data, size);

	fuzz_feature(text, size, &fuzz_schema);
	fuzz_prediction(text, size, &fuzz_schema);
	fuzz_performance(text, size, &fuzz_schema);
	fuzz_feature(text, size, &fuzz_schema_ctrl);
	fuzz_prediction(text, size, &fuzz_schema_ctrl);
	fuzz_performance(text, size, &fuzz_schema_ctrl);
	fuzz_detectors(text, size);
	fuzz_estimate(text, size);

	free(text);
	return 0;
}
