/*
 * Calibration map and CBPE against scikit-learn / numpy
 * (tests/golden/cbpe.txt from tests/golden/make-golden-cbpe.py), the map's
 * text form, and the standard errors against a simulation.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calibrate.h"
#include "core/cbpe.h"
#include "core/metrics.h"
#include "core/monitor.h"
#include "core/rng.h"
#include "core/xalloc.h"
#include "golden.h"

#define TOL	1e-9	/* relative when |want| > 1, else absolute */

/* The worst error seen per quantity, printed at the end. */
static double worst_curve, worst_ece, worst_est, worst_se, worst_cm, worst_p;

static double
err_of(double got, double want)
{
	double d = fabs(got - want);

	return fabs(want) > 1.0 ? d / fabs(want) : d;
}

static void
check_close(double got, double want, double *worst, long id, const char *what)
{
	double e = err_of(got, want);

	if (e > *worst)
		*worst = e;
	ck_assert_msg(e <= TOL, "case %ld: %s %.17g want %.17g", id, what,
	    got, want);
}

/* One golden case's inputs. */
struct gcase {
	long	 id;
	int	 k;
	size_t	 nr, nb;
	double	*rs, *bs;
	int	*ry, *rp, *bp;
};

static void
gcase_read(struct golden *g, struct gcase *c)
{
	size_t n;

	c->id = golden_long(g);
	c->k = (int)golden_long(g);
	c->nr = (size_t)golden_long(g);
	c->nb = (size_t)golden_long(g);
	c->rs = golden_doubles(g, "rs", &n);
	ck_assert_uint_eq(n, c->nr * (size_t)c->k);
	c->ry = golden_ints(g, "ry", &n);
	ck_assert_uint_eq(n, c->nr);
	c->rp = golden_ints(g, "rp", &n);
	ck_assert_uint_eq(n, c->nr);
	c->bs = golden_doubles(g, "bs", &n);
	ck_assert_uint_eq(n, c->nb * (size_t)c->k);
	c->bp = golden_ints(g, "bp", &n);
	ck_assert_uint_eq(n, c->nb);
}

static void
gcase_free(struct gcase *c)
{
	free(c->rs);
	free(c->bs);
	free(c->ry);
	free(c->rp);
	free(c->bp);
}

/* The "map" line and its curves against calib_fit; returns the map. */
static struct calib *
check_map(struct golden *g, const struct gcase *c)
{
	struct calib *cal = calib_fit(c->rs, c->rp, c->ry, c->nr, c->k);
	const char *tag = golden_next(g);
	int j;

	ck_assert_msg(tag != NULL && strcmp(tag, "map") == 0, "case %ld", c->id);
	if (strncmp(g->rest, "none", 4) == 0) {
		ck_assert_msg(cal == NULL, "case %ld: map without rows", c->id);
		return NULL;
	}
	ck_assert_msg(cal != NULL, "case %ld: no map", c->id);
	ck_assert_msg(cal->enabled == (golden_long(g) == 1),
	    "case %ld: enabled", c->id);
	ck_assert_uint_eq(cal->n_rows, (size_t)golden_long(g));
	check_close(cal->ece_raw, golden_double(g), &worst_ece, c->id,
	    "ece_raw");
	check_close(cal->ece_calibrated, golden_double(g), &worst_ece, c->id,
	    "ece_cal");
	for (j = 0; j < cal->n_curves; j++) {
		size_t nx, ny, i;
		double *x = golden_doubles(g, "cx", &nx);
		double *y = golden_doubles(g, "cy", &ny);

		ck_assert_msg(nx == cal->curves[j].n && ny == nx,
		    "case %ld curve %d: %zu points, want %zu", c->id, j,
		    cal->curves[j].n, nx);
		for (i = 0; i < nx; i++) {
			check_close(cal->curves[j].x[i], x[i], &worst_curve,
			    c->id, "curve x");
			check_close(cal->curves[j].y[i], y[i], &worst_curve,
			    c->id, "curve y");
		}
		free(x);
		free(y);
	}
	return cal;
}

/* The estimate lines against cbpe_estimate and calib_apply. */
static void
check_estimate(struct golden *g, const struct gcase *c,
    const struct calib *cal)
{
	struct cbpe_estimate e;
	size_t n, i, kk = (size_t)c->k * (size_t)c->k;
	double *cm, *bp, *p = xcalloc((size_t)c->k, sizeof *p);
	const char *tag = golden_next(g);

	ck_assert_msg(tag != NULL && strcmp(tag, "est") == 0, "case %ld", c->id);
	cbpe_estimate(cal, c->bs, c->bp, c->nb, c->k, &e);
	ck_assert_uint_eq(e.n_rows, (size_t)golden_long(g));
	check_close(e.accuracy, golden_double(g), &worst_est, c->id, "acc");
	check_close(e.accuracy_se, golden_double(g), &worst_se, c->id,
	    "acc se");
	check_close(e.f1_macro, golden_double(g), &worst_est, c->id, "f1");
	check_close(e.f1_se, golden_double(g), &worst_se, c->id, "f1 se");
	ck_assert(e.calibrated == (cal != NULL && cal->enabled));
	ck_assert(e.accuracy_lower <= e.accuracy &&
	    e.accuracy <= e.accuracy_upper);
	ck_assert(e.f1_lower <= e.f1_macro && e.f1_macro <= e.f1_upper);
	cm = golden_doubles(g, "cm", &n);
	ck_assert_uint_eq(n, kk);
	for (i = 0; i < kk; i++)
		check_close(e.confusion[i], cm[i], &worst_cm, c->id, "cm");
	bp = golden_doubles(g, "bprob", &n);
	for (i = 0; i < n; i++) {
		size_t row = i / (size_t)c->k, col = i % (size_t)c->k;

		if (col == 0 && cal != NULL)
			calib_apply(cal, c->bs + row * (size_t)c->k, p);
		else if (col == 0)
			memcpy(p, c->bs + row * (size_t)c->k,
			    (size_t)c->k * sizeof *p);
		check_close(p[col], bp[i], &worst_p, c->id, "probability");
	}
	cbpe_estimate_finish(&e);
	free(cm);
	free(bp);
	free(p);
}

/* The map survives its text form exactly: same text, same estimate. */
static void
check_roundtrip(const struct gcase *c, const struct calib *cal)
{
	struct cbpe_estimate a, b;
	char *cause = NULL, *text = calib_encode(cal), *again;
	struct calib *back = calib_decode(text, &cause);
	size_t i;

	ck_assert_msg(back != NULL, "case %ld: %s", c->id, cause);
	again = calib_encode(back);
	ck_assert_str_eq(text, again);
	cbpe_estimate(cal, c->bs, c->bp, c->nb, c->k, &a);
	cbpe_estimate(back, c->bs, c->bp, c->nb, c->k, &b);
	ck_assert(a.accuracy == b.accuracy && a.f1_macro == b.f1_macro);
	ck_assert(a.accuracy_se == b.accuracy_se && a.f1_se == b.f1_se);
	for (i = 0; i < (size_t)c->k * (size_t)c->k; i++)
		ck_assert(a.confusion[i] == b.confusion[i]);
	cbpe_estimate_finish(&a);
	cbpe_estimate_finish(&b);
	calib_destroy(back);
	free(text);
	free(again);
}

START_TEST(golden_cbpe)
{
	struct golden g;
	const char *tag;
	int cases = 0, binary = 0, maps = 0, enabled = 0;

	golden_open(&g, "cbpe.txt");
	while ((tag = golden_next(&g)) != NULL) {
		struct gcase c;
		struct calib *cal;

		ck_assert_str_eq(tag, "case");
		gcase_read(&g, &c);
		cal = check_map(&g, &c);
		check_estimate(&g, &c, cal);
		if (cal != NULL) {
			check_roundtrip(&c, cal);
			maps++;
			enabled += cal->enabled;
		}
		binary += c.k == 2;
		cases++;
		calib_destroy(cal);
		gcase_free(&c);
	}
	golden_close(&g);
	printf("cbpe golden: %d cases (%d binary, %d maps, %d enabled); "
	    "worst error: curve %.3g, ece %.3g, estimate %.3g, se %.3g, "
	    "confusion %.3g, probability %.3g\n", cases, binary, maps,
	    enabled, worst_curve, worst_ece, worst_est, worst_se, worst_cm,
	    worst_p);
	ck_assert_int_ge(cases, 200);
	ck_assert_int_ge(binary, 50);
	ck_assert_int_ge(cases - binary, 50);
	ck_assert_int_ge(enabled, 20);
	ck_assert_int_ge(maps - enabled, 20);
}
END_TEST

/*
 * Overconfident binary model by hand: 50 rows all scored [0.1, 0.9]
 * (predicted 1), 30 of class 1, 6 in each cross-fitting fold. The map
 * is one point, 0.9 -> 0.6, cross-fitted ECE is 0, and a
 * batch of 10 such rows is estimated at accuracy 0.6 exactly with
 * se = sqrt(10 * 0.6 * 0.4) / 10.
 */
START_TEST(by_hand)
{
	double rs[100], bs[20];
	int ry[50], rp[50], bp[10], i;
	struct calib *cal;
	struct cbpe_estimate e;

	for (i = 0; i < 50; i++) {
		rs[2 * i] = 0.1;
		rs[2 * i + 1] = 0.9;
		rp[i] = 1;
		ry[i] = (i / 5) % 5 < 3;	/* 6 of 10 in every fold */
	}
	for (i = 0; i < 10; i++) {
		bs[2 * i] = 0.1;
		bs[2 * i + 1] = 0.9;
		bp[i] = 1;
	}
	cal = calib_fit(rs, rp, ry, 50, 2);
	ck_assert_ptr_nonnull(cal);
	ck_assert_uint_eq(cal->curves[0].n, 1);
	ck_assert_double_eq_tol(cal->curves[0].y[0], 0.6, 1e-15);
	ck_assert_double_eq_tol(cal->ece_raw, 0.3, 1e-15);
	ck_assert_double_eq_tol(cal->ece_calibrated, 0.0, 1e-15);
	ck_assert(cal->enabled);
	cbpe_estimate(cal, bs, bp, 10, 2, &e);
	ck_assert(e.calibrated);
	ck_assert_double_eq_tol(e.accuracy, 0.6, 1e-15);
	ck_assert_double_eq_tol(e.accuracy_se, sqrt(2.4) / 10.0, 1e-15);
	/* Expected: 6 of class 1 and 4 of class 0, all predicted 1. */
	ck_assert_double_eq_tol(e.confusion[1 * 2 + 1], 6.0, 1e-12);
	ck_assert_double_eq_tol(e.confusion[0 * 2 + 1], 4.0, 1e-12);
	/* F1: class 1 2*6/(10+6) = 0.75, class 0 0/(0+4) = 0. */
	ck_assert_double_eq_tol(e.f1_macro, 0.375, 1e-15);
	ck_assert_double_eq_tol(e.accuracy_lower,
	    0.6 - CBPE_SIGMAS * sqrt(2.4) / 10.0, 1e-15);
	/* Upper bound 0.6 + 3 * 0.155 = 1.06 -> 1: no decay at any level. */
	ck_assert(!cbpe_decayed(&e, 0.99, 0.0, 0.05));
	/* Decayed exactly when f1_upper < ref F1 - decay: just past, just short. */
	ck_assert(cbpe_decayed(&e, 0.0, 0.375 + CBPE_SIGMAS * e.f1_se + 0.06,
	    0.05));
	ck_assert(!cbpe_decayed(&e, 0.0, 0.375 + CBPE_SIGMAS * e.f1_se + 0.04,
	    0.05));
	cbpe_estimate_finish(&e);
	/* Raw scores say 0.9. */
	cbpe_estimate(NULL, bs, bp, 10, 2, &e);
	ck_assert(!e.calibrated);
	ck_assert_double_eq_tol(e.accuracy, 0.9, 1e-15);
	cbpe_estimate_finish(&e);
	calib_destroy(cal);
}
END_TEST

START_TEST(edges)
{
	double s[6] = { 0.2, 0.8, 0.7, 0.3, 0.5, 0.5 };
	int none[3] = { -1, -1, -1 }, yp[3] = { 1, 0, 0 }, bad[3] = { 2, -1, 7 };
	struct cbpe_estimate e;

	ck_assert_ptr_null(calib_fit(s, yp, none, 3, 2));	/* no labels */
	ck_assert_ptr_null(calib_fit(s, yp, yp, 3, 1));		/* k < 2 */
	ck_assert_ptr_null(calib_fit(s, yp, yp, 0, 2));
	/* Too few rows to judge: fitted, not enabled, ECE repeated. */
	{
		struct calib *c = calib_fit(s, yp, yp, 3, 2);

		ck_assert_ptr_nonnull(c);
		ck_assert(!c->enabled);
		ck_assert(c->ece_calibrated == c->ece_raw);
		calib_destroy(c);
	}
	/* No usable batch row: every number 0. */
	cbpe_estimate(NULL, s, bad, 3, 2, &e);
	ck_assert_uint_eq(e.n_rows, 0);
	ck_assert(!cbpe_decayed(&e, 1.0, 1.0, 0.05));
	ck_assert(e.accuracy == 0.0 && e.f1_macro == 0.0);
	ck_assert(e.accuracy_upper == 0.0 && e.f1_se == 0.0);
	cbpe_estimate_finish(&e);
	cbpe_estimate(NULL, s, yp, 0, 2, &e);
	ck_assert_uint_eq(e.n_rows, 0);
	cbpe_estimate_finish(&e);
	/* Certain rows: no spread, bounds collapse. */
	{
		double sure[4] = { 0.0, 1.0, 1.0, 0.0 };
		int p[2] = { 1, 0 };

		cbpe_estimate(NULL, sure, p, 2, 2, &e);
		ck_assert(e.accuracy == 1.0 && e.f1_macro == 1.0);
		ck_assert(e.accuracy_se == 0.0 && e.f1_se == 0.0);
		ck_assert(e.accuracy_lower == 1.0 && e.f1_upper == 1.0);
		cbpe_estimate_finish(&e);
	}
}
END_TEST

/* Bad text: NULL and a cause naming the line and the reason. */
START_TEST(decode_errors)
{
	static const struct {
		const char	*text;
		const char	*cause;
	} rows[] = {
		{ "", "line 1: expected \"calib/1 k=\"" },
		{ "calib/2 k=2", "line 1: expected" },
		{ "calib/1 k=1 curves=1", "line 1: k is not" },
		{ "calib/1 k=2 curves=2 enabled=1", "line 1: curves does" },
		{ "calib/1 k=3 curves=3 enabled=2", "line 1: enabled" },
		{ "calib/1 k=2 curves=1 enabled=1 rows=0", "line 1: rows" },
		{ "calib/1 k=2 curves=1 enabled=1 rows=5 ece_raw=0.5",
		    "line 1: ece_raw" },
		{ "calib/1 k=2 curves=1 enabled=1 rows=5 ece_raw=0x1p-1 "
		    "ece_cal=0x1p+1", "line 1: ece_cal" },
		{ "calib/1 k=2 curves=1 enabled=1 rows=5 ece_raw=0x1p-1 "
		    "ece_cal=0x1p-2", "line 2: expected a line" },
		{ "calib/1 k=2 curves=1 enabled=1 rows=5 ece_raw=0x1p-1 "
		    "ece_cal=0x1p-2\ncurve n=6", "line 2: n is not" },
		{ "calib/1 k=2 curves=1 enabled=1 rows=5 ece_raw=0x1p-1 "
		    "ece_cal=0x1p-2\ncurve n=2 0x1p-1 0x1p-1",
		    "line 2: fewer pairs" },
		{ "calib/1 k=2 curves=1 enabled=1 rows=5 ece_raw=0x1p-1 "
		    "ece_cal=0x1p-2\ncurve n=2 0x1p-1 0x1p-1 0.75 0x1p-1",
		    "line 2: expected n pairs" },
		{ "calib/1 k=2 curves=1 enabled=1 rows=5 ece_raw=0x1p-1 "
		    "ece_cal=0x1p-2\ncurve n=2 0x1p-1 0x1p-1 0x1p-1 0x1p-1",
		    "line 2: scores are not" },
		{ "calib/1 k=2 curves=1 enabled=1 rows=5 ece_raw=0x1p-1 "
		    "ece_cal=0x1p-2\ncurve n=2 0x1p-2 0x1p-1 0x1p-1 0x1p-2",
		    "line 2: values are not" },
		{ "calib/1 k=2 curves=1 enabled=1 rows=5 ece_raw=0x1p-1 "
		    "ece_cal=0x1p-2\ncurve n=1 0x1p-2 0x1p+1",
		    "line 2: values are not" },
		{ "calib/1 k=3 curves=3 enabled=1 rows=5 ece_raw=0x1p-1 "
		    "ece_cal=0x1p-2\ncurve n=1 0x0p+0 0x0p+0\n"
		    "curve n=1 0x0p+0 0x0p+0\ncurve n=1 0x0p+0 0x1p-1 0x1p-1",
		    "line 4: text after" },
		{ "calib/1 k=2 curves=1 enabled=1 rows=5 ece_raw=0x1p-1 "
		    "ece_cal=0x1p-2\ncurve n=1 0x1p-2 0x1p-1\nx",
		    "line 3: text after" },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *cause = NULL;
		struct calib *c = calib_decode(rows[i].text, &cause);

		ck_assert_msg(c == NULL, "row %zu decoded", i);
		ck_assert_msg(cause != NULL &&
		    strstr(cause, rows[i].cause) != NULL,
		    "row %zu: cause \"%s\", want \"%s\"", i,
		    cause ? cause : "(none)", rows[i].cause);
		free(cause);
	}
	{
		char *cause = NULL;
		struct calib *c = calib_decode("calib/1 k=2 curves=1 "
		    "enabled=1 rows=5 ece_raw=0x1p-1 ece_cal=0x1p-2\n"
		    "curve n=2 0x1p-2 0x1p-3 0x1p-1 0x1p-1\n", &cause);

		ck_assert_msg(c != NULL, "%s", cause);
		ck_assert(c->enabled && c->n_rows == 5 && c->curves[0].n == 2);
		calib_destroy(c);
	}
}
END_TEST

/* Row-major probabilities of n rows over k classes, drawn at random. */
static void
random_probs(struct rng *r, double *p, int *pred, size_t n, int k)
{
	size_t i;
	int j;

	for (i = 0; i < n; i++) {
		double sum = 0.0, *row = p + i * (size_t)k;

		pred[i] = 0;
		for (j = 0; j < k; j++) {
			row[j] = pow(rng_uniform(r), 3.0);
			sum += row[j];
		}
		for (j = 0; j < k; j++) {
			row[j] /= sum;
			if (row[j] > row[pred[i]])
				pred[i] = j;
		}
	}
}

/* A class drawn from one row of probabilities. */
static int
draw_class(struct rng *r, const double *row, int k)
{
	double u = rng_uniform(r), cum = 0.0;
	int j;

	for (j = 0; j < k - 1; j++) {
		cum += row[j];
		if (u < cum)
			return j;
	}
	return k - 1;
}

/*
 * The standard errors are the spread of the realized metric when the
 * labels follow the probabilities: 4000 label draws for a batch of 300
 * rows over 4 classes; the 3-sigma band holds the realized value in at
 * least 98% of them.
 */
START_TEST(se_matches_simulation)
{
	enum { N = 300, K = 4, DRAWS = 4000 };
	double *p = xcalloc(N * K, sizeof *p), s_acc = 0, s2_acc = 0;
	double s_f1 = 0, s2_f1 = 0, sd_acc, sd_f1;
	int *pred = xcalloc(N, sizeof *pred), *y = xcalloc(N, sizeof *y);
	int d, i, in_acc = 0, in_f1 = 0;
	struct cbpe_estimate e;
	struct rng r;

	rng_seed(&r, 18);
	random_probs(&r, p, pred, N, K);
	cbpe_estimate(NULL, p, pred, N, K, &e);
	for (d = 0; d < DRAWS; d++) {
		double acc, f1;

		for (i = 0; i < N; i++)
			y[i] = draw_class(&r, p + i * K, K);
		acc = metrics_accuracy(y, pred, N);
		f1 = metrics_f1_macro(y, pred, N, K);
		s_acc += acc;
		s2_acc += acc * acc;
		s_f1 += f1;
		s2_f1 += f1 * f1;
		in_acc += acc >= e.accuracy_lower && acc <= e.accuracy_upper;
		in_f1 += f1 >= e.f1_lower && f1 <= e.f1_upper;
	}
	sd_acc = sqrt(s2_acc / DRAWS - pow(s_acc / DRAWS, 2));
	sd_f1 = sqrt(s2_f1 / DRAWS - pow(s_f1 / DRAWS, 2));
	printf("simulated: accuracy mean %.4f sd %.5f (estimate %.4f se "
	    "%.5f, in band %d/%d); f1 mean %.4f sd %.5f (estimate %.4f se "
	    "%.5f, in band %d/%d)\n", s_acc / DRAWS, sd_acc, e.accuracy,
	    e.accuracy_se, in_acc, DRAWS, s_f1 / DRAWS, sd_f1, e.f1_macro,
	    e.f1_se, in_f1, DRAWS);
	ck_assert_double_eq_tol(s_acc / DRAWS, e.accuracy, 0.003);
	ck_assert_double_eq_tol(s_f1 / DRAWS, e.f1_macro, 0.005);
	ck_assert_double_eq_tol(e.accuracy_se / sd_acc, 1.0, 0.08);
	ck_assert_double_eq_tol(e.f1_se / sd_f1, 1.0, 0.08);
	ck_assert_int_ge(in_acc, DRAWS * 98 / 100);
	ck_assert_int_ge(in_f1, DRAWS * 98 / 100);
	cbpe_estimate_finish(&e);
	free(p);
	free(pred);
	free(y);
}
END_TEST

/*
 * End to end: a binary model whose score is the square of the true
 * P(y=1|x) (overconfident about class 0). The map is fitted on 5000
 * labelled reference rows; the batch comes from a shifted x distribution
 * with the same P(y|x). The calibrated estimate lands within 0.015 of the
 * batch's expected accuracy; the raw scores miss it by far more.
 */
START_TEST(covariate_shift)
{
	enum { NR = 5000, NB = 2000 };
	double *rs = xcalloc(2 * NR, sizeof *rs), *bs = xcalloc(2 * NB,
	    sizeof *bs), truth = 0.0;
	int *ry = xcalloc(NR, sizeof *ry), *rp = xcalloc(NR, sizeof *rp);
	int *bp = xcalloc(NB, sizeof *bp), i;
	struct cbpe_estimate cal_e, raw_e;
	struct calib *cal;
	struct rng r;

	rng_seed(&r, 1806);
	for (i = 0; i < NR + NB; i++) {
		bool ref = i < NR;
		double u = rng_uniform(&r);
		double p1 = ref ? u : sqrt(u);	/* the batch leans to 1 */
		double *s = ref ? rs + 2 * i : bs + 2 * (i - NR);
		int pred = p1 * p1 > 0.5;

		s[1] = p1 * p1;
		s[0] = 1.0 - s[1];
		if (ref) {
			rp[i] = pred;
			ry[i] = rng_uniform(&r) < p1;
		} else {
			bp[i - NR] = pred;
			truth += pred ? p1 : 1.0 - p1;
		}
	}
	truth /= NB;
	cal = calib_fit(rs, rp, ry, NR, 2);
	ck_assert_ptr_nonnull(cal);
	ck_assert(cal->enabled);
	ck_assert(cal->ece_calibrated < cal->ece_raw / 2.0);
	cbpe_estimate(cal, bs, bp, NB, 2, &cal_e);
	cbpe_estimate(NULL, bs, bp, NB, 2, &raw_e);
	printf("covariate shift: expected accuracy %.4f, calibrated "
	    "estimate %.4f (se %.4f), raw %.4f; ECE raw %.4f cross-fitted "
	    "%.4f\n", truth, cal_e.accuracy, cal_e.accuracy_se,
	    raw_e.accuracy, cal->ece_raw, cal->ece_calibrated);
	ck_assert_double_eq_tol(cal_e.accuracy, truth, 0.015);
	ck_assert(fabs(raw_e.accuracy - truth) > 0.05);
	cbpe_estimate_finish(&cal_e);
	cbpe_estimate_finish(&raw_e);
	calib_destroy(cal);
	free(rs);
	free(bs);
	free(ry);
	free(rp);
	free(bp);
}
END_TEST

/*
 * The monitor over CBPE (monitor-estimate.c): the by_hand numbers, the
 * verdict against the reference with its thresholds, the reasons when
 * there is no estimate, and the grading of a performance report.
 */
START_TEST(monitor_over_cbpe)
{
	double rs[100], bs[20], rf[50];
	int ry[50], rp[50], bp[10], i;
	struct monitor_reference ref;
	struct monitor_config cfg;
	struct monitor_batch b;
	struct estimate_report est;
	struct performance_report perf;
	struct calib *cal;

	for (i = 0; i < 50; i++) {
		rs[2 * i] = 0.1;
		rs[2 * i + 1] = 0.9;
		rp[i] = 1;
		ry[i] = (i / 5) % 5 < 3;
		rf[i] = i;
	}
	for (i = 0; i < 10; i++) {
		bs[2 * i] = 0.1;
		bs[2 * i + 1] = 0.9;
		bp[i] = 1;
	}
	cal = calib_fit(rs, rp, ry, 50, 2);
	monitor_config_defaults(&cfg);
	monitor_reference_init(&ref, rf, 50, 1, 2, rp, rf, ry);
	memset(&b, 0, sizeof b);
	b.n_rows = 10;
	b.features = rf;
	b.predicted = bp;
	b.confidence = rf;
	b.scores = bs;
	b.n_scores = 2;
	monitor_estimate(&ref, cal, &cfg, &b, &est);
	ck_assert(est.available && est.cbpe.calibrated && est.reason == NULL);
	ck_assert_uint_eq(est.cbpe.n_rows, 10);
	ck_assert_double_eq_tol(est.cbpe.accuracy, 0.6, 1e-15);
	ck_assert_double_eq_tol(est.cbpe.accuracy_se, sqrt(2.4) / 10.0, 1e-15);
	ck_assert_double_eq_tol(est.cbpe.f1_macro, 0.375, 1e-15);
	ck_assert(est.ref_accuracy == ref.accuracy &&
	    est.ref_f1_macro == ref.f1_macro);
	ck_assert(est.decay_delta == 0.05 && est.sigmas == CBPE_SIGMAS);
	/* Reference accuracy 0.6, macro F1 0.375: the F1 bound holds. */
	ck_assert(!est.decayed);

	/* Graded: realized 0.5 against the estimate 0.6. */
	memset(&perf, 0, sizeof perf);
	perf.n_rows = 10;
	perf.accuracy = 0.5;
	perf.f1_macro = 0.5;
	performance_grade(&perf, &est);
	ck_assert(perf.graded);
	ck_assert_double_eq_tol(perf.acc_error, -0.1, 1e-15);
	ck_assert_double_eq_tol(perf.f1_error, 0.125, 1e-15);

	/* A stricter decay: the verdict is the monitor's config's. */
	cfg.decay = -1.0;
	monitor_estimate(&ref, cal, &cfg, &b, &est);
	ck_assert(est.decayed && est.decay_delta == -1.0);

	/* Scores of another class count, no scores, no map. */
	b.n_scores = 3;
	monitor_estimate(&ref, cal, &cfg, &b, &est);
	ck_assert(!est.available && !est.decayed);
	ck_assert_str_eq(est.reason, ESTIMATE_NO_SCORES);
	ck_assert(isnan(est.cbpe.accuracy) && isnan(est.cbpe.f1_upper));
	ck_assert_uint_eq(est.cbpe.n_rows, 10);
	performance_grade(&perf, &est);
	ck_assert(!perf.graded && isnan(perf.acc_error));
	b.n_scores = 2;
	monitor_estimate(&ref, NULL, &cfg, &b, &est);
	ck_assert(!est.available);
	ck_assert_str_eq(est.reason, ESTIMATE_NO_LABELS);
	monitor_reference_finish(&ref);
	monitor_reference_init(&ref, rf, 50, 1, 2, rp, rf, NULL);
	monitor_estimate(&ref, cal, &cfg, &b, &est);
	ck_assert(!est.available);
	ck_assert_str_eq(est.reason, ESTIMATE_NO_LABELS);
	monitor_reference_finish(&ref);
	calib_destroy(cal);
}
END_TEST

/* The running grades: sums, means, exact text, refusals. */
START_TEST(grades_text)
{
	static const char *const bad[] = {
		"", "grades/1", "grades/2 n=1 acc=0x1p-3 f1=0x1p-3",
		"grades/1 n=1 acc=0x1p-3", "grades/1 n=1 acc=0x1p-3 f1=0x1p-3 ",
		"grades/1 n=-1 acc=0x1p-3 f1=0x1p-3",
		"grades/1 n=1 acc=-0x1p-3 f1=0x1p-3",
		"grades/1 n=1 acc=nan f1=0x1p-3",
	};
	struct performance_report perf;
	struct estimate_grades g = { 0, 0, 0 }, back;
	char *text;
	size_t i;

	ck_assert(isnan(estimate_grades_mae(&g, false)));
	memset(&perf, 0, sizeof perf);
	perf.graded = true;
	perf.acc_error = -0.1;
	perf.f1_error = 0.3;
	estimate_grades_add(&g, &perf);
	perf.acc_error = 0.2;
	perf.f1_error = -0.1;
	estimate_grades_add(&g, &perf);
	perf.graded = false;		/* adds nothing */
	estimate_grades_add(&g, &perf);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_double_eq_tol(estimate_grades_mae(&g, false), 0.15, 1e-15);
	ck_assert_double_eq_tol(estimate_grades_mae(&g, true), 0.2, 1e-15);
	/* A recompute: the second report's grade replaced by a third's. */
	perf.graded = true;
	perf.acc_error = 0.2;
	perf.f1_error = -0.1;
	estimate_grades_remove(&g, &perf);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_double_eq_tol(estimate_grades_mae(&g, false), 0.1, 1e-15);
	ck_assert_double_eq_tol(estimate_grades_mae(&g, true), 0.3, 1e-15);
	perf.acc_error = -0.4;
	perf.f1_error = 0.5;
	estimate_grades_add(&g, &perf);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_double_eq_tol(estimate_grades_mae(&g, false), 0.25, 1e-15);
	ck_assert_double_eq_tol(estimate_grades_mae(&g, true), 0.4, 1e-15);
	perf.graded = false;		/* takes back nothing */
	estimate_grades_remove(&g, &perf);
	ck_assert_uint_eq(g.n, 2);
	perf.graded = true;
	estimate_grades_remove(&g, &perf);
	perf.acc_error = -0.1;		/* the last one: sums exactly 0 */
	perf.f1_error = 0.3;
	estimate_grades_remove(&g, &perf);
	ck_assert(g.n == 0 && g.sum_abs_acc == 0 && g.sum_abs_f1 == 0);
	g.n = 2;			/* rounding never leaves a sum < 0 */
	g.sum_abs_acc = 0.1;
	g.sum_abs_f1 = 0.1;
	estimate_grades_remove(&g, &perf);
	ck_assert(g.n == 1 && g.sum_abs_acc == 0 && g.sum_abs_f1 == 0);
	g.n = 0;
	estimate_grades_remove(&g, &perf);	/* none left: nothing */
	ck_assert_uint_eq(g.n, 0);
	estimate_grades_add(&g, &perf);
	perf.acc_error = 0.2;
	perf.f1_error = -0.1;
	estimate_grades_add(&g, &perf);
	text = estimate_grades_encode(&g);
	ck_assert(estimate_grades_decode(text, &back));
	ck_assert(back.n == 2 && back.sum_abs_acc == g.sum_abs_acc &&
	    back.sum_abs_f1 == g.sum_abs_f1);
	free(text);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		back.n = 77;
		ck_assert_msg(!estimate_grades_decode(bad[i], &back), "%s",
		    bad[i]);
		ck_assert_uint_eq(back.n, 77);
	}
	ck_assert(!estimate_grades_decode(NULL, &back));
}
END_TEST

static Suite *
cbpe_suite(void)
{
	Suite *s = suite_create("cbpe");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, golden_cbpe);
	tcase_add_test(tc, by_hand);
	tcase_add_test(tc, edges);
	tcase_add_test(tc, decode_errors);
	tcase_add_test(tc, se_matches_simulation);
	tcase_add_test(tc, covariate_shift);
	tcase_add_test(tc, monitor_over_cbpe);
	tcase_add_test(tc, grades_text);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return golden_main(cbpe_suite(), argc, argv);
}
