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
 * Above PSI_NULL_MAX_REF reference rows the pseudo-reference is drawn at
 * that size and the moments are rescaled by
 * (1/m + 1/n) / (1/m + 1/PSI_NULL_MAX_REF) (mean) and its square
 * (variance) and its cube (third moment), the large-sample scaling, to bound the cost per fit.
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

#define PSI_NULL_DRAWS		1000
#define PSI_NULL_MAX_REF	20000

struct psi_null {
	uint64_t	nref;	/* reference rows */
	uint64_t	nbatch;	/* batch rows the null is for */
	uint64_t	draws;	/* resampled pairs */
	uint64_t	seed;	/* rng_seed() of the resampling */
	double		mean;	/* of the resampled PSI (rescaled, see above) */
	double		var;	/* of the resampled PSI (rescaled) */
	double		m3;	/* its third central moment (rescaled) */
	double		shift;	/* a: null = a + c * chi2(k) (derived) */
	double		scale;	/* c; 0 if var is 0 (derived) */
	double		dof;	/* k (derived) */
};

/*
 * Fit the null of PSI for batches of nbatch rows against the reference
 * ref (nref >= 1 values, no NaN, any order). draws >= 2.
 */
void	psi_null_fit(const double *ref, size_t nref, size_t nbatch,
	    size_t draws, uint64_t seed, struct psi_null *out);

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
