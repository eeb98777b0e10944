/*
 * The rules on synthetic reports: which rule fires, its severity, the
 * condition key (rule plus sorted feature names) and the exact message;
 * which families a batch evaluates.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "alert/rules.h"
#include "core/monitor.h"
#include "db/store.h"

#define NF	4

/* The defaults (alert_config_create), made by main before the runner forks. */
static struct alert_config *cfg;

static char *names[NF] = { "zeta", "age", "income", "Bcc\r\n:x" };
static const struct store_schema schema = {
	.n_features = NF,
	.n_classes = 2,
	.feature_names = names,
	.class_names = NULL,
};

struct fr {
	double	psi[NF], ks_d[NF], ks_p[NF];
	bool	dpsi[NF], dks[NF];
	struct feature_report r;
};

static void
fr_init(struct fr *f, const char *psi_mask, const char *ks_mask)
{
	size_t i;

	memset(f, 0, sizeof *f);
	for (i = 0; i < NF; i++) {
		f->dpsi[i] = psi_mask[i] == '1';
		f->dks[i] = ks_mask[i] == '1';
		f->psi[i] = f->dpsi[i] ? 0.25 + 0.1 * (double)i : 0.01;
		f->ks_d[i] = f->dks[i] ? 0.3 : 0.02;
		f->ks_p[i] = f->dks[i] ? 1e-6 : 0.5;
	}
	f->r.n_features = NF;
	f->r.psi = f->psi;
	f->r.ks_statistic = f->ks_d;
	f->r.ks_p_value = f->ks_p;
	f->r.drift_psi = f->dpsi;
	f->r.drift_ks = f->dks;
}

START_TEST(feature_rules)
{
	static const struct {
		const char	*psi, *ks;
		const char	*rule;		/* NULL: none fires */
		int		 severity;
		const char	*key;
	} rows[] = {
		{ "0000", "0000", NULL, 0, NULL },
		{ "0000", "1111", NULL, 0, NULL },	/* KS alone: nothing */
		{ "1000", "1000", "confirmed_drift", ALERT_SEVERITY_CRITICAL,
		    "confirmed_drift:zeta" },
		{ "1110", "0110", "confirmed_drift", ALERT_SEVERITY_CRITICAL,
		    "confirmed_drift:age,income" },
		{ "0110", "0110", "confirmed_drift", ALERT_SEVERITY_CRITICAL,
		    "confirmed_drift:age,income" },
		{ "1100", "0000", "psi_unconfirmed", ALERT_SEVERITY_WARNING,
		    "psi_unconfirmed:age,zeta" },
		{ "1100", "0011", "psi_unconfirmed", ALERT_SEVERITY_WARNING,
		    "psi_unconfirmed:age,zeta" },
		{ "0001", "0001", "confirmed_drift", ALERT_SEVERITY_CRITICAL,
		    "confirmed_drift:Bcc  :x" },
	};
	struct rule_result res;
	struct alert_batch b;
	struct fr f;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		fr_init(&f, rows[i].psi, rows[i].ks);
		memset(&b, 0, sizeof b);
		b.batch_id = 5;
		b.schema = &schema;
		b.feature = &f.r;
		rules_evaluate(&b, cfg, &res);
		ck_assert_uint_eq(res.families, 1u << RULE_FAMILY_FEATURE);
		if (rows[i].rule == NULL) {
			ck_assert_msg(res.n == 0, "row %zu fired", i);
		} else {
			ck_assert_msg(res.n == 1, "row %zu: %zu findings", i,
			    res.n);
			ck_assert_str_eq(res.findings[0].rule->name,
			    rows[i].rule);
			ck_assert_int_eq(res.findings[0].rule->severity,
			    rows[i].severity);
			ck_assert_str_eq(res.findings[0].key, rows[i].key);
			ck_assert(strchr(res.findings[0].message, '\n') ==
			    NULL);
		}
		rule_result_finish(&res);
	}
}
END_TEST

START_TEST(feature_messages_exact)
{
	struct rule_result res;
	struct alert_batch b = { .batch_id = 17, .schema = &schema };
	struct fr f;

	fr_init(&f, "1110", "0110");
	b.feature = &f.r;
	rules_evaluate(&b, cfg, &res);
	ck_assert_str_eq(res.findings[0].message, "batch 17: confirmed drift "
	    "(PSI and KS agree) on 2 features: age (PSI 0.350, KS D 0.300 p "
	    "1e-06), income (PSI 0.450, KS D 0.300 p 1e-06)");
	ck_assert_str_eq(res.findings[0].features, "[\"age\",\"income\"]");
	rule_result_finish(&res);

	fr_init(&f, "1000", "0000");
	rules_evaluate(&b, cfg, &res);
	ck_assert_str_eq(res.findings[0].message, "batch 17: PSI critical "
	    "without KS confirmation, investigate before acting on 1 "
	    "feature: zeta (PSI 0.250, KS D 0.020 p 0.5)");
	rule_result_finish(&res);

	/* No schema: features are named by index. */
	b.schema = NULL;
	fr_init(&f, "0100", "0100");
	rules_evaluate(&b, cfg, &res);
	ck_assert_str_eq(res.findings[0].key, "confirmed_drift:feature_1");
	rule_result_finish(&res);
}
END_TEST

/* missingness fires beside the drift rules, from the stored verdict. */
START_TEST(missingness_rule)
{
	static double share[NF] = { 0.2, 0, 0.5, 0 };
	static double ref_share[NF] = { 0, 0, 0.05, 0 };
	static double p[NF] = { 1e-12, 1, 2e-30, 0.003 };
	static double h[NF] = { 0.927, 0, 1.12, 0.1 };
	static bool verdict[NF] = { true, false, true, false };
	struct rule_result res;
	struct alert_batch b = { .batch_id = 9, .schema = &schema };
	struct fr f;

	fr_init(&f, "0100", "0100");
	f.r.missing_share = share;
	f.r.ref_missing_share = ref_share;
	f.r.missing_p_value = p;
	f.r.missing_effect = h;
	f.r.drift_missing = verdict;
	f.r.any_missing_drift = true;
	b.feature = &f.r;
	rules_evaluate(&b, cfg, &res);
	ck_assert_uint_eq(res.n, 2);
	ck_assert_str_eq(res.findings[0].key, "confirmed_drift:age");
	ck_assert_str_eq(res.findings[1].rule->name, "missingness");
	ck_assert_int_eq(res.findings[1].rule->severity,
	    ALERT_SEVERITY_WARNING);
	ck_assert_str_eq(res.findings[1].key, "missingness:income,zeta");
	ck_assert_str_eq(res.findings[1].message, "batch 9: missing share "
	    "moved on 2 features: zeta (missing 20.0%, reference 0.0%, h "
	    "0.93, p 1e-12), income (missing 50.0%, reference 5.0%, h 1.12, "
	    "p 2e-30)");
	rule_result_finish(&res);

	/* The verdict is read, never re-decided: p 0.003 alone is not one. */
	f.r.any_missing_drift = false;
	rules_evaluate(&b, cfg, &res);
	ck_assert_uint_eq(res.n, 1);
	rule_result_finish(&res);
}
END_TEST

START_TEST(many_features_capped)
{
	enum { N = 25 };
	double psi[N], d[N], p[N];
	bool yes[N];
	struct feature_report r = { .n_features = N, .psi = psi,
	    .ks_statistic = d, .ks_p_value = p, .drift_psi = yes,
	    .drift_ks = yes };
	struct alert_batch b = { .batch_id = 2, .feature = &r };
	struct rule_result res;
	size_t i;

	for (i = 0; i < N; i++) {
		psi[i] = 0.5;
		d[i] = 0.4;
		p[i] = 1e-9;
		yes[i] = true;
	}
	rules_evaluate(&b, cfg, &res);
	ck_assert_uint_eq(res.n, 1);
	ck_assert_ptr_nonnull(strstr(res.findings[0].message,
	    "on 25 features: feature_0 (PSI"));
	ck_assert_ptr_nonnull(strstr(res.findings[0].message,
	    "feature_9 (PSI 0.500, KS D 0.400 p 1e-09), and 15 more"));
	ck_assert_ptr_null(strstr(res.findings[0].message, "feature_10 "));
	/* The key holds every feature, sorted as strings. */
	ck_assert(strncmp(res.findings[0].key,
	    "confirmed_drift:feature_0,feature_1,feature_10,", 47) == 0);
	rule_result_finish(&res);
}
END_TEST

START_TEST(other_families)
{
	struct prediction_report pr = {
		.n_classes = 2,
		.label_shift_statistic = 35.25,
		.label_shift_p_value = 1.2e-7,
		.label_shift_drift = true,
		.mean_confidence = 0.71,
		.reference_mean_confidence = 0.86,
		.confidence_drift = true,
	};
	struct performance_report perf = {
		.n_rows = 200,
		.accuracy = 0.812,
		.f1_macro = 0.79,
		.acc_delta = -0.091,
		.f1_delta = -0.102,
		.any_decay = true,
	};
	struct detector_report det = {
		.n_fed = 200,
		.ddm_drift = true,
		.adwin_drift = true,
		.adwin_width = 340,
		.adwin_mean = 0.213,
		.ddm_drifts = 2,
		.adwin_detections = 1,
	};
	struct alert_batch b = { .batch_id = 9 };
	struct rule_result res;

	b.prediction = &pr;
	b.performance = &perf;
	b.detectors = &det;
	rules_evaluate(&b, cfg, &res);
	ck_assert_uint_eq(res.families, (1u << RULE_FAMILY_PREDICTION) |
	    (1u << RULE_FAMILY_PERFORMANCE) | (1u << RULE_FAMILY_DETECTOR));
	ck_assert_uint_eq(res.n, 5);
	ck_assert_str_eq(res.findings[0].key, "label_shift");
	ck_assert_int_eq(res.findings[0].rule->severity,
	    ALERT_SEVERITY_WARNING);
	ck_assert_str_eq(res.findings[0].message, "batch 9: label shift in "
	    "the predicted classes (chi-squared 35.250, p 1.2e-07)");
	ck_assert_str_eq(res.findings[1].key, "confidence_drift");
	ck_assert_str_eq(res.findings[1].message, "batch 9: confidence drift "
	    "(mean confidence 0.710 vs reference 0.860, delta -0.150)");
	ck_assert_str_eq(res.findings[2].key, "performance_decay");
	ck_assert_int_eq(res.findings[2].rule->severity,
	    ALERT_SEVERITY_CRITICAL);
	ck_assert_str_eq(res.findings[2].message, "batch 9: performance decay "
	    "(accuracy 0.812, delta -0.091; F1 macro 0.790, delta -0.102; 200 "
	    "labelled rows)");
	ck_assert_ptr_null(res.findings[2].features);
	ck_assert_str_eq(res.findings[3].key, "ddm_drift");
	ck_assert_str_eq(res.findings[3].message, "batch 9: DDM detected drift "
	    "in the error stream (200 labelled rows fed, 2 DDM drifts so "
	    "far)");
	ck_assert_str_eq(res.findings[4].key, "adwin_drift");
	ck_assert_int_eq(res.findings[4].rule->severity,
	    ALERT_SEVERITY_WARNING);
	ck_assert_str_eq(res.findings[4].message, "batch 9: ADWIN detected a "
	    "change in the error rate (window 340 rows, error rate 0.213, 1 "
	    "detections so far)");
	rule_result_finish(&res);

	/* Nothing labelled: performance and detectors are not evaluated. */
	perf.n_rows = 0;
	det.n_fed = 0;
	pr.label_shift_drift = false;
	pr.confidence_drift = false;
	rules_evaluate(&b, cfg, &res);
	ck_assert_uint_eq(res.families, 1u << RULE_FAMILY_PREDICTION);
	ck_assert_uint_eq(res.n, 0);
	rule_result_finish(&res);

	/* Decay flag off: evaluated, nothing fires. */
	perf.n_rows = 50;
	perf.any_decay = false;
	rules_evaluate(&b, cfg, &res);
	ck_assert_uint_eq(res.families, (1u << RULE_FAMILY_PREDICTION) |
	    (1u << RULE_FAMILY_PERFORMANCE));
	ck_assert_uint_eq(res.n, 0);
	rule_result_finish(&res);
}
END_TEST

START_TEST(rule_table)
{
	static const struct {
		const char	*name;
		int		 family, severity;
	} rows[] = {
		{ "confirmed_drift", RULE_FAMILY_FEATURE,
		    ALERT_SEVERITY_CRITICAL },
		{ "psi_unconfirmed", RULE_FAMILY_FEATURE,
		    ALERT_SEVERITY_WARNING },
		{ "missingness", RULE_FAMILY_FEATURE,
		    ALERT_SEVERITY_WARNING },
		{ "performance_decay", RULE_FAMILY_PERFORMANCE,
		    ALERT_SEVERITY_CRITICAL },
		{ "label_shift", RULE_FAMILY_PREDICTION,
		    ALERT_SEVERITY_WARNING },
		{ "confidence_drift", RULE_FAMILY_PREDICTION,
		    ALERT_SEVERITY_WARNING },
		{ "ddm_drift", RULE_FAMILY_DETECTOR, ALERT_SEVERITY_WARNING },
		{ "adwin_drift", RULE_FAMILY_DETECTOR,
		    ALERT_SEVERITY_WARNING },
		{ "stream_silent", RULE_FAMILY_STREAM,
		    ALERT_SEVERITY_CRITICAL },
		{ "labels_late", RULE_FAMILY_STREAM, ALERT_SEVERITY_WARNING },
		{ "estimated_decay", RULE_FAMILY_ESTIMATE,
		    ALERT_SEVERITY_WARNING },
	};
	const struct rule *r;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		r = rules_find(rows[i].name);
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(r->family, rows[i].family);
		ck_assert_int_eq(r->severity, rows[i].severity);
	}
	ck_assert_ptr_null(rules_find("mmd_drift"));
	ck_assert_str_eq(rule_family_name(RULE_FAMILY_STREAM), "stream");
}
END_TEST

/* estimated_decay: the stored verdict, its message, its configured severity. */
START_TEST(estimate_rule)
{
	struct estimate_report est;
	struct alert_config *c = alert_config_create();
	struct rule_result res;
	struct alert_batch b;
	char *why = NULL;

	memset(&est, 0, sizeof est);
	est.available = true;
	est.cbpe.n_rows = 500;
	est.cbpe.accuracy = 0.70;
	est.cbpe.accuracy_upper = 0.75;
	est.cbpe.f1_macro = 0.69;
	est.cbpe.f1_upper = 0.74;
	est.ref_accuracy = 0.86;
	est.ref_f1_macro = 0.85;
	est.decay_delta = 0.05;
	est.decayed = true;
	memset(&b, 0, sizeof b);
	b.batch_id = 12;
	b.estimate = &est;
	rules_evaluate(&b, c, &res);
	ck_assert_uint_eq(res.families, 1u << RULE_FAMILY_ESTIMATE);
	ck_assert_uint_eq(res.n, 1);
	ck_assert_str_eq(res.findings[0].key, "estimated_decay");
	ck_assert_int_eq(res.findings[0].severity, ALERT_SEVERITY_WARNING);
	ck_assert_str_eq(res.findings[0].message, "batch 12: estimated "
	    "performance decay before labels (CBPE: accuracy 0.700, upper "
	    "bound 0.750 vs reference 0.860; F1 macro 0.690, upper bound "
	    "0.740 vs reference 0.850; decay threshold 0.050; 500 rows)");
	rule_result_finish(&res);

	/* Configured critical, then off: evaluated, nothing fires. */
	ck_assert_int_eq(alert_config_set(c, "alert",
	    "estimated_decay_severity", "critical", &why), 0);
	rules_evaluate(&b, c, &res);
	ck_assert_uint_eq(res.n, 1);
	ck_assert_int_eq(res.findings[0].severity, ALERT_SEVERITY_CRITICAL);
	rule_result_finish(&res);
	ck_assert_int_eq(alert_config_set(c, "alert",
	    "estimated_decay_severity", "off", &why), 0);
	rules_evaluate(&b, c, &res);
	ck_assert_uint_eq(res.families, 1u << RULE_FAMILY_ESTIMATE);
	ck_assert_uint_eq(res.n, 0);
	rule_result_finish(&res);
	ck_assert_int_eq(alert_config_set(c, "alert",
	    "estimated_decay_severity", "loud", &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "expected warning, critical or off"));
	free(why);

	/* Not decayed: evaluated, clear. No estimate (unlabelled reference): */
	/* the family is not evaluated, so nothing clears on no evidence. */
	est.decayed = false;
	rules_evaluate(&b, cfg, &res);
	ck_assert_uint_eq(res.families, 1u << RULE_FAMILY_ESTIMATE);
	ck_assert_uint_eq(res.n, 0);
	rule_result_finish(&res);
	est.available = false;
	est.decayed = true;
	rules_evaluate(&b, cfg, &res);
	ck_assert_uint_eq(res.families, 0);
	ck_assert_uint_eq(res.n, 0);
	rule_result_finish(&res);
	alert_config_destroy(c);
}
END_TEST

static Suite *
rules_suite(void)
{
	Suite *s = suite_create("alert-rules");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, feature_rules);
	tcase_add_test(tc, feature_messages_exact);
	tcase_add_test(tc, missingness_rule);
	tcase_add_test(tc, many_features_capped);
	tcase_add_test(tc, other_families);
	tcase_add_test(tc, rule_table);
	tcase_add_test(tc, estimate_rule);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(rules_suite());
	int failed;

	cfg = alert_config_create();
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	alert_config_destroy(cfg);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
