/*
 * Missing values of one feature: is the batch's missing share different
 * from the reference's? And the present values the other tests use.
 *
 * The test is drift_chisq_homogeneity on the 2 x 2 table
 *   reference: present, missing
 *   batch:     present, missing
 * (scipy chi2_contingency semantics, so with Yates' correction), and the
 * effect size is Cohen's h = 2 asin(sqrt(batch share)) - 2 asin(sqrt(ref
 * share)), signed: positive when the batch misses more. The verdict
 * needs both a small p and a large enough |h|, so a 10,000-row batch does
 * not page for a missing share that moved from 2.0% to 2.3%. alpha is
 * 0.001, not 0.01: the test runs per feature and batch, and at 0.01 the
 * stable twin of the missing scenario (20% missing, 200-row batches)
 * gave 3 false alarms in 300 batches (tests/scenarios/missing.sh).
 */
#ifndef MLMON_CORE_DRIFT_MISSING_H
#define MLMON_CORE_DRIFT_MISSING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MISSING_ALPHA		0.001	/* p below this ... */
#define MISSING_MIN_EFFECT	0.2	/* ... and |h| from this (Cohen: small) */

struct missing_drift {
	uint64_t	 ref_missing;
	uint64_t	 ref_total;	/* rows, present or missing */
	uint64_t	 cur_missing;
	uint64_t	 cur_total;
	double		 ref_share;	/* missing / total; NaN for no rows */
	double		 cur_share;
	double		 statistic;	/* chi-squared, Yates-corrected */
	double		 p_value;	/* 1 when the table is degenerate */
	int		 dof;		/* 1, or 0 when nothing to compare */
	double		 effect;	/* Cohen's h, batch minus reference */
};

void	drift_missing(uint64_t ref_missing, uint64_t ref_total,
	    uint64_t cur_missing, uint64_t cur_total,
	    struct missing_drift *out);

/* The missingness verdict: p < alpha and |effect| >= min_effect. */
bool	drift_missing_verdict(const struct missing_drift *m, double alpha,
	    double min_effect);

/*
 * Copy the present (non-NaN) values of v[i * stride], i < n, to out in
 * order; returns how many. PSI and KS run on these, and a feature with
 * none gets the "no values" state instead of a statistic.
 */
size_t	drift_present(const double *v, size_t n, size_t stride, double *out);

#endif
