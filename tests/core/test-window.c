/*
 * window: durations and specs, rows and time windows as a state machine.
 * Each scenario is a script of events and ticks with the close decisions
 * expected after each step; the time-window cases are also checked
 * against floor(ts / d) and against a second machine fed a disjoint part
 * of the same stream.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/window.h"

#define S	EVENT_US

static const struct {
	const char	*in;
	bool		 zero_ok;
	int64_t		 us;		/* -1: rejected */
	const char	*cause;
} durations[] = {
	{ "30s", false, 30 * S, NULL },
	{ "5m", false, 300 * S, NULL },
	{ "1h", false, 3600 * S, NULL },
	{ "7d", false, 7 * 86400 * S, NULL },
	{ "0", true, 0, NULL },
	{ "0s", true, 0, NULL },
	{ "0", false, -1, "duration \"0\" is not a count and a unit (30s, "
	    "5m, 1h, 7d)" },
	{ "0s", false, -1, "duration \"0s\" must be longer than 0" },
	{ "5", false, -1, "duration \"5\" is not a count and a unit (30s, "
	    "5m, 1h, 7d)" },
	{ "m", false, -1, "duration \"m\" is not a count and a unit (30s, "
	    "5m, 1h, 7d)" },
	{ "-5m", false, -1, "duration \"-5m\" is not a count and a unit "
	    "(30s, 5m, 1h, 7d)" },
	{ "1.5h", false, -1, "duration \"1.5h\" is not a count and a unit "
	    "(30s, 5m, 1h, 7d)" },
	{ "5w", false, -1, "duration \"5w\" has unit 'w', not s, m, h or d" },
	{ "106751991167d", false, -1, "duration \"106751991167d\" is too "
	    "long" },
	{ "99999999999999999999s", false, -1, "duration "
	    "\"99999999999999999999s\" is too long" },
};

START_TEST(duration_parse)
{
	int64_t	us = -7;
	char	*cause = NULL;
	bool	ok;

	ok = window_duration_parse(durations[_i].in, durations[_i].zero_ok,
	    &us, &cause);
	if (durations[_i].us >= 0) {
		ck_assert_msg(ok, "%s: %s", durations[_i].in, cause);
		ck_assert_int_eq(us, durations[_i].us);
	} else {
		ck_assert_msg(!ok, "%s accepted", durations[_i].in);
		ck_assert_int_eq(us, -7);
		ck_assert_str_eq(cause, durations[_i].cause);
		free(cause);
	}
}
END_TEST

START_TEST(spec_parse)
{
	struct window_spec	w;
	char			*cause = NULL;

	ck_assert(window_spec_parse("rows:200", &w, &cause));
	ck_assert_int_eq(w.kind, WINDOW_ROWS);
	ck_assert_int_eq(w.rows, 200);
	ck_assert(window_spec_parse("time:5m", &w, &cause));
	ck_assert_int_eq(w.kind, WINDOW_TIME);
	ck_assert_int_eq(w.length, 300 * S);
	ck_assert_int_eq(w.idle, 300 * S);
	ck_assert_int_eq(w.lateness, 0);
	ck_assert(!window_spec_parse("rows:0", &w, &cause));
	ck_assert_str_eq(cause, "window \"rows:0\": rows:N needs a whole "
	    "N >= 1");
	free(cause);
	ck_assert(!window_spec_parse("rows:-3", &w, &cause));
	free(cause);
	ck_assert(!window_spec_parse("rows:99999999999999999999", &w,
	    &cause));
	free(cause);
	ck_assert(!window_spec_parse("time:5", &w, &cause));
	ck_assert_str_eq(cause, "duration \"5\" is not a count and a unit "
	    "(30s, 5m, 1h, 7d)");
	free(cause);
	ck_assert(!window_spec_parse("5m", &w, &cause));
	ck_assert_str_eq(cause, "window \"5m\" is neither rows:N nor "
	    "time:DURATION");
	free(cause);
}
END_TEST

/* Drain the close decisions into a "1,2," string. */
static void
closes(struct window *w, char *out, size_t size)
{
	int64_t	b;
	size_t	n = 0;

	out[0] = '\0';
	while (window_next_close(w, &b))
		n += (size_t)snprintf(out + n, size - n, "%lld,",
		    (long long)b);
}

START_TEST(rows_windows)
{
	struct window_spec	spec = { .kind = WINDOW_ROWS, .rows = 3 };
	struct window		w;
	struct window_state	st;
	struct window_place	pl;
	char			got[64];
	int			i;

	window_init(&w, &spec);
	for (i = 0; i < 7; i++) {
		pl = window_add(&w, 0, 0);
		ck_assert_int_eq(pl.batch, i / 3);
		ck_assert(!pl.late);
		closes(&w, got, sizeof got);
		ck_assert_str_eq(got, i == 2 ? "0," : i == 5 ? "1," : "");
	}
	/* A restart continues the counter inside batch 2. */
	st = w.st;
	window_finish(&w);
	window_init(&w, &spec);
	window_restore(&w, &st, 0);
	pl = window_add(&w, 0, 0);
	ck_assert_int_eq(pl.batch, 2);
	/* End of input closes the partial batch; the next run starts 3. */
	window_close_all(&w);
	closes(&w, got, sizeof got);
	ck_assert_str_eq(got, "2,");
	pl = window_add(&w, 0, 0);
	ck_assert_int_eq(pl.batch, 3);
	ck_assert_int_eq(window_deadline(&w), -1);
	window_finish(&w);
}
END_TEST

/* One step of a time-window script. */
struct step {
	char		 op;		/* 'e' event, 't' tick, 'c' close all */
	int64_t		 ts;		/* event time, s */
	int64_t		 now;		/* caller's clock, s */
	int64_t		 batch;		/* expected, events */
	bool		 late;
	const char	*closes;	/* decisions after the step */
};

static void
run_script(const struct window_spec *spec, const struct step *s, size_t n)
{
	struct window		w;
	struct window_place	pl;
	char			got[128];

	window_init(&w, spec);
	for (size_t i = 0; i < n; i++) {
		if (s[i].op == 'e') {
			pl = window_add(&w, s[i].ts * S, s[i].now * S);
			ck_assert_msg(pl.batch == s[i].batch, "step %zu: "
			    "batch %lld", i, (long long)pl.batch);
			ck_assert_int_eq(pl.batch, s[i].ts * S /
			    spec->length);
			ck_assert_msg(pl.late == s[i].late, "step %zu", i);
		} else if (s[i].op == 't') {
			window_tick(&w, s[i].now * S);
		} else {
			window_close_all(&w);
		}
		closes(&w, got, sizeof got);
		ck_assert_msg(strcmp(got, s[i].closes) == 0,
		    "step %zu: closed \"%s\", expected \"%s\"", i, got,
		    s[i].closes);
	}
	window_finish(&w);
}

START_TEST(time_in_order_and_idle)
{
	/* 10 s windows, no lateness, idle 10 s. */
	struct window_spec spec = { .kind = WINDOW_TIME, .length = 10 * S,
	    .idle = 10 * S };
	static const struct step s[] = {
		{ 'e', 100, 1000, 10, false, "" },
		{ 'e', 109, 1001, 10, false, "" },
		{ 'e', 110, 1002, 11, false, "10," },	/* at its end */
		{ 'e', 105, 1003, 10, true, "" },	/* late: stored */
		/* A late event is an arrival too: idle counts from it. */
		{ 't', 0, 1012, 0, false, "" },		/* 9 s quiet */
		{ 't', 0, 1013, 0, false, "11," },	/* idle gap */
		{ 'e', 111, 1014, 11, true, "" },
		{ 'e', 250, 1015, 25, false, "" },	/* gap of windows */
		{ 'e', 260, 1016, 26, false, "25," },	/* one row in 25 */
		{ 'c', 0, 0, 0, false, "26," },
		{ 'e', 261, 1017, 26, true, "" },
	};

	run_script(&spec, s, sizeof s / sizeof s[0]);
}
END_TEST

START_TEST(time_out_of_order_with_lateness)
{
	/* 10 s windows, 15 s lateness: two windows open at once. */
	struct window_spec spec = { .kind = WINDOW_TIME, .length = 10 * S,
	    .lateness = 15 * S, .idle = 0 };
	static const struct step s[] = {
		{ 'e', 12, 0, 1, false, "" },
		{ 'e', 8, 0, 0, false, "" },		/* out of order */
		{ 'e', 25, 0, 2, false, "0," },		/* 25 >= 10 + 15 */
		{ 'e', 7, 0, 0, true, "" },		/* too late */
		{ 'e', 24, 0, 2, false, "" },
		{ 'e', 34, 0, 3, false, "" },		/* 34 < 20 + 15 */
		{ 'e', 35, 0, 3, false, "1," },		/* 35 >= 20 + 15 */
		{ 'e', 19, 0, 1, true, "" },
		{ 'e', 28, 0, 2, false, "" },		/* still on time */
		{ 't', 0, 999999, 0, false, "" },	/* idle off */
		{ 'e', 9999, 0, 999, false, "2,3," },
		{ 'c', 0, 0, 0, false, "999," },
	};

	run_script(&spec, s, sizeof s / sizeof s[0]);
}
END_TEST

START_TEST(time_extremes)
{
	/* The largest ts and a window longer than all of time. */
	struct window_spec spec = { .kind = WINDOW_TIME,
	    .length = INT64_MAX / 2, .lateness = INT64_MAX / 2,
	    .idle = INT64_MAX };
	struct window		w;
	struct window_place	pl;
	int64_t			b;

	window_init(&w, &spec);
	pl = window_add(&w, EVENT_TS_MAX, INT64_MAX - 5);
	ck_assert_int_eq(pl.batch, 0);
	ck_assert_int_eq(window_deadline(&w), INT64_MAX);
	window_tick(&w, INT64_MAX);
	ck_assert(window_next_close(&w, &b));
	ck_assert_int_eq(b, 0);
	window_finish(&w);

	spec.length = 1;
	spec.lateness = 0;
	window_init(&w, &spec);
	pl = window_add(&w, EVENT_TS_MAX, 0);
	ck_assert_int_eq(pl.batch, EVENT_TS_MAX);
	pl = window_add(&w, 0, 0);
	ck_assert(pl.late);
	window_close_all(&w);
	ck_assert(window_next_close(&w, &b));
	ck_assert_int_eq(b, EVENT_TS_MAX);
	window_finish(&w);
}
END_TEST

START_TEST(time_two_processes_agree)
{
	/* Disjoint halves of one stream give the same batch ids. */
	struct window_spec spec = { .kind = WINDOW_TIME, .length = 30 * S,
	    .idle = 30 * S };
	struct window		a, b;
	struct window_place	pa, pb;
	int64_t			ts;
	unsigned		x = 12345;

	window_init(&a, &spec);
	window_init(&b, &spec);
	for (int i = 0; i < 10000; i++) {
		x = x * 1103515245u + 12345u;
		ts = INT64_C(1796541130000000) + (int64_t)(x % 7200000) * 1000;
		if (i % 2 == 0) {
			pa = window_add(&a, ts, i);
			ck_assert_int_eq(pa.batch, ts / (30 * S));
		} else {
			pb = window_add(&b, ts, i);
			ck_assert_int_eq(pb.batch, ts / (30 * S));
		}
	}
	window_finish(&a);
	window_finish(&b);
}
END_TEST

START_TEST(time_restore)
{
	struct window_spec spec = { .kind = WINDOW_TIME, .length = 10 * S,
	    .idle = 10 * S };
	struct window_state	st = { .frontier = 5, .max_ts = 55 * S };
	struct window		w;
	struct window_place	pl;
	int64_t			b;

	window_init(&w, &spec);
	window_restore(&w, &st, 1000 * S);
	window_reopen(&w, 5);
	pl = window_add(&w, 41 * S, 1001 * S);
	ck_assert(pl.late);
	ck_assert_int_eq(window_deadline(&w), 1011 * S);
	window_tick(&w, 1010 * S);
	ck_assert(!window_next_close(&w, &b));
	window_tick(&w, 1011 * S);
	ck_assert(window_next_close(&w, &b));
	ck_assert_int_eq(b, 5);
	ck_assert(!window_next_close(&w, &b));
	ck_assert_int_eq(window_deadline(&w), -1);
	window_finish(&w);
}
END_TEST

#define N(a)	((int)(sizeof (a) / sizeof (a)[0]))

int
main(void)
{
	Suite	*s = suite_create("window");
	TCase	*tc = tcase_create("window");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, duration_parse, 0, N(durations));
	tcase_add_test(tc, spec_parse);
	tcase_add_test(tc, rows_windows);
	tcase_add_test(tc, time_in_order_and_idle);
	tcase_add_test(tc, time_out_of_order_with_lateness);
	tcase_add_test(tc, time_extremes);
	tcase_add_test(tc, time_two_processes_agree);
	tcase_add_test(tc, time_restore);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
