/*
 * Chi-squared goodness of fit (scipy.stats.chisquare semantics), the 2 x k
 * homogeneity test (scipy.stats.chi2_contingency semantics) and the
 * chi-squared survival function.
 *
 * chi2.sf(x, k) = Q(k/2, x/2), the regularised upper incomplete gamma
 * function. Q is computed as prefix * rest with the prefix
 * x^a e^-x / Gamma(a) kept as a logarithm until the very end:
 *   x > a + 1: Q = prefix * (continued fraction, modified Lentz);
 *   otherwise: P = prefix / a * (power series), Q = 1 - P, and in this
 *              region Q is never small (Q(a, a + 1) > 0.08 for all a).
 * The only rounding that grows is in log(prefix) (|log| up to ~745), so Q
 * keeps a relative error of ~1e-13 all the way down to DBL_MIN; below
 * that exp() degrades gracefully through the subnormals to 0.
 */
#include "drift-chisq.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#define GAMMA_EPS	(DBL_EPSILON / 4)
#define GAMMA_MAXITER	100000
#define GAMMA_TINY	(DBL_MIN / DBL_EPSILON)

static double	gamma_log_prefix(double, double, const double *);
static double	gamma_p_series(double, double, const double *);
static double	gamma_q_cfrac(double, double, const double *);
static double	gamma_q(double, double, const double *);

/* log(x^a e^-x / Gamma(a)); lg: lgamma(a) if the caller has it. */
static double
gamma_log_prefix(double a, double x, const double *lg)
{
	return a * log(x) - x - (lg != NULL ? *lg : lgamma(a));
}

/* Regularised lower gamma P(a, x) by its series, for x <= a + 1. */
static double
gamma_p_series(double a, double x, const double *lg)
{
	double sum = 1.0, term = 1.0, ap = a;
	int i;

	for (i = 0; i < GAMMA_MAXITER; i++) {
		ap += 1.0;
		term *= x / ap;
		sum += term;
		if (term < sum * GAMMA_EPS)
			break;
	}
	return exp(gamma_log_prefix(a, x, lg) + log(sum / a));
}

/* Regularised upper gamma Q(a, x) by its continued fraction, x > a + 1. */
static double
gamma_q_cfrac(double a, double x, const double *lg)
{
	double b = x + 1.0 - a, c = 1.0 / GAMMA_TINY, d = 1.0 / b, h = d;
	int i;

	for (i = 1; i < GAMMA_MAXITER; i++) {
		double an = -i * (i - a), delta;

		b += 2.0;
		d = an * d + b;
		if (fabs(d) < GAMMA_TINY)
			d = GAMMA_TINY;
		c = b + an / c;
		if (fabs(c) < GAMMA_TINY)
			c = GAMMA_TINY;
		d = 1.0 / d;
		delta = d * c;
		h *= delta;
		if (fabs(delta - 1.0) < GAMMA_EPS)
			break;
	}
	return exp(gamma_log_prefix(a, x, lg) + log(h));
}

static double
gamma_q(double a, double x, const double *lg)
{
	if (isnan(a) || isnan(x) || a <= 0.0 || x < 0.0)
		return NAN;
	if (x == 0.0)
		return 1.0;
	if (isinf(x))
		return 0.0;
	if (x > a + 1.0)
		return gamma_q_cfrac(a, x, lg);
	return 1.0 - gamma_p_series(a, x, lg);
}

double
chisq_sf(double x, double dof)
{
	if (isnan(x) || isnan(dof) || dof <= 0.0)
		return NAN;
	if (x <= 0.0)
		return 1.0;
	return gamma_q(dof / 2.0, x / 2.0, NULL);
}

double
chisq_sf_lgamma(double x, double dof, double lgamma_half)
{
	if (isnan(x) || isnan(dof) || dof <= 0.0)
		return NAN;
	if (x <= 0.0)
		return 1.0;
	return gamma_q(dof / 2.0, x / 2.0, &lgamma_half);
}

void
drift_chisq(const uint64_t *observed, const double *expected_prop, int k,
    struct chisq_result *out)
{
	double total = 0.0, stat = 0.0;
	int i;

	for (i = 0; i < k; i++)
		total += (double)observed[i];
	for (i = 0; i < k; i++) {
		double e = expected_prop[i] * total, diff;

		if (e == 0.0)
			e = CHISQ_ZERO_EXPECTED;
		diff = (double)observed[i] - e;
		stat += diff * diff / e;
	}
	out->statistic = stat;
	out->dof = k - 1;
	out->p_value = chisq_sf(stat, (double)(k - 1));
}

/* One cell's Pearson term, Yates-corrected when asked (scipy: the shift
 * towards the expected count is min(0.5, |expected - observed|)). */
static double
chisq_term(double observed, double expected, bool yates)
{
	double diff = expected - observed;

	if (yates) {
		double m = fabs(diff) < 0.5 ? fabs(diff) : 0.5;

		observed += diff > 0 ? m : (diff < 0 ? -m : 0.0);
		diff = expected - observed;
	}
	return diff * diff / expected;
}

void
drift_chisq_homogeneity(const uint64_t *a, const uint64_t *b, int k,
    struct chisq_result *out)
{
	double ta = 0.0, tb = 0.0, total, sa = 0.0, sb = 0.0;
	int i, used = 0;
	bool yates;

	for (i = 0; i < k; i++) {
		ta += (double)a[i];
		tb += (double)b[i];
		if (a[i] + b[i] > 0)
			used++;
	}
	total = ta + tb;
	out->dof = used > 0 ? used - 1 : 0;
	if (out->dof == 0 || ta == 0.0 || tb == 0.0) {
		out->statistic = 0.0;
		out->p_value = 1.0;
		return;
	}
	yates = out->dof == 1;
	/* Row by row, as numpy sums the raveled table. */
	for (i = 0; i < k; i++) {
		double col = (double)a[i] + (double)b[i];

		if (col == 0.0)
			continue;
		sa += chisq_term((double)a[i], ta * col / total, yates);
	}
	for (i = 0; i < k; i++) {
		double col = (double)a[i] + (double)b[i];

		if (col == 0.0)
			continue;
		sb += chisq_term((double)b[i], tb * col / total, yates);
	}
	out->statistic = sa + sb;
	out->p_value = chisq_sf(out->statistic, (double)out->dof);
}
