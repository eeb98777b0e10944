/*
 * Payload keys: the one place that knows the JSON names. Report payloads
 * are the seed's JSON; the console's readers (the overview in query.c, the
 * series in query-series.c) ask for a field by its enum query_key and
 * accept the names listed here (the key table), so a renamed key is a
 * one-line change.
 */
#include "db/query-internal.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <cjson/cJSON.h>

/* Most names one field has, plus the NULL that ends the list. */
#define QUERY_KEY_NAMES		4

static const char *const query_keys[QUERY_KEY_COUNT][QUERY_KEY_NAMES] = {
	[QUERY_KEY_PSI] = { "psi_values", "psi", NULL },
	[QUERY_KEY_KS_P] = { "ks_p_values", "ks_p_value", "ks_pvalues",
	    NULL },
	[QUERY_KEY_KS_STAT] = { "ks_statistics", "ks_statistic", NULL },
	[QUERY_KEY_LS_P] = { "label_shift_p_value", "label_shift_p",
	    "chi2_p_value", NULL },
	[QUERY_KEY_LS_DRIFT] = { "label_shift_drift", "label_shift_detected",
	    "label_shift", NULL },
	[QUERY_KEY_MEAN_CONF] = { "mean_confidence", NULL },
	[QUERY_KEY_REF_CONF] = { "reference_mean_confidence",
	    "ref_mean_confidence", NULL },
	[QUERY_KEY_CONF_DRIFT] = { "confidence_drift", NULL },
	[QUERY_KEY_ACC] = { "accuracy", NULL },
	[QUERY_KEY_F1] = { "f1_macro", "f1", NULL },
	[QUERY_KEY_ECE] = { "ece", NULL },
	[QUERY_KEY_ACC_DELTA] = { "acc_delta", "accuracy_delta", NULL },
	[QUERY_KEY_F1_DELTA] = { "f1_delta", NULL },
	[QUERY_KEY_DECAY] = { "any_decay", NULL },
};

/* The first of the key's names the object has, or NULL. */
static const cJSON *
json_find(const cJSON *obj, enum query_key key)
{
	const char *const *names = query_keys[key];
	const cJSON *v;

	for (; *names != NULL; names++) {
		v = cJSON_GetObjectItemCaseSensitive(obj, *names);
		if (v != NULL)
			return v;
	}
	return NULL;
}

double
query_json_number(const cJSON *obj, enum query_key key)
{
	const cJSON *v = json_find(obj, key);

	if (v == NULL || !cJSON_IsNumber(v))
		return NAN;
	return v->valuedouble;
}

bool
query_json_flag(const cJSON *obj, enum query_key key)
{
	const cJSON *v = json_find(obj, key);

	if (v == NULL)
		return false;
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v);
	return cJSON_IsNumber(v) && v->valuedouble != 0;
}

void
query_json_features(const cJSON *obj, enum query_key key, double *out,
    size_t nf, char **feature_names)
{
	const cJSON *v, *e;
	size_t i, f;

	for (i = 0; i < nf; i++)
		out[i] = NAN;
	v = json_find(obj, key);
	if (v == NULL || (!cJSON_IsArray(v) && !cJSON_IsObject(v)))
		return;
	i = 0;
	cJSON_ArrayForEach(e, v) {
		f = i++;
		if (cJSON_IsObject(v) && feature_names != NULL &&
		    e->string != NULL) {
			for (f = 0; f < nf; f++) {
				if (feature_names[f] != NULL &&
				    strcmp(feature_names[f], e->string) == 0)
					break;
			}
		}
		if (f < nf && cJSON_IsNumber(e))
			out[f] = e->valuedouble;
	}
}

size_t
query_json_feature_count(const cJSON *obj)
{
	const cJSON *v = json_find(obj, QUERY_KEY_PSI);

	if (v == NULL)
		return 0;
	return (size_t)cJSON_GetArraySize(v);
}
