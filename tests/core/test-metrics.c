/*
 * metrics against scikit-learn and the seed's ECE (tests/golden/
 * metrics.txt) plus properties.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "core/rng.h"
#include "core/xalloc.h"
#include "golden.h"

#define TOL	1e-9	/* relative (absolute when the expected value is 0) */

static double
err_of(double got, double want)
{
	return want == 0.0 ? fabs(got) : golden_relerr(got, want);
}

static int *
to_int(const long *v, size_t n)
{
	int *o = xreallocarray(NULL, n ? n : 1, sizeof *o);
	size_t i;

	for (i = 0; i < n; i++)
		o[i] = (int)v[i];
	return o;
}

START_TEST(golden_metrics)
{
	struct golden g;
	const char *tag;
	int ncls = 0, nece = 0;
	double w_acc = 0, w_f1 = 0, w_ece = 0, w_bin = 0, w_mean = 0;

	golden_open(&g, "metrics.txt");
	while ((tag = golden_next(&g)) != NULL) {
		long id = golden_long(&g);
		size_t n = (size_t)golden_long(&g), nt, np, nm, i;

		if (strcmp(tag, "cls") == 0) {
			int k = (int)golden_long(&g), *yt, *yp;
			double want_acc = golden_double(&g);
			double want_f1 = golden_double(&g), e;
			long *t = golden_longs(&g, "t", &nt);
			long *p = golden_longs(&g, "p", &np);
			long *m = golden_longs(&g, "m", &nm);
			uint64_t *cm;

			ck_assert_uint_eq(nt, n);
			ck_assert_uint_eq(np, n);
			ck_assert_uint_eq(nm, (size_t)k * (size_t)k);
			yt = to_int(t, n);
			yp = to_int(p, n);
			e = err_of(metrics_accuracy(yt, yp, n), want_acc);
			if (e > w_acc)
				w_acc = e;
			ck_assert_msg(e <= TOL, "cls %ld: accuracy", id);
			e = err_of(metrics_f1_macro(yt, yp, n, k), want_f1);
			if (e > w_f1)
				w_f1 = e;
			ck_assert_msg(e <= TOL, "cls %ld: f1 %.17g want %.17g",
			    id, metrics_f1_macro(yt, yp, n, k), want_f1);
			cm = xcalloc(nm, sizeof *cm);
			metrics_confusion(yt, yp, n, k, cm);
			for (i = 0; i < nm; i++)
				ck_assert_msg(cm[i] == (uint64_t)m[i],
				    "cls %ld: confusion cell %zu", id, i);
			free(cm);
			free(yt);
			free(yp);
			free(t);
			free(p);
			free(m);
			ncls++;
		} else {
			struct reliability_bin bins[CALIB_BINS];
			double want_ece, want_mean, *c, e;
			long *kk;
			unsigned char *ok;
			size_t nc, nk;
			int b;

			ck_assert_str_eq(tag, "ece");
			want_ece = golden_double(&g);
			want_mean = golden_double(&g);
			c = golden_doubles(&g, "c", &nc);
			kk = golden_longs(&g, "k", &nk);
			ck_assert_uint_eq(nc, n);
			ck_assert_uint_eq(nk, n);
			ok = xcalloc(n ? n : 1, 1);
			for (i = 0; i < n; i++)
				ok[i] = (unsigned char)kk[i];
			e = err_of(metrics_ece(c, ok, n, bins), want_ece);
			if (e > w_ece)
				w_ece = e;
			ck_assert_msg(e <= TOL, "ece %ld: %.17g want %.17g", id,
			    metrics_ece(c, ok, n, NULL), want_ece);
			e = err_of(metrics_mean(c, n), want_mean);
			if (e > w_mean)
				w_mean = e;
			ck_assert_msg(e <= TOL, "ece %ld: mean", id);
			for (b = 0; b < CALIB_BINS; b++) {
				const char *bt = golden_next(&g);
				uint64_t cnt;
				double mc, acc;

				ck_assert(bt != NULL && strcmp(bt, "bin") == 0);
				cnt = (uint64_t)golden_long(&g);
				mc = golden_double(&g);
				acc = golden_double(&g);
				ck_assert_msg(bins[b].count == cnt,
				    "ece %ld bin %d: count %llu want %llu", id,
				    b, (unsigned long long)bins[b].count,
				    (unsigned long long)cnt);
				e = err_of(bins[b].mean_confidence, mc);
				if (err_of(bins[b].accuracy, acc) > e)
					e = err_of(bins[b].accuracy, acc);
				if (e > w_bin)
					w_bin = e;
				ck_assert_msg(e <= TOL, "ece %ld bin %d", id, b);
			}
			free(c);
			free(kk);
			free(ok);
			nece++;
		}
	}
	golden_close(&g);
	printf("metrics: %d classification cases (accuracy worst rel err "
	    "%.3g, macro F1 worst rel err %.3g, confusion matrices exact); "
	    "%d ECE cases (ECE worst rel err %.3g, bins worst rel err %.3g, "
	    "bin counts exact, mean worst rel err %.3g)\n", ncls, w_acc, w_f1,
	    nece, w_ece, w_bin, w_mean);
	ck_assert_int_ge(ncls, 200);
	ck_assert_int_ge(nece, 200);
}
END_TEST

/* The seed's bin edges: linspace values and decimal tenths. */
START_TEST(edges)
{
	static const struct {
		double	conf;
		int	bin;
	} rows[] = {
		{ 0.0, 0 }, { 0.1, 0 }, { 0.1000000000000001, 1 },
		{ 0.2, 1 }, { 0.3, 2 }, { 0.30000000000000004, 2 },
		{ 0.3000000000000001, 3 }, { 0.7, 6 },
		{ 0.7000000000000001, 6 }, { 0.9, 8 }, { 0.95, 9 },
		{ 1.0, 9 },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct reliability_bin bins[CALIB_BINS];
		unsigned char ok = 1;
		int b;

		metrics_ece(&rows[i].conf, &ok, 1, bins);
		for (b = 0; b < CALIB_BINS; b++)
			ck_assert_msg(bins[b].count == (b == rows[i].bin),
			    "conf %.17g: bin %d count %llu", rows[i].conf, b,
			    (unsigned long long)bins[b].count);
	}
}
END_TEST

/* ECE in [0, 1]; F1 = accuracy = 1 for perfect predictions. */
START_TEST(properties)
{
	struct rng r;
	int t;

	rng_seed(&r, 5);
	for (t = 0; t < 300; t++) {
		size_t n = 1 + rng_below(&r, 400), i;
		int k = 2 + (int)rng_below(&r, 9);
		int *y = xreallocarray(NULL, n, sizeof *y);
		double *c = xreallocarray(NULL, n, sizeof *c), ece;
		unsigned char *ok = xcalloc(n, 1);

		for (i = 0; i < n; i++) {
			y[i] = (int)rng_below(&r, (uint64_t)k);
			c[i] = t % 3 ? rng_uniform(&r) :
			    (double)rng_below(&r, 11) / 10;
			ok[i] = rng_below(&r, 2);
		}
		ck_assert(metrics_f1_macro(y, y, n, k) == 1.0);
		ck_assert(metrics_accuracy(y, y, n) == 1.0);
		ece = metrics_ece(c, ok, n, NULL);
		ck_assert_msg(ece >= 0.0 && ece <= 1.0, "ece %g", ece);
		free(y);
		free(c);
		free(ok);
	}
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, golden_metrics);
	tcase_add_test(tc, edges);
	tcase_add_test(tc, properties);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return golden_main(metrics_suite(), argc, argv);
}
