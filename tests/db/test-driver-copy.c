/*
 * COPY in binary format (db_pg_copy_begin_binary, db_pg_copy_tuple): the
 * same values sent in binary and in text (db_pg_copy_row, each number as
 * db_pg_double_text and %lld print it) are stored the same to the byte
 * (int8send, float8send, the text): integer extremes, a third, the
 * smallest denormal, DBL_MAX, infinities, -0.0 (stored as 0), NaN (as
 * NULL), NULL, text with the text format's specials, UTF-8 and the empty
 * string; thousands of rows and one text longer than a chunk of the
 * connection's buffer (8 KiB) arrive whole. A row of the other format is
 * refused, a value of the wrong binary type fails the COPY and its
 * transaction with the server's message, a duplicate key fails it as a
 * constraint. SQLite refuses the calls.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "db/driver-pg.h"
#include "db/driver.h"
#include "test-driver.h"

static const struct copy_case {
	int64_t		 i;
	bool		 i_null;
	double		 d;
	const char	*s;		/* NULL: SQL NULL */
} cases[] = {
	{ INT64_MIN, false, 1.0 / 3.0, "tab\there\nnewline \\ back\\slash" },
	{ INT64_MAX, false, -0.0, "\\N is not NULL" },
	{ 0, false, NAN, NULL },
	{ -1, false, INFINITY, "" },
	{ 42, true, -INFINITY, "cr\r and \xc3\xa9 \\." },
	{ 7, false, 4.9406564584124654e-324, "x" },
	{ -7, false, DBL_MAX, "{\"f\":[1.5,-2e-300]}" },
	{ 1, false, -1e-300, "end" },
};
#define NCASES	(sizeof cases / sizeof cases[0])

/* Case k (id k + 1) as binary values. */
static void
binary_values(size_t k, struct db_copy_value v[4])
{
	v[0].type = DB_COPY_INT8;
	v[0].v.i = (int64_t)k + 1;
	v[1].type = cases[k].i_null ? DB_COPY_NULL : DB_COPY_INT8;
	v[1].v.i = cases[k].i;
	v[2].type = DB_COPY_FLOAT8;
	v[2].v.d = cases[k].d;
	v[3].type = DB_COPY_TEXT;
	v[3].v.s = cases[k].s;
}

/* Case k as text values (numbers printed into num). */
static void
text_values(size_t k, const char *v[4], char num[3][32])
{
	snprintf(num[0], sizeof num[0], "%zu", k + 1);
	snprintf(num[1], sizeof num[1], "%" PRId64, cases[k].i);
	v[0] = num[0];
	v[1] = cases[k].i_null ? NULL : num[1];
	v[2] = db_pg_double_text(num[2], sizeof num[2], cases[k].d);
	v[3] = cases[k].s;
}

START_TEST(test_pg_copy_binary_same)
{
	struct db_conn *c = open_t();
	struct db_copy_value v[4];
	const char *tv[4];
	char num[3][32];
	struct db_stmt *st;
	size_t k;

	ck_assert_int_eq(db_exec(c, "DROP TABLE IF EXISTS u"), 0);
	ck_assert_int_eq(db_exec(c, "CREATE TABLE u (LIKE t)"), 0);
	ck_assert_int_eq(db_begin(c, true), 0);
	ck_assert_msg(db_pg_copy_begin_binary(c, "t", "id, i, d, s") == 0,
	    "%s", db_errmsg(c));
	for (k = 0; k < NCASES; k++) {
		binary_values(k, v);
		ck_assert_int_eq(db_pg_copy_tuple(c, v, 4), 0);
	}
	ck_assert_msg(db_pg_copy_end(c) == 0, "%s", db_errmsg(c));
	ck_assert_int_eq(db_pg_copy_begin(c, "u", "id, i, d, s"), 0);
	for (k = 0; k < NCASES; k++) {
		text_values(k, tv, num);
		ck_assert_int_eq(db_pg_copy_row(c, tv, 4), 0);
	}
	ck_assert_msg(db_pg_copy_end(c) == 0, "%s", db_errmsg(c));
	ck_assert_int_eq(db_commit(c), 0);
	ck_assert_int_eq(one(c, "SELECT count(*) FROM t"), (int64_t)NCASES);
	/* Both ways the same bytes, row for row. */
	ck_assert_int_eq(one(c, "SELECT count(*) FROM t FULL JOIN u"
	    " USING (id) WHERE t.id IS NULL OR u.id IS NULL"
	    " OR int8send(t.i) IS DISTINCT FROM int8send(u.i)"
	    " OR float8send(t.d) IS DISTINCT FROM float8send(u.d)"
	    " OR t.s IS DISTINCT FROM u.s"), 0);
	/* -0.0 as 0, NaN as NULL, as SQLite stores them. */
	ck_assert_int_eq(one(c, "SELECT count(*) FROM t WHERE id = 2"
	    " AND float8send(d) = float8send(CAST(0 AS DOUBLE PRECISION))"),
	    1);
	ck_assert_int_eq(one(c, "SELECT count(*) FROM t WHERE d IS NULL"), 1);
	st = prep(c, "SELECT i, i IS NULL, d, s FROM t ORDER BY id");
	for (k = 0; k < NCASES; k++) {
		ck_assert_int_eq(db_step(st), DB_ROW);
		ck_assert_int_eq(db_column_int64(st, 1), cases[k].i_null);
		if (!cases[k].i_null)
			ck_assert(db_column_int64(st, 0) == cases[k].i);
		if (!isnan(cases[k].d))
			ck_assert(db_column_double(st, 2) == cases[k].d);
		if (cases[k].s == NULL)
			ck_assert(db_column_null(st, 3));
		else
			ck_assert_str_eq(db_column_text(st, 3), cases[k].s);
	}
	db_finalize(st);
	db_close(c);
}
END_TEST

/* 5,000 rows and a 200,000-byte text: past the 8 KiB chunks, whole. */
START_TEST(test_pg_copy_binary_many)
{
	struct db_conn *c = open_t();
	struct db_copy_value v[4];
	char *big = xmalloc(200001);
	int64_t k;

	memset(big, 'b', 200000);
	big[200000] = '\0';
	v[0].type = v[1].type = DB_COPY_INT8;
	v[2].type = DB_COPY_FLOAT8;
	v[3].type = DB_COPY_TEXT;
	ck_assert_int_eq(db_begin(c, true), 0);
	ck_assert_int_eq(db_pg_copy_begin_binary(c, "t", "id, i, d, s"), 0);
	for (k = 1; k <= 5000; k++) {
		v[0].v.i = k;
		v[1].v.i = 3 * k;
		v[2].v.d = (double)k / 8;
		v[3].v.s = k == 2500 ? big :
		    "forty bytes of text, forty bytes of txt";
		ck_assert_int_eq(db_pg_copy_tuple(c, v, 4), 0);
	}
	ck_assert_msg(db_pg_copy_end(c) == 0, "%s", db_errmsg(c));
	ck_assert_int_eq(db_commit(c), 0);
	ck_assert_int_eq(one(c, "SELECT count(*) FROM t"), 5000);
	ck_assert_int_eq(one(c, "SELECT sum(i) FROM t"), 3 * 5000 * 5001 / 2);
	ck_assert_int_eq(one(c, "SELECT CAST(sum(d) * 8 AS BIGINT) FROM t"),
	    5000 * 5001 / 2);
	ck_assert_int_eq(one(c, "SELECT sum(length(s)) FROM t"),
	    4999 * 39 + 200000);
	ck_assert_int_eq(one(c, "SELECT length(s) FROM t WHERE id = 2500"),
	    200000);
	free(big);
	db_close(c);
}
END_TEST

/* A row of the other format refused; bad binary values fail the COPY. */
START_TEST(test_pg_copy_binary_errors)
{
	struct db_conn *c = open_t();
	struct db_copy_value v[4];
	const char *row[] = { "9", NULL, NULL, "x" };

	binary_values(0, v);
	ck_assert_int_eq(db_pg_copy_tuple(c, v, 4), -1);
	ck_assert_str_eq(db_errmsg(c), "no binary COPY under way");
	ck_assert_int_eq(db_begin(c, true), 0);
	ck_assert_int_eq(db_pg_copy_begin_binary(c, "t", "id, i, d, s"), 0);
	ck_assert_int_eq(db_pg_copy_row(c, row, 4), -1);
	ck_assert_str_eq(db_errmsg(c), "no text COPY under way");
	ck_assert_int_eq(db_pg_copy_tuple(c, v, 4), 0);
	ck_assert_msg(db_pg_copy_end(c) == 0, "%s", db_errmsg(c));
	/* The same id again: the key refuses it, as a constraint. */
	ck_assert_int_eq(db_pg_copy_begin_binary(c, "t", "id, i, d, s"), 0);
	ck_assert_int_eq(db_pg_copy_tuple(c, v, 4), 0);
	ck_assert_int_eq(db_pg_copy_end(c), -1);
	ck_assert_int_eq(db_error(c), DB_E_CONSTRAINT);
	ck_assert_int_eq(db_tx_state(c), DB_TX_FAILED);
	ck_assert_int_eq(db_rollback(c), 0);
	/* An int8 for an INTEGER column: the server's own words. */
	ck_assert_int_eq(db_exec(c, "DROP TABLE IF EXISTS n"), 0);
	ck_assert_int_eq(db_exec(c, "CREATE TABLE n (x INTEGER)"), 0);
	ck_assert_int_eq(db_begin(c, true), 0);
	ck_assert_int_eq(db_pg_copy_begin_binary(c, "n", "x"), 0);
	ck_assert_int_eq(db_pg_copy_tuple(c, v, 1), 0);
	ck_assert_int_eq(db_pg_copy_end(c), -1);
	ck_assert_msg(strstr(db_errmsg(c), "incorrect binary data format") !=
	    NULL, "%s", db_errmsg(c));
	ck_assert_int_eq(db_rollback(c), 0);
	ck_assert_int_eq(one(c, "SELECT count(*) FROM t"), 0);
	ck_assert_int_eq(one(c, "SELECT count(*) FROM n"), 0);
	db_close(c);
}
END_TEST

/*
 * The server's count checked at the end: a BEFORE INSERT trigger that
 * skips the even ids stores 2 of 4 binary rows and 2 of 3 text rows, and
 * the end fails naming both counts, the transaction left open for the
 * caller to roll back; without the trigger the same COPY ends well.
 */
START_TEST(test_pg_copy_count)
{
	struct db_conn *c = open_t();
	struct db_copy_value v[4];
	const char *row[4];
	char num[3][32];
	size_t k;

	ck_assert_msg(db_exec(c, "CREATE OR REPLACE FUNCTION skip_even()"
	    " RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
	    " IF NEW.id % 2 = 0 THEN RETURN NULL; END IF; RETURN NEW;"
	    " END $$") == 0, "%s", db_errmsg(c));
	ck_assert_int_eq(db_exec(c, "CREATE TRIGGER t_skip BEFORE INSERT ON t"
	    " FOR EACH ROW EXECUTE FUNCTION skip_even()"), 0);
	ck_assert_int_eq(db_begin(c, true), 0);
	ck_assert_int_eq(db_pg_copy_begin_binary(c, "t", "id, i, d, s"), 0);
	for (k = 0; k < 4; k++) {
		binary_values(k, v);
		ck_assert_int_eq(db_pg_copy_tuple(c, v, 4), 0);
	}
	ck_assert_int_eq(db_pg_copy_end(c), -1);
	ck_assert_str_eq(db_errmsg(c),
	    "the server's COPY stored 2 of the 4 rows sent");
	ck_assert_int_eq(db_tx_state(c), DB_TX_OPEN);
	ck_assert_int_eq(db_rollback(c), 0);
	ck_assert_int_eq(db_begin(c, true), 0);
	ck_assert_int_eq(db_pg_copy_begin(c, "t", "id, i, d, s"), 0);
	for (k = 0; k < 3; k++) {
		text_values(k, row, num);
		ck_assert_int_eq(db_pg_copy_row(c, row, 4), 0);
	}
	ck_assert_int_eq(db_pg_copy_end(c), -1);
	ck_assert_str_eq(db_errmsg(c),
	    "the server's COPY stored 2 of the 3 rows sent");
	ck_assert_int_eq(db_rollback(c), 0);
	ck_assert_int_eq(one(c, "SELECT count(*) FROM t"), 0);
	/* Nothing skipped: the counts agree. */
	ck_assert_int_eq(db_exec(c, "DROP TRIGGER t_skip ON t"), 0);
	ck_assert_int_eq(db_pg_copy_begin_binary(c, "t", "id, i, d, s"), 0);
	for (k = 0; k < 4; k++) {
		binary_values(k, v);
		ck_assert_int_eq(db_pg_copy_tuple(c, v, 4), 0);
	}
	ck_assert_msg(db_pg_copy_end(c) == 0, "%s", db_errmsg(c));
	ck_assert_int_eq(one(c, "SELECT count(*) FROM t"), 4);
	db_close(c);
}
END_TEST

START_TEST(test_sqlite_no_binary_copy)
{
	struct db_conn *c = open_t();
	struct db_copy_value v[4];

	binary_values(0, v);
	ck_assert_int_eq(db_pg_copy_begin_binary(c, "t", "id"), -1);
	ck_assert_int_eq(db_pg_copy_tuple(c, v, 4), -1);
	ck_assert_str_eq(db_errmsg(c), "not a PostgreSQL connection");
	db_close(c);
}
END_TEST

void
driver_copy_tests(TCase *only)
{
	if (pg) {
		tcase_add_test(only, test_pg_copy_binary_same);
		tcase_add_test(only, test_pg_copy_binary_many);
		tcase_add_test(only, test_pg_copy_binary_errors);
		tcase_add_test(only, test_pg_copy_count);
	} else
		tcase_add_test(only, test_sqlite_no_binary_copy);
}
