/*
 * The fixture of the store's Check suites, one suite for both backends.
 * `test-X sqlite` runs each case on a SQLite file in its own temp dir;
 * `test-X pg` on its own fresh database of the PostgreSQL server that
 * tests/pg/with-pg started (MLMON_TEST_PG; without it the run fails, it
 * never skips). db_target is what the case gives store_open and
 * query_create. The suite's cases are one table (fixture_main): a case
 * that is SQLite's alone says why there, and runs on SQLite only.
 *
 * Helpers: the store opened read-write, one value read over a fresh
 * connection, SQL run on its own connection, rows added through the
 * store API.
 */
#ifndef MLMON_TESTS_DB_FIXTURE_H
#define MLMON_TESTS_DB_FIXTURE_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_event_id;

extern bool	 fixture_pg;	/* the backend under test is PostgreSQL */
extern char	 db_dir[64];	/* the case's temp dir (both backends) */
extern char	*db_target;	/* the store: a file in db_dir, or a URI */

/* One case of a suite. */
struct fixture_case {
	const TTest	*test;
	/* Why only SQLite has what it tests (it runs there only), or NULL. */
	const char	*sqlite_only;
};

void		 fixture_setup(void);
void		 fixture_teardown(void);
/*
 * The case's store gone (its file and -wal/-shm deleted, or its database
 * dropped): db_target names a store that is not there.
 */
void		 fixture_store_drop(void);
/* After fixture_store_drop, a store not yet written (db_target may move). */
void		 fixture_store_new(void);
/*
 * The suite's main: `PROG sqlite|pg` runs the cases as suite name on that
 * backend (each in its own fixture, timeout seconds each; on PostgreSQL
 * the SQLite-only ones are listed with their reason and not run); the
 * process's exit status.
 */
int		 fixture_main(int argc, char **argv, const char *name,
		    const struct fixture_case *cases, size_t n, double timeout);
/* The store on db_target, read-write; the test fails if it cannot open. */
struct store	*open_rw(void);
/* The first column of sql's first row: -1 NULL, -999 no row. */
long long	 q_int(const char *sql);
/* The same as a double: NAN for NULL or no row. */
double		 q_double(const char *sql);
/*
 * The first column of every row as text, joined by "," (NULL as ""), in a
 * static buffer: "" for no row.
 */
const char	*q_text(const char *sql);
/* 1 if table (column NULL) or table's column exists, else 0. */
int		 q_exists(const char *table, const char *column);
/* Run sql (statements without results) on a connection of its own. */
void		 q_exec(const char *sql);
/*
 * Add row (batch, row) of the fixed test content, label -1 for none:
 * store_prediction_add's result.
 */
int		 add_row(struct store *s, int64_t batch, int64_t row, int label,
		    char **cause);
/* add_row with an event id (NULL: none). */
int		 add_row_id(struct store *s, int64_t batch, int64_t row,
		    int label, const struct store_event_id *id, char **cause);
/* Add rows 0..rows-1 of batch, labelled or not; each must be new. */
void		 add_batch(struct store *s, int64_t batch, int rows,
		    bool labelled);

#endif
