/*
 * The driver's writes sent without waiting (db_send, db_exec_send), on
 * both backends: on SQLite each runs at once; on PostgreSQL each goes
 * into libpq's pipeline and its result is read with the next statement
 * that needs an answer. Either way the next read sees every write sent
 * before it (more than the pipeline's 256 at a time too), a savepoint
 * sent so is a savepoint, and a write that fails fails what follows it
 * as it would have failed alone: its error kind, db_failed_what naming
 * it, the transaction aborted on PostgreSQL (a COMMIT after it commits
 * nothing). On PostgreSQL a connection lost with writes in the pipeline
 * is an error of the connection, and a reconnect starts clean.
 */
#include <string.h>

#include "db/driver-pg.h"
#include "db/driver.h"
#include "test-driver.h"

/* Send INSERT INTO t (id, s) for id with st (prepared); db_send's rc. */
static int
send_row(struct db_stmt *st, int64_t id, const char *what)
{
	int rc;

	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, "sent", -1, DB_STATIC);
	rc = db_send(st, what);
	db_reset(st);
	return rc;
}

/* The count cnt (prepared on c) reads now. */
static int64_t
count_with(struct db_conn *c, struct db_stmt *cnt)
{
	int64_t n;

	db_reset(cnt);
	ck_assert_msg(db_step(cnt) == DB_ROW, "%s", db_errmsg(c));
	n = db_column_int64(cnt, 0);
	db_reset(cnt);
	return n;
}

START_TEST(test_send_then_read)
{
	struct db_conn *c = open_t(), *other = open_mode(DB_OPEN_READ_WRITE);
	struct db_stmt *ins, *cnt;
	int64_t i;

	ins = prep(c, "INSERT INTO t (id, s) VALUES (?, ?)");
	cnt = prep(c, "SELECT count(*) FROM t");
	ck_assert_int_eq(db_begin(c, true), 0);
	for (i = 1; i <= 600; i++)
		ck_assert_msg(send_row(ins, i, "sending a row") == 0, "%s",
		    db_errmsg(c));
	ck_assert_int_eq(count_with(c, cnt), 600);
	ck_assert_int_eq(db_exec_send(c, "SAVEPOINT sp", "a savepoint"), 0);
	ck_assert_int_eq(send_row(ins, 601, "sending a row"), 0);
	ck_assert_int_eq(db_rollback_to(c, "sp"), 0);
	ck_assert_int_eq(db_release(c, "sp"), 0);
	ck_assert_int_eq(count_with(c, cnt), 600);
	ck_assert_int_eq(send_row(ins, 602, "sending a row"), 0);
	ck_assert_int_eq(one(other, "SELECT count(*) FROM t"), 0);
	ck_assert_msg(db_commit(c) == 0, "%s", db_errmsg(c));
	ck_assert_int_eq(db_tx_state(c), DB_TX_IDLE);
	ck_assert_int_eq(one(other, "SELECT count(*) FROM t"), 601);
	ck_assert_int_eq(one(other, "SELECT max(id) FROM t"), 602);
	db_finalize(ins);
	db_finalize(cnt);
	db_close(other);
	db_close(c);
}
END_TEST

/* The duplicate of a committed row, sent: 0 on PostgreSQL, -1 SQLite. */
static void
send_duplicate(struct db_conn *c, struct db_stmt *ins)
{
	if (pg) {
		ck_assert_int_eq(send_row(ins, 1, "storing the duplicate"), 0);
		ck_assert_int_eq(send_row(ins, 3, "storing another"), 0);
		return;
	}
	ck_assert_int_eq(send_row(ins, 1, "storing the duplicate"), -1);
	ck_assert_int_eq(db_error(c), DB_E_CONSTRAINT);
	ck_assert_ptr_null(db_failed_what(c));	/* it failed itself */
}

START_TEST(test_send_fails)
{
	struct db_conn *c = open_t(), *other = open_mode(DB_OPEN_READ_WRITE);
	struct db_stmt *ins, *cnt;

	ins = prep(c, "INSERT INTO t (id, s) VALUES (?, ?)");
	cnt = prep(c, "SELECT count(*) FROM t");
	ck_assert_int_eq(send_row(ins, 1, "the first row"), 0);	/* no tx */
	ck_assert_int_eq(count_with(c, cnt), 1);

	/* The next read fails with the write's error, named. */
	ck_assert_int_eq(db_begin(c, true), 0);
	ck_assert_int_eq(send_row(ins, 2, "storing a row"), 0);
	send_duplicate(c, ins);
	if (pg) {
		ck_assert_int_eq(db_step(cnt), DB_ERROR);
		db_reset(cnt);
		ck_assert_int_eq(db_error(c), DB_E_CONSTRAINT);
		ck_assert_str_eq(db_failed_what(c), "storing the duplicate");
		ck_assert_int_eq(db_tx_state(c), DB_TX_FAILED);
	}
	ck_assert_int_eq(db_rollback(c), 0);
	ck_assert_ptr_null(db_failed_what(c));
	ck_assert_int_eq(one(other, "SELECT count(*) FROM t"), 1);

	/* A COMMIT after it fails and commits nothing. */
	ck_assert_int_eq(db_begin(c, true), 0);
	ck_assert_int_eq(send_row(ins, 2, "storing a row"), 0);
	send_duplicate(c, ins);
	if (pg) {
		ck_assert_int_eq(db_commit(c), -1);
		ck_assert_int_eq(db_error(c), DB_E_CONSTRAINT);
		ck_assert_str_eq(db_failed_what(c), "storing the duplicate");
		ck_assert_int_eq(db_tx_state(c), DB_TX_FAILED);
		ck_assert_int_eq(db_rollback(c), 0);
	} else
		ck_assert_int_eq(db_commit(c), 0);	/* the statement undone */
	ck_assert_int_eq(one(other, "SELECT count(*) FROM t"), pg ? 1 : 2);

	/* A statement's own error names no sent write. */
	ck_assert_ptr_null(db_prepare(c, "SELEKT 1", 0));
	ck_assert_ptr_null(db_failed_what(c));
	db_finalize(ins);
	db_finalize(cnt);
	db_close(other);
	db_close(c);
}
END_TEST

START_TEST(test_pg_send_lost)
{
	struct db_conn *a = open_t(), *b = open_mode(DB_OPEN_READ_WRITE);
	struct db_stmt *ins, *cnt, *kill;
	int64_t pid;

	pid = one(a, "SELECT pg_backend_pid()");
	ins = prep(a, "INSERT INTO t (id, s) VALUES (?, ?)");
	cnt = prep(a, "SELECT count(*) FROM t");
	ck_assert_int_eq(db_begin(a, true), 0);
	ck_assert_int_eq(send_row(ins, 1, "storing a row"), 0);
	kill = prep(b, "SELECT pg_terminate_backend(CAST(? AS INTEGER))");
	db_bind_int64(kill, 1, pid);
	ck_assert_int_eq(db_step(kill), DB_ROW);
	db_finalize(kill);
	ck_assert_int_eq(db_step(cnt), DB_ERROR);
	db_reset(cnt);
	ck_assert_int_eq(db_error(a), DB_E_CONNECTION);
	ck_assert(db_pg_lost(a));
	ck_assert_int_eq(one(b, "SELECT count(*) FROM t"), 0);
	ck_assert_msg(db_reconnect(a) == 0, "%s", db_errmsg(a));
	ck_assert_int_eq(count_with(a, cnt), 0);
	ck_assert_int_eq(db_begin(a, true), 0);
	ck_assert_int_eq(send_row(ins, 2, "storing a row"), 0);
	ck_assert_msg(db_commit(a) == 0, "%s", db_errmsg(a));
	ck_assert_int_eq(one(b, "SELECT count(*) FROM t"), 1);
	db_finalize(ins);
	db_finalize(cnt);
	db_close(a);
	db_close(b);
}
END_TEST

void
driver_send_tests(TCase *both, TCase *only)
{
	tcase_add_test(both, test_send_then_read);
	tcase_add_test(both, test_send_fails);
	if (pg)
		tcase_add_test(only, test_pg_send_lost);
}
