/*
 * Prediction, performance and detector reports <-> JSON (feature reports
 * are report-json-feature.c). The encoders write the compact text
 * directly (the bytes cJSON_PrintUnformatted gave for the same tree);
 * every double goes through store_format_double (cJSON's own printer
 * tries %1.15g and accepts it when it reads back *nearly* equal, which
 * loses the last bits) and every count is a plain decimal. The decoders
 * build into a local report and hand it over only when everything
 * checked out.
 */
#include "db/report-json.h"
#include "db/report-json-internal.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/monitor.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "db/store-internal.h"
#include "db/store.h"

static const char *const ddm_state_names[] = {
	[DDM_STABLE] = "stable",
	[DDM_WARNING] = "warning",
	[DDM_DRIFT] = "drift",
};

/* ---- Encoding -------------------------------------------------------- */

/*
 * The encoders write the text directly into a strbuf, byte for byte what
 * building a cJSON tree and cJSON_PrintUnformatted gave (compact, keys in
 * insertion order, cJSON's string escapes), without a node per value.
 */

char *
report_json_encode_prediction(const struct prediction_report *r,
    const struct store_schema *sc, char **cause)
{
	struct strbuf b = STRBUF_INIT;
	bool first = true, cfirst = true, hfirst = true;
	int i;

	if (!schema_usable(sc, cause))
		return NULL;
	if (r->n_classes != sc->n_classes) {
		*cause = xasprintf("prediction report has %d classes, the "
		    "schema %d", r->n_classes, sc->n_classes);
		return NULL;
	}
	strbuf_reserve(&b, JSON_ROOM_PREDICTION(sc->n_classes));
	strbuf_add(&b, "{", 1);
	json_member_bool(&b, &first, "label_shift_drift", r->label_shift_drift);
	json_member_number(&b, &first, "label_shift_p_value",
	    r->label_shift_p_value);
	json_member_number(&b, &first, "label_shift_statistic",
	    r->label_shift_statistic);
	json_key(&b, &first, "label_shift_homogeneity");
	strbuf_add(&b, "{", 1);
	json_member_number(&b, &hfirst, "statistic",
	    r->label_shift_homog_statistic);
	json_member_number(&b, &hfirst, "p_value",
	    r->label_shift_homog_p_value);
	json_key(&b, &hfirst, "dof");
	strbuf_addf(&b, "%d", r->label_shift_homog_dof);
	json_member_bool(&b, &hfirst, "drift", r->label_shift_homog_drift);
	strbuf_add(&b, "}", 1);
	if (r->calibrated) {
		json_member_string(&b, &first, "policy", "calibrated");
		json_member_number(&b, &first, "label_shift_q_value",
		    r->label_shift_q);
		json_member_number(&b, &first, "class_tvd", r->class_tvd);
		json_member_number(&b, &first, "confidence_delta",
		    r->mean_confidence - r->reference_mean_confidence);
	}
	json_member_bool(&b, &first, "confidence_drift", r->confidence_drift);
	json_member_number(&b, &first, "mean_confidence", r->mean_confidence);
	json_member_number(&b, &first, "reference_mean_confidence",
	    r->reference_mean_confidence);
	json_key(&b, &first, "class_counts");
	strbuf_add(&b, "{", 1);
	for (i = 0; i < r->n_classes; i++) {
		json_member_count(&b, &cfirst, sc->class_names[i],
		    r->class_counts[i]);
	}
	strbuf_add(&b, "}", 1);
	if (r->thresholds_stored) {
		JSON_LIT(&b, ",\"thresholds\":{\"chisq_alpha\":");
		json_number(&b, r->chisq_alpha);
		JSON_LIT(&b, ",\"confidence_delta\":");
		json_number(&b, r->confidence_delta);
		strbuf_add(&b, "}", 1);
	}
	strbuf_add(&b, "}", 1);
	return strbuf_take(&b);
}

/* The k x k confusion matrix as rows of counts. */
static void
put_confusion(struct strbuf *b, const uint64_t *cm, size_t k)
{
	size_t	i, j;

	strbuf_add(b, "[", 1);
	for (i = 0; i < k; i++) {
		strbuf_add(b, i ? ",[" : "[", i ? 2 : 1);
		for (j = 0; j < k; j++) {
			if (j > 0)
				strbuf_add(b, ",", 1);
			json_count(b, cm[i * k + j]);
		}
		strbuf_add(b, "]", 1);
	}
	strbuf_add(b, "]", 1);
}

/* The reliability diagram's bins. */
static void
put_bins(struct strbuf *b, const struct reliability_bin *bins)
{
	size_t	i;

	strbuf_add(b, "[", 1);
	for (i = 0; i < CALIB_BINS; i++) {
		if (i > 0)
			strbuf_add(b, ",", 1);
		JSON_LIT(b, "{\"count\":");
		json_count(b, bins[i].count);
		JSON_LIT(b, ",\"mean_confidence\":");
		json_number(b, bins[i].mean_confidence);
		JSON_LIT(b, ",\"accuracy\":");
		json_number(b, bins[i].accuracy);
		strbuf_add(b, "}", 1);
	}
	strbuf_add(b, "]", 1);
}

char *
report_json_encode_performance(const struct performance_report *r,
    const struct store_schema *sc, char **cause)
{
	struct strbuf b = STRBUF_INIT;
	bool first = true;
	size_t k;

	if (!schema_usable(sc, cause))
		return NULL;
	if (r->n_classes != sc->n_classes) {
		*cause = xasprintf("performance report has %d classes, the "
		    "schema %d", r->n_classes, sc->n_classes);
		return NULL;
	}
	k = (size_t)r->n_classes;
	strbuf_reserve(&b, JSON_ROOM_PERFORMANCE(sc->n_classes));
	strbuf_add(&b, "{", 1);
	json_member_number(&b, &first, "accuracy", r->accuracy);
	json_member_number(&b, &first, "f1_macro", r->f1_macro);
	json_member_number(&b, &first, "ece", r->ece);
	json_member_number(&b, &first, "acc_delta", r->acc_delta);
	json_member_number(&b, &first, "f1_delta", r->f1_delta);
	json_member_bool(&b, &first, "any_decay", r->any_decay);
	json_member_count(&b, &first, "n_rows", r->n_rows);
	if (r->n_unlabelled > 0) {
		/* Judged on partial labels (--min-label-coverage). */
		json_member_count(&b, &first, "n_labelled", r->n_rows);
		json_member_number(&b, &first, "coverage",
		    performance_coverage(r));
	}
	json_key(&b, &first, "confusion");
	put_confusion(&b, r->confusion, k);
	json_key(&b, &first, "reliability");
	put_bins(&b, r->bins);
	if (r->graded) {
		JSON_LIT(&b, ",\"estimate\":{\"accuracy\":");
		json_number(&b, r->est_accuracy);
		JSON_LIT(&b, ",\"f1_macro\":");
		json_number(&b, r->est_f1_macro);
		JSON_LIT(&b, ",\"acc_error\":");
		json_number(&b, r->acc_error);
		JSON_LIT(&b, ",\"f1_error\":");
		json_number(&b, r->f1_error);
		strbuf_add(&b, "}", 1);
	}
	if (r->thresholds_stored) {
		JSON_LIT(&b, ",\"thresholds\":{\"decay_delta\":");
		json_number(&b, r->decay_delta);
		strbuf_add(&b, "}", 1);
	}
	if (r->calibrated) {
		/* The calibrated performance test (monitor-judge.h). */
		JSON_LIT(&b, ",\"policy\":\"calibrated\",\"acc_p_value\":");
		json_number(&b, r->acc_p_value);
		JSON_LIT(&b, ",\"acc_se\":");
		json_number(&b, r->acc_se);
		JSON_LIT(&b, ",\"acc_warning\":");
		json_bool(&b, r->acc_warning);
	}
	strbuf_add(&b, "}", 1);
	return strbuf_take(&b);
}

char *
report_json_encode_detectors(const struct detector_report *r, char **cause)
{
	struct strbuf b = STRBUF_INIT;
	bool first = true;

	if ((unsigned)r->ddm_state > DDM_DRIFT) {
		*cause = xasprintf("detector report has DDM state %d",
		    (int)r->ddm_state);
		return NULL;
	}
	strbuf_reserve(&b, JSON_ROOM_DETECTORS);
	strbuf_add(&b, "{", 1);
	json_member_count(&b, &first, "n_fed", r->n_fed);
	json_member_string(&b, &first, "ddm_state",
	    ddm_state_names[r->ddm_state]);
	json_member_bool(&b, &first, "ddm_warning", r->ddm_warning);
	json_member_bool(&b, &first, "ddm_drift", r->ddm_drift);
	json_member_count(&b, &first, "ddm_drifts", r->ddm_drifts);
	json_member_bool(&b, &first, "adwin_drift", r->adwin_drift);
	json_member_count(&b, &first, "adwin_width", r->adwin_width);
	json_member_number(&b, &first, "adwin_mean", r->adwin_mean);
	json_member_count(&b, &first, "adwin_detections", r->adwin_detections);
	if (r->calibrated) {
		/* The signals; the verdicts above need the accuracy test. */
		json_member_string(&b, &first, "policy", "calibrated");
		json_member_bool(&b, &first, "ddm_signal", r->ddm_signal);
		json_member_bool(&b, &first, "adwin_signal", r->adwin_signal);
		json_member_number(&b, &first, "acc_p_value", r->acc_p_value);
	}
	strbuf_add(&b, "}", 1);
	return strbuf_take(&b);
}

/* ---- Decoding -------------------------------------------------------- */

/*
 * The 2 x K homogeneity test; reports before issue 11 have none: NaN,
 * no drift.
 */
static int
get_homogeneity(const cJSON *root, struct prediction_report *r,
    char **cause)
{
	const cJSON *h = get(root, "label_shift_homogeneity"), *dof;

	r->label_shift_homog_statistic = NAN;
	r->label_shift_homog_p_value = NAN;
	if (h == NULL || cJSON_IsNull(h))
		return 0;
	if (!cJSON_IsObject(h)) {
		*cause = xstrdup("\"label_shift_homogeneity\" is not an "
		    "object");
		return -1;
	}
	dof = get(h, "dof");
	if (dof == NULL || !cJSON_IsNumber(dof) || dof->valuedouble < 0 ||
	    dof->valuedouble > INT_MAX || dof->valuedouble !=
	    floor(dof->valuedouble)) {
		*cause = xstrdup("\"label_shift_homogeneity\": \"dof\" is "
		    "not a count");
		return -1;
	}
	r->label_shift_homog_dof = (int)dof->valuedouble;
	if (get_double(h, "statistic", true, &r->label_shift_homog_statistic,
	    cause) == -1 || get_double(h, "p_value", true,
	    &r->label_shift_homog_p_value, cause) == -1 ||
	    get_bool(h, "drift", &r->label_shift_homog_drift, cause) == -1)
		return -1;
	return 0;
}

/* The default of a report-wide threshold, by its key. */
static double
threshold_default(const char *key)
{
	struct monitor_config c;

	monitor_config_defaults(&c);
	if (strcmp(key, "chisq_alpha") == 0)
		return c.chisq_alpha;
	if (strcmp(key, "confidence_delta") == 0)
		return c.confidence_drift;
	return c.decay;		/* decay_delta */
}

/*
 * "thresholds": {key: number, ...} with the (key, double *) pairs given,
 * NULL-terminated. Missing: the monitors' defaults, *stored false.
 */
static int
get_thresholds(const cJSON *o, bool *stored, char **cause, ...)
{
	const cJSON *t = get(o, "thresholds");
	const char *key;
	double *out;
	va_list ap;
	int ret = 0;

	if (t != NULL && !cJSON_IsObject(t)) {
		*cause = xstrdup("\"thresholds\" is not an object");
		return -1;
	}
	*stored = t != NULL;
	va_start(ap, cause);
	while (ret == 0 && (key = va_arg(ap, const char *)) != NULL) {
		out = va_arg(ap, double *);
		if (t == NULL)
			*out = threshold_default(key);
		else
			ret = get_double(t, key, true, out, cause);
	}
	va_end(ap);
	return ret;
}

/* The prediction report of root (prediction_decoder's body). */
static int
prediction_from(const cJSON *root, const struct store_schema *sc, void *out,
    char **cause)
{
	struct prediction_report r;

	memset(&r, 0, sizeof r);
	r.n_classes = sc->n_classes;
	r.class_counts = xcalloc((size_t)r.n_classes, sizeof *r.class_counts);
	if (get_bool(root, "label_shift_drift", &r.label_shift_drift,
	    cause) == -1 ||
	    get_double(root, "label_shift_p_value", true,
	    &r.label_shift_p_value, cause) == -1 ||
	    get_double(root, "label_shift_statistic", false,
	    &r.label_shift_statistic, cause) == -1 ||
	    get_bool(root, "confidence_drift", &r.confidence_drift,
	    cause) == -1 ||
	    get_double(root, "mean_confidence", true, &r.mean_confidence,
	    cause) == -1 ||
	    get_double(root, "reference_mean_confidence", true,
	    &r.reference_mean_confidence, cause) == -1 ||
	    get_name_map(root, "class_counts", sc->class_names,
	    (size_t)r.n_classes, false, NULL, r.class_counts, cause) == -1 ||
	    get_homogeneity(root, &r, cause) == -1 ||
	    get_thresholds(root, &r.thresholds_stored, cause,
	    "chisq_alpha", &r.chisq_alpha, "confidence_delta",
	    &r.confidence_delta, (const char *)NULL) == -1 ||
	    get_calibrated(root, &r.calibrated, "label_shift_q_value",
	    &r.label_shift_q, "class_tvd", &r.class_tvd, cause) == -1) {
		free(r.class_counts);
		return -1;
	}
	*(struct prediction_report *)out = r;
	return 0;
}

static const struct json_decoder prediction_decoder = { "prediction", true,
    prediction_from };

int
report_json_decode_prediction(const char *text, size_t len,
    const struct store_schema *sc, struct prediction_report *out,
    char **cause)
{
	return json_decode(&prediction_decoder, text, len, sc, out, cause);
}

/* confusion: k arrays of k counts, or missing (zeros). */
static int
get_confusion(const cJSON *o, size_t k, uint64_t *cm, char **cause)
{
	const cJSON *rows, *row, *it;
	size_t i = 0, j;

	rows = get(o, "confusion");
	if (rows == NULL)
		return 0;
	if (!cJSON_IsArray(rows)) {
		*cause = xstrdup("\"confusion\" is not an array");
		return -1;
	}
	cJSON_ArrayForEach(row, rows) {
		if (i == k || !cJSON_IsArray(row)) {
			*cause = xasprintf("\"confusion\" is not %zu arrays",
			    k);
			return -1;
		}
		j = 0;
		cJSON_ArrayForEach(it, row) {
			if (j == k) {
				*cause = xasprintf("\"confusion\" row %zu is "
				    "longer than %zu", i, k);
				return -1;
			}
			if (item_count(it, "confusion", &cm[i * k + j],
			    cause) == -1)
				return -1;
			j++;
		}
		if (j != k) {
			*cause = xasprintf("\"confusion\" row %zu has %zu "
			    "counts, not %zu", i, j, k);
			return -1;
		}
		i++;
	}
	if (i != k) {
		*cause = xasprintf("\"confusion\" has %zu rows, not %zu", i, k);
		return -1;
	}
	return 0;
}

/* reliability: CALIB_BINS objects, or missing (zeros). */
static int
get_bins(const cJSON *o, struct reliability_bin *bins, char **cause)
{
	const cJSON *arr, *it;
	size_t i = 0;

	arr = get(o, "reliability");
	if (arr == NULL)
		return 0;
	if (!cJSON_IsArray(arr)) {
		*cause = xstrdup("\"reliability\" is not an array");
		return -1;
	}
	cJSON_ArrayForEach(it, arr) {
		if (i == CALIB_BINS || !cJSON_IsObject(it)) {
			*cause = xasprintf("\"reliability\" is not %d bins",
			    CALIB_BINS);
			return -1;
		}
		if (get_count(it, "count", true, &bins[i].count,
		    cause) == -1 ||
		    get_double(it, "mean_confidence", true,
		    &bins[i].mean_confidence, cause) == -1 ||
		    get_double(it, "accuracy", true, &bins[i].accuracy,
		    cause) == -1)
			return -1;
		i++;
	}
	if (i != CALIB_BINS) {
		*cause = xasprintf("\"reliability\" has %zu bins, not %d", i,
		    CALIB_BINS);
		return -1;
	}
	return 0;
}

/*
 * The optional "n_labelled" and "coverage" of a report judged on partial
 * labels: both or neither (every row labelled), n_labelled equal to
 * n_rows, coverage in (0, 1); the batch's unlabelled rows from them.
 */
static int
get_coverage(const cJSON *root, uint64_t n_rows, size_t *n_unlabelled,
    char **cause)
{
	uint64_t n;
	double c, all;

	*n_unlabelled = 0;
	if (get(root, "n_labelled") == NULL && get(root, "coverage") == NULL)
		return 0;
	if (get_count(root, "n_labelled", true, &n, cause) == -1 ||
	    get_double(root, "coverage", true, &c, cause) == -1)
		return -1;
	all = c > 0 && c < 1 ? round((double)n / c) : 0;
	if (n != n_rows || n == 0 || !(all > (double)n && all < 0x1p53)) {
		*cause = xasprintf("\"n_labelled\" %llu and \"coverage\" %g "
		    "do not describe a partly labelled batch of %llu judged "
		    "rows", (unsigned long long)n, c,
		    (unsigned long long)n_rows);
		return -1;
	}
	*n_unlabelled = (size_t)(all - (double)n);
	return 0;
}

/* The optional "estimate" object of a graded performance report. */
static int
get_grading(const cJSON *root, struct performance_report *r, char **cause)
{
	const cJSON *o = get(root, "estimate");

	performance_grade(r, NULL);
	if (o == NULL)
		return 0;
	if (!cJSON_IsObject(o)) {
		*cause = xstrdup("\"estimate\" is not an object");
		return -1;
	}
	r->graded = true;
	return get_double(o, "accuracy", true, &r->est_accuracy, cause) ==
	    -1 || get_double(o, "f1_macro", true, &r->est_f1_macro,
	    cause) == -1 || get_double(o, "acc_error", true, &r->acc_error,
	    cause) == -1 || get_double(o, "f1_error", true, &r->f1_error,
	    cause) == -1 ? -1 : 0;
}

/* The performance report of root (performance_decoder's body). */
static int
performance_from(const cJSON *root, const struct store_schema *sc,
    void *out, char **cause)
{
	struct performance_report r;
	uint64_t n_rows;
	size_t k;

	memset(&r, 0, sizeof r);
	r.n_classes = sc->n_classes;
	k = (size_t)r.n_classes;
	r.confusion = xcalloc(k * k, sizeof *r.confusion);
	if (get_double(root, "accuracy", true, &r.accuracy, cause) == -1 ||
	    get_double(root, "f1_macro", true, &r.f1_macro, cause) == -1 ||
	    get_double(root, "ece", true, &r.ece, cause) == -1 ||
	    get_double(root, "acc_delta", true, &r.acc_delta, cause) == -1 ||
	    get_double(root, "f1_delta", true, &r.f1_delta, cause) == -1 ||
	    get_bool(root, "any_decay", &r.any_decay, cause) == -1 ||
	    get_count(root, "n_rows", false, &n_rows, cause) == -1 ||
	    get_coverage(root, n_rows, &r.n_unlabelled, cause) == -1 ||
	    get_confusion(root, k, r.confusion, cause) == -1 ||
	    get_bins(root, r.bins, cause) == -1 ||
	    get_thresholds(root, &r.thresholds_stored, cause,
	    "decay_delta", &r.decay_delta, (const char *)NULL) == -1 ||
	    get_grading(root, &r, cause) == -1 ||
	    get_calibrated(root, &r.calibrated, "acc_p_value",
	    &r.acc_p_value, "acc_se", &r.acc_se, cause) == -1) {
		free(r.confusion);
		return -1;
	}
	r.n_rows = (size_t)n_rows;
	*(struct performance_report *)out = r;
	return 0;
}

static const struct json_decoder performance_decoder = { "performance",
    true, performance_from };

int
report_json_decode_performance(const char *text, size_t len,
    const struct store_schema *sc, struct performance_report *out,
    char **cause)
{
	return json_decode(&performance_decoder, text, len, sc, out, cause);
}

/* The detectors' report of root (detectors_decoder's body). */
static int
detectors_from(const cJSON *root, const struct store_schema *sc, void *out,
    char **cause)
{
	struct detector_report r;
	const cJSON *state;
	int i;

	(void)sc;	/* no names: the detectors hold numbers only */
	memset(&r, 0, sizeof r);
	state = get(root, "ddm_state");
	for (i = DDM_STABLE; i <= DDM_DRIFT; i++)
		if (cJSON_IsString(state) &&
		    strcmp(state->valuestring, ddm_state_names[i]) == 0)
			break;
	if (i > DDM_DRIFT) {
		*cause = xstrdup("\"ddm_state\" is not stable, warning or "
		    "drift");
		return -1;
	}
	r.ddm_state = (enum ddm_state)i;
	if (get_count(root, "n_fed", true, &r.n_fed, cause) == -1 ||
	    get_bool(root, "ddm_warning", &r.ddm_warning, cause) == -1 ||
	    get_bool(root, "ddm_drift", &r.ddm_drift, cause) == -1 ||
	    get_count(root, "ddm_drifts", true, &r.ddm_drifts, cause) == -1 ||
	    get_bool(root, "adwin_drift", &r.adwin_drift, cause) == -1 ||
	    get_count(root, "adwin_width", true, &r.adwin_width,
	    cause) == -1 ||
	    get_double(root, "adwin_mean", true, &r.adwin_mean, cause) == -1 ||
	    get_count(root, "adwin_detections", true, &r.adwin_detections,
	    cause) == -1)
		return -1;
	/* The calibrated policy's signals (monitor-judge.h), when judged so. */
	if (get(root, "policy") != NULL) {
		r.calibrated = true;
		if (get_bool(root, "ddm_signal", &r.ddm_signal, cause) == -1 ||
		    get_bool(root, "adwin_signal", &r.adwin_signal,
		    cause) == -1 ||
		    get_double(root, "acc_p_value", true, &r.acc_p_value,
		    cause) == -1)
			return -1;
	}
	*(struct detector_report *)out = r;
	return 0;
}

static const struct json_decoder detectors_decoder = { "detectors", false,
    detectors_from };

int
report_json_decode_detectors(const char *text, size_t len,
    struct detector_report *out, char **cause)
{
	return json_decode(&detectors_decoder, text, len, NULL, out, cause);
}
