/*
 * drift-mmd: the deterministic part (MMD^2 and sigma) against numpy/scipy
 * golden vectors from tests/golden/make-golden-mmd.py, and properties of
 * the seeded permutation test.
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/drift-mmd.h"
#include "core/rng.h"

/* Must match make_case() in tests/golden/make-golden-mmd.py. */
static double
gen_value(struct rng *r, int kind, double extra)
{
	double u = rng_uniform(r);

	if (kind == 1)
		return floor(u * 4.0) + extra;
	if (kind == 2)
		return 0.0 + extra;
	return u * 4.0 - 2.0 + extra;
}

static void
gen_case(uint64_t seed, size_t nx, size_t ny, size_t d, int kind,
    double shift, double *x, double *y)
{
	struct rng r;
	size_t i;

	rng_seed(&r, seed);
	for (i = 0; i < nx * d; i++)
		x[i] = gen_value(&r, kind, 0.0);
	if (kind == 3) {
		memcpy(y, x, nx * d * sizeof *x);
		return;
	}
	for (i = 0; i < ny * d; i++)
		y[i] = gen_value(&r, kind, shift);
}

static bool
close_to(double got, double want, double rel, double abs_tol)
{
	return fabs(got - want) <= abs_tol + rel * fabs(want);
}

START_TEST(golden_vectors)
{
	const char *root = getenv("MLMON_SOURCE_ROOT");
	char path[4096], line[512];
	unsigned long long seed;
	size_t nx, ny, d;
	int kind, cases = 0, perm_cases = 0;
	double shift, want_m2, want_sigma, *x, *y, worst_m2 = 0, worst_s = 0;
	char s_shift[64], s_m2[64], s_sigma[64];
	struct mmd_params p;
	struct mmd_result res, res2;
	FILE *f;

	ck_assert_ptr_nonnull(root);
	snprintf(path, sizeof path, "%s/tests/golden/mmd-vectors.txt", root);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	while (fgets(line, sizeof line, f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		ck_assert_int_eq(sscanf(line,
		    "%llu %zu %zu %zu %d %63s %63s %63s",
		    &seed, &nx, &ny, &d, &kind, s_shift, s_m2, s_sigma), 8);
		shift = strtod(s_shift, NULL);
		want_m2 = strtod(s_m2, NULL);
		want_sigma = strtod(s_sigma, NULL);
		x = malloc(nx * d * sizeof *x);
		y = malloc((ny > nx ? ny : nx) * d * sizeof *y);
		gen_case(seed, nx, ny, d, kind, shift, x, y);

		drift_mmd_defaults(&p);
		p.max_ref = 1000;	/* no subsampling */
		p.permutations = 0;
		drift_mmd(x, nx, y, ny, d, &p, &res);
		ck_assert_msg(close_to(res.mmd2, want_m2, 1e-9, 1e-12),
		    "seed %llu: mmd2 %.17g want %.17g", seed, res.mmd2,
		    want_m2);
		ck_assert_msg(close_to(res.sigma, want_sigma, 1e-12, 0),
		    "seed %llu: sigma %.17g want %.17g", seed, res.sigma,
		    want_sigma);
		ck_assert(res.p_value == 1.0);
		if (fabs(res.mmd2 - want_m2) > worst_m2)
			worst_m2 = fabs(res.mmd2 - want_m2);
		if (fabs(res.sigma - want_sigma) / want_sigma > worst_s)
			worst_s = fabs(res.sigma - want_sigma) / want_sigma;

		/* The permutation test does not change the statistic. */
		if (cases % 10 == 0 && nx + ny <= 100) {
			p.permutations = 20;
			drift_mmd(x, nx, y, ny, d, &p, &res2);
			ck_assert(res2.mmd2 == res.mmd2);
			ck_assert(res2.sigma == res.sigma);
			ck_assert(res2.p_value > 0.0 && res2.p_value <= 1.0);
			perm_cases++;
		}
		free(x);
		free(y);
		cases++;
	}
	fclose(f);
	ck_assert_int_ge(cases, 200);
	printf("mmd golden: %d cases, worst |mmd2 err| %.3g, worst sigma "
	    "rel err %.3g\n", cases, worst_m2, worst_s);
}
END_TEST

static void
normal_pair(struct rng *r, double *a, double *b)
{
	double u1 = rng_uniform(r), u2 = rng_uniform(r);
	double m = sqrt(-2.0 * log(1.0 - u1));

	*a = m * cos(2.0 * M_PI * u2);
	*b = m * sin(2.0 * M_PI * u2);
}

static void
fill_normal(struct rng *r, double *v, size_t n, double mean)
{
	size_t i;
	double a, b;

	for (i = 0; i < n; i += 2) {
		normal_pair(r, &a, &b);
		v[i] = a + mean;
		if (i + 1 < n)
			v[i + 1] = b + mean;
	}
}

START_TEST(same_seed_same_p)
{
	static double x[300 * 3], y[100 * 3];
	struct mmd_params p;
	struct mmd_result a, b;
	struct rng r;

	rng_seed(&r, 7);
	fill_normal(&r, x, 300 * 3, 0.0);
	fill_normal(&r, y, 100 * 3, 0.2);
	drift_mmd_defaults(&p);
	p.seed = 99;
	drift_mmd(x, 300, y, 100, 3, &p, &a);
	drift_mmd(x, 300, y, 100, 3, &p, &b);
	ck_assert(a.mmd2 == b.mmd2);
	ck_assert(a.sigma == b.sigma);
	ck_assert(a.p_value == b.p_value);
	/* p is a multiple of 1/(1 + permutations). */
	ck_assert(fabs(a.p_value * 101 - round(a.p_value * 101)) < 1e-9);
}
END_TEST

START_TEST(identical_distributions_p_not_small)
{
	static double x[400 * 2], y[200 * 2];
	struct mmd_params p;
	struct mmd_result res;
	struct rng r;
	double sum = 0.0;
	int i, small = 0, trials = 30;

	drift_mmd_defaults(&p);
	rng_seed(&r, 2024);
	for (i = 0; i < trials; i++) {
		fill_normal(&r, x, 400 * 2, 0.0);
		fill_normal(&r, y, 200 * 2, 0.0);
		p.seed = (uint64_t)i;
		drift_mmd(x, 400, y, 200, 2, &p, &res);
		ck_assert(res.p_value > 0.0 && res.p_value <= 1.0);
		sum += res.p_value;
		if (res.p_value < 0.05)
			small++;
	}
	/* Under H0 p is ~uniform: mean 0.5, P(p < 0.05) ~ 0.05. */
	ck_assert_msg(sum / trials > 0.3, "mean p %g", sum / trials);
	ck_assert_msg(small <= 6, "%d of %d below 0.05", small, trials);
}
END_TEST

START_TEST(separated_p_minimal)
{
	static double x[500 * 4], y[200 * 4];
	static const int perms[] = { 1, 10, 100, 250 };
	struct mmd_params p;
	struct mmd_result res;
	struct rng r;
	size_t i;

	rng_seed(&r, 5);
	fill_normal(&r, x, 500 * 4, 0.0);
	fill_normal(&r, y, 200 * 4, 3.0);
	for (i = 0; i < sizeof perms / sizeof perms[0]; i++) {
		drift_mmd_defaults(&p);
		p.permutations = perms[i];
		drift_mmd(x, 500, y, 200, 4, &p, &res);
		ck_assert_msg(res.p_value == 1.0 / (1.0 + perms[i]),
		    "perms %d: p %g", perms[i], res.p_value);
		ck_assert(res.mmd2 > 0.1);
	}
}
END_TEST

START_TEST(subsample_bounds_and_determinism)
{
	static double x[5000 * 2], y[1000 * 2];
	struct mmd_params p;
	struct mmd_result a, b, c;
	struct rng r;

	rng_seed(&r, 11);
	fill_normal(&r, x, 5000 * 2, 0.0);
	fill_normal(&r, y, 1000 * 2, 0.0);
	drift_mmd_defaults(&p);
	p.seed = 3;
	drift_mmd(x, 5000, y, 1000, 2, &p, &a);
	drift_mmd(x, 5000, y, 1000, 2, &p, &b);
	ck_assert(a.mmd2 == b.mmd2 && a.p_value == b.p_value);
	p.seed = 4;
	drift_mmd(x, 5000, y, 1000, 2, &p, &c);
	/* Another subsample: another statistic (continuous data). */
	ck_assert(c.mmd2 != a.mmd2);
	ck_assert(a.sigma > 0.5 && a.sigma < 4.0);
	/* NULL params: defaults. */
	drift_mmd(x, 50, y, 50, 2, NULL, &a);
	ck_assert(a.p_value > 0.0 && a.p_value <= 1.0);
}
END_TEST

START_TEST(timing_default_cap)
{
	static double x[1000 * 5], y[200 * 5];
	struct mmd_params p;
	struct mmd_result res;
	struct timespec t0, t1;
	struct rng r;
	double ms;

	rng_seed(&r, 13);
	fill_normal(&r, x, 1000 * 5, 0.0);
	fill_normal(&r, y, 200 * 5, 0.0);
	drift_mmd_defaults(&p);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	drift_mmd(x, 1000, y, 200, 5, &p, &res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("mmd 1000x5 ref (cap 200) vs 200x5, 100 perms: %.2f ms\n", ms);
	/* Generous bound: sanitizers and a shared 2-core machine. */
	ck_assert_msg(ms < 5000.0, "%.1f ms", ms);
}
END_TEST

static Suite *
mmd_suite(void)
{
	Suite *s = suite_create("drift-mmd");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, golden_vectors);
	tcase_add_test(tc, same_seed_same_p);
	tcase_add_test(tc, identical_distributions_p_not_small);
	tcase_add_test(tc, separated_p_minimal);
	tcase_add_test(tc, subsample_bounds_and_determinism);
	tcase_add_test(tc, timing_default_cap);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(mmd_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
