/*
 * policy.c and psi-null.c: Benjamini-Hochberg and the PSI null's tail
 * against numpy/scipy (tests/golden/policy.txt from
 * tests/golden/make-golden-policy.py), the resampled null against the
 * large-sample theory, its calibration on simulated stable batches, its
 * text form, and the knob's parsing and levels.
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/drift-chisq.h"
#include "core/drift-ks.h"
#include "core/drift-psi.h"
#include "core/policy.h"
#include "core/psi-null.h"
#include "core/rng.h"
#include "core/xalloc.h"
#include "golden.h"

#define TOL_BH		1e-15	/* relative: the same operations as numpy */
#define TOL_NULL	1e-9	/* relative: chi2.sf against scipy */
#define TOL_FISHER	1e-9	/* relative: lgamma sums against scipy */

/* Standard normal by Box-Muller (one of the pair). */
static double
normal(struct rng *r)
{
	double u = 1.0 - rng_uniform(r), v = rng_uniform(r);

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

static double *
normals(struct rng *r, size_t n, double shift)
{
	double *v = xreallocarray(NULL, n, sizeof *v);
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = normal(r) + shift;
	drift_ks_sort(v, n);	/* psi_null_fit takes a sorted reference */
	return v;
}

/*
 * The direct resampling psi_null_sample stands for: draws times, nref and
 * nbatch values drawn with replacement and their PSI by drift_psi.
 */
static void
direct_sample(const double *ref, size_t nref, size_t nbatch, size_t draws,
    uint64_t seed, double *out)
{
	double *pr = xreallocarray(NULL, nref, sizeof *pr);
	double *pb = xreallocarray(NULL, nbatch, sizeof *pb);
	struct rng r;
	size_t i, j;

	rng_seed(&r, seed);
	for (i = 0; i < draws; i++) {
		for (j = 0; j < nref; j++)
			pr[j] = ref[rng_below(&r, nref)];
		for (j = 0; j < nbatch; j++)
			pb[j] = ref[rng_below(&r, nref)];
		out[i] = drift_psi(pr, nref, pb, nbatch);
	}
	free(pr);
	free(pb);
}

/* A fit's text with the given moments, through the parser. */
static void
null_of(double mean, double var, double m3, struct psi_null *out)
{
	char a[CODEC_DOUBLE_MAX], b[CODEC_DOUBLE_MAX], c[CODEC_DOUBLE_MAX];
	char *s, *cause = NULL;

	codec_format_double(mean, a);
	codec_format_double(var, b);
	codec_format_double(m3, c);
	s = xasprintf("psi-null 2 nref 1000 nbatch 200 draws 1000 seed 7"
	    " mean %s var %s m3 %s tail_u 0x0p+0 tail_scale 0x0p+0", a, b,
	    c);
	ck_assert_msg(psi_null_parse(s, out, &cause), "%s", cause);
	free(s);
}

START_TEST(golden_bh)
{
	struct golden g;
	const char *tag;
	double worst = 0, *p, *adj, *got, e;
	size_t m, n1, n2, i;
	int cases = 0;

	golden_open(&g, "policy.txt");
	while ((tag = golden_next(&g)) != NULL) {
		if (strcmp(tag, "bh") != 0)
			continue;
		m = (size_t)golden_long(&g);
		p = golden_doubles(&g, "p", &n1);
		adj = golden_doubles(&g, "adj", &n2);
		ck_assert_uint_eq(n1, m);
		ck_assert_uint_eq(n2, m);
		got = xreallocarray(NULL, m, sizeof *got);
		policy_bh_adjust(p, m, got);
		for (i = 0; i < m; i++) {
			e = adj[i] == 0.0 ? fabs(got[i]) :
			    golden_relerr(got[i], adj[i]);
			if (e > worst)
				worst = e;
			ck_assert_msg(e <= TOL_BH, "bh case %d test %zu: %.17g"
			    " want %.17g", cases, i, got[i], adj[i]);
		}
		free(p);
		free(adj);
		free(got);
		cases++;
	}
	golden_close(&g);
	ck_assert_int_ge(cases, 27);
	printf("bh: %d cases, worst relative error %.3g\n", cases, worst);
}
END_TEST

START_TEST(golden_null_tail)
{
	struct golden g;
	struct psi_null n;
	const char *tag;
	double mean, var, m3, psi, want, got, e, worst = 0;
	int cases = 0;

	golden_open(&g, "policy.txt");
	while ((tag = golden_next(&g)) != NULL) {
		if (strcmp(tag, "bh") == 0) {
			(void)golden_next(&g);	/* bh: skip p and adj */
			(void)golden_next(&g);
			continue;
		}
		if (strcmp(tag, "null") != 0)
			continue;
		mean = golden_double(&g);
		var = golden_double(&g);
		m3 = golden_double(&g);
		psi = golden_double(&g);
		want = golden_double(&g);
		null_of(mean, var, m3, &n);
		got = psi_null_p_value(&n, psi);
		e = golden_relerr(got, want);
		if (e > worst)
			worst = e;
		ck_assert_msg(e <= TOL_NULL, "null %d: p %.17g want %.17g",
		    cases, got, want);
		cases++;
	}
	golden_close(&g);
	ck_assert_int_eq(cases, 300);
	printf("psi null tail: %d cases, worst relative error %.3g\n", cases,
	    worst);
}
END_TEST

/* The step-up rule by its definition, against policy_bh_count. */
START_TEST(bh_step_up)
{
	static const double p[] = { 0.04, 0.001, 0.03, 0.2, 0.011, 0.012 };
	static const struct {
		double	q;
		size_t	want;
	} rows[] = {
		{ 0.001, 0 }, { 0.006, 1 }, { 0.023, 1 }, { 0.036, 3 },
		{ 0.05, 5 }, { 0.24, 6 }, { 1.0, 6 },
	};
	double adj[6];
	size_t i;

	policy_bh_adjust(p, 6, adj);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		ck_assert_msg(policy_bh_count(adj, 6, rows[i].q) ==
		    rows[i].want, "q %g: %zu want %zu", rows[i].q,
		    policy_bh_count(adj, 6, rows[i].q), rows[i].want);
}
END_TEST

/*
 * Resampled mean near (PSI_BINS - 1)(1/m + 1/n), above it at small sizes;
 * the fitted degrees of freedom at most PSI_BINS - 1 (a heavier tail).
 */
START_TEST(null_theory)
{
	static const struct {
		size_t	nref, m;
		double	most;	/* mean / theory at most */
	} rows[] = {
		{ 2000, 200, 1.35 }, { 5000, 2000, 1.15 }, { 1000, 50, 1.6 },
		{ 30000, 200, 1.35 },
	};
	struct psi_null n;
	struct rng r;
	double *ref, theory;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		rng_seed(&r, 11 + i);
		ref = normals(&r, rows[i].nref, 0.0);
		psi_null_fit(ref, rows[i].nref, rows[i].m, PSI_NULL_DRAWS,
		    42, &n);
		theory = (PSI_BINS - 1) * (1.0 / (double)rows[i].m +
		    1.0 / (double)rows[i].nref);
		printf("null n=%zu m=%zu: mean %.5f (theory %.5f) dof %.2f"
		    " scale %.3g\n", rows[i].nref, rows[i].m, n.mean, theory,
		    n.dof, n.scale);
		fflush(stdout);
		/* Above theory at finite sizes (sparse outer bins), nearer
		 * it as the sizes grow. */
		ck_assert_msg(n.mean / theory > 0.95 &&
		    n.mean / theory < rows[i].most,
		    "n=%zu m=%zu: mean %g theory %g", rows[i].nref, rows[i].m,
		    n.mean, theory);
		ck_assert_msg(n.dof > 2.5 && n.dof < 13.0, "dof %g", n.dof);
		free(ref);
	}
}
END_TEST

/*
 * Stable batches (same distribution as the reference) against four
 * references: the share with p <= alpha is alpha, within binomial
 * noise. A null fitted at the wrong batch size (the seed's fixed
 * thresholds in effect) fails this.
 */
START_TEST(null_calibration)
{
	static const size_t sizes[] = { 50, 200 };
	static const double alphas[] = { 0.05, 0.01, 0.001 };
	enum { REFS = 4, BATCHES = 5000, NREF = 2000 };
	size_t hits[3], s, k, j, a, total = REFS * BATCHES;
	struct psi_null n;
	struct rng r;
	double *ref, *cur, p, lo, hi, want;

	rng_seed(&r, 2026);
	for (s = 0; s < 2; s++) {
		memset(hits, 0, sizeof hits);
		for (k = 0; k < REFS; k++) {
			ref = normals(&r, NREF, 0.0);
			psi_null_fit(ref, NREF, sizes[s], PSI_NULL_DRAWS, k,
			    &n);
			for (j = 0; j < BATCHES; j++) {
				cur = normals(&r, sizes[s], 0.0);
				p = psi_null_p_value(&n,
				    drift_psi(ref, NREF, cur, sizes[s]));
				for (a = 0; a < 3; a++)
					hits[a] += p <= alphas[a];
				free(cur);
			}
			free(ref);
		}
		for (a = 0; a < 3; a++) {
			want = alphas[a] * (double)total;
			/* 4 binomial SDs, and 50% for the fitted tail. */
			lo = 0.5 * want - 4.0 * sqrt(want);
			hi = 1.5 * want + 4.0 * sqrt(want);
			printf("calibration m=%zu alpha %g: %zu of %zu"
			    " (expected %.0f)\n", sizes[s], alphas[a], hits[a],
			    total, want);
			ck_assert_msg((double)hits[a] >= lo &&
			    (double)hits[a] <= hi, "m=%zu alpha %g: %zu hits,"
			    " expected %.0f", sizes[s], alphas[a], hits[a],
			    want);
		}
	}
}
END_TEST

/* A real shift is far in the tail; the same seed gives the same fit. */
START_TEST(null_power_and_seed)
{
	struct psi_null a, b;
	struct rng r;
	double *ref, *cur;

	rng_seed(&r, 5);
	ref = normals(&r, 3000, 0.0);
	cur = normals(&r, 200, 0.5);
	psi_null_fit(ref, 3000, 200, 500, 9, &a);
	psi_null_fit(ref, 3000, 200, 500, 9, &b);
	ck_assert(memcmp(&a, &b, sizeof a) == 0);
	ck_assert(psi_null_p_value(&a, drift_psi(ref, 3000, cur, 200)) <
	    1e-6);
	ck_assert(psi_null_p_value(&a, 0.0) == 1.0);
	free(ref);
	free(cur);
}
END_TEST

START_TEST(null_constant_reference)
{
	static const double ref[] = { 3.0, 3.0, 3.0, 3.0 };
	struct psi_null n;

	psi_null_fit(ref, 4, 10, 20, 1, &n);
	ck_assert(n.var == 0.0 && n.scale == 0.0);
	ck_assert(psi_null_p_value(&n, n.mean) == 1.0);
	ck_assert(psi_null_p_value(&n, n.mean + 0.5) == 0.0);
}
END_TEST

/* A fit's tail fields in the bad texts below. */
#define TAIL " tail_u 0x1p-3 tail_scale 0x1p-5"

START_TEST(null_text)
{
	static const char *const bad[] = {
		"",
		"psi-null 1 nref 10 nbatch 5 draws 100 seed 1 mean 0x1p-4"
		    " var 0x1p-9 m3 0x1p-12",
		"psi-null 2 nref 10 nbatch 5 draws 100 seed 1 mean 0x1p-4"
		    " var 0x1p-9 m3 0x1p-12" TAIL " x",
		"psi-null 2 nref 10 nbatch 5 draws 1 seed 1 mean 0x1p-4"
		    " var 0x1p-9 m3 0x1p-12" TAIL,
		"psi-null 2 nref 0 nbatch 5 draws 100 seed 1 mean 0x1p-4"
		    " var 0x1p-9 m3 0x1p-12" TAIL,
		"psi-null 2 nref 10 nbatch 5 draws 100 seed 1 mean -0x1p-4"
		    " var 0x1p-9 m3 0x1p-12" TAIL,
		"psi-null 2 nref 10 nbatch 5 draws 100 seed 1 mean inf"
		    " var 0x1p-9 m3 0x1p-12" TAIL,
		"psi-null 2 nref 10 nbatch 5 draws 100 seed 1 mean 0x1p-4"
		    " var 0x1p-9 m3 0x1p-12",
		"psi-null 2 nref 10 nbatch 5 draws 100 seed 1 mean 0x1p-4"
		    " var 0x1p-9 m3 0x1p-12 tail_u 0x1p-3 tail_scale -0x1p-5",
	};
	struct psi_null a, b;
	struct rng r;
	double *ref;
	char *s, *s2, *cause;
	size_t i;

	rng_seed(&r, 3);
	ref = normals(&r, 500, 0.0);
	psi_null_fit(ref, 500, 60, 200, 77, &a);
	s = psi_null_format(&a);
	cause = NULL;
	ck_assert_msg(psi_null_parse(s, &b, &cause), "%s", cause);
	ck_assert(memcmp(&a, &b, sizeof a) == 0);
	s2 = psi_null_format(&b);
	ck_assert_str_eq(s, s2);
	free(s);
	free(s2);
	free(ref);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		ck_assert_msg(!psi_null_parse(bad[i], &b, &cause),
		    "accepted: %s", bad[i]);
		ck_assert_ptr_nonnull(strstr(cause, "PSI null"));
		free(cause);
	}
}
END_TEST

/* The performance test against scipy's hypergeometric tail. */
START_TEST(golden_fisher)
{
	struct golden g;
	const char *tag;
	long eb, nb, er, nr;
	double want, got, e, worst = 0;
	int cases = 0;

	golden_open(&g, "policy.txt");
	while ((tag = golden_next(&g)) != NULL) {
		if (strcmp(tag, "bh") == 0) {
			(void)golden_next(&g);
			(void)golden_next(&g);
			continue;
		}
		if (strcmp(tag, "fisher") != 0)
			continue;
		eb = golden_long(&g);
		nb = golden_long(&g);
		er = golden_long(&g);
		nr = golden_long(&g);
		want = golden_double(&g);
		got = policy_error_rise_p((uint64_t)eb, (uint64_t)nb,
		    (uint64_t)er, (uint64_t)nr);
		e = golden_relerr(got, want);
		if (e > worst)
			worst = e;
		ck_assert_msg(e <= TOL_FISHER, "fisher %ld/%ld vs %ld/%ld: "
		    "%.17g want %.17g", eb, nb, er, nr, got, want);
		cases++;
	}
	golden_close(&g);
	ck_assert_int_ge(cases, 68);
	printf("fisher: %d cases, worst relative error %.3g\n", cases, worst);
}
END_TEST

/*
 * psi_null_sample draws what PSI sees of each sample (extremes, their
 * multiplicities, binomial bin counts) instead of the samples: the same
 * law as resampling the values one by one. Two-sample KS between 4,000
 * draws of each, and their means within 5 standard errors; references
 * with ties, tiny ones and batches larger than the reference included.
 */
START_TEST(null_sample_law)
{
	static const struct {
		size_t	nref, m;
		double	round;	/* > 0: values rounded to this step (ties) */
	} rows[] = {
		{ 1000, 200, 0 }, { 200, 50, 0 }, { 100, 2000, 0 },
		{ 500, 200, 0.5 }, { 4, 10, 1.0 }, { 30, 30, 0 },
	};
	enum { D = 4000 };
	double *ref, *fast, *direct, mf, md, vf, vd, se;
	struct ks_result ks;
	struct rng r;
	size_t i, j;

	fast = xreallocarray(NULL, D, sizeof *fast);
	direct = xreallocarray(NULL, D, sizeof *direct);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		rng_seed(&r, 100 + i);
		ref = normals(&r, rows[i].nref, 0.0);
		for (j = 0; rows[i].round > 0 && j < rows[i].nref; j++)
			ref[j] = rows[i].round * floor(ref[j] / rows[i].round);
		psi_null_sample(ref, rows[i].nref, rows[i].m, D, 7 + i, fast);
		direct_sample(ref, rows[i].nref, rows[i].m, D, 1007 + i,
		    direct);
		drift_ks(fast, D, direct, D, &ks);
		mf = md = vf = vd = 0;
		for (j = 0; j < D; j++) {
			mf += fast[j] / D;
			md += direct[j] / D;
		}
		for (j = 0; j < D; j++) {
			vf += (fast[j] - mf) * (fast[j] - mf) / (D - 1);
			vd += (direct[j] - md) * (direct[j] - md) / (D - 1);
		}
		se = sqrt((vf + vd) / D);
		printf("null law n=%zu m=%zu: mean %.5f vs %.5f, sd %.5f vs"
		    " %.5f, KS D %.4f p %.3g\n", rows[i].nref, rows[i].m, mf,
		    md, sqrt(vf), sqrt(vd), ks.statistic, ks.p_value);
		fflush(stdout);
		ck_assert_msg(ks.p_value > 1e-3, "n=%zu m=%zu: KS p %g",
		    rows[i].nref, rows[i].m, ks.p_value);
		ck_assert_msg(fabs(mf - md) < 5.0 * se, "n=%zu m=%zu: mean %g"
		    " vs %g", rows[i].nref, rows[i].m, mf, md);
		free(ref);
	}
	free(fast);
	free(direct);
}
END_TEST

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * psi_null_fit_sample sorts its draws in place (a radix sort): the array
 * qsort gives, bit for bit, on 3,000 samples of 2 to 5,000 values: of
 * either sign, spread over every exponent or drawn from a few values
 * (ties), with zeros, infinities and subnormals; and with a -0 or a NaN
 * among them (which go to qsort).
 */
START_TEST(null_sort_qsort)
{
	static const double special[] = { 0.0, INFINITY, -INFINITY, 5e-324,
	    -5e-324, 1.0, -1.0, 0.5 };
	enum { N = 5000 };
	double *x = xreallocarray(NULL, N, sizeof *x);
	double *y = xreallocarray(NULL, N, sizeof *y);
	struct psi_null n;
	uint64_t bits;
	struct rng r;
	size_t t, i, len;

	rng_seed(&r, 77);
	for (t = 0; t < 3000; t++) {
		len = 2 + (size_t)rng_below(&r, t % 10 ? 2500 : N - 1);
		for (i = 0; i < len; i++) {
			bits = rng_next(&r);
			if (t % 4 == 1)		/* a few values: ties */
				bits = (bits % 7) << 60;
			memcpy(&x[i], &bits, sizeof bits);
			if (isnan(x[i]) || t % 4 == 2)
				x[i] = (double)(int64_t)(bits >> 40) / 3.0;
			if (rng_below(&r, 50) == 0)
				x[i] = special[rng_below(&r, 8)];
		}
		if (t % 97 == 3)
			x[rng_below(&r, len)] = -0.0;
		if (t % 89 == 5)
			x[rng_below(&r, len)] = NAN;
		memcpy(y, x, len * sizeof *x);
		qsort(y, len, sizeof *y, cmp_double);
		psi_null_fit_sample(x, len, &n);
		ck_assert_msg(memcmp(x, y, len * sizeof *x) == 0,
		    "sample %zu (%zu values) sorted otherwise", t, len);
	}
	free(x);
	free(y);
}
END_TEST

/*
 * psi_null_fit to the bit: the fits the code before the draws were made
 * cheaper computed (main at 1362a76; Debian 12's glibc libm, whose exp,
 * log and pow the draws go through), on continuous references, one with
 * ties, a batch larger than its reference and tiny ones. A faster
 * resampling must draw the same nulls: stores keep them (meta psi_nulls)
 * and a refit must agree with what a store holds.
 */
START_TEST(null_fit_pinned)
{
	static const struct {
		size_t	nref, m;
		double	round;	/* > 0: values rounded to this step (ties) */
	} rows[] = {
		{ 1000, 200, 0 }, { 500, 200, 0.5 }, { 100, 2000, 0 },
		{ 30, 30, 0 }, { 4, 10, 1.0 },
	};
	static const char *const want[] = {
	    "psi-null 2 nref 1000 nbatch 200 draws 2000 seed 40 mean "
	    "0x1.10c026a48e55p-4 var 0x1.4eacbd318a57ap-10 m3 "
	    "0x1.9dacd6762b73cp-15 tail_u 0x1.1515ab7dd7721p-3 "
	    "tail_scale 0x1.8e11c62caf08cp-6",
	    "psi-null 2 nref 500 nbatch 200 draws 2000 seed 41 mean "
	    "0x1.31c36040fbacep-4 var 0x1.892a1af61p-10 m3 "
	    "0x1.552b9862f637dp-14 tail_u 0x1.2a93357f28da1p-3 "
	    "tail_scale 0x1.271909b06b24cp-5",
	    "psi-null 2 nref 100 nbatch 2000 draws 2000 seed 42 mean "
	    "0x1.d03f759fbf698p-4 var 0x1.3e3a444c88404p-8 m3 "
	    "0x1.30ceeb3c35e43p-11 tail_u 0x1.efe49f46ee332p-3 "
	    "tail_scale 0x1.39e6846da6874p-4",
	    "psi-null 2 nref 30 nbatch 30 draws 2000 seed 43 mean "
	    "0x1.0823d88203188p+0 var 0x1.811fc6c47f8a2p-2 m3 "
	    "0x1.27541734d5058p-2 tail_u 0x1.1ff954fd58c29p+1 "
	    "tail_scale 0x1.da1537489ebd5p-2",
	    "psi-null 2 nref 4 nbatch 10 draws 2000 seed 44 mean "
	    "0x1.04b7e2a698519p+1 var 0x1.00dad12979d26p+2 m3 "
	    "0x1.771166b5390d3p+3 tail_u 0x1.70df7926108d8p+2 "
	    "tail_scale 0x1.d04300b50c98ap+0"
	};
	struct psi_null n;
	struct rng r;
	double *ref;
	char *text;
	size_t i, j;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		ref = xreallocarray(NULL, rows[i].nref, sizeof *ref);
		rng_seed(&r, 300 + i);
		for (j = 0; j < rows[i].nref; j++) {
			ref[j] = normal(&r);
			if (rows[i].round > 0)
				ref[j] = rows[i].round *
				    floor(ref[j] / rows[i].round);
		}
		drift_ks_sort(ref, rows[i].nref);
		psi_null_fit(ref, rows[i].nref, rows[i].m, PSI_NULL_DRAWS,
		    40 + i, &n);
		text = psi_null_format(&n);
		ck_assert_str_eq(text, want[i]);
		free(text);
		free(ref);
	}
}
END_TEST

/*
 * rng_binomial against the binomial pmf (lgamma): chi-squared goodness
 * of fit over 20,000 variates, cells pooled to an expected count >= 5,
 * for the inversion (n p < 30) and the chop-down (n p >= 30) paths and
 * p above one half.
 */
START_TEST(binomial_law)
{
	static const struct {
		uint64_t	n;
		double		p;
	} rows[] = {
		{ 1, 0.3 }, { 10, 0.5 }, { 200, 0.01 }, { 200, 0.3 },
		{ 1200, 0.1 }, { 20000, 0.45 }, { 50, 0.93 }, { 5000, 0.999 },
	};
	enum { D = 20000 };
	uint64_t *hist, obs[256], k;
	double exp_[256], acc, pk, stat;
	size_t i, cells, j, dof;
	struct rng r;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		uint64_t n = rows[i].n;
		double p = rows[i].p;

		hist = xcalloc(n + 1, sizeof *hist);
		rng_seed(&r, 31 + i);
		for (j = 0; j < D; j++) {
			k = rng_binomial(&r, n, p);
			ck_assert(k <= n);
			hist[k]++;
		}
		cells = 0;
		acc = 0;
		obs[0] = 0;
		for (k = 0; k <= n; k++) {
			pk = exp(lgamma((double)n + 1) - lgamma((double)k + 1) -
			    lgamma((double)(n - k) + 1) + (double)k * log(p) +
			    (double)(n - k) * log1p(-p));
			acc += pk * D;
			obs[cells] += hist[k];
			if (acc >= 5.0 && cells < 255 && k < n) {
				exp_[cells++] = acc;
				acc = 0;
				obs[cells] = 0;
			}
		}
		exp_[cells++] = acc;
		if (cells >= 2 && exp_[cells - 1] < 5.0) {	/* the tail */
			exp_[cells - 2] += exp_[cells - 1];
			obs[cells - 2] += obs[cells - 1];
			cells--;
		}
		stat = 0;
		for (j = 0; j < cells; j++)
			stat += ((double)obs[j] - exp_[j]) *
			    ((double)obs[j] - exp_[j]) / exp_[j];
		dof = cells > 1 ? cells - 1 : 1;
		printf("binomial n=%llu p=%g: chi2 %.1f on %zu dof, p %.3g\n",
		    (unsigned long long)n, p, stat, dof,
		    chisq_sf(stat, (double)dof));
		fflush(stdout);
		ck_assert_msg(cells == 1 || chisq_sf(stat, (double)dof) > 1e-4,
		    "n=%llu p=%g: chi2 %g on %zu dof", (unsigned long long)n,
		    p, stat, dof);
		free(hist);
	}
}
END_TEST

/*
 * rng_binomial_memo draws what rng_binomial draws, variate for variate:
 * 200,000 draws over (n, p) pairs that repeat (so the memo is hit) and
 * collide (more pairs than slots), on both paths and above one half.
 * rng_binomial_p0 beside them, on the same memo (its slots are the
 * inversion's), is pow(1 - p, n) to the bit, and leaves the draws alone.
 */
START_TEST(binomial_memo_same)
{
	struct rng_binomial_memo *m = xcalloc(1, sizeof *m);
	struct rng a, b, g;
	uint64_t n, x, y;
	double p, f0, p0;
	size_t i;

	rng_seed(&a, 5);
	rng_seed(&b, 5);
	rng_seed(&g, 6);
	for (i = 0; i < 200000; i++) {
		n = 1 + rng_below(&g, i % 2 ? 40 : 3000);
		p = (double)(1 + rng_below(&g, 99)) / 100.0;
		x = rng_binomial(&a, n, p);
		f0 = rng_binomial_p0(n, p, i % 3 ? m : NULL);
		p0 = pow(1.0 - p, (double)n);
		ck_assert_msg(memcmp(&f0, &p0, sizeof f0) == 0, "draw %zu: "
		    "(1 - %g)^%llu: %.17g vs %.17g", i, p,
		    (unsigned long long)n, f0, p0);
		y = rng_binomial_memo(&b, n, p, m);
		ck_assert_msg(x == y, "draw %zu: Binomial(%llu, %g): %llu vs"
		    " %llu", i, (unsigned long long)n, p,
		    (unsigned long long)x, (unsigned long long)y);
	}
	ck_assert(memcmp(&a, &b, sizeof a) == 0);	/* the same stream */
	free(m);
}
END_TEST

START_TEST(knob)
{
	/* The rate's bounds are the config key's (tests/ingest). */
	static const struct {
		double		 rate, page, warning;
	} rows[] = {
		{ 0.02, 2e-5, 2e-3 },
		{ 1, 1e-3, 0.1 },
		{ 5, 5e-3, 0.2 },
		{ 99.9, 0.0999, 0.2 },
	};
	struct policy_levels lv;
	enum policy_kind k;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		policy_levels(rows[i].rate, &lv);
		ck_assert(fabs(lv.page - rows[i].page) < 1e-18);
		ck_assert(fabs(lv.warning - rows[i].warning) < 1e-15);
	}
	ck_assert(policy_parse("seed", &k) && k == POLICY_SEED);
	ck_assert(policy_parse("calibrated", &k) && k == POLICY_CALIBRATED);
	ck_assert(!policy_parse("Seed", &k));
	ck_assert_str_eq(policy_name(POLICY_SEED), "seed");
	ck_assert_str_eq(policy_name(POLICY_CALIBRATED), "calibrated");
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 100);
	tcase_add_test(tc, golden_bh);
	tcase_add_test(tc, golden_null_tail);
	tcase_add_test(tc, bh_step_up);
	tcase_add_test(tc, null_theory);
	tcase_add_test(tc, null_calibration);
	tcase_add_test(tc, null_power_and_seed);
	tcase_add_test(tc, null_constant_reference);
	tcase_add_test(tc, null_text);
	tcase_add_test(tc, golden_fisher);
	tcase_add_test(tc, null_sample_law);
	tcase_add_test(tc, null_fit_pinned);
	tcase_add_test(tc, null_sort_qsort);
	tcase_add_test(tc, binomial_law);
	tcase_add_test(tc, binomial_memo_same);
	tcase_add_test(tc, knob);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return golden_main(policy_suite(), argc, argv);
}
