/*
 * Missing values and categorical features against scipy
 * (tests/golden/make-golden-tabular.py): the 2 x k homogeneity test
 * (homog.txt), categorical drift from raw values with top-K pooling
 * (cat.txt), the missingness test (missing.txt), all to 1e-9 relative;
 * and PSI/KS on present values against the seed's vectors (psi.txt,
 * ks.txt) with NaNs spliced in.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/drift-cat.h"
#include "core/drift-chisq.h"
#include "core/drift-ks.h"
#include "core/drift-missing.h"
#include "core/drift-psi.h"
#include "core/rng.h"
#include "core/xalloc.h"
#include "golden.h"

#define TOL	1e-9

static double worst;	/* largest relative error seen by check_close */

/* Relative error check; p-values below DBL_MIN must both be tiny. */
static void
check_close(const char *what, long id, double got, double want)
{
	if (want < DBL_MIN && want >= 0.0 && fabs(got) < DBL_MIN)
		return;
	if (golden_relerr(got, want) > worst)
		worst = golden_relerr(got, want);
	ck_assert_msg(golden_relerr(got, want) <= TOL,
	    "%s %ld: got %.17g want %.17g (rel err %.3g)", what, id, got,
	    want, golden_relerr(got, want));
}

static uint64_t *
to_u64(const long *v, size_t n)
{
	uint64_t *u = xreallocarray(NULL, n ? n : 1, sizeof *u);
	size_t i;

	for (i = 0; i < n; i++)
		u[i] = (uint64_t)v[i];
	return u;
}

START_TEST(golden_homog)
{
	struct golden g;
	const char *tag;
	int cases = 0;

	worst = 0.0;
	golden_open(&g, "homog.txt");
	while ((tag = golden_next(&g)) != NULL) {
		struct chisq_result r;
		long id, k, dof, *a, *b;
		double want_s, want_p;
		size_t na, nb;
		uint64_t *ua, *ub;

		ck_assert_str_eq(tag, "homog");
		id = golden_long(&g);
		k = golden_long(&g);
		want_s = golden_double(&g);
		want_p = golden_double(&g);
		dof = golden_long(&g);
		a = golden_longs(&g, "a", &na);
		b = golden_longs(&g, "b", &nb);
		ck_assert_uint_eq(na, (size_t)k);
		ck_assert_uint_eq(nb, (size_t)k);
		ua = to_u64(a, na);
		ub = to_u64(b, nb);
		drift_chisq_homogeneity(ua, ub, (int)k, &r);
		ck_assert_int_eq(r.dof, (int)dof);
		check_close("homog statistic", id, r.statistic, want_s);
		check_close("homog p", id, r.p_value, want_p);
		cases++;
		free(a);
		free(b);
		free(ua);
		free(ub);
	}
	golden_close(&g);
	printf("homog: %d golden cases, worst rel err %.3g\n", cases, worst);
	ck_assert_int_ge(cases, 50);
}
END_TEST

/* Category numbers to names "cN" (NULL for -1), as the script names them. */
static char **
cat_names(const long *v, size_t n)
{
	char **s = xreallocarray(NULL, n ? n : 1, sizeof *s);
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = v[i] < 0 ? NULL : xasprintf("c%ld", v[i]);
	return s;
}

static void
cat_names_free(char **s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

struct cat_want {
	long		 id, top, n_top, pooled, n_used, n_new, dof;
	double		 stat, p, psi, tvd, new_share;
};

static void
cat_check(const struct cat_want *w, char **ref_v, size_t nr, char **cur_v,
    size_t nc)
{
	struct cat_reference ref;
	struct cat_drift d;
	uint64_t *counts;

	cat_reference_init(&ref, (const char *const *)ref_v, nr, 1,
	    (int)w->top);
	ck_assert_int_eq(ref.n_top, (int)w->n_top);
	ck_assert_int_eq(ref.pooled, w->pooled != 0);
	counts = xcalloc((size_t)cat_reference_bins(&ref), sizeof *counts);
	cat_reference_count(&ref, (const char *const *)cur_v, nc, 1, counts);
	drift_cat(&ref, counts, &d);
	ck_assert(!d.no_values);
	ck_assert_uint_eq(d.n_used, (uint64_t)w->n_used);
	ck_assert_uint_eq(d.n_new, (uint64_t)w->n_new);
	ck_assert_int_eq(d.dof, (int)w->dof);
	check_close("cat statistic", w->id, d.statistic, w->stat);
	check_close("cat p", w->id, d.p_value, w->p);
	check_close("cat psi", w->id, d.psi, w->psi);
	check_close("cat tvd", w->id, d.tvd, w->tvd);
	check_close("cat new share", w->id, d.new_share, w->new_share);
	free(counts);
	cat_reference_finish(&ref);
}

START_TEST(golden_cat)
{
	struct golden g;
	const char *tag;
	int cases = 0;

	worst = 0.0;
	golden_open(&g, "cat.txt");
	while ((tag = golden_next(&g)) != NULL) {
		struct cat_want w;
		long *r, *c;
		size_t nr, nc;
		char **rv, **cv;

		ck_assert_str_eq(tag, "cat");
		w.id = golden_long(&g);
		w.top = golden_long(&g);
		w.n_top = golden_long(&g);
		w.pooled = golden_long(&g);
		w.n_used = golden_long(&g);
		w.n_new = golden_long(&g);
		w.stat = golden_double(&g);
		w.p = golden_double(&g);
		w.dof = golden_long(&g);
		w.psi = golden_double(&g);
		w.tvd = golden_double(&g);
		w.new_share = golden_double(&g);
		r = golden_longs(&g, "r", &nr);
		c = golden_longs(&g, "c", &nc);
		rv = cat_names(r, nr);
		cv = cat_names(c, nc);
		cat_check(&w, rv, nr, cv, nc);
		cat_names_free(rv, nr);
		cat_names_free(cv, nc);
		free(r);
		free(c);
		cases++;
	}
	golden_close(&g);
	printf("cat: %d golden cases, worst rel err %.3g\n", cases, worst);
	ck_assert_int_ge(cases, 30);
}
END_TEST

START_TEST(golden_missing)
{
	struct golden g;
	const char *tag;
	int cases = 0;

	worst = 0.0;
	golden_open(&g, "missing.txt");
	while ((tag = golden_next(&g)) != NULL) {
		struct missing_drift m;
		long id, rm, rt, cm, ct, dof;
		double s, p, h;

		ck_assert_str_eq(tag, "missing");
		id = golden_long(&g);
		rm = golden_long(&g);
		rt = golden_long(&g);
		cm = golden_long(&g);
		ct = golden_long(&g);
		s = golden_double(&g);
		p = golden_double(&g);
		dof = golden_long(&g);
		h = golden_double(&g);
		drift_missing((uint64_t)rm, (uint64_t)rt, (uint64_t)cm,
		    (uint64_t)ct, &m);
		ck_assert_int_eq(m.dof, (int)dof);
		check_close("missing statistic", id, m.statistic, s);
		check_close("missing p", id, m.p_value, p);
		/* h is a difference of two asin terms: absolute 1e-12. */
		ck_assert_msg(fabs(m.effect - h) <= 1e-12,
		    "missing %ld: h %.17g want %.17g", id, m.effect, h);
		check_close("missing ref share", id, m.ref_share,
		    (double)rm / (double)rt);
		cases++;
	}
	golden_close(&g);
	printf("missing: %d golden cases, worst rel err %.3g\n", cases, worst);
	ck_assert_int_ge(cases, 60);
}
END_TEST

/*
 * Splice NaNs into a golden sample at random places, in a strided
 * column: drift_present must give back the sample in its order.
 */
static double *
with_nans(struct rng *rng, const double *v, size_t n, size_t stride,
    size_t *rows)
{
	size_t extra = (size_t)rng_below(rng, (uint64_t)n + 1), i, k;
	size_t total = n + extra;
	double *col = xreallocarray(NULL, total * stride, sizeof *col);

	for (i = 0; i < total * stride; i++)
		col[i] = -7.0;	/* the other columns: must not be read */
	for (i = 0, k = 0; i < total; i++) {
		if (k < n && (total - i == n - k ||
		    rng_below(rng, 2) == 0))
			col[i * stride] = v[k++];
		else
			col[i * stride] = NAN;
	}
	*rows = total;
	return col;
}

START_TEST(present_values_psi)
{
	struct golden g;
	struct rng rng;
	const char *tag;
	int cases = 0;

	rng_seed(&rng, 15);
	golden_open(&g, "psi.txt");
	while ((tag = golden_next(&g)) != NULL && cases < 200) {
		size_t nr, nc, rows, used;
		double want, *r, *c, *col, *present;

		ck_assert_str_eq(tag, "psi");
		(void)golden_long(&g);
		(void)golden_long(&g);
		(void)golden_long(&g);
		want = golden_double(&g);
		r = golden_doubles(&g, "r", &nr);
		c = golden_doubles(&g, "c", &nc);
		col = with_nans(&rng, c, nc, 3, &rows);
		present = xreallocarray(NULL, rows, sizeof *present);
		used = drift_present(col, rows, 3, present);
		ck_assert_uint_eq(used, nc);
		ck_assert(memcmp(present, c, nc * sizeof *c) == 0);
		ck_assert(golden_relerr(drift_psi(r, nr, present, used),
		    want) <= TOL);
		free(r);
		free(c);
		free(col);
		free(present);
		cases++;
	}
	golden_close(&g);
	ck_assert_int_eq(cases, 200);
}
END_TEST

START_TEST(present_values_ks)
{
	struct golden g;
	struct rng rng;
	const char *tag;
	int cases = 0;

	rng_seed(&rng, 16);
	golden_open(&g, "ks.txt");
	while ((tag = golden_next(&g)) != NULL && cases < 200) {
		struct ks_result k;
		size_t na, nb, rows, used;
		double ws, wp, *a, *b, *col, *present;

		ck_assert_str_eq(tag, "ks");
		(void)golden_long(&g);
		(void)golden_long(&g);
		(void)golden_long(&g);
		ws = golden_double(&g);
		wp = golden_double(&g);
		a = golden_doubles(&g, "a", &na);
		b = golden_doubles(&g, "b", &nb);
		col = with_nans(&rng, b, nb, 1, &rows);
		present = xreallocarray(NULL, rows, sizeof *present);
		used = drift_present(col, rows, 1, present);
		ck_assert_uint_eq(used, nb);
		drift_ks(a, na, present, used, &k);
		ck_assert(golden_relerr(k.statistic, ws) <= TOL);
		ck_assert(golden_relerr(k.p_value, wp) <= TOL ||
		    (wp < DBL_MIN && k.p_value < DBL_MIN));
		free(a);
		free(b);
		free(col);
		free(present);
		cases++;
	}
	golden_close(&g);
	ck_assert_int_eq(cases, 200);
}
END_TEST

/* A column with no present value gives none (the "no values" state). */
START_TEST(present_values_none)
{
	double col[4] = { NAN, NAN, NAN, NAN }, out[4];

	ck_assert_uint_eq(drift_present(col, 4, 1, out), 0);
	ck_assert_uint_eq(drift_present(col, 0, 1, out), 0);
}
END_TEST

/* Batch or reference without a present value: "no values", all NaN. */
START_TEST(cat_no_values)
{
	static const char *ref_v[] = { "a", "b", "a", NULL };
	static const char *none[] = { NULL, NULL };
	struct cat_reference ref, empty;
	struct cat_drift d;
	uint64_t counts[8] = { 0 };

	cat_reference_init(&ref, ref_v, 4, 1, CAT_TOP_DEFAULT);
	ck_assert_uint_eq(ref.n_values, 3);
	ck_assert_int_eq(cat_reference_bins(&ref), 4);
	cat_reference_count(&ref, none, 2, 1, counts);
	drift_cat(&ref, counts, &d);
	ck_assert(d.no_values);
	ck_assert_uint_eq(d.n_used, 0);
	ck_assert(isnan(d.p_value) && isnan(d.psi) && isnan(d.tvd));
	ck_assert(isnan(d.new_share));

	cat_reference_init(&empty, none, 2, 1, CAT_TOP_DEFAULT);
	ck_assert_int_eq(empty.n_top, 0);
	ck_assert_int_eq(cat_reference_bins(&empty), 2);
	memset(counts, 0, sizeof counts);
	cat_reference_count(&empty, ref_v, 4, 1, counts);
	ck_assert_uint_eq(counts[1], 3);	/* all "new" */
	drift_cat(&empty, counts, &d);
	ck_assert(d.no_values);
	ck_assert_uint_eq(d.n_new, 3);
	cat_reference_finish(&ref);
	cat_reference_finish(&empty);
}
END_TEST

/*
 * Bins by table: kept, pooled into "other", new; a strided reference;
 * names that differ only in their last byte or share a hash bucket.
 */
START_TEST(cat_bins)
{
	static const struct {
		const char	*value;
		int		 bin;
	} want[] = {
		{ "x", 0 }, { "y", 1 }, { "z", 2 }, { "w", 3 }, { "v", 3 },
		{ "u", 4 }, { "", 4 }, { "xx", 4 }, { "X", 4 },
	};
	/* Column 0 of 2: counts x 4, y 3, z 2, w 1, v 1 ("v" < "w"). */
	static const char *rows[] = {
		"x", "-", "y", "-", "x", "-", "z", "-", "y", "-", "x", "-",
		"w", "-", "z", "-", "y", "-", "x", "-", "v", "-", NULL, "-",
	};
	struct cat_reference ref;
	uint64_t counts[5];
	size_t i;

	cat_reference_init(&ref, rows, 12, 2, 3);
	ck_assert_uint_eq(ref.n_values, 11);
	ck_assert_uint_eq(ref.n_distinct, 5);
	ck_assert(ref.pooled);
	ck_assert_str_eq(ref.names[3], "v");
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert_msg(cat_reference_bin(&ref, want[i].value) ==
		    want[i].bin, "bin of \"%s\"", want[i].value);
	cat_reference_counts(&ref, counts);
	ck_assert_uint_eq(counts[0], 4);
	ck_assert_uint_eq(counts[3], 2);
	ck_assert_uint_eq(counts[4], 0);
	cat_reference_finish(&ref);
}
END_TEST

/* Many distinct names (the hash grows) and a 256-byte value. */
START_TEST(cat_many)
{
	enum { N = 20000 };
	char **v = xreallocarray(NULL, N, sizeof *v), big[CAT_VALUE_MAX + 1];
	struct cat_reference ref;
	size_t i;

	for (i = 0; i < N; i++)
		v[i] = xasprintf("k%zu", i % 5000);
	memset(big, 'q', CAT_VALUE_MAX);
	big[CAT_VALUE_MAX] = '\0';
	cat_reference_init(&ref, (const char *const *)v, N, 1, 50);
	ck_assert_uint_eq(ref.n_distinct, 5000);
	ck_assert_int_eq(ref.n_top, 50);
	for (i = 0; i < 5000; i++) {
		char name[16];
		int b;

		snprintf(name, sizeof name, "k%zu", i);
		b = cat_reference_bin(&ref, name);
		ck_assert_int_le(b, 50);
	}
	ck_assert_int_eq(cat_reference_bin(&ref, big), 51);
	ck_assert_int_eq(cat_reference_bin(&ref, "k5000"), 51);
	cat_reference_finish(&ref);
	for (i = 0; i < N; i++)
		free(v[i]);
	free(v);
}
END_TEST

/* The verdict needs both p and effect; empty sides are no evidence. */
START_TEST(missing_verdict)
{
	static const struct {
		uint64_t	rm, rt, cm, ct;
		bool		verdict;
	} cases[] = {
		{ 0, 1000, 40, 200, true },	/* 0% -> 20% */
		{ 200, 1000, 40, 200, false },	/* 20% -> 20% */
		{ 200, 10000, 2300, 100000, false }, /* 2.0% -> 2.3%: h 0.02 */
		{ 0, 1000, 0, 0, false },	/* empty batch */
		{ 0, 0, 5, 10, false },		/* empty reference */
		{ 1000, 1000, 0, 200, true },	/* all missing -> none */
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct missing_drift m;

		drift_missing(cases[i].rm, cases[i].rt, cases[i].cm,
		    cases[i].ct, &m);
		ck_assert_msg(drift_missing_verdict(&m, MISSING_ALPHA,
		    MISSING_MIN_EFFECT) == cases[i].verdict, "case %zu: p %g "
		    "h %g", i, m.p_value, m.effect);
	}
}
END_TEST

static Suite *
tabular_suite(void)
{
	Suite *s = suite_create("drift-tabular");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, golden_homog);
	tcase_add_test(tc, golden_cat);
	tcase_add_test(tc, golden_missing);
	tcase_add_test(tc, present_values_psi);
	tcase_add_test(tc, present_values_ks);
	tcase_add_test(tc, present_values_none);
	tcase_add_test(tc, cat_no_values);
	tcase_add_test(tc, cat_bins);
	tcase_add_test(tc, cat_many);
	tcase_add_test(tc, missing_verdict);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return golden_main(tabular_suite(), argc, argv);
}
