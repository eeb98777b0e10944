/*
 * The joint tests of a closed batch (judge.h): the evidence of every
 * numeric feature combined, by Hotelling's T^2 of the mean vector (below)
 * and by Fisher's combination once for KS and once for PSI, so that a shift
 * too small to reach the page level on any one feature still pages when
 * all features move together (a gradual ramp moves them all at once).
 *
 * Each is Fisher's combination, T = sum over the features of -2 ln p_f:
 *   - KS: p_f = Q(lambda_f), the Kolmogorov distribution's survival
 *     function (scipy.stats.kstwobign.sf) at lambda_f = D_f sqrt(n m /
 *     (n + m)), from the feature's KS statistic D_f at its reference
 *     and batch sizes n and m (a monotone transform of D_f, defined at
 *     any size and free of the exact p-value's discreteness);
 *   - PSI: p_f the feature's PSI p-value under its null (psi-null.h).
 * Fisher's chi-squared with 2F degrees of freedom assumes independent
 * p-values; features are not independent (a batch's class mix moves them
 * all: on stable 200-row batches the features' -2 ln p_KS correlate by
 * 0.06 to 0.33, and Fisher's nominal 1e-3 is exceeded 4.5 times as
 * often). So T's null is not chi-squared but fitted per reference and
 * batch size by resampling whole rows of the stored reference, which
 * keeps the features' dependence: `draws` times a pseudo-reference of n
 * rows and a pseudo-batch of m rows are drawn with replacement, and T
 * computed on them exactly as on a batch; T's null is then the
 * three-moment fit a + c chi2(k) with the exponential tail over the
 * draws' 95th percentile (psi_null_fit_sample), as for PSI itself.
 *
 * A joint p-value is one more test in the batch's Benjamini-Hochberg
 * family (judge.h), so the family's false-page rate stays the knob's.
 * The joint tests need whole rows: they run when the reference's rows
 * are all complete in the numeric features and the batch has no missing
 * value there, with two numeric features or more; otherwise they are not
 * tested (NaN).
 */
#ifndef MLMON_CORE_JUDGE_JOINT_H
#define MLMON_CORE_JUDGE_JOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "psi-null.h"

#define JOINT_DRAWS	2000

/* -2 ln Q(lambda), Q = kstwobign.sf; exact in the far tail (no underflow). */
double	joint_ks_term(double lambda);
/* -2 ln p, p taken no lower than the smallest normal double. */
double	joint_p_term(double p);
/* lambda = d sqrt(n m / (n + m)). */
double	joint_lambda(double d, size_t n, size_t m);

/*
 * Fit the nulls of T_KS (ks_out) and T_PSI (psi_out) for batches of m
 * rows: rows is n_rows x n_cols row-major, complete (the reference's
 * numeric columns), psi[c] the PSI null of column c at batch size m.
 * draws >= 2; the resampling is fixed by seed. A stop request
 * (core/stop.h) cuts it short: false, and the nulls are not fitted.
 */
bool	joint_null_fit(const double *rows, size_t n_rows, size_t n_cols,
	    size_t m, const struct psi_null *const *psi, size_t draws,
	    uint64_t seed, struct psi_null *ks_out, struct psi_null *psi_out);

/*
 * Hotelling's T^2 of the batch's mean vector against the reference's,
 * with the reference's covariance S (n - 1 divisor): T^2 = d' S^-1 d /
 * (1/m + 1/n), d the difference of the means. Under the null (same
 * distribution; the batch's mean normal by the central limit theorem)
 * d ~ N(0, Sigma (1/m + 1/n)) independent of S ~ Wishart(n - 1), so
 * (n - p) / (p (n - 1)) T^2 ~ F(p, n - p) (scipy.stats.f.sf). It sees a
 * shift of every mean together, weighed by the features' covariance: the
 * class mix that moves all features at once is in S, not in evidence.
 */
struct joint_cov {
	size_t	 p, n;		/* features, reference rows */
	double	*mean;		/* p, then chol: one block */
	double	*chol;		/* p x p, lower: S = L L' */
};

/* From n complete rows of p columns; false (nothing kept) when S is not
 * positive definite or n <= p + 1. */
bool	joint_cov_init(struct joint_cov *jc, const double *rows, size_t n,
	    size_t p);
void	joint_cov_finish(struct joint_cov *jc);
/* The p-value of a batch of m rows with mean batch_mean[p]; *t2 = T^2. */
double	joint_hotelling(const struct joint_cov *jc, const double *batch_mean,
	    size_t m, double *t2);
/* P(F > f) for F ~ F(d1, d2) (scipy.stats.f.sf). */
double	joint_f_sf(double f, double d1, double d2);

#endif
