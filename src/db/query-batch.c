/*
 * query-batch: reads about one batch. Stepping from a batch to the next
 * or previous ones in the ledger (query_batch_step), and one batch's
 * predictions folded into a confusion matrix and reliability bins for the
 * calibration view (query_calib_load).
 */
#include "db/query.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "core/xalloc.h"
#include "db/query-internal.h"

int64_t
query_batch_step(struct query *q, int64_t from, int steps)
{
	struct db_stmt *st;
	int64_t v = -1;
	const char *sql;
	int n;

	if (q->db == NULL || q->ov.latest_batch == -1)
		return -1;
	if (steps >= 0) {
		sql = "SELECT batch_id FROM batches WHERE batch_id > :from"
		    " AND model_id = :model ORDER BY batch_id"
		    " LIMIT 1 OFFSET :skip";
		n = steps;
	} else {
		sql = "SELECT batch_id FROM batches WHERE batch_id < :from"
		    " AND model_id = :model ORDER BY batch_id DESC"
		    " LIMIT 1 OFFSET :skip";
		n = -steps;
	}
	if (steps == 0) {
		/* Nearest batch at or after from, else the last one. */
		sql = "SELECT batch_id FROM batches WHERE batch_id >= :from"
		    " AND model_id = :model ORDER BY batch_id"
		    " LIMIT 1 OFFSET :skip";
		n = 1;
	}
	if ((st = query_prepare(q, sql)) == NULL)
		return from;
	db_bind_int64(st, db_bind_parameter_index(st, ":from"), from);
	db_bind_int64(st, db_bind_parameter_index(st, ":skip"), n - 1);
	if (db_step(st) == DB_ROW)
		v = db_column_int64(st, 0);
	query_release(q, st);
	if (v != -1)
		return v;
	/* Past either end: clamp. */
	if (steps < 0)
		return q->ov.first_batch;
	return q->ov.latest_batch;
}

/*
 * Were a batch's rows pruned by retention (batches.pruned_at, schema 3)?
 * A version 2 file has no such column and no pruned batch: false.
 */
static bool
query_calib_pruned(struct query *q, int64_t batch_id)
{
	struct db_stmt *st;
	bool pruned = false;

	if ((st = query_prepare(q, "SELECT pruned_at IS NOT NULL FROM"
	    " batches WHERE batch_id = ? AND model_id = :model")) == NULL)
		return false;
	db_bind_int64(st, 1, batch_id);
	if (db_step(st) == DB_ROW)
		pruned = db_column_int(st, 0) != 0;
	query_release(q, st);
	return pruned;
}

/*
 * Rows logged into a batch after it was judged: its rows beyond the
 * ledger's n_rows, fixed when it closed (0 while it is open).
 */
static int64_t
query_calib_late(struct query *q, int64_t batch_id, int64_t rows)
{
	struct db_stmt *st;
	int64_t late = 0;

	if ((st = query_prepare(q, "SELECT n_rows FROM batches"
	    " WHERE batch_id = ? AND closed_at IS NOT NULL"
	    " AND model_id = :model")) == NULL)
		return 0;
	db_bind_int64(st, 1, batch_id);
	if (db_step(st) == DB_ROW)
		late = rows - db_column_int64(st, 0);
	query_release(q, st);
	return late > 0 ? late : 0;
}

int
query_calib_load(struct query *q, int64_t batch_id, struct query_calib *out)
{
	struct db_stmt *st;
	int k, rc, p, t, err = 0;
	size_t n = 0, cap = 0;
	double *conf = NULL;
	unsigned char *correct = NULL;
	int64_t labelled = 0;

	query_calib_finish(out);
	out->batch_id = batch_id;
	if (q->db == NULL || q->state != QUERY_OK)
		return 0;
	k = q->ov.n_classes;
	if (query_begin(q) != 0)
		return -1;
	st = query_prepare(q, "SELECT predicted_class, confidence, true_class"
	    " FROM predictions WHERE batch_id = ? AND model_id = :model"
	    " ORDER BY row_in_batch");
	if (st == NULL) {
		err = query_err(q);
		goto out;
	}
	db_bind_int64(st, 1, batch_id);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			conf = xreallocarray(conf, cap, sizeof *conf);
			correct = xreallocarray(correct, cap, 1);
			if (k > 0 && out->confusion == NULL)
				out->confusion = xcalloc((size_t)k * (size_t)k,
				    sizeof *out->confusion);
		}
		p = db_column_int(st, 0);
		conf[n] = db_column_double(st, 1);
		correct[n] = 0;
		if (!db_column_null(st, 2)) {
			t = db_column_int(st, 2);
			labelled++;
			correct[n] = (t == p);
			if (k > 0 && p >= 0 && p < k && t >= 0 && t < k)
				out->confusion[(size_t)t * (size_t)k +
				    (size_t)p]++;
		}
		n++;
	}
	if (rc != DB_DONE)
		err = query_err(q);
	query_release(q, st);
	if (err == 0 && n == 0)
		out->pruned = query_calib_pruned(q, batch_id);
	if (err == 0 && n > 0)
		out->late = query_calib_late(q, batch_id, (int64_t)n);
out:
	query_end(q, err == 0);
	out->exists = n > 0;
	out->n_rows = (int64_t)n;
	out->n_labelled = labelled;
	out->n_classes = k;
	out->labelled = n > 0 && labelled == (int64_t)n;
	if (out->labelled) {
		out->ece = metrics_ece(conf, correct, n, out->bins);
		for (size_t i = 0; i < n; i++)
			out->accuracy += correct[i];
		out->accuracy /= (double)n;
	}
	free(conf);
	free(correct);
	if (err != 0) {
		out->exists = false;
		return query_busy(err) ? -1 : 0;
	}
	return 0;
}

void
query_calib_finish(struct query_calib *c)
{
	free(c->confusion);
	memset(c, 0, sizeof *c);
}
