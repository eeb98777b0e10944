/*
 * The estimated_performance report <-> its JSON payload (docs/SCHEMA.md):
 *
 *   {"available":true,"method":"cbpe","calibrated":true,"n_rows":500,
 *    "estimated_accuracy":0.83,"estimated_accuracy_lower":0.78,
 *    "estimated_accuracy_upper":0.88,"estimated_accuracy_se":0.017,
 *    "estimated_f1_macro":...,"estimated_f1_macro_lower":...,
 *    "estimated_f1_macro_upper":...,"estimated_f1_macro_se":...,
 *    "estimated_decay":false,
 *    "thresholds":{"decay_delta":0.05,"sigmas":3,
 *                  "reference_accuracy":0.85,"reference_f1_macro":0.84}}
 *
 * An estimate that could not be made says why instead:
 *
 *   {"available":false,"reason":"the reference has no labels",
 *    "method":"cbpe","n_rows":500}
 *
 * and decodes with every number NaN. The verdict (estimated_decay) and
 * the thresholds it was judged with are the monitor's, stored here; a
 * reader shows them and never re-decides.
 */
#include "db/report-json.h"

#include <math.h>
#include <string.h>

#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/report-json-internal.h"
#include "db/store-internal.h"

/* The reasons a reader may meet; anything else is refused. */
static const char *const estimate_reasons[] = {
	ESTIMATE_NO_LABELS,
	ESTIMATE_NO_SCORES,
};

char *
report_json_encode_estimate(const struct estimate_report *r, char **cause)
{
	struct strbuf b = STRBUF_INIT;
	bool first = true;

	if (!r->available && r->reason == NULL) {
		*cause = xstrdup("an unavailable estimate without a reason");
		return NULL;
	}
	strbuf_reserve(&b, JSON_ROOM_ESTIMATE);
	strbuf_add(&b, "{", 1);
	json_member_bool(&b, &first, "available", r->available);
	if (!r->available)
		json_member_string(&b, &first, "reason", r->reason);
	json_member_string(&b, &first, "method", ESTIMATE_METHOD);
	json_member_count(&b, &first, "n_rows", r->cbpe.n_rows);
	if (!r->available) {
		strbuf_add(&b, "}", 1);
		return strbuf_take(&b);
	}
	json_member_bool(&b, &first, "calibrated", r->cbpe.calibrated);
	json_member_number(&b, &first, "estimated_accuracy", r->cbpe.accuracy);
	json_member_number(&b, &first, "estimated_accuracy_lower",
	    r->cbpe.accuracy_lower);
	json_member_number(&b, &first, "estimated_accuracy_upper",
	    r->cbpe.accuracy_upper);
	json_member_number(&b, &first, "estimated_accuracy_se",
	    r->cbpe.accuracy_se);
	json_member_number(&b, &first, "estimated_f1_macro", r->cbpe.f1_macro);
	json_member_number(&b, &first, "estimated_f1_macro_lower",
	    r->cbpe.f1_lower);
	json_member_number(&b, &first, "estimated_f1_macro_upper",
	    r->cbpe.f1_upper);
	json_member_number(&b, &first, "estimated_f1_macro_se", r->cbpe.f1_se);
	json_member_bool(&b, &first, "estimated_decay", r->decayed);
	JSON_LIT(&b, ",\"thresholds\":{\"decay_delta\":");
	json_number(&b, r->decay_delta);
	JSON_LIT(&b, ",\"sigmas\":");
	json_number(&b, r->sigmas);
	JSON_LIT(&b, ",\"reference_accuracy\":");
	json_number(&b, r->ref_accuracy);
	JSON_LIT(&b, ",\"reference_f1_macro\":");
	json_number(&b, r->ref_f1_macro);
	JSON_LIT(&b, "}}");
	return strbuf_take(&b);
}

/* "reason" of an unavailable estimate: one of the known texts. */
static int
get_reason(const cJSON *root, struct estimate_report *r, char **cause)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, "reason");
	size_t i;

	for (i = 0; i < sizeof estimate_reasons / sizeof *estimate_reasons;
	    i++) {
		if (cJSON_IsString(it) &&
		    strcmp(it->valuestring, estimate_reasons[i]) == 0) {
			r->reason = estimate_reasons[i];
			return 0;
		}
	}
	*cause = xstrdup("\"reason\" is missing or not a known reason");
	return -1;
}

/* The numbers, verdict and thresholds of an available estimate. */
static int
get_available(const cJSON *root, struct estimate_report *r, char **cause)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "thresholds");

	if (!cJSON_IsObject(t)) {
		*cause = xstrdup("\"thresholds\" is missing or not an object");
		return -1;
	}
	return get_bool(root, "calibrated", &r->cbpe.calibrated, cause) == -1 ||
	    get_double(root, "estimated_accuracy", true, &r->cbpe.accuracy,
	    cause) == -1 ||
	    get_double(root, "estimated_accuracy_lower", true,
	    &r->cbpe.accuracy_lower, cause) == -1 ||
	    get_double(root, "estimated_accuracy_upper", true,
	    &r->cbpe.accuracy_upper, cause) == -1 ||
	    get_double(root, "estimated_accuracy_se", true, &r->cbpe.accuracy_se,
	    cause) == -1 ||
	    get_double(root, "estimated_f1_macro", true, &r->cbpe.f1_macro,
	    cause) == -1 ||
	    get_double(root, "estimated_f1_macro_lower", true, &r->cbpe.f1_lower,
	    cause) == -1 ||
	    get_double(root, "estimated_f1_macro_upper", true, &r->cbpe.f1_upper,
	    cause) == -1 ||
	    get_double(root, "estimated_f1_macro_se", true, &r->cbpe.f1_se,
	    cause) == -1 ||
	    get_bool(root, "estimated_decay", &r->decayed, cause) == -1 ||
	    get_double(t, "decay_delta", true, &r->decay_delta, cause) == -1 ||
	    get_double(t, "sigmas", true, &r->sigmas, cause) == -1 ||
	    get_double(t, "reference_accuracy", true, &r->ref_accuracy,
	    cause) == -1 ||
	    get_double(t, "reference_f1_macro", true, &r->ref_f1_macro,
	    cause) == -1 ? -1 : 0;
}

/* The estimate of root (estimate_decoder's body). */
static int
estimate_from(const cJSON *root, const struct store_schema *sc, void *out,
    char **cause)
{
	struct estimate_report r;
	const cJSON *m;
	uint64_t n_rows;
	int rc;

	(void)sc;	/* no names: the estimate holds numbers only */
	memset(&r, 0, sizeof r);
	r.cbpe.accuracy = r.cbpe.accuracy_se = r.cbpe.accuracy_lower = r.cbpe.accuracy_upper = NAN;
	r.cbpe.f1_macro = r.cbpe.f1_se = r.cbpe.f1_lower = r.cbpe.f1_upper = NAN;
	r.ref_accuracy = r.ref_f1_macro = r.decay_delta = r.sigmas = NAN;
	m = cJSON_GetObjectItemCaseSensitive(root, "method");
	if (!cJSON_IsString(m) || strcmp(m->valuestring,
	    ESTIMATE_METHOD) != 0) {
		*cause = xstrdup("\"method\" is not \"" ESTIMATE_METHOD "\"");
		rc = -1;
	} else if (get_bool(root, "available", &r.available, cause) == -1 ||
	    get_count(root, "n_rows", true, &n_rows, cause) == -1)
		rc = -1;
	else if (!r.available)
		rc = get_reason(root, &r, cause);
	else
		rc = get_available(root, &r, cause);
	if (rc == -1)
		return -1;
	r.cbpe.n_rows = (size_t)n_rows;
	*(struct estimate_report *)out = r;
	return 0;
}

static const struct json_decoder estimate_decoder = {
    "estimated_performance", false, estimate_from };

int
report_json_decode_estimate(const char *text, size_t len,
    struct estimate_report *out, char **cause)
{
	return json_decode(&estimate_decoder, text, len, NULL, out, cause);
}
