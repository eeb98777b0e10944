/*
 * The store's rows and batch ledger: the schema a new store gets, replay
 * of logged rows, what a flush makes visible to a reader, read-only opens
 * beside a writer, a batch read back in row order, the features parser,
 * closed batches and late rows, the judged-once claim, the batches a
 * dead writer's session held (PostgreSQL), and labels (the
 * outcomes of a label record, inline labels). Per-model records are in
 * test-store-model.c, concurrent writers in test-store-writers.c, the
 * SQLite file's conditions in test-store-file.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/store-internal.h"
#include "db/store.h"
#include "fixture.h"

/* A new store's tables, columns and indexes; reopening it is a no-op. */
START_TEST(test_open_creates_schema)
{
	static const char *tables[] = { "predictions", "monitor_reports",
	    "alerts", "alert_conditions", "meta", "reference", "batches",
	    "rejected", "detector_state" };
	static const char *alert_cols[] = { "condition_key", "kind",
	    "status", "attempts", "last_error", "next_attempt_at",
	    "delivered_at" };
	struct store *s;
	size_t i;

	s = open_rw();
	for (i = 0; i < sizeof tables / sizeof tables[0]; i++)
		ck_assert_msg(q_exists(tables[i], NULL) == 1, "table %s",
		    tables[i]);
	for (i = 0; i < sizeof alert_cols / sizeof alert_cols[0]; i++)
		ck_assert_msg(q_exists("alerts", alert_cols[i]) == 1,
		    "alerts.%s", alert_cols[i]);
	ck_assert_int_eq(q_exists("alerts", "no_such_column"), 0);
	ck_assert_int_eq(q_int(fixture_pg ? "SELECT count(*) FROM pg_indexes"
	    " WHERE indexname = 'alerts_model_status_next'" :
	    "SELECT count(*) FROM sqlite_master WHERE"
	    " name = 'alerts_model_status_next'"), 1);
	ck_assert_int_eq(q_int("SELECT value FROM meta WHERE key = "
	    "'schema_version'"), STORE_SCHEMA_VERSION);
	store_close(s);
	/* Reopening is idempotent. */
	s = open_rw();
	store_close(s);
	ck_assert_int_eq(q_int("SELECT count(*) FROM meta WHERE key = "
	    "'schema_version'"), 1);
}
END_TEST

/* The file's header says the version, its journal is WAL. */
START_TEST(test_open_sqlite_file)
{
	struct store *s;

	s = open_rw();
	store_close(s);
	ck_assert_int_eq(q_int("PRAGMA user_version"), STORE_SCHEMA_VERSION);
	ck_assert_str_eq(q_text("PRAGMA journal_mode"), "wal");
}
END_TEST

START_TEST(test_replay_skips_logged_rows)
{
	struct store *s;
	char *cause = NULL;

	s = open_rw();
	ck_assert_int_eq(add_row(s, 1, 0, -1, &cause), 1);
	ck_assert_int_eq(add_row(s, 1, 0, -1, &cause), 0);
	ck_assert_int_eq(add_row(s, 1, 1, -1, &cause), 1);
	ck_assert_uint_eq(store_pending(s), 2);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_uint_eq(store_pending(s), 0);
	/* After commit and reopen: still a duplicate. */
	store_close(s);
	s = open_rw();
	ck_assert_int_eq(add_row(s, 1, 0, -1, &cause), 0);
	ck_assert_int_eq(add_row(s, 1, 1, -1, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"), 2);
	ck_assert_int_eq(store_batch_rows(s, 1), 2);
	ck_assert_int_eq(store_batch_rows(s, 2), 0);
	store_close(s);
}
END_TEST

START_TEST(test_flush_visibility)
{
	struct store *w, *r;
	char *cause = NULL;

	w = open_rw();
	r = store_open(db_target, STORE_READ_ONLY, &cause);
	ck_assert_msg(r != NULL, "%s", cause);
	add_batch(w, 0, 10, false);
	/* Uncommitted: invisible to another connection. */
	ck_assert_int_eq(store_batch_rows(r, 0), 0);
	ck_assert_int_eq(store_batch_state(r, 0), STORE_BATCH_UNKNOWN);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"), 0);
	ck_assert_int_eq(store_flush(w, &cause), 0);
	ck_assert_int_eq(store_batch_rows(r, 0), 10);
	ck_assert_int_eq(store_batch_state(r, 0), STORE_BATCH_OPEN);
	ck_assert_int_eq(store_batch_close(w, 0, &cause), 0);
	ck_assert_int_eq(store_flush(w, &cause), 0);
	ck_assert_int_eq(store_batch_state(r, 0), STORE_BATCH_CLOSED);
	ck_assert_int_eq(q_int("SELECT n_rows FROM batches WHERE "
	    "batch_id = 0"), 10);
	store_close(r);
	store_close(w);
}
END_TEST

START_TEST(test_read_only_beside_writer)
{
	struct store *w, *r;
	struct store_batch b;
	struct detector_report dr;
	char *cause = NULL, *none;

	/* A read-only open of no store fails and never creates one. */
	ck_assert_ptr_null(store_open(db_target, STORE_READ_ONLY, &cause));
	ck_assert_ptr_nonnull(strstr(cause, fixture_pg ? "no schema yet" :
	    "no such database"));
	free(cause);
	cause = NULL;
	if (fixture_pg)
		ck_assert_int_eq(q_exists("predictions", NULL), 0);
	else
		ck_assert_int_eq(access(db_target, F_OK), -1);

	w = open_rw();
	add_batch(w, 3, 5, false);
	ck_assert_int_eq(store_flush(w, &cause), 0);
	/* The writer now holds an open write transaction. */
	add_batch(w, 4, 5, false);
	r = store_open(db_target, STORE_READ_ONLY, &cause);
	ck_assert_msg(r != NULL, "%s", cause);
	ck_assert_int_eq(store_batch_get(r, 3, &b, &cause), 0);
	ck_assert_uint_eq(b.n_rows, 5);
	store_batch_finish(&b);
	ck_assert_int_eq(store_batch_get(r, 4, &b, &cause), 1);
	/* Writes on a read-only store fail with a cause, never abort. */
	ck_assert_int_eq(add_row(r, 9, 0, -1, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "read-only"));
	free(cause);
	cause = NULL;
	memset(&dr, 0, sizeof dr);
	ck_assert_int_eq(store_report_put_detectors(r, 3, &dr, &cause), -1);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(store_flush(w, &cause), 0);
	ck_assert_int_eq(store_batch_rows(r, 4), 5);
	store_close(w);
	/* Read-only open of a WAL file with no writer around. */
	ck_assert_int_eq(store_detector_get(r, "ddm", &(int64_t){0}, &none,
	    &cause), 1);
	store_close(r);
	r = store_open(db_target, STORE_READ_ONLY, &cause);
	ck_assert_msg(r != NULL, "%s", cause);
	ck_assert_int_eq(store_batch_rows(r, 4), 5);
	store_close(r);
}
END_TEST

START_TEST(test_batch_get_order_and_values)
{
	struct store_batch b;
	struct store *s;
	char *cause = NULL, *f;
	int rows[] = { 4, 0, 3, 1, 2 };
	size_t i;
	double want;

	s = open_rw();
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(add_row(s, 7, rows[i], -1, &cause), 1);
	ck_assert_int_eq(store_batch_get(s, 7, &b, &cause), 0);
	ck_assert_uint_eq(b.n_rows, 5);
	ck_assert_uint_eq(b.n_features, 5);
	ck_assert_ptr_null(b.true_class);
	for (i = 0; i < 5; i++) {
		want = (double)i / 3.0;
		ck_assert(memcmp(&b.features[i * 5], &want, sizeof want) == 0);
		ck_assert(b.features[i * 5 + 3] == 1e-300);
		ck_assert_int_eq(b.predicted[i], (int)(i % 3));
	}
	store_batch_finish(&b);
	ck_assert_int_eq(store_batch_get(s, 8, &b, &cause), 1);
	/* A malformed features text is an error, not a crash. */
	f = "[1, 2";
	{
		struct store_prediction p = { .batch_id = 9, .row_in_batch = 0,
		    .features_json = f, .scores_json = "[0.5,0.5]",
		    .predicted_class = 0, .confidence = 0.5,
		    .true_class = -1 };

		ck_assert_int_eq(store_prediction_add(s, &p, &cause), 1);
	}
	ck_assert_int_eq(store_batch_get(s, 9, &b, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "malformed features"));
	free(cause);
	store_close(s);
}
END_TEST

START_TEST(test_closed_batch)
{
	struct store *s;
	char *cause = NULL;

	s = open_rw();
	add_batch(s, 2, 3, false);
	ck_assert_int_eq(store_batch_close(s, 2, &cause), 0);
	ck_assert_int_eq(store_batch_close(s, 2, &cause), 0);
	/* Replay of a logged row: skipped. */
	ck_assert_int_eq(add_row(s, 2, 1, -1, &cause), 0);
	/* A new row for a closed (judged) batch: kept, late. */
	ck_assert_int_eq(add_row(s, 2, 3, -1, &cause), STORE_ADD_LATE);
	ck_assert_int_eq(store_batch_late(s, 2), 1);
	ck_assert_int_eq(store_batch_rows(s, 2), 4);
	/* Its replay is skipped; closing again claims nothing. */
	ck_assert_int_eq(add_row(s, 2, 3, -1, &cause), STORE_ADD_REPLAY);
	ck_assert_int_eq(store_batch_close(s, 2, &cause), 0);
	ck_assert_int_eq(store_batch_late(s, 2), 1);
	/* Closing an unknown batch leaves no ledger row. */
	ck_assert_int_eq(store_batch_close(s, 99, &cause), 0);
	ck_assert_int_eq(store_batch_state(s, 99), STORE_BATCH_UNKNOWN);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM batches"), 1);
	store_close(s);
}
END_TEST

/*
 * Judged once: of two writers closing one batch, only the first claim
 * wins; a judgement undone (a stop) leaves the batch open and listed as
 * abandoned until a claim judges it.
 */
START_TEST(test_batch_claim)
{
	struct store *a, *b;
	char *cause = NULL;
	int64_t rows, *ids;
	size_t n;

	a = open_rw();
	b = open_rw();
	add_batch(a, 5, 3, false);
	ck_assert_int_eq(store_flush(a, &cause), 0);
	/* b adds a row of its own, a conflicting one is refused. */
	ck_assert_int_eq(add_row(b, 5, 3, -1, &cause), STORE_ADD_NEW);
	ck_assert_int_eq(add_row(b, 5, 4, -1, &cause), STORE_ADD_NEW);
	ck_assert_int_eq(store_flush(b, &cause), 0);
	ck_assert_int_eq(add_row(a, 5, 4, 1, &cause), STORE_ADD_CONFLICT);
	free(cause);
	cause = NULL;
	/* a judges it over the 5 committed rows; b's claim finds it done. */
	ck_assert_int_eq(store_batch_claim(a, 5, &rows, &cause), 1);
	ck_assert_int_eq(rows, 5);
	ck_assert_int_eq(store_flush(a, &cause), 0);
	ck_assert_int_eq(store_batch_claim(b, 5, &rows, &cause), 0);
	ck_assert_int_eq(rows, 0);
	ck_assert_int_eq(store_flush(b, &cause), 0);

	/* An undone judgement: open again, abandoned, judged later. */
	add_batch(a, 6, 2, false);
	ck_assert_int_eq(store_judge_begin(a, &cause), 0);
	ck_assert_int_eq(store_batch_claim(a, 6, &rows, &cause), 1);
	ck_assert_int_eq(store_judge_end(a, false, &cause), 0);
	ck_assert_int_eq(store_batch_state(a, 6), STORE_BATCH_OPEN);
	ck_assert_int_eq(store_batch_abandon(a, 6, &cause), 0);
	ck_assert_int_eq(store_flush(a, &cause), 0);
	ck_assert_int_eq(store_batch_abandoned(b, &ids, &n, &cause), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ids[0], 6);
	free(ids);
	ck_assert_int_eq(store_batch_claim(b, 6, &rows, &cause), 1);
	ck_assert_int_eq(rows, 2);
	ck_assert_int_eq(store_batch_abandoned(b, &ids, &n, &cause), 0);
	ck_assert_uint_eq(n, 0);
	free(ids);
	ck_assert_int_eq(store_flush(b, &cause), 0);
	store_close(a);
	store_close(b);
}
END_TEST

/*
 * store_sql_ids: the first column of a statement without parameters (but
 * :model), in order; none; a statement that fails leaves no ids.
 */
START_TEST(test_sql_ids)
{
	static const char sql[] = "SELECT batch_id FROM batches"
	    " WHERE model_id = :model ORDER BY batch_id DESC";
	struct store *s;
	char *cause = NULL;
	int64_t *ids = (int64_t *)&cause;
	size_t n = 7;

	s = open_rw();
	ck_assert_int_eq(store_sql_ids(s, sql, &ids, &n, "listing", &cause),
	    0);
	ck_assert_ptr_null(ids);
	ck_assert_uint_eq(n, 0);
	add_batch(s, 3, 2, false);
	add_batch(s, 9, 1, false);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_int_eq(store_sql_ids(s, sql, &ids, &n, "listing", &cause),
	    0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ids[0], 9);
	ck_assert_int_eq(ids[1], 3);
	free(ids);
	ids = (int64_t *)&cause;
	n = 7;
	ck_assert_int_eq(store_sql_ids(s, "SELECT no_such_column FROM"
	    " batches WHERE model_id = :model", &ids, &n, "listing", &cause),
	    -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_null(ids);
	ck_assert_uint_eq(n, 0);
	free(cause);
	store_close(s);
}
END_TEST

/*
 * orphaned LIST: the open batches quiet since a minute from now that no
 * live session holds, as "7,8" ("" none).
 */
static void
orphaned(struct store *s, const char *want)
{
	char	 got[64], *cause = NULL;
	int64_t	*ids;
	size_t	 n, i, o;
	int	 tries = 0;

	/*
	 * A session closed by its client ends on the server a moment later
	 * (libpq does not wait): its locks go then. Up to 2 s for that.
	 */
	do {
		if (tries++ > 0)
			usleep(20000);
		ck_assert_int_eq(store_batches_orphaned(s, clock_wall() + 60,
		    &ids, &n, &cause), 0);
		got[0] = '\0';
		for (i = 0, o = 0; i < n; i++)
			o += (size_t)snprintf(got + o, sizeof got - o,
			    "%s%lld", i > 0 ? "," : "", (long long)ids[i]);
		free(ids);
	} while (strcmp(got, want) != 0 && tries < 100);
	ck_assert_str_eq(got, want);
}

/*
 * A batch held by a writer's session (PostgreSQL): not orphaned while
 * that session lives, to any writer (its own skips it), however quiet;
 * orphaned once the session ends or lets go; gone from the list once a
 * claim judges it; a batch with a row newer than the cut-off is not.
 * SQLite: never (one writer at a time; nothing held).
 */
START_TEST(test_batch_hold)
{
	struct store *a, *b, *c;
	char *cause = NULL;
	int64_t rows, *ids;
	size_t n;

	a = open_rw();
	b = open_rw();
	c = open_rw();
	add_batch(a, 7, 3, false);
	ck_assert_int_eq(store_batch_hold(a, 7, &cause), 0);
	ck_assert_int_eq(store_batch_hold(a, 7, &cause), 0);	/* once */
	ck_assert_int_eq(store_flush(a, &cause), 0);
	add_batch(c, 8, 2, false);
	ck_assert_int_eq(store_batch_hold(c, 8, &cause), 0);
	ck_assert_int_eq(store_flush(c, &cause), 0);
	orphaned(b, "");
	orphaned(a, "");
	orphaned(c, "");
	/* c lets go of 8 (it lives on); a's session ends. */
	ck_assert_int_eq(store_batch_release(c, 8, &cause), 0);
	orphaned(b, fixture_pg ? "8" : "");
	store_close(a);
	orphaned(b, fixture_pg ? "7,8" : "");
	orphaned(c, fixture_pg ? "7,8" : "");
	/* Quiet since the cut-off only: none is before a minute ago. */
	ck_assert_int_eq(store_batches_orphaned(b, clock_wall() - 60, &ids,
	    &n, &cause), 0);
	ck_assert_uint_eq(n, 0);
	free(ids);
	ck_assert_int_eq(store_batch_claim(b, 7, &rows, &cause), 1);
	ck_assert_int_eq(rows, 3);
	ck_assert_int_eq(store_flush(b, &cause), 0);
	orphaned(c, fixture_pg ? "8" : "");
	store_close(b);
	store_close(c);
}
END_TEST

/* The five label outcomes, in sequence on one batch. */
START_TEST(test_label_outcomes)
{
	static const struct {
		int64_t				 batch;
		int				 labels[4];
		size_t				 n;
		bool				 allow;
		enum store_label_result		 want;
		const char			*cause;
	} cases[] = {
		{ 5, { 0, 1, 2 }, 3, false, STORE_LABEL_NOT_CLOSED,
		    "still open" },
		{ 6, { 0, 1, 2 }, 3, false, STORE_LABEL_NOT_CLOSED,
		    "no predictions" },
		{ 1, { 0, 1 }, 2, false, STORE_LABEL_MISMATCH,
		    "labels for batch 1 have 2 values but 3 predictions are "
		    "logged" },
		{ 1, { 0, 1, 2, 0 }, 4, false, STORE_LABEL_MISMATCH,
		    "have 4 values but 3" },
		{ 1, { 2, 1, 0 }, 3, false, STORE_LABEL_APPLIED, NULL },
		{ 1, { 2, 1, 0 }, 3, false, STORE_LABEL_SAME, NULL },
		{ 1, { 2, 2, 0 }, 3, false, STORE_LABEL_CONFLICT,
		    "differ from the stored ones at 1 of 3 rows" },
		{ 1, { 2, 2, 0 }, 3, true, STORE_LABEL_APPLIED, NULL },
		{ 1, { 2, 2, 0 }, 3, true, STORE_LABEL_SAME, NULL },
		{ 1, { -1, 2, 0 }, 3, true, STORE_LABEL_ERROR, "not a class" },
	};
	struct store_batch b;
	struct store *s;
	char *cause;
	size_t i;

	s = open_rw();
	add_batch(s, 1, 3, false);
	ck_assert_int_eq(store_batch_close(s, 1, &cause), 0);
	add_batch(s, 5, 3, false);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		ck_assert_msg(store_label_batch(s, cases[i].batch,
		    cases[i].labels, cases[i].n, cases[i].allow, &cause) ==
		    cases[i].want, "case %zu: %s", i, cause);
		if (cases[i].cause != NULL)
			ck_assert_msg(cause != NULL &&
			    strstr(cause, cases[i].cause) != NULL,
			    "case %zu: %s", i, cause);
		free(cause);
		if (i == 6) {	/* the conflict changed nothing */
			ck_assert_int_eq(store_batch_get(s, 1, &b, &cause), 0);
			ck_assert_int_eq(b.true_class[1], 1);
			store_batch_finish(&b);
		}
	}
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_int_eq(q_int("SELECT n_labelled FROM batches WHERE "
	    "batch_id = 1"), 3);
	ck_assert_int_eq(q_int("SELECT labelled_at IS NOT NULL FROM batches "
	    "WHERE batch_id = 1"), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions WHERE "
	    "batch_id = 1 AND labeled_at IS NOT NULL"), 3);
	ck_assert_int_eq(q_int("SELECT true_class FROM predictions WHERE "
	    "batch_id = 1 AND row_in_batch = 1"), 2);
	ck_assert_int_eq(store_batch_get(s, 1, &b, &cause), 0);
	ck_assert_ptr_nonnull(b.true_class);
	ck_assert_int_eq(b.true_class[0], 2);
	store_batch_finish(&b);
	store_close(s);
}
END_TEST

START_TEST(test_inline_labels_count)
{
	int labels[4] = { 0, 1, 2, 0 };
	struct store_batch b;
	struct store *s;
	char *cause = NULL;

	s = open_rw();
	add_batch(s, 0, 4, true);
	ck_assert_int_eq(store_batch_close(s, 0, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_int_eq(q_int("SELECT n_labelled FROM batches"), 4);
	ck_assert_int_eq(q_int("SELECT labelled_at IS NOT NULL FROM "
	    "batches"), 1);
	ck_assert_int_eq(store_batch_get(s, 0, &b, &cause), 0);
	ck_assert_ptr_nonnull(b.true_class);
	ck_assert_uint_eq(b.n_labelled, 4);
	store_batch_finish(&b);
	/* The same labels again, as a delayed record: a no-op. */
	ck_assert_int_eq(store_label_batch(s, 0, labels, 4, false, &cause),
	    STORE_LABEL_SAME);
	/* A partly labelled batch: the gaps are filled without conflict. */
	ck_assert_int_eq(add_row(s, 1, 0, 1, &cause), 1);
	ck_assert_int_eq(add_row(s, 1, 1, -1, &cause), 1);
	ck_assert_int_eq(store_batch_close(s, 1, &cause), 0);
	ck_assert_int_eq(store_batch_get(s, 1, &b, &cause), 0);
	/* The labelled rows with their labels, the others -1. */
	ck_assert_ptr_nonnull(b.true_class);
	ck_assert_uint_eq(b.n_labelled, 1);
	ck_assert_int_eq(b.true_class[0], 1);
	ck_assert_int_eq(b.true_class[1], -1);
	store_batch_finish(&b);
	ck_assert_int_eq(store_label_batch(s, 1, (int[]){ 1, 2 }, 2, false,
	    &cause), STORE_LABEL_APPLIED);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_int_eq(q_int("SELECT n_labelled FROM batches WHERE "
	    "batch_id = 1"), 2);
	store_close(s);
}
END_TEST

/*
 * Rows with and without a label and an id, in turn: each stored with its
 * own (the hot insert binds a NULL parameter only when the last row's
 * was not NULL: a row after one with a label or id must not inherit it,
 * nor one after a plain row lose its own).
 */
START_TEST(test_nulls_row_by_row)
{
	static const struct {
		int	label;		/* -1: none */
		int64_t	id;		/* 0: none */
	} rows[] = { { 1, 10 }, { -1, 0 }, { -1, 0 }, { 2, 0 }, { -1, 11 },
	    { -1, 0 }, { 0, 12 } };
	struct store_event_id id;
	struct store *s;
	char *cause = NULL;
	size_t i;

	s = open_rw();
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		memset(&id, 0, sizeof id);
		id.num = rows[i].id;
		ck_assert_msg(add_row_id(s, 0, (int64_t)i, rows[i].label,
		    rows[i].id > 0 ? &id : NULL, &cause) == STORE_ADD_NEW,
		    "%s", cause);
	}
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_str_eq(q_text("SELECT coalesce(CAST(true_class AS TEXT),"
	    " 'n') || CASE WHEN labeled_at IS NULL THEN '/0/' ELSE '/1/' END"
	    " || coalesce(CAST(event_id AS TEXT), 'n')"
	    " FROM predictions ORDER BY row_in_batch"),
	    "1/1/10,n/0/n,n/0/n,2/1/n,n/0/11,n/0/n,0/1/12");
	store_close(s);
}
END_TEST

START_TEST(test_json_doubles)
{
	static const struct {
		const char	*text;
		long		 n;
		double		 first;
	} cases[] = {
		{ "[]", 0, 0 },
		{ " [ ] ", 0, 0 },
		{ "[1]", 1, 1 },
		{ "[-2.5e3, 4]", 2, -2500 },
		{ "[0.1,0.2,0.30000000000000004]", 3, 0.1 },
		{ "\n[ 1 ,\t2 ]\n", 2, 1 },
		{ "[4.9406564584124654e-324]", 1, 4.9406564584124654e-324 },
		{ "", -1, 0 },
		{ "[", -1, 0 },
		{ "[1,]", -1, 0 },
		{ "[,1]", -1, 0 },
		{ "[1 2]", -1, 0 },
		{ "[nan]", -1, 0 },
		{ "[inf]", -1, 0 },
		{ "[1e999]", -1, 0 },
		{ "[\"1\"]", -1, 0 },
		{ "[1] x", -1, 0 },
		{ "{1}", -1, 0 },
		{ "[1,[2]]", -1, 0 },
	};
	double *v = NULL;
	size_t cap = 0, i;
	long n;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = store_json_doubles(cases[i].text, strlen(cases[i].text),
		    &v, &cap);
		ck_assert_msg(n == cases[i].n, "case %zu (%s): %ld", i,
		    cases[i].text, n);
		if (n > 0)
			ck_assert(v[0] == cases[i].first);
	}
	free(v);
}
END_TEST

int
main(int argc, char **argv)
{
	const struct fixture_case cases[] = {
		{ test_open_creates_schema, NULL },
		{ test_open_sqlite_file, "PRAGMA user_version and the WAL"
		    " journal are the SQLite file's" },
		{ test_replay_skips_logged_rows, NULL },
		{ test_flush_visibility, NULL },
		{ test_read_only_beside_writer, NULL },
		{ test_batch_get_order_and_values, NULL },
		{ test_json_doubles, "no store: the features parser alone,"
		    " run once" },
		{ test_closed_batch, NULL },
		{ test_batch_claim, NULL },
		{ test_sql_ids, NULL },
		{ test_batch_hold, NULL },
		{ test_label_outcomes, NULL },
		{ test_inline_labels_count, NULL },
		{ test_nulls_row_by_row, NULL },
	};

	return fixture_main(argc, argv, "store", cases,
	    sizeof cases / sizeof cases[0], 60);
}
