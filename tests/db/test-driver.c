/*
 * The driver (src/db/driver.h), one suite for both backends:
 * `test-driver sqlite` runs it on a SQLite file in a temporary directory,
 * `test-driver pg` on the PostgreSQL server that tests/pg/with-pg started
 * (MLMON_TEST_PG; without it the run fails, it never skips). Values round
 * trip exactly (NaN as NULL and -0.0 as 0.0, as SQLite stores them),
 * placeholders bind where SQLite binds them, errors have their kind,
 * transactions and savepoints behave as docs/POSTGRES.md says, and what
 * only one backend has is tested on that backend: SQLite's busy write
 * lock; libpq's authentication, masked passwords, an unreachable server,
 * a connection lost mid-session, a reconnect across a server restart,
 * notifications (a commit wakes a listener within 100 ms) and COPY.
 * Writes sent without waiting (db_send) are test-driver-send.c.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "db/driver-pg.h"
#include "db/driver.h"
#include "test-driver.h"

bool		 pg;		/* the backend under test */
static char	*target;	/* its --db argument */

struct db_conn *
open_mode(enum db_open_mode mode)
{
	struct db_conn *c;
	char *cause = NULL;

	c = db_open(target, mode, &cause);
	ck_assert_msg(c != NULL, "open %s: %s", target, cause);
	ck_assert_int_eq(db_backend(c), pg ? DB_POSTGRES : DB_SQLITE);
	return c;
}

struct db_conn *
open_t(void)
{
	struct db_conn *c = open_mode(DB_OPEN_READ_WRITE);

	ck_assert_int_eq(db_exec(c, "DROP TABLE IF EXISTS t"), 0);
	ck_assert_msg(db_exec(c, "CREATE TABLE t (id BIGINT PRIMARY KEY,"
	    " i BIGINT, d DOUBLE PRECISION, s TEXT)") == 0, "%s",
	    db_errmsg(c));
	return c;
}

struct db_stmt *
prep(struct db_conn *c, const char *sql)
{
	struct db_stmt *st = db_prepare(c, sql, DB_PREPARE_PERSISTENT);

	ck_assert_msg(st != NULL, "%s: %s", sql, db_errmsg(c));
	return st;
}

int64_t
one(struct db_conn *c, const char *sql)
{
	struct db_stmt *st = prep(c, sql);
	int64_t v;

	ck_assert_int_eq(db_step(st), DB_ROW);
	v = db_column_int64(st, 0);
	db_finalize(st);
	return v;
}

static void
insert(struct db_conn *c, int64_t id, const char *s)
{
	struct db_stmt *st = prep(c, "INSERT INTO t (id, s) VALUES (?, ?)");

	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, s, -1, DB_STATIC);
	ck_assert_msg(db_step(st) == DB_DONE, "%s", db_errmsg(c));
	db_finalize(st);
}

static const struct value_case {
	int64_t		 i;
	double		 d;		/* NaN: stored as NULL */
	const char	*s;		/* NULL: NULL */
} value_cases[] = {
	{ INT64_MAX, 0.1, "plain" },
	{ INT64_MIN, -1e300, "it's \"quoted\" ? and \xc3\xa9" },
	{ 0, 5e-324, "" },
	{ 42, DBL_MAX, "--not a comment /* nor this */" },
	{ -1, 1.0 / 3.0, NULL },
	{ 7, 123456789.123456789, "\t tab and newline\n" },
	{ 8, NAN, "nan" },
	{ 9, -2.5e-310, "denormal" },
	{ 10, -0.0, "negative zero: 0.0 on both" },
};

START_TEST(test_values)
{
	struct db_conn *c = open_t();
	struct db_stmt *ins, *sel;
	const struct value_case *v;
	size_t i, n = sizeof value_cases / sizeof *value_cases;
	double d, want;

	ins = prep(c, "INSERT INTO t (id, i, d, s) VALUES (?1, ?2, ?3, ?4)");
	for (i = 0; i < n; i++) {
		v = &value_cases[i];
		db_reset(ins);
		db_clear_bindings(ins);
		db_bind_int64(ins, 1, (int64_t)i);
		db_bind_int64(ins, 2, v->i);
		db_bind_double(ins, 3, v->d);
		db_bind_text(ins, 4, v->s, -1, DB_COPY);
		ck_assert_msg(db_step(ins) == DB_DONE, "%zu: %s", i,
		    db_errmsg(c));
		ck_assert_int_eq(db_changes(c), 1);
	}
	db_finalize(ins);
	sel = prep(c, "SELECT i, d, s, d IS NULL FROM t ORDER BY id");
	for (i = 0; i < n; i++) {
		v = &value_cases[i];
		ck_assert_int_eq(db_step(sel), DB_ROW);
		ck_assert_int_eq(db_column_count(sel), 4);
		ck_assert_int_eq(db_column_int64(sel, 0), v->i);
		d = db_column_double(sel, 1);
		if (isnan(v->d)) {
			ck_assert(db_column_null(sel, 1));
			ck_assert(d == 0.0);
			ck_assert_int_eq(db_column_int64(sel, 3), 1);
		} else {
			want = v->d == 0.0 ? 0.0 : v->d;
			ck_assert_msg(memcmp(&d, &want, sizeof d) == 0,
			    "%zu: %.17g read back as %.17g", i, v->d, d);
			ck_assert_int_eq(db_column_int64(sel, 3), 0);
		}
		if (v->s == NULL) {
			ck_assert(db_column_null(sel, 2));
			ck_assert_ptr_null(db_column_text(sel, 2));
		} else {
			ck_assert_str_eq(db_column_text(sel, 2), v->s);
			ck_assert_uint_eq(db_column_bytes(sel, 2),
			    strlen(v->s));
		}
	}
	ck_assert_int_eq(db_step(sel), DB_DONE);
	db_finalize(sel);
	db_close(c);
}
END_TEST

/* Placeholders: numbered, reused, out of order, next to quoted '?'. */
START_TEST(test_placeholders)
{
	struct db_conn *c = open_t();
	struct db_stmt *st;

	/* PostgreSQL types a parameter from its context: CAST where none. */
	st = prep(c, "INSERT INTO t (id, i, s) VALUES (?2,"
	    " CAST(?2 AS BIGINT) + ?1, '?' || CAST(?3 AS TEXT))"
	    " -- ?4 is a comment");
	db_bind_int64(st, 1, 10);
	db_bind_int64(st, 2, 5);
	db_bind_text(st, 3, "x?", 2, DB_STATIC);
	ck_assert_int_eq(db_bind_int64(st, 4, 1), -1);	/* no such one */
	ck_assert_int_eq(db_bind_int64(st, 0, 1), -1);
	ck_assert_msg(db_step(st) == DB_DONE, "%s", db_errmsg(c));
	db_finalize(st);
	st = prep(c, "SELECT i, s FROM t WHERE s = ? AND id = ?");
	db_bind_text(st, 1, "?x?-and-more", 3, DB_COPY);
	db_bind_int64(st, 2, 5);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_column_int(st, 0), 15);
	ck_assert_str_eq(db_column_text(st, 1), "?x?");
	ck_assert_int_eq(db_step(st), DB_DONE);
	/* Reset keeps the bindings, as sqlite3_reset does. */
	db_reset(st);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_str_eq(db_stmt_sql(st),
	    "SELECT i, s FROM t WHERE s = ? AND id = ?");
	db_finalize(st);
	/* Named, as the store binds :model: the same number each time. */
	st = prep(c, "SELECT count(*) FROM t WHERE id = :id OR i = ?1 + 100"
	    " OR id = :id");
	ck_assert_int_eq(db_bind_parameter_index(st, ":id"), 1);
	ck_assert_int_eq(db_bind_parameter_index(st, ":nope"), 0);
	db_bind_int64(st, 1, 5);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_column_int64(st, 0), 1);
	db_finalize(st);
	st = prep(c, "SELECT s FROM t WHERE id = ?1 AND i = :i");
	ck_assert_int_eq(db_bind_parameter_index(st, ":i"), 2);
	db_bind_int64(st, 1, 5);
	db_bind_int64(st, db_bind_parameter_index(st, ":i"), 15);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_str_eq(db_column_text(st, 0), "?x?");
	db_finalize(st);
	db_close(c);
}
END_TEST

/* Aggregates and comparisons read as numbers on both. */
START_TEST(test_expressions)
{
	struct db_conn *c = open_t();
	struct db_stmt *st;

	insert(c, 1, "a");
	insert(c, 2, NULL);
	st = prep(c, "SELECT count(*), count(s), max(d), max(d) IS NULL,"
	    " 2 > 1, sum(id) FROM t");
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_column_int64(st, 0), 2);
	ck_assert_int_eq(db_column_int64(st, 1), 1);
	ck_assert(db_column_null(st, 2));
	ck_assert_int_eq(db_column_int64(st, 2), 0);
	ck_assert_int_eq(db_column_int64(st, 3), 1);
	ck_assert_int_eq(db_column_int64(st, 4), 1);
	ck_assert(db_column_double(st, 4) == 1.0);
	ck_assert_int_eq(db_column_int64(st, 5), 3);
	db_finalize(st);
	ck_assert_int_eq(one(c, "SELECT CAST(2.75 AS DOUBLE PRECISION)"), 2);
	ck_assert_int_eq(one(c, "SELECT CAST(-2.75 AS DOUBLE PRECISION)"),
	    -2);
	db_close(c);
}
END_TEST

START_TEST(test_errors)
{
	struct db_conn *c = open_t();
	struct db_stmt *st;

	ck_assert_int_eq(db_error(c), DB_E_NONE);
	ck_assert_str_eq(db_errmsg(c), "");
	ck_assert_ptr_null(db_prepare(c, "SELEKT 1", 0));
	ck_assert_int_eq(db_error(c), DB_E_OTHER);
	ck_assert(strlen(db_errmsg(c)) > 0);
	ck_assert_ptr_null(db_prepare(c, "SELECT * FROM no_such", 0));
	ck_assert_msg(strstr(db_errmsg(c), "no_such") != NULL, "%s",
	    db_errmsg(c));
	insert(c, 1, "a");
	ck_assert_int_eq(db_error(c), DB_E_NONE);
	st = prep(c, "INSERT INTO t (id) VALUES (?)");
	db_bind_int64(st, 1, 1);
	ck_assert_int_eq(db_step(st), DB_ERROR);
	ck_assert_int_eq(db_error(c), DB_E_CONSTRAINT);
	db_finalize(st);
	ck_assert_int_eq(db_exec(c, "CREATE TABLE t (x INT)"), -1);
	ck_assert_int_eq(db_error(c), DB_E_OTHER);
	ck_assert_int_eq(db_savepoint(c, "no good"), -1);
	ck_assert_int_eq(db_savepoint(c, "1st"), -1);
	db_close(c);
}
END_TEST

/*
 * A failed statement inside a transaction: SQLite undoes the statement,
 * PostgreSQL the whole transaction (DB_TX_FAILED until ROLLBACK). A
 * savepoint around a statement that may fail keeps the transaction on
 * both, the form the store uses on PostgreSQL.
 */
START_TEST(test_transactions)
{
	struct db_conn *c = open_t(), *other = open_mode(DB_OPEN_READ_WRITE);
	struct db_stmt *dup;

	ck_assert_int_eq(db_tx_state(c), DB_TX_IDLE);
	ck_assert_int_eq(db_begin(c, true), 0);
	ck_assert_int_eq(db_tx_state(c), DB_TX_OPEN);
	insert(c, 1, "a");
	ck_assert_int_eq(one(other, "SELECT count(*) FROM t"), 0);
	dup = prep(c, "INSERT INTO t (id) VALUES (1)");
	ck_assert_int_eq(db_savepoint(c, "sp_1"), 0);
	ck_assert_int_eq(db_step(dup), DB_ERROR);
	ck_assert_int_eq(db_tx_state(c), pg ? DB_TX_FAILED : DB_TX_OPEN);
	ck_assert_int_eq(db_rollback_to(c, "sp_1"), 0);
	ck_assert_int_eq(db_release(c, "sp_1"), 0);
	ck_assert_int_eq(db_tx_state(c), DB_TX_OPEN);
	insert(c, 2, "b");
	ck_assert_int_eq(db_savepoint(c, "sp_2"), 0);
	insert(c, 3, "c");
	ck_assert_int_eq(db_rollback_to(c, "sp_2"), 0);
	ck_assert_int_eq(db_release(c, "sp_2"), 0);
	ck_assert_int_eq(db_commit(c), 0);
	ck_assert_int_eq(db_tx_state(c), DB_TX_IDLE);
	ck_assert_int_eq(one(other, "SELECT count(*) FROM t"), 2);
	ck_assert_int_eq(one(other, "SELECT sum(id) FROM t"), 3);

	/* Without a savepoint. */
	ck_assert_int_eq(db_begin(c, true), 0);
	db_reset(dup);
	ck_assert_int_eq(db_step(dup), DB_ERROR);
	ck_assert_int_eq(db_tx_state(c), pg ? DB_TX_FAILED : DB_TX_OPEN);
	ck_assert_int_eq(db_rollback(c), 0);
	ck_assert_int_eq(db_tx_state(c), DB_TX_IDLE);
	db_finalize(dup);
	db_close(other);
	db_close(c);
}
END_TEST

START_TEST(test_changes_and_catalog)
{
	struct db_conn *c = open_t();
	size_t i;

	for (i = 1; i <= 3; i++)
		insert(c, (int64_t)i, "x");
	ck_assert_int_eq(db_exec(c, "UPDATE t SET i = 1"), 0);
	ck_assert_int_eq(db_changes(c), 3);
	ck_assert_int_eq(one(c, "SELECT count(*) FROM t"), 3);
	ck_assert_int_eq(db_changes(c), 3);	/* a SELECT changes nothing */
	ck_assert_int_eq(db_exec(c, "DELETE FROM t WHERE id > 1"), 0);
	ck_assert_int_eq(db_changes(c), 2);
	/* An identity column's id, as the alerts table has. */
	ck_assert_int_eq(db_exec(c, "DROP TABLE IF EXISTS a"), 0);
	ck_assert_int_eq(db_exec(c, pg ? "CREATE TABLE a (id BIGINT"
	    " GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, x TEXT)" :
	    "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT)"),
	    0);
	for (i = 1; i <= 3; i++) {
		ck_assert_int_eq(db_exec(c, "INSERT INTO a (x) VALUES ('x')"),
		    0);
		ck_assert_int_eq(db_last_insert_id(c), (int64_t)i);
	}
	ck_assert_int_eq(db_table_exists(c, "t"), 1);
	ck_assert_int_eq(db_table_exists(c, "nope"), 0);
	ck_assert_int_eq(db_column_exists(c, "t", "d"), 1);
	ck_assert_int_eq(db_column_exists(c, "t", "e"), 0);
	ck_assert_int_eq(db_column_exists(c, "nope", "d"), 0);
	db_close(c);
}
END_TEST

/* Many rows through one statement, and many back. */
START_TEST(test_many_rows)
{
	struct db_conn *c = open_t();
	struct db_stmt *st;
	int64_t i, n = 5000, sum = 0, rows = 0;

	ck_assert_int_eq(db_begin(c, true), 0);
	st = prep(c, "INSERT INTO t (id, i, d) VALUES (?, ?, ?)");
	for (i = 0; i < n; i++) {
		db_reset(st);
		db_bind_int64(st, 1, i);
		db_bind_int64(st, 2, i * 3);
		db_bind_double(st, 3, (double)i / 7.0);
		ck_assert_int_eq(db_step(st), DB_DONE);
	}
	db_finalize(st);
	ck_assert_int_eq(db_commit(c), 0);
	st = prep(c, "SELECT i, d FROM t WHERE id >= ? ORDER BY id");
	db_bind_int64(st, 1, 10);
	while (db_step(st) == DB_ROW) {
		ck_assert(db_column_double(st, 1) ==
		    (double)(rows + 10) / 7.0);
		sum += db_column_int64(st, 0);
		rows++;
	}
	ck_assert_int_eq(db_error(c), DB_E_NONE);
	ck_assert_int_eq(rows, n - 10);
	ck_assert_int_eq(sum, 3 * (n * (n - 1) / 2 - 45));
	db_finalize(st);
	db_close(c);
}
END_TEST

START_TEST(test_read_only)
{
	struct db_conn *c = open_t(), *ro;
	struct db_stmt *st;

	insert(c, 1, "a");
	db_close(c);
	ro = open_mode(DB_OPEN_READ_ONLY);
	ck_assert_int_eq(one(ro, "SELECT count(*) FROM t"), 1);
	st = db_prepare(ro, "INSERT INTO t (id) VALUES (2)", 0);
	/* SQLite refuses at the step, PostgreSQL too (a read-only tx). */
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(db_step(st), DB_ERROR);
	ck_assert_int_eq(db_error(ro), DB_E_READONLY);
	db_finalize(st);
	db_close(ro);
}
END_TEST

/* SQLite: a second writer gets BUSY at BEGIN IMMEDIATE (no wait set). */
START_TEST(test_sqlite_busy)
{
	struct db_conn *a = open_t(), *b = open_mode(DB_OPEN_READ_WRITE);

	ck_assert_int_eq(db_begin(a, true), 0);
	ck_assert_int_eq(db_begin(b, true), -1);
	ck_assert_int_eq(db_error(b), DB_E_BUSY);
	ck_assert_int_eq(db_tx_state(b), DB_TX_IDLE);
	ck_assert_int_eq(db_commit(a), 0);
	ck_assert_int_eq(db_begin(b, true), 0);
	ck_assert_int_eq(db_commit(b), 0);
	db_close(b);
	db_close(a);
}
END_TEST

/* target with user:password@ spliced in. Caller frees. */
static char *
with_password(const char *password)
{
	const char *at = strstr(target, "postgres@");

	ck_assert_ptr_nonnull(at);
	return xasprintf("%.*spostgres:%s@%s", (int)(at - target), target,
	    password, at + strlen("postgres@"));
}

START_TEST(test_pg_auth)
{
	const char *good = getenv("MLMON_TEST_PG_PASSWORD");
	struct db_conn *c;
	char *uri, *cause = NULL;

	ck_assert_ptr_nonnull(good);
	uri = with_password("Wr0ng-S3cret");
	c = db_open(uri, DB_OPEN_READ_WRITE, &cause);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, "Wr0ng-S3cret") == NULL, "%s", cause);
	ck_assert_msg(strstr(cause, "postgres:***@") != NULL, "%s", cause);
	ck_assert_msg(strstr(cause, "password authentication failed") !=
	    NULL, "%s", cause);
	free(cause);
	free(uri);
	uri = with_password(good);
	c = db_open(uri, DB_OPEN_READ_WRITE, &cause);
	ck_assert_msg(c != NULL, "%s", cause);
	ck_assert(strstr(db_name(c), good) == NULL);
	ck_assert_int_eq(one(c, "SELECT 1"), 1);
	db_close(c);
	free(uri);
}
END_TEST

START_TEST(test_pg_unreachable)
{
	struct db_conn *c;
	char *cause = NULL;

	c = db_open("postgresql://postgres:hid@/mlmon_test"
	    "?host=/nonexistent-mlmon&connect_timeout=2", DB_OPEN_READ_WRITE,
	    &cause);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(cause, "cannot connect") != NULL &&
	    strstr(cause, "/nonexistent-mlmon") != NULL &&
	    strstr(cause, "hid") == NULL, "%s", cause);
	free(cause);
}
END_TEST

/* The server ends a session mid-transaction: the next step says so. */
START_TEST(test_pg_connection_lost)
{
	struct db_conn *a = open_t(), *b = open_mode(DB_OPEN_READ_WRITE);
	struct db_stmt *st;
	int64_t pid;

	pid = one(a, "SELECT pg_backend_pid()");
	ck_assert_int_eq(db_begin(a, true), 0);
	insert(a, 1, "lost");
	st = prep(b, "SELECT pg_terminate_backend(CAST(? AS INTEGER))");
	db_bind_int64(st, 1, pid);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_column_int64(st, 0), 1);
	db_finalize(st);
	ck_assert_ptr_null(db_prepare(a, "SELECT 1", 0));
	ck_assert_int_eq(db_error(a), DB_E_CONNECTION);
	ck_assert_int_eq(db_tx_state(a), DB_TX_IDLE);
	ck_assert_int_eq(one(b, "SELECT count(*) FROM t"), 0);
	db_close(a);
	db_close(b);
}
END_TEST

void
server(const char *args)
{
	char *cmd;

	cmd = xasprintf("\"$MLMON_TEST_PG_DIR/ctl\" %s", args);
	ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
	free(cmd);
}

/*
 * The server restarts under a session: the next step says the connection
 * is lost, a reconnect fails while the server is down and works once it
 * is back, and a statement prepared before runs again (re-prepared).
 */
START_TEST(test_pg_reconnect)
{
	struct db_conn *c = open_t();
	struct db_stmt *st;

	insert(c, 1, "kept");
	st = prep(c, "SELECT s FROM t WHERE id = ?");
	db_bind_int64(st, 1, 1);
	server("restart -m fast");
	ck_assert_int_eq(db_step(st), DB_ERROR);
	ck_assert_int_eq(db_error(c), DB_E_CONNECTION);
	server("stop -m fast");
	ck_assert_int_eq(db_reconnect(c), -1);
	ck_assert_int_eq(db_error(c), DB_E_CONNECTION);
	server("start");
	ck_assert_msg(db_reconnect(c) == 0, "%s", db_errmsg(c));
	db_reset(st);
	ck_assert_msg(db_step(st) == DB_ROW, "%s", db_errmsg(c));
	ck_assert_str_eq(db_column_text(st, 0), "kept");
	db_finalize(st);
	insert(c, 2, "after");
	ck_assert_int_eq(one(c, "SELECT count(*) FROM t"), 2);
	db_close(c);
}
END_TEST

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Nothing arrives before the commit; every commit wakes a listener
 * before its wait times out; a wait consumes what has arrived. How
 * fast it wakes is a benchmark's question, not a unit test's: the
 * median latency is printed, not asserted.
 */
START_TEST(test_pg_notify)
{
	struct db_conn *l = open_mode(DB_OPEN_READ_ONLY);
	struct db_conn *w = open_mode(DB_OPEN_READ_WRITE);
	double t0, waited[5];
	int i, wakes;

	ck_assert_int_eq(db_pg_listen(l, "mlmon_test"), 0);
	ck_assert_int_eq(db_pg_listen(l, "bad name"), -1);
	ck_assert_int_eq(db_pg_wait(l, 0), 0);
	ck_assert_int_eq(db_begin(w, true), 0);
	ck_assert_int_eq(db_exec(w, "NOTIFY mlmon_test, 'batch 1'"), 0);
	ck_assert_int_eq(db_pg_wait(l, 50), 0);		/* not committed */
	ck_assert_int_eq(db_commit(w), 0);
	ck_assert_int_eq(db_pg_wait(l, 2000), 1);
	ck_assert_int_eq(db_pg_wait(l, 0), 0);
	/* The latency, commit to wake-up, 5 times. */
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(db_begin(w, true), 0);
		ck_assert_int_eq(db_exec(w, "NOTIFY mlmon_test"), 0);
		ck_assert_int_eq(db_commit(w), 0);
		t0 = clock_mono();
		ck_assert_int_eq(db_pg_wait(l, 2000), 1);
		waited[i] = clock_mono() - t0;
	}
	qsort(waited, 5, sizeof *waited, cmp_double);
	fprintf(stderr, "notify: commit to wake-up %.1f ms (median of 5)\n",
	    waited[2] * 1000.0);
	/*
	 * Two commits: one or two wake-ups (a wait consumes all that has
	 * arrived, and the second may arrive after the first wait), then
	 * quiet.
	 */
	ck_assert_int_eq(db_exec(w, "NOTIFY mlmon_test"), 0);
	ck_assert_int_eq(db_exec(w, "NOTIFY mlmon_test, 'again'"), 0);
	ck_assert_int_eq(db_pg_wait(l, 2000), 1);
	for (wakes = 1; db_pg_wait(l, 200) == 1; wakes++)
		;
	ck_assert_int_le(wakes, 2);
	db_close(w);
	db_close(l);
}
END_TEST

/* COPY: any text survives the format's escapes; a bad row fails at end. */
START_TEST(test_pg_copy)
{
	static const char *const rows[][3] = {
		{ "1", "10", "tab\there\nnewline \\ back\\slash" },
		{ "2", NULL, "\\N is not NULL" },
		{ "3", "-9223372036854775808", NULL },
		{ "4", "7", "cr\r and \xc3\xa9" },
	};
	static const char *const want[] = {
		"tab\there\nnewline \\ back\\slash", "\\N is not NULL",
		NULL, "cr\r and \xc3\xa9",
	};
	static const char *const bad[] = { "5", "not a number", "x" };
	struct db_conn *c = open_t();
	struct db_stmt *st;
	size_t i;

	ck_assert_int_eq(db_begin(c, true), 0);
	ck_assert_int_eq(db_pg_copy_begin(c, "t", "id, i, s"), 0);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(db_pg_copy_row(c, rows[i], 3), 0);
	ck_assert_msg(db_pg_copy_end(c) == 0, "%s", db_errmsg(c));
	ck_assert_int_eq(db_commit(c), 0);
	st = prep(c, "SELECT i, i IS NULL, s FROM t ORDER BY id");
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(db_step(st), DB_ROW);
		ck_assert_int_eq(db_column_int64(st, 1), rows[i][1] == NULL);
		if (rows[i][1] != NULL)
			ck_assert_int_eq(db_column_int64(st, 0),
			    strtoll(rows[i][1], NULL, 10));
		if (want[i] == NULL)
			ck_assert(db_column_null(st, 2));
		else
			ck_assert_str_eq(db_column_text(st, 2), want[i]);
	}
	db_finalize(st);
	ck_assert_int_eq(db_begin(c, true), 0);
	ck_assert_int_eq(db_pg_copy_begin(c, "t", "id, i, s"), 0);
	ck_assert_int_eq(db_pg_copy_row(c, bad, 3), 0);
	ck_assert_int_eq(db_pg_copy_end(c), -1);
	ck_assert_msg(strstr(db_errmsg(c), "not a number") != NULL, "%s",
	    db_errmsg(c));
	ck_assert_int_eq(db_tx_state(c), DB_TX_FAILED);
	ck_assert_int_eq(db_rollback(c), 0);
	ck_assert_int_eq(one(c, "SELECT count(*) FROM t"), 4);
	db_close(c);
}
END_TEST

/* The PostgreSQL-only calls refuse a SQLite connection. */
START_TEST(test_sqlite_no_pg_calls)
{
	struct db_conn *c = open_t();
	const char *row[] = { "1" };

	ck_assert_int_eq(db_pg_listen(c, "x"), -1);
	ck_assert_int_eq(db_pg_wait(c, 0), -1);
	ck_assert_int_eq(db_pg_copy_begin(c, "t", "id"), -1);
	ck_assert_int_eq(db_pg_copy_row(c, row, 1), -1);
	ck_assert_int_eq(db_pg_copy_end(c), -1);
	ck_assert_str_eq(db_errmsg(c), "not a PostgreSQL connection");
	ck_assert_int_eq(db_reconnect(c), 0);		/* nothing to do */
	ck_assert_int_eq(one(c, "SELECT count(*) FROM t"), 0);
	db_close(c);
}
END_TEST

static Suite *
driver_suite(void)
{
	Suite *s = suite_create(pg ? "driver-pg" : "driver-sqlite");
	TCase *tc = tcase_create("both");
	TCase *only = tcase_create(pg ? "pg" : "sqlite");

	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_placeholders);
	tcase_add_test(tc, test_expressions);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_transactions);
	tcase_add_test(tc, test_changes_and_catalog);
	tcase_add_test(tc, test_many_rows);
	tcase_add_test(tc, test_read_only);
	driver_send_tests(tc, only);
	driver_copy_tests(only);
	suite_add_tcase(s, tc);
	if (pg) {
		tcase_add_test(only, test_pg_auth);
		tcase_add_test(only, test_pg_unreachable);
		tcase_add_test(only, test_pg_connection_lost);
		tcase_add_test(only, test_pg_notify);
		tcase_add_test(only, test_pg_copy);
		tcase_add_test(only, test_pg_reconnect);
	} else {
		tcase_add_test(only, test_sqlite_busy);
		tcase_add_test(only, test_sqlite_no_pg_calls);
	}
	suite_add_tcase(s, only);
	return s;
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/mlmon-driver-XXXXXX", *cmd;
	SRunner *sr;
	int failed;

	if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 &&
	    strcmp(argv[1], "pg") != 0)) {
		fprintf(stderr, "usage: test-driver sqlite|pg\n");
		return EXIT_FAILURE;
	}
	pg = strcmp(argv[1], "pg") == 0;
	if (pg) {
		if (getenv("MLMON_TEST_PG") == NULL) {
			fprintf(stderr, "test-driver: MLMON_TEST_PG is not "
			    "set: run under tests/pg/with-pg\n");
			return EXIT_FAILURE;
		}
		target = xstrdup(getenv("MLMON_TEST_PG"));
	} else {
		if (mkdtemp(dir) == NULL) {
			perror("mkdtemp");
			return EXIT_FAILURE;
		}
		target = xasprintf("%s/driver.db", dir);
	}
	sr = srunner_create(driver_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (!pg) {
		cmd = xasprintf("rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "test-driver: cannot remove %s\n",
			    dir);
		free(cmd);
	}
	free(target);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
