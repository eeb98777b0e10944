/*
 * The live console against the fixture store (test-console,
 * console-test.h): mouse coordinates to actions, highlights of what just
 * arrived (alerts marked by id, whatever commits land between the
 * refresh's reads), the stale-data badge. The clock is frozen and timers
 * run on app.mono, which the tests set by hand.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "console-test.h"
#include "db/fixture.h"
#include "fixture.h"
#include "tui/app.h"
#include "tui/console.h"
#include "tui/export.h"
#include "tui/glyphs.h"
#include "tui/options.h"
#include "tui/snapshot.h"

/* ---- mouse ---- */

START_TEST(tab_at_matches_the_drawn_bar)
{
	static const char *const labels[TAB_COUNT] = {
		"Overview [1]", "Drift [2]", "Calibration [3]", "Alerts [4]",
		"Fleet [0]",
	};
	struct canvas c;
	struct app a;
	const char *row, *p;
	int t, x, want;

	write_fixture(1, 20, 16);
	open_app(&a, NULL, 100, 30);
	canvas_init(&c, 100, 30);
	app_draw(&a, &c);
	row = row_text(&c, 0);
	for (x = 0; x < 100; x++) {
		want = -1;
		for (t = 0; t < TAB_COUNT; t++) {
			p = strstr(row, labels[t]);
			ck_assert_ptr_nonnull(p);
			/* The marker column before the label counts too. */
			if (x >= p - row - 1 && x < p - row +
			    (int)strlen(labels[t]))
				want = t;
		}
		ck_assert_msg(app_tab_at(x) == want, "x %d: %d want %d", x,
		    app_tab_at(x), want);
	}
	canvas_finish(&c);
	app_finish(&a);
}
END_TEST

START_TEST(mouse_table)
{
	static const struct {
		int		 tab;		/* before */
		enum mouse_kind	 kind;
		int		 x, y;
		int		 mask;
		int		 tab_after;
		int		 drift_sel;	/* after, -1 unchecked */
		int		 alerts_sel;
		int		 calib_batch;
	} rows[] = {
		/* Tab labels on row 0 switch; the separator does not. */
		{ 0, MOUSE_CLICK, 20, 0, VIEW_RESCAN, 1, -1, -1, -1 },
		{ 0, MOUSE_CLICK, 30, 0, VIEW_RESCAN, 2, -1, -1, -1 },
		{ 2, MOUSE_CLICK, 50, 0, VIEW_RESCAN, 3, -1, -1, -1 },
		{ 3, MOUSE_CLICK, 0, 0, VIEW_RESCAN, 0, -1, -1, -1 },
		{ 1, MOUSE_CLICK, 20, 0, VIEW_HANDLED, 1, -1, -1, -1 },
		{ 0, MOUSE_CLICK, 13, 0, VIEW_IGNORED, 0, -1, -1, -1 },
		{ 0, MOUSE_CLICK, 70, 0, VIEW_IGNORED, 0, -1, -1, -1 },
		{ 0, MOUSE_CLICK, 20, 5, VIEW_IGNORED, 0, -1, -1, -1 },
		/* The wheel is Up / Down for the tab. */
		{ 1, MOUSE_WHEEL_DOWN, 10, 10, VIEW_REDRAW, 1, 1, -1, -1 },
		{ 1, MOUSE_WHEEL_UP, 10, 10, VIEW_REDRAW, 1, 0, -1, -1 },
		/* In Alerts it moves the selected alert (a, S, u act on). */
		{ 3, MOUSE_WHEEL_DOWN, 10, 10, VIEW_REDRAW, 3, -1, 1, -1 },
		{ 3, MOUSE_WHEEL_UP, 10, 10, VIEW_REDRAW, 3, -1, 0, -1 },
		{ 2, MOUSE_WHEEL_UP, 10, 10, VIEW_RESCAN, 2, -1, -1, 15 },
		{ 2, MOUSE_WHEEL_DOWN, 10, 10, VIEW_RESCAN, 2, -1, -1, 17 },
		{ 0, MOUSE_WHEEL_DOWN, 10, 10, VIEW_IGNORED, 0, -1, -1, -1 },
	};
	struct app a;
	size_t i;
	int mask;

	write_fixture(1, 20, 16);
	/* 16 rows: 11 alert rows of 14, so the feed can scroll. */
	open_app(&a, NULL, 80, 16);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		a.tab = rows[i].tab;
		a.drift_sel = rows[i].drift_sel == 0 ? 1 : 0;
		a.alerts_top = 0;
		a.alerts_sel = rows[i].alerts_sel == 0 ? 1 : 0;
		a.calib_batch = 16;
		ck_assert_int_eq(app_load(&a, 80, 16), 0);
		mask = app_mouse(&a, rows[i].x, rows[i].y, rows[i].kind);
		ck_assert_msg(mask == rows[i].mask, "row %zu: mask %#x", i,
		    mask);
		ck_assert_msg(a.tab == rows[i].tab_after, "row %zu: tab %d",
		    i, a.tab);
		if (rows[i].drift_sel != -1)
			ck_assert_int_eq(a.drift_sel, rows[i].drift_sel);
		if (rows[i].alerts_sel != -1)
			ck_assert_int_eq(a.alerts_sel, rows[i].alerts_sel);
		if (rows[i].calib_batch != -1)
			ck_assert_int_eq(a.calib_batch, rows[i].calib_batch);
	}
	/* The help takes a click to close and ignores the wheel. */
	a.tab = 0;
	a.help = true;
	ck_assert_int_eq(app_mouse(&a, 1, 1, MOUSE_WHEEL_DOWN), VIEW_IGNORED);
	ck_assert_int_eq(app_mouse(&a, 20, 0, MOUSE_CLICK), VIEW_REDRAW);
	ck_assert(!a.help);
	ck_assert_int_eq(a.tab, 0);
	/* A prompt being typed ignores the mouse. */
	a.prompt = PROMPT_SEARCH;
	ck_assert_int_eq(app_mouse(&a, 20, 0, MOUSE_CLICK), VIEW_IGNORED);
	a.prompt = PROMPT_NONE;
	/* Too small a frame: nothing is where it would be. */
	ck_assert_int_eq(app_load(&a, 40, 10), 0);
	ck_assert_int_eq(app_mouse(&a, 20, 0, MOUSE_CLICK), VIEW_IGNORED);
	app_finish(&a);
}
END_TEST

/* ---- highlight ---- */

/* Cells on row y in role r. */
static int
row_role(const struct canvas *c, int y, enum role r)
{
	int x, n = 0;

	for (x = 0; x < c->w; x++)
		n += canvas_at(c, x, y)->role == r;
	return n;
}

START_TEST(highlight_new_batches_and_alerts)
{
	const char *const none[] = { "--no-highlight", NULL };
	struct canvas c;
	struct app a, b;
	int y, marked = 0;

	write_fixture(1, 10, 10);
	open_app(&a, NULL, 100, 30);
	open_app(&b, none, 100, 30);
	/* The first look is the baseline: nothing is new. */
	ck_assert_int_eq(app_track_changes(&a), 0);
	ck_assert_int_eq(app_track_changes(&b), 0);
	canvas_init(&c, 100, 30);
	app_draw(&a, &c);
	ck_assert_int_eq(count_role(&c, ROLE_NEW), 0);
	ck_assert(app_next_expiry(&a) == 0);

	/* Two batches and their alerts arrive (seen once told of). */
	write_fixture(11, 12, 10);
	a.mono = b.mono = 2000;
	ck_assert_int_eq(fixture_refresh(a.q), 1);
	ck_assert_int_eq(fixture_refresh(b.q), 1);
	ck_assert_int_eq(app_track_changes(&a), 0);
	ck_assert_int_eq(app_track_changes(&b), 0);
	ck_assert_int_eq(app_load(&a, 100, 30), 0);
	ck_assert_int_eq(app_load(&b, 100, 30), 0);
	app_draw(&a, &c);
	/* "Latest batch 12" on the overview, in reverse. */
	ck_assert_ptr_nonnull(strstr(row_text(&c, 2), "Latest batch 12"));
	ck_assert_int_eq(canvas_at(&c, 0, 2)->role, ROLE_NEW);
	ck_assert_int_eq(row_role(&c, 2, ROLE_NEW), 15);
	/* The new alerts (batches 11, 12) marked, the old ones not. */
	for (y = 2; y < 29; y++) {
		const char *t = row_text(&c, y);

		/* " b12   " in the batch column; messages say "Batch 12". */
		if (strstr(t, "b12 ") != NULL || strstr(t, "b11 ") != NULL) {
			ck_assert_msg(canvas_at(&c, 6, y)->ch == '*', "%s", t);
			ck_assert_int_eq(canvas_at(&c, 10, y)->role, ROLE_NEW);
			marked++;
		} else if (strstr(t, "b10 ") != NULL) {
			ck_assert_int_eq(canvas_at(&c, 6, y)->ch, ' ');
			ck_assert_int_eq(row_role(&c, y, ROLE_NEW), 0);
		}
	}
	ck_assert_int_gt(marked, 0);
	ck_assert(app_next_expiry(&a) == 2000 + HIGHLIGHT_SECONDS);
	/* The Alerts tab marks the same rows. */
	a.tab = TAB_ALERTS;
	ck_assert_int_eq(app_load(&a, 100, 30), 0);
	app_draw(&a, &c);
	ck_assert_int_eq(canvas_at(&c, 6, 4)->ch, '*');
	ck_assert_int_eq(canvas_at(&c, 30, 4)->role, ROLE_NEW);
	/* A few seconds later, all plain again. */
	a.mono = 2000 + HIGHLIGHT_SECONDS + 0.01;
	app_draw(&a, &c);
	ck_assert_int_eq(count_role(&c, ROLE_NEW), 0);
	ck_assert_int_eq(canvas_at(&c, 6, 4)->ch, ' ');
	ck_assert(app_next_expiry(&a) == 0);
	/* --no-highlight: never. */
	app_draw(&b, &c);
	ck_assert_int_eq(count_role(&c, ROLE_NEW), 0);
	canvas_finish(&c);
	app_finish(&a);
	app_finish(&b);
}
END_TEST

/*
 * Alerts of batches >= from are marked new in a, every other alert not;
 * how many are new.
 */
static int
assert_new_from(const struct app *a, int from)
{
	char sql[128], ids[4096], *p, *end;
	long long id;
	int fresh, n = 0;

	for (fresh = 0; fresh < 2; fresh++) {
		snprintf(sql, sizeof sql, "SELECT id FROM alerts"
		    " WHERE batch_id %s %d ORDER BY id", fresh ? ">=" : "<",
		    from);
		snprintf(ids, sizeof ids, "%s", q_text(sql));
		for (p = ids; *p != '\0'; p = *end == ',' ? end + 1 : end) {
			id = strtoll(p, &end, 10);
			ck_assert_ptr_ne(end, p);
			ck_assert_msg(app_alert_is_new(a, id) == (fresh == 1),
			    "alert %lld of the %s", id, fresh ? "new" : "old");
			n += fresh;
		}
	}
	return n;
}

/*
 * The overview's read and the read of the alerts that arrived are two
 * reads: a commit between them (here batch 12's two alerts, after the
 * refresh read batch 11's one) must leave no new alert unmarked.
 */
START_TEST(highlight_commit_between_reads)
{
	struct app a;

	write_fixture(1, 10, 10);
	open_app(&a, NULL, 100, 30);
	ck_assert_int_eq(app_track_changes(&a), 0);
	ck_assert_int_eq(assert_new_from(&a, 11), 0);
	write_fixture(11, 11, 10);
	a.mono = 2000;
	ck_assert_int_eq(fixture_refresh(a.q), 1);
	write_fixture(12, 12, 10);	/* after the overview's read */
	ck_assert_int_eq(app_track_changes(&a), 0);
	ck_assert_int_eq(assert_new_from(&a, 11), 3);
	/* The next refresh reads batch 12: nothing more is new. */
	a.mono = 2001;
	ck_assert_int_eq(fixture_refresh(a.q), 1);
	ck_assert_int_eq(app_track_changes(&a), 0);
	ck_assert_int_eq(assert_new_from(&a, 11), 3);
	ck_assert(app_next_expiry(&a) == 2000 + HIGHLIGHT_SECONDS);
	app_finish(&a);
}
END_TEST

/*
 * An old alert deleted (as --retain-reports does) and a new one written
 * between two refreshes leave the count as it was: the new one is
 * marked all the same.
 */
START_TEST(highlight_alert_count_unchanged)
{
	struct app a;
	long long n;

	write_fixture(1, 10, 10);
	open_app(&a, NULL, 100, 30);
	ck_assert_int_eq(app_track_changes(&a), 0);
	n = q_int("SELECT count(*) FROM alerts");
	q_exec("DELETE FROM alerts WHERE id = (SELECT min(id) FROM alerts)");
	write_fixture(11, 11, 10);
	ck_assert_int_eq(q_int("SELECT count(*) FROM alerts"), n);
	a.mono = 2000;
	ck_assert_int_eq(fixture_refresh(a.q), 1);
	ck_assert_int_eq(query_overview(a.q)->n_alerts, n);
	ck_assert_int_eq(app_track_changes(&a), 0);
	ck_assert_int_eq(assert_new_from(&a, 11), 1);
	app_finish(&a);
}
END_TEST

START_TEST(once_never_highlights)
{
	struct app a;
	struct options o;
	char *argv[] = { "mlmon-top", "--db", NULL, "--once", NULL };
	char *cause = NULL;

	write_fixture(1, 20, 16);
	argv[2] = db_target;
	ck_assert_int_eq(options_parse(4, argv, &o, stdout, &cause), 0);
	app_init(&a, &o);
	ck_assert(!a.highlight);
	app_finish(&a);
}
END_TEST

/* ---- stale badge ---- */

START_TEST(stale_badge_table)
{
	/* The fixture's last write is at NOW - 58 s, 22:34:02 UTC. */
	static const struct {
		double		 age;
		int		 delay;		/* tenths */
		bool		 stale;
		const char	*text;
	} rows[] = {
		{ 58, 10, false, "last write 22:34:02 (58s ago)" },
		{ 59.9, 10, false, "last write 22:34:02 (59s ago)" },
		{ 60.1, 10, true, "last write 22:34:02 (1m 00s ago) [STALE]" },
		{ 61, 100, false, "(1m 01s ago)" },	/* 10 x 10 s */
		{ 99.9, 100, false, "(1m 39s ago)" },
		{ 100.1, 100, true, "(1m 40s ago) [STALE]" },
		{ 61, 1, true, "[STALE]" },		/* the 60 s floor */
		{ 3700, 10, true, "(1h 01m ago) [STALE]" },
	};
	struct canvas c;
	struct app a;
	const char *row, *p;
	double last;
	size_t i;
	int w;

	write_fixture(1, 20, 16);
	/* Wide enough for the store's name, the model and the badge. */
	w = (int)strlen(db_target) + 80;
	open_app(&a, NULL, w, 30);
	last = query_overview(a.q)->last_write;
	ck_assert(last == NOW - 58);
	canvas_init(&c, w, 30);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		a.now = last + rows[i].age;
		a.delay = rows[i].delay;
		app_draw(&a, &c);
		row = row_text(&c, 1);
		ck_assert_msg(strstr(row, rows[i].text) != NULL,
		    "row %zu: '%s'", i, row);
		ck_assert_msg((strstr(row, "[STALE]") != NULL) ==
		    rows[i].stale, "row %zu: '%s'", i, row);
		p = strstr(row, "last write");
		ck_assert_int_eq(canvas_at(&c, (int)(p - row), 1)->role,
		    rows[i].stale ? ROLE_BAD : ROLE_NORMAL);
	}
	canvas_finish(&c);
	app_finish(&a);
}
END_TEST

size_t
console_live_cases(struct fixture_case *cases, size_t n)
{
	cases[n++] = (struct fixture_case){ tab_at_matches_the_drawn_bar,
	    NULL };
	cases[n++] = (struct fixture_case){ mouse_table, NULL };
	cases[n++] = (struct fixture_case){ highlight_new_batches_and_alerts,
	    NULL };
	cases[n++] = (struct fixture_case){ highlight_commit_between_reads,
	    NULL };
	cases[n++] = (struct fixture_case){ highlight_alert_count_unchanged,
	    NULL };
	cases[n++] = (struct fixture_case){ once_never_highlights, NULL };
	cases[n++] = (struct fixture_case){ stale_badge_table, NULL };
	return n;
}
