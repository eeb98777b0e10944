/*
 * Fleet: every model of the store, one line each, worst first (k9s and
 * htop's process list are the model): the on-call engineer sees which of
 * ten models needs them, then dives in.
 *
 *   filter line: model count, the name filter (/), what is shown
 *   header: state, model, batch, age, rows/min, labelled, accuracy and
 *           its delta, drift of the latest batch, open conditions, page
 *   rows, Up/Down select, Enter opens the model on the Overview tab
 *
 * The state column says why a row sorts where it does: [CRIT] when a
 * critical condition is open, [WARN] for a warning one, [STALE] when the
 * model's ingest went quiet (as the store line's stale rule), else ok.
 * Rows sort by open critical conditions, then open warnings, then stale,
 * then name (fleet_order, which the exports use too). The numbers are the
 * store's (query-fleet.c); nothing is judged here but staleness, which is
 * the console's own clock.
 */
#include "tui/app.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/severity.h"
#include "core/xalloc.h"

static int fleet_load(struct app *a);
static void fleet_draw(const struct app *a, struct canvas *c,
    struct rect r);
static int fleet_key(struct app *a, enum action act);

const struct view view_fleet = {
	.name = "Fleet",
	.hints = "/|Filter|Del|Clear|Enter|Open|",
	.load = fleet_load,
	.draw = fleet_draw,
	.key = fleet_key,
};

static int
fleet_load(struct app *a)
{
	return query_fleet_load(a->q, &a->fleet);
}

bool
fleet_stale(const struct app *a, const struct query_fleet_row *r)
{
	return r->latest_batch >= 0 && r->last_write > 0 &&
	    a->now - r->last_write > app_stale_after(a);
}

/* Does r sort before s (worse first)? */
static bool
fleet_before(const struct app *a, const struct query_fleet_row *r,
    const struct query_fleet_row *s)
{
	bool rs = fleet_stale(a, r), ss = fleet_stale(a, s);

	if ((r->open_critical > 0) != (s->open_critical > 0))
		return r->open_critical > 0;
	if (r->open_critical != s->open_critical)
		return r->open_critical > s->open_critical;
	if ((r->open_warning > 0) != (s->open_warning > 0))
		return r->open_warning > 0;
	if (r->open_warning != s->open_warning)
		return r->open_warning > s->open_warning;
	if (rs != ss)
		return rs;
	return strcmp(r->model, s->model) < 0;
}

size_t
fleet_order(const struct app *a, size_t **out)
{
	const struct query_fleet *f = &a->fleet;
	size_t i, j, n = 0, *idx;

	idx = xcalloc(f->n > 0 ? f->n : 1, sizeof *idx);
	for (i = 0; i < f->n; i++) {
		if (a->fleet_filter[0] != '\0' &&
		    strstr(f->rows[i].model, a->fleet_filter) == NULL)
			continue;
		/* Insertion: a fleet is tens of models, not millions. */
		for (j = n; j > 0 && fleet_before(a, &f->rows[i],
		    &f->rows[idx[j - 1]]); j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
		n++;
	}
	*out = idx;
	return n;
}

const char *
fleet_state(const struct app *a, const struct query_fleet_row *r,
    enum role *role)
{
	if (r->open_critical > 0)
		return severity_marker(severity_name(SEVERITY_CRITICAL), role);
	if (r->open_warning > 0)
		return severity_marker(severity_name(SEVERITY_WARNING), role);
	if (fleet_stale(a, r)) {
		*role = ROLE_BAD;
		return "[STALE]";
	}
	*role = ROLE_GOOD;
	return "ok";
}

const char *
fleet_drift_name(enum query_fleet_drift d)
{
	static const char *const names[] = {
		[QUERY_FLEET_DRIFT_NONE] = "none",
		[QUERY_FLEET_DRIFT_INVESTIGATE] = "investigate",
		[QUERY_FLEET_DRIFT_DRIFT] = "drift",
	};

	return names[d];
}

/* The selected row's index in a->fleet, or -1; *n rows shown. */
static long
fleet_selected(const struct app *a, size_t *n)
{
	size_t *idx;
	long sel = -1;

	*n = fleet_order(a, &idx);
	if (*n > 0)
		sel = (long)idx[a->fleet_sel < *n ? a->fleet_sel : *n - 1];
	free(idx);
	return sel;
}

static int
fleet_key(struct app *a, enum action act)
{
	size_t n;
	long sel;

	sel = fleet_selected(a, &n);
	switch (act) {
	case ACT_UP:
		if (a->fleet_sel > 0)
			a->fleet_sel--;
		return VIEW_REDRAW;
	case ACT_DOWN:
		if (a->fleet_sel + 1 < n)
			a->fleet_sel++;
		return VIEW_REDRAW;
	case ACT_HOME:
		a->fleet_sel = 0;
		return VIEW_REDRAW;
	case ACT_END:
		a->fleet_sel = n > 0 ? n - 1 : 0;
		return VIEW_REDRAW;
	case ACT_SEARCH:
		a->prompt = PROMPT_SEARCH;
		snprintf(a->input, sizeof a->input, "%s", a->fleet_filter);
		return VIEW_REDRAW;
	case ACT_CLEAR:
	case ACT_ESCAPE:
		if (a->fleet_filter[0] == '\0')
			return VIEW_IGNORED;
		a->fleet_filter[0] = '\0';
		a->fleet_sel = 0;
		return VIEW_REDRAW;
	case ACT_ENTER:
		if (sel < 0)
			return VIEW_HANDLED;
		app_open_model(a, a->fleet.rows[sel].model);
		return VIEW_RESCAN;
	default:
		return VIEW_IGNORED;
	}
}

/* "0.940 -0.060", or "no labels yet". */
static void
fleet_accuracy(char *buf, size_t size, const struct query_fleet_row *r)
{
	if (!r->has_perf)
		snprintf(buf, size, "no labels yet");
	else if (isnan(r->acc_delta))
		snprintf(buf, size, "%.3f", r->accuracy);
	else
		snprintf(buf, size, "%.3f %+.3f", r->accuracy, r->acc_delta);
}

/* Column starts; a frame narrower than a column clips it. */
enum {
	COL_STATE = 0, COL_MODEL = 8, COL_BATCH = 23, COL_AGE = 30,
	COL_RATE = 42, COL_LAB = 49, COL_ACC = 54, COL_DRIFT = 68,
	COL_OPEN = 74, COL_PAGE = 81,
};

static void
fleet_draw_row(const struct app *a, struct canvas *c, int x, int y, int w,
    const struct query_fleet_row *r)
{
	static const char *const drift[] = {
		[QUERY_FLEET_DRIFT_NONE] = "-",
		[QUERY_FLEET_DRIFT_INVESTIGATE] = "watch",
		[QUERY_FLEET_DRIFT_DRIFT] = "DRIFT",
	};
	static const enum role drift_role[] = {
		[QUERY_FLEET_DRIFT_NONE] = ROLE_DIM,
		[QUERY_FLEET_DRIFT_INVESTIGATE] = ROLE_WARN,
		[QUERY_FLEET_DRIFT_DRIFT] = ROLE_BAD,
	};
	char buf[64];
	const char *s;
	enum role role;

	s = fleet_state(a, r, &role);
	canvas_text(c, x + COL_STATE, y, 7, role, s);
	canvas_text(c, x + COL_MODEL, y, 14, ROLE_BOLD, r->model);
	snprintf(buf, sizeof buf, "%6lld", (long long)r->latest_batch);
	canvas_text(c, x + COL_BATCH, y, 6, ROLE_NORMAL, r->latest_batch < 0 ?
	    "     -" : buf);
	format_age(buf, sizeof buf, a->now - r->last_write);
	canvas_text(c, x + COL_AGE, y, 11, fleet_stale(a, r) ? ROLE_BAD :
	    ROLE_DIM, r->last_write > 0 ? buf : "-");
	if (isnan(r->rows_per_min))
		snprintf(buf, sizeof buf, "     -");
	else if (r->rows_per_min < 1e5)
		snprintf(buf, sizeof buf, "%6.0f", r->rows_per_min);
	else if (r->rows_per_min < 1e8)
		snprintf(buf, sizeof buf, "%5.0fk", r->rows_per_min / 1e3);
	else
		snprintf(buf, sizeof buf, "%5.0fM", r->rows_per_min / 1e6);
	canvas_text(c, x + COL_RATE, y, 6, ROLE_NORMAL, buf);
	snprintf(buf, sizeof buf, "%3.0f%%", r->rows > 0 ?
	    100.0 * (double)r->labelled / (double)r->rows : 0.0);
	canvas_text(c, x + COL_LAB, y, 4, ROLE_NORMAL, buf);
	fleet_accuracy(buf, sizeof buf, r);
	canvas_text(c, x + COL_ACC, y, 13, r->has_perf && r->acc_delta < 0 ?
	    ROLE_WARN : ROLE_NORMAL, buf);
	canvas_text(c, x + COL_DRIFT, y, 5, drift_role[r->drift],
	    drift[r->drift]);
	snprintf(buf, sizeof buf, "%lldC %lldW", (long long)r->open_critical,
	    (long long)r->open_warning);
	canvas_text(c, x + COL_OPEN, y, 6, r->open_critical > 0 ? ROLE_CRIT :
	    r->open_warning > 0 ? ROLE_WARN : ROLE_DIM, buf);
	format_age(buf, sizeof buf, a->now - r->last_page);
	if (w > COL_PAGE)
		canvas_text(c, x + COL_PAGE, y, w - COL_PAGE, ROLE_DIM,
		    r->last_page > 0 ? buf : "never");
}

static void
fleet_draw(const struct app *a, struct canvas *c, struct rect r)
{
	size_t *idx, n, i, top, sel, rows;
	int y = r.y;

	n = fleet_order(a, &idx);
	canvas_printf(c, r.x, y, r.w, ROLE_NORMAL, "%zu model%s%s%s%s, "
	    "%zu shown, worst first", a->fleet.n, a->fleet.n == 1 ? "" : "s",
	    a->fleet_filter[0] != '\0' ? "   Filter: \"" : "",
	    a->fleet_filter, a->fleet_filter[0] != '\0' ? "\"" : "", n);
	y++;
	canvas_fill(c, (struct rect){ r.x, y, r.w, 1 }, ' ', ROLE_HEADER);
	canvas_text(c, r.x, y, r.w, ROLE_HEADER, "state   model           "
	    "batch  age         rows/m lab  accuracy      drift open   "
	    "last page");
	rows = r.h > 2 ? (size_t)(r.h - 2) : 0;
	sel = n > 0 && a->fleet_sel >= n ? n - 1 : a->fleet_sel;
	top = sel >= rows ? sel - rows + 1 : 0;
	for (i = top; i < n && i - top < rows; i++) {
		y = r.y + 2 + (int)(i - top);
		fleet_draw_row(a, c, r.x, y, r.w, &a->fleet.rows[idx[i]]);
		if (i == sel)
			canvas_role(c, r.x, y, r.w, ROLE_SELECTED);
	}
	free(idx);
}
