/* strbuf: appends, growth across many reallocations, take and finish. */
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
	tcase_add_test(tc, strbuf_take_empty);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
