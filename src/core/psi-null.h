/*
 * The null distribution of the seed's PSI (drift-psi.h) for one reference
 * column and one batch size: how large PSI gets when the batch comes from
 * the same distribution as the reference. PSI is biased upward at small
 * sizes (about (PSI_BINS - 1) * (1/m + 1/n) for a batch of m and a
 * reference of n rows), so a fixed 0.10/0.20 pages on noise at 50 rows
 * and misses real shifts at 2,000.
 *
 * The null is fitted by resampling the stored reference: `draws` times, a
 * pseudo-reference of n rows and a batch of m rows are drawn with
 * replacement from the reference and their PSI computed (both drawn,
 * because in production both the reference and the batch are samples of
 * the one distribution). For large samples PSI * mn/(m+n) tends to a
 * chi-squared with PSI_BINS - 1 degrees of freedom; at finite sizes the
 * bins move with the combined range, sparse outer bins meet the 1e-4
 * floor inside a logarithm and the tail is heavier. So the null is taken
 * as a + c * chi2(k) with a, c and k matched to the resampled mean,
 * variance and skewness g (Pearson's three-moment fit): k = 8 / g^2,
 * c = sd / sqrt(2 k), a = mean - c k; with g <= 0, two moments and no
 * shift (c = var / (2 mean), k = 2 mean^2 / var). The p-value of an
 * observed PSI is chi2.sf((psi - a) / c, k), which reaches the 1e-6 tail
 * that the draws alone could not.
 *
 * That fit is too light in the far tail (measured on stable batches of
 * 200 rows against 1,000, `bench/psi-null-tail 1000 200 100000 10 3`:
 * 2.6 times the nominal rate at 1e-4, 7 times at 1e-5). So the tail beyond the draws' 95th percentile u is also fitted
 * as exponential with the draws' mean excess over u, s, and the p-value
 * is the larger of the two: max(chi2 fit, 0.05 exp(-(psi - u) / s)),
 * capped at 0.05 by the second term only above u (measured: 1.6 and 4
 * times). For a chi-squared-like tail the mean excess shrinks towards
 * the scale as psi grows, so the exponential errs on the heavy side.
 *
 * A draw costs O(log n), not O(n + m): PSI depends on the two samples
 * only through their combined minimum and maximum (the edges) and their
 * bin counts, so each sample is drawn as what PSI sees of it, exactly in
 * law: the lowest index drawn from the sorted reference (P(min >= k) =
 * (1 - k/n)^s) and its multiplicity (binomial given >= 1), the highest
 * among the others likewise, and the rest as a multinomial over the
 * bins' shares of the indices between them (binomial variates,
 * rng_binomial). A fit of 1,000 draws thus takes well under a
 * millisecond at any reference and batch size.
 *
 * A fit is fixed by (reference, m, draws, seed) and serialised as text
 * (psi_null_format) so the store keeps it with its reference and every
 * reader uses the same null.
 */
#ifndef MLMON_CORE_PSI_NULL_H
#define MLMON_CORE_PSI_NULL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PSI_NULL_DRAWS		2000
#define PSI_NULL_TAIL		0.05	/* share of draws in the tail fit */

struct psi_null {
	uint64_t	nref;	/* reference rows */
	uint64_t	nbatch;	/* batch rows the null is for */
	uint64_t	draws;	/* resampled pairs */
	uint64_t	seed;	/* rng_seed() of the resampling */
	double		mean;	/* of the resampled PSI */
	double		var;	/* of the resampled PSI */
	double		m3;	/* its third central moment */
	double		tail_u;	/* the draws' 1 - PSI_NULL_TAIL quantile */
	double		tail_scale;	/* mean excess over tail_u; 0: none */
	double		shift;	/* a: null = a + c * chi2(k) (derived) */
	double		scale;	/* c; 0 if var is 0 (derived) */
	double		dof;	/* k (derived) */
	double		lgamma_half;	/* lgamma(k / 2) (derived) */
};

/*
 * Fit the null of PSI for batches of nbatch >= 1 rows against the
 * reference ref (nref >= 1 values, no NaN, sorted ascending). draws >= 2.
 */
void	psi_null_fit(const double *ref, size_t nref, size_t nbatch,
	    size_t draws, uint64_t seed, struct psi_null *out);

/*
 * The fit's moments, tail and derived a + c * chi2(k) from draws >= 2
 * resampled values x of any statistic that is large under drift (x is
 * sorted in place). Sets draws and the fitted fields; the caller sets
 * nref, nbatch and seed. judge-joint.h fits its combined statistics so.
 */
void	psi_null_fit_sample(double *x, size_t draws, struct psi_null *out);

/*
 * The resampled PSI values a fit is made of: out[0..draws) (the same
 * draws psi_null_fit(ref, nref, nbatch, draws, seed) takes its moments
 * from).
 */
void	psi_null_sample(const double *ref, size_t nref, size_t nbatch,
	    size_t draws, uint64_t seed, double *out);

/*
 * P(PSI >= psi) under the null. When every resampled PSI was the same
 * (a constant reference), 1 for psi <= that value and 0 above it.
 */
double	psi_null_p_value(const struct psi_null *n, double psi);

/* Text form, one line without newline. Caller frees. */
char	*psi_null_format(const struct psi_null *n);

/*
 * Parse psi_null_format's text. Returns false with *cause set (caller
 * frees) on anything else; *out is written only on success.
 */
bool	psi_null_parse(const char *s, struct psi_null *out, char **cause);

#endif
