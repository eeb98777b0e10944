/*
 * Retention of raw prediction rows (--retain-rows). A batch's rows are
 * deleted once the batch is judged (its ledger row closed), its labels
 * are final (every row labelled) and it closed before the cutoff. Its
 * ledger row keeps its counts and report summaries and records when the
 * rows went (pruned_at), so readers say "rows pruned" instead of showing
 * an empty batch; reports, the reference, detector state and alerts are
 * never touched.
 *
 * One call deletes whole batches, oldest first, until at least max_rows
 * rows went, inside the caller's write transaction, which the caller
 * commits at once: pruning is a run of small transactions between
 * flushes, never one long one. A batch goes whole with its pruned_at in
 * one transaction, so a crash leaves it either kept or pruned, and a row
 * of a pruned batch sent again is a replay, not a late row
 * (store_prediction_add): nothing pruned comes back. Deleted pages go to SQLite's freelist
 * and later inserts reuse them, so once a retention period of rows has
 * been written the file stops growing.
 */
#include "db/store.h"

#include "core/clock.h"
#include "db/store-internal.h"

/*
 * The oldest batch due (the partial index batches_unpruned): SQLite is
 * told the index (INDEXED BY, which only it takes); PostgreSQL's planner
 * finds it.
 */
#define PRUNE_NEXT(indexed)						\
    "SELECT batch_id FROM batches" indexed				\
    " WHERE pruned_at IS NULL AND closed_at < ?1"			\
    " AND n_labelled >= n_rows AND model_id = :model"			\
    " ORDER BY closed_at LIMIT 1"
static const char sql_prune_next[] =
    PRUNE_NEXT(" INDEXED BY batches_unpruned");
static const char sql_prune_next_pg[] = PRUNE_NEXT("");
static const char sql_prune_rows[] =
    "DELETE FROM predictions WHERE batch_id = ?1 AND model_id = :model";
static const char sql_prune_mark[] =
    "UPDATE batches SET pruned_at = ?2 WHERE batch_id = ?1"
    " AND model_id = :model";

/* The next due batch into *batch: 1, 0 none, -1 (*cause). */
static int
prune_next(struct store *s, double cutoff, int64_t *batch, char **cause)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, s->pg ? sql_prune_next_pg : sql_prune_next,
	    cause)) == NULL)
		return -1;
	db_bind_double(st, 1, cutoff);
	rc = db_step(st);
	if (rc == DB_ROW)
		*batch = db_column_int64(st, 0);
	db_reset(st);
	if (rc == DB_ROW)
		return 1;
	if (rc == DB_DONE)
		return 0;
	*cause = store_db_error(s, "finding rows to prune");
	return -1;
}

int
store_prune_rows(struct store *s, double cutoff, size_t max_rows,
    size_t *pruned, size_t *batches, char **cause)
{
	struct db_stmt	*st;
	int64_t		 batch;
	int		 rc;

	*pruned = 0;
	*batches = 0;
	if (store_write_begin(s, cause) == -1)
		return -1;
	while (*pruned < max_rows) {
		if ((rc = prune_next(s, cutoff, &batch, cause)) <= 0)
			return rc;
		if ((st = store_stmt(s, sql_prune_rows, cause)) == NULL)
			return -1;
		db_bind_int64(st, 1, batch);
		s->tx_writes++;
		if (store_stmt_done(s, st, "pruning rows", cause) == -1)
			return -1;
		*pruned += (size_t)db_changes(s->conn);
		if ((st = store_stmt(s, sql_prune_mark, cause)) == NULL)
			return -1;
		db_bind_int64(st, 1, batch);
		db_bind_double(st, 2, clock_wall());
		if (store_stmt_done(s, st, "marking a batch pruned",
		    cause) == -1)
			return -1;
		if (batch == s->cur_batch)
			s->cur_batch_pruned = true;
		(*batches)++;
	}
	return 0;
}
