/*
 * Alerts: the feed, newest first, one page read at a time.
 *
 *   filter line: severity filter (v cycles), search (/), counts
 *   header: sev, batch, status, channel, age, message
 *   rows, scrolled with up/down, PgUp/PgDn, Home/End
 *
 * Severity shows as [CRIT] / [WARN] / [INFO] text, coloured when colours
 * are on, so it reads the same in monochrome. Status is what happened to
 * the page: delivered, suppressed, pending, failed, dry_run, recorded, or
 * resolved for the all-clear of a condition.
 */
#include "tui/app.h"

#include <stdio.h>
#include <string.h>

#include "tui/glyphs.h"

static int alerts_load(struct app *a);
static void alerts_draw(const struct app *a, struct canvas *c,
    struct rect r);
static int alerts_key(struct app *a, enum action act);

const struct view view_alerts = {
	.name = "Alerts",
	.hints = "v|Severity|/|Search|Del|Clear|",
	.load = alerts_load,
	.draw = alerts_draw,
	.key = alerts_key,
};

static int
alerts_rows(struct rect r)
{
	return r.h - 2 > 0 ? r.h - 2 : 0;
}

static int
alerts_load(struct app *a)
{
	struct query_alert_filter f = {
		.severity = severity_names[a->alerts_sev],
		.search = a->alerts_search,
	};
	int rc;

	rc = query_alerts_load(a->q, &f, a->alerts_top,
	    (size_t)alerts_rows(a->body), &a->alerts);
	if (rc == 0 && a->alerts_top > 0 && a->alerts.n == 0 &&
	    a->alerts.total > 0) {
		/* Scrolled past the end (filter narrowed): back up. */
		a->alerts_top = a->alerts.total - 1;
		rc = query_alerts_load(a->q, &f, a->alerts_top,
		    (size_t)alerts_rows(a->body), &a->alerts);
	}
	return rc;
}

static int
alerts_key(struct app *a, enum action act)
{
	int64_t page = alerts_rows(a->body), total = a->alerts.total;
	int64_t top = a->alerts_top;

	switch (act) {
	case ACT_UP:
		top--;
		break;
	case ACT_DOWN:
		top++;
		break;
	case ACT_PAGE_UP:
		top -= page;
		break;
	case ACT_PAGE_DOWN:
		top += page;
		break;
	case ACT_HALF_UP:
		top -= page / 2;
		break;
	case ACT_HALF_DOWN:
		top += page / 2;
		break;
	case ACT_HOME:
	case ACT_GOTO:
		top = 0;
		break;
	case ACT_END:
		top = total - page;
		break;
	case ACT_SEVERITY:
		a->alerts_sev = (a->alerts_sev + 1) % 4;
		a->alerts_top = 0;
		return VIEW_RESCAN;
	case ACT_SEARCH:
		a->prompt = PROMPT_SEARCH;
		snprintf(a->input, sizeof a->input, "%s", a->alerts_search);
		return VIEW_REDRAW;
	case ACT_CLEAR:
	case ACT_ESCAPE:
		if (a->alerts_search[0] == '\0' && a->alerts_sev == 0)
			return VIEW_IGNORED;
		a->alerts_search[0] = '\0';
		a->alerts_sev = 0;
		a->alerts_top = 0;
		return VIEW_RESCAN;
	default:
		return VIEW_IGNORED;
	}
	if (top > total - page)
		top = total - page;
	if (top < 0)
		top = 0;
	if (top == a->alerts_top)
		return VIEW_HANDLED;
	a->alerts_top = top;
	return VIEW_RESCAN;
}

static enum role
status_role(const char *kind, const char *status)
{
	if (strcmp(kind, "resolved") == 0 || strcmp(status, "delivered") == 0)
		return ROLE_GOOD;
	if (strcmp(status, "failed") == 0)
		return ROLE_BAD;
	if (strcmp(status, "pending") == 0)
		return ROLE_WARN;
	return ROLE_DIM;
}

static void
alerts_draw(const struct app *a, struct canvas *c, struct rect r)
{
	const struct query_alert_page *p = &a->alerts;
	const struct query_alert *al;
	const char *status, *sev = severity_names[a->alerts_sev];
	char buf[128], age[32];
	enum role role;
	int x, y = r.y, i, end = r.x + r.w;

	x = r.x + canvas_printf(c, r.x, y, r.w, ROLE_NORMAL, "Severity: %s",
	    sev != NULL ? sev : "all");
	if (a->alerts_search[0] != '\0')
		x += canvas_printf(c, x, y, end - x, ROLE_BOLD,
		    "   Search: \"%s\"", a->alerts_search);
	if (p->total == 0)
		snprintf(buf, sizeof buf, "   no alerts%s",
		    sev != NULL || a->alerts_search[0] != '\0' ?
		    " match" : " yet");
	else
		snprintf(buf, sizeof buf, "   %lld-%lld of %lld, newest first",
		    (long long)a->alerts_top + 1,
		    (long long)a->alerts_top + (long long)p->n,
		    (long long)p->total);
	canvas_text(c, x, y, end - x, ROLE_DIM, buf);
	y++;
	canvas_fill(c, (struct rect){ r.x, y, r.w, 1 }, ' ', ROLE_HEADER);
	canvas_text(c, r.x, y, r.w, ROLE_HEADER, "sev      batch status     "
	    "channel age          message");
	for (i = 0; i < (int)p->n && i < alerts_rows(r); i++) {
		al = &p->rows[i];
		y = r.y + 2 + i;
		status = severity_marker(al->severity, &role);
		canvas_text(c, r.x, y, 6, role, status);
		snprintf(buf, sizeof buf, "%6lld", (long long)al->batch_id);
		canvas_text(c, r.x + 7, y, 7, ROLE_NORMAL, buf);
		status = strcmp(al->kind, "resolved") == 0 ? "resolved" :
		    al->status;
		canvas_text(c, r.x + 15, y, 10, status_role(al->kind,
		    al->status), status);
		canvas_text(c, r.x + 26, y, 7, ROLE_DIM, al->channel);
		format_age(age, sizeof age, a->now - al->sent_at);
		canvas_text(c, r.x + 34, y, 12, ROLE_DIM, age);
		canvas_text(c, r.x + 47, y, r.w - 47, ROLE_NORMAL,
		    al->message);
		/* Arrived in a recent refresh: reverse, with a mark. */
		if (app_alert_is_new(a, al->id)) {
			canvas_role(c, r.x + 6, y, r.w - 6, ROLE_NEW);
			canvas_put(c, r.x + 6, y, glyph(G_NEW), ROLE_NEW);
		}
	}
}
