/*
 * The store against real SQLite files in a private temp dir: schema,
 * replay, flush visibility, read-only opens beside a writer, labels,
 * reference, rejects, detector state, reports, two writer processes, a
 * read-only file, a full database and a seed-made database.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/xalloc.h"
#include "db/store-internal.h"
#include "core/monitor.h"
#include "db/store.h"
#include "fixture.h"

static char *
feat_text(int64_t batch, int64_t row)
{
	return xasprintf("[%.17g, %lld, -0.5, 1e-300, %lld]",
	    (double)row / 3.0, (long long)batch, (long long)(row * row));
}

/* Add one prediction; returns store_prediction_add's result. */
static int
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

static void
add_batch(struct store *s, int64_t batch, int rows, bool labelled)
{
	char *cause = NULL;
	int i;

	for (i = 0; i < rows; i++)
		ck_assert_msg(add_row(s, batch, i, labelled ? i % 3 : -1,
		    &cause) == 1, "add: %s", cause);
}

/* Two models in one store: same batch ids, nothing shared. */
START_TEST(test_models_isolated)
{
	static const int labels[4] = { 0, 1, 2, 0 };
	struct detector_report dr;
	struct store *s, *r;
	char *cause = NULL, *payload, *state, **names;
	int64_t last;
	size_t n;

	s = open_rw();
	ck_assert_str_eq(store_model(s), "default");
	add_batch(s, 1, 10, false);
	ck_assert_int_eq(store_batch_close(s, 1, &cause), 0);
	memset(&dr, 0, sizeof dr);
	dr.n_fed = 10;
	ck_assert_int_eq(store_report_put_detectors(s, 1, &dr, &cause), 0);
	ck_assert_int_eq(store_detector_put(s, "ddm", 1, "d1", &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);

	ck_assert_int_eq(store_model_set(s, "m2", &cause), 0);
	ck_assert_int_eq(store_batch_state(s, 1), STORE_BATCH_UNKNOWN);
	ck_assert_int_eq(store_report_get(s, 1, "detectors", &payload,
	    &cause), 1);
	ck_assert_int_eq(store_detector_get(s, "ddm", &last, &state, &cause),
	    1);
	add_batch(s, 1, 4, false);
	ck_assert_int_eq(store_batch_close(s, 1, &cause), 0);
	ck_assert_int_eq(store_label_batch(s, 1, labels, 4, false, &cause),
	    STORE_LABEL_APPLIED);
	dr.n_fed = 4;
	ck_assert_int_eq(store_report_put_detectors(s, 1, &dr, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"), 14);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"
	    " WHERE true_class IS NOT NULL"), 4);

	ck_assert_int_eq(store_model_set(s, "default", &cause), 0);
	ck_assert_int_eq(store_batch_rows(s, 1), 10);
	ck_assert_int_eq(store_report_get(s, 1, "detectors", &payload,
	    &cause), 0);
	ck_assert_ptr_nonnull(strstr(payload, "\"n_fed\":10"));
	free(payload);
	ck_assert_int_eq(store_detector_get(s, "ddm", &last, &state, &cause),
	    0);
	ck_assert_str_eq(state, "d1");
	free(state);
	ck_assert_int_eq(store_models(s, &names, &n, &cause), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "default");
	ck_assert_str_eq(names[1], "m2");
	store_models_free(names, n);

	ck_assert_int_eq(store_model_set(s, "bad name", &cause), -1);
	ck_assert_str_eq(cause, "model \"bad name\": byte 4 of a model name "
	    "is 0x20, not one of A-Z a-z 0-9 . _ : -");
	free(cause);
	cause = NULL;
	ck_assert_str_eq(store_model(s), "default");
	store_close(s);

	/* A reader: the model asked for, or nothing for an unknown one. */
	r = store_open(db_path, STORE_READ_ONLY, &cause);
	ck_assert_msg(r != NULL, "%s", cause);
	ck_assert_int_eq(store_model_set(r, "m2", &cause), 0);
	ck_assert_int_eq(store_batch_rows(r, 1), 4);
	ck_assert_int_eq(store_model_set(r, "nobody", &cause), 0);
	ck_assert_int_eq(store_batch_state(r, 1), STORE_BATCH_UNKNOWN);
	ck_assert_int_eq(store_batch_rows(r, 1), 0);
	store_close(r);
	ck_assert_int_eq(q_int("SELECT count(*) FROM models"), 2);
}
END_TEST

START_TEST(test_open_creates_schema)
{
	static const char *tables[] = { "predictions", "monitor_reports",
	    "alerts", "alert_conditions", "meta", "reference", "batches",
	    "rejected", "detector_state" };
	struct store *s;
	char *sql;
	size_t i;

	s = open_rw();
	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		sql = xasprintf("SELECT count(*) FROM sqlite_master WHERE "
		    "type = 'table' AND name = '%s'", tables[i]);
		ck_assert_msg(q_int(sql) == 1, "table %s", tables[i]);
		free(sql);
	}
	ck_assert_int_eq(q_int("PRAGMA user_version"), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(q_int("SELECT count(*) FROM pragma_table_info("
	    "'alerts') WHERE name IN ('condition_key', 'kind', 'status', "
	    "'attempts', 'last_error', 'next_attempt_at', 'delivered_at')"), 7);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sqlite_master WHERE "
	    "name = 'alerts_model_status_next'"), 1);
	ck_assert_int_eq(q_int("SELECT value FROM meta WHERE key = "
	    "'schema_version'"), STORE_SCHEMA_VERSION);
	store_close(s);
	/* Reopening is idempotent. */
	s = open_rw();
	store_close(s);
	{
		sqlite3 *db;
		sqlite3_stmt *st;

		sqlite3_open(db_path, &db);
		sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 0),
		    "wal");
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
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
	r = store_open(db_path, STORE_READ_ONLY, &cause);
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

	/* A read-only open never creates a file. */
	ck_assert_ptr_null(store_open(db_path, STORE_READ_ONLY, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "no such database"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(access(db_path, F_OK), -1);

	w = open_rw();
	add_batch(w, 3, 5, false);
	ck_assert_int_eq(store_flush(w, &cause), 0);
	/* The writer now holds an open write transaction. */
	add_batch(w, 4, 5, false);
	r = store_open(db_path, STORE_READ_ONLY, &cause);
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
	r = store_open(db_path, STORE_READ_ONLY, &cause);
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

/* The five label outcomes, in sequence on one batch. */
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

static void
ref_make(struct store_reference *r, size_t rows, double shift)
{
	size_t i, j;

	memset(r, 0, sizeof *r);
	r->n_rows = rows;
	r->n_features = 3;
	r->n_classes = 2;
	r->features = xcalloc(rows * 3, sizeof *r->features);
	r->predicted = xcalloc(rows, sizeof *r->predicted);
	r->confidence = xcalloc(rows, sizeof *r->confidence);
	r->scores = xcalloc(rows * 2, sizeof *r->scores);
	r->true_class = xcalloc(rows, sizeof *r->true_class);
	for (i = 0; i < rows; i++) {
		for (j = 0; j < 3; j++)
			r->features[i * 3 + j] = sin((double)(i * 3 + j)) +
			    shift;
		r->predicted[i] = (int)(i % 2);
		r->scores[i * 2] = 0.1 + (double)i / (double)(rows * 2);
		r->scores[i * 2 + 1] = 1 - r->scores[i * 2];
		r->confidence[i] = fmax(r->scores[i * 2], r->scores[i * 2 + 1]);
		r->true_class[i] = i % 5 == 0 ? -1 : (int)(i % 2);
	}
}

START_TEST(test_reference)
{
	struct store_reference a, b, c, got;
	struct store *s;
	char *cause = NULL;

	ref_make(&a, 50, 0);
	ref_make(&b, 50, 0);
	ref_make(&c, 40, 1e-9);
	s = open_rw();
	ck_assert_int_eq(store_reference_get(s, &got, &cause), 1);
	ck_assert_int_eq(store_reference_put(s, &a, false, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	/* Identical content: silently accepted. */
	ck_assert_int_eq(store_reference_put(s, &b, false, &cause), 0);
	/* Different: refused, both sizes named. */
	ck_assert_int_eq(store_reference_put(s, &c, false, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "50 rows"));
	ck_assert_ptr_nonnull(strstr(cause, "40 rows"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(store_reference_get(s, &got, &cause), 0);
	ck_assert_uint_eq(got.n_rows, 50);
	ck_assert_uint_eq(store_reference_digest(&got, NULL),
	    store_reference_digest(&a, NULL));
	ck_assert(memcmp(got.features, a.features, 150 * sizeof(double)) ==
	    0);
	ck_assert(memcmp(got.scores, a.scores, 100 * sizeof(double)) == 0);
	ck_assert(memcmp(got.true_class, a.true_class, 50 * sizeof(int)) ==
	    0);
	store_reference_finish(&got);
	/* Replace. */
	ck_assert_int_eq(store_reference_put(s, &c, true, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM reference"), 40);
	ck_assert_int_eq(store_reference_get(s, &got, &cause), 0);
	ck_assert_uint_eq(got.n_rows, 40);
	ck_assert(got.features[0] == c.features[0]);
	store_reference_finish(&got);
	store_close(s);
	store_reference_finish(&a);
	store_reference_finish(&b);
	store_reference_finish(&c);
}
END_TEST

START_TEST(test_schema_names)
{
	char *fn[] = { "age", "income" }, *cn[] = { "no", "yes" };
	char *dup[] = { "age", "age" }, *cn2[] = { "n", "y" };
	struct store_schema sc = { 2, 2, fn, cn, NULL }, got;
	struct store_schema bad = { 2, 2, dup, cn, NULL };
	struct store_schema other = { 2, 2, fn, cn2, NULL };
	struct store *s;
	char *cause = NULL;

	s = open_rw();
	ck_assert_int_eq(store_schema_get(s, &got, &cause), 1);
	ck_assert_int_eq(store_schema_put(s, &bad, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "appears twice"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(store_schema_put(s, &sc, &cause), 0);
	ck_assert_int_eq(store_schema_put(s, &sc, &cause), 0);
	ck_assert_int_eq(store_schema_put(s, &other, &cause), -1);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(store_schema_get(s, &got, &cause), 0);
	ck_assert_uint_eq(got.n_features, 2);
	ck_assert_str_eq(got.feature_names[1], "income");
	ck_assert_str_eq(got.class_names[1], "yes");
	store_schema_finish(&got);
	ck_assert_int_eq(store_schema_replace(s, &other, &cause), 0);
	ck_assert_int_eq(store_schema_get(s, &got, &cause), 0);
	ck_assert_str_eq(got.class_names[0], "n");
	store_schema_finish(&got);
	store_schema_default(&got, 3, 2);
	ck_assert_str_eq(got.feature_names[2], "feature_2");
	ck_assert_str_eq(got.class_names[1], "1");
	store_schema_finish(&got);
	store_close(s);
}
END_TEST

START_TEST(test_rejected_truncation)
{
	static const struct {
		size_t	len;
		int	truncated;
		size_t	stored;
	} cases[] = {
		{ 0, 0, 0 },
		{ 10, 0, 10 },
		{ STORE_REJECT_TEXT_MAX, 0, STORE_REJECT_TEXT_MAX },
		{ STORE_REJECT_TEXT_MAX + 1, 1, STORE_REJECT_TEXT_MAX },
		{ 100000, 1, STORE_REJECT_TEXT_MAX },
	};
	struct store *s;
	char *cause = NULL, *text, *sql;
	size_t i;

	text = xmalloc(100000);
	memset(text, 'x', 100000);
	s = open_rw();
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_int_eq(store_reject_add(s, "stdin", i + 1,
		    "malformed JSON", text, cases[i].len, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sql = xasprintf("SELECT length(text) * 2 + truncated FROM "
		    "rejected WHERE line = %zu", i + 1);
		ck_assert_int_eq(q_int(sql), (long long)(cases[i].stored * 2 +
		    (size_t)cases[i].truncated));
		free(sql);
	}
	/* A cut never splits a UTF-8 sequence: é is 2 bytes. */
	for (i = 0; i + 1 < 100000; i += 2)
		memcpy(text + i, "\xc3\xa9", 2);
	ck_assert_int_eq(store_reject_add(s, "f.ndjson", 77, "bad", text + 1,
	    9000, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_int_le(q_int("SELECT length(CAST(text AS BLOB)) FROM "
	    "rejected WHERE line = 77"), STORE_REJECT_TEXT_MAX);
	ck_assert_int_eq(q_int("SELECT length(CAST(text AS BLOB)) % 2 FROM "
	    "rejected WHERE line = 77"), 1);
	store_close(s);
	free(text);
}
END_TEST

START_TEST(test_detector_state)
{
	struct store *s;
	char *cause = NULL, *state;
	int64_t last;

	s = open_rw();
	ck_assert_int_eq(store_detector_get(s, "ddm", &last, &state, &cause),
	    1);
	ck_assert_int_eq(store_detector_put(s, "ddm", 4, "n=1 p=0x1p-3\n",
	    &cause), 0);
	ck_assert_int_eq(store_detector_put(s, "adwin", 4, "w=7", &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	store_close(s);
	s = open_rw();
	ck_assert_int_eq(store_detector_get(s, "ddm", &last, &state, &cause),
	    0);
	ck_assert_int_eq(last, 4);
	ck_assert_str_eq(state, "n=1 p=0x1p-3\n");
	free(state);
	ck_assert_int_eq(store_detector_put(s, "ddm", 5, "n=2", &cause), 0);
	ck_assert_int_eq(store_detector_get(s, "ddm", &last, &state, &cause),
	    0);
	ck_assert_int_eq(last, 5);
	ck_assert_str_eq(state, "n=2");
	free(state);
	store_close(s);
}
END_TEST

START_TEST(test_reports)
{
	struct detector_report dr;
	struct store *s;
	char *cause = NULL, *payload;

	s = open_rw();
	ck_assert_int_eq(store_report_get(s, 1, "performance", &payload,
	    &cause), 1);
	memset(&dr, 0, sizeof dr);
	dr.n_fed = 5;
	ck_assert_int_eq(store_report_put_detectors(s, 1, &dr, &cause), 0);
	dr.n_fed = 75;
	dr.adwin_drift = true;
	ck_assert_int_eq(store_report_put_detectors(s, 2, &dr, &cause), 0);
	dr.n_fed = 7;
	ck_assert_int_eq(store_report_put_detectors(s, 1, &dr, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_int_eq(store_report_get(s, 1, "detectors", &payload,
	    &cause), 0);
	ck_assert_ptr_nonnull(strstr(payload, "\"n_fed\":7,"));
	free(payload);
	/* The seed's reader query works on our file. */
	ck_assert_int_eq(q_int("SELECT count(payload) FROM monitor_reports "
	    "WHERE report_type='detectors'"), 2);
	ck_assert_int_eq(q_int("SELECT json_extract(payload, '$.n_fed') "
	    "FROM monitor_reports WHERE report_type='detectors' AND"
	    " batch_id = 2"), 75);
	store_close(s);
}
END_TEST

/*
 * Two processes on one file for a few seconds: a writer logging and
 * closing 50-row batches, a labeler labelling every closed batch. Neither
 * may see a single error.
 */
#define CONC_BATCHES	800
#define CONC_ROWS	50

static int
conc_labeler(void)
{
	int labels[CONC_ROWS], i, done = 0, idle = 0;
	enum store_label_result r;
	struct store *s;
	char *cause = NULL;
	int64_t b = 0;

	for (i = 0; i < CONC_ROWS; i++)
		labels[i] = i % 3;
	s = store_open(db_path, STORE_READ_WRITE, &cause);
	if (s == NULL) {
		fprintf(stderr, "labeler open: %s\n", cause);
		return 1;
	}
	while (b < CONC_BATCHES && idle < 20000) {
		if (store_batch_state(s, b) != STORE_BATCH_CLOSED) {
			if (store_flush(s, &cause) == -1) {
				fprintf(stderr, "labeler: %s\n", cause);
				return 1;
			}
			usleep(500);
			idle++;
			continue;
		}
		idle = 0;
		r = store_label_batch(s, b, labels, CONC_ROWS, false, &cause);
		if (r != STORE_LABEL_APPLIED) {
			fprintf(stderr, "labeler batch %lld: %d %s\n",
			    (long long)b, (int)r, cause);
			return 1;
		}
		if (++done % 3 == 0 && store_flush(s, &cause) == -1) {
			fprintf(stderr, "labeler: %s\n", cause);
			return 1;
		}
		b++;
	}
	if (store_flush(s, &cause) == -1) {
		fprintf(stderr, "labeler: %s\n", cause);
		return 1;
	}
	store_close(s);
	return b == CONC_BATCHES ? 0 : 2;
}

START_TEST(test_two_processes)
{
	struct store *s;
	char *cause = NULL;
	pid_t pid;
	int st, b, i;

	s = open_rw();	/* create the schema before the race */
	store_close(s);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(conc_labeler());
	s = open_rw();
	for (b = 0; b < CONC_BATCHES; b++) {
		for (i = 0; i < CONC_ROWS; i++)
			ck_assert_msg(add_row(s, b, i, -1, &cause) == 1,
			    "writer: %s", cause);
		ck_assert_msg(store_batch_close(s, b, &cause) == 0,
		    "writer: %s", cause);
		ck_assert_msg(store_flush(s, &cause) == 0, "writer: %s",
		    cause);
		if (b % 40 == 0)
			usleep(20000);
	}
	store_close(s);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "labeler failed (status %d)", st);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions WHERE "
	    "true_class IS NULL"), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"),
	    CONC_BATCHES * CONC_ROWS);
	ck_assert_int_eq(q_int("SELECT count(*) FROM batches WHERE "
	    "n_labelled = n_rows AND n_rows = 50 AND labelled_at IS NOT "
	    "NULL"), CONC_BATCHES);
}
END_TEST

/*
 * Busy: a second writer process waits for the lock instead of failing.
 * The child forks before the parent opens anything (an SQLite connection
 * must never cross a fork).
 */
START_TEST(test_busy_waits)
{
	struct timespec t0, t1;
	struct store *a, *b;
	char *cause = NULL, c;
	int fd[2], st;
	double waited;
	pid_t pid;

	a = open_rw();
	store_close(a);
	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(fd[1]);
		if (read(fd[0], &c, 1) != 1)
			_exit(5);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		b = store_open(db_path, STORE_READ_WRITE, &cause);
		if (b == NULL || add_row(b, 1, 0, -1, &cause) != 1 ||
		    store_flush(b, &cause) == -1) {
			fprintf(stderr, "second writer: %s\n", cause);
			_exit(1);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		store_close(b);
		waited = (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		_exit(waited > 0.2 ? 0 : 6);	/* it did wait for us */
	}
	close(fd[0]);
	a = open_rw();
	add_batch(a, 0, 3, false);	/* a holds the write lock */
	ck_assert_int_eq(write(fd[1], "x", 1), 1);
	close(fd[1]);
	usleep(400000);
	ck_assert_int_eq(store_flush(a, &cause), 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d",
	    WEXITSTATUS(st));
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"), 4);
	store_close(a);
}
END_TEST

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

	s = store_open(db_path, STORE_READ_WRITE, &cause);
	if (s != NULL)
		return 1;
	if (strstr(cause, "read-only") == NULL ||
	    strstr(cause, db_path) == NULL) {
		fprintf(stderr, "cause: %s\n", cause);
		return 2;
	}
	free(cause);
	cause = NULL;
	/* Reading still works (the directory lets us create the -shm). */
	s = store_open(db_path, STORE_READ_ONLY, &cause);
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
	s = store_open(db_path, STORE_READ_ONLY, &cause);
	if (s != NULL)
		return 1;
	if (strstr(cause, "-shm") == NULL) {
		fprintf(stderr, "cause: %s\n", cause);
		return 2;
	}
	free(cause);
	return 0;
}

/*
 * Turns: a writer that holds the lock for 20 ms, commits and re-locks at
 * once (an ingest at full speed) must not starve a second writer process
 * (a labeler). The looping writer sees the waiter announced in "<db>-wait"
 * after its commit and lets it take the lock first, so the wait is about
 * one hold. Without that, the waiter's polls only rarely fall into the
 * microseconds between COMMIT and BEGIN: it waits dozens of holds.
 */
START_TEST(test_writer_turns)
{
	struct timespec t0, t1;
	struct store *a, *b;
	char *cause = NULL, c;
	int go[2], stop[2], st;
	long commits = 0;
	double waited;
	pid_t pid;

	a = open_rw();
	store_close(a);
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(stop), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(go[0]);
		close(stop[1]);
		fcntl(stop[0], F_SETFL, O_NONBLOCK);
		a = store_open(db_path, STORE_READ_WRITE, &cause);
		if (a == NULL || write(go[1], "x", 1) != 1)
			_exit(1);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			if (store_detector_put(a, "ddm", commits++, "x",
			    &cause) == -1 || usleep(20000) == -1 ||
			    store_flush(a, &cause) == -1) {
				fprintf(stderr, "looping writer: %s\n", cause);
				_exit(1);
			}
			clock_gettime(CLOCK_MONOTONIC, &t1);
		} while (read(stop[0], &c, 1) != 1 && t1.tv_sec - t0.tv_sec < 5);
		store_close(a);
		_exit(commits >= 2 ? 0 : 2);
	}
	close(go[1]);
	close(stop[0]);
	ck_assert_int_eq(read(go[0], &c, 1), 1);
	usleep(100000);		/* the loop is running */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	b = open_rw();
	ck_assert_msg(add_row(b, 7, 0, 1, &cause) == 1 &&
	    store_flush(b, &cause) == 0, "second writer: %s", cause);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waited = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* A starved writer finds the loop gone (the pipe broken). */
	signal(SIGPIPE, SIG_IGN);
	if (write(stop[1], "x", 1) != 1)
		ck_abort_msg("second writer waited %.3f s", waited);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d",
	    WEXITSTATUS(st));
	ck_assert_msg(waited < 0.2, "second writer waited %.3f s", waited);
	store_close(b);
}
END_TEST

START_TEST(test_read_only_file)
{
	struct store *s;
	char *cause = NULL, *shm;
	int st;

	s = open_rw();
	add_batch(s, 0, 2, false);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	store_close(s);
	shm = xasprintf("%s-shm", db_path);
	ck_assert_int_eq(access(shm, F_OK), -1);	/* removed at close */
	ck_assert_int_eq(chmod(db_path, 0444), 0);
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
	    strstr(cause, db_path) != NULL, "%s", cause);
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

	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
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

static Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, fixture_setup, fixture_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_open_creates_schema);
	tcase_add_test(tc, test_models_isolated);
	tcase_add_test(tc, test_replay_skips_logged_rows);
	tcase_add_test(tc, test_flush_visibility);
	tcase_add_test(tc, test_read_only_beside_writer);
	tcase_add_test(tc, test_batch_get_order_and_values);
	tcase_add_test(tc, test_closed_batch);
	tcase_add_test(tc, test_batch_claim);
	tcase_add_test(tc, test_label_outcomes);
	tcase_add_test(tc, test_inline_labels_count);
	tcase_add_test(tc, test_reference);
	tcase_add_test(tc, test_schema_names);
	tcase_add_test(tc, test_rejected_truncation);
	tcase_add_test(tc, test_detector_state);
	tcase_add_test(tc, test_reports);
	tcase_add_test(tc, test_two_processes);
	tcase_add_test(tc, test_busy_waits);
	tcase_add_test(tc, test_writer_turns);
	tcase_add_test(tc, test_read_only_file);
	tcase_add_test(tc, test_disk_full);
	tcase_add_test(tc, test_seed_database_upgrade);
	tcase_add_test(tc, test_json_doubles);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(store_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
