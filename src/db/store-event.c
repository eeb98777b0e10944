/*
 * Producers' ids and event times, labels by id, and input positions
 * (docs/SCHEMA.md, schema 3).
 *
 * predictions.event_id has no declared type on SQLite, so an integer id
 * and a text id keep their SQLite types: 7 and "7" are different ids, as they are
 * different JSON values. A partial unique index makes an id occur once.
 * Labels for ids not logged yet wait in pending_labels until the
 * prediction arrives (store_pending_take at insert) or they expire.
 * input_positions holds, per input, where reading stands and the
 * windowing state, written in the transaction holding the rows read.
 */
#include "db/store-internal.h"

#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xalloc.h"

/* Schema 3, step "events": safe on any version 2 store, in one tx. */
static const char schema_events[] =
    "ALTER TABLE predictions ADD COLUMN event_id;"
    "ALTER TABLE predictions ADD COLUMN event_ts INTEGER;"	/* us */
    "ALTER TABLE predictions ADD COLUMN src_line INTEGER;"
    "CREATE UNIQUE INDEX IF NOT EXISTS predictions_event_id"
    " ON predictions(event_id) WHERE event_id IS NOT NULL;"
    "CREATE TABLE IF NOT EXISTS pending_labels ("
    " event_id PRIMARY KEY,"
    " true_class INTEGER NOT NULL,"
    " received_at REAL NOT NULL"
    ");"
    "CREATE INDEX IF NOT EXISTS pending_labels_received"
    " ON pending_labels(received_at);"
    "CREATE TABLE IF NOT EXISTS input_positions ("
    " source TEXT PRIMARY KEY,"
    " dev INTEGER, ino INTEGER, offset INTEGER, line INTEGER,"
    " hash INTEGER,"		/* the uint64 as its int64 bits */
    " next_row INTEGER, frontier INTEGER, max_ts INTEGER,"
    " updated_at REAL NOT NULL"
    ");";

/*
 * Schema 5, step "event index": the id leads the unique key, model_id
 * second, so an insert's seek compares the id first (with model_id first
 * every comparison tied on it and took SQLite's general record compare:
 * issue 14's throughput, docs/BENCHMARKS.md). Uniqueness per model and
 * the lookups by (event_id, model_id) are the same.
 */
static const char schema_event_index[] =
    "DROP INDEX IF EXISTS predictions_model_event_id;"
    "CREATE UNIQUE INDEX IF NOT EXISTS predictions_event_id_model"
    " ON predictions(event_id, model_id) WHERE event_id IS NOT NULL;";

static const char sql_find[] =
    "SELECT batch_id, features, scores, predicted_class, confidence,"
    " true_class, event_ts, src_line FROM predictions WHERE event_id = ?1"
    " AND model_id = :model";
static const char sql_next_row[] =
    "SELECT coalesce(max(row_in_batch) + 1, 0) FROM predictions"
    " WHERE batch_id = ?1 AND model_id = :model";
static const char sql_row_by_id[] =
    "SELECT id, batch_id, true_class FROM predictions WHERE event_id = ?1"
    " AND model_id = :model";
static const char sql_row_label[] =
    "UPDATE predictions SET true_class = ?2, labeled_at = ?3 WHERE id = ?1";
static const char sql_ledger_one[] =
    "UPDATE batches SET n_labelled = n_labelled + ?2,"
    " labelled_at = CASE WHEN n_labelled + ?2 >= n_rows THEN ?3"
    " ELSE labelled_at END WHERE batch_id = ?1 AND model_id = :model";
static const char sql_pending_get[] =
    "SELECT true_class FROM pending_labels WHERE event_id = ?1"
    " AND model_id = :model";
static const char sql_pending_put[] =
    "INSERT INTO pending_labels (event_id, true_class, received_at,"
    " model_id) VALUES (?1, ?2, ?3, :model)"
    " ON CONFLICT (model_id, event_id) DO UPDATE SET"
    " true_class = excluded.true_class, received_at = excluded.received_at";
static const char sql_pending_del[] =
    "DELETE FROM pending_labels WHERE event_id = ?1 AND model_id = :model";
static const char sql_pending_any[] =
    "SELECT EXISTS (SELECT 1 FROM pending_labels WHERE model_id = :model)";
static const char sql_pending_expired_any[] =
    "SELECT EXISTS (SELECT 1 FROM pending_labels WHERE received_at < ?1"
    " AND model_id = :model)";
static const char sql_pending_expire[] =
    "DELETE FROM pending_labels WHERE received_at < ?1"
    " AND model_id = :model";
static const char sql_pending_count[] =
    "SELECT count(*) FROM pending_labels WHERE model_id = :model";
static const char sql_batch_counts[] =
    "SELECT n_rows, n_labelled FROM batches WHERE batch_id = ?1"
    " AND model_id = :model";
static const char sql_batch_times[] =
    "SELECT closed_at, labelled_at FROM batches WHERE batch_id = ?1"
    " AND model_id = :model";
static const char sql_judged_batches[] =
    "SELECT batch_id FROM monitor_reports WHERE report_type = 'feature'"
    " AND model_id = :model ORDER BY batch_id";
static const char sql_open_batches[] =
    "SELECT batch_id FROM batches WHERE closed_at IS NULL"
    " AND batch_id >= ?1 AND model_id = :model ORDER BY batch_id";
static const char sql_pos_get[] =
    "SELECT dev, ino, \"offset\", line, hash, next_row, frontier, max_ts"
    " FROM input_positions WHERE source = ?1 AND model_id = :model";
static const char sql_pos_put[] =
    "INSERT INTO input_positions (source, dev, ino, \"offset\", line, hash,"
    " next_row, frontier, max_ts, updated_at, model_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, :model)"
    " ON CONFLICT (model_id, source) DO UPDATE SET dev = excluded.dev,"
    " ino = excluded.ino, \"offset\" = excluded.\"offset\","
    " line = excluded.line, hash = excluded.hash,"
    " next_row = excluded.next_row,"
    " frontier = excluded.frontier, max_ts = excluded.max_ts,"
    " updated_at = excluded.updated_at";

int
store_event_schema(struct store *s, char **cause)
{
	return store_exec(s, schema_events, "adding event ids and times",
	    cause);
}

int
store_event_schema_v5(struct store *s, char **cause)
{
	return store_exec(s, schema_event_index, "rebuilding the index of "
	    "event ids", cause);
}

/*
 * An id at i. On PostgreSQL event_id is TEXT: an integer id goes as its
 * digits and a text id after a '"', which no integer's digits start with,
 * so that 7 and "7" stay two ids as they are on SQLite.
 */
static void
bind_id(struct store *s, struct db_stmt *st, int i,
    const struct store_event_id *id)
{
	char *quoted;

	if (id->text == NULL)
		db_bind_int64(st, i, id->num);
	else if (!s->pg)
		db_bind_text(st, i, id->text, (int)id->len, DB_STATIC);
	else {
		quoted = xasprintf("\"%.*s", (int)id->len, id->text);
		db_bind_text(st, i, quoted, -1, DB_COPY);
		free(quoted);
	}
}

void
store_event_bind(struct store *s, struct db_stmt *st, int i,
    const struct store_event_id *id)
{
	if (id == NULL)
		db_bind_null(st, i);
	else
		bind_id(s, st, i, id);
}

char *
store_event_id_show(const struct store_event_id *id)
{
	if (id->text == NULL)
		return xasprintf("%lld", (long long)id->num);
	return xasprintf("\"%.*s%s\"", (int)(id->len > 40 ? 40 : id->len),
	    id->text, id->len > 40 ? "..." : "");
}

static bool
same_text(struct db_stmt *st, int col, const char *want)
{
	const char	*t = db_column_text(st, col);

	return t != NULL && strcmp(t, want) == 0;
}

/* Is the stored row (at st) what p says, field by field? */
static bool
same_prediction(struct db_stmt *st, const struct store_prediction *p)
{
	bool	ts_null = db_column_null(st, 6);

	if (p->batch_given && db_column_int64(st, 0) != p->batch_id)
		return false;
	if (!same_text(st, 1, p->features_json) ||
	    !same_text(st, 2, p->scores_json) ||
	    db_column_int(st, 3) != p->predicted_class ||
	    db_column_double(st, 4) != p->confidence)
		return false;
	/* A label may have come since: only a sent one must agree. */
	if (p->true_class >= 0 && (db_column_null(st, 5) ||
	    db_column_int(st, 5) != p->true_class))
		return false;
	return ts_null ? !p->has_event_ts : p->has_event_ts &&
	    db_column_int64(st, 6) == p->event_ts;
}

int
store_event_find(struct store *s, const struct store_prediction *p,
    char **cause)
{
	struct db_stmt	*st;
	char		*shown;
	int		 rc, ret;

	st = store_stmt(s, sql_find, cause);
	if (st == NULL)
		return -1;
	bind_id(s, st, 1, p->event_id);
	rc = db_step(st);
	if (rc == DB_DONE) {
		db_reset(st);
		return 2;
	}
	if (rc != DB_ROW) {
		*cause = store_db_error(s, "looking up a prediction id");
		db_reset(st);
		return -1;
	}
	ret = same_prediction(st, p) ? 1 : 0;
	if (ret == 0) {
		shown = store_event_id_show(p->event_id);
		*cause = xasprintf("id %s is logged with other content "
		    "(line %lld, batch %lld)", shown,
		    (long long)db_column_int64(st, 7),
		    (long long)db_column_int64(st, 0));
		free(shown);
	}
	db_reset(st);
	return ret;
}

int
store_batch_next_row(struct store *s, int64_t batch_id, int64_t *row,
    char **cause)
{
	struct db_stmt	*st;
	int		 rc;

	/*
	 * Under the write lock: another writer windowing the same stream
	 * must not number rows of this batch between this read and the
	 * insert (two processes with interleaved halves took the same
	 * numbers and rejected each other's rows as conflicts).
	 */
	if (store_write_begin(s, cause) == -1)
		return -1;
	st = store_stmt(s, sql_next_row, cause);
	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, batch_id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*row = db_column_int64(st, 0);
	else
		*cause = store_db_error(s, "reading a batch's rows");
	db_reset(st);
	return rc == DB_ROW ? 0 : -1;
}

/* Hold a label for an id not logged yet. */
static enum store_label_result
label_hold(struct store *s, const struct store_event_id *id, int true_class,
    bool allow_relabel, char **cause)
{
	struct db_stmt	*st;
	char		*shown;
	int		 rc, held = -1;

	st = store_stmt(s, sql_pending_get, cause);
	if (st == NULL)
		return STORE_LABEL_ERROR;
	bind_id(s, st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		held = db_column_int(st, 0);
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		*cause = store_db_error(s, "reading held labels");
		return STORE_LABEL_ERROR;
	}
	if (held == true_class)
		return STORE_LABEL_SAME;
	if (held >= 0 && !allow_relabel) {
		shown = store_event_id_show(id);
		*cause = xasprintf("label for id %s: %d is held for it, new %d",
		    shown, held, true_class);
		free(shown);
		return STORE_LABEL_CONFLICT;
	}
	st = store_stmt(s, sql_pending_put, cause);
	if (st == NULL)
		return STORE_LABEL_ERROR;
	bind_id(s, st, 1, id);
	db_bind_int64(st, 2, true_class);
	db_bind_double(st, 3, clock_wall());
	s->tx_writes++;
	if (store_stmt_send(s, st, "holding a label", cause) == -1)
		return STORE_LABEL_ERROR;
	return STORE_LABEL_PENDING;
}

/* Set one row's label and count it in its batch's ledger row. */
static int
label_row(struct store *s, int64_t rowid, int64_t batch, int old,
    int true_class, char **cause)
{
	struct db_stmt	*st;
	double		 now = clock_wall();

	st = store_stmt(s, sql_row_label, cause);
	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, rowid);
	db_bind_int64(st, 2, true_class);
	db_bind_double(st, 3, now);
	s->tx_writes++;
	if (store_stmt_send(s, st, "storing a label", cause) == -1)
		return -1;
	/* The batch's close must count its labels again. */
	if (batch == s->cur_batch)
		s->cur_counted = false;
	st = store_stmt(s, sql_ledger_one, cause);
	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, batch);
	db_bind_int64(st, 2, old < 0 ? 1 : 0);
	db_bind_double(st, 3, now);
	return store_stmt_send(s, st, "updating the batch ledger", cause);
}

enum store_label_result
store_label_id(struct store *s, const struct store_event_id *id,
    int true_class, bool allow_relabel, int64_t *batch, char **cause)
{
	struct db_stmt	*st;
	int64_t		 rowid;
	char		*shown;
	int		 rc, old;

	if (store_write_begin(s, cause) == -1)
		return STORE_LABEL_ERROR;
	st = store_stmt(s, sql_row_by_id, cause);
	if (st == NULL)
		return STORE_LABEL_ERROR;
	bind_id(s, st, 1, id);
	rc = db_step(st);
	if (rc == DB_DONE) {
		db_reset(st);
		return label_hold(s, id, true_class, allow_relabel, cause);
	}
	if (rc != DB_ROW) {
		*cause = store_db_error(s, "looking up a prediction id");
		db_reset(st);
		return STORE_LABEL_ERROR;
	}
	rowid = db_column_int64(st, 0);
	*batch = db_column_int64(st, 1);
	old = db_column_null(st, 2) ? -1 :
	    db_column_int(st, 2);
	db_reset(st);
	if (old == true_class)
		return STORE_LABEL_SAME;
	if (old >= 0 && !allow_relabel) {
		shown = store_event_id_show(id);
		*cause = xasprintf("label for id %s differs from the stored "
		    "one (%d, new %d)", shown, old, true_class);
		free(shown);
		return STORE_LABEL_CONFLICT;
	}
	if (label_row(s, rowid, *batch, old, true_class, cause) == -1)
		return STORE_LABEL_ERROR;
	return STORE_LABEL_APPLIED;
}

/* One integer from a statement with at most one bound id. */
static int
one_int(struct store *s, const char *sql, int64_t *v, const char *what,
    char **cause)
{
	struct db_stmt	*st;
	int		 rc;

	st = store_stmt(s, sql, cause);
	if (st == NULL)
		return -1;
	rc = db_step(st);
	if (rc == DB_ROW)
		*v = db_column_int64(st, 0);
	else
		*cause = store_db_error(s, what);
	db_reset(st);
	return rc == DB_ROW ? 0 : -1;
}

int
store_pending_any(struct store *s, bool *any, char **cause)
{
	int64_t	v;

	if (one_int(s, sql_pending_any, &v, "reading held labels",
	    cause) == -1)
		return -1;
	*any = v != 0;
	return 0;
}

int
store_pending_take(struct store *s, const struct store_event_id *id,
    int *true_class, char **cause)
{
	struct db_stmt	*st;
	int		 rc;

	st = store_stmt(s, sql_pending_get, cause);
	if (st == NULL)
		return -1;
	bind_id(s, st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*true_class = db_column_int(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return 0;
	if (rc != DB_ROW) {
		*cause = store_db_error(s, "reading held labels");
		return -1;
	}
	st = store_stmt(s, sql_pending_del, cause);
	if (st == NULL)
		return -1;
	bind_id(s, st, 1, id);
	s->tx_writes++;
	return store_stmt_send(s, st, "applying a held label", cause) == -1 ?
	    -1 : 1;
}

int
store_pending_expire(struct store *s, double ttl, int64_t *n,
    char **cause)
{
	struct db_stmt	*st;
	char		*v = NULL, buf[32];
	long long	 total = 0;
	double		 before = clock_wall() - ttl;
	int		 gone, rc;

	/* A read first: an idle ingest takes no write lock for nothing. */
	st = store_stmt(s, sql_pending_expired_any, cause);
	if (st == NULL)
		return -1;
	db_bind_double(st, 1, before);
	rc = db_step(st);
	gone = rc == DB_ROW ? db_column_int(st, 0) : 0;
	db_reset(st);
	if (rc != DB_ROW) {
		*cause = store_db_error(s, "reading held labels");
		return -1;
	}
	if (gone == 0)
		return 0;
	if (store_write_begin(s, cause) == -1)
		return -1;
	st = store_stmt(s, sql_pending_expire, cause);
	if (st == NULL)
		return -1;
	db_bind_double(st, 1, before);
	if (store_stmt_done(s, st, "dropping expired labels", cause) == -1)
		return -1;
	gone = (int)db_changes(s->conn);
	if (gone == 0)
		return 0;
	s->tx_writes++;
	rc = store_meta_get(s, "labels_expired", &v, cause);
	if (rc == -1)
		return -1;
	if (rc == 0)
		total = strtoll(v, NULL, 10);
	free(v);
	snprintf(buf, sizeof buf, "%lld", total + gone);
	*n += gone;
	return store_meta_set(s, "labels_expired", buf, cause);
}

int
store_pending_counts(struct store *s, int64_t *held, int64_t *expired,
    char **cause)
{
	char	*v = NULL;
	int	 rc;

	if (one_int(s, sql_pending_count, held, "counting held labels",
	    cause) == -1)
		return -1;
	rc = store_meta_get(s, "labels_expired", &v, cause);
	if (rc == -1)
		return -1;
	*expired = rc == 0 ? strtoll(v, NULL, 10) : 0;
	free(v);
	return 0;
}

int
store_batch_counts(struct store *s, int64_t batch_id, int64_t *rows,
    int64_t *labelled, char **cause)
{
	struct db_stmt	*st;
	int		 rc;

	st = store_stmt(s, sql_batch_counts, cause);
	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, batch_id);
	rc = db_step(st);
	*rows = *labelled = 0;
	if (rc == DB_ROW) {
		*rows = db_column_int64(st, 0);
		*labelled = db_column_int64(st, 1);
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		*cause = store_db_error(s, "reading the batch ledger");
		return -1;
	}
	return 0;
}

int
store_batch_times(struct store *s, int64_t batch_id, double *closed_at,
    double *labelled_at, char **cause)
{
	struct db_stmt	*st;
	int		 rc;

	st = store_stmt(s, sql_batch_times, cause);
	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, batch_id);
	rc = db_step(st);
	*closed_at = *labelled_at = NAN;
	if (rc == DB_ROW) {
		if (!db_column_null(st, 0))
			*closed_at = db_column_double(st, 0);
		if (!db_column_null(st, 1))
			*labelled_at = db_column_double(st, 1);
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		*cause = store_db_error(s, "reading the batch ledger");
		return -1;
	}
	return 0;
}

int
store_open_batches(struct store *s, int64_t from, int64_t **ids, size_t *n,
    char **cause)
{
	struct db_stmt	*st;

	*ids = NULL;
	*n = 0;
	st = store_stmt(s, sql_open_batches, cause);
	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, from);
	return store_stmt_ids(s, st, ids, n, "reading open batches", cause);
}

int
store_judged_batches(struct store *s, int64_t **ids, size_t *n,
    char **cause)
{
	return store_sql_ids(s, sql_judged_batches, ids, n,
	    "reading judged batches", cause);
}

int
store_position_get(struct store *s, const char *source,
    struct store_position *out, char **cause)
{
	struct db_stmt	*st;
	int		 rc;

	st = store_stmt(s, sql_pos_get, cause);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, source, -1, DB_STATIC);
	rc = db_step(st);
	if (rc == DB_ROW) {
		out->file.dev = (uint64_t)db_column_int64(st, 0);
		out->file.ino = (uint64_t)db_column_int64(st, 1);
		out->file.offset = db_column_int64(st, 2);
		out->file.line = db_column_int64(st, 3);
		out->file.hash = (uint64_t)db_column_int64(st, 4);
		out->win.next_row = db_column_int64(st, 5);
		out->win.frontier = db_column_int64(st, 6);
		out->win.max_ts = db_column_int64(st, 7);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return 1;
	if (rc != DB_ROW) {
		*cause = store_db_error(s, "reading an input position");
		return -1;
	}
	return 0;
}

int
store_position_put(struct store *s, const char *source,
    const struct store_position *pos, char **cause)
{
	struct db_stmt	*st;

	if (store_write_begin(s, cause) == -1)
		return -1;
	st = store_stmt(s, sql_pos_put, cause);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, source, -1, DB_STATIC);
	db_bind_int64(st, 2, (int64_t)pos->file.dev);
	db_bind_int64(st, 3, (int64_t)pos->file.ino);
	db_bind_int64(st, 4, pos->file.offset);
	db_bind_int64(st, 5, pos->file.line);
	db_bind_int64(st, 6, (int64_t)pos->file.hash);
	db_bind_int64(st, 7, pos->win.next_row);
	db_bind_int64(st, 8, pos->win.frontier);
	db_bind_int64(st, 9, pos->win.max_ts);
	db_bind_double(st, 10, clock_wall());
	s->tx_writes++;
	return store_stmt_send(s, st, "storing an input position", cause);
}
