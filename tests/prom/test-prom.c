/*
 * prom: label escaping and sample values (tables), and prom_write on a
 * missing store (an error naming it) and on a store with a schema but no
 * batch (nothing), both real SQLite files in a temp dir. The values of a
 * real run against its store are checked by export.sh.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "db/query.h"
#include "db/store.h"
#include "prom/prom.h"

START_TEST(prom_escapes_labels)
{
	static const struct {
		const char *in, *want;
	} rows[] = {
		{ "f0", "f0" },
		{ "", "" },
		{ "a\"b", "a\\\"b" },
		{ "c\\d", "c\\\\d" },
		{ "e\nf", "e\\nf" },
		{ "\\\"\n", "\\\\\\\"\\n" },
		{ "tab\tand space", "tab\tand space" },
		{ "\xc3\xbc", "\xc3\xbc" },
	};
	size_t i;
	char *got;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		got = prom_label_escape(rows[i].in);
		ck_assert_msg(strcmp(got, rows[i].want) == 0,
		    "row %zu: got '%s', want '%s'", i, got, rows[i].want);
		free(got);
	}
}
END_TEST

START_TEST(prom_formats_values)
{
	static const struct {
		double v;
		const char *want;
	} rows[] = {
		{ 0.0, "0" },
		{ 3000.0, "3000" },
		{ 0.975, "0.975" },
		{ 0.1 + 0.2, "0.30000000000000004" },
		{ 9.9502630019356e-21, "9.9502630019356e-21" },
		{ -1.5, "-1.5" },
		{ 1796540688.68167, "1796540688.68167" },
		{ NAN, "NaN" },
		{ INFINITY, "+Inf" },
		{ -INFINITY, "-Inf" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		prom_format_value(rows[i].v, buf);
		ck_assert_msg(strcmp(buf, rows[i].want) == 0,
		    "row %zu: got '%s', want '%s'", i, buf, rows[i].want);
		if (isfinite(rows[i].v))
			ck_assert(strtod(buf, NULL) == rows[i].v);
	}
}
END_TEST

/* prom_write on the store at path, refreshed; its output in *out. */
static int
write_store(const char *path, char **out, char **cause)
{
	struct query *q = query_create(path);
	size_t len = 0;
	FILE *f;
	int rc;

	f = open_memstream(out, &len);
	ck_assert_ptr_nonnull(f);
	query_refresh(q);
	rc = prom_write(q, NULL, f, cause);
	fclose(f);
	query_destroy(q);
	return rc;
}

START_TEST(prom_missing_and_empty_stores)
{
	char dir[] = "/tmp/mlmon-test-prom.XXXXXX", *path, *out, *cause;
	struct store *s;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = xasprintf("%s/none.db", dir);
	ck_assert_int_eq(write_store(path, &out, &cause), -1);
	ck_assert_msg(strstr(cause, "none.db") != NULL, "cause: %s", cause);
	free(cause);
	free(out);

	free(path);
	path = xasprintf("%s/empty.db", dir);
	s = store_open(path, STORE_READ_WRITE, &cause);
	ck_assert_ptr_nonnull(s);
	store_close(s);
	ck_assert_int_eq(write_store(path, &out, &cause), 0);
	ck_assert_str_eq(out, "");
	free(out);

	unlink(path);
	free(path);
	path = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(path), 0);
	free(path);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("prom");
	TCase *tc = tcase_create("prom");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, prom_escapes_labels);
	tcase_add_test(tc, prom_formats_values);
	tcase_add_test(tc, prom_missing_and_empty_stores);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
