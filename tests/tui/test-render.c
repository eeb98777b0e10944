/*
 * Pure render helpers on an off-screen canvas: sanitiser, text clipping
 * and ellipsis, wide characters, sparklines, bars, charts, formatting,
 * option parsing and the too-small frame. No terminal involved.
 */
#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "tui/app.h"
#include "tui/glyphs.h"
#include "tui/options.h"
#include "tui/render.h"

/* Row y of the canvas as UTF-8, trailing blanks trimmed. */
static char *
row_text(const struct canvas *c, int y)
{
	static char buf[4096];

	canvas_row_text(c, y, buf, sizeof buf);
	return buf;
}

START_TEST(sanitize_table)
{
	static const struct {
		const char	*in;
		const char	*out;
	} rows[] = {
		{ "plain", "plain" },
		{ "a\x1b[31mred\x1b[0m", "a[31mred[0m" },
		{ "bell\x07 and\x7f del", "bell and del" },
		{ "tab\there\nnl", "tab here nl" },
		{ "c1 \xc2\x9b" "31m", "c1 31m" },		/* CSI as C1 */
		{ "bad \xff\xfe byte", "bad \xef\xbf\xbd\xef\xbf\xbd byte" },
		{ "overlong \xc0\xaf", "overlong \xef\xbf\xbd\xef\xbf\xbd" },
		{ "bidi \xe2\x80\xae" "evil", "bidi evil" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "", "" },
	};
	char out[128];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		sanitize_into(rows[i].in, out, sizeof out);
		ck_assert_msg(strcmp(out, rows[i].out) == 0,
		    "row %zu: got '%s' want '%s'", i, out, rows[i].out);
	}
	/* Truncation never splits a sequence. */
	sanitize_into("\xc3\xa9\xc3\xa9\xc3\xa9", out, 4);
	ck_assert_str_eq(out, "\xc3\xa9");
}
END_TEST

START_TEST(text_clip_table)
{
	static const struct {
		bool		 utf8;
		int		 maxw;
		const char	*in;
		const char	*want;
	} rows[] = {
		{ true, 10, "short", "short" },
		{ true, 5, "exactly5", "exac\xe2\x80\xa6" },
		{ false, 5, "exactly5", "exac~" },
		{ true, 5, "12345", "12345" },
		{ false, 8, "caf\xc3\xa9 ok", "caf? ok" },
		{ true, 4, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
		    "\xe6\x97\xa5\xe2\x80\xa6" },
		{ true, 0, "gone", "" },
		{ true, 6, "x\x1b]0;t\x07y", "x]0;ty" },
	};
	struct canvas c;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		glyphs_init(rows[i].utf8);
		canvas_init(&c, 20, 1);
		canvas_text(&c, 0, 0, rows[i].maxw, ROLE_NORMAL, rows[i].in);
		ck_assert_msg(strcmp(row_text(&c, 0), rows[i].want) == 0,
		    "row %zu: got '%s' want '%s'", i, row_text(&c, 0),
		    rows[i].want);
		canvas_finish(&c);
	}
	glyphs_init(true);
}
END_TEST

START_TEST(text_clips_at_canvas_edge)
{
	struct canvas c;

	glyphs_init(true);
	canvas_init(&c, 4, 2);
	canvas_text(&c, 2, 0, 100, ROLE_NORMAL, "abcdef");
	ck_assert_str_eq(row_text(&c, 0), "  ab");
	/* A wide char that would straddle the edge is not half drawn. */
	canvas_text(&c, 3, 1, 100, ROLE_NORMAL, "\xe6\x97\xa5");
	ck_assert_str_eq(row_text(&c, 1), "");
	canvas_text(&c, -3, 1, 100, ROLE_NORMAL, "xyzw");
	ck_assert_str_eq(row_text(&c, 1), "w");
	canvas_put(&c, 10, 10, 'x', ROLE_NORMAL);	/* no crash */
	canvas_finish(&c);
}
END_TEST

START_TEST(sparkline_table)
{
	static const double v[] = { 0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, NAN };
	static const struct {
		bool		 utf8;
		int		 w;
		const char	*want;
		enum role	 role_last;	/* of the 0.5 cell */
	} rows[] = {
		{ true, 8, "\xe2\x96\x81\xe2\x96\x82\xe2\x96\x83\xe2\x96\x84"
		    "\xe2\x96\x86\xe2\x96\x88\xe2\x96\x88\xc2\xb7", ROLE_BAD },
		{ false, 8, "__.-+##", ROLE_BAD },
		{ false, 3, "##", ROLE_BAD },	/* newest 3, NaN blank */
	};
	struct bands b = { 0.10, 0.20, false };
	struct canvas c;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		glyphs_init(rows[i].utf8);
		canvas_init(&c, rows[i].w, 1);
		render_sparkline(&c, 0, 0, rows[i].w, v, 8, 1, 0.3, &b,
		    ROLE_NORMAL);
		ck_assert_msg(strcmp(row_text(&c, 0), rows[i].want) == 0,
		    "row %zu: got '%s'", i, row_text(&c, 0));
		ck_assert_int_eq(canvas_at(&c, rows[i].w - 2, 0)->role,
		    rows[i].role_last);
		canvas_finish(&c);
	}
	glyphs_init(true);
}
END_TEST

START_TEST(sparkline_right_aligned_and_bands)
{
	double v[2] = { 0.05, 0.15 };
	struct bands b = { 0.10, 0.20, false };
	struct canvas c;

	glyphs_init(false);
	canvas_init(&c, 6, 1);
	render_sparkline(&c, 0, 0, 6, v, 2, 1, 0.3, &b, ROLE_NORMAL);
	ck_assert_str_eq(row_text(&c, 0), "    _-");
	ck_assert_int_eq(canvas_at(&c, 4, 0)->role, ROLE_GOOD);
	ck_assert_int_eq(canvas_at(&c, 5, 0)->role, ROLE_WARN);
	canvas_finish(&c);
	glyphs_init(true);
}
END_TEST

START_TEST(bands_table)
{
	static const struct {
		struct bands	b;
		double		v;
		enum role	want;
	} rows[] = {
		{ { 0.10, 0.20, false }, 0.05, ROLE_GOOD },
		{ { 0.10, 0.20, false }, 0.10, ROLE_GOOD },
		{ { 0.10, 0.20, false }, 0.15, ROLE_WARN },
		{ { 0.10, 0.20, false }, 0.21, ROLE_BAD },
		{ { 0.05, 0.01, true }, 0.5, ROLE_GOOD },
		{ { 0.05, 0.01, true }, 0.03, ROLE_WARN },
		{ { 0.05, 0.01, true }, 0.001, ROLE_BAD },
		{ { 0.05, 0.01, true }, NAN, ROLE_NORMAL },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		ck_assert_int_eq(bands_role(&rows[i].b, rows[i].v),
		    rows[i].want);
}
END_TEST

START_TEST(bar_table)
{
	static const struct {
		bool		 utf8;
		double		 frac;
		const char	*want;
	} rows[] = {
		{ false, 0.0, "" },
		{ false, 0.5, "##" },
		{ false, 1.0, "####" },
		{ false, 2.0, "####" },
		{ true, 0.5, "\xe2\x96\x88\xe2\x96\x88" },
		{ true, 0.5625, "\xe2\x96\x88\xe2\x96\x88\xe2\x96\x8e" },
		{ true, NAN, "" },
	};
	struct canvas c;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		glyphs_init(rows[i].utf8);
		canvas_init(&c, 4, 1);
		render_bar(&c, 0, 0, 4, rows[i].frac, ROLE_GOOD);
		ck_assert_msg(strcmp(row_text(&c, 0), rows[i].want) == 0,
		    "row %zu: got '%s'", i, row_text(&c, 0));
		canvas_finish(&c);
	}
	glyphs_init(true);
}
END_TEST

START_TEST(chart_draws_inside_its_rect)
{
	double v[4] = { 0, 1, NAN, 0.5 };
	struct chart_series s = { v, 4, 1, ROLE_SERIES1 };
	struct chart_line l = { 0.5, ROLE_REF, "ref" };
	struct canvas c;
	int x, y;

	glyphs_init(false);
	canvas_init(&c, 20, 6);
	canvas_fill(&c, (struct rect){ 0, 0, 20, 6 }, '#', ROLE_NORMAL);
	canvas_fill(&c, (struct rect){ 2, 1, 14, 4 }, ' ', ROLE_NORMAL);
	render_chart(&c, (struct rect){ 2, 1, 14, 4 }, 0, 1, &s, 1, &l, 1);
	/* The frame of '#' around the rect is untouched. */
	for (y = 0; y < 6; y++) {
		for (x = 0; x < 20; x++) {
			if (x >= 2 && x < 16 && y >= 1 && y < 5)
				continue;
			ck_assert_int_eq(canvas_at(&c, x, y)->ch, '#');
		}
	}
	/* 1.0 at the top row, spread to x = 2 of 8 dot columns. */
	ck_assert_str_eq(row_text(&c, 1), "## 1.00|  :     ####");
	ck_assert_int_eq(canvas_at(&c, 10, 1)->role, ROLE_SERIES1);
	ck_assert_str_eq(row_text(&c, 4), "## 0.00|:       ####");
	/* Tiny rects draw nothing and do not crash. */
	render_chart(&c, (struct rect){ 0, 0, 3, 1 }, 0, 1, &s, 1, &l, 1);
	render_chart(&c, (struct rect){ 0, 0, 0, 0 }, 0, 1, &s, 1, &l, 1);
	canvas_finish(&c);
	glyphs_init(true);
}
END_TEST

START_TEST(braille_dots)
{
	glyphs_init(true);
	ck_assert_uint_eq(glyph_dots(0x01), 0x2801);	/* top left */
	ck_assert_uint_eq(glyph_dots(0x08), 0x2840);	/* bottom left */
	ck_assert_uint_eq(glyph_dots(0x80), 0x2880);	/* bottom right */
	ck_assert_uint_eq(glyph_dots(0xff), 0x28ff);
	glyphs_init(false);
	ck_assert_uint_eq(glyph_dots(1), '\'');
	ck_assert_uint_eq(glyph_dots(2), '.');
	ck_assert_uint_eq(glyph_dots(3), ':');
	glyphs_init(true);
}
END_TEST

START_TEST(format_table)
{
	static const struct {
		double		 age;
		const char	*want;
	} ages[] = {
		{ 0, "0s ago" }, { 59.9, "59s ago" }, { 61, "1m 01s ago" },
		{ 3600, "1h 00m ago" }, { 90061, "1d 01h ago" },
		{ -5, "0s ago" },
	};
	static const struct {
		int64_t		 n;
		const char	*want;
	} counts[] = {
		{ 0, "0" }, { 999, "999" }, { 1000, "1,000" },
		{ 1234567, "1,234,567" }, { -1000, "-1,000" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof ages / sizeof ages[0]; i++) {
		format_age(buf, sizeof buf, ages[i].age);
		ck_assert_str_eq(buf, ages[i].want);
	}
	for (i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		format_count(buf, sizeof buf, counts[i].n);
		ck_assert_str_eq(buf, counts[i].want);
	}
}
END_TEST

START_TEST(options_table)
{
	static const struct {
		const char	*args[6];
		int		 rc;
		int		 delay;
		int		 tab;
	} rows[] = {
		{ { "mlmon-top" }, 0, 10, 0 },
		{ { "mlmon-top", "-d", "0.5" }, 0, 5, 0 },
		{ { "mlmon-top", "--delay", "10" }, 0, 100, 0 },
		{ { "mlmon-top", "-d", "0" }, -1, 0, 0 },
		{ { "mlmon-top", "-d", "11" }, -1, 0, 0 },
		{ { "mlmon-top", "-d", "abc" }, -1, 0, 0 },
		{ { "mlmon-top", "-d", "nan" }, -1, 0, 0 },
		{ { "mlmon-top", "-d" }, -1, 0, 0 },
		{ { "mlmon-top", "--once", "--tab", "drift" }, 0, 10, 1 },
		{ { "mlmon-top", "--tab", "4" }, 0, 10, 3 },
		{ { "mlmon-top", "--tab", "nope" }, -1, 0, 0 },
		{ { "mlmon-top", "--width", "0" }, -1, 0, 0 },
		{ { "mlmon-top", "--batch", "-3" }, -1, 0, 0 },
		{ { "mlmon-top", "-n", "x" }, -1, 0, 0 },
		{ { "mlmon-top", "--bogus" }, -1, 0, 0 },
		{ { "mlmon-top", "extra" }, -1, 0, 0 },
		{ { "mlmon-top", "--version" }, 1, 0, 0 },
	};
	struct options o;
	char *cause, *argv[7];
	FILE *null = fopen("/dev/null", "w");
	size_t i;
	int argc, rc;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		for (argc = 0; rows[i].args[argc] != NULL; argc++)
			argv[argc] = (char *)rows[i].args[argc];
		argv[argc] = NULL;
		cause = NULL;
		rc = options_parse(argc, argv, &o, null, &cause);
		ck_assert_msg(rc == rows[i].rc, "row %zu: rc %d", i, rc);
		if (rc == -1) {
			ck_assert_ptr_nonnull(cause);
			free(cause);
		} else if (rc == 0) {
			ck_assert_int_eq(o.delay, rows[i].delay);
			ck_assert_int_eq(o.tab, rows[i].tab);
		}
	}
	fclose(null);
}
END_TEST

START_TEST(too_small_frame)
{
	struct options o;
	struct app a;
	struct canvas c;
	char *cause = NULL;
	char *argv[] = { "mlmon-top", "--db", "/nonexistent/x.db", NULL };

	ck_assert_int_eq(options_parse(3, argv, &o, stdout, &cause), 0);
	glyphs_init(false);
	app_init(&a, &o);
	canvas_init(&c, 30, 8);
	app_draw(&a, &c);
	ck_assert_ptr_nonnull(strstr(row_text(&c, 2),
	    "Terminal size too small"));
	ck_assert_ptr_nonnull(strstr(row_text(&c, 3), "Width = 30"));
	ck_assert_ptr_nonnull(strstr(row_text(&c, 4), "Needed: 60x16"));
	/* The failing numbers are marked bad, the rest is not. */
	ck_assert_int_eq(canvas_at(&c, (30 - 20) / 2 + 8, 3)->role,
	    ROLE_BAD);
	ck_assert_int_eq(canvas_at(&c, (30 - 20) / 2, 3)->role,
	    ROLE_NORMAL);
	/* Every size down to 1x1 draws without touching outside. */
	for (int w = 1; w < 70; w += 7) {
		for (int h = 1; h < 30; h += 5) {
			canvas_resize(&c, w, h);
			app_draw(&a, &c);
		}
	}
	canvas_finish(&c);
	app_finish(&a);
	glyphs_init(true);
}
END_TEST

static Suite *
render_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sanitize_table);
	tcase_add_test(tc, text_clip_table);
	tcase_add_test(tc, text_clips_at_canvas_edge);
	tcase_add_test(tc, sparkline_table);
	tcase_add_test(tc, sparkline_right_aligned_and_bands);
	tcase_add_test(tc, bands_table);
	tcase_add_test(tc, bar_table);
	tcase_add_test(tc, chart_draws_inside_its_rect);
	tcase_add_test(tc, braille_dots);
	tcase_add_test(tc, format_table);
	tcase_add_test(tc, options_table);
	tcase_add_test(tc, too_small_frame);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	/* wcwidth needs a UTF-8 locale for the wide-character rows. */
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "");
	sr = srunner_create(render_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
