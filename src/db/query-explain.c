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

#include "core/xalloc.h"
#include "db/query-internal.h"
#include "db/report-json.h"
#include "db/store.h"

static void
text_of(char *dst, size_t size, struct db_stmt *st, int col)
{
	const char *s = db_column_text(st, col);

	snprintf(dst, size, "%s", s != NULL ? s : "");
}

/* A statement with :model bound to the alert's model. */
static struct db_stmt *
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
	struct db_stmt *st;
	int rc;

	if ((st = query_prepare(q, sql)) == NULL)
		return -1;
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		e->alert.id = id;
		e->alert.batch_id = db_column_int64(st, 0);
		e->alert.sent_at = db_column_double(st, 1);
		text_of(e->alert.severity, sizeof e->alert.severity, st, 2);
		text_of(e->alert.kind, sizeof e->alert.kind, st, 3);
		text_of(e->alert.status, sizeof e->alert.status, st, 4);
		text_of(e->alert.channel, sizeof e->alert.channel, st, 5);
		text_of(e->alert.message, sizeof e->alert.message, st, 6);
		text_of(e->condition_key, sizeof e->condition_key, st, 7);
		text_of(e->rule, sizeof e->rule, st, 8);
		text_of(e->features, sizeof e->features, st, 9);
		e->first_batch = db_column_int64(st, 10);
		e->open = db_column_int(st, 11) != 0;
		e->model_id = db_column_int64(st, 12);
		text_of(e->alert.model, sizeof e->alert.model, st, 13);
	}
	query_release(q, st);
	return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

/*
 * The condition's decisions, oldest first, channels and statuses folded
 * in the order they first occur. SQLite folds with group_concat(DISTINCT)
 * (3.40 has no string_agg), reading the alerts in id order;
 * PostgreSQL with string_agg in id order over each value's first row.
 */
#define TIMELINE_WHERE							\
	" FROM alerts WHERE condition_key = ?1 AND model_id = :model"
#define TIMELINE_KIND	"coalesce(kind, 'firing')"
#define TIMELINE_STATUS	"coalesce(status, 'recorded')"
#define TIMELINE_FIRST(col)						\
	" row_number() OVER (PARTITION BY batch_id, " TIMELINE_KIND	\
	", " col " ORDER BY id) = 1"

static const char sql_timeline_sqlite[] =
    "SELECT batch_id, min(sent_at), " TIMELINE_KIND ","
    " group_concat(DISTINCT channel),"
    " group_concat(DISTINCT " TIMELINE_STATUS ")" TIMELINE_WHERE
    " GROUP BY batch_id, " TIMELINE_KIND " ORDER BY min(id)";
static const char sql_timeline_pg[] =
    "SELECT batch_id, min(sent_at), k,"
    " string_agg(channel, ',' ORDER BY id) FILTER (WHERE c1),"
    " string_agg(st, ',' ORDER BY id) FILTER (WHERE s1)"
    " FROM (SELECT id, batch_id, sent_at, " TIMELINE_KIND " AS k, channel,"
    " " TIMELINE_STATUS " AS st," TIMELINE_FIRST("channel") " AS c1,"
    TIMELINE_FIRST(TIMELINE_STATUS) " AS s1" TIMELINE_WHERE ") a"
    " GROUP BY batch_id, k ORDER BY min(id)";

static int
explain_timeline(struct query *q, struct query_explain *e)
{
	struct query_explain_event *ev;
	struct db_stmt *st;
	size_t cap = 0;
	int rc;

	if (e->condition_key[0] == '\0')
		return 0;
	if ((st = explain_prepare(q, e, q->pg ? sql_timeline_pg :
	    sql_timeline_sqlite)) == NULL)
		return -1;
	db_bind_text(st, 1, e->condition_key, -1, DB_STATIC);
	while ((rc = db_step(st)) == DB_ROW) {
		if (e->n_events == cap) {
			cap = cap ? 2 * cap : 16;
			e->events = xreallocarray(e->events, cap,
			    sizeof *e->events);
		}
		ev = &e->events[e->n_events++];
		ev->batch_id = db_column_int64(st, 0);
		ev->sent_at = db_column_double(st, 1);
		text_of(ev->kind, sizeof ev->kind, st, 2);
		text_of(ev->channels, sizeof ev->channels, st, 3);
		text_of(ev->statuses, sizeof ev->statuses, st, 4);
	}
	query_release(q, st);
	return rc == DB_DONE ? 0 : -1;
}

/* The payload of the batch's report of `type`; NULL when none. */
static char *
explain_payload(struct query *q, const struct query_explain *e,
    const char *type, int *err)
{
	static const char sql[] =
	    "SELECT payload FROM monitor_reports WHERE batch_id = ?1"
	    " AND report_type = ?2 AND model_id = :model";
	struct db_stmt *st;
	char *p = NULL;
	int rc;

	if ((st = explain_prepare(q, e, sql)) == NULL) {
		*err = 1;
		return NULL;
	}
	db_bind_int64(st, 1, e->alert.batch_id);
	db_bind_text(st, 2, type, -1, DB_STATIC);
	rc = db_step(st);
	if (rc == DB_ROW)
		p = xstrdup(db_column_text(st, 0));
	else if (rc != DB_DONE)
		*err = 1;
	query_release(q, st);
	return p;
}

/* The batch's reports, each decoded when there is one. */
static int
explain_reports(struct query *q, struct query_explain *e)
{
	struct store_schema sc;
	char *p, *why = NULL;
	int err = 0;

	if (query_names_get(q, e->model_id, &sc) != 0) {
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

/*
 * The numbers of `sql` (one column; ?1 the feature, ?2 the batch when
 * with_batch), appended to *v.
 */
static int
explain_column(struct query *q, const struct query_explain *e,
    const char *sql, bool with_batch, double **v, size_t *n)
{
	struct db_stmt *st;
	size_t cap = 0;
	int rc;

	if ((st = explain_prepare(q, e, sql)) == NULL)
		return -1;
	db_bind_int64(st, 1, (int64_t)e->hist_feature);
	if (with_batch)
		db_bind_int64(st, 2, e->alert.batch_id);
	while ((rc = db_step(st)) == DB_ROW) {
		if (db_column_null(st, 0))
			continue;	/* a missing value */
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			*v = xreallocarray(*v, cap, sizeof **v);
		}
		(*v)[(*n)++] = db_column_double(st, 0);
	}
	query_release(q, st);
	return rc == DB_DONE ? 0 : -1;
}

/*
 * Element ?1 of the features array as a number: SQLite's json_extract;
 * on PostgreSQL the json operator, a number as itself, true and false
 * as 1 and 0, text as 0 (as SQLite reads a word as a number), null or
 * missing as NULL.
 */
#define VALUE_SQLITE	"json_extract(features, '$[' || ?1 || ']')"
#define VALUE_PG_AT	"(CAST(features AS json) -> CAST(?1 AS INTEGER))"
#define VALUE_PG							\
	"CASE json_typeof(" VALUE_PG_AT ")"				\
	" WHEN 'number' THEN CAST(" VALUE_PG_AT " #>> '{}'"		\
	" AS DOUBLE PRECISION) WHEN 'true' THEN 1 WHEN 'false' THEN 0"	\
	" WHEN 'string' THEN 0 END"
#define FROM_REF	" FROM reference WHERE model_id = :model"
#define FROM_CUR	" FROM predictions WHERE batch_id = ?2"		\
	" AND model_id = :model"

/* The top feature's values, reference and batch, for the histogram. */
static int
explain_values(struct query *q, struct query_explain *e)
{
	static const char *const sql_ref[2] = {
		"SELECT " VALUE_SQLITE FROM_REF, "SELECT " VALUE_PG FROM_REF,
	};
	static const char *const sql_cur[2] = {
		"SELECT " VALUE_SQLITE FROM_CUR, "SELECT " VALUE_PG FROM_CUR,
	};

	if (!e->has_feature || e->feature.n_features == 0)
		return 0;
	e->hist_feature = e->feature.max_psi_feature;
	if (explain_column(q, e, sql_ref[q->pg], false, &e->hist_ref,
	    &e->n_hist_ref) != 0 ||
	    explain_column(q, e, sql_cur[q->pg], true, &e->hist_cur,
	    &e->n_hist_cur) != 0)
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
	if (query_begin(q) != 0)
		return -1;
	rc = explain_alert(q, id, out);
	if (rc == 0 && (explain_timeline(q, out) != 0 ||
	    explain_reports(q, out) != 0 || explain_values(q, out) != 0))
		rc = -1;
	query_end(q, rc >= 0);
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
