/*
 * Classification metrics over integer class labels 0..k-1:
 * accuracy, macro F1 (scikit-learn f1_score(average='macro',
 * zero_division=0): the average runs over labels present in y_true or
 * y_pred), confusion matrix (rows true, columns predicted), and the
 * expected calibration error with its reliability bins.
 */
#ifndef MLMON_CORE_METRICS_H
#define MLMON_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define CALIB_BINS	10

/* One reliability-diagram bin: (lo, hi], the first bin [0, 0.1]. */
struct reliability_bin {
	uint64_t	count;
	double		mean_confidence;	/* 0 when count is 0 */
	double		accuracy;		/* observed, 0 when count is 0 */
};

double	metrics_accuracy(const int *y_true, const int *y_pred, size_t n);
double	metrics_f1_macro(const int *y_true, const int *y_pred, size_t n,
	    int k);
/* cm is k*k, row-major cm[t * k + p]; zeroed first. */
void	metrics_confusion(const int *y_true, const int *y_pred, size_t n,
	    int k, uint64_t *cm);
/* Mean of conf; 0 for n == 0. */
double	metrics_mean(const double *v, size_t n);

/*
 * ECE = sum over bins |accuracy - mean confidence| * count / n with the
 * seed's binning: edges linspace(0, 1, 11), bin 0 is [0, 0.1], bin i is
 * (e_i, e_i+1]. correct[i] is 1 when the prediction was right. bins may be
 * NULL. Result in [0, 1].
 */
double	metrics_ece(const double *conf, const unsigned char *correct, size_t n,
	    struct reliability_bin *bins);

#endif
