/*
 * The bulk write path: a flush's new predictions go to the database many
 * at a time instead of one statement each: on PostgreSQL into one COPY
 * stream, on SQLite held and written by multi-row INSERTs (store-held.c).
 *
 * store_prediction_add must answer at once whether a row is new, a
 * replay or a conflict, so a row takes the bulk path only when it is
 * known new without asking the database. Every write transaction holds
 * the store (SQLite's write lock) or its model's turn (PostgreSQL,
 * store-tx.c), so no other writer adds rows of the model while it is
 * open. At the first row of a batch in a transaction (store_bulk_check)
 * the batch's stored rows are counted once: none, or exactly the
 * bulk_rows this store inserted (all with row_in_batch at most bulk_max),
 * and the batch is fresh: a row of it without an event id (an id may be
 * stored in any batch) and with row_in_batch above bulk_max cannot be
 * stored yet. Everything else (replays after a restart, rows out of
 * order, ids, late rows, a batch another writer shares) takes the
 * per-row path of store-pred.c. store_bulk_end (store-stmt.c) ends the
 * COPY or writes the held rows before any statement and before a COMMIT,
 * so rows keep their order and every statement sees them; a rollback
 * drops the held rows with the rest.
 *
 * Should the count ever be wrong, the UNIQUE index still refuses the row:
 * the COPY fails with the transaction; SQLite's INSERT stores fewer rows
 * than it was given, and the transaction is rolled back and the error
 * says so. An error, never a double nor a silent drop.
 *
 * PostgreSQL's predictions go by binary COPY (driver-pg-copy.c: each
 * value as its column's type, nothing printed as text here or parsed on
 * the server); store_bulk_row is a text COPY, for any table a caller
 * fills with rows it knows are new (the reference window, rewritten
 * whole).
 */
#include "db/store-internal.h"

#include <stdbool.h>
#include <stdint.h>

#include "db/driver-pg.h"

#define BULK_COLUMNS "batch_id, row_in_batch, features, predicted_class," \
	" confidence, scores, true_class, logged_at, labeled_at, event_ts," \
	" src_line, model_id"
#define BULK_NCOLS 12

static const char sql_bulk_count[] =
    "SELECT count(*) FROM predictions WHERE batch_id = ?1"
    " AND model_id = :model";

int
store_bulk_check(struct store *s, int64_t batch_id, char **cause)
{
	struct db_stmt *st;
	int64_t n;

	s->bulk_fresh = false;
	if (s->cur_batch_closed || s->cur_batch_pruned)
		return 0;
	if ((st = store_stmt(s, sql_bulk_count, cause)) == NULL)
		return -1;
	db_bind_int64(st, 1, batch_id);
	if (db_step(st) != DB_ROW) {
		db_reset(st);
		*cause = store_db_error(s, "counting a batch's rows");
		return -1;
	}
	n = db_column_int64(st, 0);
	db_reset(st);
	if (n == 0) {
		store_bulk_empty(s, batch_id);
		return 0;
	}
	s->bulk_fresh = s->bulk_batch == batch_id && s->bulk_rows == n;
	return 0;
}

void
store_bulk_empty(struct store *s, int64_t batch_id)
{
	s->bulk_batch = batch_id;
	s->bulk_rows = 0;
	s->bulk_max = INT64_MIN;
	s->bulk_fresh = !s->cur_batch_closed && !s->cur_batch_pruned;
}

void
store_bulk_noted(struct store *s, const struct store_prediction *p)
{
	if (!s->bulk_fresh || p->batch_id != s->bulk_batch)
		return;
	s->bulk_rows++;
	if (p->row_in_batch > s->bulk_max)
		s->bulk_max = p->row_in_batch;
}

static void
bulk_int(struct db_copy_value *v, int64_t i)
{
	v->type = DB_COPY_INT8;
	v->v.i = i;
}

static void
bulk_double(struct db_copy_value *v, double d)
{
	v->type = DB_COPY_FLOAT8;
	v->v.d = d;
}

static void
bulk_text(struct db_copy_value *v, const char *t)
{
	v->type = DB_COPY_TEXT;
	v->v.s = t;
}

/*
 * p's values in BULK_COLUMNS order into v, typed as their columns are
 * (schema-pg.c): the predictions go by binary COPY (driver-pg-copy.c),
 * nothing formatted as text here or parsed on the server.
 */
static void
bulk_values(struct store *s, const struct store_prediction *p, double at,
    struct db_copy_value v[BULK_NCOLS])
{
	static const struct db_copy_value null = { DB_COPY_NULL, { 0 } };
	int i;

	for (i = 0; i < BULK_NCOLS; i++)
		v[i] = null;
	bulk_int(&v[0], p->batch_id);
	bulk_int(&v[1], p->row_in_batch);
	bulk_text(&v[2], p->features_json);
	bulk_int(&v[3], p->predicted_class);
	bulk_double(&v[4], p->confidence);
	bulk_text(&v[5], p->scores_json);
	if (p->true_class >= 0) {
		bulk_int(&v[6], p->true_class);
		bulk_double(&v[8], at);
	}
	bulk_double(&v[7], at);
	if (p->has_event_ts)
		bulk_int(&v[9], p->event_ts);
	if (p->line > 0)
		bulk_int(&v[10], p->line);
	bulk_int(&v[11], store_model_param(s));
}

/*
 * A COPY of table (columns) under way, in binary or text format (the
 * predictions go in binary, the reference window in text): 0 or -1.
 */
static int
bulk_start(struct store *s, const char *table, const char *columns,
    bool binary, char **cause)
{
	int rc;

	if (s->bulk_copying && s->bulk_table == table)
		return 0;
	if (s->bulk_copying && store_bulk_end(s, cause) == -1)
		return -1;
	rc = binary ? db_pg_copy_begin_binary(s->conn, table, columns) :
	    db_pg_copy_begin(s->conn, table, columns);
	if (rc == -1) {
		*cause = store_db_error(s, "starting a COPY of rows");
		return -1;
	}
	s->bulk_copying = true;
	s->bulk_table = table;
	return 0;
}

/* A row sent (rc 0) or not (-1: the COPY is over, *cause says why). */
static int
bulk_sent(struct store *s, int rc, char **cause)
{
	if (rc == -1) {
		s->bulk_copying = false;
		*cause = store_db_error(s, "sending a row by COPY");
		return -1;
	}
	s->bulk_sent++;
	return 0;
}

/* p (known new) held (SQLite), written with the rows before it when
 * they are of another batch or model, or when there are enough. */
static int
bulk_hold(struct store *s, const struct store_prediction *p, double at,
    char **cause)
{
	int64_t model = store_model_param(s);

	if (store_held_other(s, p->batch_id, model) &&
	    store_bulk_end(s, cause) == -1)
		return -1;
	if (store_held_add(s, p, at, model) == STORE_HELD_MAX &&
	    store_bulk_end(s, cause) == -1)
		return -1;
	return 0;
}

int
store_bulk_row(struct store *s, const char *table, const char *columns,
    const char *const *v, size_t n, char **cause)
{
	if (bulk_start(s, table, columns, false, cause) == -1)
		return -1;
	return bulk_sent(s, db_pg_copy_row(s->conn, v, n), cause);
}

int
store_bulk_add(struct store *s, const struct store_prediction *p,
    double at, char **cause)
{
	struct db_copy_value v[BULK_NCOLS];

	if (!s->bulk_fresh || p->batch_id != s->bulk_batch ||
	    p->batch_id != s->cur_batch || p->event_id != NULL ||
	    p->row_in_batch <= s->bulk_max)
		return 0;
	if (!s->pg) {
		if (bulk_hold(s, p, at, cause) == -1)
			return -1;
	} else {
		bulk_values(s, p, at, v);
		if (bulk_start(s, "predictions", BULK_COLUMNS, true,
		    cause) == -1 || bulk_sent(s, db_pg_copy_tuple(s->conn, v,
		    BULK_NCOLS), cause) == -1)
			return -1;
	}
	s->bulk_rows++;
	s->bulk_max = p->row_in_batch;
	s->pending++;
	s->tx_writes++;
	return 1;
}
