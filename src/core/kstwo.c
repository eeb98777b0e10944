/*
 * The exact distribution of the two-sided one-sample Kolmogorov statistic
 * D_n (scipy.stats.kstwo), computed as scipy's _kolmogn does (Simard and
 * L'Ecuyer 2011): Ruben-Gambino closed forms at the ends, the Durbin
 * matrix (Marsaglia-Tsang-Wang) and Pomeranz recursions for the body,
 * Pelz-Good for large n, and 2 * Smirnov's one-sided tail (Birnbaum-Tingey
 * sum, here in long double log space) for the upper tail. drift-ks.c uses
 * it for the asymptotic p-value of the two-sample test.
 */
#include "core/kstwo.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define KS_E128			128
#define KS_MINLOG		(-7.08396418532264106224E2)	/* cephes */
#define KS_SMIRNOV_MAX_N	1000000

static const double ks_pi = 3.14159265358979323846;

static double	ks_durbin_cdf(int, double);
static double	ks_pomeranz_cdf(int, double);

/* A probability pushed back into [0, 1] (rounding). */
static double
ks_clip(double p)
{
	if (p < 0.0)
		return 0.0;
	if (p > 1.0)
		return 1.0;
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

/* T = A B, all three m x m, row-major. */
static void
ks_matmul(const double *A, const double *B, double *T, int m)
{
	int i, j, l;

	for (i = 0; i < m; i++) {
		for (j = 0; j < m; j++) {
			double s = 0.0;

			for (l = 0; l < m; l++)
				s += A[i * m + l] * B[l * m + j];
			T[i * m + j] = s;
		}
	}
}

/*
 * Durbin's H for d = (k - h)/n, m = 2k - 1: 1/(i-j+1)! on and below the
 * superdiagonal, the first column and the last row from
 * v[j] = (1 - h^(j+1)) / (j+1)!, its corner corrected.
 */
static void
ks_durbin_matrix(double *H, double *v, double *w, int m, double h)
{
	double fac, tt;
	int i, j;

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
}

/*
 * P = H^n by binary powering (T scratch), H rescaled by 2^-128 whenever
 * its k-th diagonal entry passes 2^128; the power of two P owes, out.
 */
static int
ks_durbin_power(double *H, double *P, double *T, int m, int k, int n)
{
	size_t cells = (size_t)m * (size_t)m;
	int i, nn, expnt = 0, hexpnt = 0;

	for (i = 0; i < m; i++)
		P[i * m + i] = 1.0;
	for (nn = n; nn > 0; nn /= 2) {
		if (nn % 2) {
			ks_matmul(P, H, T, m);		/* P = P H */
			memcpy(P, T, cells * sizeof *P);
			expnt += hexpnt;
		}
		ks_matmul(H, H, T, m);			/* H = H H */
		memcpy(H, T, cells * sizeof *H);
		hexpnt *= 2;
		if (fabs(H[(k - 1) * m + k - 1]) > ldexp(1.0, KS_E128)) {
			for (i = 0; i < m * m; i++)
				H[i] = ldexp(H[i], -KS_E128);
			hexpnt += KS_E128;
		}
	}
	return expnt;
}

/*
 * P(D_n <= d) by Durbin's matrix method as organised by Marsaglia, Tsang
 * and Wang: with d = (k - h)/n, the k-th diagonal entry of H^n, times
 * n!/n^n, H the (2k-1) x (2k-1) matrix of ks_durbin_matrix. Binary
 * powering with power-of-two rescaling keeps everything in range.
 */
static double
ks_durbin_cdf(int n, double d)
{
	double nd, h, *H, *P, *T, *v, *w, p;
	int k, m, i, expnt;
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
	ks_durbin_matrix(H, v, w, m, h);
	expnt = ks_durbin_power(H, P, T, m, k, n);
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
 * Pomeranz's three weight rows: g^m / (n^m m!) for g, 2g and 1 - 2g,
 * m < np.
 */
static void
ks_pomeranz_weights(double g, int n, int np, double *gp, double *g2p,
    double *g12p)
{
	double gn = g / n, g2n = 2 * g / n, g12n = (1 - 2 * g) / n;
	int m;

	gp[0] = g2p[0] = g12p[0] = 1.0;
	for (m = 1; m < np; m++) {
		gp[m] = gp[m - 1] * gn / m;
		g2p[m] = g2p[m - 1] * g2n / m;
		g12p[m] = g12p[m - 1] * g12n / m;
	}
}

/*
 * One row of the recursion: v1[c] for columns j1..j2 (c = 0 from j1), the
 * full convolution of v0's window from column k1 with the weights pw, the
 * row rescaled by 2^128 when all of it fell below 2^-128 (*expnt owes it).
 * ln2 = j2 - k1 + 1 > 0; off is k1's place in v0.
 */
static void
ks_pomeranz_row(const double *v0, double *v1, const double *pw, int np,
    int off, int k1, int j1, int j2, int *expnt)
{
	int ln2 = j2 - k1 + 1, alen = ln2, cs = j1 - k1;
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
		*expnt -= KS_E128;
	}
}

/*
 * P(D_n <= x) by Pomeranz's recursion: 2n+1 rows, each the previous row
 * convolved with (almost) Poisson weights of one of three step lengths;
 * only a short window of each row is non-zero. n! V at the end.
 */
static double
ks_pomeranz_cdf(int n, double x)
{
	double t, f, g, ans, *gp, *g2p, *g12p, *v0, *v1, *tmp;
	int ll, ceilf, roundf, np, i, m, j1, j2, k1, v0s, v1s, s, expnt;

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
	ks_pomeranz_weights(g, n, np, gp, g2p, g12p);
	v1[0] = 1.0;
	v0s = v1s = 0;
	expnt = 0;
	ks_pomeranz_j1j2(0, n, ll, ceilf, roundf, &j1, &j2);
	for (i = 1; i < 2 * n + 2; i++) {
		k1 = j1;
		tmp = v0;
		v0 = v1;
		v1 = tmp;
		s = v0s;
		v0s = v1s;
		v1s = s;
		memset(v1, 0, (size_t)np * sizeof *v1);
		ks_pomeranz_j1j2(i, n, ll, ceilf, roundf, &j1, &j2);
		if (j2 - k1 + 1 > 0) {
			ks_pomeranz_row(v0, v1, i == 1 || i == 2 * n + 1 ? gp :
			    i % 2 ? g2p : g12p, np, k1 - v0s, k1, j1, j2,
			    &expnt);
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

/* The regions of Simard and L'Ecuyer (scipy's _kolmogn). */
double
kstwo_sf(int n, double x)
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
