/*
 * query-explain: one alert and what it stands on, for `mlmon-top --once
 * --alert ID`: the alert row, its condition, the condition's decisions
 * (one per batch and kind, channels folded), the batch's stored
 * reports decoded with the one decoder, and the reference's and the
 * batch's values of the feature with the largest PSI. One read
 * transaction. The alert may be of any model: the id finds it, and every
 * later statement binds :model to the alert's model (explain_prepare),
 * whose names decode the reports.
 */
#include "db/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/xalloc.h"
#include "db/query-internal.h"
#include "db/report-json.h"
#include "db/store.h"

static void
text_of(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", s != NULL ? (const char *)s : "");
}

/* A statement with :model bound to the alert's model. */
static sqlite3_stmt *
explain_prepare(struct query *q, const struct query_explain *e,
    const char *sql)
{
	return query_prepare_model(q, sql, e->model_id);
}

/* The alert row and its condition. 0, 1 (no such alert) or -1. */
static int
explain_alert(struct query *q, int64_t id, struct query_explain *e)
{
	static const char sql[] =
	    "SELECT a.batch_id, a.sent_at, a.severity,"
	    " coalesce(a.kind, 'firing'), coalesce(a.status, 'recorded'),"
	    " a.channel, a.message, coalesce(a.condition_key, ''),"
	    " coalesce(c.rule, ''), coalesce(c.features, ''),"
	    " coalesce(c.first_batch, 0), coalesce(c.open, 0), a.model_id,"
	    " (SELECT name FROM models m WHERE m.model_id = a.model_id)"
	    " FROM alerts a LEFT JOIN alert_conditions c"
	    " ON c.condition_key = a.condition_key AND c.model_id = a.model_id"
	    " WHERE a.id = ?1";
	sqlite3_stmt *st;
	int rc;

	if ((st = query_prepare(q, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		e->alert.id = id;
		e->alert.batch_id = sqlite3_column_int64(st, 0);
		e->alert.sent_at = sqlite3_column_double(st, 1);
		text_of(e->alert.severity, sizeof e->alert.severity, st, 2);
		text_of(e->alert.kind, sizeof e->alert.kind, st, 3);
		text_of(e->alert.status, sizeof e->alert.status, st, 4);
		text_of(e->alert.channel, sizeof e->alert.channel, st, 5);
		text_of(e->alert.message, sizeof e->alert.message, st, 6);
		text_of(e->condition_key, sizeof e->condition_key, st, 7);
		text_of(e->rule, sizeof e->rule, st, 8);
		text_of(e->features, sizeof e->features, st, 9);
		e->first_batch = sqlite3_column_int64(st, 10);
		e->open = sqlite3_column_int(st, 11) != 0;
		e->model_id = sqlite3_column_int64(st, 12);
		text_of(e->alert.model, sizeof e->alert.model, st, 13);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

/* The condition's decisions, oldest first, channels folded. */
static int
explain_timeline(struct query *q, struct query_explain *e)
{
	static const char sql[] =
	    "SELECT batch_id, min(sent_at), coalesce(kind, 'firing'),"
	    " group_concat(DISTINCT channel),"
	    " group_concat(DISTINCT coalesce(status, 'recorded'))"
	    " FROM alerts WHERE condition_key = ?1 AND model_id = :model"
	    " GROUP BY batch_id, coalesce(kind, 'firing') ORDER BY min(id)";
	struct query_explain_event *ev;
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if (e->condition_key[0] == '\0')
		return 0;
	if ((st = explain_prepare(q, e, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, e->condition_key, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (e->n_events == cap) {
			cap = cap ? 2 * cap : 16;
			e->events = xreallocarray(e->events, cap,
			    sizeof *e->events);
		}
		ev = &e->events[e->n_events++];
		ev->batch_id = sqlite3_column_int64(st, 0);
		ev->sent_at = sqlite3_column_double(st, 1);
		text_of(ev->kind, sizeof ev->kind, st, 2);
		text_of(ev->channels, sizeof ev->channels, st, 3);
		text_of(ev->statuses, sizeof ev->statuses, st, 4);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The payload of the batch's report of `type`; NULL when none. */
static char *
explain_payload(struct query *q, const struct query_explain *e,
    const char *type, int *err)
{
	static const char sql[] =
	    "SELECT payload FROM monitor_reports WHERE batch_id = ?1"
	    " AND report_type = ?2 AND model_id = :model";
	sqlite3_stmt *st;
	char *p = NULL;
	int rc;

	if ((st = explain_prepare(q, e, sql)) == NULL) {
		*err = 1;
		return NULL;
	}
	sqlite3_bind_int64(st, 1, e->alert.batch_id);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		p = xstrdup((const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_DONE)
		*err = 1;
	sqlite3_finalize(st);
	return p;
}

/* The batch's reports, each decoded when there is one. */
static int
explain_reports(struct query *q, struct query_explain *e)
{
	struct store_schema sc;
	char *p, *why = NULL;
	int err = 0;

	if (query_names_get(q, e->model_id, &sc) != SQLITE_OK) {
		store_schema_finish(&sc);
		return -1;
	}
	if (sc.n_features == 0 || sc.n_classes == 0) {
		store_schema_finish(&sc);
		return 0;
	}
	if ((p = explain_payload(q, e, "feature", &err)) != NULL)
		e->has_feature = report_json_decode_feature(p, strlen(p), &sc,
		    &e->feature, &why) == 0;
	free(p);
	free(why);
	why = NULL;
	if ((p = explain_payload(q, e, "prediction", &err)) != NULL)
		e->has_prediction = report_json_decode_prediction(p,
		    strlen(p), &sc, &e->prediction, &why) == 0;
	free(p);
	free(why);
	why = NULL;
	if ((p = explain_payload(q, e, "performance", &err)) != NULL)
		e->has_performance = report_json_decode_performance(p,
		    strlen(p), &sc, &e->performance, &why) == 0;
	free(p);
	free(why);
	why = NULL;
	if ((p = explain_payload(q, e, "detectors", &err)) != NULL)
		e->has_detectors = report_json_decode_detectors(p, strlen(p),
		    &e->detectors, &why) == 0;
	free(p);
	free(why);
	/* The names outlive the load: the explanation prints them. */
	e->feature_names = sc.feature_names;
	e->n_names = sc.n_features;
	sc.feature_names = NULL;
	store_schema_finish(&sc);
	return err ? -1 : 0;
}

/* The numbers of `sql` (one column), appended to *v. */
static int
explain_column(struct query *q, const struct query_explain *e,
    const char *sql, double **v, size_t *n)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if ((st = explain_prepare(q, e, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)e->hist_feature);
	sqlite3_bind_int64(st, 2, e->alert.batch_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) == SQLITE_NULL)
			continue;	/* a missing value */
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			*v = xreallocarray(*v, cap, sizeof **v);
		}
		(*v)[(*n)++] = sqlite3_column_double(st, 0);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The top feature's values, reference and batch, for the histogram. */
static int
explain_values(struct query *q, struct query_explain *e)
{
	static const char sql_ref[] =
	    "SELECT json_extract(features, '$[' || ?1 || ']') FROM reference"
	    " WHERE ?2 = ?2 AND model_id = :model";
	static const char sql_cur[] =
	    "SELECT json_extract(features, '$[' || ?1 || ']')"
	    " FROM predictions WHERE batch_id = ?2 AND model_id = :model";

	if (!e->has_feature || e->feature.n_features == 0)
		return 0;
	e->hist_feature = e->feature.max_psi_feature;
	if (explain_column(q, e, sql_ref, &e->hist_ref, &e->n_hist_ref) != 0 ||
	    explain_column(q, e, sql_cur, &e->hist_cur, &e->n_hist_cur) != 0)
		return -1;
	return 0;
}

int
query_explain_load(struct query *q, int64_t id, struct query_explain *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	if (q->db == NULL || q->state != QUERY_OK)
		return 1;
	if (sqlite3_exec(q->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	rc = explain_alert(q, id, out);
	if (rc == 0 && (explain_timeline(q, out) != 0 ||
	    explain_reports(q, out) != 0 || explain_values(q, out) != 0))
		rc = -1;
	sqlite3_exec(q->db, rc < 0 ? "ROLLBACK" : "COMMIT", NULL, NULL,
	    NULL);
	if (rc != 0)
		query_explain_finish(out);
	out->found = rc == 0;
	return rc;
}

void
query_explain_finish(struct query_explain *e)
{
	size_t i;

	for (i = 0; e->feature_names != NULL && i < e->n_names; i++)
		free(e->feature_names[i]);
	free(e->feature_names);
	free(e->events);
	free(e->hist_ref);
	free(e->hist_cur);
	if (e->has_feature)
		feature_report_finish(&e->feature);
	if (e->has_prediction)
		prediction_report_finish(&e->prediction);
	if (e->has_performance)
		performance_report_finish(&e->performance);
	memset(e, 0, sizeof *e);
}
