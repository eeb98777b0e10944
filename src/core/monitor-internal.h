/*
 * The private half of monitor.h, for the monitor's own files: the
 * categorical half of the feature monitor (monitor-cat.c: a categorical
 * feature of a batch against the reference's categories, and the release
 * of what monitor_reference_categorize and feature_report_alloc_cat
 * allocated), and the release of the calibrated policy's cache of PSI
 * nulls (monitor-judge.c) that a reference owns. Declared here, not in
 * monitor-cat.h and monitor-judge.h, so that monitor.c includes nothing
 * that includes it back.
 */
#ifndef MLMON_CORE_MONITOR_INTERNAL_H
#define MLMON_CORE_MONITOR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor.h"

/*
 * Feature f (categorical) of batch b: its bins, chi-squared, PSI, TVD and
 * new share into out->cat[f], its PSI into out->psi[f]. n_used, the
 * missingness test and the PSI verdict are the caller's (they do not
 * depend on the kind).
 */
void	monitor_cat_feature(const struct monitor_reference *ref,
	    const struct monitor_batch *b, size_t f,
	    struct feature_report *out);
/*
 * Its verdicts at fixed thresholds (the seed policy): chi-squared p below
 * cat_alpha, new share above new_share; drift_ks stays false.
 */
void	monitor_cat_verdict(struct feature_report *out, size_t f);
/*
 * The p-value of its PSI for the calibrated policy: PSI over the bins is
 * the Jeffreys divergence of the two samples' shares, and to second
 * order PSI * n N / (n + N) (n, N the batch's and the reference's
 * present values) is the chi-squared statistic of the same table, so
 * chi2.sf(that, dof). 1 without values.
 */
double	monitor_cat_psi_p(const struct cat_feature *c, uint64_t n_ref);
/* Copy the numeric columns of the rows complete in them to out. */
size_t	monitor_numeric_rows(const double *rows, size_t n, size_t nf,
	    const bool *categorical, double *out);
void	monitor_cat_reference_finish(struct monitor_reference *ref);
void	monitor_cat_report_finish(struct feature_report *r);

/* Free a reference's null cache (monitor_reference_finish). */
void	monitor_judge_cache_free(struct monitor_psi_cache *c);

#endif
