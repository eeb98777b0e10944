/*
 * drift-psi against the numpy reference of the seed's PSI
 * (tests/golden/psi.txt) plus properties.
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/drift-ks.h"
#include "core/drift-psi.h"
#include "core/rng.h"
#include "core/xalloc.h"
#include "golden.h"

#define TOL_PSI	1e-9	/* relative */

static void
minmax(const double *v, size_t n, double *lo, double *hi)
{
	size_t i;

	*lo = *hi = v[0];
	for (i = 1; i < n; i++) {
		if (v[i] < *lo)
			*lo = v[i];
		if (v[i] > *hi)
			*hi = v[i];
	}
}

START_TEST(golden_psi)
{
	struct golden g;
	const char *tag;
	int cases = 0;
	double worst = 0;

	golden_open(&g, "psi.txt");
	while ((tag = golden_next(&g)) != NULL) {
		size_t nr, nc, n1, n2;
		double want, got, got2, lo, hi, e, *r, *c;
		long id;

		ck_assert_str_eq(tag, "psi");
		id = golden_long(&g);
		nr = (size_t)golden_long(&g);
		nc = (size_t)golden_long(&g);
		want = golden_double(&g);
		r = golden_doubles(&g, "r", &n1);
		c = golden_doubles(&g, "c", &n2);
		ck_assert_uint_eq(n1, nr);
		ck_assert_uint_eq(n2, nc);
		got = drift_psi(r, nr, c, nc);
		minmax(r, nr, &lo, &hi);
		got2 = drift_psi_range(r, nr, lo, hi, c, nc);
		ck_assert(got == got2);
		/* The binary-search path on sorted copies: bit for bit. */
		drift_ks_sort(r, nr);
		drift_ks_sort(c, nc);
		got2 = drift_psi_sorted(r, nr, c, nc);
		ck_assert_msg(memcmp(&got, &got2, sizeof got) == 0,
		    "psi %ld: sorted %.17g, unsorted %.17g", id, got2, got);
		/* PSI of exact 0 is compared absolutely. */
		e = want == 0.0 ? fabs(got) : golden_relerr(got, want);
		if (e > worst)
			worst = e;
		ck_assert_msg(e <= TOL_PSI, "psi %ld: %.17g want %.17g", id,
		    got, want);
		ck_assert(got >= 0.0);
		cases++;
		free(r);
		free(c);
	}
	golden_close(&g);
	printf("psi: %d golden cases; worst rel err %.3g\n", cases, worst);
	ck_assert_int_ge(cases, 200);
}
END_TEST

/* PSI >= 0 always, 0 for identical samples and for equal histograms. */
START_TEST(properties)
{
	struct rng rg;
	int t;

	rng_seed(&rg, 3);
	for (t = 0; t < 300; t++) {
		size_t nr = 1 + rng_below(&rg, 500), nc = 1 + rng_below(&rg, 500);
		double *r = xreallocarray(NULL, nr, sizeof *r);
		double *c = xreallocarray(NULL, nc, sizeof *c);
		double *r2 = xreallocarray(NULL, 2 * nr, sizeof *r2);
		double shift = (double)rng_below(&rg, 5) / 2, p;
		size_t i;

		for (i = 0; i < nr; i++)
			r[i] = rng_uniform(&rg);
		for (i = 0; i < nc; i++)
			c[i] = rng_uniform(&rg) * (1 + shift) + shift;
		p = drift_psi(r, nr, c, nc);
		ck_assert_msg(p >= 0.0 && isfinite(p), "psi %g", p);
		ck_assert(drift_psi(r, nr, r, nr) == 0.0);
		/* Each value twice: same proportions, same histogram. */
		for (i = 0; i < nr; i++)
			r2[2 * i] = r2[2 * i + 1] = r[i];
		ck_assert(drift_psi(r, nr, r2, 2 * nr) == 0.0);
		free(r);
		free(c);
		free(r2);
	}
}
END_TEST

/*
 * Issue 11: values near +/-1.8e308. max - min overflows; the PSI must be
 * what the same data scaled by 2^-8 (no overflow, the numpy edges) gives,
 * not 0. The batch moves half its values to the top (KS D = 0.5).
 */
START_TEST(extreme_values)
{
	static double r[100], c[100], rs[100], cs[100];
	double p, ps;
	bool outlier;
	size_t i;

	for (i = 0; i < 100; i++) {
		r[i] = ((double)i - 50.0) * 3.5e306;
		c[i] = i < 50 ? r[i] : 1.79e308;
		rs[i] = ldexp(r[i], -8);
		cs[i] = ldexp(c[i], -8);
	}
	ck_assert(!isfinite(c[99] - r[0]));
	ps = drift_psi_sorted(rs, 100, cs, 100);
	p = drift_psi_sorted(r, 100, c, 100);
	ck_assert_msg(p > 1.0 && fabs(p - ps) <= 1e-12 * ps,
	    "psi %.17g, scaled %.17g", p, ps);
	p = drift_psi(r, 100, c, 100);
	ck_assert_msg(fabs(p - ps) <= 1e-12 * ps, "psi %.17g", p);
	p = drift_psi_sorted_note(r, 100, r, 100, &outlier);
	ck_assert(p == 0.0 && !outlier);
	/* Both ends at the limits. */
	c[0] = -1.7976931348623157e308;
	c[99] = 1.7976931348623157e308;
	p = drift_psi_sorted(r, 100, c, 100);
	ck_assert_msg(p > 1.0 && isfinite(p), "psi %.17g", p);
}
END_TEST

/* One value far out puts the bulk of both samples in one bin: noted. */
START_TEST(outlier_note)
{
	static double r[100], c[100];
	bool outlier;
	size_t i;

	for (i = 0; i < 100; i++) {
		r[i] = (double)i / 100;
		c[i] = (double)i / 100 + 0.005;
	}
	drift_psi_sorted_note(r, 100, c, 100, &outlier);
	ck_assert(!outlier);
	r[99] = 1e9;
	drift_psi_sorted_note(r, 100, c, 100, &outlier);
	ck_assert(outlier);
	/* The outlier in the batch alone does it too (inputs sorted). */
	r[99] = 0.99;
	c[0] = -1e9;
	drift_psi_sorted_note(r, 100, c, 100, &outlier);
	ck_assert(outlier);
}
END_TEST

START_TEST(severity)
{
	static const struct {
		double			psi;
		enum drift_severity	want;
	} rows[] = {
		{ 0.0, DRIFT_NONE }, { 0.0999, DRIFT_NONE },
		{ 0.10, DRIFT_WARNING }, { 0.15, DRIFT_WARNING },
		{ 0.20, DRIFT_WARNING }, { 0.2001, DRIFT_CRITICAL },
		{ 3.0, DRIFT_CRITICAL },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		ck_assert_int_eq(drift_psi_severity(rows[i].psi, 0.10, 0.20),
		    rows[i].want);
	ck_assert_str_eq(drift_severity_name(DRIFT_NONE), "none");
	ck_assert_str_eq(drift_severity_name(DRIFT_WARNING), "warning");
	ck_assert_str_eq(drift_severity_name(DRIFT_CRITICAL), "critical");
}
END_TEST

/* drift_psi_counts as first written: each share formed where it is used. */
static double
plain_counts(const uint64_t *ref, const uint64_t *cur, int bins)
{
	double tr = 0.0, tc = 0.0, nr = 0.0, nc = 0.0, psi = 0.0, pr, pc;
	int b;

	for (b = 0; b < bins; b++) {
		tr += (double)ref[b];
		tc += (double)cur[b];
	}
	for (b = 0; b < bins; b++) {
		nr += (double)ref[b] / tr + PSI_EPSILON;
		nc += (double)cur[b] / tc + PSI_EPSILON;
	}
	for (b = 0; b < bins; b++) {
		pr = ((double)ref[b] / tr + PSI_EPSILON) / nr;
		pc = ((double)cur[b] / tc + PSI_EPSILON) / nc;
		psi += (pc - pr) * log(pc / pr);
	}
	return psi > 0.0 ? psi : 0.0;
}

/*
 * drift_psi_counts keeps each share's numerator from the norm's pass:
 * the same doubles as forming it again, bit for bit, over 2 to 70 bins
 * (past the 16 it keeps on the stack) and counts from 0 to 2^20.
 */
START_TEST(counts_plain)
{
	uint64_t ref[70], cur[70];
	double a, b;
	struct rng r;
	int bins, i, t;

	rng_seed(&r, 17);
	for (t = 0; t < 20000; t++) {
		bins = 2 + (int)rng_below(&r, 69);
		for (i = 0; i < bins; i++) {
			ref[i] = rng_below(&r, t % 3 ? 1000 : (1 << 20));
			cur[i] = rng_below(&r, t % 2 ? 40 : 3);
		}
		ref[0] += 1;	/* both totals at least 1 */
		cur[bins - 1] += 1;
		a = drift_psi_counts(ref, cur, bins);
		b = plain_counts(ref, cur, bins);
		ck_assert_msg(memcmp(&a, &b, sizeof a) == 0,
		    "case %d, %d bins: %.17g vs %.17g", t, bins, a, b);
	}
}
END_TEST

/*
 * drift_psi_cuts: below[b] is how many values lie below edge b of
 * linspace(lo, hi, 11), found by searches between cuts found before; the
 * same as counting every value, on 20,000 sorted samples of 1 to 3,000
 * values (continuous, on a coarse grid so runs of ties straddle edges,
 * or all equal) over their own range or a wider or narrower one.
 */
START_TEST(cuts_count)
{
	enum { N = 3000 };
	double *v = xreallocarray(NULL, N, sizeof *v), lo, hi, step, e;
	size_t below[PSI_BINS + 1], n, i, want;
	struct rng r;
	int t, b;

	rng_seed(&r, 23);
	for (t = 0; t < 20000; t++) {
		n = 1 + (size_t)rng_below(&r, t % 5 ? 300 : N);
		for (i = 0; i < n; i++) {
			v[i] = rng_uniform(&r) * 10.0 - 3.0;
			if (t % 3 == 1)
				v[i] = floor(v[i] * 2.0) / 2.0;
			if (t % 7 == 2)
				v[i] = 1.5;
		}
		drift_ks_sort(v, n);
		lo = v[0];
		hi = v[n - 1];
		if (t % 4 == 1)
			lo -= rng_uniform(&r) * 3.0;
		if (t % 4 == 2)	/* inside the values: cuts at the ends */
			lo += (hi - lo) * 0.3 * rng_uniform(&r);
		drift_psi_cuts(v, n, lo, hi, below);
		step = (hi - lo) / PSI_BINS;
		ck_assert(below[0] == 0 && below[PSI_BINS] == n);
		for (b = 1; b < PSI_BINS; b++) {
			e = step == 0.0 ? lo : (double)b * step + lo;
			for (want = 0; want < n && v[want] < e; want++)
				;
			ck_assert_msg(below[b] == want, "sample %d (%zu "
			    "values), edge %d: %zu below, not %zu", t, n, b,
			    below[b], want);
		}
	}
	free(v);
}
END_TEST

static Suite *
psi_suite(void)
{
	Suite *s = suite_create("drift-psi");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, golden_psi);
	tcase_add_test(tc, properties);
	tcase_add_test(tc, extreme_values);
	tcase_add_test(tc, outlier_note);
	tcase_add_test(tc, severity);
	tcase_add_test(tc, counts_plain);
	tcase_add_test(tc, cuts_count);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return golden_main(psi_suite(), argc, argv);
}
