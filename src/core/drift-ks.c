/*
 * Two-sample Kolmogorov-Smirnov test, scipy.stats.ks_2samp(a, b) with its
 * defaults (two-sided, method='auto'), as of scipy 1.10.
 *
 * Statistic: D = max |F_a(x) - F_b(x)| over the pooled sample, both ECDFs
 * right-continuous (count of values <= x), each difference evaluated as
 * i / na - j / nb in double exactly as numpy does. One merge over the two
 * sorted arrays visits every distinct pooled value once.
 *
 * p-value, when max(na, nb) <= 10000 ("exact"): D is snapped to the lattice
 * h / lcm(na, nb) (h rounded half to even) and the reported statistic is
 * that snapped value. Then
 *   na == nb: P(D >= h/n) by the alternating reflection sum of
 *             scipy's _compute_prob_outside_square (Horner form);
 *   na != nb: the probability that a uniformly random lattice path from
 *             (0, 0) to (m, n) leaves the band |x/m - y/n| < h/lcm, by
 *             Hodges' inside method in Viehmann's 1 - p form: each cell
 *             holds the probability that a path to it has already left, so
 *             everything stays in [0, 1] and nothing overflows.
 * If the result is not in [0, 1] (rounding can push 2P above 1 in the
 * square case) scipy gives up on "exact" and falls back to the asymptotic
 * branch with the snapped D; so do we.
 *
 * p-value otherwise ("asymp"): kstwo.sf(D, round(en)) with en = m n /
 * (m + n), the survival function of the exact one-sample Kolmogorov
 * distribution of size round(en) (kstwo.c).
 */
#include "drift-ks.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/kstwo.h"
#include "core/xalloc.h"

#if defined(__SSE2__) && !defined(KS_SCALAR)
#include <emmintrin.h>
#endif

#define KS_MAX_EXACT_N		10000	/* scipy's MAX_AUTO_N */
#define KS_STACK_CELLS		2048	/* inside-method buffer on the stack */

static int64_t	ks_gcd(int64_t, int64_t);
static int64_t	ks_floor_div(int64_t, int64_t);
static int64_t	ks_ceil_div(int64_t, int64_t);
static double	ks_statistic(const double *, size_t, const double *, size_t);
static double	ks_prob_outside_square(int64_t, int64_t);
static double	ks_prob_outside_band(int64_t, int64_t, int64_t, int64_t);

static int64_t
ks_gcd(int64_t a, int64_t b)
{
	while (b != 0) {
		int64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* floor(a / b) for b > 0, any sign of a. */
static int64_t
ks_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && a < 0)
		q--;
	return q;
}

/* ceil(a / b) for b > 0, any sign of a. */
static int64_t
ks_ceil_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && a > 0)
		q++;
	return q;
}

/*
 * Track the largest |F_a - F_b| seen at (i, j) = counts of a and b <= x.
 * Candidates are ranked by the exact integer |i nb - j na|; only on a tie
 * or a new maximum is the double i/na - j/nb formed (as numpy forms it),
 * so the result is numpy's max bit for bit at a fraction of the divisions.
 */
struct ks_track {
	int64_t	kmax;
	double	d;
	double	dna, dnb;
	int64_t	na, nb;
};

static void
ks_track_at(struct ks_track *t, size_t i, size_t j)
{
	int64_t k = (int64_t)i * t->nb - (int64_t)j * t->na;
	double diff;

	if (k < 0)
		k = -k;
	if (k < t->kmax)
		return;
	diff = fabs((double)i / t->dna - (double)j / t->dnb);
	if (k > t->kmax || diff > t->d)
		t->d = diff;
	t->kmax = k;
}

/*
 * sup |F_a - F_b| by one merge over both sorted samples. Each step takes
 * the smaller head (both on a tie); the ECDFs are compared only once a
 * run of equal values is fully consumed on both sides. Branch-free in the
 * common path, since sorted heads compare unpredictably.
 */
static double
ks_statistic(const double *a, size_t na, const double *b, size_t nb)
{
	struct ks_track t = { 0, 0.0, (double)na, (double)nb, (int64_t)na,
	    (int64_t)nb };
	size_t i = 0, j = 0;
	double x;

	while (i < na && j < nb) {
		double ai = a[i], bj = b[j];
		int more;

		x = ai < bj ? ai : bj;
		i += ai == x;
		j += bj == x;
		more = (i < na && a[i] == x) | (j < nb && b[j] == x);
		if (!more)
			ks_track_at(&t, i, j);
	}
	/*
	 * One sample is used up: its ECDF is 1 from here on and the other
	 * only grows, so the largest remaining gap is where the next run of
	 * equal values in the other sample ends.
	 */
	if (i < na) {
		x = a[i];
		while (i < na && a[i] == x)
			i++;
		ks_track_at(&t, i, j);
	} else if (j < nb) {
		x = b[j];
		while (j < nb && b[j] == x)
			j++;
		ks_track_at(&t, i, j);
	}
	return t.d;
}

/*
 * P(D_{n,n} >= h/n) = 2 sum_k (-1)^(k+1) C(2n, n - kh) / C(2n, n), each
 * ratio a product of h factors, nested Horner-wise as
 * 2 A0 (1 - A1 (1 - A2 (...))). Same operation order as scipy, so the
 * "2P > 1" fallback triggers on the same inputs.
 */
static double
ks_prob_outside_square(int64_t n, int64_t h)
{
	double p = 0.0;
	int64_t k, j;

	for (k = n / h; k >= 0; k--) {
		double p1 = 1.0;

		for (j = 0; j < h; j++)
			p1 = (double)(n - k * h - j) * p1 /
			    (double)(n + k * h + j + 1);
		p = p1 * (1.0 - p);
	}
	return 2.0 * p;
}

/*
 * Probability that a random monotone lattice path from (0, 0) to (m, n)
 * touches |n x / g - m y / g| >= h (Hodges' inside method in Viehmann's
 * 1 - p form, as scipy's _compute_outer_prob_inside_method).
 *
 * a[y] holds, for the current column x, the probability that a path to
 * (x, y) has already left the band; cells outside the band hold 1. Column
 * x covers rows [lo(x), hi(x)), both non-decreasing in x, and
 *   a'[y] = (a[y] x + a'[y-1] y) / (x + y),   a'[lo-1] = 1 (0 if lo = 0).
 * Every value stays in [0, 1] and nothing overflows, so unlike the square
 * case this never "fails" in scipy.
 *
 * Speed: the recurrence down a column is a serial chain, so KS_LANES
 * consecutive columns are swept together, skewed by one row: at step s,
 * lane c (column x0 + c) does row s - c, whose left neighbour is lane
 * c-1's result from step s - 1, still in a register. All lanes of a step
 * share x + y = x0 + s, so the division becomes a multiplication by a
 * precomputed 1 / (x + y). The cost is ~ band area (2 D m n cells) at a
 * couple of cycles each; multiplying by a reciprocal instead of dividing
 * moves the result by a few ulps from scipy's (measured: < 1e-13).
 */
#define KS_LANES	4
_Static_assert(KS_LANES == 4, "the full-step loop is written out for 4 lanes");

/* floor((ng x + off) / mg) maintained as x steps by one (0 <= ng <= mg). */
struct ks_floor {
	int64_t	q, r, ng, mg;
};

static void
ks_floor_init(struct ks_floor *f, int64_t ng, int64_t mg, int64_t off)
{
	f->ng = ng;
	f->mg = mg;
	f->q = ks_floor_div(off, mg);
	f->r = off - f->q * mg;
}

static void
ks_floor_step(struct ks_floor *f)
{
	f->r += f->ng;
	if (f->r >= f->mg) {
		f->r -= f->mg;
		f->q++;
	}
}

/* Steps [s0, s1) of a lane sweep, any lane possibly outside its window. */
static void
ks_band_steps(double *a, const double *rcx, const int64_t *lo,
    const int64_t *hi, double *v, const double *dx, int lanes, int64_t s0,
    int64_t s1)
{
	int64_t s, y;
	int c;

	for (s = s0; s < s1; s++) {
		double r = rcx[s];

		for (c = 0; c < lanes; c++) {
			y = s - c;
			if (y < lo[c] || y >= hi[c])
				continue;
			v[c] = (a[y] * dx[c] + v[c] * (double)y) * r;
			a[y] = v[c];
		}
	}
}

/*
 * The lanes' windows at columns x..x+lanes-1: lo[c] and hi[c] from the
 * stepped floors, the first value v[c] and the column dx[c]. False when a
 * window is empty: every path has left the band.
 */
static bool
ks_band_lanes(struct ks_floor *flo, struct ks_floor *fhi, int64_t n,
    int64_t x, int lanes, int64_t *lo, int64_t *hi, double *v, double *dx)
{
	int c;

	for (c = 0; c < lanes; c++) {
		ks_floor_step(flo);
		ks_floor_step(fhi);
		lo[c] = flo->q + 1 < 0 ? 0 : flo->q + 1;
		if (lo[c] > n)
			lo[c] = n;
		hi[c] = fhi->q > n + 1 ? n + 1 : fhi->q;
		if (hi[c] <= lo[c])
			return false;
		v[c] = lo[c] == 0 ? 0.0 : 1.0;
		dx[c] = (double)(x + c);
	}
	return true;
}

/*
 * Steps [sbeg, send) where all KS_LANES lanes are inside their windows:
 * each lane's left neighbour comes from a register, not from a[]. With
 * SSE2 (every x86-64) the four lanes are two vectors of two, lanes 0-1
 * and 2-3, each lane's cell still (left * x + up * y) * r in that order,
 * so the same doubles as the scalar loop (tests/core/test-ks.c
 * band_plain_same checks both against the recurrence written plainly).
 */
#if defined(__SSE2__) && !defined(KS_SCALAR)
static void
ks_band_full(double *a, const double *rcx, double *v, const double *dx,
    int64_t sbeg, int64_t send)
{
	__m128d v01 = _mm_set_pd(v[1], v[0]), v23 = _mm_set_pd(v[3], v[2]);
	__m128d d01 = _mm_set_pd(dx[1], dx[0]), d23 = _mm_set_pd(dx[3], dx[2]);
	__m128d y01 = _mm_set_pd((double)(sbeg - 1), (double)sbeg);
	__m128d y23 = _mm_set_pd((double)(sbeg - 3), (double)(sbeg - 2));
	__m128d one = _mm_set1_pd(1.0), r, l01, l23;
	int64_t s;

	for (s = sbeg; s < send; s++) {
		r = _mm_load1_pd(rcx + s);
		l01 = _mm_unpacklo_pd(_mm_load_sd(a + s), v01);	/* a[s], v0 */
		l23 = _mm_shuffle_pd(v01, v23, 1);		/* v1, v2 */
		v01 = _mm_mul_pd(_mm_add_pd(_mm_mul_pd(l01, d01),
		    _mm_mul_pd(v01, y01)), r);
		v23 = _mm_mul_pd(_mm_add_pd(_mm_mul_pd(l23, d23),
		    _mm_mul_pd(v23, y23)), r);
		/* a[s - 1] = v1, a[s] = v0; a[s - 3] = v3, a[s - 2] = v2 */
		_mm_storeu_pd(a + s - 1, _mm_shuffle_pd(v01, v01, 1));
		_mm_storeu_pd(a + s - 3, _mm_shuffle_pd(v23, v23, 1));
		y01 = _mm_add_pd(y01, one);
		y23 = _mm_add_pd(y23, one);
	}
	_mm_storel_pd(v, v01);
	_mm_storeh_pd(v + 1, v01);
	_mm_storel_pd(v + 2, v23);
	_mm_storeh_pd(v + 3, v23);
}
#else
static void
ks_band_full(double *a, const double *rcx, double *v, const double *dx,
    int64_t sbeg, int64_t send)
{
	double v0 = v[0], v1 = v[1], v2 = v[2], v3 = v[3];
	double d0 = dx[0], d1 = dx[1], d2 = dx[2], d3 = dx[3];
	int64_t s;

	for (s = sbeg; s < send; s++) {
		double r = rcx[s], ds = (double)s;

		v3 = (v2 * d3 + v3 * (ds - 3)) * r;
		v2 = (v1 * d2 + v2 * (ds - 2)) * r;
		v1 = (v0 * d1 + v1 * (ds - 1)) * r;
		v0 = (a[s] * d0 + v0 * ds) * r;
		a[s] = v0;
		a[s - 1] = v1;
		a[s - 2] = v2;
		a[s - 3] = v3;
	}
	v[0] = v0;
	v[1] = v1;
	v[2] = v2;
	v[3] = v3;
}
#endif

/*
 * One sweep of KS_LANES columns from x: the lanes' ragged starts one at a
 * time, the steps where all are inside together, the ragged ends. False
 * when every path has left the band.
 */
static bool
ks_band_sweep(double *a, const double *rc, struct ks_floor *flo,
    struct ks_floor *fhi, int64_t m, int64_t n, int64_t x)
{
	double v[KS_LANES], dx[KS_LANES];
	int64_t lo[KS_LANES] = { 0 }, hi[KS_LANES] = { 0 }, sbeg, send, slast;
	int c, lanes = (int)(m - x + 1 < KS_LANES ? m - x + 1 : KS_LANES);

	if (!ks_band_lanes(flo, fhi, n, x, lanes, lo, hi, v, dx))
		return false;
	/* Steps where every lane is inside its window. */
	sbeg = lo[0];
	send = hi[0];
	for (c = 1; c < lanes; c++) {
		if (lo[c] + c > sbeg)
			sbeg = lo[c] + c;
		if (hi[c] + c < send)
			send = hi[c] + c;
	}
	if (lanes < KS_LANES || sbeg > send)
		sbeg = send = lo[0];
	slast = hi[lanes - 1] + lanes - 1;
	ks_band_steps(a, rc + x, lo, hi, v, dx, lanes, lo[0], sbeg);
	if (sbeg < send)
		ks_band_full(a, rc + x, v, dx, sbeg, send);
	ks_band_steps(a, rc + x, lo, hi, v, dx, lanes, send, slast);
	return true;
}

static double
ks_prob_outside_band(int64_t m, int64_t n, int64_t g, int64_t h)
{
	double stackbuf[KS_STACK_CELLS], *a, *rc, p;
	struct ks_floor flo, fhi;
	int64_t mg, ng, x, y, hi0;
	size_t cells;

	if (m < n) {
		int64_t t = m;

		m = n;
		n = t;
	}
	mg = m / g;
	ng = n / g;
	/* One buffer: a[0..n], then rc[0..m+n] with rc[s] = 1 / s. */
	cells = (size_t)(n + 1) + (size_t)(m + n + 1);
	if (cells <= KS_STACK_CELLS)
		a = stackbuf;
	else
		a = xreallocarray(NULL, cells, sizeof *a);
	rc = a + n + 1;
	rc[0] = 0.0;
	for (x = 1; x <= m + n; x++)
		rc[x] = 1.0 / (double)x;
	hi0 = ks_ceil_div(h, mg);
	if (hi0 > n + 1)
		hi0 = n + 1;
	for (y = 0; y <= n; y++)
		a[y] = y < hi0 ? 0.0 : 1.0;

	/* lo(x) = floor((ng x - h) / mg) + 1, hi(x) = ceil((ng x + h) / mg) */
	ks_floor_init(&flo, ng, mg, -h);
	ks_floor_init(&fhi, ng, mg, h + mg - 1);
	p = 1.0;
	for (x = 1; x <= m; x += KS_LANES)
		if (!ks_band_sweep(a, rc, &flo, &fhi, m, n, x))
			goto out;	/* every path has left: p = 1 */
	p = a[n];
out:
	if (a != stackbuf)
		free(a);
	return p;
}

#define KS_SORT_RUN	8	/* insertion-sorted run length */
#define KS_SORT_STACK	1024	/* merge buffer on the stack */

/* Merge sorted a[0..na) and b[0..nb) into out, stably (a first on ties). */
static void
ks_merge(const double *a, size_t na, const double *b, size_t nb,
    double *out)
{
	size_t i = 0, j = 0, k = 0;

	while (i < na && j < nb) {
		if (b[j] < a[i])
			out[k++] = b[j++];
		else
			out[k++] = a[i++];
	}
	while (i < na)
		out[k++] = a[i++];
	while (j < nb)
		out[k++] = b[j++];
}

/*
 * A stable ascending sort with the comparison inlined: insertion sort of
 * short runs, then bottom-up merges between v and a buffer. Stable like
 * glibc's qsort (a merge sort), so the order of equal keys (-0 and +0) is
 * what qsort with a (a > b) - (a < b) comparison gave.
 */
void
drift_ks_sort(double *v, size_t n)
{
	double stack[KS_SORT_STACK], *tmp, *src, *dst, *t, x;
	size_t i, j, w, lo, mid, hi;

	if (n < 2)
		return;
	for (lo = 0; lo < n; lo += KS_SORT_RUN) {
		hi = lo + KS_SORT_RUN < n ? lo + KS_SORT_RUN : n;
		for (i = lo + 1; i < hi; i++) {
			x = v[i];
			for (j = i; j > lo && x < v[j - 1]; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
	}
	if (n <= KS_SORT_RUN)
		return;
	tmp = n <= KS_SORT_STACK ? stack : xmalloc(n * sizeof *tmp);
	src = v;
	dst = tmp;
	for (w = KS_SORT_RUN; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = lo + 2 * w < n ? lo + 2 * w : n;
			ks_merge(src + lo, mid - lo, src + mid, hi - mid,
			    dst + lo);
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof *v);
	if (tmp != stack)
		free(tmp);
}

void
drift_ks_sorted(const double *a, size_t na, const double *b, size_t nb,
    struct ks_result *out)
{
	double d, p, m, n, en;
	int exact;

	d = ks_statistic(a, na, b, nb);
	exact = na <= KS_MAX_EXACT_N && nb <= KS_MAX_EXACT_N;
	if (exact) {
		int64_t n1 = (int64_t)na, n2 = (int64_t)nb, g, lcm, h;

		g = ks_gcd(n1, n2);
		lcm = (n1 / g) * n2;
		h = (int64_t)nearbyint(d * (double)lcm);
		d = (double)h / (double)lcm;
		if (h == 0)
			p = 1.0;
		else if (n1 == n2)
			p = ks_prob_outside_square(n1, h);
		else
			p = ks_prob_outside_band(n1, n2, g, h);
		/* scipy: a result outside [0, 1] means "exact failed". */
		if (!(p >= 0.0 && p <= 1.0))
			exact = 0;
	}
	if (!exact) {
		m = (double)(na > nb ? na : nb);
		n = (double)(na > nb ? nb : na);
		en = m * n / (m + n);
		p = kstwo_sf((int)nearbyint(en), d);
	}
	out->statistic = d;
	out->p_value = p < 0.0 ? 0.0 : p > 1.0 ? 1.0 : p;
}

double
drift_ks_statistic(const double *a, size_t na, const double *b, size_t nb)
{
	return ks_statistic(a, na, b, nb);
}

void
drift_ks(const double *a, size_t na, const double *b, size_t nb,
    struct ks_result *out)
{
	double *sa, *sb;

	sa = xreallocarray(NULL, na, sizeof *sa);
	sb = xreallocarray(NULL, nb, sizeof *sb);
	memcpy(sa, a, na * sizeof *sa);
	memcpy(sb, b, nb * sizeof *sb);
	drift_ks_sort(sa, na);
	drift_ks_sort(sb, nb);
	drift_ks_sorted(sa, na, sb, nb, out);
	free(sa);
	free(sb);
}
