/* severity: the one table of names, both ways, and its bounds. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/severity.h"

START_TEST(severity_table)
{
	static const struct {
		enum severity	 s;
		const char	*name;
	} rows[] = {
		{ SEVERITY_INFO, "info" },
		{ SEVERITY_WARNING, "warning" },
		{ SEVERITY_CRITICAL, "critical" },
		{ SEVERITY_OFF, "off" },
	};
	enum severity got;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		ck_assert_str_eq(severity_name(rows[i].s), rows[i].name);
		ck_assert(severity_parse(rows[i].name, SEVERITY_INFO,
		    SEVERITY_OFF, &got));
		ck_assert_int_eq(got, rows[i].s);
	}
	ck_assert_str_eq(severity_name((enum severity)-1), "?");
	ck_assert_str_eq(severity_name((enum severity)4), "?");
}
END_TEST

START_TEST(severity_parse_range)
{
	enum severity got = SEVERITY_OFF;

	/* Only first..last: the config's minimum has no "info". */
	ck_assert(!severity_parse("info", SEVERITY_WARNING, SEVERITY_OFF,
	    &got));
	ck_assert_int_eq(got, SEVERITY_OFF);	/* untouched */
	ck_assert(!severity_parse("Critical", SEVERITY_INFO, SEVERITY_OFF,
	    &got));
	ck_assert(!severity_parse("", SEVERITY_INFO, SEVERITY_OFF, &got));
	ck_assert(severity_parse("critical", SEVERITY_WARNING,
	    SEVERITY_CRITICAL, &got));
	ck_assert_int_eq(got, SEVERITY_CRITICAL);
	ck_assert(!severity_parse("off", SEVERITY_WARNING, SEVERITY_CRITICAL,
	    &got));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("severity");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, severity_table);
	tcase_add_test(tc, severity_parse_range);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
