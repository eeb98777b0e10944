/*
 * The batch ledger's summary columns (docs/SCHEMA.md, batches), written
 * once per batch: store-report.c holds each report's columns here as the
 * report is stored (store_summary_hold), and one UPDATE writes every
 * group held (store_summary_write) when the judgement's savepoint is
 * released, before the transaction commits, or when another batch's
 * columns come. Before, each report had its own UPDATE of the same row:
 * four statements per judged batch, four row versions on PostgreSQL.
 * The close of the row by a judgement's claim (n_rows, n_labelled,
 * closed_at, labelled_at) is held too (on SQLite since schema 7): one
 * write of the row per judged batch besides its opening, not two. The
 * row's final values are the same. After the write, model_status is
 * moved from the row as it now is (store-status.c): the close's counts
 * and rate, the drift verdict, the performance numbers, as the triggers
 * of schema 4 to 6 did after each of the statements this one replaces.
 * Nothing reads the row between the claim and the summary's write: the
 * judgement (monitors, reports, detectors, the alert engine) reads
 * reports, detector state and the alert tables, not the ledger; its
 * savepoint is released, or the transaction committed, only after the
 * write; and a judgement undone forgets both. A close outside a
 * judgement (store_batch_close) is written at once.
 *
 * The statement's text depends on the groups held (31 forms); each is
 * built once per store, kept in struct store_summary (the statement
 * cache's key) and freed with the cache (store-stmt.c). Parameters: ?1
 * the batch, ?2 the model (held with the columns: the handle may have
 * switched models since), then each group's columns in order.
 */
#include "db/store-internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/xalloc.h"

/* The columns of each group (enum store_summary_group), bound in order. */
static const char *const summary_columns[STORE_SUMMARY_GROUPS] = {
	"max_psi, min_ks_p, psi_verdict, ks_drift, psi_warning, psi_critical",
	"label_shift_drift, confidence_drift",
	"any_decay, accuracy, acc_delta",
	"ddm_drift, adwin_drift",
	NULL,	/* the close: summary_close_text */
};

/*
 * The close's assignments from ?k on, as sql_batch_close's upsert makes
 * them (store-batch.c): the first close's time and labelled time kept.
 */
static size_t
summary_close_text(char *buf, size_t size, int k)
{
	return (size_t)snprintf(buf, size, "%s n_rows = ?%d,"
	    " n_labelled = ?%d, closed_at = coalesce(closed_at, ?%d),"
	    " labelled_at = CASE WHEN CAST(?%d AS DOUBLE PRECISION) IS NULL"
	    " THEN NULL ELSE coalesce(labelled_at, ?%d) END",
	    k > 3 ? "," : "", k, k + 1, k + 2, k + 3, k + 3);
}

/* "UPDATE batches SET a = ?3, b = ?4 ... WHERE ..." for the groups set. */
static char *
summary_text(unsigned set)
{
	char buf[1024], col[32];
	const char *c, *end;
	size_t o, n;
	int g, k = 3;

	o = (size_t)snprintf(buf, sizeof buf, "UPDATE batches SET");
	for (g = 0; g < STORE_SUMMARY_GROUPS; g++) {
		if (!(set & 1u << g))
			continue;
		if (summary_columns[g] == NULL) {
			o += summary_close_text(buf + o, sizeof buf - o, k);
			k += 4;
			continue;
		}
		for (c = summary_columns[g]; *c != '\0'; c = end) {
			end = c + strcspn(c, ",");
			n = (size_t)(end - c);
			snprintf(col, sizeof col, "%.*s", (int)n, c);
			o += (size_t)snprintf(buf + o, sizeof buf - o,
			    "%s %s = ?%d", k > 3 ? "," : "", col, k);
			k++;
			end += strspn(end, ", ");
		}
	}
	snprintf(buf + o, sizeof buf - o,
	    " WHERE batch_id = ?1 AND model_id = ?2");
	return xstrdup(buf);
}

/* m's values of the groups in set from ?3 on, in summary_columns' order. */
static void
summary_bind(struct db_stmt *st, const struct store_summary *m, unsigned set)
{
	int k = 3;

	if (set & 1u << STORE_SUMMARY_FEATURE) {
		store_bind_number(st, k++, m->max_psi);
		store_bind_number(st, k++, m->min_ks_p);
		db_bind_int64(st, k++, m->psi_verdict);
		db_bind_int64(st, k++, m->ks_drift);
		store_bind_number(st, k++, m->psi_warning);
		store_bind_number(st, k++, m->psi_critical);
	}
	if (set & 1u << STORE_SUMMARY_PREDICTION) {
		db_bind_int64(st, k++, m->label_shift_drift);
		db_bind_int64(st, k++, m->confidence_drift);
	}
	if (set & 1u << STORE_SUMMARY_PERFORMANCE) {
		db_bind_int64(st, k++, m->any_decay);
		store_bind_number(st, k++, m->accuracy);
		store_bind_number(st, k++, m->acc_delta);
	}
	if (set & 1u << STORE_SUMMARY_DETECTORS) {
		db_bind_int64(st, k++, m->ddm_drift);
		db_bind_int64(st, k++, m->adwin_drift);
	}
	if (set & 1u << STORE_SUMMARY_CLOSE) {
		db_bind_int64(st, k++, m->n_rows);
		db_bind_int64(st, k++, m->n_labelled);
		store_bind_number(st, k++, m->closed_at);
		store_bind_number(st, k++, m->labelled_at);
	}
}

/* The groups that write drift verdicts, and those model_status reads. */
#define SUMMARY_DRIFT							\
	(1u << STORE_SUMMARY_FEATURE | 1u << STORE_SUMMARY_PREDICTION)
#define SUMMARY_JUDGED	(SUMMARY_DRIFT | 1u << STORE_SUMMARY_PERFORMANCE)

int
store_summary_write(struct store *s, char **cause)
{
	struct store_summary *m = &s->summary;
	struct db_stmt *st;
	unsigned set = m->set;

	if (set == 0)
		return 0;
	m->set = 0;
	if (m->sql[set] == NULL)
		m->sql[set] = summary_text(set);
	if ((st = store_stmt(s, m->sql[set], cause)) == NULL)
		return -1;
	db_bind_int64(st, 1, m->batch_id);
	db_bind_int64(st, 2, m->model_id);
	summary_bind(st, m, set);
	if (store_stmt_send(s, st, "updating the batch summary", cause) == -1)
		return -1;
	/* What it does to model_status (store-status.c). */
	if ((set & 1u << STORE_SUMMARY_CLOSE) && store_status_closed(s,
	    m->model_id, m->batch_id, m->n_rows, m->n_labelled, cause) == -1)
		return -1;
	if (!(set & SUMMARY_JUDGED))
		return 0;
	return store_status_judged(s, m->model_id, m->batch_id,
	    (set & SUMMARY_DRIFT) != 0, set & 1u << STORE_SUMMARY_PERFORMANCE ?
	    m->accuracy : NAN, m->acc_delta, cause);
}

struct store_summary *
store_summary_hold(struct store *s, int64_t batch_id,
    enum store_summary_group g, char **cause)
{
	struct store_summary *m = &s->summary;
	int64_t model = store_model_param(s);

	if (m->set != 0 && (m->batch_id != batch_id || m->model_id != model) &&
	    store_summary_write(s, cause) == -1)
		return NULL;
	m->batch_id = batch_id;
	m->model_id = model;
	m->set |= 1u << g;
	s->tx_writes++;
	return m;
}
