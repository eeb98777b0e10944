/*
 * The SQLite file under conditions: a read-only file and a read-only
 * directory (as an unprivileged user), a full database, and a file made
 * by the seed's own schema upgraded in place.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/xalloc.h"
#include "db/store-internal.h"
#include "db/store.h"
#include "fixture.h"

/* Run fn as an unprivileged user in a child; its exit status. */
static int
as_nobody(int (*fn)(void))
{
	pid_t pid;
	int st;

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		/* Root ignores file permissions: drop to nobody. */
		if (geteuid() == 0 && (setgid(65534) == -1 ||
		    setuid(65534) == -1))
			_exit(3);
		_exit(fn());
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

static int
ro_file_child(void)
{
	struct store *s;
	char *cause = NULL;

	s = store_open(db_target, STORE_READ_WRITE, &cause);
	if (s != NULL)
		return 1;
	if (strstr(cause, "read-only") == NULL ||
	    strstr(cause, db_target) == NULL) {
		fprintf(stderr, "cause: %s\n", cause);
		return 2;
	}
	free(cause);
	cause = NULL;
	/* Reading still works (the directory lets us create the -shm). */
	s = store_open(db_target, STORE_READ_ONLY, &cause);
	if (s == NULL || store_batch_rows(s, 0) != 2) {
		fprintf(stderr, "read-only: %s\n", cause);
		return 4;
	}
	store_close(s);
	return 0;
}

static int
ro_dir_child(void)
{
	struct store *s;
	char *cause = NULL;

	/* No -shm and no way to create it: a clear refusal. */
	s = store_open(db_target, STORE_READ_ONLY, &cause);
	if (s != NULL)
		return 1;
	if (strstr(cause, "-shm") == NULL) {
		fprintf(stderr, "cause: %s\n", cause);
		return 2;
	}
	free(cause);
	return 0;
}

START_TEST(test_read_only_file)
{
	struct store *s;
	char *cause = NULL, *shm;
	int st;

	s = open_rw();
	add_batch(s, 0, 2, false);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	store_close(s);
	shm = xasprintf("%s-shm", db_target);
	ck_assert_int_eq(access(shm, F_OK), -1);	/* removed at close */
	ck_assert_int_eq(chmod(db_target, 0444), 0);
	ck_assert_int_eq(chmod(db_dir, 0777), 0);
	st = as_nobody(ro_file_child);
	ck_assert_msg(st == 0, "file child status %d", st);
	unlink(shm);
	free(shm);
	ck_assert_int_eq(chmod(db_dir, 0555), 0);
	st = as_nobody(ro_dir_child);
	ck_assert_msg(st == 0, "dir child status %d", st);
}
END_TEST

START_TEST(test_disk_full)
{
	struct store *s;
	char *cause = NULL;
	int i, rc = 1;

	s = open_rw();
	add_batch(s, 0, 10, false);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	/* Cap the file: the next pages cannot be allocated. */
	{
		long long pages = 0;
		char sql[64];
		sqlite3_stmt *st;

		sqlite3_prepare_v2(s->db, "PRAGMA page_count", -1, &st, NULL);
		if (sqlite3_step(st) == SQLITE_ROW)
			pages = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		ck_assert_int_gt(pages, 0);
		snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld",
		    pages + 2);
		ck_assert_int_eq(sqlite3_exec(s->db, sql, NULL, NULL, NULL),
		    SQLITE_OK);
	}
	for (i = 0; i < 100000 && rc == 1; i++)
		rc = add_row(s, 1 + i / 100, i % 100, -1, &cause);
	if (rc == 1)
		rc = store_flush(s, &cause);
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(cause, "database or disk is full") != NULL &&
	    strstr(cause, db_target) != NULL, "%s", cause);
	free(cause);
	cause = NULL;
	/* The store stays usable: what was committed is still there. */
	ck_assert_int_eq(store_flush(s, &cause) == 0 ||
	    store_flush(s, &cause) == 0, 1);
	ck_assert_int_eq(store_batch_rows(s, 0), 10);
	store_close(s);
}
END_TEST

static const char seed_schema[] =
    "CREATE TABLE IF NOT EXISTS predictions (id INTEGER PRIMARY KEY "
    "AUTOINCREMENT, batch_id INTEGER NOT NULL, row_in_batch INTEGER NOT "
    "NULL, features TEXT NOT NULL, predicted_class INTEGER NOT NULL, "
    "confidence REAL NOT NULL, scores TEXT NOT NULL, true_class INTEGER, "
    "logged_at REAL NOT NULL, labeled_at REAL);"
    "CREATE INDEX IF NOT EXISTS idx_predictions_batch ON "
    "predictions(batch_id);"
    "CREATE TABLE IF NOT EXISTS monitor_reports (id INTEGER PRIMARY KEY "
    "AUTOINCREMENT, batch_id INTEGER NOT NULL, report_type TEXT NOT NULL, "
    "payload TEXT NOT NULL, created_at REAL NOT NULL);"
    "CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY "
    "AUTOINCREMENT, batch_id INTEGER NOT NULL, severity TEXT NOT NULL, "
    "channel TEXT NOT NULL, message TEXT NOT NULL, sent_at REAL NOT NULL, "
    "delivered INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO predictions (batch_id, row_in_batch, features, "
    "predicted_class, confidence, scores, true_class, logged_at) VALUES "
    "(0, 0, '[1.0, 2.0]', 0, 0.9, '[0.9, 0.1]', NULL, 1.5e9),"
    "(0, 1, '[3.0, 4.0]', 1, 0.8, '[0.2, 0.8]', NULL, 1.5e9);"
    "INSERT INTO alerts (batch_id, severity, channel, message, sent_at) "
    "VALUES (0, 'warning', 'slack', 'PSI flagged', 1.5e9);";

START_TEST(test_seed_database_upgrade)
{
	struct store_batch b;
	struct store *s;
	sqlite3 *db;
	char *cause = NULL;

	ck_assert_int_eq(sqlite3_open(db_target, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, seed_schema, NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	s = open_rw();
	ck_assert_int_eq(store_batch_state(s, 0), STORE_BATCH_CLOSED);
	ck_assert_int_eq(store_batch_get(s, 0, &b, &cause), 0);
	ck_assert_uint_eq(b.n_features, 2);
	ck_assert(b.features[3] == 4.0);
	store_batch_finish(&b);
	ck_assert_int_eq(store_label_batch(s, 0, (int[]){ 0, 1 }, 2, false,
	    &cause), STORE_LABEL_APPLIED);
	/* The seed's row 1 holds other content than add_row's: refused. */
	ck_assert_int_eq(add_row(s, 0, 1, -1, &cause), STORE_ADD_CONFLICT);
	ck_assert_ptr_nonnull(strstr(cause, "different content"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(store_flush(s, &cause), 0);
	store_close(s);
	ck_assert_int_eq(q_int("SELECT count(*) FROM alerts WHERE status IS "
	    "NULL AND attempts = 0"), 1);
	ck_assert_int_eq(q_int("PRAGMA user_version"), STORE_SCHEMA_VERSION);
}
END_TEST

int
main(int argc, char **argv)
{
	const struct fixture_case cases[] = {
		{ test_read_only_file, "file and directory permissions of"
		    " the SQLite file and its -shm" },
		{ test_disk_full, "SQLite's max_page_count caps the file;"
		    " a PostgreSQL database has no such cap to set" },
		{ test_seed_database_upgrade, "a SQLite file made by the"
		    " seed's own schema, upgraded in place" },
	};

	return fixture_main(argc, argv, "store-file", cases,
	    sizeof cases / sizeof cases[0], 60);
}
