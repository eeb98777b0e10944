/*
 * query-metrics: what the Prometheus export reads beyond the overview, in
 * one read transaction. The per-feature values are those of the newest
 * feature report, as stored (decoded with db/report-json.h);
 * open conditions are counted from alert_conditions by the severity the
 * alert engine stored; the newest batch's time is its close, or its open
 * while it is still open (what a staleness alert compares with now).
 */
#include "db/query.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/monitor.h"
#include "core/severity.h"
#include "core/xalloc.h"
#include "db/query-internal.h"
#include "db/report-json.h"
#include "db/store.h"

/* The newest feature report's per-feature values into m. */
static int
metrics_features(struct query *q, struct query_metrics *m)
{
	struct feature_report r;
	struct store_schema sc;
	size_t nf = q->ov.n_features;
	char *p, *cause = NULL;
	int err = 0, rc = -1;

	m->n_features = nf;
	m->psi = xreallocarray(m->psi, nf + 1, sizeof *m->psi);
	m->ks_stat = xreallocarray(m->ks_stat, nf + 1, sizeof *m->ks_stat);
	m->ks_p = xreallocarray(m->ks_p, nf + 1, sizeof *m->ks_p);
	m->feature_batch = -1;
	p = query_latest_report(q, "feature", &m->feature_batch, &err);
	if (p != NULL && query_schema(q, &sc))
		rc = report_json_decode_feature(p, strlen(p), &sc, &r, &cause);
	free(p);
	free(cause);
	if (rc != 0) {
		m->feature_batch = -1;
		m->n_features = 0;
		return err;
	}
	memcpy(m->psi, r.psi, nf * sizeof *m->psi);
	memcpy(m->ks_stat, r.ks_statistic, nf * sizeof *m->ks_stat);
	memcpy(m->ks_p, r.ks_p_value, nf * sizeof *m->ks_p);
	feature_report_finish(&r);
	return 0;
}

/* Open alert conditions by severity. */
static int
metrics_conditions(struct query *q, struct query_metrics *m)
{
	struct db_stmt *st;
	const char *sev;
	int rc, err = 0;

	m->open_warning = 0;
	m->open_critical = 0;
	st = query_prepare(q, "SELECT severity, count(*) FROM"
	    " alert_conditions WHERE open = 1 AND model_id = :model"
	    " GROUP BY severity");
	if (st == NULL)
		return query_err(q);
	while ((rc = db_step(st)) == DB_ROW) {
		sev = db_column_text(st, 0);
		if (sev == NULL)
			continue;
		if (strcmp(sev, severity_name(SEVERITY_WARNING)) == 0)
			m->open_warning = db_column_int64(st, 1);
		else if (strcmp(sev, severity_name(SEVERITY_CRITICAL)) == 0)
			m->open_critical = db_column_int64(st, 1);
	}
	if (rc != DB_DONE)
		err = query_err(q);
	query_release(q, st);
	return err;
}

/* The newest batch and its time. */
static int
metrics_last_batch(struct query *q, struct query_metrics *m)
{
	struct db_stmt *st;
	int rc, err = 0;

	m->last_batch = -1;
	m->last_batch_time = NAN;
	st = query_prepare(q, "SELECT batch_id, coalesce(closed_at,"
	    " opened_at) FROM batches WHERE model_id = :model"
	    " ORDER BY batch_id DESC LIMIT 1");
	if (st == NULL)
		return query_err(q);
	rc = db_step(st);
	if (rc == DB_ROW) {
		m->last_batch = db_column_int64(st, 0);
		if (!db_column_null(st, 1))
			m->last_batch_time = db_column_double(st, 1);
	} else if (rc != DB_DONE)
		err = query_err(q);
	query_release(q, st);
	return err;
}

int
query_metrics_load(struct query *q, struct query_metrics *m, char **cause)
{
	int err;

	if (q->db == NULL || q->state != QUERY_OK) {
		m->feature_batch = m->last_batch = -1;
		m->n_features = 0;
		m->open_warning = m->open_critical = 0;
		m->last_batch_time = NAN;
		return 0;
	}
	if ((err = query_begin(q)) == 0 &&
	    (err = metrics_features(q, m)) == 0 &&
	    (err = metrics_conditions(q, m)) == 0)
		err = metrics_last_batch(q, m);
	if (err != 0) {
		*cause = xasprintf("%s: reading the metrics: %s%s", q->path,
		    query_errstr(q), query_busy(err) ?
		    " (a writer holds the lock: try again)" : "");
		query_end(q, false);
		m->n_features = 0;
		return -1;
	}
	query_end(q, true);
	return 0;
}

void
query_metrics_finish(struct query_metrics *m)
{
	free(m->psi);
	free(m->ks_stat);
	free(m->ks_p);
	memset(m, 0, sizeof *m);
}
