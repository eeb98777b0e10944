/*
 * Two-sample Kolmogorov-Smirnov test with the semantics of
 * scipy.stats.ks_2samp(a, b) (alternative='two-sided', method='auto'):
 * exact p-value when both samples have at most 10,000 values, asymptotic
 * (Kolmogorov distribution with scipy's effective n) otherwise, and ties
 * handled by evaluating both empirical CDFs on the pooled sample.
 */
#ifndef MLMON_CORE_DRIFT_KS_H
#define MLMON_CORE_DRIFT_KS_H

#include <stddef.h>

struct ks_result {
	double	statistic;	/* sup |F_a - F_b|, in [0, 1] */
	double	p_value;	/* two-sided, in [0, 1] */
};

/*
 * Test two samples that are already sorted ascending (no NaN). The
 * reference column is sorted once and reused for every batch.
 * Both sizes must be at least 1.
 */
void	drift_ks_sorted(const double *a, size_t na, const double *b, size_t nb,
	    struct ks_result *out);

/* The statistic alone (no p-value) of two sorted samples, as above. */
double	drift_ks_statistic(const double *a, size_t na, const double *b,
	    size_t nb);

/* Sort copies of a and b, then drift_ks_sorted. */
void	drift_ks(const double *a, size_t na, const double *b, size_t nb,
	    struct ks_result *out);

/* Sort in place ascending (shared helper for callers keeping sorted data). */
void	drift_ks_sort(double *v, size_t n);

#endif
