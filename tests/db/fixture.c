/*
 * The fixture of the store's Check suites (fixture.h). Every case gets a
 * temp dir under /tmp, removed with everything in it, directories too
 * (its mode restored first: a case may make it read-only). On SQLite the store is a file in
 * it; on PostgreSQL a database of its own, created for the case on the
 * with-pg server (as a copy of template0, its name from the pid of the
 * case's process and a counter) and dropped after it, so cases stay as
 * independent as files in separate directories.
 */
#include "fixture.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/xalloc.h"
#include "db/driver-sqlite.h"
#include "db/driver.h"
#include "db/store.h"

bool		 fixture_pg;
char		*db_target;
char		 db_dir[64];

static const char	*pg_admin;	/* MLMON_TEST_PG: the server's URI */
static char		 pg_db[64];	/* the case's database, or "" */

/* A connection to target, SQLite's with a 5 s busy wait; fails the case. */
static struct db_conn *
conn_open(const char *target, enum db_open_mode mode)
{
	struct db_conn *c;
	char *cause = NULL;

	c = db_open(target, mode, &cause);
	ck_assert_msg(c != NULL, "open %s: %s", target, cause);
	if (db_backend(c) == DB_SQLITE)
		sqlite3_busy_timeout(db_sqlite_handle(c), 5000);
	return c;
}

/* uri with its database name (between "@/" or ":///" and "?") as db. */
static char *
uri_with_db(const char *uri, const char *db)
{
	const char *p, *q;

	p = strstr(uri, "://");
	ck_assert_ptr_nonnull(p);
	p = strchr(p + 3, '/');
	ck_assert_ptr_nonnull(p);
	q = p + strcspn(p, "?");
	return xasprintf("%.*s/%s%s", (int)(p - uri), uri, db, q);
}

/* The case's own database on the server. */
static void
pg_create(void)
{
	static unsigned n;
	struct db_conn *c;
	char *sql;

	snprintf(pg_db, sizeof pg_db, "mlmon_case_%ld_%u", (long)getpid(),
	    n++);
	c = conn_open(pg_admin, DB_OPEN_READ_WRITE);
	sql = xasprintf("CREATE DATABASE %s TEMPLATE template0", pg_db);
	ck_assert_msg(db_exec(c, sql) == 0, "%s: %s", sql, db_errmsg(c));
	free(sql);
	db_close(c);
	db_target = uri_with_db(pg_admin, pg_db);
}

static void
pg_drop(void)
{
	struct db_conn *c;
	char *sql;

	c = conn_open(pg_admin, DB_OPEN_READ_WRITE);
	sql = xasprintf("DROP DATABASE %s WITH (FORCE)", pg_db);
	if (db_exec(c, sql) == -1)
		fprintf(stderr, "fixture: %s: %s\n", sql, db_errmsg(c));
	free(sql);
	db_close(c);
	pg_db[0] = '\0';
}

void
fixture_setup(void)
{
	strcpy(db_dir, "/tmp/mlmon-test-db-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(db_dir));
	if (fixture_pg)
		pg_create();
	else
		db_target = xasprintf("%s/monitoring.db", db_dir);
}

/* path and everything under it (symlinks not followed). */
static void
remove_tree(const char *path)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	char *p;

	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			p = xasprintf("%s/%s", path, de->d_name);
			remove_tree(p);
			free(p);
		}
		closedir(d);
	}
	remove(path);
}

void
fixture_store_drop(void)
{
	static const char *const files[] = { "", "-wal", "-shm" };
	size_t i;
	char *p;

	if (fixture_pg) {
		if (pg_db[0] != '\0')
			pg_drop();
		return;
	}
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		p = xasprintf("%s%s", db_target, files[i]);
		unlink(p);
		free(p);
	}
}

void
fixture_store_new(void)
{
	if (!fixture_pg)
		return;
	if (pg_db[0] != '\0')
		pg_drop();
	free(db_target);
	pg_create();
}

void
fixture_teardown(void)
{
	if (fixture_pg && pg_db[0] != '\0')
		pg_drop();
	chmod(db_dir, 0700);
	remove_tree(db_dir);
	free(db_target);
	db_target = NULL;
}

struct store *
open_rw(void)
{
	struct store *s;
	char *cause = NULL;

	s = store_open(db_target, STORE_READ_WRITE, &cause);
	ck_assert_msg(s != NULL, "open: %s", cause);
	return s;
}

/* sql's first row on a read-only connection of its own: *c, its stmt. */
static struct db_stmt *
q_first(const char *sql, struct db_conn **c, int *rc)
{
	struct db_stmt *st;

	*c = conn_open(db_target, DB_OPEN_READ_ONLY);
	st = db_prepare(*c, sql, 0);
	ck_assert_msg(st != NULL, "%s: %s", sql, db_errmsg(*c));
	*rc = db_step(st);
	ck_assert_msg(*rc != DB_ERROR, "%s: %s", sql, db_errmsg(*c));
	return st;
}

long long
q_int(const char *sql)
{
	struct db_conn *c;
	struct db_stmt *st;
	long long v = -999;
	int rc;

	st = q_first(sql, &c, &rc);
	if (rc == DB_ROW)
		v = db_column_null(st, 0) ? -1 : db_column_int64(st, 0);
	db_finalize(st);
	db_close(c);
	return v;
}

double
q_double(const char *sql)
{
	struct db_conn *c;
	struct db_stmt *st;
	double v = NAN;
	int rc;

	st = q_first(sql, &c, &rc);
	if (rc == DB_ROW && !db_column_null(st, 0))
		v = db_column_double(st, 0);
	db_finalize(st);
	db_close(c);
	return v;
}

const char *
q_text(const char *sql)
{
	static char buf[256];
	struct db_conn *c;
	struct db_stmt *st;
	size_t len = 0;
	int rc;

	buf[0] = '\0';
	st = q_first(sql, &c, &rc);
	for (; rc == DB_ROW; rc = db_step(st)) {
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
		    len > 0 ? "," : "", db_column_null(st, 0) ? "" :
		    db_column_text(st, 0));
		ck_assert_msg(len < sizeof buf, "%s: too long", sql);
	}
	ck_assert_msg(rc == DB_DONE, "%s: %s", sql, db_errmsg(c));
	db_finalize(st);
	db_close(c);
	return buf;
}

int
q_exists(const char *table, const char *column)
{
	struct db_conn *c;
	int rc;

	c = conn_open(db_target, DB_OPEN_READ_ONLY);
	rc = column == NULL ? db_table_exists(c, table) :
	    db_column_exists(c, table, column);
	ck_assert_msg(rc != -1, "%s.%s: %s", table, column == NULL ? "" :
	    column, db_errmsg(c));
	db_close(c);
	return rc;
}

void
q_exec(const char *sql)
{
	struct db_conn *c;

	c = conn_open(db_target, DB_OPEN_READ_WRITE);
	ck_assert_msg(db_exec(c, sql) == 0, "%s: %s", sql, db_errmsg(c));
	db_close(c);
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
	return add_row_id(s, batch, row, label, NULL, cause);
}

int
add_row_id(struct store *s, int64_t batch, int64_t row, int label,
    const struct store_event_id *id, char **cause)
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
	p.event_id = id;
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

/* The backend argv names; -1 with usage on stderr. */
static int
fixture_backend(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 &&
	    strcmp(argv[1], "pg") != 0)) {
		fprintf(stderr, "usage: %s sqlite|pg\n", argv[0]);
		return -1;
	}
	fixture_pg = strcmp(argv[1], "pg") == 0;
	if (fixture_pg && (pg_admin = getenv("MLMON_TEST_PG")) == NULL) {
		fprintf(stderr, "%s: MLMON_TEST_PG is not set: run under "
		    "tests/pg/with-pg\n", argv[0]);
		return -1;
	}
	return 0;
}

int
fixture_main(int argc, char **argv, const char *name,
    const struct fixture_case *cases, size_t n, double timeout)
{
	SRunner *sr;
	Suite *s;
	TCase *tc;
	size_t i;
	int failed;

	if (fixture_backend(argc, argv) == -1)
		return EXIT_FAILURE;
	s = suite_create(name);
	tc = tcase_create(fixture_pg ? "pg" : "sqlite");
	tcase_add_checked_fixture(tc, fixture_setup, fixture_teardown);
	tcase_set_timeout(tc, timeout);
	for (i = 0; i < n; i++) {
		if (fixture_pg && cases[i].sqlite_only != NULL)
			printf("%s: %s: SQLite only: %s\n", name,
			    cases[i].test->name, cases[i].sqlite_only);
		else
			tcase_add_test(tc, cases[i].test);
	}
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
