/*
 * CBPE estimates of one batch (see cbpe.h). The rows' scores are mapped
 * through the calibration once, into a copy as large as the scores the
 * caller holds (n k), then two passes read them: the first builds the
 * expected confusion matrix and the accuracy variance, the second the
 * delta-method variance of macro F1, which needs the per-class totals of
 * the first.
 */
#include "cbpe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calibrate.h"
#include "xalloc.h"

/* Per-class totals shared by the two passes. */
struct cbpe_totals {
	double	*npred;		/* rows predicted c (exact, not summed P) */
	double	*d;		/* npred + expected true count */
	double	*a;		/* dF1/dTP_c: 2 / (K D_c), 0 when inactive */
	double	*b;		/* dF1/dNtrue_c: -2 TP_c / (K D_c^2) */
};

/*
 * The rows' probabilities: scores through calib, or scores themselves
 * without one (*owned NULL); the caller frees *owned.
 */
static const double *
cbpe_probs(const struct calib *calib, const double *scores, size_t n, int k,
    double **owned)
{
	size_t uk = (size_t)k, i;
	double *p;

	*owned = NULL;
	if (calib == NULL)
		return scores;
	p = *owned = xreallocarray(NULL, n ? n * uk : 1, sizeof *p);
	for (i = 0; i < n; i++)
		calib_apply(calib, scores + i * uk, p + i * uk);
	return p;
}

static double
cbpe_clip(double v)
{
	return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

/*
 * fmax(v, 0.0) without the library call: NaN and negatives give 0.0; a
 * -0.0 gives +0.0 where fmax may give either, the same once added to the
 * sum (which starts at +0.0).
 */
static inline double
cbpe_nonneg(double v)
{
	return v > 0.0 ? v : 0.0;
}

/* Pass 1: expected confusion, n_rows, accuracy and its variance. */
static void
cbpe_pass_confusion(const double *probs, const int *y_pred, size_t n,
    int k, struct cbpe_estimate *e, struct cbpe_totals *tt)
{
	size_t uk = (size_t)k, i;
	double right = 0.0, var = 0.0;
	int t;

	for (i = 0; i < n; i++) {
		int pr = y_pred[i];
		const double *p = probs + i * uk;

		if (pr < 0 || pr >= k)
			continue;
		for (t = 0; t < k; t++)
			e->confusion[(size_t)t * uk + (size_t)pr] += p[t];
		tt->npred[pr] += 1.0;
		right += p[pr];
		var += cbpe_nonneg(p[pr] * (1.0 - p[pr]));	/* p: 1+ulp */
		e->n_rows++;
	}
	if (e->n_rows == 0)
		return;
	e->accuracy = right / (double)e->n_rows;
	e->accuracy_se = sqrt(var) / (double)e->n_rows;
}

/* Macro F1 from the expected confusion; fills the delta-method slopes. */
static void
cbpe_f1(struct cbpe_estimate *e, struct cbpe_totals *tt)
{
	size_t uk = (size_t)e->k;
	double sum = 0.0;
	int c, t, active = 0;

	for (c = 0; c < e->k; c++) {
		double ntrue = 0.0;

		for (t = 0; t < e->k; t++)
			ntrue += e->confusion[(size_t)c * uk + (size_t)t];
		tt->d[c] = tt->npred[c] + ntrue;
		if (tt->d[c] > 0.0)
			active++;
	}
	if (active == 0)
		return;
	for (c = 0; c < e->k; c++) {
		double tp = e->confusion[(size_t)c * uk + (size_t)c];

		if (!(tt->d[c] > 0.0))
			continue;
		sum += 2.0 * tp / tt->d[c];
		tt->a[c] = 2.0 / (active * tt->d[c]);
		tt->b[c] = -2.0 * tp / (active * tt->d[c] * tt->d[c]);
	}
	e->f1_macro = sum / active;
}

/* Pass 2: the delta-method variance of macro F1, summed over rows. */
static double
cbpe_pass_f1_var(const double *probs, const int *y_pred, size_t n, int k,
    const struct cbpe_totals *tt)
{
	size_t uk = (size_t)k, i;
	double var = 0.0;
	int t;

	for (i = 0; i < n; i++) {
		int pr = y_pred[i];
		const double *p = probs + i * uk;
		double mean = 0.0, v = 0.0;

		if (pr < 0 || pr >= k)
			continue;
		for (t = 0; t < k; t++)
			mean += p[t] * ((t == pr ? tt->a[t] : 0.0) + tt->b[t]);
		for (t = 0; t < k; t++) {
			double g = (t == pr ? tt->a[t] : 0.0) + tt->b[t] - mean;

			v += p[t] * g * g;
		}
		var += v;
	}
	return var;
}

void
cbpe_estimate(const struct calib *calib, const double *scores,
    const int *y_pred, size_t n, int k, struct cbpe_estimate *out)
{
	size_t uk = (size_t)k;
	struct cbpe_totals tt;
	double *owned;
	const double *p = cbpe_probs(calib, scores, n, k, &owned);

	memset(out, 0, sizeof *out);
	out->k = k;
	out->calibrated = calib != NULL && calib->enabled;
	out->confusion = xcalloc(uk * uk, sizeof *out->confusion);
	tt.npred = xcalloc(uk, sizeof *tt.npred);
	tt.d = xcalloc(uk, sizeof *tt.d);
	tt.a = xcalloc(uk, sizeof *tt.a);
	tt.b = xcalloc(uk, sizeof *tt.b);
	cbpe_pass_confusion(p, y_pred, n, k, out, &tt);
	if (out->n_rows > 0) {
		cbpe_f1(out, &tt);
		out->f1_se = sqrt(cbpe_pass_f1_var(p, y_pred, n, k, &tt));
	}
	free(tt.npred);
	free(tt.d);
	free(tt.a);
	free(tt.b);
	out->accuracy_lower = cbpe_clip(out->accuracy -
	    CBPE_SIGMAS * out->accuracy_se);
	out->accuracy_upper = cbpe_clip(out->accuracy +
	    CBPE_SIGMAS * out->accuracy_se);
	out->f1_lower = cbpe_clip(out->f1_macro - CBPE_SIGMAS * out->f1_se);
	out->f1_upper = cbpe_clip(out->f1_macro + CBPE_SIGMAS * out->f1_se);
	free(owned);
}

bool
cbpe_decayed(const struct cbpe_estimate *e, double ref_accuracy,
    double ref_f1_macro, double decay)
{
	if (e->n_rows == 0)
		return false;
	return e->accuracy_upper < ref_accuracy - decay ||
	    e->f1_upper < ref_f1_macro - decay;
}

void
cbpe_estimate_finish(struct cbpe_estimate *e)
{
	free(e->confusion);
	e->confusion = NULL;
}
