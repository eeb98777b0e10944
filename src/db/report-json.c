/*
 * Report <-> JSON. The encoders write the compact text directly (the
 * bytes cJSON_PrintUnformatted gave for the same tree); every double goes
 * through store_format_double (cJSON's own printer tries %1.15g and
 * accepts it when it reads back *nearly* equal, which loses the last
 * bits) and every count is a plain decimal. The decoders build
 * into a local report and hand it over only when everything checked out.
 */
#include "db/report-json.h"
#include "db/report-json-cat.h"
#include "db/report-json-joint.h"
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

/* {name: value} over the features. */
static void
feature_map(struct strbuf *b, const double *v, const struct store_schema *sc)
{
	bool first = true;
	size_t i;

	strbuf_add(b, "{", 1);
	for (i = 0; i < sc->n_features; i++) {
		json_key(b, &first, sc->feature_names[i]);
		json_number(b, v[i]);
	}
	strbuf_add(b, "}", 1);
}

static void
feature_list(struct strbuf *b, const bool *flag, const struct store_schema *sc)
{
	bool first = true;
	size_t i;

	strbuf_add(b, "[", 1);
	for (i = 0; i < sc->n_features; i++) {
		if (!flag[i])
			continue;
		if (!first)
			strbuf_add(b, ",", 1);
		first = false;
		store_json_string(b, sc->feature_names[i]);
	}
	strbuf_add(b, "]", 1);
}

/* ,"chisq_alpha":..,"new_share":.. of a categorical feature. */
static size_t
threshold_cat(char *obj, size_t size, const struct feature_thresholds *t)
{
	size_t n;

	n = (size_t)snprintf(obj, size, ",\"chisq_alpha\":");
	n += store_format_double(obj + n, size - n, t->cat_alpha);
	n += (size_t)snprintf(obj + n, size - n, ",\"new_share\":");
	n += store_format_double(obj + n, size - n, t->new_share);
	return n;
}

/*
 * "thresholds":{name:{"psi_warning":..,"psi_critical":..,"ks_alpha":..}}.
 * The object text is formatted once and reused while the next feature's
 * thresholds are the same (the usual case: one set for every feature).
 */
static void
feature_thresholds(struct strbuf *b, const struct feature_thresholds *t,
    const bool *cat, const struct store_schema *sc)
{
	char obj[5 * 40 + 96];
	size_t i, n = 0;
	bool is_cat, was_cat = false;

	JSON_LIT(b, ",\"thresholds\":{");
	for (i = 0; i < sc->n_features; i++) {
		if (i > 0)
			strbuf_add(b, ",", 1);
		store_json_string(b, sc->feature_names[i]);
		is_cat = cat != NULL && cat[i];
		if (i == 0 || is_cat != was_cat ||
		    memcmp(&t[i], &t[i - 1], sizeof t[i]) != 0) {
			n = (size_t)snprintf(obj, sizeof obj,
			    ":{\"psi_warning\":");
			n += store_format_double(obj + n, sizeof obj - n,
			    t[i].psi_warning);
			n += (size_t)snprintf(obj + n, sizeof obj - n,
			    ",\"psi_critical\":");
			n += store_format_double(obj + n, sizeof obj - n,
			    t[i].psi_critical);
			n += (size_t)snprintf(obj + n, sizeof obj - n,
			    ",\"ks_alpha\":");
			n += store_format_double(obj + n, sizeof obj - n,
			    t[i].ks_alpha);
			if (is_cat)
				n += threshold_cat(obj + n, sizeof obj - n,
				    &t[i]);
			n += (size_t)snprintf(obj + n, sizeof obj - n, "}");
		}
		was_cat = is_cat;
		strbuf_add(b, obj, n);
	}
	strbuf_add(b, "}", 1);
}

/* {name: count} over the features. */
static void
feature_counts(struct strbuf *b, const uint64_t *v,
    const struct store_schema *sc)
{
	bool first = true;
	size_t i;

	strbuf_add(b, "{", 1);
	for (i = 0; i < sc->n_features; i++) {
		json_key(b, &first, sc->feature_names[i]);
		json_count(b, v[i]);
	}
	strbuf_add(b, "}", 1);
}

/*
 * "missing": the missing-value block, written only when some value of
 * the batch or the reference was missing (a complete stream's payload
 * stays the seed's).
 */
static void
feature_missing(struct strbuf *b, bool *first, const struct feature_report *r,
    const struct store_schema *sc)
{
	bool mfirst = true;

	if (!r->missing_seen)
		return;
	json_key(b, first, "missing");
	strbuf_add(b, "{", 1);
	json_key(b, &mfirst, "shares");
	feature_map(b, r->missing_share, sc);
	json_key(b, &mfirst, "reference_shares");
	feature_map(b, r->ref_missing_share, sc);
	json_key(b, &mfirst, "p_values");
	feature_map(b, r->missing_p_value, sc);
	json_key(b, &mfirst, "effects");
	feature_map(b, r->missing_effect, sc);
	json_key(b, &mfirst, "values_used");
	feature_counts(b, r->n_used, sc);
	json_key(b, &mfirst, "drifted_features");
	feature_list(b, r->drift_missing, sc);
	json_key(b, &mfirst, "no_values_features");
	feature_list(b, r->no_values, sc);
	json_key(b, &mfirst, "alpha");
	json_number(b, r->missing_alpha);
	json_key(b, &mfirst, "min_effect");
	json_number(b, r->missing_min_effect);
	strbuf_add(b, "}", 1);
}

static bool
schema_usable(const struct store_schema *sc, char **cause)
{
	if (sc == NULL || sc->n_features == 0 || sc->n_classes < 1 ||
	    sc->feature_names == NULL || sc->class_names == NULL) {
		*cause = xstrdup("report JSON needs the feature and class "
		    "names of a stored schema");
		return false;
	}
	return true;
}

char *
report_json_encode_feature(const struct feature_report *r,
    const struct store_schema *sc, char **cause)
{
	struct strbuf b = STRBUF_INIT;
	bool first = true, mfirst = true;

	if (!schema_usable(sc, cause))
		return NULL;
	if (r->n_features != sc->n_features ||
	    r->max_psi_feature >= r->n_features) {
		*cause = xasprintf("feature report has %zu features (max PSI "
		    "at %zu), the schema %zu", r->n_features,
		    r->max_psi_feature, sc->n_features);
		return NULL;
	}
	strbuf_add(&b, "{", 1);
	json_key(&b, &first, "any_drift");
	json_bool(&b, r->any_drift);
	json_key(&b, &first, "drifted_features_ks");
	feature_list(&b, r->drift_ks, sc);
	json_key(&b, &first, "drifted_features_psi");
	feature_list(&b, r->drift_psi, sc);
	json_key(&b, &first, "psi_values");
	feature_map(&b, r->psi, sc);
	json_key(&b, &first, "ks_p_values");
	feature_map(&b, r->ks_p_value, sc);
	json_key(&b, &first, "ks_statistics");
	feature_map(&b, r->ks_statistic, sc);
	json_key(&b, &first, "max_psi");
	json_number(&b, r->psi[r->max_psi_feature]);
	if (r->psi_outlier != NULL) {
		/* Features whose PSI bins an outlier dominates. */
		json_key(&b, &first, "psi_outlier_range");
		feature_list(&b, r->psi_outlier, sc);
	}
	json_key(&b, &first, "max_psi_feature");
	store_json_string(&b, sc->feature_names[r->max_psi_feature]);
	json_key(&b, &first, "investigate_features_psi");
	feature_list(&b, r->investigate_psi, sc);
	if (r->thresholds_stored)
		feature_thresholds(&b, r->thresholds, r->categorical, sc);
	if (r->calibrated) {
		/* The calibrated policy's p-values and adjusted p-values. */
		json_key(&b, &first, "policy");
		store_json_string(&b, "calibrated");
		json_key(&b, &first, "psi_p_values");
		feature_map(&b, r->psi_p_value, sc);
		json_key(&b, &first, "ks_q_values");
		feature_map(&b, r->ks_q, sc);
		json_key(&b, &first, "psi_q_values");
		feature_map(&b, r->psi_q, sc);
		if (r->mean != NULL) {
			json_key(&b, &first, "means");
			feature_map(&b, r->mean, sc);
		}
		if (r->missing_q != NULL) {
			json_key(&b, &first, "missing_q_values");
			feature_map(&b, r->missing_q, sc);
		}
		report_json_joint_encode(&b, &first, r);
	}
	if (r->mmd_run) {
		json_key(&b, &first, "mmd");
		strbuf_add(&b, "{", 1);
		json_key(&b, &mfirst, "mmd2");
		json_number(&b, r->mmd.mmd2);
		json_key(&b, &mfirst, "sigma");
		json_number(&b, r->mmd.sigma);
		json_key(&b, &mfirst, "p_value");
		json_number(&b, r->mmd.p_value);
		json_key(&b, &mfirst, "drift");
		json_bool(&b, r->mmd_drift);
		strbuf_add(&b, "}", 1);
	}
	feature_missing(&b, &first, r, sc);
	report_json_cat_encode(&b, &first, r, sc);
	strbuf_add(&b, "}", 1);
	return strbuf_take(&b);
}

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
	strbuf_add(&b, "{", 1);
	json_key(&b, &first, "label_shift_drift");
	json_bool(&b, r->label_shift_drift);
	json_key(&b, &first, "label_shift_p_value");
	json_number(&b, r->label_shift_p_value);
	json_key(&b, &first, "label_shift_statistic");
	json_number(&b, r->label_shift_statistic);
	json_key(&b, &first, "label_shift_homogeneity");
	strbuf_add(&b, "{", 1);
	json_key(&b, &hfirst, "statistic");
	json_number(&b, r->label_shift_homog_statistic);
	json_key(&b, &hfirst, "p_value");
	json_number(&b, r->label_shift_homog_p_value);
	json_key(&b, &hfirst, "dof");
	strbuf_addf(&b, "%d", r->label_shift_homog_dof);
	json_key(&b, &hfirst, "drift");
	json_bool(&b, r->label_shift_homog_drift);
	strbuf_add(&b, "}", 1);
	if (r->calibrated) {
		json_key(&b, &first, "policy");
		store_json_string(&b, "calibrated");
		json_key(&b, &first, "label_shift_q_value");
		json_number(&b, r->label_shift_q);
		json_key(&b, &first, "class_tvd");
		json_number(&b, r->class_tvd);
		json_key(&b, &first, "confidence_delta");
		json_number(&b, r->mean_confidence -
		    r->reference_mean_confidence);
	}
	json_key(&b, &first, "confidence_drift");
	json_bool(&b, r->confidence_drift);
	json_key(&b, &first, "mean_confidence");
	json_number(&b, r->mean_confidence);
	json_key(&b, &first, "reference_mean_confidence");
	json_number(&b, r->reference_mean_confidence);
	json_key(&b, &first, "class_counts");
	strbuf_add(&b, "{", 1);
	for (i = 0; i < r->n_classes; i++) {
		json_key(&b, &cfirst, sc->class_names[i]);
		json_count(&b, r->class_counts[i]);
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

char *
report_json_encode_performance(const struct performance_report *r,
    const struct store_schema *sc, char **cause)
{
	struct strbuf b = STRBUF_INIT;
	bool first = true;
	size_t k, i, j;

	if (!schema_usable(sc, cause))
		return NULL;
	if (r->n_classes != sc->n_classes) {
		*cause = xasprintf("performance report has %d classes, the "
		    "schema %d", r->n_classes, sc->n_classes);
		return NULL;
	}
	k = (size_t)r->n_classes;
	strbuf_add(&b, "{", 1);
	json_key(&b, &first, "accuracy");
	json_number(&b, r->accuracy);
	json_key(&b, &first, "f1_macro");
	json_number(&b, r->f1_macro);
	json_key(&b, &first, "ece");
	json_number(&b, r->ece);
	json_key(&b, &first, "acc_delta");
	json_number(&b, r->acc_delta);
	json_key(&b, &first, "f1_delta");
	json_number(&b, r->f1_delta);
	json_key(&b, &first, "any_decay");
	json_bool(&b, r->any_decay);
	json_key(&b, &first, "n_rows");
	json_count(&b, r->n_rows);
	json_key(&b, &first, "confusion");
	strbuf_add(&b, "[", 1);
	for (i = 0; i < k; i++) {
		strbuf_add(&b, i ? ",[" : "[", i ? 2 : 1);
		for (j = 0; j < k; j++) {
			if (j > 0)
				strbuf_add(&b, ",", 1);
			json_count(&b, r->confusion[i * k + j]);
		}
		strbuf_add(&b, "]", 1);
	}
	strbuf_add(&b, "]", 1);
	json_key(&b, &first, "reliability");
	strbuf_add(&b, "[", 1);
	for (i = 0; i < CALIB_BINS; i++) {
		if (i > 0)
			strbuf_add(&b, ",", 1);
		JSON_LIT(&b, "{\"count\":");
		json_count(&b, r->bins[i].count);
		JSON_LIT(&b, ",\"mean_confidence\":");
		json_number(&b, r->bins[i].mean_confidence);
		JSON_LIT(&b, ",\"accuracy\":");
		json_number(&b, r->bins[i].accuracy);
		strbuf_add(&b, "}", 1);
	}
	strbuf_add(&b, "]", 1);
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
	strbuf_add(&b, "{", 1);
	json_key(&b, &first, "n_fed");
	json_count(&b, r->n_fed);
	json_key(&b, &first, "ddm_state");
	store_json_string(&b, ddm_state_names[r->ddm_state]);
	json_key(&b, &first, "ddm_warning");
	json_bool(&b, r->ddm_warning);
	json_key(&b, &first, "ddm_drift");
	json_bool(&b, r->ddm_drift);
	json_key(&b, &first, "ddm_drifts");
	json_count(&b, r->ddm_drifts);
	json_key(&b, &first, "adwin_drift");
	json_bool(&b, r->adwin_drift);
	json_key(&b, &first, "adwin_width");
	json_count(&b, r->adwin_width);
	json_key(&b, &first, "adwin_mean");
	json_number(&b, r->adwin_mean);
	json_key(&b, &first, "adwin_detections");
	json_count(&b, r->adwin_detections);
	if (r->calibrated) {
		/* The signals; the verdicts above need the accuracy test. */
		json_key(&b, &first, "policy");
		store_json_string(&b, "calibrated");
		json_key(&b, &first, "ddm_signal");
		json_bool(&b, r->ddm_signal);
		json_key(&b, &first, "adwin_signal");
		json_bool(&b, r->adwin_signal);
		json_key(&b, &first, "acc_p_value");
		json_number(&b, r->acc_p_value);
	}
	strbuf_add(&b, "}", 1);
	return strbuf_take(&b);
}

/* ---- Decoding -------------------------------------------------------- */

/*
 * The calibrated policy's two numbers of a report (monitor-judge.h), when
 * it says "policy"; NaN otherwise.
 */
static int
get_calibrated(const cJSON *o, bool *calibrated, const char *k1,
    double *v1, const char *k2, double *v2, char **cause)
{
	*calibrated = get(o, "policy") != NULL;
	*v1 = *v2 = NAN;
	if (!*calibrated)
		return 0;
	return get_double(o, k1, true, v1, cause) == -1 ||
	    get_double(o, k2, true, v2, cause) == -1 ? -1 : 0;
}

/*
 * An object {name: value} with exactly one entry per name. Values are
 * numbers or null (doubles) when v is set, else counts into c. Missing
 * (when not required): NaN or 0 everywhere.
 */
static int
get_name_map(const cJSON *o, const char *key, char *const *names, size_t n,
    bool required, double *v, uint64_t *c, char **cause)
{
	const cJSON *map, *it;
	bool *seen;
	size_t i = 0;
	long at;
	int ret = -1;

	map = get(o, key);
	if (map == NULL && !required) {
		for (i = 0; i < n; i++) {
			if (v != NULL)
				v[i] = NAN;
			else
				c[i] = 0;
		}
		return 0;
	}
	if (map == NULL) {
		*cause = xasprintf("missing key \"%s\"", key);
		return -1;
	}
	if (!cJSON_IsObject(map)) {
		*cause = xasprintf("\"%s\" is not an object", key);
		return -1;
	}
	seen = xcalloc(n, sizeof *seen);
	cJSON_ArrayForEach(it, map) {
		at = it->string == NULL ? -1 : name_index(names, n,
		    it->string, i);
		if (at < 0 || seen[at]) {
			*cause = xasprintf("\"%s\" has an unknown or repeated "
			    "name", key);
			goto out;
		}
		seen[at] = true;
		if (v != NULL) {
			if (cJSON_IsNull(it))
				v[at] = NAN;
			else if (cJSON_IsNumber(it))
				v[at] = it->valuedouble;
			else {
				*cause = xasprintf("\"%s\" holds a value that "
				    "is not a number", key);
				goto out;
			}
		} else if (item_count(it, key, &c[at], cause) == -1)
			goto out;
		i++;
	}
	if (i != n) {
		*cause = xasprintf("\"%s\" has %zu entries, not %zu", key, i,
		    n);
		goto out;
	}
	ret = 0;
out:
	free(seen);
	return ret;
}

/* An array of distinct names: flag[index] set for each. */
static int
get_name_list(const cJSON *o, const char *key, char *const *names, size_t n,
    bool *flag, char **cause)
{
	const cJSON *list, *it;
	long at;

	list = get(o, key);
	if (list == NULL) {
		*cause = xasprintf("missing key \"%s\"", key);
		return -1;
	}
	if (!cJSON_IsArray(list)) {
		*cause = xasprintf("\"%s\" is not an array", key);
		return -1;
	}
	cJSON_ArrayForEach(it, list) {
		if (!cJSON_IsString(it)) {
			*cause = xasprintf("\"%s\" holds a non-string", key);
			return -1;
		}
		at = name_index(names, n, it->valuestring, 0);
		if (at < 0 || flag[at]) {
			*cause = xasprintf("\"%s\" has an unknown or repeated "
			    "name", key);
			return -1;
		}
		flag[at] = true;
	}
	return 0;
}

/*
 * "thresholds": one object per feature name with the three thresholds.
 * Missing (a store written before version 3): the monitors' defaults,
 * the values those reports were judged with unless ingest was given
 * others, and thresholds_stored says they were not stored.
 */
static int
get_feature_thresholds(const cJSON *o, const struct store_schema *sc,
    struct feature_report *r, char **cause)
{
	struct monitor_config c;
	const cJSON *map, *it;
	bool *seen;
	size_t i = 0, n = sc->n_features;
	long at;
	int ret = -1;

	map = get(o, "thresholds");
	monitor_config_defaults(&c);
	if (map == NULL) {
		for (i = 0; i < n; i++)
			feature_thresholds_from_config(&r->thresholds[i], &c);
		return 0;
	}
	if (!cJSON_IsObject(map)) {
		*cause = xstrdup("\"thresholds\" is not an object");
		return -1;
	}
	seen = xcalloc(n, sizeof *seen);
	cJSON_ArrayForEach(it, map) {
		at = it->string == NULL ? -1 : name_index(sc->feature_names,
		    n, it->string, i);
		if (at < 0 || seen[at] || !cJSON_IsObject(it)) {
			*cause = xstrdup("\"thresholds\" has an unknown or "
			    "repeated name, or a value not an object");
			goto out;
		}
		seen[at] = true;
		r->thresholds[at].cat_alpha = c.cat_alpha;
		r->thresholds[at].new_share = c.new_share;
		if ((get(it, "chisq_alpha") != NULL && get_double(it,
		    "chisq_alpha", true, &r->thresholds[at].cat_alpha,
		    cause) == -1) || (get(it, "new_share") != NULL &&
		    get_double(it, "new_share", true,
		    &r->thresholds[at].new_share, cause) == -1) ||
		    get_double(it, "psi_warning", true,
		    &r->thresholds[at].psi_warning, cause) == -1 ||
		    get_double(it, "psi_critical", true,
		    &r->thresholds[at].psi_critical, cause) == -1 ||
		    get_double(it, "ks_alpha", true,
		    &r->thresholds[at].ks_alpha, cause) == -1)
			goto out;
		i++;
	}
	if (i != n) {
		*cause = xasprintf("\"thresholds\" has %zu entries, not %zu",
		    i, n);
		goto out;
	}
	r->thresholds_stored = true;
	ret = 0;
out:
	free(seen);
	return ret;
}

/*
 * "investigate_features_psi", or for a report written before version 3
 * (which has no such verdict) the monitors' own verdict under the
 * thresholds just read, for the features not already drifted.
 */
static int
get_investigate(const cJSON *o, const struct store_schema *sc,
    struct feature_report *r, char **cause)
{
	size_t f;

	if (get(o, "investigate_features_psi") == NULL) {
		for (f = 0; f < r->n_features; f++)
			r->investigate_psi[f] = !r->drift_psi[f] &&
			    feature_psi_verdict(r->psi[f],
			    &r->thresholds[f]) != DRIFT_NONE;
		return 0;
	}
	if (get_name_list(o, "investigate_features_psi", sc->feature_names,
	    r->n_features, r->investigate_psi, cause) == -1)
		return -1;
	for (f = 0; f < r->n_features; f++) {
		if (r->investigate_psi[f] && r->drift_psi[f]) {
			*cause = xstrdup("\"investigate_features_psi\" names "
			    "a feature also in \"drifted_features_psi\"");
			return -1;
		}
	}
	return 0;
}

/*
 * The "missing" block into r's arrays (allocated here); absent, nothing
 * was missing: shares 0, p 1, no verdicts.
 */
static int
decode_missing(const cJSON *root, const struct store_schema *sc,
    struct feature_report *r, char **cause)
{
	const cJSON *m = get(root, "missing");
	size_t n = sc->n_features, i;
	char *const *names = sc->feature_names;

	r->n_used = xcalloc(n, sizeof *r->n_used);
	r->no_values = xcalloc(n, sizeof *r->no_values);
	r->missing_share = xcalloc(n, sizeof *r->missing_share);
	r->ref_missing_share = xcalloc(n, sizeof *r->ref_missing_share);
	r->missing_p_value = xcalloc(n, sizeof *r->missing_p_value);
	r->missing_effect = xcalloc(n, sizeof *r->missing_effect);
	r->drift_missing = xcalloc(n, sizeof *r->drift_missing);
	if (m == NULL || cJSON_IsNull(m)) {
		for (i = 0; i < n; i++)
			r->missing_p_value[i] = 1.0;
		return 0;
	}
	if (!cJSON_IsObject(m)) {
		*cause = xstrdup("\"missing\" is not an object");
		return -1;
	}
	r->missing_seen = true;
	if (get_name_map(m, "shares", names, n, true, r->missing_share, NULL,
	    cause) == -1 ||
	    get_name_map(m, "reference_shares", names, n, true,
	    r->ref_missing_share, NULL, cause) == -1 ||
	    get_name_map(m, "p_values", names, n, true, r->missing_p_value,
	    NULL, cause) == -1 ||
	    get_name_map(m, "effects", names, n, true, r->missing_effect,
	    NULL, cause) == -1 ||
	    get_name_map(m, "values_used", names, n, true, NULL, r->n_used,
	    cause) == -1 ||
	    get_name_list(m, "drifted_features", names, n, r->drift_missing,
	    cause) == -1 ||
	    get_name_list(m, "no_values_features", names, n, r->no_values,
	    cause) == -1 ||
	    get_double(m, "alpha", true, &r->missing_alpha, cause) == -1 ||
	    get_double(m, "min_effect", true, &r->missing_min_effect,
	    cause) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (r->drift_missing[i])
			r->any_missing_drift = true;
	return 0;
}

int
report_json_decode_feature(const char *text, size_t len,
    const struct store_schema *sc, struct feature_report *out, char **cause)
{
	struct feature_report r;
	const cJSON *mmd, *name;
	cJSON *root;
	size_t n, i;
	long at;
	double max;

	if (!schema_usable(sc, cause))
		return -1;
	root = json_parse(text, len, "feature", cause);
	if (root == NULL)
		return -1;
	n = sc->n_features;
	memset(&r, 0, sizeof r);
	r.n_features = n;
	r.psi = xcalloc(n, sizeof *r.psi);
	r.ks_statistic = xcalloc(n, sizeof *r.ks_statistic);
	r.ks_p_value = xcalloc(n, sizeof *r.ks_p_value);
	r.drift_psi = xcalloc(n, sizeof *r.drift_psi);
	r.drift_ks = xcalloc(n, sizeof *r.drift_ks);
	r.investigate_psi = xcalloc(n, sizeof *r.investigate_psi);
	r.thresholds = xcalloc(n, sizeof *r.thresholds);
	r.psi_outlier = xcalloc(n, sizeof *r.psi_outlier);
	/* Reports before issue 11 have no outlier note. */
	if (get(root, "psi_outlier_range") != NULL &&
	    get_name_list(root, "psi_outlier_range", sc->feature_names, n,
	    r.psi_outlier, cause) == -1)
		goto fail;
	if (get_bool(root, "any_drift", &r.any_drift, cause) == -1 ||
	    get_name_list(root, "drifted_features_ks", sc->feature_names, n,
	    r.drift_ks, cause) == -1 ||
	    get_name_list(root, "drifted_features_psi", sc->feature_names, n,
	    r.drift_psi, cause) == -1 ||
	    get_name_map(root, "psi_values", sc->feature_names, n, true,
	    r.psi, NULL, cause) == -1 ||
	    get_name_map(root, "ks_p_values", sc->feature_names, n, true,
	    r.ks_p_value, NULL, cause) == -1 ||
	    get_name_map(root, "ks_statistics", sc->feature_names, n, false,
	    r.ks_statistic, NULL, cause) == -1 ||
	    get_double(root, "max_psi", false, &max, cause) == -1 ||
	    get_feature_thresholds(root, sc, &r, cause) == -1 ||
	    get_investigate(root, sc, &r, cause) == -1)
		goto fail;
	name = get(root, "max_psi_feature");
	if (name != NULL) {
		at = cJSON_IsString(name) ? name_index(sc->feature_names, n,
		    name->valuestring, 0) : -1;
		if (at < 0) {
			*cause = xstrdup("\"max_psi_feature\" is not a "
			    "feature name");
			goto fail;
		}
		r.max_psi_feature = (size_t)at;
	} else {
		for (i = 1; i < n; i++)
			if (r.psi[i] > r.psi[r.max_psi_feature])
				r.max_psi_feature = i;
	}
	/* The calibrated policy's p-values (monitor-judge.h), if judged so. */
	if (get(root, "policy") != NULL) {
		r.calibrated = true;
		r.psi_p_value = xcalloc(n, sizeof *r.psi_p_value);
		r.ks_q = xcalloc(n, sizeof *r.ks_q);
		r.psi_q = xcalloc(n, sizeof *r.psi_q);
		r.mean = xcalloc(n, sizeof *r.mean);
		for (i = 0; i < n; i++)
			r.mean[i] = NAN;
		if (get(root, "missing_q_values") != NULL) {
			r.missing_q = xcalloc(n, sizeof *r.missing_q);
			if (get_name_map(root, "missing_q_values",
			    sc->feature_names, n, true, r.missing_q, NULL,
			    cause) == -1)
				goto fail;
		}
		if (get_name_map(root, "means", sc->feature_names, n, false,
		    r.mean, NULL, cause) == -1 ||
		    get_name_map(root, "psi_p_values", sc->feature_names, n,
		    true, r.psi_p_value, NULL, cause) == -1 ||
		    get_name_map(root, "ks_q_values", sc->feature_names, n,
		    true, r.ks_q, NULL, cause) == -1 ||
		    get_name_map(root, "psi_q_values", sc->feature_names, n,
		    true, r.psi_q, NULL, cause) == -1)
			goto fail;
	}
	mmd = get(root, "mmd");
	if (mmd != NULL && !cJSON_IsNull(mmd)) {
		if (!cJSON_IsObject(mmd)) {
			*cause = xstrdup("\"mmd\" is not an object");
			goto fail;
		}
		r.mmd_run = true;
		if (get_double(mmd, "mmd2", true, &r.mmd.mmd2, cause) == -1 ||
		    get_double(mmd, "sigma", true, &r.mmd.sigma, cause) == -1 ||
		    get_double(mmd, "p_value", true, &r.mmd.p_value,
		    cause) == -1 ||
		    get_bool(mmd, "drift", &r.mmd_drift, cause) == -1)
			goto fail;
	}
	if (decode_missing(root, sc, &r, cause) == -1 ||
	    report_json_joint_decode(root, &r, cause) == -1 ||
	    report_json_cat_decode(root, sc, &r, cause) == -1)
		goto fail;
	cJSON_Delete(root);
	*out = r;
	return 0;
fail:
	decode_fail("feature", cause);
	cJSON_Delete(root);
	feature_report_finish(&r);
	return -1;
}

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

int
report_json_decode_prediction(const char *text, size_t len,
    const struct store_schema *sc, struct prediction_report *out,
    char **cause)
{
	struct prediction_report r;
	cJSON *root;

	if (!schema_usable(sc, cause))
		return -1;
	root = json_parse(text, len, "prediction", cause);
	if (root == NULL)
		return -1;
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
		decode_fail("prediction", cause);
		cJSON_Delete(root);
		free(r.class_counts);
		return -1;
	}
	cJSON_Delete(root);
	*out = r;
	return 0;
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

int
report_json_decode_performance(const char *text, size_t len,
    const struct store_schema *sc, struct performance_report *out,
    char **cause)
{
	struct performance_report r;
	uint64_t n_rows;
	cJSON *root;
	size_t k;

	if (!schema_usable(sc, cause))
		return -1;
	root = json_parse(text, len, "performance", cause);
	if (root == NULL)
		return -1;
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
	    get_confusion(root, k, r.confusion, cause) == -1 ||
	    get_bins(root, r.bins, cause) == -1 ||
	    get_thresholds(root, &r.thresholds_stored, cause,
	    "decay_delta", &r.decay_delta, (const char *)NULL) == -1 ||
	    get_grading(root, &r, cause) == -1 ||
	    get_calibrated(root, &r.calibrated, "acc_p_value",
	    &r.acc_p_value, "acc_se", &r.acc_se, cause) == -1) {
		decode_fail("performance", cause);
		cJSON_Delete(root);
		free(r.confusion);
		return -1;
	}
	r.n_rows = (size_t)n_rows;
	cJSON_Delete(root);
	*out = r;
	return 0;
}

int
report_json_decode_detectors(const char *text, size_t len,
    struct detector_report *out, char **cause)
{
	struct detector_report r;
	const cJSON *state;
	cJSON *root;
	int i;

	root = json_parse(text, len, "detectors", cause);
	if (root == NULL)
		return -1;
	memset(&r, 0, sizeof r);
	state = get(root, "ddm_state");
	for (i = DDM_STABLE; i <= DDM_DRIFT; i++)
		if (cJSON_IsString(state) &&
		    strcmp(state->valuestring, ddm_state_names[i]) == 0)
			break;
	if (i > DDM_DRIFT) {
		*cause = xstrdup("\"ddm_state\" is not stable, warning or "
		    "drift");
		goto fail;
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
		goto fail;
	/* The calibrated policy's signals (monitor-judge.h), when judged so. */
	if (get(root, "policy") != NULL) {
		r.calibrated = true;
		if (get_bool(root, "ddm_signal", &r.ddm_signal, cause) == -1 ||
		    get_bool(root, "adwin_signal", &r.adwin_signal,
		    cause) == -1 ||
		    get_double(root, "acc_p_value", true, &r.acc_p_value,
		    cause) == -1)
			goto fail;
	}
	cJSON_Delete(root);
	*out = r;
	return 0;
fail:
	decode_fail("detectors", cause);
	cJSON_Delete(root);
	return -1;
}
