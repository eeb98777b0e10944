/*
 * Drift of a categorical feature: the reference's categories, counted
 * once, against a batch's.
 *
 * The reference keeps its `top` most frequent categories (ties broken by
 * the bytes of the name, ascending) as bins of their own and pools the
 * rest into one "other" bin; a value the reference never saw falls into a
 * "new" bin, which the reference holds no count of. A batch is compared on
 * the bins kept, "other" (only when the reference pooled) and "new":
 *
 *   chi-squared   drift_chisq_homogeneity on the 2 x bins table (scipy
 *                 chi2_contingency semantics: the reference's own sampling
 *                 error counts; empty bins are left out)
 *   PSI           over the bins, as drift-psi.h: PSI_EPSILON added to each
 *                 share, shares renormalised, sum (c - r) ln(c / r)
 *   TVD           total variation distance, 0.5 sum |c - r| over the raw
 *                 shares: the effect size, in [0, 1]
 *   new share     the batch's values in "new" over its present values
 *
 * Missing values (NULL) are not counted here; drift-missing.h tests them.
 * Values are NUL-terminated strings; their length is the caller's to
 * check (the protocol allows CAT_VALUE_MAX bytes).
 */
#ifndef MLMON_CORE_DRIFT_CAT_H
#define MLMON_CORE_DRIFT_CAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAT_TOP_DEFAULT	50	/* categories kept before pooling */
#define CAT_VALUE_MAX	256	/* bytes of one category value */
#define CAT_TOP_MAX	1000	/* the most categories kept (--top-categories) */

struct cat_dict;

struct cat_reference {
	size_t		 n_values;	/* present values counted */
	size_t		 n_distinct;	/* distinct categories seen */
	int		 n_top;		/* kept: min(top, n_distinct) */
	bool		 pooled;	/* n_distinct > n_top: "other" exists */
	const char	**names;	/* n_distinct, most frequent first */
					/* (the dictionary's strings) */
	uint64_t	*counts;	/* n_distinct, same order */
	struct cat_dict	*dict;		/* owned: name -> code */
	size_t		*rank;		/* by code: place in names */
};

/*
 * Count values[i * stride] for i < n (NULL entries are missing and
 * skipped) and keep the `top` (>= 1) most frequent categories.
 */
void	cat_reference_init(struct cat_reference *ref,
	    const char *const *values, size_t n, size_t stride, int top);
void	cat_reference_finish(struct cat_reference *ref);

/* Bins a batch is counted in: n_top kept, then "other", then "new". */
int	cat_reference_bins(const struct cat_reference *ref);
/* The bin of one value: 0..n_top-1 kept, n_top "other", n_top+1 "new". */
int	cat_reference_bin(const struct cat_reference *ref, const char *value);
/* The reference's own count in each bin ("new" is 0). */
void	cat_reference_counts(const struct cat_reference *ref,
	    uint64_t *counts);
/*
 * Add values[i * stride] (i < n, NULL skipped) to counts, which has
 * cat_reference_bins() entries.
 */
void	cat_reference_count(const struct cat_reference *ref,
	    const char *const *values, size_t n, size_t stride,
	    uint64_t *counts);

struct cat_drift {
	bool		 no_values;	/* batch or reference has none: */
					/* the numbers below are NaN */
	uint64_t	 n_used;	/* present values of the batch */
	uint64_t	 n_new;		/* of which never in the reference */
	double		 new_share;	/* n_new / n_used */
	double		 statistic;	/* chi-squared homogeneity */
	double		 p_value;
	int		 dof;
	double		 psi;
	double		 tvd;
};

/* Compare batch bin counts (cat_reference_bins() entries) to ref. */
void	drift_cat(const struct cat_reference *ref, const uint64_t *batch,
	    struct cat_drift *out);

#endif
