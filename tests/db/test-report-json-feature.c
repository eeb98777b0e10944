/*
 * Report JSON of feature reports (db-report-json, report-json-test.h):
 * exact round trips with the joint tests, the missing and categorical
 * blocks, the seed's key names and payloads, the verdicts' keys.
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
#include "report-json-test.h"

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

void
report_json_feature_tests(TCase *tc)
{
	tcase_add_test(tc, test_feature_round_trip);
	tcase_add_test(tc, test_feature_missing_round_trip);
	tcase_add_test(tc, test_feature_joint_round_trip);
	tcase_add_test(tc, test_feature_cat_round_trip);
	tcase_add_test(tc, test_feature_seed_keys);
	tcase_add_test(tc, test_feature_seed_payload);
	tcase_add_test(tc, test_feature_verdict_keys);
}
