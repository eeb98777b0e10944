/*
 * Maximum mean discrepancy between two multivariate samples with an RBF
 * kernel k(x, y) = exp(-||x - y||^2 / (2 sigma^2)), sigma from the median
 * heuristic (median pairwise Euclidean distance of the pooled sample, as
 * numpy.median(scipy.spatial.distance.pdist(pooled)); 1 when that median
 * is 0), the biased V-statistic estimate of MMD^2, and a seeded
 * permutation test.
 *
 * Cost is bounded: the reference is subsampled to at most max_ref rows
 * (seeded, without replacement), and so is the current sample when it is
 * larger than max_ref, so the pooled n is at most 2 max_ref. The pooled
 * kernel matrix is computed once; each permutation re-sums it in O(n^2).
 * The same seed and inputs always give the same result. A stop request
 * (core/stop.h) cuts it short: every field of the result is NaN.
 */
#ifndef MLMON_CORE_DRIFT_MMD_H
#define MLMON_CORE_DRIFT_MMD_H

#include <stddef.h>
#include <stdint.h>

struct mmd_params {
	size_t		max_ref;	/* reference rows kept; default 200 */
	int		permutations;	/* default 100 */
	uint64_t	seed;		/* permutation and subsample seed */
};

struct mmd_result {
	double	mmd2;		/* biased MMD^2 estimate, >= 0 */
	double	sigma;		/* kernel bandwidth used */
	double	p_value;	/* (1 + #perm >= observed) / (1 + permutations) */
};

void	drift_mmd_defaults(struct mmd_params *p);

/*
 * x is nx*d row-major, y is ny*d row-major; nx, ny, d >= 1. p may be NULL
 * for the defaults (seed 0).
 */
void	drift_mmd(const double *x, size_t nx, const double *y, size_t ny,
	    size_t d, const struct mmd_params *p, struct mmd_result *out);

#endif
