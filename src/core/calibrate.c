/*
 * Isotonic calibration map (see calibrate.h).
 *
 * Fitting one curve follows scikit-learn 1.2's IsotonicRegression step by
 * step, so the golden vectors agree to rounding: sort by score; pool rows
 * whose score is within 1e-15 of the first score of the current group
 * (_make_unique: the group keeps that first score, its target is the
 * mean); pool adjacent violators with weights
 * (_inplace_contiguous_isotonic_regression); drop interior points whose
 * value equals both neighbours (they do not change the interpolation).
 * Prediction clips the score to [x0, x_last] and interpolates as
 * numpy.interp does.
 *
 * Text form, one line per part:
 *
 *   calib/1 k=3 curves=3 enabled=1 rows=1000 ece_raw=<hex> ece_cal=<hex>
 *   curve n=4 <x> <y> <x> <y> <x> <y> <x> <y>
 *   ...one curve line per curve
 */
#include "calibrate.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "strbuf.h"
#include "metrics.h"
#include "xalloc.h"

/* Scores closer than this are one value (numpy float64 resolution). */
#define CALIB_TIE_EPS	1e-15

/* A (score, target) pair while fitting one curve. */
struct calib_point {
	double	x;
	double	y;
};

static int
calib_point_cmp(const void *a, const void *b)
{
	const struct calib_point *p = a, *q = b;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	if (p->y != q->y)
		return p->y < q->y ? -1 : 1;
	return 0;
}

/*
 * Pool adjacent violators in place over y with weights w (length n), as
 * scikit-learn's _inplace_contiguous_isotonic_regression.
 */
static void
calib_pava(double *y, double *w, size_t n)
{
	size_t *target = xcalloc(n, sizeof *target);
	size_t i, k;

	for (i = 0; i < n; i++)
		target[i] = i;
	i = 0;
	while (i < n) {
		double sum_wy, sum_w, prev_y;

		k = target[i] + 1;
		if (k == n)
			break;
		if (y[i] < y[k]) {
			i = k;
			continue;
		}
		sum_wy = w[i] * y[i];
		sum_w = w[i];
		for (;;) {
			prev_y = y[k];
			sum_wy += w[k] * y[k];
			sum_w += w[k];
			k = target[k] + 1;
			if (k == n || prev_y < y[k]) {
				y[i] = sum_wy / sum_w;
				w[i] = sum_w;
				target[i] = k - 1;
				target[k - 1] = i;
				if (i > 0)
					i = target[i - 1];
				break;
			}
		}
	}
	for (i = 0; i < n; i = k) {
		k = target[i] + 1;
		for (size_t j = i + 1; j < k; j++)
			y[j] = y[i];
	}
	free(target);
}

/* Fit one curve to m points (sorted here, m >= 1). */
static void
calib_curve_fit(struct calib_point *pts, size_t m, struct calib_curve *out)
{
	double *x = xcalloc(m, sizeof *x), *y = xcalloc(m, sizeof *y);
	double *w = xcalloc(m, sizeof *w), sum = 0.0, cnt = 0.0;
	size_t i, u = 0, kept = 0;

	qsort(pts, m, sizeof *pts, calib_point_cmp);
	x[0] = pts[0].x;
	for (i = 0; i < m; i++) {
		if (pts[i].x - x[u] >= CALIB_TIE_EPS) {
			y[u] = sum / cnt;
			w[u++] = cnt;
			x[u] = pts[i].x;
			sum = cnt = 0.0;
		}
		sum += pts[i].y;
		cnt += 1.0;
	}
	y[u] = sum / cnt;
	w[u++] = cnt;
	calib_pava(y, w, u);
	for (i = 0; i < u; i++) {
		if (i > 0 && i + 1 < u && y[i] == y[i - 1] && y[i] == y[i + 1])
			continue;
		x[kept] = x[i];
		y[kept++] = y[i];
	}
	free(w);
	out->n = kept;
	out->x = xreallocarray(x, kept, sizeof *x);
	out->y = xreallocarray(y, kept, sizeof *y);
}

/* The curve at score t, as numpy.interp over the clipped score. */
static double
calib_curve_eval(const struct calib_curve *c, double t)
{
	size_t lo = 0, hi = c->n - 1, mid;
	double slope;

	if (!(t > c->x[0]))
		return c->y[0];
	if (t >= c->x[hi])
		return c->y[hi];
	while (hi - lo > 1) {		/* x[lo] <= t < x[hi] */
		mid = lo + (hi - lo) / 2;
		if (c->x[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	slope = (c->y[hi] - c->y[lo]) / (c->x[hi] - c->x[lo]);
	return slope * (t - c->x[lo]) + c->y[lo];
}

/* Apply the curves whatever c->enabled says. */
static void
calib_map_row(const struct calib *c, const double *scores, double *out)
{
	double sum = 0.0;
	int j;

	if (c->k == 2) {
		out[1] = calib_curve_eval(&c->curves[0], scores[1]);
		out[0] = 1.0 - out[1];
		return;
	}
	for (j = 0; j < c->k; j++) {
		out[j] = calib_curve_eval(&c->curves[j], scores[j]);
		sum += out[j];
	}
	for (j = 0; j < c->k; j++)
		out[j] = sum > 0.0 ? out[j] / sum : 1.0 / c->k;
}

static struct calib *
calib_alloc(int k)
{
	struct calib *c = xcalloc(1, sizeof *c);

	c->k = k;
	c->n_curves = k == 2 ? 1 : k;
	c->curves = xcalloc((size_t)c->n_curves, sizeof *c->curves);
	return c;
}

/*
 * Fit every curve of c on the usable rows rows[0..m-1] whose fold is not
 * skip_fold (fold of the i-th usable row is i % CALIB_FOLDS; -1 keeps
 * all).
 */
static void
calib_fit_curves(struct calib *c, const double *scores, const int *y_true,
    const size_t *rows, size_t m, int skip_fold)
{
	struct calib_point *pts = xcalloc(m, sizeof *pts);
	int j;

	for (j = 0; j < c->n_curves; j++) {
		int cls = c->k == 2 ? 1 : j;
		size_t i, used = 0;

		for (i = 0; i < m; i++) {
			size_t r = rows[i];

			if (skip_fold >= 0 && (int)(i % CALIB_FOLDS) == skip_fold)
				continue;
			pts[used].x = scores[r * (size_t)c->k + (size_t)cls];
			pts[used++].y = y_true[r] == cls ? 1.0 : 0.0;
		}
		calib_curve_fit(pts, used, &c->curves[j]);
	}
	free(pts);
}

static void
calib_free_curves(struct calib *c)
{
	int j;

	for (j = 0; j < c->n_curves; j++) {
		free(c->curves[j].x);
		free(c->curves[j].y);
		c->curves[j].x = c->curves[j].y = NULL;
		c->curves[j].n = 0;
	}
}

/*
 * ECE of the raw scores and of cross-fitted calibrated scores over the
 * usable rows; sets c->ece_raw, c->ece_calibrated and c->enabled.
 */
static void
calib_judge(struct calib *c, const double *scores, const int *y_pred,
    const int *y_true, const size_t *rows, size_t m)
{
	size_t uk = (size_t)c->k, i;
	double *raw = xcalloc(m, sizeof *raw), *cal = xcalloc(m, sizeof *cal);
	double *p = xcalloc(uk, sizeof *p);
	unsigned char *ok = xcalloc(m, 1);
	struct calib *fold = calib_alloc(c->k);
	int f;

	for (i = 0; i < m; i++) {
		raw[i] = scores[rows[i] * uk + (size_t)y_pred[rows[i]]];
		ok[i] = y_pred[rows[i]] == y_true[rows[i]];
	}
	c->ece_raw = metrics_ece(raw, ok, m, NULL);
	c->ece_calibrated = c->ece_raw;
	c->enabled = false;
	if (m >= CALIB_MIN_ROWS) {
		for (f = 0; f < CALIB_FOLDS; f++) {
			calib_fit_curves(fold, scores, y_true, rows, m, f);
			for (i = (size_t)f; i < m; i += CALIB_FOLDS) {
				calib_map_row(fold, scores + rows[i] * uk, p);
				cal[i] = p[y_pred[rows[i]]];
			}
			calib_free_curves(fold);
		}
		c->ece_calibrated = metrics_ece(cal, ok, m, NULL);
		c->enabled = c->ece_calibrated < c->ece_raw;
	}
	calib_destroy(fold);
	free(raw);
	free(cal);
	free(p);
	free(ok);
}

static bool
calib_row_finite(const double *v, int k)
{
	int j;

	for (j = 0; j < k; j++)
		if (!isfinite(v[j]))
			return false;
	return true;
}

struct calib *
calib_fit(const double *scores, const int *y_pred, const int *y_true,
    size_t n, int k)
{
	struct calib *c;
	size_t *rows, m = 0, i;

	if (k < 2 || k > CALIB_MAX_CLASSES || n == 0)
		return NULL;
	rows = xcalloc(n, sizeof *rows);
	for (i = 0; i < n; i++)
		if (y_true[i] >= 0 && y_true[i] < k &&
		    y_pred[i] >= 0 && y_pred[i] < k &&
		    calib_row_finite(scores + i * (size_t)k, k))
			rows[m++] = i;
	if (m == 0) {
		free(rows);
		return NULL;
	}
	c = calib_alloc(k);
	c->n_rows = m;
	calib_judge(c, scores, y_pred, y_true, rows, m);
	calib_fit_curves(c, scores, y_true, rows, m, -1);
	free(rows);
	return c;
}

void
calib_destroy(struct calib *c)
{
	if (c == NULL)
		return;
	calib_free_curves(c);
	free(c->curves);
	free(c);
}

void
calib_apply(const struct calib *c, const double *scores, double *out)
{
	if (!c->enabled) {
		memcpy(out, scores, (size_t)c->k * sizeof *out);
		return;
	}
	calib_map_row(c, scores, out);
}

char *
calib_encode(const struct calib *c)
{
	struct strbuf b = STRBUF_INIT;
	int j;

	strbuf_addf(&b, "calib/1 k=%d curves=%d enabled=%d rows=%llu "
	    "ece_raw=", c->k, c->n_curves, c->enabled ? 1 : 0,
	    (unsigned long long)c->n_rows);
	codec_put_double(&b, c->ece_raw);
	strbuf_addf(&b, " ece_cal=");
	codec_put_double(&b, c->ece_calibrated);
	for (j = 0; j < c->n_curves; j++) {
		const struct calib_curve *cv = &c->curves[j];
		size_t i;

		strbuf_addf(&b, "\ncurve n=%zu", cv->n);
		for (i = 0; i < cv->n; i++) {
			strbuf_addf(&b, " ");
			codec_put_double(&b, cv->x[i]);
			strbuf_addf(&b, " ");
			codec_put_double(&b, cv->y[i]);
		}
	}
	strbuf_addf(&b, "\n");
	return strbuf_take(&b);
}

static bool
calib_in_unit(double v)
{
	return v >= 0.0 && v <= 1.0;
}

/* The header line; returns NULL on success or a static reason. */
static const char *
calib_decode_header(const char **s, struct calib **out)
{
	uint64_t k, curves, enabled, rows;
	double raw, cal;

	if (!codec_expect(s, "calib/1 k="))
		return "expected \"calib/1 k=\"";
	if (!codec_parse_u64(s, &k) || k < 2 || k > CALIB_MAX_CLASSES)
		return "k is not a class count in 2..1024";
	if (!codec_expect(s, " curves=") || !codec_parse_u64(s, &curves) ||
	    curves != (k == 2 ? 1 : k))
		return "curves does not match k (1 when k is 2, else k)";
	if (!codec_expect(s, " enabled=") || !codec_parse_u64(s, &enabled) ||
	    enabled > 1)
		return "enabled is not 0 or 1";
	if (!codec_expect(s, " rows=") || !codec_parse_u64(s, &rows) ||
	    rows == 0 || rows > (UINT64_C(1) << 53))
		return "rows is not a positive count";
	if (!codec_expect(s, " ece_raw=") || !codec_parse_double(s, &raw) ||
	    !calib_in_unit(raw))
		return "ece_raw is not a number in [0, 1]";
	if (!codec_expect(s, " ece_cal=") || !codec_parse_double(s, &cal) ||
	    !calib_in_unit(cal))
		return "ece_cal is not a number in [0, 1]";
	*out = calib_alloc((int)k);
	(*out)->enabled = enabled == 1;
	(*out)->n_rows = (size_t)rows;
	(*out)->ece_raw = raw;
	(*out)->ece_calibrated = cal;
	return NULL;
}

/* One curve line into cv; returns NULL on success or a static reason. */
static const char *
calib_decode_curve(const char **s, size_t max_points, struct calib_curve *cv)
{
	uint64_t n;
	size_t i;

	if (!codec_expect(s, "\ncurve n="))
		return "expected a line \"curve n=\"";
	if (!codec_parse_u64(s, &n) || n == 0 || n > max_points)
		return "n is not a point count in 1..rows";
	/* A pair takes 12 characters or more: " 0x0p0 0x0p0". */
	if (strnlen(*s, (size_t)n * 12) < (size_t)n * 12)
		return "fewer pairs on the line than n";
	cv->x = xcalloc((size_t)n, sizeof *cv->x);
	cv->y = xcalloc((size_t)n, sizeof *cv->y);
	cv->n = (size_t)n;
	for (i = 0; i < cv->n; i++) {
		if (!codec_expect(s, " ") || !codec_parse_double(s, &cv->x[i]) ||
		    !codec_expect(s, " ") || !codec_parse_double(s, &cv->y[i]))
			return "expected n pairs of hex numbers";
		if (!isfinite(cv->x[i]) || (i > 0 && cv->x[i] <= cv->x[i - 1]))
			return "scores are not finite and strictly ascending";
		if (!calib_in_unit(cv->y[i]) ||
		    (i > 0 && cv->y[i] < cv->y[i - 1]))
			return "values are not in [0, 1] and non-decreasing";
	}
	return NULL;
}

struct calib *
calib_decode(const char *s, char **cause)
{
	struct calib *c = NULL;
	const char *why;
	int line = 1;

	if (s == NULL) {
		*cause = xstrdup("calibration map: no text");
		return NULL;
	}
	why = calib_decode_header(&s, &c);
	while (why == NULL && line <= c->n_curves) {
		why = calib_decode_curve(&s, c->n_rows, &c->curves[line - 1]);
		line++;
	}
	if (why == NULL && *s == '\n' && *++s != '\0')
		line++;			/* a line after the last curve */
	if (why == NULL && *s != '\0')
		why = "text after the last curve";
	if (why == NULL)
		return c;
	*cause = xasprintf("calibration map line %d: %s", line, why);
	calib_destroy(c);
	return NULL;
}
