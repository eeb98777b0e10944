/*
 * drift-ks against scipy 1.10 (tests/golden/ks.txt, kstwo.txt) plus
 * properties and the cost of the production call (200 vs 1000 values).
 * The asymptotic kernel kstwo_sf (kstwo.c) is checked over its whole
 * domain against scipy.stats.kstwo.sf.
 */
#include "core/drift-ks.h"

#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/kstwo.h"
#include "core/rng.h"
#include "core/xalloc.h"
#include "golden.h"

#define TOL_STAT	1e-12	/* relative; in practice bit-exact */
#define TOL_EXACT_P	1e-6	/* absolute, the contract for exact p */
#define TOL_ASYMP_P	1e-9	/* relative, asymptotic branch */

static void
fill_normal(struct rng *r, double *v, size_t n, double shift)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double u1 = rng_uniform(r), u2 = rng_uniform(r);

		v[i] = shift + sqrt(-2.0 * log(1.0 - u1)) * cos(2 * M_PI * u2);
	}
}

START_TEST(golden_ks)
{
	struct golden g;
	const char *tag;
	int cases = 0, exact = 0, asymp = 0, stat_exact_bits = 0;
	double w_stat = 0, w_pabs = 0, w_prel_small = 0, w_prel_asymp = 0;
	double w_prel_small_p = 0;

	golden_open(&g, "ks.txt");
	while ((tag = golden_next(&g)) != NULL) {
		struct ks_result r, rs;
		size_t n1, n2, na, nb;
		double want_d, want_p, *a, *b, e;
		long id;

		ck_assert_str_eq(tag, "ks");
		id = golden_long(&g);
		n1 = (size_t)golden_long(&g);
		n2 = (size_t)golden_long(&g);
		want_d = golden_double(&g);
		want_p = golden_double(&g);
		a = golden_doubles(&g, "a", &na);
		b = golden_doubles(&g, "b", &nb);
		ck_assert_uint_eq(na, n1);
		ck_assert_uint_eq(nb, n2);

		drift_ks(a, na, b, nb, &r);
		drift_ks_sort(a, na);
		drift_ks_sort(b, nb);
		drift_ks_sorted(a, na, b, nb, &rs);
		ck_assert(rs.statistic == r.statistic && rs.p_value == r.p_value);

		e = golden_relerr(r.statistic, want_d);
		if (r.statistic == want_d)
			stat_exact_bits++;
		if (e > w_stat)
			w_stat = e;
		ck_assert_msg(e <= TOL_STAT, "ks %ld: D %.17g want %.17g", id,
		    r.statistic, want_d);
		ck_assert(r.p_value >= 0.0 && r.p_value <= 1.0);
		if (n1 <= 10000 && n2 <= 10000) {
			exact++;
			e = fabs(r.p_value - want_p);
			if (e > w_pabs)
				w_pabs = e;
			ck_assert_msg(e <= TOL_EXACT_P,
			    "ks %ld (%zu, %zu): p %.17g want %.17g", id, n1,
			    n2, r.p_value, want_p);
			if (want_p < 1e-3 && want_p >= DBL_MIN) {
				e = golden_relerr(r.p_value, want_p);
				if (e > w_prel_small) {
					w_prel_small = e;
					w_prel_small_p = want_p;
				}
			}
		} else {
			asymp++;
			e = want_p >= DBL_MIN ?
			    golden_relerr(r.p_value, want_p) :
			    fabs(r.p_value - want_p) / DBL_MIN;
			if (e > w_prel_asymp)
				w_prel_asymp = e;
			ck_assert_msg(e <= TOL_ASYMP_P,
			    "ks %ld (%zu, %zu): p %.17g want %.17g", id, n1,
			    n2, r.p_value, want_p);
		}
		cases++;
		free(a);
		free(b);
	}
	golden_close(&g);
	printf("ks: %d golden cases (%d exact, %d asymptotic); statistic "
	    "worst rel err %.3g (%d/%d bit-identical); exact p worst abs "
	    "err %.3g; exact p < 1e-3 worst rel err %.3g (at p = %.3g); "
	    "asymptotic p worst rel err %.3g\n", cases, exact, asymp, w_stat,
	    stat_exact_bits, cases, w_pabs, w_prel_small, w_prel_small_p,
	    w_prel_asymp);
	ck_assert_int_ge(cases, 200);
}
END_TEST

START_TEST(golden_kstwo)
{
	struct golden g;
	const char *tag;
	int cases = 0;
	double worst = 0, worst_x = 0;
	int worst_n = 0;

	golden_open(&g, "kstwo.txt");
	while ((tag = golden_next(&g)) != NULL) {
		int n;
		double x, want, got, e;

		ck_assert_str_eq(tag, "kstwo");
		n = (int)golden_long(&g);
		x = golden_double(&g);
		want = golden_double(&g);
		got = kstwo_sf(n, x);
		e = want >= DBL_MIN ? golden_relerr(got, want) :
		    fabs(got - want) / DBL_MIN;
		if (e > worst) {
			worst = e;
			worst_n = n;
			worst_x = x;
		}
		ck_assert_msg(e <= TOL_ASYMP_P, "kstwo.sf(%.17g, %d) = %.17g, "
		    "scipy %.17g", x, n, got, want);
		cases++;
	}
	golden_close(&g);
	printf("kstwo.sf: %d golden cases; worst rel err %.3g (n = %d, "
	    "x = %.6g)\n", cases, worst, worst_n, worst_x);
	ck_assert_int_ge(cases, 200);
}
END_TEST

/* Identical samples: D = 0 and p = 1, in both branches. */
START_TEST(identical)
{
	static const size_t sizes[] = { 1, 2, 7, 200, 1000, 10000, 12001 };
	struct rng r;
	size_t i;

	rng_seed(&r, 7);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i];
		double *a = xreallocarray(NULL, n, sizeof *a);
		struct ks_result res;

		fill_normal(&r, a, n, 0.0);
		drift_ks(a, n, a, n, &res);
		ck_assert_msg(res.statistic == 0.0 && res.p_value == 1.0,
		    "n %zu: D %g p %g", n, res.statistic, res.p_value);
		free(a);
	}
}
END_TEST

/* Symmetric in its arguments, p in [0, 1], D in [0, 1]. */
START_TEST(symmetric_bounded)
{
	struct rng r;
	int t;

	rng_seed(&r, 11);
	for (t = 0; t < 200; t++) {
		size_t na = 1 + rng_below(&r, 300), nb = 1 + rng_below(&r, 300);
		double *a = xreallocarray(NULL, na, sizeof *a);
		double *b = xreallocarray(NULL, nb, sizeof *b);
		struct ks_result x, y;

		fill_normal(&r, a, na, 0.0);
		fill_normal(&r, b, nb, (double)rng_below(&r, 4) / 4);
		drift_ks(a, na, b, nb, &x);
		drift_ks(b, nb, a, na, &y);
		ck_assert(x.statistic == y.statistic);
		ck_assert(x.p_value == y.p_value);
		ck_assert(x.statistic >= 0 && x.statistic <= 1);
		ck_assert(x.p_value >= 0 && x.p_value <= 1);
		free(a);
		free(b);
	}
}
END_TEST

/*
 * P(D >= h / lcm) for na != nb by the inside method written plainly, one
 * cell at a time: a'[y] = (a[y] x + a'[y-1] y) * (1 / (x + y)) over the
 * column's window, 1 outside it (drift-ks.c's recurrence, before its
 * lanes).
 */
static double
band_plain(int64_t m, int64_t n, int64_t h)
{
	int64_t g, mg, ng, x, y, lo, hi, t;
	double *a, v, p;

	if (m < n) {
		t = m;
		m = n;
		n = t;
	}
	for (g = m, t = n; t != 0; ) {
		int64_t r = g % t;

		g = t;
		t = r;
	}
	mg = m / g;
	ng = n / g;
	a = xcalloc((size_t)n + 1, sizeof *a);
	for (y = 0; y <= n; y++)
		a[y] = y * mg < h ? 0.0 : 1.0;	/* y < ceil(h / mg) */
	for (x = 1; x <= m; x++) {
		/* lo = floor((ng x - h) / mg) + 1,
		 * hi = ceil((ng x + h) / mg) */
		t = ng * x - h;
		lo = (t >= 0 ? t / mg : -((-t + mg - 1) / mg)) + 1;
		hi = (ng * x + h + mg - 1) / mg;
		lo = lo < 0 ? 0 : lo > n ? n : lo;
		hi = hi > n + 1 ? n + 1 : hi;
		if (hi <= lo) {
			free(a);
			return 1.0;
		}
		v = lo == 0 ? 0.0 : 1.0;
		for (y = lo; y < hi; y++) {
			v = (a[y] * (double)x + v * (double)y) *
			    (1.0 / (double)(x + y));
			a[y] = v;
		}
	}
	p = a[n];
	free(a);
	return p;
}

/*
 * The exact p-value of unequal sizes is the plain recurrence's to the
 * bit: the lanes (and, with SSE2, their vectors) only reorder which cell
 * is computed when. Sizes from 1 to 1,200, the production 1,000 and 200,
 * shifts from none to gross (every path leaves: p = 1 early).
 */
START_TEST(band_plain_same)
{
	static const size_t pairs[][2] = { { 1000, 200 }, { 200, 1000 },
	    { 37, 53 }, { 1000, 999 }, { 5, 3 }, { 1, 7 }, { 1200, 150 },
	    { 64, 96 }, { 333, 1000 } };
	struct rng r;
	size_t i, k, na, nb;
	int t;

	rng_seed(&r, 23);
	for (t = 0; t < 240; t++) {
		double *a, *b, want;
		struct ks_result res;
		int64_t g, lcm, h;

		i = (size_t)t % (sizeof pairs / sizeof pairs[0]);
		na = t < 120 ? pairs[i][0] : 1 + rng_below(&r, 400);
		nb = t < 120 ? pairs[i][1] : 1 + rng_below(&r, 400);
		if (na == nb)
			nb++;
		a = xreallocarray(NULL, na, sizeof *a);
		b = xreallocarray(NULL, nb, sizeof *b);
		fill_normal(&r, a, na, 0.0);
		fill_normal(&r, b, nb, (double)(t % 6) * 0.1);
		drift_ks(a, na, b, nb, &res);
		for (g = (int64_t)na, k = nb; k != 0; ) {
			int64_t q = g % (int64_t)k;

			g = (int64_t)k;
			k = (size_t)q;
		}
		lcm = (int64_t)na / g * (int64_t)nb;
		h = (int64_t)nearbyint(res.statistic * (double)lcm);
		want = h == 0 ? 1.0 : band_plain((int64_t)na, (int64_t)nb, h);
		ck_assert_msg(memcmp(&res.p_value, &want, sizeof want) == 0,
		    "%zu vs %zu, h %lld: p %a, plain %a", na, nb, (long long)h,
		    res.p_value, want);
		free(a);
		free(b);
	}
}
END_TEST

/*
 * The production call: a 200-row batch against a sorted 1000-row
 * reference, five features per batch. Print ns per call; fail only on a
 * gross regression (the budget at 150k rows/s is ~270 us per call).
 * Process CPU time, not wall time: the build machine is shared.
 */
/* The inlined merge sort orders exactly as qsort did, -0/+0 ties too. */
static int
cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

START_TEST(sort_matches_qsort)
{
	static const size_t sizes[] = { 0, 1, 2, 7, 8, 9, 16, 17, 200, 999,
	    1024, 1025, 3000 };
	struct rng r;
	double *a, *b;
	size_t s, i, n;
	int round;

	rng_seed(&r, 5);
	for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		for (round = 0; round < 4; round++) {
			n = sizes[s];
			a = xcalloc(n + 1, sizeof *a);
			b = xcalloc(n + 1, sizeof *b);
			for (i = 0; i < n; i++) {
				switch (round) {
				case 0:		/* distinct */
					a[i] = rng_uniform(&r) - 0.5;
					break;
				case 1:		/* many ties, signed zeros */
					a[i] = (double)rng_below(&r, 5) - 2;
					if (a[i] == 0.0 && rng_below(&r, 2))
						a[i] = -0.0;
					break;
				case 2:		/* descending */
					a[i] = (double)(n - i);
					break;
				default:	/* ascending with a tail */
					a[i] = i + 10 < n ? (double)i :
					    rng_uniform(&r);
					break;
				}
			}
			memcpy(b, a, n * sizeof *a);
			drift_ks_sort(a, n);
			if (n > 0)
				qsort(b, n, sizeof *b, cmp_double);
			ck_assert_msg(memcmp(a, b, n * sizeof *a) == 0,
			    "size %zu round %d differs from qsort", n, round);
			free(a);
			free(b);
		}
	}
}
END_TEST

START_TEST(cost_200_1000)
{
	static const double shifts[] = { 0.0, 0.1, 0.3, 1.0 };
	struct rng r;
	double ref[1000], batch[200], sorted[200];
	size_t s;

	rng_seed(&r, 42);
	fill_normal(&r, ref, 1000, 0.0);
	drift_ks_sort(ref, 1000);
	for (s = 0; s < sizeof shifts / sizeof shifts[0]; s++) {
		struct timespec t0, t1;
		struct ks_result res = { 0, 0 };
		int i, iters = 2000;
		double ns_sorted, ns_full;

		fill_normal(&r, batch, 200, shifts[s]);
		memcpy(sorted, batch, sizeof batch);
		drift_ks_sort(sorted, 200);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		for (i = 0; i < iters; i++)
			drift_ks_sorted(sorted, 200, ref, 1000, &res);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		ns_sorted = ((t1.tv_sec - t0.tv_sec) * 1e9 +
		    (t1.tv_nsec - t0.tv_nsec)) / iters;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		for (i = 0; i < iters; i++)
			drift_ks(batch, 200, ref, 1000, &res);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		ns_full = ((t1.tv_sec - t0.tv_sec) * 1e9 +
		    (t1.tv_nsec - t0.tv_nsec)) / iters;
		printf("ks cost (200 vs 1000, shift %.1f, D %.4f, p %.3g): "
		    "%.0f ns/call pre-sorted, %.0f ns/call with sorting\n",
		    shifts[s], res.statistic, res.p_value, ns_sorted, ns_full);
		ck_assert(ns_sorted < 5e6);
	}
}
END_TEST

static Suite *
ks_suite(void)
{
	Suite *s = suite_create("drift-ks");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, golden_ks);
	tcase_add_test(tc, golden_kstwo);
	tcase_add_test(tc, identical);
	tcase_add_test(tc, symmetric_bounded);
	tcase_add_test(tc, sort_matches_qsort);
	tcase_add_test(tc, band_plain_same);
	tcase_add_test(tc, cost_200_1000);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return golden_main(ks_suite(), argc, argv);
}
