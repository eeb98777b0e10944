/*
 * drift-chisq against scipy.stats.chisquare / chi2.sf
 * (tests/golden/chisq.txt): statistic to 1e-9 relative, p-value to 1e-9
 * relative wherever scipy's p is a normal double (>= DBL_MIN, so down to
 * ~2e-308); below that both must be below DBL_MIN.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/drift-chisq.h"
#include "core/xalloc.h"
#include "golden.h"

#define TOL_STAT	1e-9
#define TOL_P		1e-9

START_TEST(golden_chisq)
{
	struct golden g;
	const char *tag;
	int cases = 0, tiny = 0, under = 0;
	double w_stat = 0, w_p = 0, w_p_at = 1, w_tiny = 0, smallest = 1;

	golden_open(&g, "chisq.txt");
	while ((tag = golden_next(&g)) != NULL) {
		struct chisq_result r;
		size_t no, ne, i;
		long id, k, *o;
		double want_s, want_p, *e, err;
		uint64_t *obs;

		ck_assert_str_eq(tag, "chisq");
		id = golden_long(&g);
		k = golden_long(&g);
		want_s = golden_double(&g);
		want_p = golden_double(&g);
		o = golden_longs(&g, "o", &no);
		e = golden_doubles(&g, "e", &ne);
		ck_assert_uint_eq(no, (size_t)k);
		ck_assert_uint_eq(ne, (size_t)k);
		obs = xreallocarray(NULL, no, sizeof *obs);
		for (i = 0; i < no; i++)
			obs[i] = (uint64_t)o[i];
		drift_chisq(obs, e, (int)k, &r);
		ck_assert_int_eq(r.dof, (int)k - 1);
		err = golden_relerr(r.statistic, want_s);
		if (err > w_stat)
			w_stat = err;
		ck_assert_msg(err <= TOL_STAT, "chisq %ld: stat %.17g want "
		    "%.17g", id, r.statistic, want_s);
		if (want_p >= DBL_MIN) {
			err = golden_relerr(r.p_value, want_p);
			if (err > w_p) {
				w_p = err;
				w_p_at = want_p;
			}
			if (want_p < 1e-100) {
				tiny++;
				if (err > w_tiny)
					w_tiny = err;
				if (want_p < smallest)
					smallest = want_p;
			}
			ck_assert_msg(err <= TOL_P, "chisq %ld: p %.17g want "
			    "%.17g (rel err %.3g)", id, r.p_value, want_p, err);
		} else {
			under++;
			ck_assert_msg(r.p_value < DBL_MIN && r.p_value >= 0,
			    "chisq %ld: p %.17g, scipy %.17g", id, r.p_value,
			    want_p);
		}
		cases++;
		free(o);
		free(e);
		free(obs);
	}
	golden_close(&g);
	printf("chisq: %d golden cases; statistic worst rel err %.3g; "
	    "p worst rel err %.3g (at p = %.3g); %d cases with "
	    "DBL_MIN <= p < 1e-100 (smallest %.3g), worst rel err %.3g; "
	    "%d cases below DBL_MIN\n", cases, w_stat, w_p, w_p_at, tiny,
	    smallest, w_tiny, under);
	ck_assert_int_ge(cases, 200);
}
END_TEST

/* Closed forms: dof 2 is exp(-x/2); dof 1 is erfc(sqrt(x/2)). */
START_TEST(closed_forms)
{
	static const double xs[] = {
		0.001, 0.5, 1, 2, 3.84145882069412, 10, 50, 100, 300, 700,
		1000, 1200, 1400,
	};
	size_t i;

	for (i = 0; i < sizeof xs / sizeof xs[0]; i++) {
		double x = xs[i];

		ck_assert_msg(golden_relerr(chisq_sf(x, 2), exp(-x / 2)) < 1e-12,
		    "dof 2 at %g: %.17g vs %.17g", x, chisq_sf(x, 2),
		    exp(-x / 2));
		ck_assert_msg(golden_relerr(chisq_sf(x, 1),
		    erfc(sqrt(x / 2))) < 1e-11, "dof 1 at %g: %.17g vs %.17g",
		    x, chisq_sf(x, 1), erfc(sqrt(x / 2)));
	}
	ck_assert(chisq_sf(0.0, 3) == 1.0);
	ck_assert(chisq_sf(1e6, 3) == 0.0);
	ck_assert(isnan(chisq_sf(1.0, 0)));
}
END_TEST

/* The same double, or both NaN. */
static int
same_bits(double a, double b)
{
	return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/*
 * chisq_sf_lgamma with lgamma(dof / 2) given is chisq_sf to the bit: over
 * 200,000 (x, dof) pairs, dof from 0.01 to 5,000 (the PSI nulls' fitted
 * k are anywhere in there) and x across both sides of dof (series and
 * continued fraction) out to the underflow, and at the edges (x 0,
 * negative, infinite, NaN; dof 0, NaN).
 */
START_TEST(lgamma_given_same)
{
	static const double edge[][2] = {
		{ 0.0, 3.0 }, { -1.0, 3.0 }, { INFINITY, 3.0 }, { NAN, 3.0 },
		{ 1.0, 0.0 }, { 1.0, NAN }, { 1e-300, 1e-3 }, { 1e6, 3.0 },
	};
	double x, dof, a, b;
	uint64_t st = 88172645463325252ULL;
	size_t i;

	for (i = 0; i < 200000 + sizeof edge / sizeof edge[0]; i++) {
		if (i < sizeof edge / sizeof edge[0]) {
			x = edge[i][0];
			dof = edge[i][1];
		} else {
			st ^= st << 13;		/* xorshift64: any spread */
			st ^= st >> 7;
			st ^= st << 17;
			dof = exp(-4.6 + 13.1 * (double)(st >> 11) * 0x1p-53);
			st ^= st << 13;
			st ^= st >> 7;
			st ^= st << 17;
			x = dof * exp(-6.0 + 9.0 * (double)(st >> 11) *
			    0x1p-53);
		}
		a = chisq_sf(x, dof);
		b = chisq_sf_lgamma(x, dof, lgamma(dof / 2.0));
		ck_assert_msg(same_bits(a, b), "x %.17g dof %.17g: %.17g vs"
		    " %.17g", x, dof, a, b);
	}
}
END_TEST

static Suite *
chisq_suite(void)
{
	Suite *s = suite_create("drift-chisq");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, golden_chisq);
	tcase_add_test(tc, closed_forms);
	tcase_add_test(tc, lgamma_given_same);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return golden_main(chisq_suite(), argc, argv);
}
