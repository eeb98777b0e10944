/*
 * Alerts: the feed, newest first, one page read at a time.
 *
 *   filter line: severity filter (v cycles), search (/), models (M
 *   toggles the model shown / every model), counts
 *   acks and silences in force, one line each (at most MUTE_LINES)
 *   header: sev, batch, status, channel, age, message; every model's
 *   feed has a model column before the message
 *   rows; up/down, PgUp/PgDn, Home/End move the selected one (marked in
 *   the live console), on which a, S and u act (mute.c)
 *
 * Enter explains the selected alert (explain.c, the text of
 * `mlmon-top --once --alert ID`) over the list; up/down scroll it and
 * Escape goes back to the list.
 *
 * Severity shows as [CRIT] / [WARN] / [INFO] text, coloured when colours
 * are on, so it reads the same in monochrome. Status is what happened to
 * the page: delivered, suppressed, pending, failed, dry_run, recorded, or
 * resolved for the all-clear of a condition; silenced when an ack or
 * silence muted it (ingest's gate decided, the row says who).
 */
#include "tui/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "db/alert-mute.h"
#include "tui/explain.h"
#include "tui/glyphs.h"

/* Acks and silences listed above the feed, at most. */
#define MUTE_LINES	3

static int alerts_load(struct app *a);
static void alerts_draw(const struct app *a, struct canvas *c,
    struct rect r);
static int alerts_key(struct app *a, enum action act);

const struct view view_alerts = {
	.name = "Alerts",
	.hints = "v|Severity|/|Search|Del|Clear|Enter|Why|",
	.load = alerts_load,
	.draw = alerts_draw,
	.key = alerts_key,
};

/* Lines the acks and silences take: one each, then "+N more". */
static int
alerts_mute_lines(const struct app *a)
{
	return a->n_mutes > MUTE_LINES ? MUTE_LINES + 1 : (int)a->n_mutes;
}

static int
alerts_rows(const struct app *a, struct rect r)
{
	int h = r.h - 2 - alerts_mute_lines(a);

	return h > 0 ? h : 0;
}

static int
alerts_load(struct app *a)
{
	struct query_alert_filter f = {
		.severity = app_severity_filter(a->alerts_sev),
		.search = a->alerts_search,
		.all_models = a->alerts_all,
	};
	int rc;

	free(a->mutes);
	a->mutes = NULL;
	a->n_mutes = 0;
	if (query_mutes_load(a->q, a->now, &a->mutes, &a->n_mutes) == -1)
		return -1;
	rc = query_alerts_load(a->q, &f, a->alerts_top,
	    (size_t)alerts_rows(a, a->body), &a->alerts);
	if (rc == 0 && a->alerts_top > 0 && a->alerts.n == 0 &&
	    a->alerts.total > 0) {
		/* Scrolled past the end (filter narrowed): back up. */
		a->alerts_top = a->alerts.total - 1;
		rc = query_alerts_load(a->q, &f, a->alerts_top,
		    (size_t)alerts_rows(a, a->body), &a->alerts);
	}
	if (a->alerts_sel >= a->alerts.total)
		a->alerts_sel = a->alerts.total > 0 ? a->alerts.total - 1 : 0;
	if (a->alerts_sel < a->alerts_top)
		a->alerts_sel = a->alerts_top;
	return rc;
}

/* Enter: explain the selected alert; the text is kept until Escape. */
static int
alerts_explain(struct app *a)
{
	const struct query_alert *al = mute_selected(a);
	char *buf = NULL, *cause = NULL;
	size_t len = 0;
	FILE *f;

	if (al == NULL)
		return VIEW_IGNORED;
	if ((f = open_memstream(&buf, &len)) == NULL)
		return VIEW_IGNORED;
	if (explain_write(a->q, al->id, FORMAT_TEXT, f, &cause) != 0) {
		fprintf(f, "alert %lld: %s\n", (long long)al->id, cause);
		free(cause);
	}
	fclose(f);
	free(a->alerts_detail);
	a->alerts_detail = buf;
	a->alerts_detail_top = 0;
	return VIEW_REDRAW;
}

/* Keys while an explanation is open: scroll it, Escape closes it. */
static int
detail_key(struct app *a, enum action act)
{
	switch (act) {
	case ACT_ESCAPE:
	case ACT_ENTER:
		free(a->alerts_detail);
		a->alerts_detail = NULL;
		return VIEW_REDRAW;
	case ACT_UP:
		if (a->alerts_detail_top > 0)
			a->alerts_detail_top--;
		return VIEW_REDRAW;
	case ACT_DOWN:
		a->alerts_detail_top++;
		return VIEW_REDRAW;
	default:
		return VIEW_IGNORED;
	}
}

/* Select row sel (clamped to the list); the page follows it. */
static int
alerts_select(struct app *a, int64_t sel, int64_t page, int64_t total)
{
	int64_t top = a->alerts_top;

	if (sel > total - 1)
		sel = total - 1;
	if (sel < 0)
		sel = 0;
	if (sel < top)
		top = sel;
	if (page > 0 && sel >= top + page)
		top = sel - page + 1;
	if (sel == a->alerts_sel && top == a->alerts_top)
		return VIEW_HANDLED;
	a->alerts_sel = sel;
	if (top == a->alerts_top)
		return VIEW_REDRAW;
	a->alerts_top = top;
	return VIEW_RESCAN;
}

static int
alerts_key(struct app *a, enum action act)
{
	int64_t page = alerts_rows(a, a->body), total = a->alerts.total;
	int64_t sel = a->alerts_sel;

	if (a->alerts_detail != NULL)
		return detail_key(a, act);
	switch (act) {
	case ACT_ENTER:
		return alerts_explain(a);
	case ACT_UP:
		sel--;
		break;
	case ACT_DOWN:
		sel++;
		break;
	case ACT_PAGE_UP:
		sel -= page;
		break;
	case ACT_PAGE_DOWN:
		sel += page;
		break;
	case ACT_HALF_UP:
		sel -= page / 2;
		break;
	case ACT_HALF_DOWN:
		sel += page / 2;
		break;
	case ACT_HOME:
	case ACT_GOTO:
		sel = 0;
		break;
	case ACT_END:
		sel = total - 1;
		break;
	case ACT_SEVERITY:
		a->alerts_sev = (a->alerts_sev + 1) % APP_SEVERITY_FILTERS;
		a->alerts_top = a->alerts_sel = 0;
		return VIEW_RESCAN;
	case ACT_ALL_MODELS:
		a->alerts_all = !a->alerts_all;
		a->alerts_top = a->alerts_sel = 0;
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
		a->alerts_top = a->alerts_sel = 0;
		return VIEW_RESCAN;
	case ACT_ACK:
		return mute_ack(a);
	case ACT_SILENCE:
		return mute_silence_prompt(a);
	case ACT_UNDO:
		return mute_undo(a);
	default:
		return VIEW_IGNORED;
	}
	return alerts_select(a, sel, page, total);
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

/* Local "HH:MM" of unix seconds t into buf. */
static const char *
alerts_clock(double t, char *buf, size_t size)
{
	return clock_format(t, false, "%H:%M", buf, size);
}

/* The acks and silences in force from row y; the row after them. */
static int
alerts_draw_mutes(const struct app *a, struct canvas *c, struct rect r,
    int y)
{
	const struct alert_mute *m;
	char buf[QUERY_TEXT_MAX + 128], at[16], until[16];
	size_t i;

	for (i = 0; i < a->n_mutes && i < MUTE_LINES; i++, y++) {
		m = &a->mutes[i];
		if (m->kind == ALERT_MUTE_ACK)
			snprintf(buf, sizeof buf, "ACKED    %s by %s at %s, "
			    "until it resolves", m->target, m->by,
			    alerts_clock(m->at, at, sizeof at));
		else
			snprintf(buf, sizeof buf, "SILENCED %s %s by %s at %s, "
			    "until %s", alert_mute_scope_name(m->scope),
			    m->target, m->by,
			    alerts_clock(m->at, at, sizeof at),
			    alerts_clock(m->until, until, sizeof until));
		canvas_text(c, r.x, y, r.w, ROLE_WARN, buf);
	}
	if (a->n_mutes > MUTE_LINES) {
		snprintf(buf, sizeof buf, "and %zu more acks or silences",
		    a->n_mutes - MUTE_LINES);
		canvas_text(c, r.x, y++, r.w, ROLE_DIM, buf);
	}
	return y;
}

/* The open explanation, a line per row from alerts_detail_top. */
static void
detail_draw(const struct app *a, struct canvas *c, struct rect r)
{
	const char *s = a->alerts_detail, *nl;
	int line = 0, y = r.y + 1;
	char buf[512];

	canvas_fill(c, (struct rect){ r.x, r.y, r.w, 1 }, ' ', ROLE_HEADER);
	canvas_text(c, r.x, r.y, r.w, ROLE_HEADER, "Explain (Esc: back to the"
	    " list, up/down: scroll)");
	while (*s != '\0' && y < r.y + r.h) {
		nl = strchr(s, '\n');
		if (nl == NULL)
			nl = s + strlen(s);
		if (line++ >= a->alerts_detail_top) {
			snprintf(buf, sizeof buf, "%.*s", (int)(nl - s), s);
			canvas_text(c, r.x, y++, r.w, ROLE_NORMAL, buf);
		}
		s = *nl != '\0' ? nl + 1 : nl;
	}
}

static void
alerts_draw(const struct app *a, struct canvas *c, struct rect r)
{
	const struct query_alert_page *p = &a->alerts;
	const struct query_alert *al;
	const char *status, *sev = app_severity_filter(a->alerts_sev);
	char buf[128], age[32];
	enum role role;
	int x, y = r.y, i, top, end = r.x + r.w, msg;

	if (a->alerts_detail != NULL) {
		detail_draw(a, c, r);
		return;
	}
	x = r.x + canvas_printf(c, r.x, y, r.w, ROLE_NORMAL, "Severity: %s",
	    sev != NULL ? sev : "all");
	if (a->alerts_all)
		x += canvas_text(c, x, y, end - x, ROLE_BOLD,
		    "   Models: all");
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
	y = alerts_draw_mutes(a, c, r, y + 1);
	canvas_fill(c, (struct rect){ r.x, y, r.w, 1 }, ' ', ROLE_HEADER);
	canvas_text(c, r.x, y, r.w, ROLE_HEADER, a->alerts_all ?
	    "sev      batch status     channel age          model        "
	    "   message" : "sev      batch status     channel age          "
	    "message");
	top = y + 1;
	for (i = 0; i < (int)p->n && i < alerts_rows(a, r); i++) {
		al = &p->rows[i];
		y = top + i;
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
		msg = 47;
		if (a->alerts_all) {
			canvas_text(c, r.x + msg, y, 15, ROLE_BOLD, al->model);
			msg += 16;
		}
		canvas_text(c, r.x + msg, y, r.w - msg, ROLE_NORMAL,
		    al->message);
		/* The live console marks the row a, S and u act on. */
		if (!a->opt.once && al == mute_selected(a))
			canvas_role(c, r.x + 6, y, r.w - 6, ROLE_SELECTED);
		/* Arrived in a recent refresh: reverse, with a mark. */
		if (app_alert_is_new(a, al->id)) {
			canvas_role(c, r.x + 6, y, r.w - 6, ROLE_NEW);
			canvas_put(c, r.x + 6, y, glyph(G_NEW), ROLE_NEW);
		}
	}
}
