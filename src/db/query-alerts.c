/*
 * query-alerts: a page of the alert feed, newest first, of the model
 * shown or of every model, filtered by severity and a substring of the
 * message, condition key or model name, with the count of all alerts
 * that match, read in one read transaction.
 */
#include "db/query.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/xalloc.h"
#include "db/query-internal.h"

static void
copy_text(char *dst, size_t size, const unsigned char *src)
{
	snprintf(dst, size, "%s", src != NULL ? (const char *)src : "");
}

/*
 * The page and its count: every model's alerts (ALL) or the model
 * shown's, on index alerts_model (rowid order within a model); ?2 also
 * matches the model's name.
 */
#define ALERTS_MATCH(model)						\
	" WHERE (?1 IS NULL OR severity = ?1)"				\
	" AND (?2 IS NULL OR instr(lower(message), lower(?2)) > 0"	\
	"  OR instr(lower(coalesce(condition_key, '')), lower(?2)) > 0"	\
	"  OR instr(lower(coalesce((SELECT name FROM models m"		\
	"  WHERE m.model_id = alerts.model_id), '')), lower(?2)) > 0)"	\
	model
#define ALERTS_PAGE(model)						\
	"SELECT id, batch_id, sent_at, coalesce(attempts, 0), severity,"	\
	" coalesce(kind, 'firing'),"					\
	" coalesce(status, CASE WHEN delivered THEN 'delivered'"	\
	"  ELSE 'recorded' END), channel, message,"			\
	" (SELECT name FROM models m WHERE m.model_id = alerts.model_id),"	\
	" coalesce(condition_key, '')"					\
	" FROM alerts" ALERTS_MATCH(model)				\
	" ORDER BY id DESC LIMIT :limit OFFSET :offset"
#define ALERTS_COUNT(model)						\
	"SELECT count(*) FROM alerts" ALERTS_MATCH(model)
#define ALERTS_ONE	" AND model_id = :model"

/* One row of a page from the current row of st. */
static void
alerts_row(sqlite3_stmt *st, struct query_alert *a)
{
	a->id = sqlite3_column_int64(st, 0);
	a->batch_id = sqlite3_column_int64(st, 1);
	a->sent_at = sqlite3_column_double(st, 2);
	a->attempts = sqlite3_column_int(st, 3);
	copy_text(a->severity, sizeof a->severity, sqlite3_column_text(st, 4));
	copy_text(a->kind, sizeof a->kind, sqlite3_column_text(st, 5));
	copy_text(a->status, sizeof a->status, sqlite3_column_text(st, 6));
	copy_text(a->channel, sizeof a->channel, sqlite3_column_text(st, 7));
	copy_text(a->message, sizeof a->message, sqlite3_column_text(st, 8));
	copy_text(a->model, sizeof a->model, sqlite3_column_text(st, 9));
	copy_text(a->condition_key, sizeof a->condition_key,
	    sqlite3_column_text(st, 10));
}

int
query_alerts_load(struct query *q, const struct query_alert_filter *f,
    int64_t offset, size_t limit, struct query_alert_page *out)
{
	static const char *const sql_page[2] = {
		ALERTS_PAGE(ALERTS_ONE), ALERTS_PAGE(""),
	};
	static const char *const sql_count[2] = {
		ALERTS_COUNT(ALERTS_ONE), ALERTS_COUNT(""),
	};
	const char *sev = f != NULL ? f->severity : NULL;
	const char *search = f != NULL ? f->search : NULL;
	int all = f != NULL && f->all_models ? 1 : 0;
	sqlite3_stmt *st;
	int rc;

	out->n = 0;
	out->total = 0;
	if (q->db == NULL || q->state != QUERY_OK)
		return 0;
	if (search != NULL && *search == '\0')
		search = NULL;
	if (limit > out->cap) {
		out->rows = xreallocarray(out->rows, limit, sizeof *out->rows);
		out->cap = limit;
	}
	if (sqlite3_exec(q->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if ((st = query_prepare(q, sql_count[all])) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, sev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, search, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		out->total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		goto fail;
	if (limit == 0)
		goto done;
	if ((st = query_prepare(q, sql_page[all])) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, sev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, search, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"),
	    (int64_t)limit);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":offset"),
	    offset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && out->n < limit)
		alerts_row(st, &out->rows[out->n++]);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto fail;
done:
	sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
	return 0;
fail:
	rc = sqlite3_errcode(q->db);
	sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	out->n = 0;
	return query_rc_busy(rc) ? -1 : 0;
}

void
query_alert_page_finish(struct query_alert_page *p)
{
	free(p->rows);
	memset(p, 0, sizeof *p);
}
