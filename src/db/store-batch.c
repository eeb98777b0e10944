/*
 * The batch ledger's judgement: a batch is judged once, by the writer
 * whose claim closes its ledger row inside the judging transaction
 * (store_batch_claim); a judgement runs in a savepoint so that a stop can
 * undo it (store_judge_begin/end), and a batch so left is listed in meta
 * (abandoned_batch.N) until a claim judges it. Rows stored into a judged
 * batch are late: its n_rows stays the judged count.
 *
 * On SQLite the claim runs under the write lock (BEGIN IMMEDIATE): one
 * writer at a time, so the ledger's state read first is the truth. On
 * PostgreSQL writers run at once: the claim locks the batch's ledger row
 * without waiting (FOR UPDATE SKIP LOCKED). No row: another writer holds
 * it (it is judging the batch, or still writing its rows, and judges it
 * when it closes it), or there is none; a closed row was judged. The lock
 * lasts to the commit that writes the reports; a writer that dies
 * releases it with its transaction, which the server rolls back.
 */
#include "db/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/clock.h"
#include "db/store-internal.h"

static const char sql_abandoned[] =
    "SELECT CAST(substr(key, 17) AS BIGINT) AS b FROM meta"
    " WHERE key LIKE 'abandoned\\_batch.%' ESCAPE '\\'"
    " AND model_id = :model ORDER BY b";
static const char sql_batch_lock[] =
    "SELECT CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END FROM batches"
    " WHERE batch_id = ?1 AND model_id = :model FOR UPDATE SKIP LOCKED";
static const char sql_unabandon[] =
    "DELETE FROM meta WHERE key = 'abandoned_batch.' || ?1"
    " AND model_id = :model";
/* Rows logged after the batch was judged (its ledger n_rows). */
static const char sql_batch_late[] =
    "SELECT CASE WHEN late > 0 THEN late ELSE 0 END FROM"
    " (SELECT (SELECT count(*) FROM predictions WHERE batch_id = ?1"
    " AND model_id = :model) - n_rows AS late FROM batches"
    " WHERE batch_id = ?1 AND closed_at IS NOT NULL AND model_id = :model)"
    " AS l";
/*
 * Closed before ?1 (unix seconds), with labels but no performance report
 * (below --min-label-coverage), rows kept: judged at --label-ttl. ?1
 * comes before :model in the text (a name takes the next free index).
 */
static const char sql_batches_past_ttl[] =
    "SELECT batch_id FROM batches WHERE closed_at < ?1"
    " AND model_id = :model AND n_labelled > 0 AND pruned_at IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM monitor_reports r"
    " WHERE r.model_id = batches.model_id AND r.batch_id = batches.batch_id"
    " AND r.report_type = 'performance') ORDER BY closed_at, batch_id";
/*
 * The close; in a judgement it goes with the summary (store-summary.c),
 * written before the judgement's release, when the ledger row is known to
 * exist (PostgreSQL: locked by the claim; SQLite: made by this store,
 * cur_batch); else at once. Either tells model_status (store-status.c).
 */
static const char sql_batch_close[] =
    "INSERT INTO batches (batch_id, n_rows, n_labelled, opened_at,"
    " closed_at, labelled_at, model_id)"
    " VALUES (?1, ?2, ?3, ?4, ?4, ?5, :model)"
    " ON CONFLICT (model_id, batch_id) DO UPDATE SET"
    " n_rows = excluded.n_rows, n_labelled = excluded.n_labelled,"
    " closed_at = coalesce(batches.closed_at, excluded.closed_at),"
    " labelled_at = CASE WHEN excluded.labelled_at IS NULL THEN NULL"
    " ELSE coalesce(batches.labelled_at, excluded.labelled_at) END";

/*
 * Close batch_id's ledger row with its counts (sql_batch_close), held
 * for the summary's write in a judgement when the row is known to exist.
 */
static int
batch_close_write(struct store *s, int64_t batch_id, int64_t rows,
    int64_t labelled, double last, char **cause)
{
	struct store_summary *m;
	struct db_stmt *st;
	double now = clock_wall();

	if (s->judging && (s->pg || batch_id == s->cur_batch)) {
		/* Written with the summary (store-summary.c). */
		if ((m = store_summary_hold(s, batch_id, STORE_SUMMARY_CLOSE,
		    cause)) == NULL)
			return -1;
		m->n_rows = rows;
		m->n_labelled = labelled;
		m->closed_at = now;
		m->labelled_at = labelled == rows ? last : NAN;
		return 0;
	}
	if ((st = store_stmt(s, sql_batch_close, cause)) == NULL)
		return -1;
	db_bind_int64(st, 1, batch_id);
	db_bind_int64(st, 2, rows);
	db_bind_int64(st, 3, labelled);
	db_bind_double(st, 4, now);
	if (labelled == rows)
		db_bind_double(st, 5, last);
	else
		db_bind_null(st, 5);
	s->tx_writes++;
	if (store_stmt_send(s, st, "closing a batch", cause) == -1)
		return -1;
	return store_status_closed(s, store_model_param(s), batch_id, rows,
	    labelled, cause);
}

int
store_batch_claim(struct store *s, int64_t batch_id, int64_t *rows_out,
    char **cause)
{
	struct db_stmt *st;
	int64_t rows, labelled, version;
	bool made_here;
	double last;
	int rc;

	*rows_out = 0;
	/* The write lock is held from here to the commit: the once holds. */
	if (store_write_begin(s, cause) == -1)
		return -1;
	/*
	 * A ledger row made in this transaction (cur_counted, PostgreSQL):
	 * no other writer sees it before the commit, which closes it. Ours
	 * and open without asking.
	 */
	made_here = s->pg && batch_id == s->cur_batch && s->cur_counted &&
	    !s->cur_batch_closed;
	if (s->pg && !made_here) {
		/* The ledger row's lock: held to the commit, or not ours. */
		if ((st = store_stmt(s, sql_batch_lock, cause)) == NULL)
			return -1;
		db_bind_int64(st, 1, batch_id);
		if ((rc = db_step(st)) == DB_ROW)
			rc = db_column_int(st, 0) == 0 ? DB_ROW : DB_DONE;
		db_reset(st);
		if (rc == DB_ERROR) {
			*cause = store_db_error(s, "claiming a batch");
			return -1;
		}
		if (rc == DB_DONE)
			return 0;
	} else if (!s->pg &&
	    store_batch_state(s, batch_id) == STORE_BATCH_CLOSED)
		return 0;
	if (batch_id == s->cur_batch && s->cur_counted && (s->pg ||
	    (store_data_version(s, &version) == 0 &&
	    version == s->cur_data_version))) {
		/* Every row of the batch was inserted here: no read-back. */
		rows = s->cur_rows;
		labelled = s->cur_labelled;
		last = s->cur_last_label;
	} else if (store_batch_count(s, batch_id, &rows, &labelled, &last,
	    cause) == -1)
		return -1;
	if (rows == 0)
		return 0;	/* nothing logged: no ledger row */
	if (batch_close_write(s, batch_id, rows, labelled, last, cause) == -1)
		return -1;
	if (batch_id == s->cur_batch) {
		s->cur_batch_closed = true;
		s->cur_counted = false;
	}
	/*
	 * Judged now: no longer waiting from an interrupted run. A batch
	 * whose ledger row this transaction made never was (abandoned, it
	 * had a ledger row; none is ever deleted): nothing to forget.
	 */
	if (!made_here) {
		if ((st = store_stmt(s, sql_unabandon, cause)) == NULL)
			return -1;
		db_bind_int64(st, 1, batch_id);
		if (store_stmt_send(s, st, "closing a batch", cause) == -1)
			return -1;
	}
	/* Closed here: it had no report, its reports are put from now. */
	store_reports_claimed(s, batch_id);
	*rows_out = rows;
	return 1;
}

int
store_batch_close(struct store *s, int64_t batch_id, char **cause)
{
	int64_t rows;

	return store_batch_claim(s, batch_id, &rows, cause) == -1 ? -1 : 0;
}

/* ---- Judging a batch: a savepoint, abandoned batches ---------------- */

static const char sql_judge_begin[] = "SAVEPOINT judge";
static const char sql_judge_end[] = "RELEASE judge";

/*
 * The judgement's SAVEPOINT or RELEASE, sent: on SQLite a statement
 * prepared once, not parsed again each batch by sqlite3_exec (about 25
 * instructions a row of 200-row batches, docs/BENCHMARKS.md 5).
 */
static int
judge_send(struct store *s, const char *sql, const char *what, char **cause)
{
	struct db_stmt *st;

	if (s->pg)
		return store_exec_send(s, sql, what, cause);
	if ((st = store_stmt(s, sql, cause)) == NULL)
		return -1;
	return store_stmt_send(s, st, what, cause);
}

int
store_judge_begin(struct store *s, char **cause)
{
	/* Ledger columns held from before are not the judgement's. */
	if (store_write_begin(s, cause) == -1 ||
	    store_summary_write(s, cause) == -1)
		return -1;
	if (judge_send(s, sql_judge_begin, "starting a judgement", cause) ==
	    -1)
		return -1;
	store_status_save(s);	/* model_status's part before it */
	s->judging = true;
	return 0;
}

int
store_judge_end(struct store *s, bool keep, char **cause)
{
	s->judging = false;
	/* A failure rolled the whole transaction back: no savepoint left. */
	if (!s->in_tx)
		return 0;
	if (keep && (store_reports_write(s, cause) == -1 ||
	    store_summary_write(s, cause) == -1))
		return -1;
	if (!keep) {
		store_reports_forget(s);	/* put in it, undone with it */
		s->summary.set = 0;	/* the judgement's, undone with it */
		s->tx_seq++;	/* what it read is read again (alert-condition.c) */
		store_status_restore(s);
		if (store_exec(s, "ROLLBACK TO judge", "undoing a judgement",
		    cause) == -1)
			return -1;
		/* The ledger may have moved back: read it again. */
		s->cur_batch = -1;
		s->bulk_batch = -1;	/* rows of it may be gone too */
		s->cur_batch_closed = false;
		s->cur_counted = false;
	}
	/*
	 * Nobody reads its answer: sent (PostgreSQL's pipeline), answered
	 * with the next statement that waits (the next batch's state, the
	 * COMMIT), which fails with its error should it fail.
	 */
	return judge_send(s, sql_judge_end, "ending a judgement", cause);
}

#define STORE_ABANDONED	"abandoned_batch."

int
store_batch_abandon(struct store *s, int64_t batch_id, char **cause)
{
	char key[48];

	if (store_write_begin(s, cause) == -1)
		return -1;
	if (store_batch_state(s, batch_id) != STORE_BATCH_OPEN)
		return 0;
	snprintf(key, sizeof key, STORE_ABANDONED "%lld",
	    (long long)batch_id);
	return store_meta_set(s, key, "1", cause);
}

int
store_batch_abandoned(struct store *s, int64_t **ids, size_t *n,
    char **cause)
{
	return store_sql_ids(s, sql_abandoned, ids, n,
	    "listing abandoned batches", cause);
}

int
store_batches_past_ttl(struct store *s, double before, int64_t **ids,
    size_t *n, char **cause)
{
	struct db_stmt *st;

	*ids = NULL;
	*n = 0;
	st = store_stmt(s, sql_batches_past_ttl, cause);
	if (st == NULL)
		return -1;
	db_bind_double(st, 1, before);
	return store_stmt_ids(s, st, ids, n,
	    "listing batches past the label TTL", cause);
}

int
store_window_put(struct store *s, int64_t window_us, char **cause)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", (long long)window_us);
	return store_meta_set(s, "window_us", buf, cause);
}

int64_t
store_batch_late(struct store *s, int64_t batch_id)
{
	return store_batch_number(s, sql_batch_late, batch_id);
}
