/*
 * PostgreSQL's bulk write path: a flush's new predictions go to the
 * server in one COPY stream instead of one INSERT round trip each.
 *
 * store_prediction_add must answer at once whether a row is new, a
 * replay or a conflict, so a row goes into the COPY only when it is known
 * new without asking the server. Every write transaction holds its
 * model's turn (store-tx.c), so no other writer adds rows of the model
 * while it is open. At the first row of a batch in a transaction
 * (store_bulk_check) the batch's stored rows are counted once: none, or
 * exactly the bulk_rows this store inserted (all with row_in_batch at
 * most bulk_max), and the batch is fresh: a row of it without an event id
 * (an id may be stored in any batch) and with row_in_batch above bulk_max
 * cannot be stored yet. Everything else (replays after a restart, rows
 * out of order, ids, late rows, a batch another writer shares) takes the
 * per-row path of store-pred.c, which ends the COPY first (store-stmt.c
 * ends it before any statement), so rows keep their order and every
 * statement sees them. A flush ends the COPY before its COMMIT.
 *
 * Should the count ever be wrong, the UNIQUE index still refuses the row
 * and the COPY fails with the transaction: an error, never a double.
 *
 * store_bulk_row is the COPY itself, for any table a caller fills with
 * rows it knows are new (the reference window, rewritten whole).
 */
#include "db/store-internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

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
	if (!s->pg || s->cur_batch_closed || s->cur_batch_pruned)
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
		s->bulk_batch = batch_id;
		s->bulk_rows = 0;
		s->bulk_max = INT64_MIN;
	}
	s->bulk_fresh = s->bulk_batch == batch_id && s->bulk_rows == n;
	return 0;
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

/* Integer v as text in buf (24 bytes). */
static const char *
bulk_int(char *buf, size_t size, int64_t v)
{
	snprintf(buf, size, "%" PRId64, v);
	return buf;
}

/* p's values in BULK_COLUMNS order into v, the numbers' texts in num. */
static void
bulk_values(struct store *s, const struct store_prediction *p, double at,
    const char *v[BULK_NCOLS], char num[][32])
{
	v[0] = bulk_int(num[0], sizeof num[0], p->batch_id);
	v[1] = bulk_int(num[1], sizeof num[1], p->row_in_batch);
	v[2] = p->features_json;
	v[3] = bulk_int(num[3], sizeof num[3], p->predicted_class);
	v[4] = db_pg_double_text(num[4], sizeof num[4], p->confidence);
	v[5] = p->scores_json;
	v[6] = v[8] = NULL;
	if (p->true_class >= 0) {
		v[6] = bulk_int(num[6], sizeof num[6], p->true_class);
		v[8] = db_pg_double_text(num[8], sizeof num[8], at);
	}
	v[7] = db_pg_double_text(num[7], sizeof num[7], at);
	v[9] = p->has_event_ts ? bulk_int(num[9], sizeof num[9],
	    p->event_ts) : NULL;
	v[10] = p->line > 0 ? bulk_int(num[10], sizeof num[10], p->line) :
	    NULL;
	v[11] = bulk_int(num[11], sizeof num[11], store_model_param(s));
}

int
store_bulk_row(struct store *s, const char *table, const char *columns,
    const char *const *v, size_t n, char **cause)
{
	if (s->bulk_copying && s->bulk_table != table &&
	    store_copy_end(s, cause) == -1)
		return -1;
	if (!s->bulk_copying) {
		if (db_pg_copy_begin(s->conn, table, columns) == -1) {
			*cause = store_db_error(s, "starting a COPY of rows");
			return -1;
		}
		s->bulk_copying = true;
		s->bulk_table = table;
	}
	if (db_pg_copy_row(s->conn, v, n) == -1) {
		s->bulk_copying = false;
		*cause = store_db_error(s, "sending a row by COPY");
		return -1;
	}
	s->bulk_sent++;
	return 0;
}

int
store_bulk_add(struct store *s, const struct store_prediction *p,
    double at, char **cause)
{
	const char *v[BULK_NCOLS];
	char num[BULK_NCOLS][32];

	if (!s->bulk_fresh || p->batch_id != s->bulk_batch ||
	    p->batch_id != s->cur_batch || p->event_id != NULL ||
	    p->row_in_batch <= s->bulk_max)
		return 0;
	bulk_values(s, p, at, v, num);
	if (store_bulk_row(s, "predictions", BULK_COLUMNS, v, BULK_NCOLS,
	    cause) == -1)
		return -1;
	s->bulk_rows++;
	s->bulk_max = p->row_in_batch;
	s->pending++;
	s->tx_writes++;
	return 1;
}
