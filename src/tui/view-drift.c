/*
 * Drift: one row per feature, then the selected feature in large.
 *
 *   feature  PSI sparkline  last  test sparkline  last p  miss  flags
 *   ...      (up/down selects; o orders by PSI, p, missing share or
 *            name; / filters by name; the table pages)
 *   [ numeric: PSI of the selected feature with its stored investigate
 *     and critical thresholds as lines (straight, or batch by batch
 *     when they vary); categorical: bars of its top categories' shares,
 *     reference beside the newest batch, with "other" and "new" ]
 *   label-shift p and mean-confidence sparklines
 *   the first batch at which each detector fired
 *
 * The test of a numeric feature is KS (-log10 p), of a categorical one
 * the chi-squared homogeneity test. The name column is sized to the names
 * (up to a third of the width); a cut name keeps its end, so two names
 * never show as the same text (drift-order.c). Sparklines have one cell
 * per batch, newest at the right edge, and are no wider than the batches.
 */
#include "tui/app.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/monitor.h"
#include "core/sanitize.h"
#include "core/xalloc.h"
#include "tui/drift-order.h"
#include "tui/glyphs.h"

#define PSI_TOP		0.30	/* sparkline full height */
#define KS_TOP		4.0	/* -log10 p at full height */
#define NAME_MIN	8
#define LAST_W		6
#define MISS_W		6
#define FLAGS_W		10
#define SPARK_MIN	8	/* a sparkline is at least this wide */
#define BAR_LABEL_W	16

static int drift_load(struct app *a);
static void drift_draw(const struct app *a, struct canvas *c,
    struct rect r);
static int drift_key(struct app *a, enum action act);

const struct view view_drift = {
	.name = "Drift",
	.hints = "Up/Dn|Feature|o|Order|/|Filter|",
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
	int	name_w;		/* the name column */
	int	spark_w;	/* each sparkline */
	int	chart_h;	/* box height, 0 when none */
};

/* The table of one frame: names (sanitised) and the features shown. */
struct drift_table {
	char	**names;	/* every feature's, cleaned */
	size_t	 nf;
	size_t	*idx;		/* shown features, in order */
	size_t	 n;
	size_t	 last;		/* the newest slot with a feature report */
};

static void
table_init(const struct app *a, struct drift_table *t)
{
	const struct query_overview *ov = query_overview(a->q);
	size_t f;

	t->nf = ov->n_features;
	t->names = xcalloc(t->nf ? t->nf : 1, sizeof *t->names);
	for (f = 0; f < t->nf; f++)
		t->names[f] = sanitize_dup(ov->feature_names[f], 1024);
	t->idx = xcalloc(t->nf ? t->nf : 1, sizeof *t->idx);
	t->last = app_feature_last(&a->series);
	t->n = drift_order(&a->series, t->names, t->nf, t->last,
	    (enum drift_sort)a->drift_sort, a->drift_filter, t->idx);
}

static void
table_finish(struct drift_table *t)
{
	size_t f;

	for (f = 0; f < t->nf; f++)
		free(t->names[f]);
	free(t->names);
	free(t->idx);
}

static struct drift_layout
drift_layout(const struct app *a, struct rect r, const struct drift_table *t)
{
	struct drift_layout l;
	int avail = r.h - 1 - 3;	/* header, footer lines */
	int want = t != NULL ? (int)t->n : (int)query_overview(a->q)->n_features;

	l.name_w = t != NULL ? drift_name_width(t->names, t->nf, NAME_MIN,
	    r.w / 3) : r.w / 3;
	l.spark_w = (r.w - l.name_w - 2 * LAST_W - MISS_W - FLAGS_W - 7) / 2;
	if (l.spark_w < 4)
		l.spark_w = 4;
	l.rows = want > 0 ? want : 1;
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
	struct drift_layout l = drift_layout(a, a->body, NULL);
	int64_t lo, hi;
	int w = (int)render_chart_capacity(a->body.w - 2);

	if (w < l.spark_w)
		w = l.spark_w;
	app_series_range(a, w, &lo, &hi);
	return query_series_load(a->q, lo, hi, QUERY_REPORT_FEATURE |
	    QUERY_REPORT_PREDICTION, &a->series);
}

/* Sort, filter: the keys that change which features show where. */
static int
drift_key_table(struct app *a, enum action act)
{
	switch (act) {
	case ACT_SORT:
		a->drift_sort = (a->drift_sort + 1) % DRIFT_SORT_COUNT;
		break;
	case ACT_SEARCH:
		a->prompt = PROMPT_SEARCH;
		snprintf(a->input, sizeof a->input, "%s", a->drift_filter);
		return VIEW_REDRAW;
	case ACT_CLEAR:
	case ACT_ESCAPE:
		if (a->drift_filter[0] == '\0')
			return VIEW_IGNORED;
		a->drift_filter[0] = '\0';
		break;
	default:
		return VIEW_IGNORED;
	}
	a->drift_sel = a->drift_top = 0;
	return VIEW_REDRAW;
}

static int
drift_key(struct app *a, enum action act)
{
	struct drift_table t;
	struct drift_layout l;
	size_t nf, page;
	int rc;

	if ((rc = drift_key_table(a, act)) != VIEW_IGNORED)
		return rc;
	table_init(a, &t);
	l = drift_layout(a, a->body, &t);
	nf = t.n;
	table_finish(&t);
	page = l.rows > 1 ? (size_t)l.rows : 1;
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

/* The stored verdict of the feature's test: KS, or chi-squared. */
static bool
test_drift(unsigned char v)
{
	return (v & QUERY_F_KS_DRIFT) || (v & QUERY_F_CHISQ_DRIFT);
}

/* "test -log10 p (2=.01)": the line at the stored alpha. */
static void
test_header(const struct app *a, char *buf, size_t size)
{
	const struct query_thresholds *t = &query_overview(a->q)->thresholds;
	char alpha[32];

	if (!t->known || !t->uniform || !(t->ks_alpha > 0)) {
		snprintf(buf, size, "KS/chi2 -log10 p");
		return;
	}
	snprintf(alpha, sizeof alpha, "%g", t->ks_alpha);
	snprintf(buf, size, "KS/chi2 -log10 p (%.3g=%s)", -log10(t->ks_alpha),
	    strncmp(alpha, "0.", 2) == 0 ? alpha + 1 : alpha);
}

/* The test's p of slot i: KS, or chi-squared for a categorical feature. */
static double
test_p(const struct query_series *s, size_t i, size_t f)
{
	size_t at = i * s->n_features + f;

	return s->fverdict[at] & QUERY_F_CATEGORICAL ? s->chisq_p[at] :
	    s->ks_p[at];
}

/* "  0.3%", " 12%", "  -". */
static void
share_text(double v, char *buf, size_t size)
{
	if (isnan(v))
		snprintf(buf, size, "   -");
	else if (v == 0)
		snprintf(buf, size, "   0%%");
	else if (v < 0.1)
		snprintf(buf, size, "%5.1f%%", 100 * v);
	else
		snprintf(buf, size, "%5.0f%%", 100 * v);
}

/* The flags of the newest verdicts v. */
static void
draw_flags(struct canvas *c, int x, int y, int xend, unsigned char v)
{
	if (v & QUERY_F_NO_VALUES) {
		canvas_text(c, x, y, xend - x, ROLE_WARN, "no values");
		return;
	}
	if (v & QUERY_F_PSI_DRIFT)
		x += canvas_text(c, x, y, xend - x, ROLE_BAD, "PSI! ");
	else if (v & QUERY_F_PSI_INVESTIGATE)
		x += canvas_text(c, x, y, xend - x, ROLE_WARN, "psi? ");
	if (v & QUERY_F_KS_DRIFT)
		x += canvas_text(c, x, y, xend - x, ROLE_BAD, "KS! ");
	if (v & QUERY_F_CHISQ_DRIFT)
		x += canvas_text(c, x, y, xend - x, ROLE_BAD, "chi2! ");
	if (v & QUERY_F_NEW_CATEGORIES)
		x += canvas_text(c, x, y, xend - x, ROLE_BAD, "new! ");
	if (v & QUERY_F_MISSING)
		canvas_text(c, x, y, xend - x, ROLE_BAD, "miss!");
}

/* The two sparklines of feature f: PSI and the test's -log10 p. */
static int
draw_sparks(const struct app *a, struct canvas *c, int x, int y, int sw,
    size_t f, unsigned char v, size_t last, double *tmp, enum role *roles)
{
	const struct query_series *s = &a->series;
	size_t nf = s->n_features, i;
	double psi, p;
	char buf[32];

	for (i = 0; i < s->n; i++)
		roles[i] = psi_role(s->fverdict[i * nf + f]);
	render_sparkline_roles(c, x, y, sw, s->psi + f, s->n, nf, PSI_TOP,
	    roles);
	x += sw + 1;
	psi = last < s->n ? s->psi[last * nf + f] : NAN;
	snprintf(buf, sizeof buf, "%5.3f", psi);
	canvas_text(c, x, y, LAST_W, isnan(psi) ? ROLE_DIM : psi_role(v),
	    isnan(psi) ? "  -" : buf);
	x += LAST_W + 1;
	for (i = 0; i < s->n; i++) {
		p = test_p(s, i, f);
		tmp[i] = isnan(p) ? NAN : (p <= 1e-12 ? 12 : -log10(p));
		roles[i] = test_drift(s->fverdict[i * nf + f]) ? ROLE_BAD :
		    ROLE_GOOD;
	}
	render_sparkline_roles(c, x, y, sw, tmp, s->n, 1, KS_TOP, roles);
	x += sw + 1;
	p = last < s->n ? test_p(s, last, f) : NAN;
	if (isnan(p))
		snprintf(buf, sizeof buf, "  -");
	else if (p < 0.001)
		snprintf(buf, sizeof buf, "<.001");
	else
		snprintf(buf, sizeof buf, "%5.3f", p);
	canvas_text(c, x, y, LAST_W, isnan(p) ? ROLE_DIM : test_drift(v) ?
	    ROLE_BAD : ROLE_GOOD, buf);
	return x + LAST_W + 1;
}

static void
draw_feature_row(const struct app *a, struct canvas *c, int y, struct rect r,
    const struct drift_layout *l, const struct drift_table *t, size_t pos,
    double *tmp, enum role *roles)
{
	const struct query_series *s = &a->series;
	size_t f = t->idx[pos], nf = s->n_features, last = t->last;
	unsigned char v = 0;
	char buf[1024];
	int x = r.x;
	bool sel = pos == a->drift_sel;

	canvas_put(c, x, y, sel ? glyph(G_ACTIVE) : ' ', ROLE_SELECTED);
	canvas_fill(c, (struct rect){ x + 1, y, l->name_w, 1 }, ' ',
	    sel ? ROLE_SELECTED : ROLE_NORMAL);
	drift_name_fit(t->names, t->nf, f, l->name_w - 1, glyph(G_ELLIPSIS),
	    buf, sizeof buf);
	canvas_text(c, x + 1, y, l->name_w - 1, sel ? ROLE_SELECTED :
	    ROLE_BOLD, buf);
	x += l->name_w + 1;
	if (f >= nf)
		return;
	if (last < s->n)
		v = s->fverdict[last * nf + f];
	x = draw_sparks(a, c, x, y, l->spark_w, f, v, last, tmp, roles);
	share_text(last < s->n ? s->missing[last * nf + f] : NAN, buf,
	    sizeof buf);
	canvas_text(c, x, y, MISS_W, v & QUERY_F_MISSING ? ROLE_BAD :
	    ROLE_NORMAL, buf);
	x += MISS_W + 1;
	draw_flags(c, x, y, r.x + r.w, v);
}

/* One bar row: label, the reference's share, the batch's share. */
static void
draw_bar_row(struct canvas *c, struct rect in, int y, const char *label,
    double ref, double cur, enum role cur_role)
{
	int bw = (in.w - BAR_LABEL_W - 2 * 7 - 2) / 2, x = in.x;
	char buf[16];

	if (bw < 2)
		bw = 2;
	canvas_text(c, x, y, BAR_LABEL_W - 1, ROLE_NORMAL, label);
	x += BAR_LABEL_W;
	render_bar(c, x, y, bw, isnan(ref) ? 0 : ref, ROLE_SERIES2);
	x += bw;
	snprintf(buf, sizeof buf, "%6.1f%%", 100 * ref);
	canvas_text(c, x, y, 7, ROLE_DIM, isnan(ref) ? "     -" : buf);
	x += 8;
	render_bar(c, x, y, bw, isnan(cur) ? 0 : cur, cur_role);
	x += bw;
	snprintf(buf, sizeof buf, "%6.1f%%", 100 * cur);
	canvas_text(c, x, y, 7, cur_role, isnan(cur) ? "     -" : buf);
}

/*
 * A categorical feature: its top categories' shares, reference beside
 * the newest batch read, as many as fit, then "other" (when the reference
 * pooled) and "new" (values it never saw).
 */
static void
draw_feature_bars(const struct app *a, struct canvas *c, struct rect r,
    size_t f, const char *name)
{
	const struct query_series *s = &a->series;
	const struct cat_feature *cf = &s->cat[f];
	char title[320];
	uint64_t rt = 0, bt = 0;
	size_t i, bins, shown, at;
	struct rect in;
	int y;

	at = (size_t)(s->cat_batch[f] - s->lo) * s->n_features + f;
	snprintf(title, sizeof title, "Categories of %s: reference | batch "
	    "%lld (chi-squared p %.3g, TVD %.3f, new %.1f%%; %zu of %zu "
	    "kept)", name, (long long)s->cat_batch[f], cf->d.p_value,
	    cf->d.tvd, 100 * cf->d.new_share, (size_t)cf->n_top,
	    cf->n_distinct);
	in = canvas_box(c, r, title, ROLE_DIM);
	if (in.w <= 0 || in.h <= 0)
		return;
	bins = (size_t)cf->n_top + 2;
	for (i = 0; i < bins; i++) {
		rt += cf->ref_counts[i];
		bt += cf->counts[i];
	}
	shown = (size_t)in.h > 2 ? (size_t)in.h - 1 - (cf->pooled ? 1 : 0) : 1;
	for (i = 0, y = in.y; i < (size_t)cf->n_top && i < shown; i++, y++)
		draw_bar_row(c, in, y, cf->names[i], rt ? (double)
		    cf->ref_counts[i] / (double)rt : NAN, bt ? (double)
		    cf->counts[i] / (double)bt : NAN, ROLE_SERIES1);
	if (cf->pooled && y < in.y + in.h)
		draw_bar_row(c, in, y++, "(other)", rt ? (double)
		    cf->ref_counts[bins - 2] / (double)rt : NAN, bt ? (double)
		    cf->counts[bins - 2] / (double)bt : NAN, ROLE_SERIES1);
	if (y < in.y + in.h)
		draw_bar_row(c, in, y, "(new)", 0, bt ? (double)
		    cf->counts[bins - 1] / (double)bt : NAN, s->fverdict[at] &
		    QUERY_F_NEW_CATEGORIES ? ROLE_BAD : ROLE_SERIES1);
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
draw_feature_chart(const struct app *a, struct canvas *c, struct rect r,
    size_t feature)
{
	const struct query_series *s = &a->series;
	const struct query_overview *ov = query_overview(a->q);
	struct chart_line lines[2];
	struct chart_series ser[3];
	char title[256], name[64], lw[16], lc[16];
	struct rect in;
	double top = 0.3, v, warn, crit, *th;
	size_t i, f = feature, nf = s->n_features, nl = 0, ns = 1;

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
draw_header(const struct app *a, struct canvas *c, struct rect r,
    const struct drift_layout *l, int sw)
{
	const struct query_series *s = &a->series;
	char buf[96];
	int x = r.x + 1, y = r.y;

	canvas_fill(c, (struct rect){ r.x, y, r.w, 1 }, ' ', ROLE_HEADER);
	canvas_text(c, x, y, l->name_w, ROLE_HEADER, "feature");
	x += l->name_w;
	snprintf(buf, sizeof buf, "PSI, %lld-%lld", (long long)s->lo,
	    (long long)s->hi);
	canvas_text(c, x, y, sw, ROLE_HEADER, buf);
	x += sw + 1;
	canvas_text(c, x, y, LAST_W, ROLE_HEADER, "  psi");
	x += LAST_W + 1;
	test_header(a, buf, sizeof buf);
	canvas_text(c, x, y, sw, ROLE_HEADER, text_width(buf) <= sw ? buf :
	    "KS/chi2");
	x += sw + 1;
	canvas_text(c, x, y, LAST_W, ROLE_HEADER, "    p");
	x += LAST_W + 1;
	canvas_text(c, x, y, MISS_W, ROLE_HEADER, " miss");
	x += MISS_W + 1;
	x += canvas_text(c, x, y, r.x + r.w - x, ROLE_HEADER, "flags");
	if (a->drift_filter[0] != '\0')
		snprintf(buf, sizeof buf, "by %s, /%s",
		    drift_sort_name((enum drift_sort)a->drift_sort),
		    a->drift_filter);
	else
		snprintf(buf, sizeof buf, "by %s",
		    drift_sort_name((enum drift_sort)a->drift_sort));
	if (x + 2 < r.x + r.w)
		canvas_text_right(c, r.x + r.w, y, r.x + r.w - x - 2,
		    ROLE_HEADER, buf);
}

static void
draw_context(const struct app *a, struct canvas *c, int y, struct rect r,
    double *tmp, enum role *roles)
{
	const struct query_series *s = &a->series;
	size_t f, last;
	char buf[64];
	int x, sw;

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
}

static void
drift_draw(const struct app *a, struct canvas *c, struct rect r)
{
	const struct query_series *s = &a->series;
	struct drift_table t;
	struct drift_layout l;
	size_t pos, top = a->drift_top, f;
	double *tmp;
	enum role *roles;
	int y = r.y;

	if (query_overview(a->q)->n_features == 0) {
		canvas_text(c, r.x, y, r.w, ROLE_DIM, "No feature names "
		    "stored yet.");
		return;
	}
	table_init(a, &t);
	l = drift_layout(a, r, &t);
	/* No wider than the batches: the room goes to the flags. */
	if ((int)s->n < l.spark_w)
		l.spark_w = (int)s->n > SPARK_MIN ? (int)s->n :
		    l.spark_w < SPARK_MIN ? l.spark_w : SPARK_MIN;
	draw_header(a, c, r, &l, l.spark_w);
	y++;
	if (top + (size_t)l.rows > t.n)
		top = t.n > (size_t)l.rows ? t.n - (size_t)l.rows : 0;
	tmp = xcalloc(s->n > 0 ? s->n : 1, sizeof *tmp);
	roles = xcalloc(s->n > 0 ? s->n : 1, sizeof *roles);
	for (pos = top; pos < t.n && y < r.y + 1 + l.rows; pos++, y++)
		draw_feature_row(a, c, y, r, &l, &t, pos, tmp, roles);
	if (t.n == 0)
		canvas_printf(c, r.x + 1, y, r.w - 1, ROLE_DIM, "No feature "
		    "name contains \"%s\" (Esc clears the filter).",
		    a->drift_filter);
	y = r.y + 1 + l.rows;
	if (l.chart_h > 0 && a->drift_sel < t.n) {
		f = t.idx[a->drift_sel];
		if (f < s->n_features && s->cat_batch[f] >= s->lo &&
		    s->cat_batch[f] <= s->hi)
			draw_feature_bars(a, c, (struct rect){ r.x, y, r.w,
			    l.chart_h }, f, t.names[f]);
		else
			draw_feature_chart(a, c, (struct rect){ r.x, y, r.w,
			    l.chart_h }, f);
	}
	y += l.chart_h;
	draw_context(a, c, y, r, tmp, roles);
	free(tmp);
	free(roles);
	draw_detectors(a, c, y + 1, r);
	if (t.n > (size_t)l.rows)
		canvas_printf(c, r.x, y + 2, r.w, ROLE_DIM, "features %zu-%zu "
		    "of %zu%s (Up/Down, PgUp/PgDn; o orders, / filters)",
		    top + 1, top + (size_t)l.rows, t.n, t.n < t.nf ?
		    " shown" : "");
	table_finish(&t);
}
