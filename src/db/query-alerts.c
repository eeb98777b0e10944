/*
 * query-alerts: a page of the alert feed, newest first, of the model
 * shown or of every model, filtered by severity and a substring of the
 * message, condition key or model name, with the count of all alerts
 * that match, read in one read transaction; and the alerts that arrived
 * after a given one (query_alerts_after), for the console's highlight.
 */
#include "db/query.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "db/query-internal.h"

static void
copy_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

/*
 * The page and its count: every model's alerts (ALL) or the model
 * shown's, on index alerts_model (id order within a model); ?2, the
 * search as a LIKE pattern (alerts_pattern), also matches the model's
 * name. lower() on both sides: SQLite's LIKE ignores ASCII case,
 * PostgreSQL's does not.
 */
#define ALERTS_LIKE(col)						\
	" lower(" col ") LIKE lower(CAST(?2 AS TEXT)) ESCAPE '\\'"
#define ALERTS_MATCH(model)						\
	" WHERE (CAST(?1 AS TEXT) IS NULL OR severity = ?1)"		\
	" AND (CAST(?2 AS TEXT) IS NULL OR" ALERTS_LIKE("message")	\
	"  OR" ALERTS_LIKE("coalesce(condition_key, '')")		\
	"  OR" ALERTS_LIKE("coalesce((SELECT name FROM models m"	\
	"  WHERE m.model_id = alerts.model_id), '')") ")"		\
	model
#define ALERTS_COLUMNS							\
	"SELECT id, batch_id, sent_at, coalesce(attempts, 0), severity,"	\
	" coalesce(kind, 'firing'),"					\
	" coalesce(status, CASE WHEN delivered <> 0 THEN 'delivered'"	\
	"  ELSE 'recorded' END), channel, message,"			\
	" (SELECT name FROM models m WHERE m.model_id = alerts.model_id),"	\
	" coalesce(condition_key, '')"					\
	" FROM alerts"
#define ALERTS_PAGE(model)						\
	ALERTS_COLUMNS ALERTS_MATCH(model)				\
	" ORDER BY id DESC LIMIT :limit OFFSET :offset"
#define ALERTS_COUNT(model)						\
	"SELECT count(*) FROM alerts" ALERTS_MATCH(model)
#define ALERTS_ONE	" AND model_id = :model"

/* One row of a page from the current row of st. */
static void
alerts_row(struct db_stmt *st, struct query_alert *a)
{
	a->id = db_column_int64(st, 0);
	a->batch_id = db_column_int64(st, 1);
	a->sent_at = db_column_double(st, 2);
	a->attempts = db_column_int(st, 3);
	copy_text(a->severity, sizeof a->severity, db_column_text(st, 4));
	copy_text(a->kind, sizeof a->kind, db_column_text(st, 5));
	copy_text(a->status, sizeof a->status, db_column_text(st, 6));
	copy_text(a->channel, sizeof a->channel, db_column_text(st, 7));
	copy_text(a->message, sizeof a->message, db_column_text(st, 8));
	copy_text(a->model, sizeof a->model, db_column_text(st, 9));
	copy_text(a->condition_key, sizeof a->condition_key,
	    db_column_text(st, 10));
}

/*
 * The search as a LIKE pattern matching it anywhere: %, _ and the escape
 * character \ stand for themselves. Caller frees.
 */
static char *
alerts_pattern(const char *search)
{
	size_t i, n = 0, len = strlen(search);
	char *p = xmalloc(2 * len + 3);

	p[n++] = '%';
	for (i = 0; i < len; i++) {
		if (search[i] == '%' || search[i] == '_' || search[i] == '\\')
			p[n++] = '\\';
		p[n++] = search[i];
	}
	p[n++] = '%';
	p[n] = '\0';
	return p;
}

/* Prepare sql and bind the filter: NULL on error (query_err says). */
static struct db_stmt *
alerts_prepare(struct query *q, const char *sql, const char *sev,
    const char *pattern)
{
	struct db_stmt *st;

	if ((st = query_prepare(q, sql)) == NULL)
		return NULL;
	db_bind_text(st, 1, sev, -1, DB_STATIC);
	db_bind_text(st, 2, pattern, -1, DB_STATIC);
	return st;
}

/* The count and the page, in the read transaction. 0 or an error kind. */
static int
alerts_read(struct query *q, int all, const char *sev, const char *pattern,
    int64_t offset, size_t limit, struct query_alert_page *out)
{
	static const char *const sql_page[2] = {
		ALERTS_PAGE(ALERTS_ONE), ALERTS_PAGE(""),
	};
	static const char *const sql_count[2] = {
		ALERTS_COUNT(ALERTS_ONE), ALERTS_COUNT(""),
	};
	struct db_stmt *st;
	int rc, err = 0;

	if ((st = alerts_prepare(q, sql_count[all], sev, pattern)) == NULL)
		return query_err(q);
	if ((rc = db_step(st)) == DB_ROW)
		out->total = db_column_int64(st, 0);
	else
		err = query_err(q);
	query_release(q, st);
	if (err != 0 || limit == 0)
		return err;
	if ((st = alerts_prepare(q, sql_page[all], sev, pattern)) == NULL)
		return query_err(q);
	db_bind_int64(st, db_bind_parameter_index(st, ":limit"),
	    (int64_t)limit);
	db_bind_int64(st, db_bind_parameter_index(st, ":offset"), offset);
	while ((rc = db_step(st)) == DB_ROW && out->n < limit)
		alerts_row(st, &out->rows[out->n++]);
	if (rc == DB_ERROR)
		err = query_err(q);
	query_release(q, st);
	return err;
}

int
query_alerts_load(struct query *q, const struct query_alert_filter *f,
    int64_t offset, size_t limit, struct query_alert_page *out)
{
	const char *sev = f != NULL ? f->severity : NULL;
	const char *search = f != NULL ? f->search : NULL;
	int all = f != NULL && f->all_models ? 1 : 0;
	char *pattern;
	int err;

	out->n = 0;
	out->total = 0;
	if (q->db == NULL || q->state != QUERY_OK)
		return 0;
	pattern = search != NULL && *search != '\0' ? alerts_pattern(search) :
	    NULL;
	if (limit > out->cap) {
		out->rows = xreallocarray(out->rows, limit, sizeof *out->rows);
		out->cap = limit;
	}
	if (query_begin(q) != 0) {
		free(pattern);
		return -1;
	}
	err = alerts_read(q, all, sev, pattern, offset, limit, out);
	free(pattern);
	if (err != 0) {
		query_end(q, false);
		out->n = 0;
		return query_busy(err) ? -1 : 0;
	}
	query_end(q, true);
	return 0;
}

int
query_alerts_after(struct query *q, int64_t after, size_t limit,
    struct query_alert_page *out)
{
	struct db_stmt *st;
	int rc, err = 0;

	out->n = 0;
	out->total = 0;
	if (q->db == NULL || q->state != QUERY_OK || limit == 0)
		return 0;
	if (limit > out->cap) {
		out->rows = xreallocarray(out->rows, limit, sizeof *out->rows);
		out->cap = limit;
	}
	/* One seek on alerts_model (model_id, id), then its newest rows. */
	st = query_prepare(q, ALERTS_COLUMNS " WHERE model_id = :model"
	    " AND id > :after ORDER BY id DESC LIMIT :limit");
	if (st == NULL)
		return query_busy(query_err(q)) ? -1 : 0;
	db_bind_int64(st, db_bind_parameter_index(st, ":after"), after);
	db_bind_int64(st, db_bind_parameter_index(st, ":limit"),
	    (int64_t)limit);
	while ((rc = db_step(st)) == DB_ROW && out->n < limit)
		alerts_row(st, &out->rows[out->n++]);
	if (rc == DB_ERROR) {
		err = query_err(q);
		out->n = 0;
	}
	query_release(q, st);
	out->total = (int64_t)out->n;
	return query_busy(err) ? -1 : 0;
}

void
query_alert_page_finish(struct query_alert_page *p)
{
	free(p->rows);
	memset(p, 0, sizeof *p);
}
