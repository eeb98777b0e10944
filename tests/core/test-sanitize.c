/* sanitize: the one cleaner (escapes, bidi, invalid UTF-8, cuts). */
#include <check.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"

/* U+FFFD, what each invalid byte becomes. */
#define R "\xef\xbf\xbd"

START_TEST(sanitize_table)
{
	static const struct {
		const char	*in;
		size_t		 max;
		const char	*out;
	} rows[] = {
		{ "plain", SIZE_MAX, "plain" },
		/* OSC 52 (clipboard write), CSI, BEL: the payload stays,
		 * inert, without its ESC and BEL. */
		{ "f\x1b]52;c;aGk=\x07x", SIZE_MAX, "f]52;c;aGk=x" },
		{ "\x1b[2J\x1b[31mred", SIZE_MAX, "[2J[31mred" },
		{ "c1 \xc2\x9b" "31m", SIZE_MAX, "c1 31m" },
		{ "bidi \xe2\x80\xae" "evil\xe2\x81\xa6", SIZE_MAX,
		    "bidi evil" },
		{ "tab\there\r\nx", SIZE_MAX, "tab here  x" },
		{ "bad\xff", SIZE_MAX, "bad" R },
		{ "cut\xe2\x82", SIZE_MAX, "cut" R R },
		{ "abcdefghij", 8, "abcde..." },
		{ "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 6, "\xc3\xa9..." },
		{ "", 4, "" },
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		s = sanitize_dup(rows[i].in, rows[i].max);
		ck_assert_msg(strcmp(s, rows[i].out) == 0, "row %zu: '%s'",
		    i, s);
		free(s);
	}
}
END_TEST

START_TEST(sanitize_into_cuts_on_boundary)
{
	char out[4];

	ck_assert_uint_eq(sanitize_into("\xc3\xa9\xc3\xa9", out, sizeof out),
	    2);
	ck_assert_str_eq(out, "\xc3\xa9");
	ck_assert_uint_eq(sanitize_into(NULL, out, sizeof out), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(sanitize_valid_table)
{
	static const struct {
		const char	*in;
		bool		 ok;
	} rows[] = {
		{ "plain ascii, longer than eight bytes", true },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", true },
		{ "12345678\xc3", false },	/* cut after the fast path */
		{ "\xc0\xaf", false },			/* overlong */
		{ "\xe0\x80\xaf", false },		/* overlong, 3 bytes */
		{ "\xed\xa0\x80", false },		/* surrogate */
		{ "\xf4\x90\x80\x80", false },		/* > U+10FFFF */
		{ "\xef\xbb\xbf{}", true },	/* a BOM is valid text */
		{ "", true },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		ck_assert_msg(sanitize_valid((const unsigned char *)rows[i].in,
		    strlen(rows[i].in)) == rows[i].ok, "row %zu", i);
}
END_TEST

static char *
format(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = sanitize_vformat(fmt, ap);
	va_end(ap);
	return s;
}

START_TEST(sanitize_format_whole_line)
{
	char *s = format("%s:%d: %s", "in\x1b]0;t\x07.ndjson", 3, "bad\x9b");

	ck_assert_str_eq(s, "in]0;t.ndjson:3: bad" R);
	free(s);
}
END_TEST

static Suite *
sanitize_suite(void)
{
	Suite *s = suite_create("sanitize");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sanitize_table);
	tcase_add_test(tc, sanitize_into_cuts_on_boundary);
	tcase_add_test(tc, sanitize_format_whole_line);
	tcase_add_test(tc, sanitize_valid_table);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sanitize_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
