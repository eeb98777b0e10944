/*
 * Drift: one row per feature, then the selected feature in large.
 *
 *   feature  PSI sparkline (0.10/0.20 bands)  last  KS -log10 p  last p  flags
 *   ...      (up/down selects; the table scrolls)
 *   [ PSI of the selected feature, threshold lines at 0.10 and 0.20 ]
 *   label-shift p and mean-confidence sparklines
 *   the first batch at which each detector fired
 *
 * Sparklines have one cell per batch, newest at the right edge.
 */
#include "tui/app.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/xalloc.h"
#include "tui/glyphs.h"

#define PSI_TOP		0.30	/* sparkline full height */
#define KS_TOP		4.0	/* -log10 p at full height */
#define NAME_W		12
#define LAST_W		6
#define FLAGS_W		9

static int drift_load(struct app *a);
static void drift_draw(const struct app *a, struct canvas *c,
    struct rect r);
static int drift_key(struct app *a, enum action act);

const struct view view_drift = {
	.name = "Drift",
	.hints = "Up/Dn|Feature|PgUp/PgDn|Page|",
	.load = drift_load,
	.draw = drift_draw,
	.key = drift_key,
};

static const struct bands psi_bands = { QUERY_PSI_WARNING,
    QUERY_PSI_CRITICAL, false };
/* On -log10 p: past 2 is p < 0.01. */
static const struct bands ks_bands = { 2.0, 2.0, false };

struct drift_layout {
	int	rows;		/* feature rows shown */
	int	spark_w;	/* each sparkline */
	int	chart_h;	/* box height, 0 when none */
};

static struct drift_layout
drift_layout(const struct app *a, struct rect r)
{
	const struct query_overview *ov = query_overview(a->q);
	struct drift_layout l;
	int avail = r.h - 1 - 3;	/* header, footer lines */
	int want = (int)ov->n_features;

	l.spark_w = (r.w - NAME_W - 2 * LAST_W - FLAGS_W - 6) / 2;
	if (l.spark_w < 4)
		l.spark_w = 4;
	l.rows = want;
	if (l.rows > avail * 45 / 100 && avail - l.rows < 6)
		l.rows = avail - 6 > avail * 45 / 100 ? avail - 6 :
		    avail * 45 / 100;
	if (l.rows < 1)
		l.rows = 1;
	l.chart_h = avail - l.rows;
	if (l.chart_h < 3)
		l.chart_h = 0;
	return l;
}

static int
drift_load(struct app *a)
{
	struct drift_layout l = drift_layout(a, a->body);
	int64_t lo, hi;
	int w = (int)render_chart_capacity(a->body.w - 2);

	if (w < l.spark_w)
		w = l.spark_w;
	app_series_range(a, w, &lo, &hi);
	return query_series_load(a->q, lo, hi, QUERY_REPORT_FEATURE |
	    QUERY_REPORT_PREDICTION, &a->series);
}

static int
drift_key(struct app *a, enum action act)
{
	size_t nf = query_overview(a->q)->n_features;
	struct drift_layout l = drift_layout(a, a->body);
	size_t page = l.rows > 1 ? (size_t)l.rows : 1;

	if (nf == 0)
		return VIEW_IGNORED;
	switch (act) {
	case ACT_UP:
		if (a->drift_sel > 0)
			a->drift_sel--;
		break;
	case ACT_DOWN:
		if (a->drift_sel + 1 < nf)
			a->drift_sel++;
		break;
	case ACT_PAGE_UP:
	case ACT_HALF_UP:
		a->drift_sel = a->drift_sel > page ? a->drift_sel - page : 0;
		break;
	case ACT_PAGE_DOWN:
	case ACT_HALF_DOWN:
		a->drift_sel = a->drift_sel + page < nf ? a->drift_sel + page :
		    nf - 1;
		break;
	case ACT_HOME:
	case ACT_GOTO:
		a->drift_sel = 0;
		break;
	case ACT_END:
		a->drift_sel = nf - 1;
		break;
	default:
		return VIEW_IGNORED;
	}
	if (a->drift_sel < a->drift_top)
		a->drift_top = a->drift_sel;
	if (a->drift_sel >= a->drift_top + page)
		a->drift_top = a->drift_sel - page + 1;
	return VIEW_REDRAW;
}

static void
draw_feature_row(const struct app *a, struct canvas *c, int y, struct rect r,
    const struct drift_layout *l, size_t f, double *tmp)
{
	const struct query_series *s = &a->series;
	const struct query_overview *ov = query_overview(a->q);
	size_t nf = s->n_features, i;
	double psi, p;
	char buf[32];
	int x = r.x;
	bool sel = f == a->drift_sel;

	canvas_put(c, x, y, sel ? glyph(G_ACTIVE) : ' ', ROLE_SELECTED);
	canvas_fill(c, (struct rect){ x + 1, y, NAME_W, 1 }, ' ',
	    sel ? ROLE_SELECTED : ROLE_NORMAL);
	canvas_text(c, x + 1, y, NAME_W - 1, sel ? ROLE_SELECTED : ROLE_BOLD,
	    f < ov->n_features ? ov->feature_names[f] : "?");
	x += NAME_W + 1;
	if (f >= nf)
		return;
	render_sparkline(c, x, y, l->spark_w, s->psi + f, s->n, nf, PSI_TOP,
	    &psi_bands, ROLE_NORMAL);
	x += l->spark_w + 1;
	psi = app_series_last(s->psi, s->n, nf, f);
	snprintf(buf, sizeof buf, "%5.3f", psi);
	canvas_text(c, x, y, LAST_W, isnan(psi) ? ROLE_DIM :
	    bands_role(&psi_bands, psi), isnan(psi) ? "  -" : buf);
	x += LAST_W + 1;
	for (i = 0; i < s->n; i++) {
		p = s->ks_p[i * nf + f];
		tmp[i] = isnan(p) ? NAN : (p <= 1e-12 ? 12 : -log10(p));
	}
	render_sparkline(c, x, y, l->spark_w, tmp, s->n, 1, KS_TOP,
	    &ks_bands, ROLE_NORMAL);
	x += l->spark_w + 1;
	p = app_series_last(s->ks_p, s->n, nf, f);
	if (isnan(p))
		snprintf(buf, sizeof buf, "  -");
	else if (p < 0.001)
		snprintf(buf, sizeof buf, "<.001");
	else
		snprintf(buf, sizeof buf, "%5.3f", p);
	canvas_text(c, x, y, LAST_W, isnan(p) ? ROLE_DIM : p <
	    QUERY_KS_ALPHA ? ROLE_BAD : ROLE_GOOD, buf);
	x += LAST_W + 1;
	if (psi > QUERY_PSI_CRITICAL)
		x += canvas_text(c, x, y, r.x + r.w - x, ROLE_BAD, "PSI! ");
	else if (psi > QUERY_PSI_WARNING)
		x += canvas_text(c, x, y, r.x + r.w - x, ROLE_WARN, "psi? ");
	if (p < QUERY_KS_ALPHA)
		canvas_text(c, x, y, r.x + r.w - x, ROLE_BAD, "KS!");
}

static void
draw_feature_chart(const struct app *a, struct canvas *c, struct rect r)
{
	const struct query_series *s = &a->series;
	const struct query_overview *ov = query_overview(a->q);
	struct chart_line lines[2] = {
		{ QUERY_PSI_WARNING, ROLE_WARN, "0.10" },
		{ QUERY_PSI_CRITICAL, ROLE_BAD, "0.20" },
	};
	struct chart_series ser;
	char title[256], name[64];
	struct rect in;
	double top = 0.3, v;
	size_t i, f = a->drift_sel, nf = s->n_features;

	sanitize_into(f < ov->n_features ? ov->feature_names[f] : "?", name,
	    sizeof name);
	snprintf(title, sizeof title, "PSI of %s, batches %lld-%lld, lines at "
	    "0.10 (investigate) and 0.20 (critical)", name, (long long)s->lo,
	    (long long)s->hi);
	in = canvas_box(c, r, title, ROLE_DIM);
	if (in.w <= 0 || in.h <= 0 || f >= nf)
		return;
	for (i = 0; i < s->n; i++) {
		v = s->psi[i * nf + f];
		if (!isnan(v) && v > top)
			top = v;
	}
	top = ceil(top * 10) / 10;
	ser = (struct chart_series){ s->psi + f, s->n, nf, ROLE_SERIES1 };
	render_chart(c, in, 0, top, &ser, 1, lines, 2);
}

static void
draw_detectors(const struct app *a, struct canvas *c, int y, struct rect r)
{
	static const char *const names[QUERY_DET_COUNT] = {
		"PSI", "KS", "shift", "conf", "decay", "DDM", "ADWIN",
	};
	const struct query_overview *ov = query_overview(a->q);
	int x = r.x, i;
	char buf[48];

	x += canvas_text(c, x, y, r.w, ROLE_NORMAL, "First fired: ");
	for (i = 0; i < QUERY_DET_COUNT && x < r.x + r.w; i++) {
		if (ov->first_fired[i] == -1)
			snprintf(buf, sizeof buf, "%s -  ", names[i]);
		else
			snprintf(buf, sizeof buf, "%s b%lld  ", names[i],
			    (long long)ov->first_fired[i]);
		x += canvas_text(c, x, y, r.x + r.w - x,
		    ov->first_fired[i] == -1 ? ROLE_DIM : ROLE_WARN, buf);
	}
}

static void
drift_draw(const struct app *a, struct canvas *c, struct rect r)
{
	const struct query_series *s = &a->series;
	struct drift_layout l = drift_layout(a, r);
	size_t f, nf = query_overview(a->q)->n_features, top = a->drift_top;
	double *tmp;
	char buf[64];
	int y = r.y, x, sw;

	if (nf == 0) {
		canvas_text(c, r.x, y, r.w, ROLE_DIM, "No feature names "
		    "stored yet.");
		return;
	}
	canvas_fill(c, (struct rect){ r.x, y, r.w, 1 }, ' ', ROLE_HEADER);
	x = r.x + 1;
	canvas_text(c, x, y, NAME_W, ROLE_HEADER, "feature");
	x += NAME_W;
	snprintf(buf, sizeof buf, "PSI, %lld-%lld", (long long)s->lo,
	    (long long)s->hi);
	canvas_text(c, x, y, l.spark_w, ROLE_HEADER, buf);
	x += l.spark_w + 1;
	canvas_text(c, x, y, LAST_W, ROLE_HEADER, "  psi");
	x += LAST_W + 1;
	canvas_text(c, x, y, l.spark_w, ROLE_HEADER, "KS -log10 p (2=.01)");
	x += l.spark_w + 1;
	canvas_text(c, x, y, LAST_W, ROLE_HEADER, "    p");
	x += LAST_W + 1;
	canvas_text(c, x, y, r.x + r.w - x, ROLE_HEADER, "flags");
	y++;
	if (top + (size_t)l.rows > nf)
		top = nf > (size_t)l.rows ? nf - (size_t)l.rows : 0;
	tmp = xcalloc(s->n > 0 ? s->n : 1, sizeof *tmp);
	for (f = top; f < nf && y < r.y + 1 + l.rows; f++, y++)
		draw_feature_row(a, c, y, r, &l, f, tmp);
	y = r.y + 1 + l.rows;
	if (l.chart_h > 0) {
		draw_feature_chart(a, c, (struct rect){ r.x, y, r.w,
		    l.chart_h });
		y += l.chart_h;
	}
	/* Label shift p and mean confidence. */
	sw = (r.w - 60) > 8 ? (r.w - 60) / 2 : 8;
	x = r.x + canvas_text(c, r.x, y, r.w, ROLE_NORMAL, "Label-shift p ");
	for (f = 0; f < s->n; f++)
		tmp[f] = isnan(s->ls_p[f]) ? NAN : (s->ls_p[f] <= 1e-12 ? 12 :
		    -log10(s->ls_p[f]));
	render_sparkline(c, x, y, sw, tmp, s->n, 1, KS_TOP, &ks_bands,
	    ROLE_NORMAL);
	x += sw;
	{
		double p = app_series_last(s->ls_p, s->n, 1, 0);

		snprintf(buf, sizeof buf, " %.3g ", p);
		x += canvas_text(c, x, y, r.x + r.w - x, isnan(p) ? ROLE_DIM :
		    p < 0.01 ? ROLE_BAD : ROLE_GOOD, isnan(p) ? " - " : buf);
	}
	x += canvas_text(c, x, y, r.x + r.w - x, ROLE_NORMAL,
	    "  Mean confidence ");
	render_sparkline(c, x, y, sw, s->mean_conf, s->n, 1, 1.0, NULL,
	    ROLE_SERIES1);
	x += sw;
	{
		double m = app_series_last(s->mean_conf, s->n, 1, 0);
		double ref = app_series_last(s->ref_conf, s->n, 1, 0);

		if (!isnan(m)) {
			snprintf(buf, sizeof buf, " %.3f (ref %.3f)", m, ref);
			canvas_text(c, x, y, r.x + r.w - x, fabs(m - ref) >
			    0.08 ? ROLE_BAD : ROLE_NORMAL, buf);
		}
	}
	free(tmp);
	draw_detectors(a, c, y + 1, r);
	if (nf > (size_t)l.rows)
		canvas_printf(c, r.x, y + 2, r.w, ROLE_DIM, "features %zu-%zu "
		    "of %zu (Up/Down to select)", top + 1,
		    top + (size_t)l.rows, nf);
}
