/*
 * The frame around the views and the keys every tab shares.
 *
 *   row 0      tab bar (digits shown, active tab marked) + refresh delay
 *   row 1      store line: path, latest batch, last write with STALE badge
 *   rows 2..   the current view, or the waiting / too-small message
 *   last row   function bar (keys, PAUSED, a timed status), or the prompt
 *
 * The help overlay is drawn last, on top of everything.
 *
 * Timed marks (the status message, highlights of what just arrived) run
 * on app.mono, a monotonic clock the loop sets each frame, so a frozen
 * MLMON_NOW never freezes them; app_next_expiry() tells the loop when
 * to draw again to take one off.
 */
#include "tui/app.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sanitize.h"
#include "core/xalloc.h"
#include "db/alert-mute.h"
#include "tui/glyphs.h"

static const struct view *const app_views[TAB_COUNT] = {
	&view_overview,
	&view_drift,
	&view_calibration,
	&view_alerts,
	&view_fleet,
};

const struct view *
app_view(int tab)
{
	if (tab < 0 || tab >= TAB_COUNT)
		tab = 0;
	return app_views[tab];
}

static bool
app_too_small(int w, int h)
{
	return w < MIN_WIDTH || h < MIN_HEIGHT;
}

int
app_load(struct app *a, int w, int h)
{
	const struct view *v = app_view(a->tab);

	a->body = (struct rect){ 0, 2, w, h - 3 };
	if (app_too_small(w, h) || query_state(a->q) != QUERY_OK)
		return 0;
	/* A store of several models opens on them all, once. */
	if (!a->fleet_decided) {
		a->fleet_decided = true;
		if (a->opt.model == NULL && !a->opt.tab_set &&
		    query_models(a->q) > 1) {
			a->tab = TAB_FLEET;
			v = app_view(a->tab);
		}
	}
	return v->load(a);
}

/* ---- tab bar layout, shared by drawing and the mouse ---- */

#define TAB_SEP	" |"

/* "Drift [2]": the label of tab t, after its one-column marker. */
static void
tab_label(int t, char *buf, size_t size)
{
	snprintf(buf, size, "%s [%d]", app_view(t)->name, t == TAB_FLEET ?
	    0 : t + 1);
}

int
app_tab_at(int x)
{
	char buf[32];
	int t, start = 0, w;

	for (t = 0; t < TAB_COUNT; t++) {
		if (t > 0)
			start += (int)strlen(TAB_SEP);
		tab_label(t, buf, sizeof buf);
		w = 1 + (int)strlen(buf);	/* marker + label */
		if (x >= start && x < start + w)
			return t;
		start += w;
	}
	return -1;
}

/* ---- drawing ---- */

static void
draw_tabs(const struct app *a, struct canvas *c)
{
	char buf[32];
	int x = 0, t, n;

	canvas_fill(c, (struct rect){ 0, 0, c->w, 1 }, ' ', ROLE_NORMAL);
	for (t = 0; t < TAB_COUNT && x < c->w; t++) {
		if (t > 0)
			x += canvas_text(c, x, 0, c->w - x, ROLE_DIM, TAB_SEP);
		tab_label(t, buf, sizeof buf);
		if (t == a->tab) {
			canvas_put(c, x++, 0, glyph(G_ACTIVE), ROLE_TAB_ACTIVE);
			x += canvas_text(c, x, 0, c->w - x, ROLE_TAB_ACTIVE,
			    buf);
		} else {
			canvas_put(c, x++, 0, ' ', ROLE_TAB);
			x += canvas_text(c, x, 0, c->w - x, ROLE_TAB, buf);
		}
	}
	snprintf(buf, sizeof buf, "%d.%ds", a->delay / 10, a->delay % 10);
	n = (int)strlen(buf);
	if (x + n + 2 <= c->w)
		canvas_text_right(c, c->w, 0, n, ROLE_DIM, buf);
}

static void
draw_store_line(const struct app *a, struct canvas *c)
{
	const struct query_overview *ov = query_overview(a->q);
	char age[32], hms[16], buf[80];
	struct tm tm;
	time_t t;
	int x = 0;
	bool stale;

	x += canvas_text(c, x, 1, c->w - x, ROLE_DIM, query_path(a->q));
	if (query_state(a->q) != QUERY_OK)
		return;
	x += canvas_text(c, x, 1, c->w - x, ROLE_NORMAL, "  model ");
	x += canvas_text(c, x, 1, c->w - x, ROLE_BOLD, query_model(a->q));
	snprintf(buf, sizeof buf, "  batch %lld", (long long)ov->latest_batch);
	x += canvas_text(c, x, 1, c->w - x, ROLE_NORMAL, buf);
	if (ov->last_write <= 0)
		return;
	format_age(age, sizeof age, a->now - ov->last_write);
	t = (time_t)ov->last_write;
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(hms, sizeof hms, "%H:%M:%S", &tm) == 0)
		snprintf(hms, sizeof hms, "?");
	/* Bad once ingest has been quiet for long; an empty store is not. */
	stale = ov->n_batches > 0 &&
	    a->now - ov->last_write > app_stale_after(a);
	x += canvas_text(c, x, 1, c->w - x, ROLE_NORMAL, "  ");
	snprintf(buf, sizeof buf, "last write %s (%s)", hms, age);
	x += canvas_text(c, x, 1, c->w - x, stale ? ROLE_BAD : ROLE_NORMAL,
	    buf);
	if (stale)
		x += canvas_text(c, x + 1, 1, c->w - x - 1, ROLE_BAD,
		    "[STALE]") + 1;
	if (a->busy)
		canvas_text(c, x + 1, 1, c->w - x - 1, ROLE_DIM, "(busy)");
}

/* "key|label|key|label|": keys bold, labels in the bar colour. */
static int
draw_hints(struct canvas *c, int x, int y, int maxx, const char *hints)
{
	char buf[256], *key, *label, *save = NULL;

	snprintf(buf, sizeof buf, "%s", hints);
	for (key = strtok_r(buf, "|", &save); key != NULL && x < maxx;
	    key = strtok_r(NULL, "|", &save)) {
		if ((label = strtok_r(NULL, "|", &save)) == NULL)
			break;
		x += canvas_text(c, x, y, maxx - x, ROLE_FUNC_KEY, key);
		x += canvas_printf(c, x, y, maxx - x, ROLE_FUNC_TEXT, "%s ",
		    label);
	}
	return x;
}

/* The text before an open prompt's input. */
static const char *
prompt_label(const struct app *a, char *buf, size_t size)
{
	const struct query_alert *al = mute_selected(a);
	char rule[64];

	if (a->prompt == PROMPT_GOTO)
		return "Go to batch: ";
	if (a->prompt != PROMPT_SILENCE || al == NULL)
		return "Search: ";
	snprintf(rule, sizeof rule, "%.*s",
	    (int)strcspn(al->condition_key, ":"), al->condition_key);
	snprintf(buf, size, "Silence %s %.60s for: ",
	    alert_mute_scope_name((enum alert_mute_scope)a->mute_scope),
	    a->mute_scope == ALERT_MUTE_CONDITION ? al->condition_key :
	    a->mute_scope == ALERT_MUTE_RULE ? rule : "default");
	return buf;
}

static void
draw_function_bar(const struct app *a, struct canvas *c)
{
	int y = c->h - 1, x = 0, right = c->w;
	char label[128];

	canvas_fill(c, (struct rect){ 0, y, c->w, 1 }, ' ', ROLE_FUNC_TEXT);
	if (a->prompt != PROMPT_NONE) {
		x += canvas_text(c, 0, y, c->w, ROLE_PROMPT, prompt_label(a,
		    label, sizeof label));
		x += canvas_text(c, x, y, c->w - x - 1, ROLE_PROMPT, a->input);
		canvas_put(c, x, y, '_', ROLE_PROMPT);
		canvas_text_right(c, c->w, y, 30, ROLE_FUNC_TEXT,
		    a->prompt == PROMPT_SILENCE ? " Tab target  Enter  Esc" :
		    " Enter ok  Esc cancel");
		return;
	}
	if (a->paused) {
		canvas_text_right(c, c->w, y, 8, ROLE_PAUSED, " PAUSED ");
		right -= 9;
	}
	if (a->note[0] != '\0') {
		canvas_text(c, 0, y, right, ROLE_WARN, a->note);
		return;
	}
	if (a->status[0] != '\0' && a->mono < a->status_until) {
		canvas_text(c, 0, y, right, a->status_bad ? ROLE_BAD :
		    ROLE_FUNC_KEY, a->status);
		return;
	}
	x = draw_hints(c, x, y, right, "?|Help|1-4|Tabs|Spc|Pause|+-|Delay|"
	    "s|Snap|q|Quit|");
	draw_hints(c, x, y, right, app_view(a->tab)->hints);
}

static void
draw_center(struct canvas *c, struct rect r, int dy, enum role role,
    const char *s)
{
	char clean[512];
	int w;

	sanitize_into(s, clean, sizeof clean);
	w = text_width(clean);
	if (w > r.w)
		w = r.w;
	canvas_text(c, r.x + (r.w - w) / 2, r.y + dy, r.w, role, clean);
}

static void
draw_too_small(const struct app *a, struct canvas *c)
{
	struct rect r = { 0, 0, c->w, c->h };
	char buf[64];
	int y = c->h / 2 - 2, x;

	(void)a;
	if (y < 0)
		y = 0;
	draw_center(c, r, y, ROLE_BOLD, "Terminal size too small:");
	snprintf(buf, sizeof buf, "Width = %d Height = %d", c->w, c->h);
	draw_center(c, r, y + 1, ROLE_NORMAL, buf);
	/* Colour the failing numbers. */
	x = (c->w - (int)strlen(buf)) / 2;
	if (x < 0)
		x = 0;
	if (c->w < MIN_WIDTH)
		canvas_role(c, x + 8, y + 1, snprintf(NULL, 0, "%d", c->w),
		    ROLE_BAD);
	if (c->h < MIN_HEIGHT)
		canvas_role(c, x + (int)strlen(buf) -
		    snprintf(NULL, 0, "%d", c->h), y + 1,
		    snprintf(NULL, 0, "%d", c->h), ROLE_BAD);
	snprintf(buf, sizeof buf, "Needed: %dx%d", MIN_WIDTH, MIN_HEIGHT);
	draw_center(c, r, y + 2, ROLE_NORMAL, buf);
	draw_center(c, r, y + 3, ROLE_DIM, "q quits");
}

/*
 * Word-wrap s to lines of at most width columns, each centred, from row
 * dy (draw false: only count). Returns the number of lines.
 */
static int
draw_wrapped(struct canvas *c, struct rect r, int dy, int width,
    enum role role, const char *s, bool draw)
{
	char clean[1024], line[1024], try[1024];
	const char *p = clean, *e;
	size_t k;
	int n = 0;

	sanitize_into(s, clean, sizeof clean);
	line[0] = '\0';
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		e = strchr(p, ' ');
		if (e == NULL)
			e = p + strlen(p);
		/* line, a space, the word: fits, both come from clean. */
		k = strlen(line);
		memcpy(try, line, k);
		if (k > 0)
			try[k++] = ' ';
		memcpy(try + k, p, (size_t)(e - p));
		try[k + (size_t)(e - p)] = '\0';
		if (line[0] != '\0' && text_width(try) > width) {
			if (draw)
				draw_center(c, r, dy + n, role, line);
			n++;
			snprintf(line, sizeof line, "%.*s", (int)(e - p), p);
		} else
			memcpy(line, try, sizeof line);
		p = e;
	}
	if (line[0] != '\0' || n == 0) {
		if (draw)
			draw_center(c, r, dy + n, role, line);
		n++;
	}
	return n;
}

static void
draw_waiting(const struct app *a, struct canvas *c, struct rect r)
{
	enum query_state st = query_state(a->q);
	int width = r.w > 8 ? r.w - 4 : r.w, n, y;

	/* A long message (how to read a WAL file) wraps; keep it centred. */
	n = draw_wrapped(c, r, 0, width, ROLE_NORMAL, query_message(a->q),
	    false);
	y = r.h / 2 - 2 - (n - 1) / 2;
	if (y < 0)
		y = 0;
	switch (st) {
	case QUERY_DELETED:
		draw_center(c, r, y, ROLE_BAD, "The store was deleted.");
		break;
	case QUERY_UNREADABLE:
		draw_center(c, r, y, ROLE_BAD, "Cannot read the store.");
		break;
	default:
		draw_center(c, r, y, ROLE_BOLD, "Waiting for data...");
		break;
	}
	draw_wrapped(c, r, y + 1, width, ROLE_NORMAL, query_message(a->q),
	    true);
	y += n - 1;
	draw_center(c, r, y + 3, ROLE_DIM, "This screen turns into data as "
	    "soon as mlmon-ingest writes to");
	draw_center(c, r, y + 4, ROLE_DIM, query_path(a->q));
}

static void
draw_help(const struct app *a, struct canvas *c)
{
	struct rect r, in;
	int n = 0, i, y;

	while (help_lines[n].keys != NULL)
		n++;
	r.w = c->w < 64 ? c->w : 64;
	r.h = n + 5 < c->h ? n + 5 : c->h;
	r.x = (c->w - r.w) / 2;
	r.y = (c->h - r.h) / 2;
	canvas_fill(c, r, ' ', ROLE_NORMAL);
	in = canvas_box(c, r, "Help (Esc closes)", ROLE_BOLD);
	for (i = 0, y = in.y; i < n && y < in.y + in.h - 2; i++, y++) {
		canvas_text(c, in.x + 1, y, 14, ROLE_FUNC_KEY,
		    help_lines[i].keys);
		canvas_text(c, in.x + 16, y, in.w - 17, ROLE_NORMAL,
		    help_lines[i].what);
	}
	canvas_text(c, in.x + 1, in.y + in.h - 1, in.w - 2, ROLE_DIM,
	    a->opt.no_mouse ? "Graphs look wrong? Run with --ascii. "
	    "Mouse off." : "Graphs look wrong? Run with --ascii.");
}

void
app_draw(const struct app *a, struct canvas *c)
{
	canvas_clear(c);
	if (app_too_small(c->w, c->h)) {
		draw_too_small(a, c);
		return;
	}
	draw_tabs(a, c);
	draw_store_line(a, c);
	if (query_state(a->q) == QUERY_OK)
		app_view(a->tab)->draw(a, c, a->body);
	else
		draw_waiting(a, c, a->body);
	draw_function_bar(a, c);
	if (a->help)
		draw_help(a, c);
}

/* ---- keys ---- */

int
app_key(struct app *a, enum action act)
{
	int tab;

	a->note[0] = '\0';
	if (a->help) {
		/* The overlay takes every key; these close it. */
		if (act == ACT_ESCAPE || act == ACT_HELP || act == ACT_ENTER) {
			a->help = false;
			return VIEW_REDRAW;
		}
		if (act == ACT_QUIT)
			return VIEW_QUIT;
		return VIEW_HANDLED;
	}
	switch (act) {
	case ACT_QUIT:
		return VIEW_QUIT;
	case ACT_HELP:
		a->help = true;
		return VIEW_REDRAW;
	case ACT_NEXT_TAB:
	case ACT_PREV_TAB:
		tab = a->tab + (act == ACT_NEXT_TAB ? 1 : TAB_COUNT - 1);
		a->tab = tab % TAB_COUNT;
		return VIEW_RESCAN;
	case ACT_TAB1:
	case ACT_TAB2:
	case ACT_TAB3:
	case ACT_TAB4:
		a->tab = (int)(act - ACT_TAB1);
		return VIEW_RESCAN;
	case ACT_FLEET:
		a->tab = TAB_FLEET;
		return VIEW_RESCAN;
	case ACT_FASTER:
		a->delay = a->delay - 1 < DELAY_MIN ? DELAY_MIN : a->delay - 1;
		return VIEW_REDRAW;
	case ACT_SLOWER:
		a->delay = a->delay + 1 > DELAY_MAX ? DELAY_MAX : a->delay + 1;
		return VIEW_REDRAW;
	case ACT_PAUSE:
		a->paused = !a->paused;
		return VIEW_RESCAN;
	case ACT_REPAINT:
	case ACT_RESIZE:
		return VIEW_RESIZE;
	case ACT_SNAPSHOT:
		return VIEW_SNAPSHOT;
	default:
		break;
	}
	if (query_state(a->q) != QUERY_OK)
		return VIEW_IGNORED;
	return app_view(a->tab)->key(a, act);
}

/* The search text of the tab that opened the prompt: Fleet, Drift, Alerts. */
static void
app_search_set(struct app *a, const char *text)
{
	if (a->tab == TAB_FLEET) {
		snprintf(a->fleet_filter, sizeof a->fleet_filter, "%s", text);
		a->fleet_sel = 0;
		return;
	}
	if (a->tab == TAB_DRIFT) {
		snprintf(a->drift_filter, sizeof a->drift_filter, "%s", text);
		a->drift_sel = a->drift_top = 0;
		return;
	}
	snprintf(a->alerts_search, sizeof a->alerts_search, "%s", text);
	a->alerts_top = a->alerts_sel = 0;
}

int
app_prompt_key(struct app *a, int ch)
{
	size_t n = strlen(a->input);
	enum prompt_kind kind = a->prompt;
	char *end;
	long long id;

	if (kind == PROMPT_SILENCE)
		return mute_silence_key(a, ch);
	if (ch == 27) {			/* Esc: cancel */
		a->prompt = PROMPT_NONE;
		if (kind == PROMPT_SEARCH)
			app_search_set(a, "");
		return VIEW_RESCAN;
	}
	if (ch == '\n' || ch == '\r') {
		a->prompt = PROMPT_NONE;
		if (kind == PROMPT_GOTO && n > 0) {
			id = strtoll(a->input, &end, 10);
			if (*end != '\0') {
				snprintf(a->note, sizeof a->note,
				    "not a batch id: %.40s", a->input);
				return VIEW_REDRAW;
			}
			a->calib_batch = query_batch_step(a->q, id, 0);
			if (a->calib_batch != id)
				snprintf(a->note, sizeof a->note, "no batch "
				    "%lld; showing the nearest", id);
		}
		return VIEW_RESCAN;
	}
	if (ch == 8 || ch == 127) {
		if (n > 0)
			a->input[n - 1] = '\0';
	} else if (ch >= 0x20 && ch < 0x7F && n + 1 < sizeof a->input) {
		if (kind == PROMPT_GOTO && (ch < '0' || ch > '9') && ch != '-')
			return VIEW_HANDLED;
		a->input[n] = (char)ch;
		a->input[n + 1] = '\0';
	} else
		return VIEW_HANDLED;
	if (kind == PROMPT_SEARCH && a->tab == TAB_FLEET) {
		app_search_set(a, a->input);
		return VIEW_REDRAW;
	}
	if (kind == PROMPT_SEARCH) {	/* incremental */
		app_search_set(a, a->input);
		return VIEW_RESCAN;
	}
	return VIEW_REDRAW;
}

/*
 * Mouse (htop's small mask): a click on a tab label switches tab, the
 * wheel does what Up / Down do on the current tab (feature in Drift,
 * scroll in Alerts, batch in Calibration). A click closes the help.
 */
int
app_mouse(struct app *a, int x, int y, enum mouse_kind kind)
{
	int t;

	if (a->prompt != PROMPT_NONE)
		return VIEW_IGNORED;
	if (a->help) {
		if (kind != MOUSE_CLICK)
			return VIEW_IGNORED;
		a->help = false;
		return VIEW_REDRAW;
	}
	if (app_too_small(a->body.w, a->body.h + 3))
		return VIEW_IGNORED;
	switch (kind) {
	case MOUSE_CLICK:
		if (y != 0 || x >= a->body.w || (t = app_tab_at(x)) == -1)
			return VIEW_IGNORED;
		a->note[0] = '\0';
		if (t == a->tab)
			return VIEW_HANDLED;
		a->tab = t;
		return VIEW_RESCAN;
	case MOUSE_WHEEL_UP:
		return app_key(a, ACT_UP);
	case MOUSE_WHEEL_DOWN:
		return app_key(a, ACT_DOWN);
	}
	return VIEW_IGNORED;
}
