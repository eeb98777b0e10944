/*
 * Portable log and exp (see pmath.h for why).
 *
 * log: x = m * 2^e with m in [sqrt(1/2), sqrt(2)) (frexp, exact), then
 * log(m) = 2 atanh(t), t = (m - 1) / (m + 1), |t| <= 0.1716, summed as the
 * odd series t + t^3/3 + ... + t^21/21 in Horner form (truncation error
 * below 2^-60 relative). e * log(2) is added in two parts (Cody-Waite).
 *
 * exp: x = k log(2) + r with k = floor(x / log(2) + 1/2), |r| <= 0.3466,
 * e^r by its Taylor polynomial to degree 14 (error below 2^-60), then
 * scaled by 2^k with ldexp (exact).
 *
 * Accuracy is within a few ulp, which is plenty for a generator; what
 * matters is that every step is an IEEE basic operation in a fixed order.
 */
#include "pmath.h"

#include <math.h>

#include "core/rng.h"

/* log(2) split so that k * LN2_HI is exact for |k| < 2^11. */
static const double LN2_HI = 6.93147180369123816490e-01;
static const double LN2_LO = 1.90821492927058770002e-10;
static const double INV_LN2 = 1.44269504088896338700e+00;
static const double SQRT_HALF = 0.70710678118654752440;

double
pmath_log(double x)
{
	double m, t, t2, s;
	int e;

	if (x != x || x < 0.0)
		return NAN;
	if (x == 0.0)
		return -INFINITY;
	if (x > 1.7976931348623157e308)
		return INFINITY;
	m = frexp(x, &e);	/* x = m * 2^e, m in [0.5, 1) */
	if (m < SQRT_HALF) {
		m *= 2.0;
		e--;
	}
	t = (m - 1.0) / (m + 1.0);
	t2 = t * t;
	s = 1.0 / 21.0;
	s = s * t2 + 1.0 / 19.0;
	s = s * t2 + 1.0 / 17.0;
	s = s * t2 + 1.0 / 15.0;
	s = s * t2 + 1.0 / 13.0;
	s = s * t2 + 1.0 / 11.0;
	s = s * t2 + 1.0 / 9.0;
	s = s * t2 + 1.0 / 7.0;
	s = s * t2 + 1.0 / 5.0;
	s = s * t2 + 1.0 / 3.0;
	s = s * t2;
	/* 2 t (1 + s) = 2t + 2ts */
	return (double)e * LN2_HI +
	    ((double)e * LN2_LO + (2.0 * t + 2.0 * t * s));
}

double
pmath_exp(double x)
{
	double kd, r, p;
	int k;

	if (x != x)
		return x;
	if (x < -745.2)
		return 0.0;
	if (x > 709.78)
		return INFINITY;
	kd = floor(x * INV_LN2 + 0.5);
	k = (int)kd;
	r = (x - kd * LN2_HI) - kd * LN2_LO;
	p = 1.0 / 87178291200.0;			/* 1/14! */
	p = p * r + 1.0 / 6227020800.0;
	p = p * r + 1.0 / 479001600.0;
	p = p * r + 1.0 / 39916800.0;
	p = p * r + 1.0 / 3628800.0;
	p = p * r + 1.0 / 362880.0;
	p = p * r + 1.0 / 40320.0;
	p = p * r + 1.0 / 5040.0;
	p = p * r + 1.0 / 720.0;
	p = p * r + 1.0 / 120.0;
	p = p * r + 1.0 / 24.0;
	p = p * r + 1.0 / 6.0;
	p = p * r + 0.5;
	p = p * r + 1.0;
	p = p * r + 1.0;
	return ldexp(p, k);
}

void
pmath_gauss_init(struct pmath_gauss *g)
{
	g->have = false;
	g->spare = 0.0;
}

double
pmath_gauss_next(struct pmath_gauss *g, struct rng *r)
{
	double u, v, s, f;

	if (g->have) {
		g->have = false;
		return g->spare;
	}
	do {
		u = 2.0 * rng_uniform(r) - 1.0;
		v = 2.0 * rng_uniform(r) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	f = sqrt(-2.0 * pmath_log(s) / s);
	g->spare = v * f;
	g->have = true;
	return u * f;
}
