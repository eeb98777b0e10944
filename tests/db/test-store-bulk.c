/*
 * The bulk path (src/db/store-bulk.c): rows known new without asking the
 * database go many at a time, by PostgreSQL's COPY or SQLite's held rows
 * and their multi-row INSERTs (store-held.c). Each case checks that every
 * row is stored once, with its own values, in its order: rows of every
 * shape through every width of statement; replays after a restart and in
 * the open transaction; a rollback; a batch another writer shares; two
 * models on one handle; and a row the database refuses, which must fail
 * the transaction, never vanish.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "db/driver.h"
#include "db/store-internal.h"
#include "db/store.h"
#include "fixture.h"

/*
 * More rows than two of the fullest holds and not a multiple of one:
 * without event ids SQLite writes them STORE_HELD_MAX, STORE_HELD_MAX,
 * 37 at a time.
 */
#define BULK_ROWS	(2 * STORE_HELD_MAX + 37)

/* What no row has in a case (bulk_off): none by default. */
enum bulk_off {
	BULK_NO_LABEL = 1 << 0,
	BULK_NO_TS = 1 << 1,
	BULK_NO_LINE = 1 << 2,
	BULK_NO_ID = 1 << 3
};
static unsigned bulk_off;

/* Whether row i has a label, an event time, a line, an event id. */
static bool
bulk_labelled(int64_t i)
{
	return !(bulk_off & BULK_NO_LABEL) && i % 4 != 3;
}

static bool
bulk_has_ts(int64_t i)
{
	return !(bulk_off & BULK_NO_TS) && i % 5 == 0;
}

static bool
bulk_has_line(int64_t i)
{
	return !(bulk_off & BULK_NO_LINE) && i % 7 != 0;
}

static bool
bulk_has_id(int64_t i)
{
	return !(bulk_off & BULK_NO_ID) && i % 11 == 5;
}

/*
 * Row i of batch: labelled or not, with or without an event time and a
 * source line, every eleventh with an event id (the per-row path between
 * held rows), unless bulk_off takes one away from every row; salt
 * changes its content (not its key).
 */
static int
bulk_add(struct store *s, int64_t batch, int64_t i, int salt, char **cause)
{
	struct store_prediction p;
	struct store_event_id id;
	char *f;
	int rc;

	f = xasprintf("[%" PRId64 ",%" PRId64 ",%d]", i, batch, salt);
	memset(&p, 0, sizeof p);
	p.batch_id = batch;
	p.row_in_batch = i;
	p.features_json = f;
	p.scores_json = "[0.25,0.5,0.25]";
	p.predicted_class = (int)(i % 3);
	p.confidence = 0.5 + 0.125 * salt;
	p.true_class = bulk_labelled(i) ? (int)(i % 3) : -1;
	p.logged_at = 1000.0 + (double)i;
	p.has_event_ts = bulk_has_ts(i);
	p.event_ts = i * 1000000;
	p.line = bulk_has_line(i) ? i + 1 : 0;
	memset(&id, 0, sizeof id);
	id.num = batch * 1000 + i;
	p.event_id = bulk_has_id(i) ? &id : NULL;
	rc = store_prediction_add(s, &p, cause);
	free(f);
	return rc;
}

/* Rows from .. to - 1 of batch: each must come back as want. */
static void
bulk_rows(struct store *s, int64_t batch, int64_t from, int64_t to,
    int salt, enum store_add_result want)
{
	char *cause = NULL;
	int64_t i;
	int rc;

	for (i = from; i < to; i++) {
		rc = bulk_add(s, batch, i, salt, &cause);
		ck_assert_msg(rc == (int)want, "batch %" PRId64 " row %" PRId64
		    ": %d, not %d (%s)", batch, i, rc, (int)want,
		    cause != NULL ? cause : "");
		free(cause);
		cause = NULL;
	}
}

/* Row i of batch with salt as bulk_check's statement shows it. */
static void
bulk_want(int64_t batch, int64_t i, int salt, char *want, size_t size)
{
	char label[16], at[24], ts[24], line[24], id[24];
	bool labelled = bulk_labelled(i);

	snprintf(label, sizeof label, "%d", (int)(i % 3));
	snprintf(at, sizeof at, "%" PRId64, 1000 + i);
	snprintf(ts, sizeof ts, "%" PRId64, i * 1000000);
	snprintf(line, sizeof line, "%" PRId64, i + 1);
	snprintf(id, sizeof id, "%" PRId64, batch * 1000 + i);
	snprintf(want, size, "%" PRId64 "|[%" PRId64 ",%" PRId64 ",%d]|%d|"
	    "%d|%s|%s|%s|%s|%s|%s", i, i, batch, salt, (int)(i % 3),
	    4 + salt, labelled ? label : "n", at, labelled ? at : "n",
	    bulk_has_id(i) ? id : "n", bulk_has_ts(i) ? ts : "n",
	    bulk_has_line(i) ? line : "n");
}

/*
 * Rows 0 .. n - 1 of batch (of model) stored once each, with salt's
 * content, in the order of their ids, and no other row of the batch.
 */
static void
bulk_check(int64_t batch, int64_t n, int salt, const char *model)
{
	static const char sql[] = "SELECT row_in_batch || '|' || features"
	    " || '|' || predicted_class || '|'"
	    " || CAST(confidence * 8 AS BIGINT) || '|'"
	    " || coalesce(CAST(true_class AS TEXT), 'n') || '|'"
	    " || CAST(logged_at AS BIGINT) || '|'"
	    " || coalesce(CAST(CAST(labeled_at AS BIGINT) AS TEXT), 'n')"
	    " || '|' || coalesce(CAST(event_id AS TEXT), 'n') || '|'"
	    " || coalesce(CAST(event_ts AS TEXT), 'n') || '|'"
	    " || coalesce(CAST(src_line AS TEXT), 'n')"
	    " FROM predictions WHERE batch_id = ?1 AND model_id = (SELECT"
	    " model_id FROM models WHERE name = ?2) ORDER BY id";
	struct db_conn *c;
	struct db_stmt *st;
	char want[192], *cause = NULL;
	int64_t i = 0;
	int rc;

	c = db_open(db_target, DB_OPEN_READ_ONLY, &cause);
	ck_assert_msg(c != NULL, "%s", cause);
	st = db_prepare(c, sql, 0);
	ck_assert_msg(st != NULL, "%s", db_errmsg(c));
	db_bind_int64(st, 1, batch);
	db_bind_text(st, 2, model, -1, DB_STATIC);
	for (; (rc = db_step(st)) == DB_ROW; i++) {
		bulk_want(batch, i, salt, want, sizeof want);
		ck_assert_msg(i < n, "batch %" PRId64 ": a row after %"
		    PRId64 ": %s", batch, n - 1, db_column_text(st, 0));
		ck_assert_str_eq(db_column_text(st, 0), want);
	}
	ck_assert_msg(rc == DB_DONE, "%s", db_errmsg(c));
	ck_assert_msg(i == n, "batch %" PRId64 ": %" PRId64 " rows, not %"
	    PRId64, batch, i, n);
	db_finalize(st);
	db_close(c);
}

/*
 * Rows of every shape, held and not: a statement in the open transaction
 * sees them all, the commit stores each with its own values (a held row
 * must not take another's label, time or line, nor lose its own) in
 * order.
 */
START_TEST(test_bulk_every_row)
{
	struct store *s;
	char *cause = NULL;

	s = open_rw();
	bulk_rows(s, 1, 0, BULK_ROWS, 0, STORE_ADD_NEW);
	ck_assert_uint_eq(store_pending(s), BULK_ROWS);
	ck_assert_int_eq(store_batch_rows(s, 1), BULK_ROWS);
	/* Two rounds: each statement run a second time. */
	bulk_rows(s, 2, 0, BULK_ROWS, 1, STORE_ADD_NEW);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	store_close(s);
	bulk_check(1, BULK_ROWS, 0, "default");
	bulk_check(2, BULK_ROWS, 1, "default");
}
END_TEST

/*
 * Rows without ids (held up to STORE_HELD_MAX) that lack, all of them, a
 * label, an event time, a line, in every combination, one batch each and
 * one batch of every shape between them, in one transaction on one
 * handle: each row keeps what it has (a column written as NULL for rows
 * that lack it must not be for the next rows that have it) and gets no
 * value where it has none.
 */
START_TEST(test_bulk_null_sets)
{
	struct store *s;
	char *cause = NULL;
	unsigned off;

	s = open_rw();
	for (off = 0; off < BULK_NO_ID; off++) {
		bulk_off = off | BULK_NO_ID;
		bulk_rows(s, 10 + 2 * off, 0, BULK_ROWS, 0, STORE_ADD_NEW);
		bulk_off = 0;
		bulk_rows(s, 11 + 2 * off, 0, BULK_ROWS, 1, STORE_ADD_NEW);
	}
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	store_close(s);
	for (off = 0; off < BULK_NO_ID; off++) {
		bulk_off = off | BULK_NO_ID;
		bulk_check(10 + 2 * off, BULK_ROWS, 0, "default");
		bulk_off = 0;
		bulk_check(11 + 2 * off, BULK_ROWS, 1, "default");
	}
}
END_TEST

/*
 * A replay is told from a new row on the bulk path's batch: after a
 * restart (the store's counts start again), in the next transaction, and
 * amid held rows of the open one; a conflict is reported, not stored nor
 * dropped silently.
 */
START_TEST(test_bulk_replay)
{
	struct store *s;
	char *cause = NULL;

	s = open_rw();
	bulk_rows(s, 3, 0, 100, 0, STORE_ADD_NEW);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	store_close(s);
	s = open_rw();
	bulk_rows(s, 3, 0, 100, 0, STORE_ADD_REPLAY);
	bulk_rows(s, 3, 100, 150, 0, STORE_ADD_NEW);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	bulk_rows(s, 3, 0, 150, 0, STORE_ADD_REPLAY);
	bulk_rows(s, 3, 150, 160, 0, STORE_ADD_NEW);
	/* Rows held a moment ago, sent again: replays, and a conflict. */
	bulk_rows(s, 3, 152, 158, 0, STORE_ADD_REPLAY);
	bulk_rows(s, 3, 155, 156, 1, STORE_ADD_CONFLICT);
	bulk_rows(s, 3, 160, 170, 0, STORE_ADD_NEW);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	store_close(s);
	bulk_check(3, 170, 0, "default");
}
END_TEST

/* A rollback takes the held rows with it; sent again, they are new. */
START_TEST(test_bulk_rollback)
{
	struct store *s;
	char *cause = NULL;

	s = open_rw();
	bulk_rows(s, 4, 0, 100, 1, STORE_ADD_NEW);
	store_discard(s);
	ck_assert_uint_eq(store_pending(s), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"), 0);
	bulk_rows(s, 4, 0, 100, 0, STORE_ADD_NEW);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	store_close(s);
	bulk_check(4, 100, 0, "default");
}
END_TEST

/*
 * Two writers share a batch, one transaction after the other: the rows
 * the other stored are counted (the batch is not the bulk path's any
 * more), so rows sent again with other content are conflicts, not
 * errors, and the other's rows stay as they were.
 */
START_TEST(test_bulk_shared_batch)
{
	struct store *a, *b;
	char *cause = NULL;

	a = open_rw();
	b = open_rw();
	bulk_rows(a, 5, 0, 10, 0, STORE_ADD_NEW);
	ck_assert_msg(store_flush(a, &cause) == 0, "%s", cause);
	bulk_rows(b, 5, 10, 20, 0, STORE_ADD_NEW);
	ck_assert_msg(store_flush(b, &cause) == 0, "%s", cause);
	bulk_rows(a, 5, 10, 20, 1, STORE_ADD_CONFLICT);
	bulk_rows(a, 5, 20, 30, 0, STORE_ADD_NEW);
	ck_assert_msg(store_flush(a, &cause) == 0, "%s", cause);
	store_close(a);
	store_close(b);
	bulk_check(5, 30, 0, "default");
}
END_TEST

/* Two models on one handle in one transaction, the same batch id. */
START_TEST(test_bulk_two_models)
{
	struct store *s;
	char *cause = NULL;

	s = open_rw();
	ck_assert_msg(store_model_set(s, "ma", &cause) == 0, "%s", cause);
	bulk_rows(s, 6, 0, 40, 0, STORE_ADD_NEW);
	ck_assert_msg(store_model_set(s, "mb", &cause) == 0, "%s", cause);
	bulk_rows(s, 6, 0, 70, 0, STORE_ADD_NEW);
	ck_assert_msg(store_model_set(s, "ma", &cause) == 0, "%s", cause);
	bulk_rows(s, 6, 40, 90, 0, STORE_ADD_NEW);
	bulk_rows(s, 6, 0, 90, 0, STORE_ADD_REPLAY);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	store_close(s);
	bulk_check(6, 90, 0, "ma");
	bulk_check(6, 70, 0, "mb");
}
END_TEST

/*
 * A held row the database does not store (here a trigger drops it, as a
 * taken key would) fails the commit and rolls the whole transaction
 * back, saying so: the rows were reported logged, so none may be kept
 * without it.
 */
START_TEST(test_bulk_refused_row)
{
	struct store *s;
	char *cause = NULL;
	uint64_t rollbacks;

	s = open_rw();
	rollbacks = store_rollbacks(s);
	q_exec("CREATE TRIGGER drop_one BEFORE INSERT ON predictions"
	    " WHEN NEW.row_in_batch = 9 BEGIN SELECT RAISE(IGNORE); END");
	/* Rows 6 to 15: none has an event id (the per-row path). */
	bulk_rows(s, 7, 6, 16, 0, STORE_ADD_NEW);
	ck_assert_int_eq(store_flush(s, &cause), -1);
	ck_assert_msg(strstr(cause, "was not stored") != NULL &&
	    strstr(cause, "rolled back") != NULL, "%s", cause);
	free(cause);
	ck_assert_uint_gt(store_rollbacks(s), rollbacks);
	store_close(s);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"), 0);
}
END_TEST

int
main(int argc, char **argv)
{
	const struct fixture_case cases[] = {
		{ test_bulk_every_row, NULL },
		{ test_bulk_null_sets, NULL },
		{ test_bulk_replay, NULL },
		{ test_bulk_rollback, NULL },
		{ test_bulk_shared_batch, NULL },
		{ test_bulk_two_models, NULL },
		{ test_bulk_refused_row, "SQLite's held rows check the"
		    " rows each INSERT stored; the trigger that drops one is"
		    " SQLite's RAISE(IGNORE)" },
	};

	return fixture_main(argc, argv, "store-bulk", cases,
	    sizeof cases / sizeof cases[0], 60);
}
