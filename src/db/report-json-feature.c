/*
 * Feature report <-> JSON (report-json.h): per feature, by name, PSI and
 * KS with the thresholds each was judged with, the drift and investigate
 * verdicts, missing values, and the categorical block (report-json-cat.c).
 * The encoder writes the compact text directly; the decoder builds into a
 * local report and hands it over only when everything checked out (the
 * helpers both share are in report-json-util.c).
 */
#include "db/report-json.h"
#include "db/report-json-cat.h"
#include "db/report-json-joint.h"
#include "db/report-json-internal.h"

#include <limits.h>
#include <math.h>
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

/*
 * "key":{name: value} over the features, a member of the object being
 * written (first as json_key's): the numbers v when set, else counts c.
 */
static void
feature_map(struct strbuf *b, bool *first, const char *key, const double *v,
    const uint64_t *c, const struct store_schema *sc)
{
	bool ffirst = true;
	size_t i;

	json_key(b, first, key);
	strbuf_add(b, "{", 1);
	for (i = 0; i < sc->n_features; i++) {
		json_key(b, &ffirst, sc->feature_names[i]);
		if (v != NULL)
			json_number(b, v[i]);
		else
			json_count(b, c[i]);
	}
	strbuf_add(b, "}", 1);
}

/* "key":[name, ...], the features with flag set, a member likewise. */
static void
feature_list(struct strbuf *b, bool *first, const char *key, const bool *flag,
    const struct store_schema *sc)
{
	bool ffirst = true;
	size_t i;

	json_key(b, first, key);
	strbuf_add(b, "[", 1);
	for (i = 0; i < sc->n_features; i++) {
		if (!flag[i])
			continue;
		if (!ffirst)
			strbuf_add(b, ",", 1);
		ffirst = false;
		store_json_string(b, sc->feature_names[i]);
	}
	strbuf_add(b, "]", 1);
}

/* The text, then the number v, at obj; the length written. */
static size_t
threshold_put(char *obj, size_t size, const char *text, double v)
{
	size_t n = (size_t)snprintf(obj, size, "%s", text);

	return n + store_format_double(obj + n, size - n, v);
}

/* :{"psi_warning":..,"psi_critical":..,"ks_alpha":..[,categorical's]}. */
static size_t
threshold_object(char *obj, size_t size, const struct feature_thresholds *t,
    bool is_cat)
{
	size_t n;

	n = threshold_put(obj, size, ":{\"psi_warning\":", t->psi_warning);
	n += threshold_put(obj + n, size - n, ",\"psi_critical\":",
	    t->psi_critical);
	n += threshold_put(obj + n, size - n, ",\"ks_alpha\":", t->ks_alpha);
	if (is_cat) {
		n += threshold_put(obj + n, size - n, ",\"chisq_alpha\":",
		    t->cat_alpha);
		n += threshold_put(obj + n, size - n, ",\"new_share\":",
		    t->new_share);
	}
	n += (size_t)snprintf(obj + n, size - n, "}");
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
		    memcmp(&t[i], &t[i - 1], sizeof t[i]) != 0)
			n = threshold_object(obj, sizeof obj, &t[i], is_cat);
		was_cat = is_cat;
		strbuf_add(b, obj, n);
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
	feature_map(b, &mfirst, "shares", r->missing_share, NULL, sc);
	feature_map(b, &mfirst, "reference_shares", r->ref_missing_share, NULL,
	    sc);
	feature_map(b, &mfirst, "p_values", r->missing_p_value, NULL, sc);
	feature_map(b, &mfirst, "effects", r->missing_effect, NULL, sc);
	feature_map(b, &mfirst, "values_used", NULL, r->n_used, sc);
	feature_list(b, &mfirst, "drifted_features", r->drift_missing, sc);
	feature_list(b, &mfirst, "no_values_features", r->no_values, sc);
	json_member_number(b, &mfirst, "alpha", r->missing_alpha);
	json_member_number(b, &mfirst, "min_effect", r->missing_min_effect);
	strbuf_add(b, "}", 1);
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
	strbuf_reserve(&b, JSON_ROOM_FEATURE(sc->n_features));
	strbuf_add(&b, "{", 1);
	json_member_bool(&b, &first, "any_drift", r->any_drift);
	feature_list(&b, &first, "drifted_features_ks", r->drift_ks, sc);
	feature_list(&b, &first, "drifted_features_psi", r->drift_psi, sc);
	feature_map(&b, &first, "psi_values", r->psi, NULL, sc);
	feature_map(&b, &first, "ks_p_values", r->ks_p_value, NULL, sc);
	feature_map(&b, &first, "ks_statistics", r->ks_statistic, NULL, sc);
	json_member_number(&b, &first, "max_psi", r->psi[r->max_psi_feature]);
	if (r->psi_outlier != NULL) {
		/* Features whose PSI bins an outlier dominates. */
		feature_list(&b, &first, "psi_outlier_range", r->psi_outlier,
		    sc);
	}
	json_member_string(&b, &first, "max_psi_feature",
	    sc->feature_names[r->max_psi_feature]);
	feature_list(&b, &first, "investigate_features_psi", r->investigate_psi,
	    sc);
	if (r->thresholds_stored)
		feature_thresholds(&b, r->thresholds, r->categorical, sc);
	if (r->calibrated) {
		/* The calibrated policy's p-values and adjusted p-values. */
		json_member_string(&b, &first, "policy", "calibrated");
		feature_map(&b, &first, "psi_p_values", r->psi_p_value, NULL,
		    sc);
		feature_map(&b, &first, "ks_q_values", r->ks_q, NULL, sc);
		feature_map(&b, &first, "psi_q_values", r->psi_q, NULL, sc);
		if (r->mean != NULL)
			feature_map(&b, &first, "means", r->mean, NULL, sc);
		if (r->missing_q != NULL)
			feature_map(&b, &first, "missing_q_values",
			    r->missing_q, NULL, sc);
		report_json_joint_encode(&b, &first, r);
	}
	if (r->mmd_run) {
		json_key(&b, &first, "mmd");
		strbuf_add(&b, "{", 1);
		json_member_number(&b, &mfirst, "mmd2", r->mmd.mmd2);
		json_member_number(&b, &mfirst, "sigma", r->mmd.sigma);
		json_member_number(&b, &mfirst, "p_value", r->mmd.p_value);
		json_member_bool(&b, &mfirst, "drift", r->mmd_drift);
		strbuf_add(&b, "}", 1);
	}
	feature_missing(&b, &first, r, sc);
	report_json_cat_encode(&b, &first, r, sc);
	strbuf_add(&b, "}", 1);
	return strbuf_take(&b);
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

/* The feature of the largest PSI: stored, or found (older reports). */
static int
get_max_psi(const cJSON *root, const struct store_schema *sc,
    struct feature_report *r, char **cause)
{
	const cJSON	*name = get(root, "max_psi_feature");
	size_t		 i, n = sc->n_features;
	long		 at;

	if (name == NULL) {
		for (i = 1; i < n; i++)
			if (r->psi[i] > r->psi[r->max_psi_feature])
				r->max_psi_feature = i;
		return 0;
	}
	at = cJSON_IsString(name) ? name_index(sc->feature_names, n,
	    name->valuestring, 0) : -1;
	if (at < 0) {
		*cause = xstrdup("\"max_psi_feature\" is not a feature name");
		return -1;
	}
	r->max_psi_feature = (size_t)at;
	return 0;
}

/* The calibrated policy's p-values (monitor-judge.h), if judged so. */
static int
get_feature_policy(const cJSON *root, const struct store_schema *sc,
    struct feature_report *r, char **cause)
{
	size_t	i, n = sc->n_features;

	if (get(root, "policy") == NULL)
		return 0;
	r->calibrated = true;
	r->psi_p_value = xcalloc(n, sizeof *r->psi_p_value);
	r->ks_q = xcalloc(n, sizeof *r->ks_q);
	r->psi_q = xcalloc(n, sizeof *r->psi_q);
	r->mean = xcalloc(n, sizeof *r->mean);
	for (i = 0; i < n; i++)
		r->mean[i] = NAN;
	if (get(root, "missing_q_values") != NULL) {
		r->missing_q = xcalloc(n, sizeof *r->missing_q);
		if (get_name_map(root, "missing_q_values", sc->feature_names,
		    n, true, r->missing_q, NULL, cause) == -1)
			return -1;
	}
	if (get_name_map(root, "means", sc->feature_names, n, false,
	    r->mean, NULL, cause) == -1 ||
	    get_name_map(root, "psi_p_values", sc->feature_names, n, true,
	    r->psi_p_value, NULL, cause) == -1 ||
	    get_name_map(root, "ks_q_values", sc->feature_names, n, true,
	    r->ks_q, NULL, cause) == -1 ||
	    get_name_map(root, "psi_q_values", sc->feature_names, n, true,
	    r->psi_q, NULL, cause) == -1)
		return -1;
	return 0;
}

/* The multivariate MMD test, when it ran (null or absent: not run). */
static int
get_mmd(const cJSON *root, struct feature_report *r, char **cause)
{
	const cJSON	*mmd = get(root, "mmd");

	if (mmd == NULL || cJSON_IsNull(mmd))
		return 0;
	if (!cJSON_IsObject(mmd)) {
		*cause = xstrdup("\"mmd\" is not an object");
		return -1;
	}
	r->mmd_run = true;
	if (get_double(mmd, "mmd2", true, &r->mmd.mmd2, cause) == -1 ||
	    get_double(mmd, "sigma", true, &r->mmd.sigma, cause) == -1 ||
	    get_double(mmd, "p_value", true, &r->mmd.p_value, cause) == -1 ||
	    get_bool(mmd, "drift", &r->mmd_drift, cause) == -1)
		return -1;
	return 0;
}

/* The feature report of root (feature_decoder's body). */
static int
feature_from(const cJSON *root, const struct store_schema *sc, void *out,
    char **cause)
{
	struct feature_report r;
	size_t n = sc->n_features;
	double max;

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
	if (get_max_psi(root, sc, &r, cause) == -1 ||
	    get_feature_policy(root, sc, &r, cause) == -1 ||
	    get_mmd(root, &r, cause) == -1)
		goto fail;
	if (decode_missing(root, sc, &r, cause) == -1 ||
	    report_json_joint_decode(root, &r, cause) == -1 ||
	    report_json_cat_decode(root, sc, &r, cause) == -1)
		goto fail;
	*(struct feature_report *)out = r;
	return 0;
fail:
	feature_report_finish(&r);
	return -1;
}

static const struct json_decoder feature_decoder = { "feature", true,
    feature_from };

int
report_json_decode_feature(const char *text, size_t len,
    const struct store_schema *sc, struct feature_report *out, char **cause)
{
	return json_decode(&feature_decoder, text, len, sc, out, cause);
}
