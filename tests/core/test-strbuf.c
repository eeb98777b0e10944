/*
 * strbuf: appends, growth across many reallocations, reserving room,
 * take and finish.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

START_TEST(strbuf_appends)
{
	struct strbuf b = STRBUF_INIT;
	char *s;

	strbuf_addf(&b, "%s-%d", "a", 1);
	strbuf_add(&b, "xyz", 2);
	strbuf_addf(&b, "%s", "");
	ck_assert_str_eq(b.s, "a-1xy");
	ck_assert_uint_eq(b.len, 5);
	s = strbuf_take(&b);
	ck_assert_str_eq(s, "a-1xy");
	ck_assert_ptr_null(b.s);
	free(s);
}
END_TEST

START_TEST(strbuf_grows)
{
	struct strbuf b = STRBUF_INIT;
	size_t i;

	for (i = 0; i < 10000; i++)
		strbuf_addf(&b, "%zu,", i % 10);
	ck_assert_uint_eq(b.len, 20000);
	ck_assert_uint_eq(strlen(b.s), 20000);
	ck_assert(strncmp(b.s + 19990, "5,6,7,8,9,", 10) == 0);
	strbuf_finish(&b);
	ck_assert_ptr_null(b.s);
}
END_TEST

/*
 * A reserve holds what was written, leaves an empty buffer a string, and
 * makes room for exactly that many bytes: appends up to it keep the
 * buffer where it is (no reallocation), one more byte moves past it.
 */
START_TEST(strbuf_reserves)
{
	struct strbuf b = STRBUF_INIT;
	const char *at;
	char *s;
	int i;

	strbuf_reserve(&b, 0);
	ck_assert_ptr_nonnull(b.s);
	ck_assert_str_eq(b.s, "");
	strbuf_add(&b, "ab", 2);
	strbuf_reserve(&b, 100);
	ck_assert_str_eq(b.s, "ab");
	ck_assert_uint_eq(b.cap, 2 + 100 + 1);
	strbuf_reserve(&b, 50);		/* already room: nothing changes */
	ck_assert_uint_eq(b.cap, 103);
	at = b.s;
	for (i = 0; i < 100; i++)
		strbuf_add(&b, "c", 1);
	ck_assert_ptr_eq(b.s, at);
	ck_assert_uint_eq(b.len, 102);
	strbuf_add(&b, "d", 1);
	ck_assert_uint_gt(b.cap, 103);
	s = strbuf_take(&b);
	ck_assert_uint_eq(strlen(s), 103);
	ck_assert_int_eq(memcmp(s, "abc", 3), 0);
	ck_assert_int_eq(s[102], 'd');
	free(s);
}
END_TEST

START_TEST(strbuf_take_empty)
{
	struct strbuf b = STRBUF_INIT;
	char *s = strbuf_take(&b);

	ck_assert_str_eq(s, "");
	free(s);
	strbuf_finish(&b);	/* finishing an empty buffer is harmless */
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("strbuf");
	TCase *tc = tcase_create("strbuf");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, strbuf_appends);
	tcase_add_test(tc, strbuf_grows);
	tcase_add_test(tc, strbuf_reserves);
	tcase_add_test(tc, strbuf_take_empty);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
