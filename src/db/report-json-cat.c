/*
 * The "categorical" block of a feature report's payload: per categorical
 * feature, its tests, its verdicts (chi-squared homogeneity, new
 * categories) and its bins (the reference's top categories, "other",
 * "new") with the reference's and the batch's counts, for the console's
 * bars. Written only when the report has a categorical feature, so a
 * numeric stream's payload stays the seed's.
 *
 *   "categorical":{"country":{"statistic":..,"p_value":..,"dof":2,
 *     "tvd":..,"new_share":..,"values_used":200,"values_new":3,
 *     "no_values":false,"distinct":4,"pooled":false,
 *     "categories":["us","fr","de"],"reference_counts":[..5 counts],
 *     "counts":[..5 counts],"drift":true,"new_drift":false}}
 */
#include "db/report-json-cat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/report-json-internal.h"
#include "db/store-internal.h"
#include "db/store.h"

/* "key":[count, ...], n of them, a member of the object being written. */
static void
counts_array(struct strbuf *b, bool *first, const char *key,
    const uint64_t *v, size_t n)
{
	size_t i;

	json_key(b, first, key);
	strbuf_add(b, "[", 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strbuf_add(b, ",", 1);
		json_count(b, v[i]);
	}
	strbuf_add(b, "]", 1);
}

static void
cat_one(struct strbuf *b, const struct cat_feature *c)
{
	bool first = true;
	size_t i, bins = (size_t)c->n_top + 2;

	strbuf_add(b, "{", 1);
	json_member_number(b, &first, "statistic", c->d.statistic);
	json_member_number(b, &first, "p_value", c->d.p_value);
	json_member_count(b, &first, "dof",
	    (uint64_t)(c->d.dof > 0 ? c->d.dof : 0));
	json_member_number(b, &first, "tvd", c->d.tvd);
	json_member_number(b, &first, "new_share", c->d.new_share);
	json_member_count(b, &first, "values_used", c->d.n_used);
	json_member_count(b, &first, "values_new", c->d.n_new);
	json_member_bool(b, &first, "no_values", c->d.no_values);
	json_member_count(b, &first, "distinct", c->n_distinct);
	json_member_bool(b, &first, "pooled", c->pooled);
	json_key(b, &first, "categories");
	strbuf_add(b, "[", 1);
	for (i = 0; i < (size_t)c->n_top; i++) {
		if (i > 0)
			strbuf_add(b, ",", 1);
		store_json_string(b, c->names[i]);
	}
	strbuf_add(b, "]", 1);
	counts_array(b, &first, "reference_counts", c->ref_counts, bins);
	counts_array(b, &first, "counts", c->counts, bins);
	json_member_bool(b, &first, "drift", c->drift_chisq);
	json_member_bool(b, &first, "new_drift", c->drift_new);
	strbuf_add(b, "}", 1);
}

void
report_json_cat_encode(struct strbuf *b, bool *first,
    const struct feature_report *r, const struct store_schema *sc)
{
	bool cfirst = true;
	size_t f;

	if (!r->any_categorical)
		return;
	json_key(b, first, "categorical");
	strbuf_add(b, "{", 1);
	for (f = 0; f < r->n_features; f++) {
		if (!r->categorical[f])
			continue;
		json_key(b, &cfirst, sc->feature_names[f]);
		cat_one(b, &r->cat[f]);
	}
	strbuf_add(b, "}", 1);
}

/* An array of exactly n counts into out. */
static int
get_counts(const cJSON *o, const char *key, size_t n, uint64_t *out,
    char **cause)
{
	const cJSON *arr = get(o, key), *it;
	size_t i = 0;

	if (arr == NULL || !cJSON_IsArray(arr) ||
	    (size_t)cJSON_GetArraySize(arr) != n) {
		*cause = xasprintf("\"%s\" is not an array of %zu counts", key,
		    n);
		return -1;
	}
	cJSON_ArrayForEach(it, arr)
		if (item_count(it, key, &out[i++], cause) == -1)
			return -1;
	return 0;
}

/* The category names of one feature (at most CAT_TOP_MAX). */
static int
get_categories(const cJSON *o, struct cat_feature *c, char **cause)
{
	const cJSON *arr = get(o, "categories"), *it;
	int n;

	if (arr == NULL || !cJSON_IsArray(arr) ||
	    (n = cJSON_GetArraySize(arr)) > CAT_TOP_MAX) {
		*cause = xstrdup("\"categories\" is not an array of names");
		return -1;
	}
	c->names = xcalloc(n > 0 ? (size_t)n : 1, sizeof *c->names);
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it)) {
			*cause = xstrdup("\"categories\" holds a non-string");
			return -1;
		}
		c->names[c->n_top++] = xstrdup(it->valuestring);
	}
	return 0;
}

static int
cat_decode_one(const cJSON *o, struct cat_feature *c, char **cause)
{
	uint64_t dof = 0, distinct = 0;
	size_t bins;

	if (!cJSON_IsObject(o)) {
		*cause = xstrdup("a \"categorical\" entry is not an object");
		return -1;
	}
	if (get_categories(o, c, cause) == -1)
		return -1;
	bins = (size_t)c->n_top + 2;
	c->ref_counts = xcalloc(bins, sizeof *c->ref_counts);
	c->counts = xcalloc(bins, sizeof *c->counts);
	if (get_double(o, "statistic", true, &c->d.statistic,
	    cause) == -1 ||
	    get_double(o, "p_value", true, &c->d.p_value, cause) == -1 ||
	    get_count(o, "dof", true, &dof, cause) == -1 ||
	    get_double(o, "tvd", true, &c->d.tvd, cause) == -1 ||
	    get_double(o, "new_share", true, &c->d.new_share,
	    cause) == -1 ||
	    get_count(o, "values_used", true, &c->d.n_used, cause) == -1 ||
	    get_count(o, "values_new", true, &c->d.n_new, cause) == -1 ||
	    get_bool(o, "no_values", &c->d.no_values, cause) == -1 ||
	    get_count(o, "distinct", true, &distinct, cause) == -1 ||
	    get_bool(o, "pooled", &c->pooled, cause) == -1 ||
	    get_counts(o, "reference_counts", bins, c->ref_counts,
	    cause) == -1 ||
	    get_counts(o, "counts", bins, c->counts, cause) == -1 ||
	    get_bool(o, "drift", &c->drift_chisq, cause) == -1 ||
	    get_bool(o, "new_drift", &c->drift_new, cause) == -1)
		return -1;
	if (dof > (uint64_t)CAT_TOP_MAX + 1) {
		*cause = xstrdup("\"dof\" is larger than the bins allow");
		return -1;
	}
	c->d.dof = (int)dof;
	c->n_distinct = (size_t)distinct;
	return 0;
}

int
report_json_cat_decode(const cJSON *root, const struct store_schema *sc,
    struct feature_report *r, char **cause)
{
	const cJSON *block = get(root, "categorical"), *it;
	long at;

	if (block == NULL || cJSON_IsNull(block))
		return 0;
	if (!cJSON_IsObject(block)) {
		*cause = xstrdup("\"categorical\" is not an object");
		return -1;
	}
	feature_report_alloc_cat(r);
	cJSON_ArrayForEach(it, block) {
		at = it->string == NULL ? -1 : name_index(sc->feature_names,
		    sc->n_features, it->string, 0);
		if (at < 0 || r->categorical[at]) {
			*cause = xstrdup("\"categorical\" has an unknown or "
			    "repeated name");
			return -1;
		}
		r->categorical[at] = true;
		if (cat_decode_one(it, &r->cat[at], cause) == -1)
			return -1;
	}
	return 0;
}
