/*
 * monitor_feature with missing values (NaN): PSI and KS equal the plain
 * statistics on the present values; the missingness test and verdict are
 * drift-missing's; a feature without values says so; MMD runs on the
 * complete rows. Data from mlmon's own rng.
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/drift-ks.h"
#include "core/drift-missing.h"
#include "core/drift-psi.h"
#include "core/monitor.h"
#include "core/rng.h"
#include "core/xalloc.h"

#define NF	4
#define NREF	600
#define NB	300

static double
normal(struct rng *r)
{
	double u1 = rng_uniform(r), u2 = rng_uniform(r);

	return sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
}

/*
 * n rows of NF features N(shift, 1); feature f is missing with
 * probability miss[f] (1: always).
 */
static void
gen(double *x, size_t n, uint64_t seed, double shift, const double *miss)
{
	struct rng r;
	size_t i, f;

	rng_seed(&r, seed);
	for (i = 0; i < n; i++)
		for (f = 0; f < NF; f++) {
			x[i * NF + f] = normal(&r) + shift;
			if (rng_uniform(&r) < miss[f])
				x[i * NF + f] = NAN;
		}
}

struct fixture {
	double			 ref_x[NREF * NF], x[NB * NF];
	int			 pred[NREF];
	double			 conf[NREF];
	struct monitor_reference ref;
	struct monitor_config	 c;
	struct feature_report	 fr;
};

static void
run(struct fixture *t, const double *ref_miss, const double *miss,
    double shift)
{
	struct monitor_batch b;

	memset(t->pred, 0, sizeof t->pred);
	memset(t->conf, 0, sizeof t->conf);
	gen(t->ref_x, NREF, 1, 0.0, ref_miss);
	gen(t->x, NB, 2, shift, miss);
	monitor_config_defaults(&t->c);
	t->c.mmd_enabled = true;
	t->c.mmd.permutations = 20;
	monitor_reference_init(&t->ref, t->ref_x, NREF, NF, 2, t->pred,
	    t->conf, NULL);
	memset(&b, 0, sizeof b);
	b.batch_id = 3;
	b.n_rows = NB;
	b.features = t->x;
	b.predicted = t->pred;
	b.confidence = t->conf;
	monitor_feature(&t->ref, &t->c, &b, &t->fr);
}

static void
done(struct fixture *t)
{
	feature_report_finish(&t->fr);
	monitor_reference_finish(&t->ref);
}

/* Feature f's present values of x (n rows) into out; returns how many. */
static size_t
present(const double *x, size_t n, size_t f, double *out)
{
	return drift_present(x + f, n, NF, out);
}

START_TEST(present_values_only)
{
	static const double ref_miss[NF] = { 0, 0.2, 0.05, 0 };
	static const double miss[NF] = { 0, 0.2, 0.5, 0.1 };
	struct fixture *t = xcalloc(1, sizeof *t);
	double rc[NREF], bc[NB];
	struct missing_drift m;
	struct ks_result ks;
	size_t f, nr, nb;

	run(t, ref_miss, miss, 0.0);
	ck_assert(t->fr.missing_seen);
	ck_assert(t->fr.missing_alpha == MISSING_ALPHA);
	ck_assert(t->fr.missing_min_effect == MISSING_MIN_EFFECT);
	for (f = 0; f < NF; f++) {
		nr = present(t->ref_x, NREF, f, rc);
		nb = present(t->x, NB, f, bc);
		ck_assert_uint_eq(t->fr.n_used[f], nb);
		ck_assert(!t->fr.no_values[f]);
		ck_assert(fabs(t->fr.psi[f] - drift_psi(rc, nr, bc, nb)) <=
		    1e-12 * (1 + t->fr.psi[f]));
		drift_ks(rc, nr, bc, nb, &ks);
		ck_assert(ks.statistic == t->fr.ks_statistic[f]);
		ck_assert(ks.p_value == t->fr.ks_p_value[f]);
		drift_missing(NREF - nr, NREF, NB - nb, NB, &m);
		ck_assert(m.p_value == t->fr.missing_p_value[f]);
		ck_assert(m.effect == t->fr.missing_effect[f]);
		ck_assert(m.cur_share == t->fr.missing_share[f]);
		ck_assert(m.ref_share == t->fr.ref_missing_share[f]);
		ck_assert_int_eq(t->fr.drift_missing[f],
		    drift_missing_verdict(&m, t->c.missing_alpha,
		    t->c.missing_effect));
	}
	/* 5% -> 50% on feature 2 is a verdict; the others are not. */
	ck_assert(t->fr.drift_missing[2]);
	ck_assert(!t->fr.drift_missing[0] && !t->fr.drift_missing[1]);
	ck_assert(t->fr.any_missing_drift);
	ck_assert(t->fr.mmd_run);
	done(t);
	free(t);
}
END_TEST

/* Nothing missing: the seed's numbers and no missing block. */
START_TEST(complete_data)
{
	static const double none[NF] = { 0, 0, 0, 0 };
	struct fixture *t = xcalloc(1, sizeof *t);
	size_t f;

	run(t, none, none, 0.0);
	ck_assert(!t->fr.missing_seen);
	ck_assert(!t->fr.any_missing_drift);
	for (f = 0; f < NF; f++) {
		ck_assert_uint_eq(t->fr.n_used[f], NB);
		ck_assert(t->fr.missing_share[f] == 0.0);
		ck_assert(t->fr.missing_p_value[f] == 1.0);
	}
	done(t);
	free(t);
}
END_TEST

/*
 * Feature 1 has no value in the batch, feature 2 none in the reference:
 * "no values", NaN statistics, no drift verdict, and max PSI among the
 * others; the batch's missing share of feature 1 is a verdict.
 */
START_TEST(no_values)
{
	static const double ref_miss[NF] = { 0, 0, 1, 0 };
	static const double miss[NF] = { 0, 1, 0, 0 };
	struct fixture *t = xcalloc(1, sizeof *t);

	run(t, ref_miss, miss, 3.0);
	ck_assert(t->fr.no_values[1] && t->fr.no_values[2]);
	ck_assert(!t->fr.no_values[0] && !t->fr.no_values[3]);
	ck_assert(isnan(t->fr.psi[1]) && isnan(t->fr.ks_p_value[1]));
	ck_assert(isnan(t->fr.psi[2]) && isnan(t->fr.ks_statistic[2]));
	ck_assert(!t->fr.drift_psi[1] && !t->fr.drift_ks[1]);
	ck_assert(!t->fr.drift_psi[2] && !t->fr.drift_ks[2]);
	ck_assert_uint_eq(t->fr.n_used[1], 0);
	ck_assert(t->fr.drift_missing[1]);	/* 0% -> 100% */
	ck_assert(t->fr.drift_missing[2]);	/* 100% -> 0% */
	ck_assert(t->fr.drift_psi[0] && t->fr.drift_ks[0]);	/* shift 3 */
	ck_assert(t->fr.max_psi_feature == 0 || t->fr.max_psi_feature == 3);
	/* MMD: every row misses a value, so there is nothing to compare. */
	ck_assert(!t->fr.mmd_run);
	done(t);
	free(t);
}
END_TEST

/* MMD over the complete rows equals drift_mmd on those rows. */
START_TEST(mmd_complete_rows)
{
	static const double miss[NF] = { 0.1, 0, 0, 0.1 };
	struct fixture *t = xcalloc(1, sizeof *t);
	double *rr = xmalloc(sizeof t->ref_x), *br = xmalloc(sizeof t->x);
	struct mmd_params mp;
	struct mmd_result want;
	size_t i, nr = 0, nb = 0;

	run(t, miss, miss, 0.5);
	for (i = 0; i < NREF; i++)
		if (!isnan(t->ref_x[i * NF]) && !isnan(t->ref_x[i * NF + 3]))
			memcpy(rr + nr++ * NF, t->ref_x + i * NF,
			    NF * sizeof *rr);
	for (i = 0; i < NB; i++)
		if (!isnan(t->x[i * NF]) && !isnan(t->x[i * NF + 3]))
			memcpy(br + nb++ * NF, t->x + i * NF, NF * sizeof *br);
	ck_assert_uint_eq(t->ref.n_mmd_rows, nr);
	ck_assert(nb < NB && nr < NREF);
	mp = t->c.mmd;
	mp.seed = t->c.mmd.seed ^ (3ULL * 0x9e3779b97f4a7c15ULL);
	drift_mmd(rr, nr, br, nb, NF, &mp, &want);
	ck_assert(t->fr.mmd_run);
	ck_assert(want.mmd2 == t->fr.mmd.mmd2);
	ck_assert(want.p_value == t->fr.mmd.p_value);
	free(rr);
	free(br);
	done(t);
	free(t);
}
END_TEST

static Suite *
missing_suite(void)
{
	Suite *s = suite_create("monitor-missing");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, present_values_only);
	tcase_add_test(tc, complete_data);
	tcase_add_test(tc, no_values);
	tcase_add_test(tc, mmd_complete_rows);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(missing_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
