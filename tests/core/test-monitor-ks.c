/*
 * The feature monitor's KS pieces (src/core/monitor-ks.c): a batch column
 * sorted through the reference column's cells must come out exactly as
 * drift_ks_sort leaves it (ties and signed zeros in the same order), with
 * each value's place #(reference <= x) right, and the statistic walked
 * from those places must be the one walked by searching the reference,
 * and the definition's, for references and batches of every shape:
 * normal, with ties, constant, two values, values far apart, values
 * outside the reference's range, -0 and +0.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/drift-ks.h"
#include "core/monitor-ks.h"
#include "core/rng.h"
#include "core/xalloc.h"

enum shape {
	SHAPE_NORMAL,		/* distinct values */
	SHAPE_TIES,		/* a few small integers, -0 and +0 */
	SHAPE_CONSTANT,
	SHAPE_TWO,		/* two values far apart */
	SHAPE_WIDE,		/* magnitudes 1e-300 .. 1e300, both signs */
	SHAPE_N
};

/* A standard normal variate (Box-Muller). */
static double
normal(struct rng *r)
{
	double u = 1.0 - rng_uniform(r), v = rng_uniform(r);

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

static double
draw(struct rng *r, enum shape s, double shift)
{
	double x;

	switch (s) {
	case SHAPE_NORMAL:
		return normal(r) + shift;
	case SHAPE_TIES:
		x = (double)rng_below(r, 7) - 3 + shift;
		return x == 0.0 && rng_below(r, 2) ? -0.0 : x;
	case SHAPE_CONSTANT:
		return 1.5;
	case SHAPE_TWO:
		return rng_below(r, 2) ? -1e6 : 1e6;
	default:
		x = pow(10.0, (double)rng_below(r, 601) - 300.0);
		return rng_below(r, 2) ? -x : x;
	}
}

/* A reference column of n values of shape s, sorted. */
static double *
reference(struct rng *r, enum shape s, size_t n)
{
	double *a = xmalloc(n * sizeof *a);
	size_t i;

	for (i = 0; i < n; i++)
		a[i] = draw(r, s, 0.0);
	drift_ks_sort(a, n);
	return a;
}

/*
 * A batch of n values: of shape s, some copied from the reference (ties
 * with it), some below or above all of it.
 */
static void
batch(struct rng *r, enum shape s, const double *a, size_t na, double *b,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (rng_below(r, 8)) {
		case 0:
			b[i] = a[rng_below(r, na)];
			break;
		case 1:
			b[i] = a[0] - 1.0 - (double)rng_below(r, 3);
			break;
		case 2:
			b[i] = a[na - 1] + (double)rng_below(r, 3);
			break;
		default:
			b[i] = draw(r, s, 0.25);
			break;
		}
	}
}

/* #(a <= x), counted. */
static size_t
count_le(const double *a, size_t n, double x)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += a[i] <= x;
	return k;
}

/* The statistic by its definition, at every pooled value. */
static int64_t
scaled_by_definition(const double *a, size_t na, const double *b, size_t nb)
{
	int64_t best = 0, d;
	size_t i;

	for (i = 0; i < na + nb; i++) {
		double x = i < na ? a[i] : b[i - na];

		d = (int64_t)count_le(a, na, x) * (int64_t)nb -
		    (int64_t)count_le(b, nb, x) * (int64_t)na;
		if (d < 0)
			d = -d;
		if (d > best)
			best = d;
	}
	return best;
}

/* One reference shape and size against batches of every shape and size. */
static void
check_reference(struct rng *r, enum shape rs, size_t na)
{
	static const size_t sizes[] = { 2, 3, 9, 200, 1000, 4000 };
	struct monitor_ks_sort sort = { 0 };
	struct monitor_ks_gaps *gaps;
	double *a = reference(r, rs, na), *b, *want;
	size_t s, i, n;
	int bs;

	gaps = monitor_ks_gaps_create(a, na, &na, 1);
	for (bs = 0; bs < SHAPE_N; bs++) {
		for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
			n = sizes[s];
			b = xmalloc(n * sizeof *b);
			want = xmalloc(n * sizeof *want);
			batch(r, (enum shape)bs, a, na, b, n);
			memcpy(want, b, n * sizeof *b);
			drift_ks_sort(want, n);
			ck_assert(monitor_ks_sort(&sort, gaps, 0, a, na, b, n));
			ck_assert_msg(memcmp(b, want, n * sizeof *b) == 0,
			    "reference %d of %zu, batch %d of %zu: not"
			    " drift_ks_sort's order", (int)rs, na, bs, n);
			for (i = 0; i < n; i++)
				ck_assert_msg(sort.up[i] == count_le(a, na,
				    b[i]), "reference %d of %zu, batch %d of"
				    " %zu: value %zu (%g) placed at %zu, not"
				    " %zu", (int)rs, na, bs, n, i, b[i],
				    sort.up[i], count_le(a, na, b[i]));
			ck_assert_int_eq(monitor_ks_scaled(a, na, b, n,
			    sort.up), monitor_ks_scaled(a, na, b, n, NULL));
			if (n * na <= 200 * 1000)
				ck_assert_int_eq(monitor_ks_scaled(a, na, b, n,
				    sort.up), scaled_by_definition(a, na, b,
				    n));
			free(b);
			free(want);
		}
	}
	monitor_ks_sort_finish(&sort);
	monitor_ks_gaps_destroy(gaps);
	free(a);
}

START_TEST(sort_and_places)
{
	static const size_t nrefs[] = { 1, 2, 10, 1000, 3001 };
	struct rng r;
	size_t i;
	int rs;

	rng_seed(&r, 12);
	for (rs = 0; rs < SHAPE_N; rs++)
		for (i = 0; i < sizeof nrefs / sizeof nrefs[0]; i++)
			check_reference(&r, (enum shape)rs, nrefs[i]);
}
END_TEST

/* Fewer than two values, or a reference column without values. */
START_TEST(sort_plain_cases)
{
	struct monitor_ks_sort sort = { 0 };
	struct monitor_ks_gaps *gaps;
	double a[3] = { 1, 2, 3 }, b[2] = { 2.5, -1 };
	size_t n[2] = { 3, 0 };

	gaps = monitor_ks_gaps_create(a, 3, n, 2);
	ck_assert(!monitor_ks_sort(&sort, gaps, 0, a, 3, b, 1));
	ck_assert(!monitor_ks_sort(&sort, gaps, 1, a, 0, b, 2));
	ck_assert(b[0] == -1 && b[1] == 2.5);
	monitor_ks_sort_finish(&sort);
	monitor_ks_gaps_destroy(gaps);
	monitor_ks_gaps_destroy(NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("monitor-ks");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, sort_and_places);
	tcase_add_test(tc, sort_plain_cases);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
