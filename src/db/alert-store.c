/*
 * alert-store: the SQL of alerting (alert-store.h). alert_conditions holds
 * one row per condition key; alerts holds every decision and is the
 * outbox. Statements are cached by their literal (store_stmt); the
 * conditions a write transaction reads or writes are kept for its later
 * look-ups (alert-condition.c).
 */
#include "db/alert-store.h"

#include <stdbool.h>
#include <stddef.h>
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

/*
 * PostgreSQL: meta's alert.last_batch.<family> raised to ?2, never
 * lowered (a bad stored value fails the cast: an error, as on SQLite).
 */
static const char sql_last_batch_raise_pg[] =
    "INSERT INTO meta (key, value, model_id) VALUES (?1, ?2, :model)"
    " ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value"
    " WHERE CAST(meta.value AS BIGINT) < CAST(excluded.value AS BIGINT)";

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

/*
 * PostgreSQL: a condition this transaction holds (alert-condition.c)
 * whose open and severity stay: the rest of its row in place (the
 * columns condition_cols marks COL_TOUCH, then the key). Not an upsert naming open and severity, so
 * model_status's trigger on them does not run for nothing, and a
 * heap-only update (no indexed column).
 */
static const char sql_condition_touch_pg[] =
    "UPDATE alert_conditions SET rule = ?, features = ?, first_batch = ?,"
    " last_fired_batch = ?, last_seen_batch = ?, clear_streak = ?,"
    " last_notified_at = ?, opened_at = ?, resolved_at = ?"
    " WHERE condition_key = ? AND model_id = :model";

/* The columns in alert_cols' order, those it marks COL_PUT bound. */
static const char sql_alert_add[] =
    "INSERT INTO alerts (batch_id, severity, channel, message,"
    " condition_key, kind, status, sent_at, delivered, attempts,"
    " last_error, next_attempt_at, model_id)"
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

/* How a column's value is held in its struct's field. */
enum col_type {
	COL_TEXT,	/* char *, caller frees; NULL for SQL NULL */
	COL_INT,	/* int64_t */
	COL_BOOL,	/* bool, stored 0 or 1 */
	COL_REAL,	/* double, never NULL in the store; read 0 for NULL */
	COL_TIME,	/* double, unix seconds; 0 for SQL NULL both ways */
};

/* The statements that bind a column as a parameter (struct col.binds). */
#define COL_PUT		1u	/* sql_condition_put(_pg), sql_alert_add */
#define COL_TOUCH	2u	/* sql_condition_touch_pg's SET */

/* One column of a row: its field, and the statements that bind it. */
struct col {
	enum col_type	type;
	size_t		off;		/* of the field in the struct */
	unsigned	binds;		/* COL_PUT, COL_TOUCH */
};

#define CONDITION_COL(type, field, binds) \
	{ type, offsetof(struct alert_condition, field), binds }
#define ALERT_COL(type, field, binds) \
	{ type, offsetof(struct alert_row, field), binds }

/*
 * alert_conditions, in the order sql_condition_get reads, _put writes;
 * the touch sets all but the key, severity and open (in this order).
 */
static const struct col condition_cols[] = {
	CONDITION_COL(COL_TEXT, key, COL_PUT),
	CONDITION_COL(COL_TEXT, rule, COL_PUT | COL_TOUCH),
	CONDITION_COL(COL_TEXT, severity, COL_PUT),
	CONDITION_COL(COL_TEXT, features, COL_PUT | COL_TOUCH),
	CONDITION_COL(COL_BOOL, open, COL_PUT),
	CONDITION_COL(COL_INT, first_batch, COL_PUT | COL_TOUCH),
	CONDITION_COL(COL_INT, last_fired_batch, COL_PUT | COL_TOUCH),
	CONDITION_COL(COL_INT, last_seen_batch, COL_PUT | COL_TOUCH),
	CONDITION_COL(COL_INT, clear_streak, COL_PUT | COL_TOUCH),
	CONDITION_COL(COL_TIME, last_notified_at, COL_PUT | COL_TOUCH),
	CONDITION_COL(COL_TIME, opened_at, COL_PUT | COL_TOUCH),
	CONDITION_COL(COL_TIME, resolved_at, COL_PUT | COL_TOUCH),
};

/*
 * alerts, in the order ALERT_COLUMNS reads; sql_alert_add writes the
 * COL_PUT ones in this order (a new row has no id, attempts is 0, and it
 * is not delivered yet).
 */
static const struct col alert_cols[] = {
	ALERT_COL(COL_INT, id, 0),
	ALERT_COL(COL_INT, batch_id, COL_PUT),
	ALERT_COL(COL_TEXT, severity, COL_PUT),
	ALERT_COL(COL_TEXT, channel, COL_PUT),
	ALERT_COL(COL_TEXT, message, COL_PUT),
	ALERT_COL(COL_TEXT, condition_key, COL_PUT),
	ALERT_COL(COL_TEXT, kind, COL_PUT),
	ALERT_COL(COL_TEXT, status, COL_PUT),
	ALERT_COL(COL_REAL, sent_at, COL_PUT),
	ALERT_COL(COL_BOOL, delivered, COL_PUT),
	ALERT_COL(COL_INT, attempts, 0),
	ALERT_COL(COL_TEXT, last_error, COL_PUT),
	ALERT_COL(COL_TIME, next_attempt_at, COL_PUT),
	ALERT_COL(COL_TIME, delivered_at, 0),
};

#define NCOLS(t)	(sizeof (t) / sizeof (t)[0])

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

/* Column i of the row st is on into the field c describes in obj. */
static void
col_read(struct db_stmt *st, int i, const struct col *c, void *obj)
{
	void	*f = (char *)obj + c->off;

	switch (c->type) {
	case COL_TEXT:
		*(char **)f = alert_column_text(st, i);
		break;
	case COL_INT:
		*(int64_t *)f = db_column_int64(st, i);
		break;
	case COL_BOOL:
		*(bool *)f = db_column_int(st, i) != 0;
		break;
	case COL_REAL:
	case COL_TIME:
		*(double *)f = alert_column_time(st, i);
		break;
	}
}

/* The field c describes in obj into parameter i of st. */
static void
col_bind(struct db_stmt *st, int i, const struct col *c, const void *obj)
{
	const void *f = (const char *)obj + c->off;

	switch (c->type) {
	case COL_TEXT:
		alert_bind_text(st, i, *(char *const *)f);
		break;
	case COL_INT:
		db_bind_int64(st, i, *(const int64_t *)f);
		break;
	case COL_BOOL:
		db_bind_int64(st, i, *(const bool *)f ? 1 : 0);
		break;
	case COL_REAL:
		db_bind_double(st, i, *(const double *)f);
		break;
	case COL_TIME:
		alert_bind_time(st, i, *(const double *)f);
		break;
	}
}

/* Every column of the row st is on into obj (zeroed first). */
static void
cols_read(struct db_stmt *st, const struct col *cols, size_t n, void *obj,
    size_t size)
{
	size_t	i;

	memset(obj, 0, size);
	for (i = 0; i < n; i++)
		col_read(st, (int)i, &cols[i], obj);
}

/*
 * The columns of obj that the statement (COL_PUT or COL_TOUCH) binds into
 * st's parameters 1, 2, ... in order; the next parameter's index.
 */
static int
cols_bind(struct db_stmt *st, const struct col *cols, size_t n,
    unsigned stmt, const void *obj)
{
	size_t	i;
	int	k = 1;

	for (i = 0; i < n; i++) {
		if (cols[i].binds & stmt)
			col_bind(st, k++, &cols[i], obj);
	}
	return k;
}

/* A text column read as NULL (a row older than the column) takes def. */
static void
text_default(char **text, const char *def)
{
	if (*text == NULL)
		*text = xstrdup(def);
}

/* A row of alert_conditions into the struct alert_condition at out. */
static void
condition_read(struct db_stmt *st, void *out)
{
	struct alert_condition *c = out;

	cols_read(st, condition_cols, NCOLS(condition_cols), c, sizeof *c);
	text_default(&c->key, "");
	text_default(&c->rule, "");
	text_default(&c->severity, severity_name(SEVERITY_WARNING));
}

/* A row of alerts into the struct alert_row at out. */
static void
row_read(struct db_stmt *st, void *out)
{
	struct alert_row *r = out;

	cols_read(st, alert_cols, NCOLS(alert_cols), r, sizeof *r);
	/* Rows written by the seed's Python have no kind or status. */
	text_default(&r->kind, "firing");
	text_default(&r->status, r->delivered ? "delivered" : "recorded");
	text_default(&r->severity, severity_name(SEVERITY_WARNING));
	text_default(&r->channel, "log");
	text_default(&r->message, "");
}

int
alert_store_condition_get(struct store *s, const char *key,
    struct alert_condition *out, char **cause)
{
	struct db_stmt *st;
	int rc;

	if ((rc = alert_cache_get(s, key, out)) != -1)
		return rc;
	if ((st = store_stmt(s, sql_condition_get, cause)) == NULL)
		return -1;
	db_bind_text(st, 1, key, -1, DB_COPY);
	rc = store_stmt_row(s, st, condition_read, out,
	    "reading an alert condition", cause);
	if (rc != -1)
		alert_cache_put(s, key, rc == 0 ? out : NULL);
	return rc;
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
	if (alert_cache_open(s, out, n))
		return 0;
	if ((st = store_stmt(s, sql_conditions_open, cause)) == NULL)
		return -1;
	if (store_stmt_rows(s, st, &reader, out, n,
	    "reading open alert conditions", cause) == -1)
		return -1;
	alert_cache_open_read(s, *out, *n);
	return 0;
}

/* Whether the kept row of c's key has c's open and severity. */
static bool
condition_same_state(struct store *s, const struct alert_condition *c)
{
	const struct alert_condition *old = alert_cache_find(s, c->key);

	return old != NULL && old->open == c->open && old->severity != NULL &&
	    c->severity != NULL && strcmp(old->severity, c->severity) == 0;
}

int
alert_store_condition_put(struct store *s, const struct alert_condition *c,
    char **cause)
{
	struct db_stmt *st;
	bool touch;
	int k;

	if (store_write_begin(s, cause) == -1)
		return -1;
	touch = s->pg && condition_same_state(s, c);
	if ((st = store_stmt(s, touch ? sql_condition_touch_pg : s->pg ?
	    sql_condition_put_pg : sql_condition_put, cause)) == NULL)
		return -1;
	if (touch) {
		k = cols_bind(st, condition_cols, NCOLS(condition_cols),
		    COL_TOUCH, c);
		alert_bind_text(st, k, c->key);	/* WHERE condition_key */
	} else {
		cols_bind(st, condition_cols, NCOLS(condition_cols), COL_PUT,
		    c);
	}
	if (store_stmt_send(s, st, "writing an alert condition", cause) == -1)
		return -1;
	alert_cache_put(s, c->key, c);
	return 0;
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
	cols_bind(st, alert_cols, NCOLS(alert_cols), COL_PUT, r);
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

/* Family's last batch in meta: 0 found, 1 none, -1 error. */
static int
alert_store_last_batch(struct store *s, const char *key, int64_t *batch,
    char **cause)
{
	char *value, *end;
	long long v;
	int rc;

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
alert_store_raise_last_batch(struct store *s, const char *family,
    int64_t batch, char **cause)
{
	struct db_stmt *st;
	char key[ALERT_LAST_KEY_MAX], value[32];
	int64_t last = 0;
	int rc;

	snprintf(key, sizeof key, "alert.last_batch.%s", family);
	snprintf(value, sizeof value, "%lld", (long long)batch);
	if (store_write_begin(s, cause) == -1)
		return -1;
	if (s->pg) {
		/* No read: the comparison is the server's, in the pipeline. */
		if ((st = store_stmt(s, sql_last_batch_raise_pg, cause)) ==
		    NULL)
			return -1;
		db_bind_text(st, 1, key, -1, DB_STATIC);
		db_bind_text(st, 2, value, -1, DB_STATIC);
		s->tx_writes++;
		return store_stmt_send(s, st, "noting the batch evaluated",
		    cause);
	}
	/* Read once a transaction (the write lock keeps it ours), then kept. */
	if ((rc = alert_cache_last_batch(s, key, &last)) == -1) {
		if ((rc = alert_store_last_batch(s, key, &last, cause)) == -1)
			return -1;
		alert_cache_last_batch_put(s, key, last, rc == 1);
	}
	if (rc == 0 && batch <= last)
		return 0;
	if (store_meta_set(s, key, value, cause) == -1)
		return -1;
	alert_cache_last_batch_put(s, key, batch, false);
	return 0;
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
