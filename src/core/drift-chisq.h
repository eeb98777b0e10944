/*
 * Chi-squared goodness of fit of observed class counts against expected
 * proportions, with scipy.stats.chisquare(f_obs, f_exp) semantics where
 * f_exp = proportion * total and a zero expected count is replaced by 1e-6.
 * Degrees of freedom k - 1. The p-value keeps relative accuracy down to
 * 1e-300 (label shift produces p ~ 1e-33) and is 0 only below DBL_MIN.
 */
#ifndef MLMON_CORE_DRIFT_CHISQ_H
#define MLMON_CORE_DRIFT_CHISQ_H

#include <stddef.h>
#include <stdint.h>

#define CHISQ_ZERO_EXPECTED	1e-6

struct chisq_result {
	double	statistic;
	double	p_value;
	int	dof;
};

/* k >= 2 classes; proportions sum to 1 (not checked). */
void	drift_chisq(const uint64_t *observed, const double *expected_prop,
	    int k, struct chisq_result *out);

/*
 * Chi-squared homogeneity test of two count vectors over the same k
 * categories, with scipy.stats.chi2_contingency semantics on the 2 x k
 * table [a; b] (Pearson statistic, expected = row sum * column sum / total,
 * Yates' continuity correction when the degrees of freedom are 1). Unlike
 * scipy, which refuses a table with an empty column, a category with no
 * count in either row is left out first, so a reference category absent
 * from both or an empty "new" column does not stop the test. Degrees of
 * freedom are (categories left) - 1; with none (one category left) the
 * statistic is 0 and p is 1, as scipy's degenerate case. Both rows must
 * hold at least one count (the caller says "no values" otherwise).
 */
void	drift_chisq_homogeneity(const uint64_t *a, const uint64_t *b, int k,
	    struct chisq_result *out);

/*
 * Upper tail of the chi-squared distribution, scipy.stats.chi2.sf(x, dof),
 * via the regularised upper incomplete gamma function Q(dof/2, x/2).
 */
double	chisq_sf(double x, double dof);

/*
 * chisq_sf(x, dof) given lgamma_half = lgamma(dof / 2), for a caller that
 * asks at one dof again and again (a resampled null's p-values): the same
 * double, without the lgamma.
 */
double	chisq_sf_lgamma(double x, double dof, double lgamma_half);

#endif
