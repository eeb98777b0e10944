/*
 * Report JSON: exact round trips (bit for bit, NaN and Inf included), the
 * seed's key names, seed-style payloads, and malformed input refused
 * without crashing or leaking (every truncation of a valid payload, and a
 * table of hand-made bad ones).
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/report-json.h"
#include "db/store-internal.h"
#include "db/store.h"

static char *fnames[] = { "age", "income", "score \"q\"", "f\xc3\xa9" };
static char *cnames[] = { "cat", "dog", "emu" };
static const struct store_schema schema = { 4, 3, fnames, cnames, NULL };

static bool
same_bits(double a, double b)
{
	if (isnan(a) && isnan(b))
		return true;
	return memcmp(&a, &b, sizeof a) == 0;
}

static void
feature_make(struct feature_report *r, bool mmd)
{
	static const double psi[] = { 0.1, 1.0 / 3.0, 5e-324,
	    0.30000000000000004 };
	static const double ks[] = { 0.123456789012345678, NAN, 1e-300, 1 };
	size_t i;

	memset(r, 0, sizeof *r);
	r->n_features = 4;
	r->psi = xcalloc(4, sizeof *r->psi);
	r->ks_statistic = xcalloc(4, sizeof *r->ks_statistic);
	r->ks_p_value = xcalloc(4, sizeof *r->ks_p_value);
	r->drift_psi = xcalloc(4, sizeof *r->drift_psi);
	r->drift_ks = xcalloc(4, sizeof *r->drift_ks);
	r->psi_outlier = xcalloc(4, sizeof *r->psi_outlier);
	r->psi_outlier[3] = true;
	r->investigate_psi = xcalloc(4, sizeof *r->investigate_psi);
	r->thresholds = xcalloc(4, sizeof *r->thresholds);
	r->thresholds_stored = true;
	for (i = 0; i < 4; i++) {
		r->psi[i] = psi[i];
		r->ks_p_value[i] = ks[i];
		r->ks_statistic[i] = nextafter(psi[i], 2);
		r->drift_psi[i] = i == 1 || i == 3;
		r->investigate_psi[i] = i == 0;
		r->drift_ks[i] = i == 2;
		/* Per feature: the last one judged with its own levels. */
		r->thresholds[i].psi_warning = i == 3 ? 0.3 : 0.1;
		r->thresholds[i].psi_critical = i == 3 ? 1.0 / 7 : 0.2;
		r->thresholds[i].ks_alpha = i == 3 ? 1e-9 : 0.01;
		/* Numeric features: the categorical ones are defaults. */
		r->thresholds[i].cat_alpha = 0.01;
		r->thresholds[i].new_share = 0.05;
	}
	r->ks_statistic[0] = INFINITY;
	r->any_drift = true;
	r->max_psi_feature = 1;
	r->mmd_run = mmd;
	r->mmd.mmd2 = 0.0123;
	r->mmd.sigma = sqrt(2);
	r->mmd.p_value = 1.0 / 101;
	r->mmd_drift = true;
}

START_TEST(test_feature_round_trip)
{
	struct feature_report a, b;
	char *text, *cause = NULL;
	size_t i;
	int mmd;

	for (mmd = 0; mmd <= 1; mmd++) {
		feature_make(&a, mmd);
		text = report_json_encode_feature(&a, &schema, &cause);
		ck_assert_msg(text != NULL, "%s", cause);
		ck_assert_msg(report_json_decode_feature(text, strlen(text),
		    &schema, &b, &cause) == 0, "%s: %s", cause, text);
		ck_assert_uint_eq(b.n_features, 4);
		for (i = 0; i < 4; i++) {
			ck_assert(same_bits(a.psi[i], b.psi[i]));
			ck_assert(same_bits(a.ks_p_value[i], b.ks_p_value[i]));
			ck_assert(same_bits(a.ks_statistic[i],
			    b.ks_statistic[i]));
			ck_assert_int_eq(a.drift_psi[i], b.drift_psi[i]);
			ck_assert_int_eq(a.drift_ks[i], b.drift_ks[i]);
			ck_assert_int_eq(a.psi_outlier[i], b.psi_outlier[i]);
			ck_assert_int_eq(a.investigate_psi[i],
			    b.investigate_psi[i]);
			ck_assert(memcmp(&a.thresholds[i], &b.thresholds[i],
			    sizeof a.thresholds[i]) == 0);
		}
		ck_assert_int_eq(b.thresholds_stored, 1);
		ck_assert_int_eq(b.any_drift, 1);
		ck_assert_uint_eq(b.max_psi_feature, 1);
		ck_assert_int_eq(b.mmd_run, mmd);
		if (mmd) {
			ck_assert(same_bits(a.mmd.sigma, b.mmd.sigma));
			ck_assert(same_bits(a.mmd.p_value, b.mmd.p_value));
			ck_assert_int_eq(b.mmd_drift, 1);
		}
		free(text);
		feature_report_finish(&a);
		feature_report_finish(&b);
	}
}
END_TEST

/*
 * The calibrated block: the joint tests, the batch's means and (with
 * missing values) the missingness q-values, read back bit for bit; a
 * report without the joint block reads as not tested.
 */
START_TEST(test_feature_joint_round_trip)
{
	static const double mean[] = { -1.5, 1e-300, NAN, 7.0 / 3.0 };
	struct feature_report a, b;
	char *text, *cause = NULL;
	size_t i;
	int joint;

	for (joint = 0; joint <= 1; joint++) {
		feature_make(&a, false);
		a.calibrated = true;
		a.psi_p_value = xcalloc(4, sizeof *a.psi_p_value);
		a.ks_q = xcalloc(4, sizeof *a.ks_q);
		a.psi_q = xcalloc(4, sizeof *a.psi_q);
		a.mean = xcalloc(4, sizeof *a.mean);
		for (i = 0; i < 4; i++)
			a.mean[i] = mean[i];
		a.joint_ks_stat = a.joint_psi_stat = NAN;
		a.joint_ks_p = a.joint_psi_p = a.joint_ks_q = NAN;
		a.joint_psi_q = a.joint_t2 = a.joint_t2_p = a.joint_t2_q = NAN;
		if (joint) {
			a.joint_ks_stat = 41.5;
			a.joint_ks_p = 1.0 / 3.0;
			a.joint_ks_q = 0.5;
			a.joint_psi_stat = 60.25;
			a.joint_psi_p = 1e-7;
			a.joint_psi_q = 1.3e-6;
			a.joint_t2 = 123.456;
			a.joint_t2_p = 5e-324;
			a.joint_t2_q = 6e-300;
			a.joint_drift = true;
		}
		text = report_json_encode_feature(&a, &schema, &cause);
		ck_assert_msg(text != NULL, "%s", cause);
		ck_assert_int_eq(strstr(text, "\"joint\"") != NULL, joint);
		ck_assert_msg(report_json_decode_feature(text, strlen(text),
		    &schema, &b, &cause) == 0, "%s: %s", cause, text);
		for (i = 0; i < 4; i++)
			ck_assert(same_bits(a.mean[i], b.mean[i]));
		ck_assert(same_bits(a.joint_ks_stat, b.joint_ks_stat));
		ck_assert(same_bits(a.joint_ks_p, b.joint_ks_p));
		ck_assert(same_bits(a.joint_ks_q, b.joint_ks_q));
		ck_assert(same_bits(a.joint_psi_stat, b.joint_psi_stat));
		ck_assert(same_bits(a.joint_psi_p, b.joint_psi_p));
		ck_assert(same_bits(a.joint_psi_q, b.joint_psi_q));
		ck_assert(same_bits(a.joint_t2, b.joint_t2));
		ck_assert(same_bits(a.joint_t2_p, b.joint_t2_p));
		ck_assert(same_bits(a.joint_t2_q, b.joint_t2_q));
		ck_assert_int_eq(b.joint_drift, joint);
		ck_assert_ptr_null(b.missing_q);
		free(text);
		feature_report_finish(&a);
		feature_report_finish(&b);
	}
}
END_TEST

/* The missing-value block: written only when seen, read back bit for bit. */
START_TEST(test_feature_missing_round_trip)
{
	static const double share[] = { 0, 0.25, 1, 1.0 / 3.0 };
	struct feature_report a, b;
	char *text, *cause = NULL;
	size_t i;
	int seen;

	for (seen = 0; seen <= 1; seen++) {
		feature_make(&a, false);
		a.n_used = xcalloc(4, sizeof *a.n_used);
		a.no_values = xcalloc(4, sizeof *a.no_values);
		a.missing_share = xcalloc(4, sizeof *a.missing_share);
		a.ref_missing_share = xcalloc(4, sizeof *a.ref_missing_share);
		a.missing_p_value = xcalloc(4, sizeof *a.missing_p_value);
		a.missing_effect = xcalloc(4, sizeof *a.missing_effect);
		a.drift_missing = xcalloc(4, sizeof *a.drift_missing);
		a.missing_seen = seen;
		a.missing_alpha = 0.001;
		a.missing_min_effect = 0.2;
		for (i = 0; i < 4; i++) {
			a.n_used[i] = 300 - 100 * i;
			a.no_values[i] = i == 2;
			a.missing_share[i] = share[i];
			a.ref_missing_share[i] = share[3 - i];
			a.missing_p_value[i] = seen ? 1e-3 * (double)i : 1;
			a.missing_effect[i] = -0.5 + (double)i / 7;
			a.drift_missing[i] = seen && i >= 2;
		}
		text = report_json_encode_feature(&a, &schema, &cause);
		ck_assert_msg(text != NULL, "%s", cause);
		ck_assert_int_eq(strstr(text, "\"missing\"") != NULL, seen);
		ck_assert_msg(report_json_decode_feature(text, strlen(text),
		    &schema, &b, &cause) == 0, "%s: %s", cause, text);
		ck_assert_int_eq(b.missing_seen, seen);
		ck_assert_int_eq(b.any_missing_drift, seen);
		if (seen) {
			ck_assert(b.missing_alpha == 0.001);
			ck_assert(b.missing_min_effect == 0.2);
		}
		for (i = 0; seen && i < 4; i++) {
			ck_assert_uint_eq(b.n_used[i], a.n_used[i]);
			ck_assert_int_eq(b.no_values[i], a.no_values[i]);
			ck_assert(same_bits(a.missing_share[i],
			    b.missing_share[i]));
			ck_assert(same_bits(a.ref_missing_share[i],
			    b.ref_missing_share[i]));
			ck_assert(same_bits(a.missing_p_value[i],
			    b.missing_p_value[i]));
			ck_assert(same_bits(a.missing_effect[i],
			    b.missing_effect[i]));
			ck_assert_int_eq(b.drift_missing[i], a.drift_missing[i]);
		}
		for (i = 0; !seen && i < 4; i++) {
			ck_assert(b.missing_share[i] == 0);
			ck_assert(b.missing_p_value[i] == 1);
			ck_assert(!b.drift_missing[i] && !b.no_values[i]);
		}
		free(text);
		feature_report_finish(&a);
		feature_report_finish(&b);
	}
}
END_TEST

/*
 * A categorical feature's block round-trips exactly (bins with names
 * that need escaping, verdicts, thresholds); a numeric report has no
 * "categorical" key and decodes all numeric.
 */
START_TEST(test_feature_cat_round_trip)
{
	static const uint64_t rc[5] = { 40, 30, 20, 10, 0 };
	static const uint64_t bc[5] = { 10, 30, 20, 25, 15 };
	struct feature_report a, b;
	struct cat_feature *c;
	char *text, *cause = NULL, *bad, *at;
	int i;

	feature_make(&a, false);
	text = report_json_encode_feature(&a, &schema, &cause);
	ck_assert_ptr_null(strstr(text, "categorical"));
	ck_assert_int_eq(report_json_decode_feature(text, strlen(text),
	    &schema, &b, &cause), 0);
	ck_assert(!b.any_categorical && b.categorical == NULL);
	feature_report_finish(&b);
	free(text);

	feature_report_alloc_cat(&a);
	a.categorical[2] = true;
	c = &a.cat[2];
	c->n_top = 3;
	c->pooled = true;
	c->n_distinct = 9;
	c->names = xcalloc(3, sizeof *c->names);
	c->names[0] = xstrdup("us");
	c->names[1] = xstrdup("a \"quoted\"\n\\name");
	c->names[2] = xstrdup("f\xc3\xa9");
	c->ref_counts = xcalloc(5, sizeof *c->ref_counts);
	c->counts = xcalloc(5, sizeof *c->counts);
	memcpy(c->ref_counts, rc, sizeof rc);
	memcpy(c->counts, bc, sizeof bc);
	c->d.statistic = 1.0 / 3.0;
	c->d.p_value = 5e-324;
	c->d.dof = 4;
	c->d.tvd = 0.35;
	c->d.new_share = 0.15;
	c->d.n_used = 100;
	c->d.n_new = 15;
	c->drift_chisq = true;
	c->drift_new = true;
	a.thresholds[2].cat_alpha = 1e-4;
	a.thresholds[2].new_share = 0.125;
	text = report_json_encode_feature(&a, &schema, &cause);
	ck_assert_msg(text != NULL, "%s", cause);
	ck_assert_msg(report_json_decode_feature(text, strlen(text), &schema,
	    &b, &cause) == 0, "%s: %s", cause, text);
	ck_assert(b.any_categorical);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(b.categorical[i], i == 2);
	ck_assert_int_eq(b.cat[2].n_top, 3);
	for (i = 0; i < 3; i++)
		ck_assert_str_eq(b.cat[2].names[i], c->names[i]);
	ck_assert(memcmp(b.cat[2].ref_counts, rc, sizeof rc) == 0);
	ck_assert(memcmp(b.cat[2].counts, bc, sizeof bc) == 0);
	ck_assert(same_bits(b.cat[2].d.statistic, c->d.statistic));
	ck_assert(same_bits(b.cat[2].d.p_value, c->d.p_value));
	ck_assert(same_bits(b.cat[2].d.tvd, c->d.tvd));
	ck_assert(same_bits(b.cat[2].d.new_share, c->d.new_share));
	ck_assert_int_eq(b.cat[2].d.dof, 4);
	ck_assert_uint_eq(b.cat[2].d.n_used, 100);
	ck_assert_uint_eq(b.cat[2].d.n_new, 15);
	ck_assert_uint_eq(b.cat[2].n_distinct, 9);
	ck_assert(b.cat[2].pooled && b.cat[2].drift_chisq &&
	    b.cat[2].drift_new);
	ck_assert(b.thresholds[2].cat_alpha == 1e-4);
	ck_assert(b.thresholds[2].new_share == 0.125);
	ck_assert(memcmp(&a.thresholds[3], &b.thresholds[3],
	    sizeof a.thresholds[3]) == 0);
	ck_assert(feature_test_drift(&b, 2));
	feature_report_finish(&b);
	/* A wrong count of bins, an unknown name: refused, with a cause. */
	bad = xstrdup(text);
	at = strstr(bad, "\"counts\":[10,30,20,25,15]");
	ck_assert_ptr_nonnull(at);
	memcpy(at, "\"counts\":[10,30,20,25]   ", 25);
	ck_assert_int_eq(report_json_decode_feature(bad, strlen(bad), &schema,
	    &b, &cause), -1);
	ck_assert_msg(strstr(cause, "\"counts\" is not an array of 5") !=
	    NULL, "%s", cause);
	free(cause);
	free(bad);
	bad = xstrdup(text);
	at = strstr(bad, "\"categorical\":{\"score");
	ck_assert_ptr_nonnull(at);
	at[16] = 'S';
	ck_assert_int_eq(report_json_decode_feature(bad, strlen(bad), &schema,
	    &b, &cause), -1);
	free(cause);
	free(bad);
	free(text);
	feature_report_finish(&a);
}
END_TEST

START_TEST(test_feature_seed_keys)
{
	static const char *keys[] = { "any_drift", "drifted_features_ks",
	    "drifted_features_psi", "psi_values", "ks_p_values",
	    "ks_statistics", "max_psi", "max_psi_feature" };
	struct feature_report a;
	cJSON *root, *it;
	char *text, *cause = NULL;
	size_t i;

	feature_make(&a, false);
	text = report_json_encode_feature(&a, &schema, &cause);
	root = cJSON_Parse(text);
	ck_assert_ptr_nonnull(root);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		ck_assert_msg(cJSON_GetObjectItemCaseSensitive(root, keys[i]) !=
		    NULL, "key %s", keys[i]);
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(root, "mmd"));
	it = cJSON_GetObjectItemCaseSensitive(root, "drifted_features_psi");
	ck_assert_int_eq(cJSON_GetArraySize(it), 2);
	ck_assert_str_eq(cJSON_GetArrayItem(it, 0)->valuestring, "income");
	it = cJSON_GetObjectItemCaseSensitive(root, "psi_values");
	ck_assert(cJSON_GetObjectItemCaseSensitive(it, "age")->valuedouble ==
	    0.1);
	/* Shortest exact text: 0.1 prints as 0.1, not 0.10000000000000001. */
	ck_assert_ptr_nonnull(strstr(text, "\"age\":0.1,"));
	/* NaN is null, Inf 1e999. */
	ck_assert_ptr_nonnull(strstr(text, "\"ks_p_values\":{\"age\":"
	    "0.12345678901234568,\"income\":null"));
	ck_assert_ptr_nonnull(strstr(text, "\"ks_statistics\":{\"age\":1e999"));
	cJSON_Delete(root);
	free(text);
	feature_report_finish(&a);
}
END_TEST

/* A payload as the seed's Python json.dumps writes it. */
START_TEST(test_feature_seed_payload)
{
	static const char seed[] = "{\"any_drift\": true, "
	    "\"drifted_features_ks\": [\"age\"], \"drifted_features_psi\": "
	    "[\"age\", \"income\"], \"psi_values\": {\"age\": 0.31, "
	    "\"income\": 0.25, \"score \\\"q\\\"\": 0.01, \"f\\u00e9\": 0.0}, "
	    "\"ks_p_values\": {\"age\": 1e-05, \"income\": 0.2, "
	    "\"score \\\"q\\\"\": 0.9, \"f\\u00e9\": 1.0}}";
	struct feature_report b;
	char *cause = NULL;

	ck_assert_msg(report_json_decode_feature(seed, strlen(seed), &schema,
	    &b, &cause) == 0, "%s", cause);
	ck_assert(b.psi[0] == 0.31);
	ck_assert(b.ks_p_value[3] == 1.0);
	ck_assert(isnan(b.ks_statistic[0]));
	ck_assert_uint_eq(b.max_psi_feature, 0);
	ck_assert_int_eq(b.drift_ks[0], 1);
	ck_assert_int_eq(b.drift_psi[1], 1);
	ck_assert_int_eq(b.drift_psi[2], 0);
	/*
	 * Written before the thresholds were stored: the monitors' defaults,
	 * said so, and the investigate band derived from them for the
	 * features not drifted (score at 0.01 and f\u00e9 at 0 are not).
	 */
	ck_assert_int_eq(b.thresholds_stored, 0);
	ck_assert(b.thresholds[2].psi_warning == 0.10 &&
	    b.thresholds[2].psi_critical == 0.20 &&
	    b.thresholds[2].ks_alpha == 0.01);
	ck_assert_int_eq(b.investigate_psi[0], 0);
	ck_assert_int_eq(b.investigate_psi[2], 0);
	feature_report_finish(&b);
}
END_TEST

/* The new keys of version 3: refused when they contradict themselves. */
START_TEST(test_feature_verdict_keys)
{
	static const char *const bad[] = {
		/* investigated and drifted at once */
		"\"investigate_features_psi\":[\"income\"]",
		"\"investigate_features_psi\":[\"nope\"]",
		"\"thresholds\":[]",
		"\"thresholds\":{\"age\":{\"psi_warning\":0.1,"
		    "\"psi_critical\":0.2}}",
	};
	struct feature_report a, b;
	char *text, *cut, *cause = NULL, *bad_text;
	size_t i;

	feature_make(&a, false);
	text = report_json_encode_feature(&a, &schema, &cause);
	ck_assert_ptr_nonnull(strstr(text, "\"investigate_features_psi\":"
	    "[\"age\"],\"thresholds\":{\"age\":{\"psi_warning\":0.1,"
	    "\"psi_critical\":0.2,\"ks_alpha\":0.01}"));
	/* The seed's keys come first, unchanged; ours follow. */
	ck_assert_ptr_nonnull(strstr(text, "\"max_psi_feature\":\"income\","
	    "\"investigate_features_psi\""));
	cut = strstr(text, ",\"investigate_features_psi\"");
	*cut = '\0';
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		bad_text = xasprintf("%s,%s}", text, bad[i]);
		ck_assert_msg(report_json_decode_feature(bad_text,
		    strlen(bad_text), &schema, &b, &cause) == -1, "%s",
		    bad_text);
		ck_assert_ptr_nonnull(cause);
		free(cause);
		cause = NULL;
		free(bad_text);
	}
	free(text);
	feature_report_finish(&a);
}
END_TEST

START_TEST(test_prediction_round_trip)
{
	struct prediction_report a, b;
	char *text, *cause = NULL;
	uint64_t counts[3] = { 0, 9007199254740992ULL, 17 };

	memset(&a, 0, sizeof a);
	a.n_classes = 3;
	a.class_counts = counts;
	a.label_shift_statistic = 12.75;
	a.label_shift_p_value = 1.7e-300;
	a.label_shift_drift = true;
	a.mean_confidence = 2.0 / 3.0;
	a.reference_mean_confidence = 0.7;
	a.confidence_drift = false;
	a.label_shift_homog_statistic = 3.642504648099048;
	a.label_shift_homog_p_value = 0.16182296919007352;
	a.label_shift_homog_dof = 2;
	a.label_shift_homog_drift = false;
	a.chisq_alpha = 1e-9;
	a.confidence_delta = 0.5;
	a.thresholds_stored = true;
	text = report_json_encode_prediction(&a, &schema, &cause);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\"emu\":17},\"thresholds\":"
	    "{\"chisq_alpha\":1e-09,\"confidence_delta\":0.5}}"));
	/* Beside the seed's goodness-of-fit keys, which keep their meaning. */
	ck_assert_ptr_nonnull(strstr(text, "\"label_shift_p_value\":1.7e-300,"
	    "\"label_shift_statistic\":12.75,\"label_shift_homogeneity\":{"
	    "\"statistic\":3.642504648099048,\"p_value\":0.16182296919007352,"
	    "\"dof\":2,\"drift\":false}"));
	ck_assert_ptr_nonnull(strstr(text, "\"class_counts\":{\"cat\":0,"
	    "\"dog\":9007199254740992,\"emu\":17}"));
	ck_assert_int_eq(report_json_decode_prediction(text, strlen(text),
	    &schema, &b, &cause), 0);
	ck_assert(same_bits(a.mean_confidence, b.mean_confidence));
	ck_assert(same_bits(a.label_shift_p_value, b.label_shift_p_value));
	ck_assert(same_bits(a.label_shift_statistic, b.label_shift_statistic));
	ck_assert(same_bits(a.reference_mean_confidence,
	    b.reference_mean_confidence));
	ck_assert_int_eq(b.label_shift_drift, 1);
	ck_assert_int_eq(b.confidence_drift, 0);
	ck_assert(same_bits(a.label_shift_homog_p_value,
	    b.label_shift_homog_p_value));
	ck_assert(same_bits(a.label_shift_homog_statistic,
	    b.label_shift_homog_statistic));
	ck_assert_int_eq(b.label_shift_homog_dof, 2);
	ck_assert_int_eq(b.label_shift_homog_drift, 0);
	ck_assert(memcmp(b.class_counts, counts, sizeof counts) == 0);
	ck_assert(b.chisq_alpha == 1e-9 && b.confidence_delta == 0.5 &&
	    b.thresholds_stored);
	free(text);
	prediction_report_finish(&b);
	/* Without thresholds (an older store): the defaults, not stored. */
	a.thresholds_stored = false;
	text = report_json_encode_prediction(&a, &schema, &cause);
	ck_assert_ptr_null(strstr(text, "thresholds"));
	ck_assert_int_eq(report_json_decode_prediction(text, strlen(text),
	    &schema, &b, &cause), 0);
	ck_assert(b.chisq_alpha == 0.01 && b.confidence_delta == 0.08 &&
	    !b.thresholds_stored);
	free(text);
	prediction_report_finish(&b);
	/* A report of the wrong size is refused at encode time. */
	a.n_classes = 2;
	ck_assert_ptr_null(report_json_encode_prediction(&a, &schema, &cause));
	free(cause);
}
END_TEST

START_TEST(test_performance_round_trip)
{
	struct performance_report a, b;
	char *text, *cause = NULL;
	size_t i;

	memset(&a, 0, sizeof a);
	a.n_rows = 200;
	a.n_classes = 3;
	a.accuracy = 0.815;
	a.f1_macro = 0.8123456789012345;
	a.ece = 0.0421;
	a.acc_delta = -0.06000000000000005;
	a.f1_delta = -0.1;
	a.any_decay = true;
	a.decay_delta = 0.025;
	a.thresholds_stored = true;
	a.confusion = xcalloc(9, sizeof *a.confusion);
	for (i = 0; i < 9; i++)
		a.confusion[i] = i * 7;
	for (i = 0; i < CALIB_BINS; i++) {
		a.bins[i].count = i;
		a.bins[i].mean_confidence = (double)i / 10 + 0.05;
		a.bins[i].accuracy = i == 0 ? 0 : 1.0 / (double)i;
	}
	text = report_json_encode_performance(&a, &schema, &cause);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\"confusion\":[[0,7,14],"));
	ck_assert_int_eq(report_json_decode_performance(text, strlen(text),
	    &schema, &b, &cause), 0);
	ck_assert_uint_eq(b.n_rows, 200);
	ck_assert(same_bits(a.f1_macro, b.f1_macro));
	ck_assert(same_bits(a.acc_delta, b.acc_delta));
	ck_assert(same_bits(a.ece, b.ece));
	ck_assert_int_eq(b.any_decay, 1);
	ck_assert(b.decay_delta == 0.025 && b.thresholds_stored);
	ck_assert(memcmp(a.confusion, b.confusion, 9 * sizeof *a.confusion) ==
	    0);
	for (i = 0; i < CALIB_BINS; i++) {
		ck_assert_uint_eq(b.bins[i].count, i);
		ck_assert(same_bits(a.bins[i].accuracy, b.bins[i].accuracy));
		ck_assert(same_bits(a.bins[i].mean_confidence,
		    b.bins[i].mean_confidence));
	}
	free(text);
	performance_report_finish(&a);
	performance_report_finish(&b);
}
END_TEST

/*
 * A report judged on partial labels (--min-label-coverage) adds
 * n_labelled and coverage after n_rows and keeps them; a fully labelled
 * one has neither (the seed's payload); inconsistent pairs are refused.
 */
START_TEST(test_performance_partial)
{
	static const struct {
		size_t		 labelled, unlabelled;
		const char	*keys;	/* NULL: none */
	} rows[] = {
		{ 200, 0, NULL },
		{ 9, 1, "\"n_rows\":9,\"n_labelled\":9,\"coverage\":0.9," },
		{ 1, 2, "\"n_rows\":1,\"n_labelled\":1,"
		    "\"coverage\":0.3333333333333333," },
		{ 99999, 1, "\"n_rows\":99999,\"n_labelled\":99999,"
		    "\"coverage\":0.99999," },
	};
	static const char *const bad[] = {
		"\"n_labelled\":5,",			/* no coverage */
		"\"coverage\":0.5,",			/* no n_labelled */
		"\"n_labelled\":4,\"coverage\":0.5,",	/* not n_rows */
		"\"n_labelled\":5,\"coverage\":1,",
		"\"n_labelled\":5,\"coverage\":0,",
		"\"n_labelled\":5,\"coverage\":null,",
	};
	struct performance_report a, b;
	char *text, *cut, *cause = NULL, buf[2048];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		memset(&a, 0, sizeof a);
		a.n_classes = 3;
		a.n_rows = rows[i].labelled;
		a.n_unlabelled = rows[i].unlabelled;
		a.confusion = xcalloc(9, sizeof *a.confusion);
		text = report_json_encode_performance(&a, &schema, &cause);
		ck_assert_ptr_nonnull(text);
		if (rows[i].keys == NULL)
			ck_assert_ptr_null(strstr(text, "coverage"));
		else
			ck_assert_msg(strstr(text, rows[i].keys) != NULL,
			    "%s", text);
		ck_assert_int_eq(report_json_decode_performance(text,
		    strlen(text), &schema, &b, &cause), 0);
		ck_assert_uint_eq(b.n_rows, rows[i].labelled);
		ck_assert_uint_eq(b.n_unlabelled, rows[i].unlabelled);
		ck_assert(performance_coverage(&b) ==
		    (double)rows[i].labelled / (double)(rows[i].labelled +
		    rows[i].unlabelled));
		free(text);
		performance_report_finish(&a);
		performance_report_finish(&b);
	}
	memset(&a, 0, sizeof a);
	a.n_classes = 3;
	a.n_rows = 5;
	a.confusion = xcalloc(9, sizeof *a.confusion);
	text = report_json_encode_performance(&a, &schema, &cause);
	ck_assert_ptr_nonnull(text);
	cut = strstr(text, "\"confusion\"");
	ck_assert_ptr_nonnull(cut);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(buf, sizeof buf, "%.*s%s%s", (int)(cut - text), text,
		    bad[i], cut);
		ck_assert_msg(report_json_decode_performance(buf, strlen(buf),
		    &schema, &b, &cause) == -1, "%s", buf);
		free(cause);
		cause = NULL;
	}
	free(text);
	performance_report_finish(&a);
}
END_TEST

/* A graded performance report keeps its estimate and errors exactly. */
START_TEST(test_performance_graded)
{
	struct performance_report a, b;
	struct estimate_report e;
	char *text, *cause = NULL;

	memset(&a, 0, sizeof a);
	a.n_rows = 50;
	a.n_classes = 3;
	a.accuracy = 0.8;
	a.f1_macro = 0.7;
	a.confusion = xcalloc(9, sizeof *a.confusion);
	memset(&e, 0, sizeof e);
	e.available = true;
	e.cbpe.n_rows = 50;
	e.cbpe.accuracy = 0.8300000000000001;
	e.cbpe.f1_macro = 0.6;
	performance_grade(&a, &e);
	ck_assert(a.graded);
	ck_assert(same_bits(a.acc_error, 0.8 - 0.8300000000000001));
	text = report_json_encode_performance(&a, &schema, &cause);
	ck_assert_ptr_nonnull(strstr(text, ",\"estimate\":{\"accuracy\":"
	    "0.8300000000000001,\"f1_macro\":0.6,\"acc_error\":"));
	ck_assert_int_eq(report_json_decode_performance(text, strlen(text),
	    &schema, &b, &cause), 0);
	ck_assert(b.graded);
	ck_assert(same_bits(b.est_accuracy, e.cbpe.accuracy));
	ck_assert(same_bits(b.acc_error, a.acc_error));
	ck_assert(same_bits(b.f1_error, a.f1_error));
	free(text);
	performance_report_finish(&b);

	/* Ungraded: no key, NaN back; an unavailable estimate grades none. */
	e.available = false;
	performance_grade(&a, &e);
	ck_assert(!a.graded && isnan(a.acc_error));
	text = report_json_encode_performance(&a, &schema, &cause);
	ck_assert_ptr_null(strstr(text, "estimate"));
	ck_assert_int_eq(report_json_decode_performance(text, strlen(text),
	    &schema, &b, &cause), 0);
	ck_assert(!b.graded && isnan(b.est_accuracy) && isnan(b.f1_error));
	free(text);
	performance_report_finish(&b);
	text = xstrdup("{\"accuracy\":1,\"f1_macro\":1,\"ece\":0,"
	    "\"acc_delta\":0,\"f1_delta\":0,\"any_decay\":false,"
	    "\"estimate\":[1]}");
	ck_assert_int_eq(report_json_decode_performance(text, strlen(text),
	    &schema, &b, &cause), -1);
	ck_assert_str_eq(cause, "performance report: \"estimate\" is not an "
	    "object");
	free(cause);
	free(text);
	performance_report_finish(&a);
}
END_TEST

/* The estimated_performance payload: available, unavailable, refused. */
START_TEST(test_estimate_round_trip)
{
	static const struct {
		const char	*text;
		const char	*cause;	/* NULL: decodes */
	} bad[] = {
		{ "{\"available\":false,\"reason\":\"tired\",\"method\":"
		  "\"cbpe\",\"n_rows\":3}", "estimated_performance report: "
		  "\"reason\" is missing or not a known reason" },
		{ "{\"available\":false,\"reason\":\"the reference has no "
		  "labels\",\"method\":\"dle\",\"n_rows\":3}",
		  "estimated_performance report: \"method\" is not \"cbpe\"" },
		{ "{\"available\":true,\"method\":\"cbpe\",\"n_rows\":3,"
		  "\"calibrated\":true}", "estimated_performance report: "
		  "\"thresholds\" is missing or not an object" },
		{ "{\"available\":1,\"method\":\"cbpe\",\"n_rows\":3}",
		  "estimated_performance report: \"available\" is not true "
		  "or false" },
	};
	struct estimate_report a, b;
	char *text, *cause = NULL;
	size_t i;

	memset(&a, 0, sizeof a);
	a.available = true;
	a.cbpe.n_rows = 500;
	a.cbpe.calibrated = true;
	a.cbpe.accuracy = 0.8123456789012345;
	a.cbpe.accuracy_se = 0.017;
	a.cbpe.accuracy_lower = 0.761;
	a.cbpe.accuracy_upper = 0.863;
	a.cbpe.f1_macro = 0.79;
	a.cbpe.f1_se = 0.02;
	a.cbpe.f1_lower = 0.73;
	a.cbpe.f1_upper = 0.85;
	a.decayed = true;
	a.ref_accuracy = 0.9;
	a.ref_f1_macro = 0.91;
	a.decay_delta = 0.05;
	a.sigmas = 3;
	text = report_json_encode_estimate(&a, &cause);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\"estimated_accuracy\":"
	    "0.8123456789012345,\"estimated_accuracy_lower\":0.761,"));
	ck_assert_int_eq(report_json_decode_estimate(text, strlen(text), &b,
	    &cause), 0);
	ck_assert(b.available && b.cbpe.calibrated && b.decayed);
	ck_assert_uint_eq(b.cbpe.n_rows, 500);
	ck_assert(same_bits(b.cbpe.accuracy, a.cbpe.accuracy));
	ck_assert(same_bits(b.cbpe.f1_upper, a.cbpe.f1_upper));
	ck_assert(same_bits(b.ref_f1_macro, a.ref_f1_macro));
	ck_assert(b.sigmas == 3 && b.decay_delta == 0.05);
	free(text);

	memset(&a, 0, sizeof a);
	a.cbpe.n_rows = 7;
	a.reason = ESTIMATE_NO_LABELS;
	text = report_json_encode_estimate(&a, &cause);
	ck_assert_str_eq(text, "{\"available\":false,\"reason\":\"the "
	    "reference has no labels\",\"method\":\"cbpe\",\"n_rows\":7}");
	ck_assert_int_eq(report_json_decode_estimate(text, strlen(text), &b,
	    &cause), 0);
	ck_assert(!b.available && isnan(b.cbpe.accuracy) && !b.decayed);
	ck_assert_str_eq(b.reason, ESTIMATE_NO_LABELS);
	free(text);
	a.reason = NULL;
	ck_assert_ptr_null(report_json_encode_estimate(&a, &cause));
	free(cause);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		ck_assert_int_eq(report_json_decode_estimate(bad[i].text,
		    strlen(bad[i].text), &b, &cause), -1);
		ck_assert_str_eq(cause, bad[i].cause);
		free(cause);
	}
}
END_TEST

START_TEST(test_detectors_round_trip)
{
	struct detector_report a, b;
	char *text, *cause = NULL;

	memset(&a, 0, sizeof a);
	a.n_fed = 200;
	a.ddm_state = DDM_WARNING;
	a.ddm_warning = true;
	a.adwin_drift = true;
	a.adwin_width = 1234;
	a.adwin_mean = 0.1 + 0.2;
	a.ddm_drifts = 3;
	a.adwin_detections = 4;
	text = report_json_encode_detectors(&a, &cause);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\"ddm_state\":\"warning\""));
	ck_assert_int_eq(report_json_decode_detectors(text, strlen(text), &b,
	    &cause), 0);
	ck_assert(memcmp(&a.adwin_mean, &b.adwin_mean, sizeof(double)) == 0);
	ck_assert_int_eq(b.ddm_state, DDM_WARNING);
	ck_assert_uint_eq(b.adwin_width, 1234);
	ck_assert_uint_eq(b.ddm_drifts, 3);
	ck_assert_int_eq(b.ddm_drift, 0);
	ck_assert_int_eq(b.ddm_warning, 1);
	free(text);
}
END_TEST

/* Every prefix and a byte-flip of every position: refused or decoded. */
START_TEST(test_truncations_and_flips)
{
	struct feature_report a, b;
	struct performance_report pa, pb;
	char *text, *ptext, *cause, *copy;
	size_t len, i, bad = 0;

	feature_make(&a, true);
	cause = NULL;
	text = report_json_encode_feature(&a, &schema, &cause);
	len = strlen(text);
	copy = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		memcpy(copy, text, i);
		cause = NULL;
		if (report_json_decode_feature(copy, i, &schema, &b,
		    &cause) == 0)
			feature_report_finish(&b);
		else {
			ck_assert_ptr_nonnull(cause);
			free(cause);
			bad++;
		}
	}
	ck_assert_uint_eq(bad, len);	/* no proper prefix is valid */
	for (i = 0; i < len; i++) {
		memcpy(copy, text, len + 1);
		copy[i] ^= 0x55;
		cause = NULL;
		if (report_json_decode_feature(copy, len, &schema, &b,
		    &cause) == 0)
			feature_report_finish(&b);
		else
			free(cause);
	}
	free(copy);
	free(text);
	feature_report_finish(&a);

	memset(&pa, 0, sizeof pa);
	pa.n_classes = 3;
	pa.confusion = xcalloc(9, sizeof *pa.confusion);
	cause = NULL;
	ptext = report_json_encode_performance(&pa, &schema, &cause);
	len = strlen(ptext);
	copy = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		memcpy(copy, ptext, len + 1);
		copy[i] = copy[i] == '0' ? '-' : (char)(copy[i] + 1);
		cause = NULL;
		if (report_json_decode_performance(copy, len, &schema, &pb,
		    &cause) == 0)
			performance_report_finish(&pb);
		else
			free(cause);
	}
	free(copy);
	free(ptext);
	performance_report_finish(&pa);
}
END_TEST

START_TEST(test_malformed)
{
	static const struct {
		int		 kind;	/* feature, prediction, perf, det */
		const char	*text;
		const char	*cause;
	} cases[] = {
		{ 0, "", "empty" },
		{ 0, "[]", "not a single JSON object" },
		{ 0, "{} {}", "not a single JSON object" },
		{ 0, "{\"any_drift\":tru", "malformed JSON" },
		{ 0, "{}", "missing key \"any_drift\"" },
		{ 0, "{\"any_drift\":1}", "not true or false" },
		{ 0, "{\"any_drift\":true,\"drifted_features_ks\":{}}",
		    "not an array" },
		{ 0, "{\"any_drift\":true,\"drifted_features_ks\":[1]}",
		    "non-string" },
		{ 0, "{\"any_drift\":true,\"drifted_features_ks\":[\"zz\"]}",
		    "unknown or repeated" },
		{ 0, "{\"any_drift\":true,\"drifted_features_ks\":[\"age\","
		    "\"age\"]}", "unknown or repeated" },
		{ 0, "{\"any_drift\":true,\"drifted_features_ks\":[],"
		    "\"drifted_features_psi\":[],\"psi_values\":{\"age\":1}}",
		    "has 1 entries, not 4" },
		{ 0, "{\"any_drift\":true,\"drifted_features_ks\":[],"
		    "\"drifted_features_psi\":[],\"psi_values\":{\"age\":1,"
		    "\"age\":2,\"income\":3,\"x\":4}}", "unknown or repeated" },
		{ 0, "{\"any_drift\":true,\"drifted_features_ks\":[],"
		    "\"drifted_features_psi\":[],\"psi_values\":{\"age\":\"1\","
		    "\"income\":3}}", "not a number" },
		{ 0, "{\"any_drift\":true,\"drifted_features_ks\":[],"
		    "\"drifted_features_psi\":[],\"psi_values\":[1,2,3,4]}",
		    "not an object" },
		{ 1, "{\"label_shift_drift\":false}",
		    "missing key \"label_shift_p_value\"" },
		{ 1, "{\"label_shift_drift\":false,\"label_shift_p_value\":0.5,"
		    "\"confidence_drift\":false,\"mean_confidence\":0.5,"
		    "\"reference_mean_confidence\":0.5,\"class_counts\":"
		    "{\"cat\":-1,\"dog\":0,\"emu\":0}}", "not a count" },
		{ 1, "{\"label_shift_drift\":false,\"label_shift_p_value\":0.5,"
		    "\"confidence_drift\":false,\"mean_confidence\":0.5,"
		    "\"reference_mean_confidence\":0.5,\"class_counts\":"
		    "{\"cat\":1.5,\"dog\":0,\"emu\":0}}", "not a count" },
		{ 1, "{\"label_shift_drift\":false,\"label_shift_p_value\":0.5,"
		    "\"confidence_drift\":false,\"mean_confidence\":0.5,"
		    "\"reference_mean_confidence\":0.5,\"class_counts\":"
		    "{\"cat\":1e300,\"dog\":0,\"emu\":0}}", "not a count" },
		{ 2, "{\"accuracy\":0.5,\"f1_macro\":0.5,\"ece\":0,"
		    "\"acc_delta\":0,\"f1_delta\":0,\"any_decay\":false,"
		    "\"confusion\":[[1,2,3],[1,2,3]]}", "has 2 rows, not 3" },
		{ 2, "{\"accuracy\":0.5,\"f1_macro\":0.5,\"ece\":0,"
		    "\"acc_delta\":0,\"f1_delta\":0,\"any_decay\":false,"
		    "\"confusion\":[[1,2,3],[1,2,3],[1,2,3],[1,2,3]]}",
		    "is not 3 arrays" },
		{ 2, "{\"accuracy\":0.5,\"f1_macro\":0.5,\"ece\":0,"
		    "\"acc_delta\":0,\"f1_delta\":0,\"any_decay\":false,"
		    "\"confusion\":[[1,2,3,4],[1,2,3],[1,2,3]]}",
		    "longer than 3" },
		{ 2, "{\"accuracy\":0.5,\"f1_macro\":0.5,\"ece\":0,"
		    "\"acc_delta\":0,\"f1_delta\":0,\"any_decay\":false,"
		    "\"reliability\":[{}]}", "missing key \"count\"" },
		{ 2, "{\"accuracy\":0.5,\"f1_macro\":0.5,\"ece\":0,"
		    "\"acc_delta\":0,\"f1_delta\":0,\"any_decay\":false,"
		    "\"reliability\":[]}", "has 0 bins" },
		{ 2, "{\"accuracy\":[0.5]}", "not a number" },
		{ 3, "{\"ddm_state\":\"calm\"}", "not stable, warning" },
		{ 3, "{\"ddm_state\":3}", "not stable, warning" },
		{ 3, "{\"ddm_state\":\"drift\",\"n_fed\":true}",
		    "not a count" },
	};
	struct feature_report f;
	struct prediction_report p;
	struct performance_report q;
	struct detector_report d;
	char *cause;
	size_t i, len;
	int rc = 0;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		len = strlen(cases[i].text);
		switch (cases[i].kind) {
		case 0:
			rc = report_json_decode_feature(cases[i].text, len,
			    &schema, &f, &cause);
			break;
		case 1:
			rc = report_json_decode_prediction(cases[i].text, len,
			    &schema, &p, &cause);
			break;
		case 2:
			rc = report_json_decode_performance(cases[i].text, len,
			    &schema, &q, &cause);
			break;
		case 3:
			rc = report_json_decode_detectors(cases[i].text, len,
			    &d, &cause);
			break;
		}
		ck_assert_msg(rc == -1, "case %zu accepted", i);
		ck_assert_msg(cause != NULL && strstr(cause,
		    cases[i].cause) != NULL, "case %zu: %s", i, cause);
		free(cause);
	}
}
END_TEST

/* A huge array of names is checked against the schema, not trusted. */
START_TEST(test_huge_input)
{
	struct feature_report f;
	char *text, *cause = NULL, *p;
	size_t i, n = 200000;

	text = xmalloc(n * 8 + 256);
	p = text + sprintf(text, "{\"any_drift\":true,"
	    "\"drifted_features_ks\":[");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s\"age\"", i ? "," : "");
	strcpy(p, "]}");
	ck_assert_int_eq(report_json_decode_feature(text, strlen(text),
	    &schema, &f, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "repeated"));
	free(cause);
	/* Deep nesting. */
	memset(text, '[', n);
	text[n] = '\0';
	cause = NULL;
	ck_assert_int_eq(report_json_decode_feature(text, n, &schema, &f,
	    &cause), -1);
	free(cause);
	free(text);
}
END_TEST

/* The formatter: what %.15g/%.16g/%.17g (first to read back) gives. */
static size_t
format_reference(char *buf, size_t size, double v)
{
	double back;
	int n = 0, prec;

	if (isnan(v))
		return (size_t)snprintf(buf, size, "null");
	if (isinf(v))
		return (size_t)snprintf(buf, size, v > 0 ? "1e999" : "-1e999");
	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, size, "%.*g", prec, v);
		back = strtod(buf, NULL);
		if (memcmp(&back, &v, sizeof v) == 0)
			break;
	}
	return (size_t)n;
}

START_TEST(test_format_double_exact)
{
	static const double fixed[] = { 0.0, -0.0, 0.1, 1.0 / 3.0, 1e-7,
	    9.9999999999999995e-8, 1e15, 1e16, 1e17, 1e22, 1e36, 5e-324,
	    1.7976931348623157e308, 0.30000000000000004, 2.5, -0.000063,
	    123456789012345.0, 1234567890123456.0, 0.1 + 0.2, 100, 1e-5,
	    0.0001, 1e21,
	    /* The edges of the exact 17-digit path (1e-11 to 1e17). */
	    1e-11, 9.9999999999999994e-12, 1.0000000000000001e-11,
	    99999999999999984.0, 9999999999999998.0, 1e-8 / 3,
	    2.0 / 3.0 * 1e-11, 0x1.fffffffffffffp-37, 0x1.0p-33,
	    0.99999999999999989, 9.9999999999999982 };
	uint64_t st = 7, r;
	char got[64], want[64];
	size_t i, ng, nw;
	double v;

	for (i = 0; i < 400000 + sizeof fixed / sizeof fixed[0]; i++) {
		st ^= st << 13;
		st ^= st >> 7;
		st ^= st << 17;
		r = st;
		if (i < sizeof fixed / sizeof fixed[0])
			v = fixed[i];
		else if (i % 4 == 0)
			memcpy(&v, &r, sizeof v);	/* any bits */
		else if (i % 4 == 1)		/* [0, 1) */
			v = (double)(r >> 11) / 9007199254740992.0;
		else if (i % 4 == 2)		/* short decimals */
			v = (double)(r % 10000000) / 1000.0 *
			    pow(10, (double)(r % 41) - 20);
		else				/* ratios of counts */
			v = (double)(r % 100000) / (double)(1 + (r >> 40) % 997);
		ng = store_format_double(got, sizeof got, v);
		nw = format_reference(want, sizeof want, v);
		ck_assert_msg(ng == nw && strcmp(got, want) == 0,
		    "%a: got %s, want %s", v, got, want);
	}
}
END_TEST

/*
 * The decimal exponent's edges, where a guess from the binary exponent
 * (or log10) is one off: every power of ten and of two the exact paths
 * cover, 10^j as a double and as the next decimal below it, each with its
 * four nearest doubles on either side. A wrong exponent taken as right
 * prints a digit too few or too many.
 */
START_TEST(test_format_double_decades)
{
	char got[64], want[64];
	double base[4], v;
	int j, b, s;
	size_t ng, nw;

	for (j = -330; j <= 310; j++) {
		char lit[32];

		snprintf(lit, sizeof lit, "1e%d", j);
		base[0] = strtod(lit, NULL);
		snprintf(lit, sizeof lit, "9.99999999999999999e%d", j - 1);
		base[1] = strtod(lit, NULL);
		base[2] = ldexp(1.0, j < 1024 ? j : 1023);
		base[3] = ldexp(1.0, -j < 1024 ? -j : -1023);
		for (b = 0; b < 4; b++) {
			v = base[b];
			for (s = 0; s < 4; s++)
				v = nextafter(v, 0.0);
			for (s = 0; s < 9; s++, v = nextafter(v, INFINITY)) {
				ng = store_format_double(got, sizeof got, v);
				nw = format_reference(want, sizeof want, v);
				ck_assert_msg(ng == nw && strcmp(got, want) == 0,
				    "%a: got %s, want %s", v, got, want);
			}
		}
	}
}
END_TEST

/* Names are escaped as cJSON escapes them, and read back. */
START_TEST(test_names_escaped)
{
	static char n0[] = "q\"b\\s/\b\f\n\r\t";
	static char n1[] = "\x01\x1f\x7f \xc3\xa9";
	static char n2[] = "plain";
	static char n3[] = "";
	static char *names[] = { n0, n1, n2, n3 };
	static const struct store_schema sc = { 4, 3, names, cnames, NULL };
	struct feature_report r;
	cJSON *root, *m, *item;
	char *text, *cause = NULL;
	size_t i;

	n3[0] = '\0';
	feature_make(&r, false);
	text = report_json_encode_feature(&r, &sc, &cause);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text,
	    "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\":"));
	ck_assert_ptr_nonnull(strstr(text, "\"\\u0001\\u001f\x7f \xc3\xa9\":"));
	root = cJSON_Parse(text);
	ck_assert_ptr_nonnull(root);
	m = cJSON_GetObjectItemCaseSensitive(root, "psi_values");
	ck_assert_ptr_nonnull(m);
	i = 0;
	cJSON_ArrayForEach(item, m) {
		ck_assert_uint_lt(i, 4);
		ck_assert_str_eq(item->string, names[i]);
		i++;
	}
	ck_assert_uint_eq(i, 4);
	cJSON_Delete(root);
	free(text);
	feature_report_finish(&r);
}
END_TEST

static Suite *
report_json_suite(void)
{
	Suite *s = suite_create("report-json");
	TCase *tc = tcase_create("report-json");

	tcase_add_test(tc, test_format_double_decades);
	tcase_add_test(tc, test_feature_round_trip);
	tcase_add_test(tc, test_feature_missing_round_trip);
	tcase_add_test(tc, test_feature_joint_round_trip);
	tcase_add_test(tc, test_feature_cat_round_trip);
	tcase_add_test(tc, test_feature_seed_keys);
	tcase_add_test(tc, test_feature_seed_payload);
	tcase_add_test(tc, test_feature_verdict_keys);
	tcase_add_test(tc, test_prediction_round_trip);
	tcase_add_test(tc, test_performance_round_trip);
	tcase_add_test(tc, test_performance_graded);
	tcase_add_test(tc, test_performance_partial);
	tcase_add_test(tc, test_estimate_round_trip);
	tcase_add_test(tc, test_detectors_round_trip);
	tcase_add_test(tc, test_truncations_and_flips);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_huge_input);
	tcase_add_test(tc, test_format_double_exact);
	tcase_add_test(tc, test_names_escaped);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(report_json_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
