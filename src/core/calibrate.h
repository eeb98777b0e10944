/*
 * Score calibration fitted on the labelled reference: a calibration map
 * from a row's raw class scores to calibrated class probabilities.
 *
 * Method: isotonic regression one-vs-rest, as scikit-learn's
 * IsotonicRegression(out_of_bounds="clip") fits and predicts it (ties in
 * a score are pooled first, scores closer than 1e-15 count as ties; pool
 * adjacent violators; linear interpolation between the fitted points,
 * clipped at both ends). With two classes one curve maps the score of
 * class 1 and class 0 gets 1 - p (as NannyML's binary CBPE does); with
 * k > 2 classes each class has its own curve and a row's k outputs are
 * divided by their sum (1/k each when the sum is 0).
 *
 * Why isotonic rather than histogram binning: it needs no bin count, it
 * keeps the order of the scores within a class (binning flattens every
 * bin to one value, so two rows 0.01 apart across an edge get very
 * different probabilities), and it is NannyML's choice, so CBPE here
 * means what it means there.
 *
 * Whether the map is used is decided once, when it is fitted, and stored
 * in it (enabled): the reference ECE of the raw scores against the ECE of
 * cross-fitted calibrated scores (5 folds, labelled row i in fold i % 5;
 * each fold mapped by curves fitted on the other four), ECE with the
 * seed's ten bins over the confidence of the model's predicted class.
 * Calibration is enabled when it lowers that ECE (NannyML's rule); with
 * fewer than CALIB_MIN_ROWS labelled rows it is not judged and stays off,
 * and ece_calibrated repeats ece_raw.
 *
 * The map is plain numbers and round-trips exactly through text
 * (calib_encode, calib_decode) so the store can keep it with the
 * reference. Nothing here does I/O.
 */
#ifndef MLMON_CORE_CALIBRATE_H
#define MLMON_CORE_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>

#define CALIB_MAX_CLASSES	1024
#define CALIB_FOLDS		5
#define CALIB_MIN_ROWS		20	/* labelled rows to judge the map */

/* One fitted isotonic curve: n points, x strictly ascending. */
struct calib_curve {
	size_t	 n;		/* >= 1 */
	double	*x;		/* score thresholds, ascending */
	double	*y;		/* fitted probability, non-decreasing, [0, 1] */
};

struct calib {
	int			 k;		/* classes, >= 2 */
	int			 n_curves;	/* 1 when k == 2, else k */
	bool			 enabled;	/* calib_apply maps the scores */
	size_t			 n_rows;	/* labelled rows fitted */
	double			 ece_raw;	/* reference, raw scores */
	double			 ece_calibrated; /* reference, cross-fitted */
	struct calib_curve	*curves;	/* n_curves, owned */
};

/*
 * Fit on the labelled rows of the reference: scores is n * k row-major,
 * y_pred the model's predicted classes, y_true the true classes (rows
 * with y_true or y_pred outside 0..k-1, or a score that is not finite,
 * are left out). Returns NULL when no row is usable or k is out of
 * range.
 * Caller frees with calib_destroy.
 */
struct calib	*calib_fit(const double *scores, const int *y_pred,
		    const int *y_true, size_t n, int k);
void		 calib_destroy(struct calib *c);

/*
 * One row: out[0..k-1] = calibrated probabilities of scores[0..k-1].
 * When c is not enabled, out is a copy of scores.
 */
void		 calib_apply(const struct calib *c, const double *scores,
		    double *out);

/* Caller frees. Exact text of the whole map ("calib/1" tag, hex floats). */
char		*calib_encode(const struct calib *c);
/*
 * Parse what calib_encode wrote. On failure returns NULL and sets *cause
 * (caller frees) to the line and the reason.
 */
struct calib	*calib_decode(const char *s, char **cause);

#endif
