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
 * distribution of size round(en), computed as scipy's _kolmogn does
 * (Simard and L'Ecuyer 2011): Ruben-Gambino closed forms at the ends,
 * the Durbin matrix (Marsaglia-Tsang-Wang) and Pomeranz recursions for
 * the body, Pelz-Good for large n, and 2 * Smirnov's one-sided tail
 * (Birnbaum-Tingey sum, here in long double log space) for the upper tail.
 */
#include "drift-ks.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define KS_MAX_EXACT_N		10000	/* scipy's MAX_AUTO_N */
#define KS_STACK_CELLS		2048	/* inside-method buffer on the stack */
#define KS_E128			128
#define KS_MINLOG		(-7.08396418532264106224E2)	/* cephes */
#define KS_SMIRNOV_MAX_N	1000000

static const double ks_pi = 3.14159265358979323846;

static double	ks_clip(double);
static int64_t	ks_gcd(int64_t, int64_t);
static int64_t	ks_floor_div(int64_t, int64_t);
static int64_t	ks_ceil_div(int64_t, int64_t);
static double	ks_statistic(const double *, size_t, const double *, size_t);
static double	ks_prob_outside_square(int64_t, int64_t);
static double	ks_prob_outside_band(int64_t, int64_t, int64_t, int64_t);
static double	ks_smirnov_sf(int, double);
static double	ks_durbin_cdf(int, double);
static double	ks_pomeranz_cdf(int, double);
static double	ks_pelz_good_cdf(int, double);
static double	ks_kolmogn_sf(int, double);

static double
ks_clip(double p)
{
	if (p < 0.0)
		return 0.0;
	if (p > 1.0)
		return 1.0;
	return p;
}

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

static double
ks_prob_outside_band(int64_t m, int64_t n, int64_t g, int64_t h)
{
	double stackbuf[KS_STACK_CELLS], *a, *rc, p;
	struct ks_floor flo, fhi;
	int64_t mg, ng, x, y, hi0, lo[KS_LANES], hi[KS_LANES];
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
	for (x = 1; x <= m; x += KS_LANES) {
		double v[KS_LANES], dx[KS_LANES], *rcx = rc + x;
		int64_t s, sbeg, send, slast;
		int c, lanes = (int)(m - x + 1 < KS_LANES ? m - x + 1 :
		    KS_LANES);

		for (c = 0; c < lanes; c++) {
			ks_floor_step(&flo);
			ks_floor_step(&fhi);
			lo[c] = flo.q + 1 < 0 ? 0 : flo.q + 1;
			if (lo[c] > n)
				lo[c] = n;
			hi[c] = fhi.q > n + 1 ? n + 1 : fhi.q;
			if (hi[c] <= lo[c])
				goto out;	/* every path has left: p = 1 */
			v[c] = lo[c] == 0 ? 0.0 : 1.0;
			dx[c] = (double)(x + c);
		}
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
		ks_band_steps(a, rcx, lo, hi, v, dx, lanes, lo[0], sbeg);
		if (sbeg < send) {
			/* Full steps: left neighbours come from registers. */
			double v0 = v[0], v1 = v[1], v2 = v[2], v3 = v[3];
			double d0 = dx[0], d1 = dx[1], d2 = dx[2], d3 = dx[3];

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
		ks_band_steps(a, rcx, lo, hi, v, dx, lanes, send, slast);
	}
	p = a[n];
out:
	if (a != stackbuf)
		free(a);
	return p;
}

/*
 * One-sided Smirnov tail P(D+_n >= x) (scipy.special.smirnov) by the
 * Birnbaum-Tingey sum
 *   x sum_{v=0}^{floor(n(1-x))} C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v),
 * all terms positive. Each term is formed in long double log space so
 * neither the binomial nor the powers overflow or underflow; x + v/n and
 * 1 - x - v/n are rebuilt from floor(n x) and the exactly computed
 * fractional part of n x, so the last terms do not cancel.
 */
static double
ks_smirnov_sf(int n, double x)
{
	long double alpha, lbin, sum, prev, lnn;
	double nx, nxlo, nxfl;
	int v, nn, ifl;

	if (!(n > 0 && x >= 0.0 && x <= 1.0))
		return NAN;
	if (n == 1)
		return 1.0 - x;
	if (x == 0.0)
		return 1.0;
	if (x == 1.0)
		return 0.0;

	/* n x = nx + nxlo exactly; floor and fraction from that. */
	nx = (double)n * x;
	nxlo = fma((double)n, x, -nx);
	nxfl = floor(nx);
	alpha = ((long double)nx - nxfl) + nxlo;
	if (alpha < 0) {
		nxfl -= 1.0;
		alpha += 1;
	}
	if (alpha >= 1) {
		nxfl += 1.0;
		alpha -= 1;
	}
	ifl = (int)nxfl;

	if (ifl == 0 || (ifl == 1 && alpha == 0))
		return 1.0 - x * pow(1.0 + x, n - 1);
	if (-2.0 * n * x * x < KS_MINLOG)
		return 0.0;
	if (ifl >= n - 1)
		return pow(1.0 - x, n);
	if (n > KS_SMIRNOV_MAX_N)
		return exp(-pow(6.0 * n * x + 1.0, 2) / 18.0 / n);

	nn = n - ifl - 1;	/* last term with 1 - x - v/n > 0 */
	lnn = logl((long double)n);
	lbin = 0;		/* log C(n, v) */
	sum = 0;
	prev = 0;
	for (v = 0; v <= nn; v++) {
		long double lt, term;

		/* log (x + v/n)^(v-1) (1 - x - v/n)^(n-v) */
		lt = (long double)(v - 1) *
		    (logl((long double)(ifl + v) + alpha) - lnn) +
		    (long double)(n - v) *
		    (logl((long double)(n - ifl - v) - alpha) - lnn);
		term = expl(lbin + lt);
		sum += term;
		/* Terms are unimodal in v: stop once the rest is negligible. */
		if (v > 0 && term < prev &&
		    4.0L * (long double)(nn - v + 1) * term < LDBL_EPSILON * sum)
			break;
		prev = term;
		lbin += logl((long double)(n - v) / (long double)(v + 1));
	}
	return (double)((long double)x * sum);
}

/*
 * P(D_n <= d) by Durbin's matrix method as organised by Marsaglia, Tsang
 * and Wang: with d = (k - h)/n, the k-th diagonal entry of H^n, times
 * n!/n^n, H the (2k-1) x (2k-1) matrix below. Binary powering with
 * power-of-two rescaling keeps everything in range.
 */
static double
ks_durbin_cdf(int n, double d)
{
	double nd, h, fac, tt, *H, *P, *T, *v, *w, p;
	int k, m, i, j, l, nn, expnt, hexpnt;
	size_t cells;

	if (d >= 1.0)
		return 1.0;
	nd = n * d;
	if (nd <= 0.5)
		return 0.0;
	k = (int)ceil(nd);
	h = k - nd;
	m = 2 * k - 1;
	cells = (size_t)m * (size_t)m;
	H = xcalloc(cells, sizeof *H);
	P = xcalloc(cells, sizeof *P);
	T = xcalloc(cells, sizeof *T);
	v = xcalloc((size_t)m, sizeof *v);
	w = xcalloc((size_t)m, sizeof *w);

	/* v[j] = (1 - h^(j+1)) / (j+1)!, w[j] = 1 / j! */
	fac = 1.0;
	for (j = 1; j <= m; j++) {
		v[j - 1] = 1.0 - pow(h, j);
		w[j - 1] = fac;
		fac /= j;
		v[j - 1] *= fac;
	}
	tt = pow(fmax(2.0 * h - 1.0, 0.0), m) - 2.0 * pow(h, m);
	v[m - 1] = (1.0 + tt) * fac;
	for (i = 1; i < m; i++)
		for (j = i - 1; j < m; j++)
			H[j * m + i] = w[j - i + 1];
	for (j = 0; j < m; j++)
		H[j * m] = v[j];
	for (j = 0; j < m; j++)
		H[(m - 1) * m + j] = v[m - 1 - j];
	for (j = 0; j < m; j++)
		P[j * m + j] = 1.0;

	nn = n;
	expnt = 0;
	hexpnt = 0;
	while (nn > 0) {
		if (nn % 2) {
			/* P = P H */
			for (i = 0; i < m; i++) {
				for (j = 0; j < m; j++) {
					double s = 0.0;

					for (l = 0; l < m; l++)
						s += P[i * m + l] * H[l * m + j];
					T[i * m + j] = s;
				}
			}
			memcpy(P, T, cells * sizeof *P);
			expnt += hexpnt;
		}
		/* H = H H */
		for (i = 0; i < m; i++) {
			for (j = 0; j < m; j++) {
				double s = 0.0;

				for (l = 0; l < m; l++)
					s += H[i * m + l] * H[l * m + j];
				T[i * m + j] = s;
			}
		}
		memcpy(H, T, cells * sizeof *H);
		hexpnt *= 2;
		if (fabs(H[(k - 1) * m + k - 1]) > ldexp(1.0, KS_E128)) {
			for (i = 0; i < m * m; i++)
				H[i] = ldexp(H[i], -KS_E128);
			hexpnt += KS_E128;
		}
		nn /= 2;
	}
	p = P[(k - 1) * m + k - 1];
	/* times n! / n^n */
	for (i = 1; i <= n; i++) {
		p = i * p / n;
		if (fabs(p) < ldexp(1.0, -KS_E128)) {
			p = ldexp(p, KS_E128);
			expnt -= KS_E128;
		}
	}
	if (expnt != 0)
		p = ldexp(p, expnt);
	free(H);
	free(P);
	free(T);
	free(v);
	free(w);
	return ks_clip(p);
}

/* Pomeranz row interval [j1, j2] for row i (scipy's index bookkeeping). */
static void
ks_pomeranz_j1j2(int i, int n, int ll, int ceilf, int roundf, int *j1,
    int *j2)
{
	int a, b;

	if (i == 0) {
		a = -ll - ceilf - 1;
		b = ll + ceilf - 1;
	} else {
		int div = (i + 1) / 2, mod = (i + 1) % 2;

		if (mod == 0) {
			if (div == n + 1) {
				a = n - ll - ceilf - 1;
				b = n + ll + ceilf - 1;
			} else {
				a = div - 1 - ll - roundf - 1;
				b = div + ll - 1 + ceilf - 1;
			}
		} else {
			a = div - 1 - ll - 1;
			b = div + ll + roundf - 1;
		}
	}
	*j1 = a + 2 > 0 ? a + 2 : 0;
	*j2 = b < n ? b : n;
}

/*
 * P(D_n <= x) by Pomeranz's recursion: 2n+1 rows, each the previous row
 * convolved with (almost) Poisson weights of one of three step lengths;
 * only a short window of each row is non-zero. n! V at the end.
 */
static double
ks_pomeranz_cdf(int n, double x)
{
	double t, f, g, gn, g2n, g12n, ans, *gp, *g2p, *g12p, *v0, *v1, *tmp;
	int ll, ceilf, roundf, np, i, m, j1, j2, k1, v0s, v1s, expnt;

	t = n * x;
	ll = (int)floor(t);
	f = t - ll;
	g = f < 1.0 - f ? f : 1.0 - f;
	ceilf = f > 0 ? 1 : 0;
	roundf = f > 0.5 ? 1 : 0;
	np = 2 * (ll + 1);
	gp = xcalloc((size_t)np, sizeof *gp);
	g2p = xcalloc((size_t)np, sizeof *g2p);
	g12p = xcalloc((size_t)np, sizeof *g12p);
	v0 = xcalloc((size_t)np, sizeof *v0);
	v1 = xcalloc((size_t)np, sizeof *v1);

	gp[0] = g2p[0] = g12p[0] = 1.0;
	gn = g / n;
	g2n = 2 * g / n;
	g12n = (1 - 2 * g) / n;
	for (m = 1; m < np; m++) {
		gp[m] = gp[m - 1] * gn / m;
		g2p[m] = g2p[m - 1] * g2n / m;
		g12p[m] = g12p[m - 1] * g12n / m;
	}
	v1[0] = 1.0;
	v0s = v1s = 0;
	expnt = 0;
	ks_pomeranz_j1j2(0, n, ll, ceilf, roundf, &j1, &j2);
	for (i = 1; i < 2 * n + 2; i++) {
		const double *pw;
		int ln2, s;

		k1 = j1;
		tmp = v0;
		v0 = v1;
		v1 = tmp;
		s = v0s;
		v0s = v1s;
		v1s = s;
		memset(v1, 0, (size_t)np * sizeof *v1);
		ks_pomeranz_j1j2(i, n, ll, ceilf, roundf, &j1, &j2);
		if (i == 1 || i == 2 * n + 1)
			pw = gp;
		else
			pw = i % 2 ? g2p : g12p;
		ln2 = j2 - k1 + 1;
		if (ln2 > 0) {
			int off = k1 - v0s, alen = ln2, cs = j1 - k1;
			int clen = j2 - j1 + 1, c, q;
			double mx = 0.0;

			if (off + alen > np)
				alen = np - off;
			/* v1[c] = (v0[off..] * pw)[cs + c], full convolution */
			for (c = 0; c < clen; c++) {
				int idx = cs + c;
				double sum = 0.0;

				for (q = 0; q < alen; q++) {
					int r = idx - q;

					if (r >= 0 && r < ln2)
						sum += v0[off + q] * pw[r];
				}
				v1[c] = sum;
				if (sum > mx)
					mx = sum;
			}
			if (mx > 0 && mx < ldexp(1.0, -KS_E128)) {
				for (c = 0; c < np; c++)
					v1[c] = ldexp(v1[c], KS_E128);
				expnt -= KS_E128;
			}
			v1s = v0s + j1 - k1;
		}
	}
	ans = v1[n - v1s];
	for (m = 1; m <= n; m++) {
		if (fabs(ans) > ldexp(1.0, KS_E128)) {
			ans = ldexp(ans, -KS_E128);
			expnt += KS_E128;
		}
		ans *= m;
	}
	if (expnt != 0)
		ans = ldexp(ans, expnt);
	free(gp);
	free(g2p);
	free(g12p);
	free(v0);
	free(v1);
	return ks_clip(ans);
}

/*
 * Pelz-Good: Li-Chien/Korolyuk's expansion K0 + K1/sqrt(n) + K2/n +
 * K3/n^1.5 with each K rewritten through Jacobi theta identities so that
 * it converges for small z = x sqrt(n).
 */
static double
ks_pelz_good_cdf(int n, double x)
{
	const double pi2 = ks_pi * ks_pi, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
	const double sqrt2pi = sqrt(2 * ks_pi);
	double z, z2, z3, z4, z6, qlog, q, k1a, k1b, k2a, k2b, k2c, k3a, k3b;
	double k3c, k3d, K[4] = { 0, 0, 0, 0 }, sqrt3z, k2x, k3x, sum;
	int maxk, k, i;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	z = sqrt((double)n) * x;
	z2 = z * z;
	z3 = z2 * z;
	z4 = z2 * z2;
	z6 = z4 * z2;
	qlog = -pi2 / 8 / z2;
	if (qlog < -708)
		return 0.0;
	q = exp(qlog);

	k1a = -z2;
	k1b = pi2 / 4;
	k2a = 6 * z6 + 2 * z4;
	k2b = (2 * z4 - 5 * z2) * pi2 / 4;
	k2c = pi4 * (1 - 2 * z2) / 16;
	k3d = pi6 * (5 - 30 * z2) / 64;
	k3c = pi4 * (-60 * z2 + 212 * z4) / 16;
	k3b = pi2 * (135 * z4 - 96 * z6) / 4;
	k3a = -30 * z6 - 90 * z4 * z4;

	/* Horner in q^8 over odd m = 2k - 1. */
	maxk = (int)ceil(16 * z / ks_pi);
	for (k = maxk; k > 0; k--) {
		double mm = 2.0 * k - 1, m2 = mm * mm, m4 = m2 * m2;
		double m6 = m4 * m2, qp = pow(q, 8.0 * k);

		K[0] = K[0] * qp + 1.0;
		K[1] = K[1] * qp + (k1a + k1b * m2);
		K[2] = K[2] * qp + (k2a + k2b * m2 + k2c * m4);
		K[3] = K[3] * qp + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
	}
	for (i = 0; i < 4; i++)
		K[i] *= q * sqrt2pi;
	K[0] /= z;
	K[1] /= 6 * z4;
	K[2] /= 72 * z4 * z3;
	K[3] /= 6480 * z4 * z6;

	/* The sums over all integers k for K2 and K3. */
	q = exp(-pi2 / 2 / z2);
	sqrt3z = sqrt(3.0) * z;
	k2x = 0;
	k3x = 0;
	for (k = maxk; k > 0; k--) {
		double ks2 = (double)k * k, qk = pow(q, ks2), kp = ks_pi * k;

		k2x += ks2 * qk;
		k3x += (sqrt3z + kp) * (sqrt3z - kp) * ks2 * qk;
	}
	K[2] += k2x * pi2 * sqrt2pi / (-36 * z3);
	K[3] += k3x * pi2 * sqrt2pi / (216 * z6);
	sum = 0;
	for (i = 0; i < 4; i++)
		sum += K[i] / pow((double)n, i / 2.0);
	return sum;
}

/* log(n! / n^n) by Stirling with n log n taken out first. */
static double
ks_log_nfact_div_npow(int n)
{
	static const double c[] = {
		-2.955065359477124183e-2, 6.4102564102564102564e-3,
		-1.9175269175269175269e-3, 8.4175084175084175084e-4,
		-5.952380952380952381e-4, 7.9365079365079365079e-4,
		-2.7777777777777777778e-3, 8.3333333333333333333e-2,
	};
	double rn = 1.0 / n, x = rn / n, p = 0.0;
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++)
		p = p * x + c[i];
	return log((double)n) / 2 - n + log(2 * ks_pi) / 2 + rn * p;
}

/*
 * kstwo.sf(x, n) = P(D_n > x) for the two-sided one-sample statistic,
 * following the region choices of Simard and L'Ecuyer (scipy's _kolmogn).
 */
static double
ks_kolmogn_sf(int n, double x)
{
	double t, nx2, p;

	if (x >= 1.0)
		return 0.0;
	if (x <= 0.0)
		return 1.0;
	t = n * x;
	if (t <= 1.0) {
		/* Ruben-Gambino: P(D_n <= x) = n!/n^n (2t - 1)^n */
		if (t <= 0.5)
			return 1.0;
		if (n <= 140) {
			int i;

			p = 1.0;
			for (i = 1; i <= n; i++)
				p *= i * (1.0 / n) * (2 * t - 1);
		} else
			p = exp(ks_log_nfact_div_npow(n) +
			    n * log(2 * t - 1));
		return ks_clip(1.0 - ks_clip(p));
	}
	if (t >= n - 1)
		return ks_clip(2 * pow(1.0 - x, n));
	if (x >= 0.5)
		return ks_clip(2 * ks_smirnov_sf(n, x));
	nx2 = t * x;
	if (n <= 140) {
		if (nx2 <= 0.754693)
			return ks_clip(1.0 - ks_durbin_cdf(n, x));
		if (nx2 <= 4)
			return ks_clip(1.0 - ks_pomeranz_cdf(n, x));
		return ks_clip(2 * ks_smirnov_sf(n, x));
	}
	if (nx2 >= 370.0)
		return 0.0;
	if (nx2 >= 2.2)
		return ks_clip(2 * ks_smirnov_sf(n, x));
	if (n <= 100000 && n * pow(x, 1.5) <= 1.4)
		p = ks_durbin_cdf(n, x);
	else
		p = ks_pelz_good_cdf(n, x);
	return ks_clip(1.0 - ks_clip(p));
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
		p = ks_kolmogn_sf((int)nearbyint(en), d);
	}
	out->statistic = d;
	out->p_value = ks_clip(p);
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
