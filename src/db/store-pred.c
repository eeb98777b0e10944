/*
 * The hot insert: a prediction into predictions, its batch's ledger row
 * made in the transaction that inserts the batch's first row. The store
 * remembers the current batch so the ledger costs nothing per row, and
 * counts the rows it inserts into a batch whose ledger row it made, so
 * that the batch's close (store-batch.c) need not count them again while
 * no other connection has committed (SQLite's PRAGMA data_version; on
 * PostgreSQL, where many writers share a batch, while the transaction
 * that made the ledger row, and found no row of the batch stored, is
 * open: it holds the model's turn, so no other writer adds rows or
 * labels of the model meanwhile; a commit or a rollback ends it).
 * A row known new without asking the database goes into the flush's COPY
 * (PostgreSQL) or is held for a multi-row INSERT (SQLite) instead
 * (store-bulk.c). n_rows and n_labelled are recounted over the
 * UNIQUE(batch_id, model_id, row_in_batch) range at close otherwise, and
 * on labelling.
 */
#include "db/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "db/store-internal.h"

static const char sql_pred_insert[] =
    "INSERT INTO predictions (batch_id, row_in_batch, features,"
    " predicted_class, confidence, scores, true_class, logged_at,"
    " labeled_at, event_id, event_ts, src_line, model_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, :model)"
    " ON CONFLICT DO NOTHING";
static const char sql_pred_exists[] =
    "SELECT features, scores, predicted_class, confidence, true_class"
    " FROM predictions WHERE batch_id = ?1 AND row_in_batch = ?2"
    " AND model_id = :model";
static const char sql_batch_open[] =
    "INSERT INTO batches (batch_id, n_rows, n_labelled, opened_at,"
    " model_id) VALUES (?1, 0, 0, ?2, :model)"
    " ON CONFLICT (model_id, batch_id) DO NOTHING";
/*
 * The open of a batch known absent (absent_batch): no ON CONFLICT, so a
 * ledger row there after all is an error with the transaction, never a
 * row counted twice.
 */
static const char sql_batch_open_new[] =
    "INSERT INTO batches (batch_id, n_rows, n_labelled, opened_at,"
    " model_id) VALUES (?1, 0, 0, ?2, :model)";
static const char sql_data_version[] = "PRAGMA data_version";
static const char sql_batch_closed[] =
    "SELECT closed_at IS NOT NULL, pruned_at IS NOT NULL FROM batches"
    " WHERE batch_id = ?1 AND model_id = :model";
/*
 * 1 closed, 0 open, -1 unknown: the ledger row's state, else (no ledger
 * row: rows written by something else still count) whether any row of
 * the batch is stored. One statement, one round trip on PostgreSQL.
 */
static const char sql_batch_state[] =
    "SELECT coalesce((SELECT CASE WHEN closed_at IS NULL THEN 0 ELSE 1"
    " END FROM batches WHERE batch_id = ?1 AND model_id = :model),"
    " CASE WHEN EXISTS (SELECT 1 FROM predictions WHERE batch_id = ?1"
    " AND model_id = :model) THEN 0 ELSE -1 END)";
static const char sql_batch_count[] =
    "SELECT count(*), count(true_class), max(labeled_at)"
    " FROM predictions WHERE batch_id = ?1 AND model_id = :model";
/* The store's count of late rows, for the console (meta late_rows). */
static const char sql_late_count[] =
    "INSERT INTO meta (key, value, model_id) VALUES ('late_rows', '1',"
    " :model) ON CONFLICT (model_id, key) DO UPDATE SET value ="
    " CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)";

/* PRAGMA data_version: changes when another connection commits. */
int
store_data_version(struct store *s, int64_t *out)
{
	struct db_stmt *st;
	char *cause = NULL;
	int rc;

	if (s->pg)
		return -1;
	st = store_stmt_hot(s, &s->st_data_version, sql_data_version,
	    &cause);
	if (st == NULL) {
		free(cause);
		return -1;
	}
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = db_column_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : -1;
}

/*
 * Was batch_id found without a ledger row or any row in this write
 * transaction (store_batch_state, PostgreSQL)? Asked once: forgotten.
 */
static bool
batch_absent(struct store *s, int64_t batch_id)
{
	bool absent = s->absent_batch == batch_id && s->in_tx &&
	    s->absent_tx == s->tx_seq && s->model_known &&
	    s->absent_model == s->model_id;

	s->absent_batch = -1;
	return absent;
}

/*
 * The ledger row of batch_id made, or found there (*made false): 0 or -1.
 * A batch known absent (*absent) is opened by a write sent in the
 * pipeline, not waited for; else the upsert's changes say which.
 */
static int
batch_open(struct store *s, int64_t batch_id, double now, bool *made,
    bool *absent_out, char **cause)
{
	struct db_stmt *st;
	bool absent = *absent_out = batch_absent(s, batch_id);

	st = absent ? store_stmt_to_owe(s, sql_batch_open_new, cause) :
	    store_stmt_hot(s, &s->st_batch_open, sql_batch_open, cause);
	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, batch_id);
	db_bind_double(st, 2, now);
	*made = true;
	if (absent)	/* after the batch's COPY has started */
		return store_stmt_owe(s, st, "opening a batch", cause);
	if (store_stmt_done(s, st, "opening a batch", cause) == -1)
		return -1;
	*made = db_changes(s->conn) == 1;
	return 0;
}

/* Make sure the ledger row of batch exists; learn whether it is closed. */
static int
store_batch_touch(struct store *s, int64_t batch_id, double now,
    char **cause)
{
	struct db_stmt *st;
	bool made, absent;
	int rc;

	if (batch_open(s, batch_id, now, &made, &absent, cause) == -1)
		return -1;
	/* The fleet's summary learns of it (store-status.c). */
	if (made && store_status_opened(s, batch_id, cause) == -1)
		return -1;
	s->cur_counted = made && (s->pg ||
	    store_data_version(s, &s->cur_data_version) == 0);
	s->cur_rows = 0;
	s->cur_labelled = 0;
	s->cur_last_label = 0.0;
	s->cur_batch = batch_id;
	/* A ledger row made now is open and not pruned: no need to ask. */
	s->cur_batch_closed = s->cur_batch_pruned = false;
	if (made) {
		if (absent)	/* no row of it stored: none to count */
			store_bulk_empty(s, batch_id);
		else if (store_bulk_check(s, batch_id, cause) == -1)
			return -1;
		/* No row of it stored: this transaction's are all there is. */
		if (s->pg)
			s->cur_counted = s->bulk_fresh && s->bulk_rows == 0;
		return 0;
	}
	s->cur_batch = -1;
	if ((st = store_stmt(s, sql_batch_closed, cause)) == NULL)
		return -1;
	db_bind_int64(st, 1, batch_id);
	rc = db_step(st);
	if (rc != DB_ROW) {
		db_reset(st);
		*cause = store_db_error(s, "opening a batch");
		return -1;
	}
	s->cur_batch_closed = db_column_int(st, 0) != 0;
	s->cur_batch_pruned = db_column_int(st, 1) != 0;
	db_reset(st);
	s->cur_batch = batch_id;
	return store_bulk_check(s, batch_id, cause);
}

/* Does the stored row st (sql_pred_exists) hold the content of p? */
static bool
store_prediction_same(struct db_stmt *st, const struct store_prediction *p)
{
	const char *features, *scores;

	features = db_column_text(st, 0);
	scores = db_column_text(st, 1);
	if (features == NULL || scores == NULL ||
	    strcmp(features, p->features_json) != 0 ||
	    strcmp(scores, p->scores_json) != 0 ||
	    db_column_int(st, 2) != p->predicted_class ||
	    db_column_double(st, 3) != p->confidence)
		return false;
	/* A replay without true_class matches labels stored since. */
	return p->true_class < 0 || (!db_column_null(st, 4) &&
	    db_column_int(st, 4) == p->true_class);
}

/*
 * The key of p (its event id, else batch_id and row_in_batch) is taken,
 * or not: REPLAY when the stored row has the same content, CONFLICT (and
 * *cause) when it differs, NEW when there is no such row.
 */
static enum store_add_result
store_prediction_known(struct store *s, const struct store_prediction *p,
    char **cause)
{
	struct db_stmt *st;
	bool same;
	int rc;

	/* A repeated event id is a replay or a conflict, wherever it is. */
	if (p->event_id != NULL &&
	    (rc = store_event_find(s, p, cause)) != 2)
		return rc == 1 ? STORE_ADD_REPLAY : rc == 0 ?
		    STORE_ADD_CONFLICT : STORE_ADD_ERROR;
	st = store_stmt_hot(s, &s->st_pred_exists, sql_pred_exists, cause);
	if (st == NULL)
		return STORE_ADD_ERROR;
	db_bind_int64(st, 1, p->batch_id);
	db_bind_int64(st, 2, p->row_in_batch);
	rc = db_step(st);
	if (rc == DB_DONE) {
		db_reset(st);
		return STORE_ADD_NEW;
	}
	if (rc != DB_ROW) {
		db_reset(st);
		*cause = store_db_error(s, "looking up a prediction");
		return STORE_ADD_ERROR;
	}
	same = store_prediction_same(st, p);
	db_reset(st);
	if (same)
		return STORE_ADD_REPLAY;
	*cause = xasprintf("batch %lld row_in_batch %lld is logged already "
	    "with different content (writers sharing a batch must send "
	    "distinct row_in_batch values)", (long long)p->batch_id,
	    (long long)p->row_in_batch);
	return STORE_ADD_CONFLICT;
}

/*
 * Parameter i of the hot insert NULL. SQLite keeps a statement's bindings
 * across its resets, so a parameter that is NULL for this row and was for
 * the last (bit i of pred_nulls) is not bound again: a plain row's event
 * id and time, an unlabelled row's label and its time (a bind is about 85
 * instructions; docs/BENCHMARKS.md section 5). Not on PostgreSQL.
 */
static void
pred_bind_null(struct store *s, struct db_stmt *st, int i)
{
	if (s->pred_nulls & 1u << i)
		return;
	db_bind_null(st, i);
	if (!s->pg)
		s->pred_nulls |= 1u << i;
}

/* Parameter i of the hot insert bound to a value: no longer NULL. */
static void
pred_bound(struct store *s, int i)
{
	s->pred_nulls &= ~(1u << i);
}

/* p's values on the hot insert, logged at `at`. */
static void
pred_bind(struct store *s, struct db_stmt *st,
    const struct store_prediction *p, double at)
{
	db_bind_int64(st, 1, p->batch_id);
	db_bind_int64(st, 2, p->row_in_batch);
	db_bind_text(st, 3, p->features_json, -1, DB_STATIC);
	db_bind_int64(st, 4, p->predicted_class);
	db_bind_double(st, 5, p->confidence);
	db_bind_text(st, 6, p->scores_json, -1, DB_STATIC);
	if (p->true_class >= 0) {
		db_bind_int64(st, 7, p->true_class);
		db_bind_double(st, 9, at);
		pred_bound(s, 7);
		pred_bound(s, 9);
	} else {
		pred_bind_null(s, st, 7);
		pred_bind_null(s, st, 9);
	}
	db_bind_double(st, 8, at);
	if (p->event_id != NULL) {
		store_event_bind(s, st, 10, p->event_id);
		pred_bound(s, 10);
	} else
		pred_bind_null(s, st, 10);
	if (p->has_event_ts) {
		db_bind_int64(st, 11, p->event_ts);
		pred_bound(s, 11);
	} else
		pred_bind_null(s, st, 11);
	if (p->line > 0) {
		db_bind_int64(st, 12, p->line);
		pred_bound(s, 12);
	} else
		pred_bind_null(s, st, 12);
}

/* Insert p unless its key is taken: 1 inserted, 0 taken, -1 error. */
static int
store_prediction_insert(struct store *s, const struct store_prediction *p,
    double at, char **cause)
{
	struct db_stmt *st;
	char what[96];
	int n;

	if (store_bulk_end(s, cause) == -1)
		return -1;
	if ((st = s->st_pred_insert) == NULL) {
		if ((st = store_stmt_hot(s, &s->st_pred_insert,
		    sql_pred_insert, cause)) == NULL)
			return -1;
		/* A new statement's parameters are NULL (SQLite's). */
		s->pred_nulls = s->pg ? 0 : ~0u;
	}
	pred_bind(s, st, p, at);
	if (db_step(st) != DB_DONE) {
		db_reset(st);
		snprintf(what, sizeof what, "logging batch %lld row %lld",
		    (long long)p->batch_id, (long long)p->row_in_batch);
		*cause = store_db_error(s, what);
		return -1;
	}
	n = (int)db_changes(s->conn);
	db_reset(st);
	s->pending += (size_t)n;
	s->tx_writes += (size_t)n;
	return n;
}

/* p into the batch judged already: a replay, a conflict or a late row. */
static enum store_add_result
store_prediction_late(struct store *s, const struct store_prediction *p,
    double at, char **cause)
{
	enum store_add_result known;
	struct db_stmt *st;

	known = store_prediction_known(s, p, cause);
	if (known != STORE_ADD_NEW)
		return known;
	if (store_prediction_insert(s, p, at, cause) != 1 ||
	    (st = store_stmt(s, sql_late_count, cause)) == NULL ||
	    store_stmt_send(s, st, "counting a late row", cause) == -1)
		return STORE_ADD_ERROR;
	return STORE_ADD_LATE;
}

/*
 * Once per write transaction: forget the cached batch state if another
 * connection committed since it was learnt (it may have closed that
 * batch: a row for it is then late, not one more of an open batch). A
 * batch kept is checked for the bulk path again (store-bulk.c).
 */
static int
batch_state_check(struct store *s, char **cause)
{
	int64_t version;

	if (s->cur_tx_seq == s->tx_seq)
		return 0;
	s->cur_tx_seq = s->tx_seq;
	if (store_data_version(s, &version) != 0) {
		s->cur_batch = -1;	/* no version to compare (PostgreSQL) */
		return 0;
	}
	if (version != s->tx_data_version)
		s->cur_batch = -1;
	s->tx_data_version = version;
	return s->cur_batch < 0 ? 0 : store_bulk_check(s, s->cur_batch,
	    cause);
}

enum store_add_result
store_prediction_add(struct store *s, const struct store_prediction *p,
    char **cause)
{
	double at;
	int n;

	if (p->batch_id < 0 || p->row_in_batch < 0 ||
	    p->features_json == NULL || p->scores_json == NULL ||
	    p->predicted_class < 0) {
		*cause = xasprintf("bad prediction (batch %lld row %lld)",
		    (long long)p->batch_id, (long long)p->row_in_batch);
		return STORE_ADD_ERROR;
	}
	if ((!s->in_tx && store_write_begin(s, cause) == -1) ||
	    batch_state_check(s, cause) == -1)
		return STORE_ADD_ERROR;
	at = p->logged_at > 0 ? p->logged_at : clock_wall();
	if (p->batch_id != s->cur_batch &&
	    store_batch_touch(s, p->batch_id, at, cause) == -1)
		return STORE_ADD_ERROR;
	if (s->cur_batch_pruned)
		return STORE_ADD_REPLAY;	/* stored, then retired */
	if (s->cur_batch_closed)
		return store_prediction_late(s, p, at, cause);
	/* Known new here: into the flush's COPY, or held (store-bulk.c). */
	n = store_bulk_add(s, p, at, cause);
	if (n == 0 && (n = store_prediction_insert(s, p, at, cause)) == 1)
		store_bulk_noted(s, p);
	if (n == -1)
		return STORE_ADD_ERROR;
	if (n == 0)
		return store_prediction_known(s, p, cause);
	if (s->cur_counted) {
		s->cur_rows++;
		if (p->true_class >= 0) {
			s->cur_labelled++;
			if (s->cur_labelled == 1 || at > s->cur_last_label)
				s->cur_last_label = at;
		}
	}
	return STORE_ADD_NEW;
}

enum store_batch_state
store_batch_state(struct store *s, int64_t batch_id)
{
	struct db_stmt *st;
	char *cause = NULL;
	int rc, state;

	st = store_stmt(s, sql_batch_state, &cause);
	if (st == NULL) {
		free(cause);
		return STORE_BATCH_UNKNOWN;
	}
	db_bind_int64(st, 1, batch_id);
	rc = db_step(st);
	state = rc == DB_ROW ? db_column_int(st, 0) : -2;
	db_reset(st);
	/* Under the model's turn: its open need not ask again. */
	if (state == -1 && s->pg && s->in_tx && s->model_known) {
		s->absent_batch = batch_id;
		s->absent_model = s->model_id;
		s->absent_tx = s->tx_seq;
	}
	if (state == 1)
		return STORE_BATCH_CLOSED;
	return state == 0 ? STORE_BATCH_OPEN : STORE_BATCH_UNKNOWN;
}

int64_t
store_batch_number(struct store *s, const char *sql, int64_t batch_id)
{
	struct db_stmt *st;
	char *cause = NULL;
	int64_t n = 0;

	st = store_stmt(s, sql, &cause);
	if (st == NULL) {
		free(cause);
		return 0;
	}
	db_bind_int64(st, 1, batch_id);
	if (db_step(st) == DB_ROW)
		n = db_column_int64(st, 0);
	db_reset(st);
	return n;
}

int64_t
store_batch_rows(struct store *s, int64_t batch_id)
{
	return store_batch_number(s, sql_batch_count, batch_id);
}

int
store_batch_count(struct store *s, int64_t batch_id, int64_t *rows,
    int64_t *labelled, double *last_label, char **cause)
{
	struct db_stmt *st;

	if ((st = store_stmt(s, sql_batch_count, cause)) == NULL)
		return -1;
	db_bind_int64(st, 1, batch_id);
	if (db_step(st) != DB_ROW) {
		db_reset(st);
		*cause = store_db_error(s, "counting a batch");
		return -1;
	}
	*rows = db_column_int64(st, 0);
	*labelled = db_column_int64(st, 1);
	*last_label = db_column_double(st, 2);
	db_reset(st);
	return 0;
}
