/*
 * Confidence-based performance estimation (CBPE, as NannyML defines it):
 * accuracy and macro F1 of a batch without its labels, from the model's
 * calibrated class probabilities.
 *
 * Row i has calibrated probabilities P[i][0..k-1] (calib_apply) and the
 * model's predicted class p_i. Taking P as the truth, row i's true class
 * is c with probability P[i][c], so the expected confusion matrix is
 *
 *   E[t][p] = sum of P[i][t] over the rows with p_i = p     (rows true)
 *
 * estimated accuracy = trace(E) / n, and estimated macro F1 is the mean
 * over classes of 2 E[c][c] / (2 E[c][c] + FP_c + FN_c) with the expected
 * counts, i.e. 2 E[c][c] / (rows predicted c + expected rows of class c)
 * (NannyML's one-vs-rest estimate; with two classes it is the
 * macro F1 of both classes, the metric the performance report realises,
 * not NannyML's positive-class F1). Classes with no expected count in
 * either role are left out of the mean, as f1_score leaves out labels
 * absent from both y_true and y_pred.
 *
 * Standard errors: of the realized metric around the estimate, under the
 * same assumption, for this batch. The realized accuracy is a sum of
 * independent Bernoulli(P[i][p_i]), so its variance is
 * sum P[i][p_i] (1 - P[i][p_i]) / n^2 exactly. Macro F1 is a ratio of
 * such counts; its variance is the delta method's: with
 * D_c = n_pred_c + expected n_true_c and TP_c = E[c][c], F1 moves by
 * g_i(t) = ([t = p_i] 2 / D_t - 2 TP_t / D_t^2) / K when row i's true
 * class is t, and the variance is the sum over rows of the variance of
 * g_i under P[i]. This replaces NannyML's spread over reference chunks:
 * it needs no chunking of a reference that may be smaller than a batch,
 * and it widens when this batch's rows are less certain than the
 * reference's (covariate shift), which a reference-only figure cannot.
 * It does not count the error of the fitted map itself.
 *
 * Bounds are estimate -/+ CBPE_SIGMAS standard errors, clipped to [0, 1]
 * (NannyML draws 3 sigma). Nothing here does I/O.
 */
#ifndef MLMON_CORE_CBPE_H
#define MLMON_CORE_CBPE_H

#include <stdbool.h>
#include <stddef.h>

struct calib;

#define CBPE_SIGMAS	3.0

struct cbpe_estimate {
	size_t	 n_rows;	/* rows used (predicted class in 0..k-1) */
	int	 k;
	bool	 calibrated;	/* the calibration map was applied */
	double	*confusion;	/* k * k expected counts, rows true, owned */
	double	 accuracy;
	double	 accuracy_se;
	double	 accuracy_lower;
	double	 accuracy_upper;
	double	 f1_macro;
	double	 f1_se;
	double	 f1_lower;
	double	 f1_upper;
};

/*
 * Estimate a batch: scores is n * k row-major raw scores, y_pred the
 * model's predicted classes. calib may be NULL (raw scores taken as
 * probabilities); otherwise its k must equal k. Rows whose predicted
 * class is outside 0..k-1 are left out; with no row left every number
 * is 0. out is finished by the caller with cbpe_estimate_finish.
 */
void	cbpe_estimate(const struct calib *calib, const double *scores,
	    const int *y_pred, size_t n, int k, struct cbpe_estimate *out);
void	cbpe_estimate_finish(struct cbpe_estimate *e);

/*
 * The estimated-decay verdict, decided here only: the estimate's upper
 * bound of accuracy or of macro F1 is below the reference's realized
 * metric minus decay (the labelled performance monitor's any_decay, with
 * the bound in place of the realized value). False when no row was
 * estimated.
 */
bool	cbpe_decayed(const struct cbpe_estimate *e, double ref_accuracy,
	    double ref_f1_macro, double decay);

#endif
