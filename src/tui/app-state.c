/*
 * The console's state as every view reads it (app.h): its life cycle,
 * severity marks, the batch range and newest values of a series, what
 * arrived since the last refresh (highlights), staleness and the timed
 * status line. The views and the frame (app.c) call down into it; it
 * calls no view.
 */
#include "tui/app.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/severity.h"
#include "db/query.h"

/* The Alerts tab's filter after "all", in the order v cycles it. */
static const enum severity severity_filter[APP_SEVERITY_FILTERS - 1] = {
	SEVERITY_CRITICAL, SEVERITY_WARNING, SEVERITY_INFO,
};

const char *
app_severity_filter(int i)
{
	if (i <= 0 || i >= APP_SEVERITY_FILTERS)
		return NULL;
	return severity_name(severity_filter[i - 1]);
}

void
app_init(struct app *a, const struct options *o)
{
	memset(a, 0, sizeof *a);
	a->opt = *o;
	a->tab = o->tab;
	a->delay = o->delay;
	a->calib_batch = o->batch;
	a->alerts_all = o->all_models;
	a->highlight = !o->once && !o->no_highlight;
	a->q = query_create(o->db);
	query_set_model(a->q, o->model);
}

void
app_finish(struct app *a)
{
	query_destroy(a->q);
	query_series_finish(&a->series);
	query_alert_page_finish(&a->recent);
	query_alert_page_finish(&a->alerts);
	free(a->alerts_detail);
	query_calib_finish(&a->calib);
	free(a->mutes);
	query_fleet_finish(&a->fleet);
	memset(a, 0, sizeof *a);
}

const char *
severity_marker(const char *severity, enum role *role)
{
	if (strcmp(severity, severity_name(SEVERITY_CRITICAL)) == 0) {
		*role = ROLE_CRIT;
		return "[CRIT]";
	}
	if (strcmp(severity, severity_name(SEVERITY_WARNING)) == 0) {
		*role = ROLE_WARN;
		return "[WARN]";
	}
	*role = ROLE_INFO;
	return "[INFO]";
}

void
app_series_range(const struct app *a, int w, int64_t *lo, int64_t *hi)
{
	const struct query_overview *ov = query_overview(a->q);
	int64_t n = w > 0 ? w : 1;

	*hi = ov->latest_batch;
	*lo = *hi - n + 1;
	if (*lo < ov->first_batch)
		*lo = ov->first_batch;
}

/* Mark alert id new since now, replacing the oldest mark when full. */
static void
app_mark_alert(struct app *a, int64_t id)
{
	size_t j, old;

	if (app_alert_is_new(a, id))
		return;
	if (a->hl_n < HIGHLIGHT_MAX)
		j = a->hl_n++;
	else {
		for (j = 0, old = 1; old < a->hl_n; old++) {
			if (a->hl_new[old].since < a->hl_new[j].since)
				j = old;
		}
	}
	a->hl_new[j] = (struct app_new_alert){ id, a->mono };
}

/*
 * The overview (read by the refresh) says whether an alert arrived: its
 * newest id moved. Which ones arrived is read afresh by id, in one
 * statement: every alert above the newest seen, however many commits
 * landed after the overview's read (a count read there and a page read
 * here would disagree then, and an alert lose its mark).
 */
int
app_track_changes(struct app *a)
{
	const struct query_overview *ov;
	struct query_alert_page p = { 0 };
	size_t i;

	if (!a->highlight)
		return 0;
	if (query_state(a->q) != QUERY_OK) {
		a->hl_known = false;	/* a new store starts a new baseline */
		return 0;
	}
	ov = query_overview(a->q);
	if (!a->hl_known) {
		a->hl_batch = ov->latest_batch;
		a->hl_alert = ov->latest_alert;
		a->hl_known = true;
		return 0;
	}
	if (ov->latest_batch > a->hl_batch)
		a->hl_batch_since = a->mono;
	a->hl_batch = ov->latest_batch;
	if (ov->latest_alert <= a->hl_alert) {
		/* Below: the newest were deleted, or another store. */
		a->hl_alert = ov->latest_alert;
		return 0;
	}
	if (query_alerts_after(a->q, a->hl_alert, HIGHLIGHT_MAX, &p) == -1) {
		query_alert_page_finish(&p);
		return -1;		/* busy: the next refresh tries again */
	}
	for (i = 0; i < p.n; i++)
		app_mark_alert(a, p.rows[i].id);
	if (p.n > 0)
		a->hl_alert = p.rows[0].id;
	query_alert_page_finish(&p);
	return 0;
}

static bool
app_fresh(const struct app *a, double since)
{
	return a->highlight && since > 0 && a->mono >= since &&
	    a->mono < since + HIGHLIGHT_SECONDS;
}

bool
app_alert_is_new(const struct app *a, int64_t id)
{
	size_t i;

	for (i = 0; i < a->hl_n; i++) {
		if (a->hl_new[i].id == id && app_fresh(a, a->hl_new[i].since))
			return true;
	}
	return false;
}

bool
app_batch_is_new(const struct app *a)
{
	return app_fresh(a, a->hl_batch_since);
}

double
app_stale_after(const struct app *a)
{
	double ten = STALE_INTERVALS * (a->delay / 10.0);

	return ten > STALE_SECONDS ? ten : STALE_SECONDS;
}

void
app_open_model(struct app *a, const char *name)
{
	query_set_model(a->q, name);
	a->tab = TAB_OVERVIEW;
	a->drift_sel = a->drift_top = 0;
	a->calib_batch = -1;
	a->alerts_top = 0;
	a->hl_known = false;
	a->hl_n = 0;
}

void
app_set_status(struct app *a, bool bad, const char *msg)
{
	snprintf(a->status, sizeof a->status, "%s", msg);
	a->status_bad = bad;
	a->status_until = a->mono + STATUS_SECONDS;
}

/* Keep the earliest end after now. */
static void
expiry_min(const struct app *a, double end, double *best)
{
	if (end > a->mono && (*best == 0 || end < *best))
		*best = end;
}

double
app_next_expiry(const struct app *a)
{
	double best = 0;
	size_t i;

	if (a->status[0] != '\0')
		expiry_min(a, a->status_until, &best);
	if (!a->highlight)
		return best;
	if (a->hl_batch_since > 0)
		expiry_min(a, a->hl_batch_since + HIGHLIGHT_SECONDS, &best);
	for (i = 0; i < a->hl_n; i++)
		expiry_min(a, a->hl_new[i].since + HIGHLIGHT_SECONDS, &best);
	return best;
}

/* Index of the newest non-missing value of column f; n if none. */
size_t
app_series_last_at(const double *v, size_t n, size_t stride, size_t f)
{
	size_t i;

	for (i = n; i > 0; i--) {
		if (!isnan(v[(i - 1) * stride + f]))
			return i - 1;
	}
	return n;
}

size_t
app_feature_last(const struct query_series *s)
{
	size_t i;

	for (i = s->n; i > 0; i--)
		if (s->flags[i - 1] & QUERY_HAS_FEATURE)
			return i - 1;
	return s->n;
}

/* Newest non-missing value of column f; NAN if none. */
double
app_series_last(const double *v, size_t n, size_t stride, size_t f)
{
	size_t i = app_series_last_at(v, n, stride, f);

	return i < n ? v[i * stride + f] : NAN;
}
