/*
 * query-ledger: the overview's numbers from the batch ledger. From
 * version 3 on they are one aggregate pass over the model's batches
 * (query_ledger_pass): how many batches, the first and the newest, the
 * rows and labels, the drift counts and the first batch each detector
 * fired (from the stored verdicts), and the range of the PSI thresholds
 * the batches were judged with (whether the history is uniform, decided
 * after the newest reports are read: query_read_history). A file older
 * than version 3 stored no verdicts: its summaries are computed from the
 * reports (schema_summary_select) and its thresholds are the defaults.
 * Then single-row reads: the newest batch's times and its rows still
 * open, the newest report and alert (its id, the console's mark of what
 * arrived), the alert count and the late rows.
 *
 * Cost. One prepared statement and one pass over the model's ledger
 * rows (a few dozen bytes a batch) instead of a statement per number:
 * a statement's preparation costs about 50,000 instructions with the
 * ledger's many indexes to weigh, and a count over an index range walks
 * it entry by entry (docs/BENCHMARKS.md, section 7).
 */
#include "db/query.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/monitor.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "db/query-internal.h"
#include "db/store-internal.h"

/*
 * The aggregates of the ledger's summary columns: value i is
 * "agg FILTER (WHERE cond)" over the model's batches (their stored
 * verdicts), or over the ledger joined to its reports on a file older
 * than version 3 (schema_summary_select).
 */
enum {
	SUM_FEATURE_REPORTS,
	SUM_PSI_WARNING,
	SUM_PSI_CRITICAL,
	SUM_FIRST,		/* + enum query_detector */
	SUM_COUNT = SUM_FIRST + QUERY_DET_COUNT,
};

static const struct query_summary {
	const char	*agg;
	const char	*cond;
} query_summaries[SUM_COUNT] = {
	[SUM_FEATURE_REPORTS] = { "count(*)", "max_psi IS NOT NULL" },
	[SUM_PSI_WARNING] = { "count(*)", "psi_verdict > 0" },
	[SUM_PSI_CRITICAL] = { "count(*)", "psi_verdict = 2" },
	[SUM_FIRST + QUERY_DET_PSI] = { "min(batch_id)", "psi_verdict = 2" },
	[SUM_FIRST + QUERY_DET_KS] = { "min(batch_id)", "ks_drift = 1" },
	[SUM_FIRST + QUERY_DET_LABEL_SHIFT] = { "min(batch_id)",
	    "label_shift_drift = 1" },
	[SUM_FIRST + QUERY_DET_CONFIDENCE] = { "min(batch_id)",
	    "confidence_drift = 1" },
	[SUM_FIRST + QUERY_DET_DECAY] = { "min(batch_id)", "any_decay = 1" },
	[SUM_FIRST + QUERY_DET_DDM] = { "min(batch_id)", "ddm_drift = 1" },
	[SUM_FIRST + QUERY_DET_ADWIN] = { "min(batch_id)",
	    "adwin_drift = 1" },
};

/* The pass's columns: the counts and totals, then (version 3 on) more. */
#define PASS_COUNTS							\
	"count(*), min(batch_id), max(batch_id), coalesce(sum(n_rows), 0),"	\
	" coalesce(sum(n_labelled), 0), max(labelled_at)"
#define PASS_HISTORY							\
	", min(psi_warning), max(psi_warning), min(psi_critical),"	\
	" max(psi_critical), count(psi_critical), count(psi_verdict)"
enum { PASS_N = 6, PASS_SUM = PASS_N, PASS_HIST = PASS_SUM + SUM_FIRST };

/* "agg FILTER (WHERE cond), ..." of summaries from..to, after a comma. */
static void
summaries_sql(struct strbuf *b, int from, int to)
{
	char *part;
	int i;

	for (i = from; i < to; i++) {
		part = xasprintf(", %s FILTER (WHERE %s)",
		    query_summaries[i].agg, query_summaries[i].cond);
		strbuf_add(b, part, strlen(part));
		free(part);
	}
}

/* Is the model shown the store's only one (its rows are every row)? */
static bool
query_only_model(const struct query *q)
{
	return q->n_models == 1 && q->model_id >= 0;
}

/* An integer column, -1 for NULL. */
static int64_t
col_int(struct db_stmt *st, int i)
{
	return db_column_null(st, i) ? -1 : db_column_int64(st, i);
}

/* Summaries from..to from the columns of st from at on. */
static void
summaries_take(struct query_overview *ov, struct db_stmt *st, int at,
    int from, int to)
{
	int64_t v;
	int i;

	for (i = from; i < to; i++) {
		v = col_int(st, at + i - from);
		if (i == SUM_FEATURE_REPORTS)
			ov->n_feature_reports = v > 0 ? v : 0;
		else if (i == SUM_PSI_WARNING)
			ov->drift_psi_warning = v > 0 ? v : 0;
		else if (i == SUM_PSI_CRITICAL)
			ov->drift_psi_critical = v > 0 ? v : 0;
		else
			ov->first_fired[i - SUM_FIRST] = v;
	}
}

/*
 * The first batch each detector fired (version 3 on): one statement, a
 * seek on each detector's partial index (cheaper than an aggregate over
 * every row of the pass).
 */
static int
summaries_first(struct query *q)
{
	struct strbuf b = STRBUF_INIT;
	struct db_stmt *st;
	char *sql;
	int i, rc, err = 0;

	strbuf_add(&b, "SELECT 0", 8);
	for (i = SUM_FIRST; i < SUM_COUNT; i++) {
		sql = xasprintf(", (SELECT %s FROM batches WHERE %s AND"
		    " model_id = :model)", query_summaries[i].agg,
		    query_summaries[i].cond);
		strbuf_add(&b, sql, strlen(sql));
		free(sql);
	}
	sql = strbuf_take(&b);
	st = query_prepare_text(q, sql);
	free(sql);
	if (st == NULL)
		return query_err(q);
	if ((rc = db_step(st)) == DB_ROW)
		summaries_take(&q->ov, st, 1, SUM_FIRST, SUM_COUNT);
	else if (rc == DB_ERROR)
		err = query_err(q);
	query_release(q, st);
	return err;
}

/*
 * A file older than version 3: the summaries in one pass over the ledger
 * joined to its reports (the defaults bound as ?1, ?2).
 */
static int
summaries_old(struct query *q)
{
	struct monitor_config c;
	struct strbuf b = STRBUF_INIT;
	struct db_stmt *st;
	char *sql;
	int rc, err = 0;

	strbuf_add(&b, "SELECT 0", 8);
	summaries_sql(&b, 0, SUM_COUNT);
	strbuf_add(&b, " FROM (", 7);
	strbuf_add(&b, schema_summary_select, strlen(schema_summary_select));
	strbuf_add(&b, ")", 1);
	sql = strbuf_take(&b);
	st = query_prepare_text(q, sql);
	free(sql);
	if (st == NULL)
		return query_err(q);
	monitor_config_defaults(&c);
	db_bind_double(st, 1, c.psi_warning);
	db_bind_double(st, 2, c.psi_critical);
	if ((rc = db_step(st)) == DB_ROW)
		summaries_take(&q->ov, st, 1, 0, SUM_COUNT);
	else if (rc == DB_ERROR)
		err = query_err(q);
	query_release(q, st);
	return err;
}

/* The one pass over the model's batches (see the top of the file). */
static int
query_ledger_pass(struct query *q, int64_t version)
{
	struct query_overview *ov = &q->ov;
	struct strbuf b = STRBUF_INIT;
	struct db_stmt *st;
	char *sql;
	int rc, i;

	strbuf_add(&b, "SELECT " PASS_COUNTS, strlen("SELECT " PASS_COUNTS));
	if (version >= 3) {
		summaries_sql(&b, 0, SUM_FIRST);
		strbuf_add(&b, PASS_HISTORY, strlen(PASS_HISTORY));
	}
	/*
	 * The store's only model: every row, in table order (an index range
	 * of the model would cost a table seek a row).
	 */
	if (query_only_model(q))
		strbuf_add(&b, " FROM batches", strlen(" FROM batches"));
	else
		strbuf_add(&b, " FROM batches WHERE model_id = :model",
		    strlen(" FROM batches WHERE model_id = :model"));
	sql = strbuf_take(&b);
	st = query_prepare_text(q, sql);
	free(sql);
	if (st == NULL)
		return query_err(q);
	if ((rc = db_step(st)) != DB_ROW) {
		rc = rc == DB_ERROR ? query_err(q) : 0;
		query_release(q, st);
		return rc;
	}
	ov->n_batches = db_column_int64(st, 0);
	ov->first_batch = col_int(st, 1);
	ov->latest_batch = col_int(st, 2);
	ov->rows = (int64_t)db_column_double(st, 3);
	ov->labelled = (int64_t)db_column_double(st, 4);
	ov->last_write = db_column_double(st, 5);
	q->hist.known = version >= 3;
	if (version >= 3) {
		summaries_take(ov, st, PASS_SUM, 0, SUM_FIRST);
		for (i = 0; i < 4; i++)
			q->hist.psi[i] = db_column_double(st, PASS_HIST + i);
		q->hist.n_critical = db_column_int64(st, PASS_HIST + 4);
		q->hist.n_verdict = db_column_int64(st, PASS_HIST + 5);
	}
	query_release(q, st);
	return version >= 3 ? summaries_first(q) : summaries_old(q);
}

/*
 * The newest batch: its times (its last row is the newest one logged:
 * one seek on predictions_model_batch_row), and the rows of it still
 * open, which are not in the ledger's count yet.
 */
static int
query_ledger_newest(struct query *q)
{
	struct query_overview *ov = &q->ov;
	struct db_stmt *st;
	double t;
	int rc, c, err = 0;
	int64_t open_rows;

	st = query_prepare(q, "SELECT opened_at, closed_at,"
	    " (SELECT logged_at FROM predictions"
	    " WHERE batch_id = b.batch_id AND model_id = b.model_id"
	    " ORDER BY row_in_batch DESC LIMIT 1),"
	    " CASE WHEN closed_at IS NULL THEN (SELECT count(*)"
	    " FROM predictions WHERE batch_id = b.batch_id"
	    " AND model_id = b.model_id) - b.n_rows ELSE 0 END"
	    " FROM batches b WHERE b.batch_id = ?1 AND b.model_id = :model");
	if (st == NULL)
		return query_err(q);
	db_bind_int64(st, 1, ov->latest_batch);
	rc = db_step(st);
	if (rc == DB_ROW) {
		for (c = 0; c <= 2; c++) {
			t = db_column_double(st, c);
			if (t > ov->last_write)
				ov->last_write = t;
		}
		open_rows = db_column_int64(st, 3);
		if (open_rows > 0)
			ov->rows += open_rows;
	} else if (rc != DB_DONE)
		err = query_err(q);
	query_release(q, st);
	return err;
}

/*
 * The model's newest alert, its id and time: one seek on alerts_model
 * (id order). 0 or an error kind.
 */
static int
query_ledger_alert(struct query *q)
{
	struct query_overview *ov = &q->ov;
	struct db_stmt *st;
	double t;
	int rc, err = 0;

	st = query_prepare(q, "SELECT id, sent_at FROM alerts"
	    " WHERE model_id = :model ORDER BY id DESC LIMIT 1");
	if (st == NULL)
		return query_err(q);
	ov->latest_alert = 0;
	if ((rc = db_step(st)) == DB_ROW) {
		ov->latest_alert = db_column_int64(st, 0);
		t = db_column_double(st, 1);
		if (t > ov->last_write)
			ov->last_write = t;
	} else if (rc != DB_DONE)
		err = query_err(q);
	query_release(q, st);
	return err;
}

int
query_read_ledger(struct query *q, int64_t version)
{
	struct query_overview *ov = &q->ov;
	double t;
	int err;

	if ((err = query_ledger_pass(q, version)) != 0)
		return err;
	if (ov->latest_batch != -1 && (err = query_ledger_newest(q)) != 0)
		return err;
	t = query_double(q, "SELECT max(created_at) FROM monitor_reports"
	    " WHERE model_id = :model", &err);
	if (t > ov->last_write)
		ov->last_write = t;
	if ((err = query_ledger_alert(q)) != 0)
		return err;
	/*
	 * The model's alerts: the whole table's when it is the store's only
	 * model (a count of the table's pages, where a count of an index
	 * range steps through every entry).
	 */
	ov->n_alerts = query_int(q, query_only_model(q) ?
	    "SELECT count(*) FROM alerts" : "SELECT count(*) FROM alerts"
	    " WHERE model_id = :model", 0, &err);
	/* Late rows are not in the ledger's n_rows (they were not judged). */
	ov->late = query_int(q, "SELECT CAST(value AS BIGINT) FROM meta"
	    " WHERE key = 'late_rows' AND model_id = :model", 0, &err);
	ov->rows += ov->late;
	ov->window_us = query_int(q, "SELECT CAST(value AS INTEGER) FROM meta"
	    " WHERE key = 'window_us' AND model_id = :model", 0, &err);
	return err;
}

void
query_read_history(struct query *q)
{
	struct query_thresholds *t = &q->ov.thresholds;

	t->history_uniform = t->known && t->uniform;
	if (!q->hist.known || !t->known)
		return;
	t->history_uniform = t->uniform &&
	    q->hist.n_critical == q->hist.n_verdict &&
	    q->hist.psi[0] == t->psi_warning &&
	    q->hist.psi[1] == t->psi_warning &&
	    q->hist.psi[2] == t->psi_critical &&
	    q->hist.psi[3] == t->psi_critical;
}
