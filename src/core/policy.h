/*
 * The alerting policy's arithmetic: which tests of a closed batch are
 * significant, at what level, and how the one knob maps to that level.
 *
 * `seed` keeps the article's fixed thresholds (PSI 0.10/0.20, KS alpha
 * 0.01 per feature, no correction). `calibrated` judges each statistic by
 * its p-value under its null at the batch's and the reference's sizes
 * (KS exact or asymptotic, chi-squared, PSI by psi-null.h) and controls
 * the false discoveries across every feature and test decided when a
 * batch closes with Benjamini-Hochberg.
 *
 * The knob: --false-page-rate R, the expected false pages per 1,000
 * stable batches. On a stable batch every null is true, and then BH at
 * level q rejects anything with probability at most q (for independent
 * or positively dependent tests, Benjamini and Yekutieli 2001; BH's
 * FDR equals its family-wise error rate when all nulls are true). So
 * the page level is q = R / 1000 per batch. Warnings use the level
 * POLICY_WARNING_FACTOR * q (capped at POLICY_WARNING_MAX), so a warning
 * on a stable stream is that many times likelier than a page, and the
 * default gives 2 warnings per 1,000 stable batches at most.
 * Tests decided later (performance, once labels arrive) are judged on
 * their own at the same levels: a family of one.
 */
#ifndef MLMON_CORE_POLICY_H
#define MLMON_CORE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POLICY_FALSE_PAGE_RATE_DEFAULT	0.02	/* per 1,000 batches */
#define POLICY_FALSE_PAGE_RATE_MAX	100.0	/* a level of 0.1 */
#define POLICY_WARNING_FACTOR		100.0
#define POLICY_WARNING_MAX		0.2

enum policy_kind {
	POLICY_CALIBRATED,	/* the default */
	POLICY_SEED,
};

struct policy_levels {
	double	page;		/* BH level of a critical verdict */
	double	warning;	/* BH level of a warning */
};

/* "seed" or "calibrated". */
const char	*policy_name(enum policy_kind k);
bool		 policy_parse(const char *s, enum policy_kind *out);

/* The page and warning levels of a false-page rate per 1,000 batches. */
void	policy_levels(double false_page_rate, struct policy_levels *out);

/*
 * Benjamini-Hochberg over p[0..m): adjusted[i] = min over the p-values
 * ranked at or above p[i] of p * m / rank, capped at 1 (the step-up
 * procedure's adjusted p-values; ties share the larger rank's value).
 * Test i is significant at level q iff adjusted[i] <= q, which is the
 * step-up rule "reject the k smallest, k the largest rank with
 * p_(k) <= k q / m". NaN p-values are not allowed. m >= 1.
 */
void	policy_bh_adjust(const double *p, size_t m, double *adjusted);

/*
 * The calibrated performance test (a family of one, judged when the
 * labels land): did the batch's error rate rise above the reference's?
 * One-sided Fisher exact test of the 2 x 2 table (errors, correct) x
 * (batch, reference): P(X >= batch_errors) for X hypergeometric with
 * n_batch draws from n_batch + n_ref rows of which batch_errors +
 * ref_errors are errors. Exact at any size (conditional on the margins,
 * so conservative). errors <= rows, n_batch >= 1, n_ref >= 1.
 */
double	policy_error_rise_p(uint64_t batch_errors, uint64_t n_batch,
	    uint64_t ref_errors, uint64_t n_ref);

/* How many adjusted p-values are at or below q. */
size_t	policy_bh_count(const double *adjusted, size_t m, double q);

#endif
