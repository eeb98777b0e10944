/*
 * The fixture of the store's Check suites (fixture.h): one temp dir per
 * test under /tmp, removed with everything in it (its mode restored
 * first: a test may make it read-only).
 */
#include "fixture.h"

#include <check.h>
#include <math.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/xalloc.h"
#include "db/store.h"

char		*db_path;
char		 db_dir[64];

void
fixture_setup(void)
{
	strcpy(db_dir, "/tmp/mlmon-test-db-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(db_dir));
	db_path = xasprintf("%s/monitoring.db", db_dir);
}

void
fixture_teardown(void)
{
	struct dirent *de;
	DIR *d;
	char *p;

	chmod(db_dir, 0700);
	d = opendir(db_dir);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			p = xasprintf("%s/%s", db_dir, de->d_name);
			unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(db_dir);
	free(db_path);
}

struct store *
open_rw(void)
{
	struct store *s;
	char *cause = NULL;

	s = store_open(db_path, STORE_READ_WRITE, &cause);
	ck_assert_msg(s != NULL, "open: %s", cause);
	return s;
}

long long
q_int(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v = -999;

	ck_assert_int_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

double
q_double(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	double v = NAN;

	ck_assert_int_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static char *
feat_text(int64_t batch, int64_t row)
{
	return xasprintf("[%.17g, %lld, -0.5, 1e-300, %lld]",
	    (double)row / 3.0, (long long)batch, (long long)(row * row));
}

int
add_row(struct store *s, int64_t batch, int64_t row, int label, char **cause)
{
	struct store_prediction p;
	char *f;
	int rc;

	f = feat_text(batch, row);
	memset(&p, 0, sizeof p);
	p.batch_id = batch;
	p.row_in_batch = row;
	p.features_json = f;
	p.scores_json = "[0.25,0.5,0.25]";
	p.predicted_class = (int)(row % 3);
	p.confidence = 0.5;
	p.true_class = label;
	p.logged_at = 0;
	rc = store_prediction_add(s, &p, cause);
	free(f);
	return rc;
}

void
add_batch(struct store *s, int64_t batch, int rows, bool labelled)
{
	char *cause = NULL;
	int i;

	for (i = 0; i < rows; i++)
		ck_assert_msg(add_row(s, batch, i, labelled ? i % 3 : -1,
		    &cause) == 1, "add: %s", cause);
}

int
fixture_main(const char *name, const struct fixture_case *cases, size_t n,
    double timeout)
{
	SRunner *sr;
	Suite *s;
	TCase *tc;
	size_t i;
	int failed;

	s = suite_create(name);
	tc = tcase_create(name);
	tcase_add_checked_fixture(tc, fixture_setup, fixture_teardown);
	tcase_set_timeout(tc, timeout);
	for (i = 0; i < n; i++)
		tcase_add_test(tc, cases[i].test);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
