/*
 * Classification metrics over labels 0..k-1 (see metrics.h).
 *
 * Macro F1 follows scikit-learn's f1_score(average='macro',
 * zero_division=0): per label tp, fp, fn; precision and recall are 0 when
 * their denominator is 0, F1 is 0 when precision + recall is 0; the mean
 * runs over the labels that occur in y_true or y_pred. Labels outside
 * 0..k-1 are not counted by F1 or the confusion matrix (they still count
 * as wrong/right in accuracy).
 *
 * Calibration bins are the seed's: edges numpy.linspace(0, 1, 11), i.e.
 * e[i] = i * 0.1 in double (so e[3] = 0.30000000000000004), bin 0 is
 * [e0, e1], bin i > 0 is (e[i], e[i+1]]. Confidences outside [0, 1] (or
 * NaN) fall in no bin but still count in n.
 */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static int	metrics_calib_bin(const double *, double);

double
metrics_accuracy(const int *y_true, const int *y_pred, size_t n)
{
	size_t i, right = 0;

	if (n == 0)
		return 0.0;
	for (i = 0; i < n; i++)
		if (y_true[i] == y_pred[i])
			right++;
	return (double)right / (double)n;
}

double
metrics_f1_macro(const int *y_true, const int *y_pred, size_t n, int k)
{
	uint64_t *tp, *np, *nt;	/* true positives, predicted, true, per label */
	double sum = 0.0;
	size_t i;
	int c, labels = 0;

	if (n == 0 || k <= 0)
		return 0.0;
	tp = xcalloc((size_t)k, sizeof *tp);
	np = xcalloc((size_t)k, sizeof *np);
	nt = xcalloc((size_t)k, sizeof *nt);
	for (i = 0; i < n; i++) {
		int t = y_true[i], p = y_pred[i];

		if (t >= 0 && t < k)
			nt[t]++;
		if (p >= 0 && p < k)
			np[p]++;
		if (t == p && t >= 0 && t < k)
			tp[t]++;
	}
	for (c = 0; c < k; c++) {
		double prec, rec;

		if (nt[c] == 0 && np[c] == 0)
			continue;	/* absent from both: not averaged */
		labels++;
		prec = np[c] ? (double)tp[c] / (double)np[c] : 0.0;
		rec = nt[c] ? (double)tp[c] / (double)nt[c] : 0.0;
		if (prec + rec > 0.0)
			sum += 2.0 * prec * rec / (prec + rec);
	}
	free(tp);
	free(np);
	free(nt);
	return labels ? sum / labels : 0.0;
}

void
metrics_confusion(const int *y_true, const int *y_pred, size_t n, int k,
    uint64_t *cm)
{
	size_t i;

	memset(cm, 0, (size_t)k * (size_t)k * sizeof *cm);
	for (i = 0; i < n; i++) {
		int t = y_true[i], p = y_pred[i];

		if (t >= 0 && t < k && p >= 0 && p < k)
			cm[(size_t)t * (size_t)k + (size_t)p]++;
	}
}

double
metrics_mean(const double *v, size_t n)
{
	double sum = 0.0;
	size_t i;

	if (n == 0)
		return 0.0;
	for (i = 0; i < n; i++)
		sum += v[i];
	return sum / (double)n;
}

/* Calibration bin of c, or -1 when c is outside [0, 1]. */
static int
metrics_calib_bin(const double *e, double c)
{
	int b;

	if (!(c >= e[0] && c <= e[CALIB_BINS]))
		return -1;
	/* Estimate, then settle against the real edges: (e[b], e[b+1]]. */
	b = (int)(c * CALIB_BINS);
	if (b > CALIB_BINS - 1)
		b = CALIB_BINS - 1;
	while (b > 0 && c <= e[b])
		b--;
	while (b < CALIB_BINS - 1 && c > e[b + 1])
		b++;
	return b;
}

double
metrics_ece(const double *conf, const unsigned char *correct, size_t n,
    struct reliability_bin *bins)
{
	double e[CALIB_BINS + 1], csum[CALIB_BINS] = { 0 }, ece = 0.0;
	uint64_t cnt[CALIB_BINS] = { 0 }, ok[CALIB_BINS] = { 0 };
	size_t i;
	int b;

	/* numpy.linspace(0, 1, 11): i * (1 / 10) + 0, last edge exactly 1. */
	for (b = 0; b <= CALIB_BINS; b++)
		e[b] = (double)b * (1.0 / CALIB_BINS) + 0.0;
	e[CALIB_BINS] = 1.0;

	for (i = 0; i < n; i++) {
		b = metrics_calib_bin(e, conf[i]);
		if (b < 0)
			continue;
		cnt[b]++;
		csum[b] += conf[i];
		if (correct[i])
			ok[b]++;
	}
	for (b = 0; b < CALIB_BINS; b++) {
		double mc = 0.0, acc = 0.0;

		if (cnt[b] > 0) {
			mc = csum[b] / (double)cnt[b];
			acc = (double)ok[b] / (double)cnt[b];
			ece += (double)cnt[b] / (double)n * fabs(acc - mc);
		}
		if (bins != NULL) {
			bins[b].count = cnt[b];
			bins[b].mean_confidence = mc;
			bins[b].accuracy = acc;
		}
	}
	return ece;
}
