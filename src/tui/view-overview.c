/*
 * Overview: the state of the model at a glance.
 *
 *   latest batch, rows, share labelled
 *   accuracy and macro F1 with deltas against the reference; ECE band
 *   drifted batches by their stored PSI verdicts (drift, investigate),
 *   labelled with the latest stored thresholds
 *   label shift and mean confidence against the reference
 *   the newest estimate before labels (CBPE) with its band and verdict,
 *   and the mean absolute error of the estimates graded so far
 *   [ chart: accuracy and F1 across the visible batches, reference lines,
 *     the estimate and its band on every batch ]
 *   [ latest alerts ]
 */
#include "tui/app.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "tui/glyphs.h"

/*
 * Stats lines: 7 with the estimate line, 6 on a store that never held an
 * estimate (written before estimates existed): its overview reads as the
 * release before showed it.
 */
static int
ov_stats(const struct query_overview *ov)
{
	return ov->has_est ? 7 : 6;
}

static int overview_load(struct app *a);
static void overview_draw(const struct app *a, struct canvas *c,
    struct rect r);
static int overview_key(struct app *a, enum action act);

const struct view view_overview = {
	.name = "Overview",
	.hints = "",
	.load = overview_load,
	.draw = overview_draw,
	.key = overview_key,
};

/* Heights of the chart box and the alert list in a body of h rows. */
static void
overview_split(int h, int stats, int *chart_h, int *alerts_h)
{
	int rest = h - stats;

	if (rest < 0)
		rest = 0;
	*chart_h = rest * 55 / 100;
	if (*chart_h < 4)
		*chart_h = rest < 4 ? rest : 4;
	*alerts_h = rest - *chart_h;
}

static int
overview_load(struct app *a)
{
	int64_t lo, hi;
	int chart_h, alerts_h;

	overview_split(a->body.h, ov_stats(query_overview(a->q)), &chart_h,
	    &alerts_h);
	app_series_range(a, (int)render_chart_capacity(a->body.w - 2), &lo,
	    &hi);
	if (query_series_load(a->q, lo, hi, QUERY_REPORT_PERFORMANCE |
	    QUERY_REPORT_ESTIMATE, &a->series) == -1)
		return -1;
	return query_alerts_load(a->q, NULL, 0,
	    alerts_h > 1 ? (size_t)(alerts_h - 1) : 0, &a->recent);
}

static int
overview_key(struct app *a, enum action act)
{
	(void)a;
	(void)act;
	return VIEW_IGNORED;
}

/* "+0.012" with an up/down mark; role by sign when it matters. */
static int
draw_delta(struct canvas *c, int x, int y, int maxw, double d, double bad)
{
	char buf[32];
	enum role role = ROLE_GOOD;
	uint32_t mark;

	if (isnan(d))
		return canvas_text(c, x, y, maxw, ROLE_DIM, "unknown");
	if (d < -bad)
		role = ROLE_BAD;
	else if (d < 0)
		role = ROLE_WARN;
	mark = d < 0 ? glyph(G_DOWN) : glyph(G_UP);
	if (maxw < 8)
		return 0;
	canvas_put(c, x, y, mark, role);
	snprintf(buf, sizeof buf, "%+.3f", d);
	return 1 + canvas_text(c, x + 1, y, maxw - 1, role, buf);
}

/* " (ref 0.912)", or " (ref unknown)" when the reference has no labels. */
static int
draw_ref(struct canvas *c, int x, int y, int maxw, double v, double d)
{
	if (isnan(d))
		return canvas_text(c, x, y, maxw, ROLE_DIM, " (ref unknown)");
	return canvas_printf(c, x, y, maxw, ROLE_DIM, " (ref %.3f)", v - d);
}

static const char *
ece_band(double ece, enum role *role)
{
	if (ece <= 0.05) {
		*role = ROLE_GOOD;
		return "good";
	}
	if (ece <= 0.10) {
		*role = ROLE_WARN;
		return "watch";
	}
	*role = ROLE_BAD;
	return "bad";
}

/*
 * Line 7: the newest stored estimate, its band and verdict, and the
 * grades of the estimates so far (as stored: nothing is judged here).
 */
static void
draw_estimate(const struct query_overview *ov, struct canvas *c, int x0,
    int y, int end)
{
	const struct cbpe_estimate *e = &ov->est.cbpe;
	int x;

	x = x0 + canvas_text(c, x0, y, end - x0, ROLE_NORMAL, "Estimated ");
	if (!ov->est.available) {
		canvas_printf(c, x, y, end - x, ROLE_DIM, "accuracy: no "
		    "estimate: %s", ov->est.reason);
		return;
	}
	x += canvas_printf(c, x, y, end - x, ROLE_ESTIMATE,
	    "accuracy %.3f [%.3f, %.3f]", e->accuracy, e->accuracy_lower,
	    e->accuracy_upper);
	x += canvas_printf(c, x, y, end - x, ROLE_ESTIMATE, "  F1 %.3f",
	    e->f1_macro);
	if (ov->est.decayed)
		x += canvas_text(c, x, y, end - x, ROLE_WARN, " [EST. DECAY]");
	if (ov->n_graded > 0)
		x += canvas_printf(c, x, y, end - x, ROLE_NORMAL, "  MAE %.3f "
		    "(%llu graded)", ov->mae_acc,
		    (unsigned long long)ov->n_graded);
	else
		x += canvas_text(c, x, y, end - x, ROLE_DIM,
		    "  not graded yet");
	canvas_printf(c, x, y, end - x, ROLE_DIM, "  CBPE%s, batch %lld",
	    e->calibrated ? " calibrated" : " on raw scores",
	    (long long)ov->est_batch);
}

/* Line 1: batch, rows, labelled. */
static void
draw_counts(const struct app *a, struct canvas *c, int x0, int y, int end)
{
	const struct query_overview *ov = query_overview(a->q);
	char n1[32], n2[32], win[48];
	double share;
	int x;

	format_count(n1, sizeof n1, ov->rows);
	format_count(n2, sizeof n2, ov->labelled);
	share = ov->rows > 0 ? 100.0 * (double)ov->labelled /
	    (double)ov->rows : 0;
	/* A batch that just arrived shows in reverse for a few seconds. */
	format_window(win, sizeof win, ov->latest_batch, ov->window_us);
	x = x0 + canvas_printf(c, x0, y, end - x0, app_batch_is_new(a) ?
	    ROLE_NEW : ROLE_BOLD, "Latest batch %lld%s",
	    (long long)ov->latest_batch, win);
	x += canvas_printf(c, x, y, end - x, ROLE_NORMAL, "   rows %s   "
	    "labelled %s (%.1f%%)", n1, n2, share);
	if (ov->late > 0)
		x += canvas_printf(c, x, y, end - x, ROLE_WARN, "   late %lld",
		    (long long)ov->late);
	canvas_printf(c, x, y, end - x, ROLE_DIM, "   %lld batches",
	    (long long)ov->n_batches);
}

/* Line 2: accuracy and F1, against the reference. */
static void
draw_perf(const struct query_overview *ov, struct canvas *c, int x0, int y,
    int end)
{
	int x;

	if (!ov->has_perf) {
		canvas_text(c, x0, y, end - x0, ROLE_DIM, "Accuracy / F1: no "
		    "labelled batch yet (ground truth pending)");
		return;
	}
	x = x0 + canvas_printf(c, x0, y, end - x0, ROLE_NORMAL,
	    "Accuracy %.3f ", ov->accuracy);
	x += draw_delta(c, x, y, end - x, ov->acc_delta,
	    ov->thresholds.decay_delta);
	x += draw_ref(c, x, y, end - x, ov->accuracy, ov->acc_delta);
	x += canvas_printf(c, x, y, end - x, ROLE_NORMAL,
	    "  Macro F1 %.3f ", ov->f1);
	x += draw_delta(c, x, y, end - x, ov->f1_delta,
	    ov->thresholds.decay_delta);
	x += draw_ref(c, x, y, end - x, ov->f1, ov->f1_delta);
	x += canvas_printf(c, x, y, end - x, ROLE_DIM, "  batch %lld",
	    (long long)ov->perf_batch);
	/* Judged on partial labels (--min-label-coverage). */
	if (ov->perf_coverage < 1)
		canvas_printf(c, x, y, end - x, ROLE_WARN,
		    " (partial: %.0f%% labelled)",
		    floor(100 * ov->perf_coverage));
}

/* Line 3: the ECE and its band. */
static void
draw_ece(const struct query_overview *ov, struct canvas *c, int x0, int y,
    int end)
{
	char buf[32];
	enum role role;
	const char *s;
	int x;

	if (!ov->has_perf || isnan(ov->ece)) {
		canvas_text(c, x0, y, end - x0, ROLE_DIM, "ECE: n/a");
		return;
	}
	s = ece_band(ov->ece, &role);
	x = x0 + canvas_printf(c, x0, y, end - x0, ROLE_NORMAL, "ECE %.3f ",
	    ov->ece);
	snprintf(buf, sizeof buf, "[%s]", s);
	x += canvas_text(c, x, y, end - x, role, buf);
	canvas_text(c, x, y, end - x, ROLE_DIM,
	    "  bands: <=0.05 good, <=0.10 watch, worse bad");
}

/* Line 4: the stored drift verdicts, each with its threshold. */
static void
draw_drift_counts(const struct query_overview *ov, struct canvas *c, int x0,
    int y, int end)
{
	const struct query_thresholds *t = &ov->thresholds;
	char buf[160], crit[32], warn[32];
	int x;

	x = x0 + canvas_text(c, x0, y, end - x0, ROLE_NORMAL,
	    "Drifted batches: ");
	/* The stored verdicts, labelled with the latest stored thresholds. */
	if (t->known && t->history_uniform) {
		snprintf(crit, sizeof crit, "at PSI>%.2f ", t->psi_critical);
		snprintf(warn, sizeof warn, "at PSI>%.2f ", t->psi_warning);
	} else {
		/* Each batch by its own thresholds: no one line to name. */
		snprintf(crit, sizeof crit, "by batch thresholds ");
		snprintf(warn, sizeof warn, "by batch thresholds ");
	}
	snprintf(buf, sizeof buf, "%lld/%lld %s(critical)",
	    (long long)ov->drift_psi_critical,
	    (long long)ov->n_feature_reports, crit);
	x += canvas_text(c, x, y, end - x, ov->drift_psi_critical > 0 ?
	    ROLE_BAD : ROLE_GOOD, buf);
	snprintf(buf, sizeof buf, ", %lld/%lld %s(investigate)",
	    (long long)ov->drift_psi_warning,
	    (long long)ov->n_feature_reports, warn);
	canvas_text(c, x, y, end - x, ov->drift_psi_warning > 0 ?
	    ROLE_WARN : ROLE_GOOD, buf);
}

/* Line 5: label shift, and when it first fired. */
static void
draw_label_shift(const struct query_overview *ov, struct canvas *c, int x0,
    int y, int end)
{
	int x;

	x = x0 + canvas_text(c, x0, y, end - x0, ROLE_NORMAL,
	    "Label shift: ");
	if (!ov->has_pred)
		x += canvas_text(c, x, y, end - x, ROLE_DIM, "n/a");
	else {
		x += canvas_text(c, x, y, end - x, ov->ls_drift ? ROLE_BAD :
		    ROLE_GOOD, ov->ls_drift ? "[SHIFT]" : "none");
		x += canvas_printf(c, x, y, end - x, ROLE_DIM,
		    " chi2 p=%.3g at batch %lld", ov->ls_p,
		    (long long)ov->pred_batch);
	}
	if (ov->first_fired[QUERY_DET_LABEL_SHIFT] != -1)
		canvas_printf(c, x, y, end - x, ROLE_WARN,
		    ", first fired at batch %lld",
		    (long long)ov->first_fired[QUERY_DET_LABEL_SHIFT]);
}

/* Line 6: mean confidence against the reference's. */
static void
draw_confidence(const struct query_overview *ov, struct canvas *c, int x0,
    int y, int end)
{
	char buf[160];
	int x;

	if (!ov->has_pred || isnan(ov->mean_conf)) {
		canvas_text(c, x0, y, end - x0, ROLE_DIM,
		    "Mean confidence: n/a");
		return;
	}
	x = x0 + canvas_printf(c, x0, y, end - x0, ROLE_NORMAL,
	    "Mean confidence %.3f vs ref %.3f ", ov->mean_conf, ov->ref_conf);
	x += draw_delta(c, x, y, end - x, ov->mean_conf - ov->ref_conf,
	    ov->thresholds.confidence_delta);
	snprintf(buf, sizeof buf, ov->conf_drift ? "[DRIFT] moved > %.2f" :
	    "within %.2f", ov->thresholds.confidence_delta);
	canvas_text(c, x + 1, y, end - x - 1, ov->conf_drift ? ROLE_BAD :
	    ROLE_GOOD, buf);
}

/* The stats lines above the chart, one function each. */
static void
draw_stats(const struct app *a, struct canvas *c, struct rect r)
{
	const struct query_overview *ov = query_overview(a->q);
	int end = r.x + r.w;

	draw_counts(a, c, r.x, r.y, end);
	draw_perf(ov, c, r.x, r.y + 1, end);
	draw_ece(ov, c, r.x, r.y + 2, end);
	draw_drift_counts(ov, c, r.x, r.y + 3, end);
	draw_label_shift(ov, c, r.x, r.y + 4, end);
	draw_confidence(ov, c, r.x, r.y + 5, end);
	/* The estimate before labels, on a store that holds estimates. */
	if (ov->has_est)
		draw_estimate(ov, c, r.x, r.y + 6, end);
}

/*
 * The chart's series (ser[0..4]) with the accuracy of batches judged on
 * partial labels over them in their own role (ser[5]), and their count
 * in the bottom border of box r (the marks do not rely on colour).
 */
static void
draw_chart_series(const struct query_series *s, struct canvas *c,
    struct rect r, struct rect in, double lo, double hi,
    struct chart_series ser[6], const struct chart_line *lines, size_t nl)
{
	char buf[64];
	double *part;
	size_t i, np = 0;

	part = xcalloc(s->n > 0 ? s->n : 1, sizeof *part);
	for (i = 0; i < s->n; i++) {
		part[i] = s->acc_cov[i] < 1 ? s->acc[i] : NAN;
		np += s->acc_cov[i] < 1;
	}
	ser[5] = (struct chart_series){ part, s->n, 1, ROLE_WARN };
	render_chart(c, in, lo, hi, ser, np > 0 ? 6 : 5, lines, nl);
	free(part);
	if (np > 0 && in.w > 40) {
		snprintf(buf, sizeof buf, " %zu batch%s judged on partial "
		    "labels ", np, np == 1 ? "" : "es");
		canvas_text(c, r.x + 2, r.y + r.h - 1, in.w - 2, ROLE_WARN,
		    buf);
	}
}

static void
draw_chart(const struct app *a, struct canvas *c, struct rect r)
{
	const struct query_series *s = &a->series;
	bool est = query_overview(a->q)->has_est;
	struct chart_series ser[6];
	struct chart_line lines[2];
	char title[96];
	struct rect in;
	double lo = 1, hi = 0, v, ref_acc = NAN, ref_f1 = NAN;
	size_t i, nl = 0;

	for (i = 0; i < s->n; i++) {
		const double vals[7] = { s->acc[i], s->f1[i], s->ref_acc[i],
		    s->ref_f1[i], s->est_acc[i], s->est_acc_lo[i],
		    s->est_acc_hi[i] };

		for (int k = 0; k < 7; k++) {
			v = vals[k];
			if (isnan(v))
				continue;
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		if (!isnan(s->ref_acc[i]))
			ref_acc = s->ref_acc[i];
		if (!isnan(s->ref_f1[i]))
			ref_f1 = s->ref_f1[i];
	}
	if (hi < lo) {
		lo = 0;
		hi = 1;
	}
	lo = floor((lo - 0.02) * 20) / 20;
	hi = ceil((hi + 0.02) * 20) / 20;
	lo = lo < 0 ? 0 : lo;
	hi = hi > 1 ? 1 : hi;
	snprintf(title, sizeof title, "Accuracy and macro F1, batches "
	    "%lld-%lld", (long long)s->lo, (long long)s->hi);
	in = canvas_box(c, r, title, ROLE_DIM);
	if (in.w <= 0 || in.h <= 0)
		return;
	/* Legend in the top border, right end. */
	if (in.w > 60) {
		int x = in.x + in.w - (est ? 33 : 27);

		x += canvas_text(c, x, r.y, 6, ROLE_SERIES1, " acc ");
		x += canvas_text(c, x, r.y, 5, ROLE_SERIES2, " F1 ");
		if (est) {
			x += canvas_text(c, x, r.y, 6, ROLE_ESTIMATE, " est ");
			x += canvas_text(c, x, r.y, 6, ROLE_BAND, " band ");
		}
		canvas_text(c, x, r.y, 16, ROLE_REF, " dashed: ref ");
	}
	if (!isnan(ref_acc))
		lines[nl++] = (struct chart_line){ ref_acc, ROLE_REF,
		    "ref acc" };
	if (!isnan(ref_f1) && fabs(ref_f1 - ref_acc) > 0.005)
		lines[nl++] = (struct chart_line){ ref_f1, ROLE_REF,
		    "ref F1" };
	/* Band and estimate first: the realized lines are drawn over them. */
	ser[0] = (struct chart_series){ s->est_acc_lo, s->n, 1, ROLE_BAND };
	ser[1] = (struct chart_series){ s->est_acc_hi, s->n, 1, ROLE_BAND };
	ser[2] = (struct chart_series){ s->est_acc, s->n, 1, ROLE_ESTIMATE };
	ser[3] = (struct chart_series){ s->f1, s->n, 1, ROLE_SERIES2 };
	ser[4] = (struct chart_series){ s->acc, s->n, 1, ROLE_SERIES1 };
	draw_chart_series(s, c, r, in, lo, hi, ser, lines, nl);
	if (s->n > 0 && !(s->flags[s->n - 1] & QUERY_HAS_PERFORMANCE) &&
	    in.w > 40)
		canvas_text_right(c, in.x + in.w, in.y + in.h - 1, 30,
		    ROLE_DIM, "newest batches: no labels yet");
}

static void
draw_alert_row(const struct app *a, struct canvas *c, int x, int y, int w,
    const struct query_alert *al)
{
	char age[32], buf[64];
	const char *status;
	enum role role;
	int used;

	canvas_text(c, x, y, 6, ROLE_NORMAL, severity_marker(al->severity,
	    &role));
	canvas_role(c, x, y, 6, role);
	status = strcmp(al->kind, "resolved") == 0 ? "resolved" : al->status;
	format_age(age, sizeof age, a->now - al->sent_at);
	snprintf(buf, sizeof buf, " b%-5lld %-10.10s %-12.12s ",
	    (long long)al->batch_id, status, age);
	used = 6 + canvas_text(c, x + 6, y, w - 6, ROLE_DIM, buf);
	used += canvas_text(c, x + used, y, w - used, ROLE_NORMAL,
	    al->message);
	if (app_alert_is_new(a, al->id)) {
		canvas_role(c, x + 6, y, used - 6, ROLE_NEW);
		canvas_put(c, x + 6, y, glyph(G_NEW), ROLE_NEW);
	}
}

static void
overview_draw(const struct app *a, struct canvas *c, struct rect r)
{
	const struct query_overview *ov = query_overview(a->q);
	int chart_h, alerts_h, y, i;
	char buf[64];

	overview_split(r.h, ov_stats(ov), &chart_h, &alerts_h);
	draw_stats(a, c, (struct rect){ r.x, r.y, r.w, ov_stats(ov) });
	draw_chart(a, c, (struct rect){ r.x, r.y + ov_stats(ov), r.w,
	    chart_h });
	if (alerts_h <= 0)
		return;
	y = r.y + ov_stats(ov) + chart_h;
	snprintf(buf, sizeof buf, "Latest alerts (%lld in all; 4 for the "
	    "feed)", (long long)ov->n_alerts);
	canvas_text(c, r.x, y, r.w, ROLE_TITLE, buf);
	if (a->recent.n == 0 && alerts_h > 1)
		canvas_text(c, r.x + 2, y + 1, r.w - 2, ROLE_DIM,
		    "no alerts");
	for (i = 0; i < (int)a->recent.n && i < alerts_h - 1; i++)
		draw_alert_row(a, c, r.x, y + 1 + i, r.w, &a->recent.rows[i]);
}
