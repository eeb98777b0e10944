/*
 * alert-store: the SQL of alerting (alert-store.h). alert_conditions holds
 * one row per condition key; alerts holds every decision and is the
 * outbox. Statements are cached by their literal (store_stmt).
 */
#include "db/alert-store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/severity.h"
#include "core/xalloc.h"
#include "db/rows.h"
#include "db/store-internal.h"

/* Conditions of a rule opened: "firing" decisions, one per batch. */
static const char sql_openings[] =
    "SELECT count(*) FROM (SELECT DISTINCT a.condition_key, a.batch_id"
    " FROM alerts a JOIN alert_conditions c"
    " ON c.condition_key = a.condition_key AND c.model_id = a.model_id"
    " WHERE c.rule = ?1 AND a.kind = 'firing' AND a.model_id = :model)";
/* Repeats sent (?2 = 0) or suppressed within the interval (?2 = 1). */
static const char sql_repeats[] =
    "SELECT count(*) FROM (SELECT DISTINCT a.condition_key, a.batch_id"
    " FROM alerts a JOIN alert_conditions c"
    " ON c.condition_key = a.condition_key AND c.model_id = a.model_id"
    " WHERE c.rule = ?1 AND a.kind = 'repeat'"
    " AND CASE WHEN a.status = 'suppressed' THEN 1 ELSE 0 END = ?2"
    " AND a.model_id = :model)";
static const char sql_condition_get[] =
    "SELECT condition_key, rule, severity, features, open, first_batch,"
    " last_fired_batch, last_seen_batch, clear_streak, last_notified_at,"
    " opened_at, resolved_at FROM alert_conditions WHERE condition_key = ?"
    " AND model_id = :model";

static const char sql_conditions_open[] =
    "SELECT condition_key, rule, severity, features, open, first_batch,"
    " last_fired_batch, last_seen_batch, clear_streak, last_notified_at,"
    " opened_at, resolved_at FROM alert_conditions WHERE open = 1"
    " AND model_id = :model ORDER BY condition_key";

/*
 * A condition's row, replaced whole. SQLite keeps its REPLACE (delete
 * and insert: the row moves to the end of the table's rowid order, which
 * `.dump` and any reader without ORDER BY see, so the file stays what it
 * was); PostgreSQL, which has no REPLACE, updates the row in place.
 */
#define CONDITION_PUT(verb, tail)					\
    verb " INTO alert_conditions (condition_key, rule,"		\
    " severity, features, open, first_batch, last_fired_batch,"		\
    " last_seen_batch, clear_streak, last_notified_at, opened_at,"	\
    " resolved_at, model_id)"						\
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, :model)" tail
static const char sql_condition_put[] =
    CONDITION_PUT("INSERT OR REPLACE", "");
static const char sql_condition_put_pg[] = CONDITION_PUT("INSERT",
    " ON CONFLICT (model_id, condition_key) DO UPDATE SET"
    " rule = excluded.rule, severity = excluded.severity,"
    " features = excluded.features, open = excluded.open,"
    " first_batch = excluded.first_batch,"
    " last_fired_batch = excluded.last_fired_batch,"
    " last_seen_batch = excluded.last_seen_batch,"
    " clear_streak = excluded.clear_streak,"
    " last_notified_at = excluded.last_notified_at,"
    " opened_at = excluded.opened_at, resolved_at = excluded.resolved_at");

static const char sql_alert_add[] =
    "INSERT INTO alerts (batch_id, severity, channel, message, sent_at,"
    " delivered, condition_key, kind, status, attempts, last_error,"
    " next_attempt_at, model_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, :model)";

#define ALERT_COLUMNS \
    "SELECT id, batch_id, severity, channel, message, condition_key," \
    " kind, status, sent_at, delivered, attempts, last_error," \
    " next_attempt_at, delivered_at FROM alerts"

static const char sql_alert_pending[] =
    ALERT_COLUMNS " WHERE status = 'pending' AND model_id = :model"
    " ORDER BY id";

static const char sql_alert_get[] = ALERT_COLUMNS " WHERE id = ?";

/* Every model with a pending page, whichever the handle's. */
static const char sql_pending_models[] =
    "SELECT name FROM models m WHERE EXISTS (SELECT 1 FROM alerts a"
    " WHERE a.model_id = m.model_id AND a.status = 'pending')"
    " ORDER BY name";

static const char sql_alert_latest[] = ALERT_COLUMNS
    " WHERE condition_key = ? AND kind <> 'resolved'"
    " AND model_id = :model ORDER BY id DESC LIMIT 1";

static const char sql_alert_claim[] =
    "UPDATE alerts SET next_attempt_at = ? WHERE id = ?"
    " AND status = 'pending'"
    " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)";

static const char sql_alert_settle[] =
    "UPDATE alerts SET attempts = ?, status = ?,"
    " last_error = ?, next_attempt_at = ?, delivered = ?,"
    " delivered_at = ? WHERE id = ?";

/* Caller frees; NULL for SQL NULL. */
static char *
alert_column_text(struct db_stmt *st, int i)
{
	const char *t = db_column_text(st, i);

	return t != NULL ? xstrdup(t) : NULL;
}

static double
alert_column_time(struct db_stmt *st, int i)
{
	if (db_column_null(st, i))
		return 0;
	return db_column_double(st, i);
}

static void
alert_bind_time(struct db_stmt *st, int i, double t)
{
	if (t == 0)
		db_bind_null(st, i);
	else
		db_bind_double(st, i, t);
}

static void
alert_bind_text(struct db_stmt *st, int i, const char *t)
{
	if (t == NULL)
		db_bind_null(st, i);
	else
		db_bind_text(st, i, t, -1, DB_COPY);
}

/* A row of alert_conditions into the struct alert_condition at out. */
static void
condition_read(struct db_stmt *st, void *out)
{
	struct alert_condition *c = out;

	memset(c, 0, sizeof *c);
	c->key = alert_column_text(st, 0);
	c->rule = alert_column_text(st, 1);
	c->severity = alert_column_text(st, 2);
	c->features = alert_column_text(st, 3);
	c->open = db_column_int(st, 4) != 0;
	c->first_batch = db_column_int64(st, 5);
	c->last_fired_batch = db_column_int64(st, 6);
	c->last_seen_batch = db_column_int64(st, 7);
	c->clear_streak = db_column_int64(st, 8);
	c->last_notified_at = alert_column_time(st, 9);
	c->opened_at = alert_column_time(st, 10);
	c->resolved_at = alert_column_time(st, 11);
	if (c->key == NULL)
		c->key = xstrdup("");
	if (c->rule == NULL)
		c->rule = xstrdup("");
	if (c->severity == NULL)
		c->severity = xstrdup(severity_name(SEVERITY_WARNING));
}

/* A row of alerts into the struct alert_row at out. */
static void
row_read(struct db_stmt *st, void *out)
{
	struct alert_row *r = out;

	memset(r, 0, sizeof *r);
	r->id = db_column_int64(st, 0);
	r->batch_id = db_column_int64(st, 1);
	r->severity = alert_column_text(st, 2);
	r->channel = alert_column_text(st, 3);
	r->message = alert_column_text(st, 4);
	r->condition_key = alert_column_text(st, 5);
	r->kind = alert_column_text(st, 6);
	r->status = alert_column_text(st, 7);
	r->sent_at = alert_column_time(st, 8);
	r->delivered = db_column_int(st, 9) != 0;
	r->attempts = db_column_int64(st, 10);
	r->last_error = alert_column_text(st, 11);
	r->next_attempt_at = alert_column_time(st, 12);
	r->delivered_at = alert_column_time(st, 13);
	/* Rows written by the seed's Python have no kind or status. */
	if (r->kind == NULL)
		r->kind = xstrdup("firing");
	if (r->status == NULL)
		r->status = xstrdup(r->delivered ? "delivered" : "recorded");
	if (r->severity == NULL)
		r->severity = xstrdup(severity_name(SEVERITY_WARNING));
	if (r->channel == NULL)
		r->channel = xstrdup("log");
	if (r->message == NULL)
		r->message = xstrdup("");
}

int
alert_store_condition_get(struct store *s, const char *key,
    struct alert_condition *out, char **cause)
{
	struct db_stmt *st;

	if ((st = store_stmt(s, sql_condition_get, cause)) == NULL)
		return -1;
	db_bind_text(st, 1, key, -1, DB_COPY);
	return store_stmt_row(s, st, condition_read, out,
	    "reading an alert condition", cause);
}

static void
condition_finish(void *c)
{
	alert_condition_finish(c);
}

int
alert_store_conditions_open(struct store *s, struct alert_condition **out,
    size_t *n, char **cause)
{
	static const struct rows_reader reader = { sizeof **out,
	    condition_read, condition_finish };
	struct db_stmt *st;

	*out = NULL;
	*n = 0;
	if ((st = store_stmt(s, sql_conditions_open, cause)) == NULL)
		return -1;
	return store_stmt_rows(s, st, &reader, out, n,
	    "reading open alert conditions", cause);
}

int
alert_store_condition_put(struct store *s, const struct alert_condition *c,
    char **cause)
{
	struct db_stmt *st;

	if (store_write_begin(s, cause) == -1)
		return -1;
	if ((st = store_stmt(s, s->pg ? sql_condition_put_pg :
	    sql_condition_put, cause)) == NULL)
		return -1;
	alert_bind_text(st, 1, c->key);
	alert_bind_text(st, 2, c->rule);
	alert_bind_text(st, 3, c->severity);
	alert_bind_text(st, 4, c->features);
	db_bind_int64(st, 5, c->open ? 1 : 0);
	db_bind_int64(st, 6, c->first_batch);
	db_bind_int64(st, 7, c->last_fired_batch);
	db_bind_int64(st, 8, c->last_seen_batch);
	db_bind_int64(st, 9, c->clear_streak);
	alert_bind_time(st, 10, c->last_notified_at);
	alert_bind_time(st, 11, c->opened_at);
	alert_bind_time(st, 12, c->resolved_at);
	return store_stmt_send(s, st, "writing an alert condition", cause);
}

void
alert_condition_finish(struct alert_condition *c)
{
	free(c->key);
	free(c->rule);
	free(c->severity);
	free(c->features);
	memset(c, 0, sizeof *c);
}

int
alert_store_add(struct store *s, const struct alert_row *r, int64_t *id,
    char **cause)
{
	struct db_stmt *st;

	if (store_write_begin(s, cause) == -1)
		return -1;
	if ((st = store_stmt(s, sql_alert_add, cause)) == NULL)
		return -1;
	db_bind_int64(st, 1, r->batch_id);
	alert_bind_text(st, 2, r->severity);
	alert_bind_text(st, 3, r->channel);
	alert_bind_text(st, 4, r->message);
	db_bind_double(st, 5, r->sent_at);
	db_bind_int64(st, 6, r->delivered ? 1 : 0);
	alert_bind_text(st, 7, r->condition_key);
	alert_bind_text(st, 8, r->kind);
	alert_bind_text(st, 9, r->status);
	alert_bind_text(st, 10, r->last_error);
	alert_bind_time(st, 11, r->next_attempt_at);
	if (store_stmt_send(s, st, "recording an alert", cause) == -1)
		return -1;
	if (id != NULL && (*id = db_last_insert_id(s->conn)) < 0) {
		*cause = store_db_error(s, "recording an alert");
		return -1;
	}
	return 0;
}

static void
row_finish(void *r)
{
	alert_row_finish(r);
}

static int
alert_rows(struct store *s, const char *sql, int64_t id,
    struct alert_row **out, size_t *n, char **cause)
{
	static const struct rows_reader reader = { sizeof **out, row_read,
	    row_finish };
	struct db_stmt *st;

	*out = NULL;
	*n = 0;
	if ((st = store_stmt(s, sql, cause)) == NULL)
		return -1;
	if (id != 0)
		db_bind_int64(st, 1, id);
	return store_stmt_rows(s, st, &reader, out, n,
	    "reading the alert outbox", cause);
}

int
alert_store_pending(struct store *s, struct alert_row **out, size_t *n,
    char **cause)
{
	return alert_rows(s, sql_alert_pending, 0, out, n, cause);
}

int
alert_store_pending_models(struct store *s, char ***names, size_t *n,
    char **cause)
{
	return store_names(s, sql_pending_models,
	    "listing the models with pending pages", names, n, cause);
}

int
alert_store_row_get(struct store *s, int64_t id, struct alert_row *out,
    char **cause)
{
	struct alert_row *v;
	size_t n;

	if (alert_rows(s, sql_alert_get, id, &v, &n, cause) == -1)
		return -1;
	if (n == 0)
		return 1;
	*out = v[0];
	free(v);
	return 0;
}

int
alert_store_latest(struct store *s, const char *key, struct alert_row *out,
    char **cause)
{
	struct db_stmt *st;

	if ((st = store_stmt(s, sql_alert_latest, cause)) == NULL)
		return -1;
	db_bind_text(st, 1, key, -1, DB_COPY);
	return store_stmt_row(s, st, row_read, out,
	    "reading a condition's latest alert", cause);
}

int
alert_store_claim(struct store *s, int64_t id, double now, double until,
    char **cause)
{
	struct db_stmt *st;
	int changed;

	if (store_write_begin(s, cause) == -1)
		return -1;
	if ((st = store_stmt(s, sql_alert_claim, cause)) == NULL)
		return -1;
	db_bind_double(st, 1, until);
	db_bind_int64(st, 2, id);
	db_bind_double(st, 3, now);
	if (store_stmt_done(s, st, "claiming an alert for delivery",
	    cause) == -1)
		return -1;
	changed = db_changes(s->conn);
	if (store_flush(s, cause) == -1)
		return -1;
	return changed > 0 ? 1 : 0;
}

int
alert_store_settle(struct store *s, int64_t id, int64_t attempts,
    const char *status, const char *last_error, double next_attempt_at,
    double delivered_at, char **cause)
{
	struct db_stmt *st;
	bool delivered = strcmp(status, "delivered") == 0;

	if (store_write_begin(s, cause) == -1)
		return -1;
	if ((st = store_stmt(s, sql_alert_settle, cause)) == NULL)
		return -1;
	db_bind_int64(st, 1, attempts);
	db_bind_text(st, 2, status, -1, DB_COPY);
	alert_bind_text(st, 3, last_error);
	alert_bind_time(st, 4, next_attempt_at);
	db_bind_int64(st, 5, delivered ? 1 : 0);
	alert_bind_time(st, 6, delivered ? delivered_at : 0);
	db_bind_int64(st, 7, id);
	if (store_stmt_done(s, st, "recording a delivery attempt",
	    cause) == -1)
		return -1;
	return store_flush(s, cause);
}

void
alert_row_finish(struct alert_row *r)
{
	free(r->severity);
	free(r->channel);
	free(r->message);
	free(r->condition_key);
	free(r->kind);
	free(r->status);
	free(r->last_error);
	memset(r, 0, sizeof *r);
}

int
alert_store_last_batch(struct store *s, const char *family, int64_t *batch,
    char **cause)
{
	char key[64], *value, *end;
	long long v;
	int rc;

	snprintf(key, sizeof key, "alert.last_batch.%s", family);
	rc = store_meta_get(s, key, &value, cause);
	if (rc != 0)
		return rc;
	v = strtoll(value, &end, 10);
	if (end == value || *end != '\0') {
		*cause = xasprintf("meta %s: \"%s\" is not a batch id", key,
		    value);
		free(value);
		return -1;
	}
	free(value);
	*batch = (int64_t)v;
	return 0;
}

int
alert_store_set_last_batch(struct store *s, const char *family,
    int64_t batch, char **cause)
{
	char key[64], value[32];

	snprintf(key, sizeof key, "alert.last_batch.%s", family);
	snprintf(value, sizeof value, "%lld", (long long)batch);
	if (store_write_begin(s, cause) == -1)
		return -1;
	return store_meta_set(s, key, value, cause);
}

/* The count statement sql returns for rule (and ?2 = arg when >= 0). */
static int
alert_rule_count(struct store *s, const char *sql, const char *rule,
    int arg, int64_t *n, const char *what, char **cause)
{
	struct db_stmt *st;
	int rc;

	*n = 0;
	if ((st = store_stmt(s, sql, cause)) == NULL)
		return -1;
	alert_bind_text(st, 1, rule);
	if (arg >= 0)
		db_bind_int64(st, 2, arg);
	rc = db_step(st);
	if (rc == DB_ROW)
		*n = db_column_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW) {
		*cause = store_db_error(s, what);
		return -1;
	}
	return 0;
}

int
alert_store_openings(struct store *s, const char *rule, int64_t *n,
    char **cause)
{
	return alert_rule_count(s, sql_openings, rule, -1, n,
	    "counting alert openings", cause);
}

int
alert_store_repeats(struct store *s, const char *rule, int64_t *sent,
    int64_t *suppressed, char **cause)
{
	*suppressed = 0;
	if (alert_rule_count(s, sql_repeats, rule, 0, sent,
	    "counting alert repeats", cause) != 0)
		return -1;
	return alert_rule_count(s, sql_repeats, rule, 1, suppressed,
	    "counting suppressed repeats", cause);
}
