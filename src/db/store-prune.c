/*
 * Retention (--retain-rows, --retain-reports).
 *
 * Raw rows. A batch's rows are deleted once the batch is judged (its
 * ledger row closed), its labels are final (every row labelled, or it
 * closed longer ago than the label TTL: a label for it arriving later is
 * held like one for a prediction never seen, and expires with the TTL)
 * and its newest row is older than the cutoff. A row's time is its event
 * time where it has one, else when it was logged; a batch's time is its
 * newest row's, a late one's too. Batches are taken in the order they
 * closed; the first one with final labels that is not old enough yet
 * stops the run (it is remembered with its time, so a flush that finds
 * nothing due reads no row, until a late row is stored, by any writer,
 * or a transaction is rolled back), so a batch whose events are older
 * than an earlier batch's waits for that one. The ledger row keeps its
 * counts and report summaries and records when the rows went
 * (pruned_at), so readers say "rows pruned" instead of showing an empty
 * batch; reports, the reference, detector state and alerts are kept.
 *
 * Reports and alerts (--retain-reports, default never): reports written
 * before the cutoff are deleted, oldest first, and so are alerts decided
 * before it, except those still waiting in the outbox and those of a
 * condition still open (the feed keeps what an open condition is about).
 * The batch ledger stays: the overview's history and a replay's
 * judged-once claim read it.
 *
 * One call deletes at most about max_rows rows (whole batches of rows),
 * inside the caller's write transaction, which the caller commits at
 * once: pruning is a run of small transactions between flushes, never
 * one long one. A batch goes whole with its pruned_at in one
 * transaction, so a crash leaves it either kept or pruned, and a row of
 * a pruned batch sent again is a replay, not a late row
 * (store_prediction_add): nothing pruned comes back. Deleted pages go to
 * SQLite's freelist and later inserts reuse them, so once a retention
 * period of rows has been written the file stops growing. SQLite as
 * Debian builds it overwrites deleted content with zeros
 * (SQLITE_SECURE_DELETE), which is over half of a delete's cost; a
 * writer's connection turns that off (PRAGMA secure_delete, store.c), so
 * a freed page keeps its old bytes until a new row reuses it (VACUUM
 * clears them).
 *
 * Every statement is in the SQL both SQLite and PostgreSQL take
 * (docs/POSTGRES.md, Dialect).
 */
#include "db/store.h"

#include "core/clock.h"
#include "db/store-internal.h"

/*
 * The oldest closed batch whose rows are kept and whose labels are final
 * (?1: batches closed before it are past the label TTL).
 */
static const char sql_prune_next[] =
    "SELECT batch_id, closed_at FROM batches"
    " WHERE pruned_at IS NULL AND closed_at IS NOT NULL"
    " AND (n_labelled >= n_rows OR closed_at < ?1) AND model_id = :model"
    " ORDER BY closed_at LIMIT 1";
/* A batch's time: its newest row's event time, else log time. */
static const char sql_prune_time[] =
    "SELECT max(coalesce(event_ts / 1000000.0, logged_at)) FROM predictions"
    " WHERE batch_id = ?1 AND model_id = :model";
/* The model's late rows so far (store_prediction_late counts them). */
static const char sql_prune_late[] =
    "SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'late_rows'"
    " AND model_id = :model";
static const char sql_prune_rows[] =
    "DELETE FROM predictions WHERE batch_id = ?1 AND model_id = :model";
static const char sql_prune_mark[] =
    "UPDATE batches SET pruned_at = ?2 WHERE batch_id = ?1"
    " AND model_id = :model";
/*
 * Reports by age (the index monitor_reports_model_created). ?1 the
 * cutoff, :model number 2 (a name takes the next number at its first
 * use), ?3 the limit.
 */
static const char sql_prune_reports[] =
    "DELETE FROM monitor_reports WHERE id IN (SELECT id FROM"
    " monitor_reports WHERE created_at < ?1 AND model_id = :model"
    " ORDER BY created_at LIMIT ?3)";
/* Alerts by age: not a pending page, not an open condition's. */
static const char sql_prune_alerts[] =
    "DELETE FROM alerts WHERE id IN (SELECT a.id FROM alerts a"
    " WHERE a.sent_at < ?1 AND (a.status IS NULL OR a.status <> 'pending')"
    " AND NOT EXISTS (SELECT 1 FROM alert_conditions c"
    " WHERE c.model_id = a.model_id AND c.condition_key = a.condition_key"
    " AND c.open = 1) AND a.model_id = :model ORDER BY a.id LIMIT ?3)";

/* The time of batch's newest row into *t (closed_at without rows). */
static int
prune_time(struct store *s, int64_t batch, double closed_at, double *t,
    char **cause)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, sql_prune_time, cause)) == NULL)
		return -1;
	db_bind_int64(st, 1, batch);
	rc = db_step(st);
	if (rc == DB_ROW)
		*t = db_column_null(st, 0) ? closed_at :
		    db_column_double(st, 0);
	db_reset(st);
	if (rc == DB_ROW)
		return 0;
	*cause = store_db_error(s, "reading a batch's newest row");
	return -1;
}

/* The model's count of late rows into *n (0 before the first). */
static int
prune_late(struct store *s, int64_t *n, char **cause)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, sql_prune_late, cause)) == NULL)
		return -1;
	rc = db_step(st);
	*n = rc == DB_ROW ? db_column_int64(st, 0) : 0;
	db_reset(st);
	if (rc == DB_ROW || rc == DB_DONE)
		return 0;
	*cause = store_db_error(s, "counting late rows");
	return -1;
}

/* The next batch due into *batch: 1, 0 none, -1 (*cause). */
static int
prune_next(struct store *s, double cutoff, double final_before,
    int64_t *batch, char **cause)
{
	struct db_stmt	*st;
	double		 closed_at = 0.0, t;
	int64_t		 late;
	int		 rc;

	if ((st = store_stmt(s, sql_prune_next, cause)) == NULL)
		return -1;
	db_bind_double(st, 1, final_before);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*batch = db_column_int64(st, 0);
		closed_at = db_column_double(st, 1);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return 0;
	if (rc != DB_ROW) {
		*cause = store_db_error(s, "finding rows to prune");
		return -1;
	}
	/* A late row since the head was read may be its newest. */
	if (prune_late(s, &late, cause) == -1)
		return -1;
	if (!s->prune_head_known || s->prune_head != *batch ||
	    s->prune_head_late != late) {
		if (prune_time(s, *batch, closed_at, &t, cause) == -1)
			return -1;
		s->prune_head_known = true;
		s->prune_head = *batch;
		s->prune_head_time = t;
		s->prune_head_late = late;
	}
	return s->prune_head_time < cutoff ? 1 : 0;
}

/* Delete one batch's rows and mark it pruned; its row count into *n. */
static int
prune_batch(struct store *s, int64_t batch, size_t *n, char **cause)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_prune_rows, cause)) == NULL)
		return -1;
	db_bind_int64(st, 1, batch);
	s->tx_writes++;
	if (store_stmt_done(s, st, "pruning rows", cause) == -1)
		return -1;
	*n = (size_t)db_changes(s->conn);
	if ((st = store_stmt(s, sql_prune_mark, cause)) == NULL)
		return -1;
	db_bind_int64(st, 1, batch);
	db_bind_double(st, 2, clock_wall());
	if (store_stmt_done(s, st, "marking a batch pruned", cause) == -1)
		return -1;
	if (batch == s->cur_batch)
		s->cur_batch_pruned = true;
	return 0;
}

int
store_prune_rows(struct store *s, double cutoff, double final_before,
    size_t max_rows, size_t *pruned, size_t *batches, char **cause)
{
	int64_t		 batch;
	size_t		 n;
	int		 rc;

	*pruned = 0;
	*batches = 0;
	if (store_write_begin(s, cause) == -1)
		return -1;
	while (*pruned < max_rows) {
		if ((rc = prune_next(s, cutoff, final_before, &batch,
		    cause)) <= 0)
			return rc;
		if (prune_batch(s, batch, &n, cause) == -1)
			return -1;
		*pruned += n;
		(*batches)++;
	}
	return 0;
}

/* One bounded DELETE (sql: ?1 the cutoff, ?3 the limit); its count. */
static int
prune_older(struct store *s, const char *sql, double cutoff, size_t max,
    size_t *n, const char *what, char **cause)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql, cause)) == NULL)
		return -1;
	db_bind_double(st, 1, cutoff);
	db_bind_int64(st, 3, (int64_t)max);
	if (store_stmt_done(s, st, what, cause) == -1)
		return -1;
	*n = (size_t)db_changes(s->conn);
	if (*n > 0)
		s->tx_writes++;
	return 0;
}

int
store_prune_reports(struct store *s, double cutoff, size_t max,
    size_t *reports, size_t *alerts, char **cause)
{
	*reports = 0;
	*alerts = 0;
	if (store_write_begin(s, cause) == -1)
		return -1;
	if (prune_older(s, sql_prune_reports, cutoff, max, reports,
	    "pruning old reports", cause) == -1)
		return -1;
	return prune_older(s, sql_prune_alerts, cutoff, max, alerts,
	    "pruning old alerts", cause);
}
