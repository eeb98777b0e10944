/*
 * judge.c: the calibrated verdicts of one batch. Hand-worked families
 * (BH by hand, levels at the default knob) and the family-wise rate on
 * simulated stable batches of independent uniform p-values, which must
 * be the level q.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "core/judge.h"
#include "core/monitor-judge.h"
#include "core/monitor.h"
#include "core/rng.h"

#define NF	5

START_TEST(families)
{
	/* Default knob: page 2e-5, warning 2e-3; m = 11 with label shift. */
	static const struct {
		double	ks[NF], psi[NF], ls;
		size_t	confirmed, warning, tests;
		enum drift_severity ls_v, ks0, psi0;
		double	ks0_q;
	} rows[] = {
		/* stable */
		{ { .5, .5, .5, .5, .5 }, { .5, .5, .5, .5, .5 }, .5,
		  0, 0, 11, DRIFT_NONE, DRIFT_NONE, DRIFT_NONE, .5 },
		/* feature 0 moved: both tests far in the tail */
		{ { 1e-12, .5, .5, .5, .5 }, { 1e-10, .5, .5, .5, .5 }, .5,
		  1, 0, 11, DRIFT_NONE, DRIFT_CRITICAL, DRIFT_CRITICAL,
		  11e-12 },
		/* KS alone: a warning, no page */
		{ { 1e-9, .5, .5, .5, .5 }, { .3, .5, .5, .5, .5 }, .5,
		  0, 1, 11, DRIFT_NONE, DRIFT_CRITICAL, DRIFT_NONE, 11e-9 },
		/* 1e-6 * 11 / 1 = 1.1e-5 <= 2e-5: critical; PSI 1e-4
		 * ranks 2nd: 5.5e-4, a warning: confirmed */
		{ { 1e-6, .5, .5, .5, .5 }, { 1e-4, .5, .5, .5, .5 }, .9,
		  1, 0, 11, DRIFT_NONE, DRIFT_CRITICAL, DRIFT_WARNING,
		  1.1e-5 },
		/* PSI 1e-2 is 0.055 adjusted, above the warning level:
		 * KS critical alone is not confirmed */
		{ { 1e-6, .5, .5, .5, .5 }, { 1e-2, .5, .5, .5, .5 }, .9,
		  0, 1, 11, DRIFT_NONE, DRIFT_CRITICAL, DRIFT_NONE,
		  1.1e-5 },
		/* tied at ranks 1 and 2: 4e-6 * 11 / 2 = 2.2e-5, just
		 * above the page level after the correction */
		{ { 4e-6, .5, .5, .5, .5 }, { 4e-6, .5, .5, .5, .5 }, .9,
		  0, 1, 11, DRIFT_NONE, DRIFT_WARNING, DRIFT_WARNING,
		  2.2e-5 },
		/* 2e-6 tied: 1.1e-5, a page */
		{ { 2e-6, .5, .5, .5, .5 }, { 2e-6, .5, .5, .5, .5 }, .9,
		  1, 0, 11, DRIFT_NONE, DRIFT_CRITICAL, DRIFT_CRITICAL,
		  1.1e-5 },
		/* label shift only */
		{ { .5, .5, .5, .5, .5 }, { .5, .5, .5, .5, .5 }, 1e-8,
		  0, 0, 11, DRIFT_CRITICAL, DRIFT_NONE, DRIFT_NONE, .5 },
		/* no label-shift test: a family of 10, 1e-6 * 10 / 2 */
		{ { 1e-6, .5, .5, .5, .5 }, { 1e-6, .5, .5, .5, .5 }, NAN,
		  1, 0, 10, DRIFT_NONE, DRIFT_CRITICAL, DRIFT_CRITICAL,
		  5e-6 },
	};
	struct policy_levels lv;
	struct judge_input in;
	struct judge_report r;
	size_t i;

	policy_levels(POLICY_FALSE_PAGE_RATE_DEFAULT, &lv);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		in.n_features = NF;
		in.ks_p = rows[i].ks;
		in.psi_p = rows[i].psi;
		in.label_shift_p = rows[i].ls;
		in.joint_ks_p = in.joint_psi_p = in.joint_t2_p = NAN;
		in.missing_p = NULL;
		judge_batch(&in, &lv, &r);
		ck_assert_msg(r.n_tests == rows[i].tests, "row %zu", i);
		ck_assert_msg(r.n_confirmed == rows[i].confirmed &&
		    r.n_warning == rows[i].warning, "row %zu: %zu %zu", i,
		    r.n_confirmed, r.n_warning);
		ck_assert_msg(r.label_shift == rows[i].ls_v, "row %zu", i);
		ck_assert_msg(r.ks[0] == rows[i].ks0 &&
		    r.psi[0] == rows[i].psi0, "row %zu: %d %d", i, r.ks[0],
		    r.psi[0]);
		ck_assert_msg(fabs(r.ks_q[0] - rows[i].ks0_q) <=
		    1e-12 * rows[i].ks0_q, "row %zu: q %.17g", i, r.ks_q[0]);
		ck_assert(isnan(rows[i].ls) == isnan(r.label_shift_q));
		judge_report_finish(&r);
	}
}
END_TEST

/*
 * The joint tests and the missingness tests join the family: each tested
 * one adds a slot; joint drift needs one of the three critical and
 * another at the warning level.
 */
START_TEST(joint_and_missing)
{
	static const struct {
		double	jks, jpsi, jt2, miss0;
		size_t	tests;
		bool	confirmed;
		double	t2_q, miss0_q;
	} rows[] = {
		/* T^2 1e-9 * 14 / 1; PSI 1e-4 * 14 / 2 = 7e-4: confirmed */
		{ NAN, 1e-4, 1e-9, 0.5, 14, true, 1.4e-8, 0.5 * 14 / 14.0 },
		/* T^2 alone: critical, nothing agrees */
		{ NAN, NAN, 1e-9, NAN, 12, false, 1.2e-8, NAN },
		{ 0.5, 0.5, 1e-9, NAN, 14, false, 1.4e-8, NAN },
		/* two at the warning level only: no page */
		{ 1e-4, NAN, 1e-4, NAN, 13, false, 1.3e-3 / 2 * 1, NAN },
		/* missingness of feature 0 in the family: 1e-5 * 12 / 1 */
		{ NAN, NAN, NAN, 1e-5, 12, false, NAN, 1.2e-4 },
	};
	double ks[NF] = { .5, .5, .5, .5, .5 }, psi[NF] = { .5, .5, .5, .5,
	    .5 }, miss[NF];
	struct policy_levels lv;
	struct judge_input in;
	struct judge_report r;
	size_t i, f;

	policy_levels(POLICY_FALSE_PAGE_RATE_DEFAULT, &lv);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		for (f = 0; f < NF; f++)
			miss[f] = NAN;
		miss[0] = rows[i].miss0;
		in.n_features = NF;
		in.ks_p = ks;
		in.psi_p = psi;
		in.label_shift_p = 0.5;
		in.joint_ks_p = rows[i].jks;
		in.joint_psi_p = rows[i].jpsi;
		in.joint_t2_p = rows[i].jt2;
		in.missing_p = miss;
		judge_batch(&in, &lv, &r);
		ck_assert_msg(r.n_tests == rows[i].tests, "row %zu: %zu tests",
		    i, r.n_tests);
		ck_assert_msg(r.joint_confirmed == rows[i].confirmed,
		    "row %zu", i);
		ck_assert(isnan(r.joint_t2_q) == isnan(rows[i].t2_q));
		if (!isnan(rows[i].t2_q))
			ck_assert_msg(fabs(r.joint_t2_q - rows[i].t2_q) <=
			    1e-12 * rows[i].t2_q, "row %zu: %.17g", i,
			    r.joint_t2_q);
		ck_assert(isnan(r.missing_q[0]) == isnan(rows[i].miss0_q));
		if (!isnan(rows[i].miss0_q))
			ck_assert_msg(fabs(r.missing_q[0] - rows[i].miss0_q) <=
			    1e-12, "row %zu: %.17g", i, r.missing_q[0]);
		ck_assert(isnan(r.missing_q[1]));
		ck_assert(r.n_confirmed == 0);
		judge_report_finish(&r);
	}
}
END_TEST

/*
 * Stable batches, every null true and independent: BH then rejects
 * something with probability exactly q, so at a knob of 10 per 1,000
 * (q = 0.01) 100,000 batches give 1,000 +- 4 SD with any critical test;
 * pages need a critical test too, and a second test of the same feature
 * at the warning level, so they are rarer still.
 */
START_TEST(stable_rate)
{
	enum { BATCHES = 100000 };
	double ks[NF], psi[NF], sd;
	struct policy_levels lv;
	struct judge_input in = { NF, ks, psi, 0, NAN, NAN, NAN, NULL };
	struct judge_report r;
	size_t b, i, any = 0, pages = 0;
	struct rng g;

	rng_seed(&g, 17);
	policy_levels(10.0, &lv);
	for (b = 0; b < BATCHES; b++) {
		bool crit = false;

		for (i = 0; i < NF; i++) {
			ks[i] = rng_uniform(&g);
			psi[i] = rng_uniform(&g);
		}
		in.label_shift_p = rng_uniform(&g);
		judge_batch(&in, &lv, &r);
		for (i = 0; i < NF; i++)
			crit |= r.ks[i] == DRIFT_CRITICAL ||
			    r.psi[i] == DRIFT_CRITICAL;
		crit |= r.label_shift == DRIFT_CRITICAL;
		any += crit;
		pages += r.n_confirmed > 0;
		judge_report_finish(&r);
	}
	sd = sqrt(BATCHES * 0.01 * 0.99);
	ck_assert_msg(fabs((double)any - 1000.0) <= 4 * sd, "%zu", any);
	ck_assert_msg(pages <= any && pages <= 200, "%zu pages", pages);
}
END_TEST

/* n rows of nf features, N(shift, 1) by Box-Muller; classes i % 3. */
static double *
rows_of(struct rng *g, size_t n, size_t nf, double shift, int *pred,
    double *conf)
{
	double *v = calloc(n * nf, sizeof *v), u, w;
	size_t i;

	for (i = 0; i < n * nf; i++) {
		u = 1.0 - rng_uniform(g);
		w = rng_uniform(g);
		v[i] = shift + sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * w);
	}
	for (i = 0; i < n; i++) {
		pred[i] = (int)(i % 3);
		conf[i] = 0.9;
	}
	return v;
}

/*
 * monitor_judge on real reports: a stable batch keeps no verdict, a
 * shifted one is confirmed on every feature, the payload numbers are
 * filled, and under the seed policy nothing changes.
 */
START_TEST(on_reports)
{
	enum { NREF = 1000, NB = 200, NFEAT = 3 };
	static int pred[NREF];
	static double conf[NREF];
	struct monitor_reference ref;
	struct monitor_config c;
	struct monitor_batch b;
	struct feature_report fr, fs;
	struct prediction_report pr;
	double *rv, *bv, shift;
	struct rng g;
	size_t f;
	int round;

	rng_seed(&g, 99);
	monitor_config_defaults(&c);
	ck_assert(c.policy == POLICY_CALIBRATED);
	rv = rows_of(&g, NREF, NFEAT, 0.0, pred, conf);
	monitor_reference_init(&ref, rv, NREF, NFEAT, 3, pred, conf, NULL);
	for (round = 0; round < 2; round++) {
		shift = round ? 1.0 : 0.0;
		bv = rows_of(&g, NB, NFEAT, shift, pred, conf);
		b = (struct monitor_batch){ 1, NB, bv, pred, conf, NULL,
		    NULL, 0 };
		monitor_feature(&ref, &c, &b, &fr);
		monitor_prediction(&ref, &c, &b, &pr);
		monitor_judge(&ref, &c, NB, &fr, &pr);
		ck_assert(fr.calibrated && pr.calibrated);
		for (f = 0; f < NFEAT; f++) {
			ck_assert(fr.psi_p_value[f] >= 0 &&
			    fr.psi_p_value[f] <= 1);
			ck_assert(fr.ks_q[f] >= fr.ks_p_value[f]);
			ck_assert(fr.drift_psi[f] == (round == 1));
			ck_assert(fr.drift_ks[f] == (round == 1));
		}
		ck_assert(fr.any_drift == (round == 1));
		ck_assert(!pr.label_shift_drift);	/* same class mix */
		ck_assert(pr.class_tvd < 1e-2);
		/* Seed: the monitors' own verdicts stand, no new numbers. */
		c.policy = POLICY_SEED;
		monitor_feature(&ref, &c, &b, &fs);
		monitor_judge(&ref, &c, NB, &fs, NULL);
		ck_assert(!fs.calibrated && fs.psi_p_value == NULL);
		c.policy = POLICY_CALIBRATED;
		feature_report_finish(&fs);
		feature_report_finish(&fr);
		prediction_report_finish(&pr);
		free(bv);
	}
	monitor_reference_finish(&ref);
	free(rv);
}
END_TEST

START_TEST(grid)
{
	static const size_t rows[][2] = {
		{ 1, 1 }, { 32, 32 }, { 33, 32 }, { 50, 50 }, { 64, 64 },
		{ 65, 64 }, { 200, 200 }, { 201, 200 }, { 207, 200 },
		{ 208, 208 }, { 2000, 1984 }, { 2047, 1984 }, { 2048, 2048 },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		ck_assert_msg(monitor_judge_grid(rows[i][0]) == rows[i][1],
		    "%zu -> %zu", rows[i][0], monitor_judge_grid(rows[i][0]));
}
END_TEST

static Suite *
judge_suite(void)
{
	Suite *s = suite_create("judge");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, families);
	tcase_add_test(tc, stable_rate);
	tcase_add_test(tc, joint_and_missing);
	tcase_add_test(tc, on_reports);
	tcase_add_test(tc, grid);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(judge_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
