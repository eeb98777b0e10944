/*
 * Drift: one row per feature, then the selected feature in large.
 *
 *   feature  PSI sparkline (verdict colours)  last  KS -log10 p  last p  flags
 *   ...      (up/down selects; the table scrolls)
 *   [ PSI of the selected feature, its stored investigate and critical
 *     thresholds as lines (straight, or batch by batch when they vary) ]
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

/*
 * Every colour and flag here is a verdict the monitors stored with the
 * report (query_series fverdict and flags); threshold lines and labels
 * are the thresholds stored with it. Nothing is judged here.
 */

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

/* The colour of a stored PSI verdict. */
static enum role
psi_role(unsigned char v)
{
	if (v & QUERY_F_PSI_DRIFT)
		return ROLE_BAD;
	return v & QUERY_F_PSI_INVESTIGATE ? ROLE_WARN : ROLE_GOOD;
}

/* "KS -log10 p (2=.01)": the line at the stored alpha. */
static void
ks_header(const struct app *a, char *buf, size_t size)
{
	const struct query_thresholds *t = &query_overview(a->q)->thresholds;
	char alpha[32];

	if (!t->known || !t->uniform || !(t->ks_alpha > 0)) {
		snprintf(buf, size, "KS -log10 p");
		return;
	}
	snprintf(alpha, sizeof alpha, "%g", t->ks_alpha);
	snprintf(buf, size, "KS -log10 p (%.3g=%s)", -log10(t->ks_alpha),
	    strncmp(alpha, "0.", 2) == 0 ? alpha + 1 : alpha);
}

static void
draw_feature_row(const struct app *a, struct canvas *c, int y, struct rect r,
    const struct drift_layout *l, size_t f, double *tmp, enum role *roles)
{
	const struct query_series *s = &a->series;
	const struct query_overview *ov = query_overview(a->q);
	size_t nf = s->n_features, i, last;
	unsigned char v = 0;
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
	for (i = 0; i < s->n; i++)
		roles[i] = psi_role(s->fverdict[i * nf + f]);
	render_sparkline_roles(c, x, y, l->spark_w, s->psi + f, s->n, nf,
	    PSI_TOP, roles);
	x += l->spark_w + 1;
	last = app_series_last_at(s->psi, s->n, nf, f);
	psi = last < s->n ? s->psi[last * nf + f] : NAN;
	if (last < s->n)
		v = s->fverdict[last * nf + f];
	snprintf(buf, sizeof buf, "%5.3f", psi);
	canvas_text(c, x, y, LAST_W, isnan(psi) ? ROLE_DIM : psi_role(v),
	    isnan(psi) ? "  -" : buf);
	x += LAST_W + 1;
	for (i = 0; i < s->n; i++) {
		p = s->ks_p[i * nf + f];
		tmp[i] = isnan(p) ? NAN : (p <= 1e-12 ? 12 : -log10(p));
		roles[i] = s->fverdict[i * nf + f] & QUERY_F_KS_DRIFT ?
		    ROLE_BAD : ROLE_GOOD;
	}
	render_sparkline_roles(c, x, y, l->spark_w, tmp, s->n, 1, KS_TOP,
	    roles);
	x += l->spark_w + 1;
	p = last < s->n ? s->ks_p[last * nf + f] : NAN;
	if (isnan(p))
		snprintf(buf, sizeof buf, "  -");
	else if (p < 0.001)
		snprintf(buf, sizeof buf, "<.001");
	else
		snprintf(buf, sizeof buf, "%5.3f", p);
	canvas_text(c, x, y, LAST_W, isnan(p) ? ROLE_DIM :
	    v & QUERY_F_KS_DRIFT ? ROLE_BAD : ROLE_GOOD, buf);
	x += LAST_W + 1;
	if (v & QUERY_F_PSI_DRIFT)
		x += canvas_text(c, x, y, r.x + r.w - x, ROLE_BAD, "PSI! ");
	else if (v & QUERY_F_PSI_INVESTIGATE)
		x += canvas_text(c, x, y, r.x + r.w - x, ROLE_WARN, "psi? ");
	if (v & QUERY_F_KS_DRIFT)
		canvas_text(c, x, y, r.x + r.w - x, ROLE_BAD, "KS!");
}

/* true when column f of v is the same wherever it is not NaN. */
static bool
column_uniform(const double *v, size_t n, size_t stride, size_t f,
    double *out)
{
	size_t i;

	*out = NAN;
	for (i = 0; i < n; i++) {
		if (isnan(v[i * stride + f]))
			continue;
		if (isnan(*out))
			*out = v[i * stride + f];
		else if (v[i * stride + f] != *out)
			return false;
	}
	return !isnan(*out);
}

static void
draw_feature_chart(const struct app *a, struct canvas *c, struct rect r)
{
	const struct query_series *s = &a->series;
	const struct query_overview *ov = query_overview(a->q);
	struct chart_line lines[2];
	struct chart_series ser[3];
	char title[256], name[64], lw[16], lc[16];
	struct rect in;
	double top = 0.3, v, warn, crit, *th;
	size_t i, f = a->drift_sel, nf = s->n_features, nl = 0, ns = 1;

	sanitize_into(f < ov->n_features ? ov->feature_names[f] : "?", name,
	    sizeof name);
	if (f < nf && column_uniform(s->psi_warning, s->n, nf, f, &warn) &&
	    column_uniform(s->psi_critical, s->n, nf, f, &crit)) {
		snprintf(lw, sizeof lw, "%.2f", warn);
		snprintf(lc, sizeof lc, "%.2f", crit);
		lines[0] = (struct chart_line){ warn, ROLE_WARN, lw };
		lines[1] = (struct chart_line){ crit, ROLE_BAD, lc };
		nl = 2;
		snprintf(title, sizeof title, "PSI of %s, batches %lld-%lld, "
		    "lines at %s (investigate) and %s (critical)", name,
		    (long long)s->lo, (long long)s->hi, lw, lc);
	} else {
		snprintf(title, sizeof title, "PSI of %s, batches %lld-%lld, "
		    "lines at each batch's thresholds (off-chart: not "
		    "drawn)", name,
		    (long long)s->lo, (long long)s->hi);
	}
	in = canvas_box(c, r, title, ROLE_DIM);
	if (in.w <= 0 || in.h <= 0 || f >= nf)
		return;
	for (i = 0; i < s->n; i++) {
		v = s->psi[i * nf + f];
		if (!isnan(v) && v > top)
			top = v;
		v = s->psi_critical[i * nf + f];
		if (nl == 0 && !isnan(v) && v > top && v < 10 * top)
			top = v;
	}
	top = ceil(top * 10) / 10;
	ser[0] = (struct chart_series){ s->psi + f, s->n, nf, ROLE_SERIES1 };
	if (nl > 0) {
		render_chart(c, in, 0, top, ser, ns, lines, nl);
		return;
	}
	/* The thresholds batch by batch; a gap where one is off the chart. */
	th = xcalloc(2 * (s->n > 0 ? s->n : 1), sizeof *th);
	for (i = 0; i < s->n; i++) {
		v = s->psi_warning[i * nf + f];
		th[i] = v <= top ? v : NAN;
		v = s->psi_critical[i * nf + f];
		th[s->n + i] = v <= top ? v : NAN;
	}
	ser[ns++] = (struct chart_series){ th, s->n, 1, ROLE_WARN };
	ser[ns++] = (struct chart_series){ th + s->n, s->n, 1, ROLE_BAD };
	render_chart(c, in, 0, top, ser, ns, lines, 0);
	free(th);
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
	enum role *roles;
	size_t last;
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
	ks_header(a, buf, sizeof buf);
	canvas_text(c, x, y, l.spark_w, ROLE_HEADER, buf);
	x += l.spark_w + 1;
	canvas_text(c, x, y, LAST_W, ROLE_HEADER, "    p");
	x += LAST_W + 1;
	canvas_text(c, x, y, r.x + r.w - x, ROLE_HEADER, "flags");
	y++;
	if (top + (size_t)l.rows > nf)
		top = nf > (size_t)l.rows ? nf - (size_t)l.rows : 0;
	tmp = xcalloc(s->n > 0 ? s->n : 1, sizeof *tmp);
	roles = xcalloc(s->n > 0 ? s->n : 1, sizeof *roles);
	for (f = top; f < nf && y < r.y + 1 + l.rows; f++, y++)
		draw_feature_row(a, c, y, r, &l, f, tmp, roles);
	y = r.y + 1 + l.rows;
	if (l.chart_h > 0) {
		draw_feature_chart(a, c, (struct rect){ r.x, y, r.w,
		    l.chart_h });
		y += l.chart_h;
	}
	/* Label shift p and mean confidence. */
	sw = (r.w - 60) > 8 ? (r.w - 60) / 2 : 8;
	x = r.x + canvas_text(c, r.x, y, r.w, ROLE_NORMAL, "Label-shift p ");
	for (f = 0; f < s->n; f++) {
		tmp[f] = isnan(s->ls_p[f]) ? NAN : (s->ls_p[f] <= 1e-12 ? 12 :
		    -log10(s->ls_p[f]));
		roles[f] = s->flags[f] & QUERY_LABEL_SHIFT ? ROLE_BAD :
		    ROLE_GOOD;
	}
	render_sparkline_roles(c, x, y, sw, tmp, s->n, 1, KS_TOP, roles);
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
	last = app_series_last_at(s->mean_conf, s->n, 1, 0);
	if (last < s->n) {
		snprintf(buf, sizeof buf, " %.3f (ref %.3f)",
		    s->mean_conf[last], s->ref_conf[last]);
		canvas_text(c, x, y, r.x + r.w - x, s->flags[last] &
		    QUERY_CONF_DRIFT ? ROLE_BAD : ROLE_NORMAL, buf);
	}
	free(tmp);
	free(roles);
	draw_detectors(a, c, y + 1, r);
	if (nf > (size_t)l.rows)
		canvas_printf(c, r.x, y + 2, r.w, ROLE_DIM, "features %zu-%zu "
		    "of %zu (Up/Down to select)", top + 1,
		    top + (size_t)l.rows, nf);
}
