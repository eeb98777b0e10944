/*
 * Fisher's combination of the features' KS and PSI evidence, with its
 * null fitted by resampling whole reference rows (judge-joint.h).
 */
#include "judge-joint.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drift-ks.h"
#include "drift-psi.h"
#include "rng.h"
#include "stop.h"
#include "xalloc.h"

#define JOINT_SERIES_MAX	100	/* terms of Q's series */
#define JOINT_STOP_POLL		64	/* draws between stop polls */

/*
 * ln Q(lambda) for lambda >= 1 by the alternating series
 * Q = 2 sum_k (-1)^(k-1) exp(-2 k^2 lambda^2), written as
 * ln 2 - 2 lambda^2 + log1p(sum_{k>=2} (-1)^(k-1) exp(-2 (k^2 - 1)
 * lambda^2)), which never underflows; below 1 by the theta series
 * 1 - Q = sqrt(2 pi) / lambda sum_{k>=1} exp(-(2k-1)^2 pi^2 /
 * (8 lambda^2)), where the first series converges slowly.
 */
double
joint_ks_term(double lambda)
{
	double l2 = lambda * lambda, s = 0.0, t, cdf;
	int k;

	if (!(lambda > 0.0))
		return 0.0;
	if (lambda >= 1.0) {
		for (k = 2; k <= JOINT_SERIES_MAX; k++) {
			t = exp(-2.0 * ((double)k * k - 1.0) * l2);
			s += (k % 2 == 0) ? -t : t;
			if (t < 1e-17)
				break;
		}
		return -2.0 * (M_LN2 - 2.0 * l2 + log1p(s));
	}
	for (k = 1; k <= JOINT_SERIES_MAX; k++) {
		t = exp(-(2.0 * k - 1.0) * (2.0 * k - 1.0) * M_PI * M_PI /
		    (8.0 * l2));
		s += t;
		if (t < 1e-17 * s)
			break;
	}
	cdf = sqrt(2.0 * M_PI) / lambda * s;
	return cdf >= 1.0 ? 0.0 : -2.0 * log1p(-cdf);
}

double
joint_p_term(double p)
{
	if (!(p < 1.0))
		return 0.0;
	return -2.0 * log(p < DBL_MIN ? DBL_MIN : p);
}

double
joint_lambda(double d, size_t n, size_t m)
{
	double a = (double)n, b = (double)m;

	if (n == 0 || m == 0 || isnan(d))
		return 0.0;
	return d * sqrt(a * b / (a + b));
}

/*
 * The reference's columns in sorted order with the row each value came
 * from, so that a draw is a count per row and each column is read by one
 * walk over its order: no sorting per draw. A draw's two counts of a row
 * (pseudo-reference, pseudo-batch) are packed in one word, the batch's in
 * the high half (both sizes are below 2^32), so one addition carries
 * both running totals; PSI's bins are the totals at the cuts.
 *
 * KS's D is the largest |a / na - b / nb| over the ends of the runs of
 * equal values, a and b the running totals. The walk sums beside them
 * the integer a nb - b na (each row's weight: its counts times nb and
 * -na), whose size orders the candidates: two ends whose integers differ
 * are 1 / (na nb) apart in the exact difference, far more than the
 * rounding of the doubles (3 2^-54 each) when na nb <= JOINT_EXACT_MAX,
 * so D is held by an end whose integer is the largest or smallest of the
 * walk, and every such end is one where the integer reaches (or ties) its
 * highest or lowest so far: the doubles are formed there alone, by the
 * same expression as before. Above that size every end's is formed.
 */
#define JOINT_LOW	0xffffffffULL	/* the pseudo-reference's half */
#define JOINT_HIGH	((uint64_t)1 << 32)	/* one pseudo-batch draw */
#ifndef JOINT_EXACT_MAX	/* tests build it at 0: every end's double */
#define JOINT_EXACT_MAX	((uint64_t)1 << 50)	/* na nb, integer order */
#endif

struct joint_ref {
	size_t		 n, cols;
	double		*sv;	/* cols x n: column c's values, sorted */
	size_t		*row;	/* cols x n: the row of each */
	unsigned char	*end;	/* cols x n: 1 where a run of equals ends */
	bool		*ties;	/* cols: the column has a run of 2 or more */
	size_t		*full;	/* cols x (PSI_BINS + 1): the cuts over the
				 * whole column, which half the draws span */
};

/* One draw: its packed counts and weights per row, and their sizes. */
struct joint_draw {
	uint64_t	*cnt;	/* n: packed counts */
	uint64_t	*w;	/* n: count nb - count of the batch na */
	double		 na, nb;
	bool		 every;	/* na nb above JOINT_EXACT_MAX */
	bool		 clear;	/* zero cnt and w behind the walk */
};

/* A column's walk so far: packed totals, their weight, D. */
struct joint_walk {
	uint64_t	f, i;
	int64_t		hi, lo;		/* the extremes of i seen */
	double		best;
};

static const double *joint_sort_key;

static int
joint_cmp(const void *a, const void *b)
{
	double x = joint_sort_key[*(const size_t *)a];
	double y = joint_sort_key[*(const size_t *)b];

	return (x > y) - (x < y);
}

static void
joint_ref_init(struct joint_ref *jr, const double *rows, size_t n,
    size_t cols)
{
	double *col = xreallocarray(NULL, n, sizeof *col), *sv;
	size_t c, i;

	jr->n = n;
	jr->cols = cols;
	jr->sv = xreallocarray(NULL, n * cols, sizeof *jr->sv);
	jr->row = xreallocarray(NULL, n * cols, sizeof *jr->row);
	jr->end = xreallocarray(NULL, n * cols, sizeof *jr->end);
	jr->ties = xcalloc(cols ? cols : 1, sizeof *jr->ties);
	jr->full = xreallocarray(NULL, cols ? cols : 1,
	    (PSI_BINS + 1) * sizeof *jr->full);
	for (c = 0; c < cols; c++) {
		for (i = 0; i < n; i++) {
			col[i] = rows[i * cols + c];
			jr->row[c * n + i] = i;
		}
		joint_sort_key = col;	/* single-threaded, like the caches */
		qsort(jr->row + c * n, n, sizeof *jr->row, joint_cmp);
		sv = jr->sv + c * n;
		for (i = 0; i < n; i++)
			sv[i] = col[jr->row[c * n + i]];
		for (i = 0; i < n; i++) {
			jr->end[c * n + i] = !(i + 1 < n && sv[i + 1] == sv[i]);
			if (!jr->end[c * n + i])
				jr->ties[c] = true;
		}
		if (n > 0)
			drift_psi_cuts(sv, n, sv[0], sv[n - 1],
			    jr->full + c * (PSI_BINS + 1));
	}
	free(col);
}

static void
joint_ref_finish(struct joint_ref *jr)
{
	free(jr->sv);
	free(jr->row);
	free(jr->end);
	free(jr->ties);
	free(jr->full);
}

/*
 * Positions [from, to) of one column's walk: the totals, and D's
 * candidates at the ends of runs (above): where the weight reaches its
 * highest or lowest so far, so |weight| its largest. The walk carries the
 * weight as u = weight - lo - 1 (modulo 2^64), so "strictly between the
 * extremes" is the one unsigned test u < hi - lo - 1 (0 while hi = lo:
 * never). Counts are below 2^32, so converted through int64_t as the
 * same doubles.
 */
static void
joint_walk(const size_t *row, const unsigned char *end, bool ties,
    size_t from, size_t to, const struct joint_draw *jd,
    struct joint_walk *jw)
{
	uint64_t *cnt = jd->cnt, *w = jd->w, f = jw->f, x, u, span;
	int64_t hi = jw->hi, lo = jw->lo, v;
	double best = jw->best, diff, na = jd->na, nb = jd->nb;
	bool every = jd->every, clear = jd->clear;
	size_t k;

	u = jw->i - (uint64_t)lo - 1;
	span = hi > lo ? (uint64_t)(hi - lo - 1) : 0;
	/* Four places a round: the loop's own count is a fifth of its
	 * instructions otherwise (GCC and Clang read the pragma). */
#pragma GCC unroll 4
	for (k = from; k < to; k++) {
		x = row[k];
		f += cnt[x];
		u += w[x];
		if (clear)
			cnt[x] = w[x] = 0;
		if (ties && !end[k])
			continue;
		if (u < span)
			continue;
		if (!every) {
			v = (int64_t)(u + (uint64_t)lo + 1);
			hi = v > hi ? v : hi;
			lo = v < lo ? v : lo;
			u = (uint64_t)v - (uint64_t)lo - 1;
			span = hi > lo ? (uint64_t)(hi - lo - 1) : 0;
		}
		diff = fabs((double)(int64_t)(f & JOINT_LOW) / na -
		    (double)(int64_t)(f >> 32) / nb);
		if (diff > best)
			best = diff;
	}
	jw->f = f;
	jw->i = u + (uint64_t)lo + 1;
	jw->hi = hi;
	jw->lo = lo;
	jw->best = best;
}

/*
 * KS's D and PSI of one column for a draw (pseudo-reference of na draws,
 * pseudo-batch of nb); PSI's bins over the drawn values' range, cut on
 * the sorted column (drift_psi_cuts), as psi-null.c draws them, counted
 * as the differences of the walk's totals at the cuts.
 */
static void
joint_column(const struct joint_ref *jr, size_t c,
    const struct joint_draw *jd, double *d, double *psi)
{
	const size_t *row = jr->row + c * jr->n;
	const double *sv = jr->sv + c * jr->n;
	struct joint_walk jw = { 0, 0, 0, 0, 0.0 };
	uint64_t x, at, ba[PSI_BINS], bb[PSI_BINS];
	size_t below[PSI_BINS + 1], lo = 0, hi = jr->n - 1;
	const size_t *cuts = below;
	int b;

	/* The lowest and highest positions drawn (either side). */
	while (jd->cnt[row[lo]] == 0)
		lo++;
	while (jd->cnt[row[hi]] == 0)
		hi--;
	if (lo == 0 && hi == jr->n - 1)
		cuts = jr->full + c * (PSI_BINS + 1);
	else
		drift_psi_cuts(sv, jr->n, sv[lo], sv[hi], below);
	for (b = 0; b < PSI_BINS; b++) {
		at = jw.f;
		joint_walk(row, jr->end + c * jr->n, jr->ties[c], cuts[b],
		    cuts[b + 1], jd, &jw);
		x = jw.f - at;
		ba[b] = x & JOINT_LOW;
		bb[b] = x >> 32;
	}
	*d = jw.best;
	*psi = drift_psi_counts(ba, bb, PSI_BINS);
}

/*
 * T_KS and T_PSI of one resampled pair of n and m rows; jd's counts and
 * weights are zero on entry and left zero.
 */
static void
joint_draw_one(struct rng *r, const struct joint_ref *jr, size_t m,
    struct joint_draw *jd, const struct psi_null *const *psi, double *tks,
    double *tpsi)
{
	size_t c, n = jr->n;
	double d, p;

	rng_tally(r, n, n, jd->cnt, 1, jd->w, m);
	rng_tally(r, n, m, jd->cnt, JOINT_HIGH, jd->w, -(uint64_t)n);
	*tks = *tpsi = 0.0;
	if (jr->cols == 0) {
		memset(jd->cnt, 0, n * sizeof *jd->cnt);
		memset(jd->w, 0, n * sizeof *jd->w);
	}
	for (c = 0; c < jr->cols; c++) {
		jd->clear = c + 1 == jr->cols;
		joint_column(jr, c, jd, &d, &p);
		*tks += joint_ks_term(joint_lambda(d, n, m));
		*tpsi += joint_p_term(psi_null_p_value(psi[c], p));
	}
}

bool
joint_null_fit(const double *rows, size_t n_rows, size_t n_cols, size_t m,
    const struct psi_null *const *psi, size_t draws, uint64_t seed,
    struct psi_null *ks_out, struct psi_null *psi_out)
{
	bool stopped = false;
	double *xk = xreallocarray(NULL, draws, sizeof *xk);
	double *xp = xreallocarray(NULL, draws, sizeof *xp);
	struct joint_draw jd = {
		.cnt = xcalloc(n_rows, sizeof *jd.cnt),
		.w = xcalloc(n_rows, sizeof *jd.w),
		.na = (double)n_rows, .nb = (double)m,
		.every = (uint64_t)n_rows * m > JOINT_EXACT_MAX,
	};
	struct joint_ref jr;
	struct rng r;
	size_t i;

	joint_ref_init(&jr, rows, n_rows, n_cols);
	rng_seed(&r, seed);
	for (i = 0; i < draws && !stopped; i++) {
		if (i % JOINT_STOP_POLL == 0 && stop_requested())
			stopped = true;
		else
			joint_draw_one(&r, &jr, m, &jd, psi, &xk[i], &xp[i]);
	}
	if (!stopped) {
		psi_null_fit_sample(xk, draws, ks_out);
		psi_null_fit_sample(xp, draws, psi_out);
	}
	ks_out->nref = psi_out->nref = n_rows;
	ks_out->nbatch = psi_out->nbatch = m;
	ks_out->seed = psi_out->seed = seed;
	free(xk);
	free(xp);
	free(jd.cnt);
	free(jd.w);
	joint_ref_finish(&jr);
	return !stopped;
}

/*
 * The continued fraction of the regularized incomplete beta I_x(a, b)
 * (modified Lentz), for x < (a + 1) / (a + b + 2).
 */
static double
joint_betacf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0), h, num, del;
	int k, k2;

	d = 1.0 / (fabs(d) < tiny ? tiny : d);
	h = d;
	for (k = 1; k <= 1000; k++) {
		k2 = 2 * k;
		num = k * (b - k) * x / ((a + k2 - 1.0) * (a + k2));
		d = 1.0 + num * d;
		c = 1.0 + num / c;
		d = 1.0 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		num = -(a + k) * (a + b + k) * x / ((a + k2) * (a + k2 + 1.0));
		d = 1.0 + num * d;
		c = 1.0 + num / c;
		d = 1.0 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < 1e-15)
			break;
	}
	return h;
}

/* I_x(a, b), the regularized incomplete beta function. */
static double
joint_ibeta(double a, double b, double x)
{
	double lf;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	lf = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
	    b * log1p(-x);
	if (x < (a + 1.0) / (a + b + 2.0))
		return exp(lf) * joint_betacf(a, b, x) / a;
	return 1.0 - exp(lf) * joint_betacf(b, a, 1.0 - x) / b;
}

double
joint_f_sf(double f, double d1, double d2)
{
	if (!(f > 0.0))
		return 1.0;
	/* P(F > f) = I_{d2 / (d2 + d1 f)}(d2 / 2, d1 / 2) */
	return joint_ibeta(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * f));
}

bool
joint_cov_init(struct joint_cov *jc, const double *rows, size_t n,
    size_t p)
{
	size_t i, j, k;
	double s, *l;

	memset(jc, 0, sizeof *jc);
	if (p < 1 || n <= p + 1)
		return false;
	jc->p = p;
	jc->n = n;
	jc->mean = xcalloc(p + p * p, sizeof *jc->mean);
	l = jc->chol = jc->mean + p;
	for (i = 0; i < n; i++)
		for (j = 0; j < p; j++)
			jc->mean[j] += rows[i * p + j];
	for (j = 0; j < p; j++)
		jc->mean[j] /= (double)n;
	for (i = 0; i < n; i++)		/* the covariance, lower half */
		for (j = 0; j < p; j++)
			for (k = 0; k <= j; k++)
				l[j * p + k] += (rows[i * p + j] - jc->mean[j]) *
				    (rows[i * p + k] - jc->mean[k]);
	for (j = 0; j < p; j++)
		for (k = 0; k <= j; k++)
			l[j * p + k] /= (double)(n - 1);
	for (j = 0; j < p; j++) {	/* Cholesky in place: S = L L' */
		for (k = 0; k <= j; k++) {
			s = l[j * p + k];
			for (i = 0; i < k; i++)
				s -= l[j * p + i] * l[k * p + i];
			if (k < j)
				l[j * p + k] = s / l[k * p + k];
			else if (s > 1e-12 * (l[j * p + j] + 1e-300))
				l[j * p + j] = sqrt(s);
			else {
				joint_cov_finish(jc);
				return false;	/* not positive definite */
			}
		}
	}
	return true;
}

void
joint_cov_finish(struct joint_cov *jc)
{
	free(jc->mean);		/* and chol, in its block */
	memset(jc, 0, sizeof *jc);
}

double
joint_hotelling(const struct joint_cov *jc, const double *batch_mean,
    size_t m, double *t2)
{
	size_t p = jc->p, j, i;
	double *y = xcalloc(p, sizeof *y), s, q = 0.0, c, f, n = (double)jc->n;

	for (j = 0; j < p; j++) {	/* L y = d */
		s = batch_mean[j] - jc->mean[j];
		for (i = 0; i < j; i++)
			s -= jc->chol[j * p + i] * y[i];
		y[j] = s / jc->chol[j * p + j];
		q += y[j] * y[j];
	}
	free(y);
	c = 1.0 / (double)m + 1.0 / n;
	*t2 = q / c;
	f = (n - (double)p) / ((double)p * (n - 1.0)) * *t2;
	return joint_f_sf(f, (double)p, n - (double)p);
}
