/*
 * driver-overhead: what src/db/driver.h costs per row on SQLite. The same
 * loop (the store's prediction INSERT, its 12 parameters bound, stepped
 * and reset, one transaction per 2,000 rows, into a fresh in-memory DB)
 * runs either on sqlite3 directly or through the driver. Run each under
 * callgrind and compare instructions per row:
 *
 *	valgrind --tool=callgrind --callgrind-out-file=/dev/null \
 *	    driver-overhead direct|driver ROWS
 *
 * Prints "mode=M rows=N" (the count is the check that every row went in).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/xalloc.h"
#include "db/driver-sqlite.h"
#include "db/driver.h"

#define FLUSH_ROWS	2000

static const char sql_table[] =
    "CREATE TABLE predictions (id INTEGER PRIMARY KEY,"
    " batch_id INTEGER NOT NULL, row_in_batch INTEGER NOT NULL,"
    " features TEXT NOT NULL, predicted_class INTEGER NOT NULL,"
    " confidence REAL NOT NULL, scores TEXT NOT NULL, true_class INTEGER,"
    " logged_at REAL NOT NULL, labeled_at REAL, event_id TEXT,"
    " event_ts REAL, src_line INTEGER,"
    " UNIQUE (batch_id, row_in_batch))";
static const char sql_insert[] =
    "INSERT OR IGNORE INTO predictions (batch_id, row_in_batch, features,"
    " predicted_class, confidence, scores, true_class, logged_at,"
    " labeled_at, event_id, event_ts, src_line)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
static const char features[] = "[0.12,-1.5,3.25,0.5,7.125]";
static const char scores[] = "[0.1,0.7,0.2]";

static void
die(const char *what)
{
	fprintf(stderr, "driver-overhead: %s\n", what);
	exit(1);
}

static void
run_direct(sqlite3 *db, long rows)
{
	sqlite3_stmt *st;
	long i;

	if (sqlite3_prepare_v3(db, sql_insert, -1, SQLITE_PREPARE_PERSISTENT,
	    &st, NULL) != SQLITE_OK)
		die(sqlite3_errmsg(db));
	for (i = 0; i < rows; i++) {
		if (i % FLUSH_ROWS == 0)
			sqlite3_exec(db, i == 0 ? "BEGIN IMMEDIATE" :
			    "COMMIT; BEGIN IMMEDIATE", NULL, NULL, NULL);
		sqlite3_bind_int64(st, 1, i / 500);
		sqlite3_bind_int64(st, 2, i % 500);
		sqlite3_bind_text(st, 3, features, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, 1);
		sqlite3_bind_double(st, 5, 0.7);
		sqlite3_bind_text(st, 6, scores, -1, SQLITE_STATIC);
		sqlite3_bind_null(st, 7);
		sqlite3_bind_double(st, 8, 1765000000.25 + (double)i);
		sqlite3_bind_null(st, 9);
		sqlite3_bind_null(st, 10);
		sqlite3_bind_null(st, 11);
		sqlite3_bind_int64(st, 12, i + 1);
		if (sqlite3_step(st) != SQLITE_DONE)
			die(sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(st);
}

static void
run_driver(struct db_conn *c, long rows)
{
	struct db_stmt *st;
	long i;

	st = db_prepare(c, sql_insert, DB_PREPARE_PERSISTENT);
	if (st == NULL)
		die(db_errmsg(c));
	for (i = 0; i < rows; i++) {
		if (i % FLUSH_ROWS == 0 && ((i > 0 && db_commit(c) == -1) ||
		    db_begin(c, true) == -1))
			die(db_errmsg(c));
		db_bind_int64(st, 1, i / 500);
		db_bind_int64(st, 2, i % 500);
		db_bind_text(st, 3, features, -1, DB_STATIC);
		db_bind_int64(st, 4, 1);
		db_bind_double(st, 5, 0.7);
		db_bind_text(st, 6, scores, -1, DB_STATIC);
		db_bind_null(st, 7);
		db_bind_double(st, 8, 1765000000.25 + (double)i);
		db_bind_null(st, 9);
		db_bind_null(st, 10);
		db_bind_null(st, 11);
		db_bind_int64(st, 12, i + 1);
		if (db_step(st) != DB_DONE)
			die(db_errmsg(c));
		db_reset(st);
	}
	if (db_commit(c) == -1)
		die(db_errmsg(c));
	db_finalize(st);
}

int
main(int argc, char **argv)
{
	struct db_conn *c;
	sqlite3 *db;
	sqlite3_stmt *st;
	char *cause = NULL;
	long rows;
	bool direct;

	if (argc != 3 || (strcmp(argv[1], "direct") != 0 &&
	    strcmp(argv[1], "driver") != 0) || (rows = atol(argv[2])) <= 0)
		die("usage: driver-overhead direct|driver ROWS");
	direct = strcmp(argv[1], "direct") == 0;
	c = db_open(":memory:", DB_OPEN_READ_WRITE, &cause);
	if (c == NULL)
		die(cause);
	db = db_sqlite_handle(c);
	if (db_exec(c, sql_table) == -1)
		die(db_errmsg(c));
	if (direct)
		run_direct(db, rows);
	else
		run_driver(c, rows);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM predictions", -1,
	    &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		die(sqlite3_errmsg(db));
	printf("mode=%s rows=%lld\n", argv[1],
	    (long long)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	db_close(c);
	return 0;
}
