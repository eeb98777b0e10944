/*
 * The fleet's summary kept by the writer (schema 7): the model_status
 * row of a model (docs/SCHEMA.md, model_status; schema-fleet.c says what
 * each column is) moved once per write transaction by the writer, where
 * schema 4 to 6 had triggers on batches move it at every write of the
 * ledger. A trigger fires once per ledger statement and SQLite runs it as
 * a sub-program of that statement; four of them a batch cost 627
 * instructions per row of ingest (docs/BENCHMARKS.md section 5), and a
 * statement of the writer's own after each write still 360.
 *
 * A write transaction holds its model's turn (SQLite's write lock,
 * PostgreSQL's advisory lock of store-tx.c), so nobody else opens,
 * closes or judges the model's batches while it is open: what its ledger
 * writes do to model_status can be gathered as they happen
 * (struct store_status, one per model the transaction wrote) and written
 * in one UPDATE before the commit (store_status_flush):
 *
 * - latest_batch: the largest batch id opened or closed;
 * - last_write: the newest time of those ledger rows as they are at the
 *   commit (every other row's is in last_write already: it only grows);
 * - rows, labelled: the counts of the batches closed, added;
 * - the rate over the last STATUS_RATE_BATCHES closed batches, taken
 *   again when one closed;
 * - drift_batch and drift: the newest batch whose verdicts were written,
 *   its verdict read from its ledger row, when it is not older than the
 *   stored one; perf_batch, accuracy, acc_delta likewise, from the
 *   numbers written.
 *
 * The values are those the triggers gave after each write in turn (the
 * same definitions, FLEET_* of schema-fleet.c). A judgement undone (its
 * savepoint rolled back) takes its part back (store_status_save and
 * _restore); a transaction rolled back takes all (the gathered state
 * belongs to one tx_seq). What the writer does not write stays with
 * triggers: labels landing on a batch (store-read.c, store-event.c), the
 * alert conditions, the pages. mlmon-db copy copies the source's
 * model_status whole.
 */
#include "db/store-internal.h"

#include <math.h>
#include <string.h>

/* Closed batches the rows per minute are taken over (schema-fleet.c). */
#define STATUS_RATE_BATCHES	"10"

/*
 * The model's row, made if missing (a new model's first batch) when the
 * transaction first moves it.
 */
static const char sql_status_row[] =
    "INSERT INTO model_status (model_id) VALUES (?1)"
    " ON CONFLICT (model_id) DO NOTHING";

/* The newest of a ledger row's times (FLEET_TIME), as SQL of both. */
#define STATUS_T_CLOSED		"coalesce(closed_at, 0)"
#define STATUS_T_LABELLED	"coalesce(labelled_at, 0)"
#define STATUS_TIME							\
	"CASE WHEN " STATUS_T_LABELLED " > " STATUS_T_CLOSED		\
	" AND " STATUS_T_LABELLED " > opened_at THEN " STATUS_T_LABELLED \
	" WHEN " STATUS_T_CLOSED " > opened_at THEN " STATUS_T_CLOSED	\
	" ELSE opened_at END"
/* Its drift verdict (FLEET_DRIFT) and whether it has one (FLEET_JUDGED). */
#define STATUS_DRIFT							\
	"CASE WHEN psi_verdict = 2 OR ks_drift = 1"			\
	" OR label_shift_drift = 1 THEN 2"				\
	" WHEN psi_verdict = 1 OR confidence_drift = 1"			\
	" THEN 1 ELSE 0 END"
#define STATUS_ROW(b)							\
	" FROM batches WHERE model_id = ?1 AND batch_id = " b
/* Batch ?6 is newer than the stored drift_batch and judged. */
#define STATUS_NEWER_DRIFT						\
	"(CAST(?6 AS BIGINT) IS NOT NULL"				\
	" AND coalesce(model_status.drift_batch, ?6) <= ?6"		\
	" AND (SELECT coalesce(psi_verdict, label_shift_drift)"		\
	STATUS_ROW("?6") ") IS NOT NULL)"
/* Batch ?7 (its accuracy written, not NaN) newer than perf_batch. */
#define STATUS_NEWER_PERF						\
	"(CAST(?7 AS BIGINT) IS NOT NULL"				\
	" AND coalesce(model_status.perf_batch, ?7) <= ?7"		\
	" AND EXISTS (SELECT 1" STATUS_ROW("?7") "))"

/*
 * The transaction's part of model ?1: ?2..?3 the batch ids opened or
 * closed (none: ?2 > ?3), ?4 and ?5 the closed ones' rows and labels, ?6
 * the newest batch whose drift verdicts were written, ?7 the newest whose
 * accuracy was, with ?8 and ?9 its numbers (NULL: none). One text for
 * both backends: the larger of two by CASE (SQLite's max() of two is
 * PostgreSQL's GREATEST).
 */
static const char sql_status_write[] =
    "UPDATE model_status SET"
    " latest_batch = CASE WHEN CAST(?2 AS BIGINT) > CAST(?3 AS BIGINT)"
    " OR model_status.latest_batch >= CAST(?3 AS BIGINT)"
    " THEN model_status.latest_batch ELSE CAST(?3 AS BIGINT) END,"
    " last_write = (SELECT CASE WHEN max(" STATUS_TIME ") IS NULL"
    " OR model_status.last_write >= max(" STATUS_TIME ")"
    " THEN model_status.last_write ELSE max(" STATUS_TIME ") END"
    " FROM batches WHERE model_id = ?1 AND batch_id BETWEEN ?2 AND ?3),"
    " rows = model_status.rows + ?4,"
    " labelled = model_status.labelled + ?5,"
    " drift_batch = CASE WHEN " STATUS_NEWER_DRIFT " THEN ?6"
    " ELSE model_status.drift_batch END,"
    " drift = CASE WHEN " STATUS_NEWER_DRIFT " THEN (SELECT " STATUS_DRIFT
    STATUS_ROW("?6") ") ELSE model_status.drift END,"
    " perf_batch = CASE WHEN " STATUS_NEWER_PERF " THEN ?7"
    " ELSE model_status.perf_batch END,"
    " accuracy = CASE WHEN " STATUS_NEWER_PERF
    " THEN CAST(?8 AS DOUBLE PRECISION) ELSE model_status.accuracy END,"
    " acc_delta = CASE WHEN " STATUS_NEWER_PERF
    " THEN CAST(?9 AS DOUBLE PRECISION) ELSE model_status.acc_delta END"
    " WHERE model_id = ?1";

/*
 * When a batch of model ?1 closed: the rate over its last closed
 * batches, newest first (FLEET_RATE of schema 4 to 6).
 */
static const char sql_status_rate[] =
    "UPDATE model_status SET (rate_rows, rate_span) ="
    " (SELECT coalesce(sum(n_rows), 0), max(closed_at) - min(opened_at)"
    " FROM (SELECT n_rows, opened_at, closed_at FROM batches"
    " WHERE model_id = ?1 AND closed_at IS NOT NULL"
    " ORDER BY batch_id DESC LIMIT " STATUS_RATE_BATCHES ") AS r)"
    " WHERE model_id = ?1";

void
store_bind_number(struct db_stmt *st, int i, double v)
{
	if (isnan(v))
		db_bind_null(st, i);
	else
		db_bind_double(st, i, v);
}

/* An id, or NULL for -1 (none). */
static void
bind_id(struct db_stmt *st, int i, int64_t v)
{
	if (v < 0)
		db_bind_null(st, i);
	else
		db_bind_int64(st, i, v);
}

/* Write st's part of model_status (see the top). 0, or -1 and *cause. */
static int
status_write(struct store *s, const struct store_status *st_, char **cause)
{
	struct db_stmt *st;

	if ((st = store_stmt(s, sql_status_write, cause)) == NULL)
		return -1;
	db_bind_int64(st, 1, st_->model_id);
	db_bind_int64(st, 2, st_->lo);
	db_bind_int64(st, 3, st_->hi);
	db_bind_int64(st, 4, st_->rows);
	db_bind_int64(st, 5, st_->labelled);
	bind_id(st, 6, st_->drift_batch);
	bind_id(st, 7, st_->perf_batch);
	store_bind_number(st, 8, st_->accuracy);
	store_bind_number(st, 9, st_->acc_delta);
	s->tx_writes++;
	if (store_stmt_send(s, st, "writing the fleet's summary", cause) == -1)
		return -1;
	if (!st_->closed)
		return 0;
	if ((st = store_stmt(s, sql_status_rate, cause)) == NULL)
		return -1;
	db_bind_int64(st, 1, st_->model_id);
	return store_stmt_send(s, st, "writing the fleet's rate", cause);
}

/* Nothing gathered for model_id yet. */
static void
status_init(struct store_status *st, int64_t model_id)
{
	memset(st, 0, sizeof *st);
	st->model_id = model_id;
	st->lo = INT64_MAX;
	st->hi = -1;
	st->drift_batch = -1;
	st->perf_batch = -1;
	st->accuracy = st->acc_delta = NAN;
}

/*
 * The gathered state of model_id in this transaction, made if missing
 * (the oldest one written first when every place is taken): NULL and
 * *cause when that write fails.
 */
static struct store_status *
status_of(struct store *s, int64_t model_id, char **cause)
{
	struct store_status *st;
	struct db_stmt *row;
	size_t i;

	if (s->status_tx != s->tx_seq) {	/* another transaction's */
		s->n_status = 0;
		s->status_tx = s->tx_seq;
	}
	for (i = 0; i < s->n_status; i++)
		if (s->status[i].model_id == model_id)
			return &s->status[i];
	if (s->n_status == STORE_STATUS_MODELS) {
		if (status_write(s, &s->status[0], cause) == -1)
			return NULL;
		memmove(&s->status[0], &s->status[1],
		    (STORE_STATUS_MODELS - 1) * sizeof s->status[0]);
		s->n_status--;
	}
	/*
	 * The row, made now: the labels' trigger moves it in this
	 * transaction too (a batch opened, closed and labelled before the
	 * commit).
	 */
	if ((row = store_stmt(s, sql_status_row, cause)) == NULL)
		return NULL;
	db_bind_int64(row, 1, model_id);
	if (store_stmt_send(s, row, "writing the fleet's summary",
	    cause) == -1)
		return NULL;
	st = &s->status[s->n_status++];
	status_init(st, model_id);
	return st;
}

/* Batch batch_id's ledger row was made or closed. */
static void
status_touch(struct store_status *st, int64_t batch_id)
{
	if (batch_id < st->lo)
		st->lo = batch_id;
	if (batch_id > st->hi)
		st->hi = batch_id;
}

int
store_status_opened(struct store *s, int64_t batch_id, char **cause)
{
	struct store_status *st;

	if ((st = status_of(s, store_model_param(s), cause)) == NULL)
		return -1;
	status_touch(st, batch_id);
	return 0;
}

int
store_status_closed(struct store *s, int64_t model_id, int64_t batch_id,
    int64_t rows, int64_t labelled, char **cause)
{
	struct store_status *st;

	if ((st = status_of(s, model_id, cause)) == NULL)
		return -1;
	status_touch(st, batch_id);
	st->rows += rows;
	st->labelled += labelled;
	st->closed = true;
	return 0;
}

int
store_status_judged(struct store *s, int64_t model_id, int64_t batch_id,
    bool drift, double accuracy, double acc_delta, char **cause)
{
	struct store_status *st;

	if ((st = status_of(s, model_id, cause)) == NULL)
		return -1;
	if (drift && batch_id > st->drift_batch)
		st->drift_batch = batch_id;
	/* The same batch again: its later numbers are the stored ones. */
	if (!isnan(accuracy) && batch_id >= st->perf_batch) {
		st->perf_batch = batch_id;
		st->accuracy = accuracy;
		st->acc_delta = acc_delta;
	}
	return 0;
}

int
store_status_flush(struct store *s, char **cause)
{
	size_t i, n;

	if (s->status_tx != s->tx_seq)
		return 0;	/* nothing gathered in this transaction */
	n = s->n_status;
	s->n_status = 0;
	for (i = 0; i < n; i++)
		if (status_write(s, &s->status[i], cause) == -1)
			return -1;
	return 0;
}

void
store_status_save(struct store *s)
{
	if (s->status_tx != s->tx_seq) {
		s->n_status = 0;
		s->status_tx = s->tx_seq;
	}
	memcpy(s->status_saved, s->status, sizeof s->status);
	s->n_status_saved = s->n_status;
}

void
store_status_restore(struct store *s)
{
	memcpy(s->status, s->status_saved, sizeof s->status);
	s->n_status = s->n_status_saved;
	s->status_tx = s->tx_seq;
}
