/*
 * alert-mute: the SQL of acks and silences (alert-mute.h). The table is
 * the schema 4 step schema_v4_mutes (schema.c); ingest reads the live rows for
 * the gate (alert_store_mutes), the console reads them for the Alerts tab
 * (query_mutes_load) and writes requests through a store it opens
 * read-write for one transaction (alert_mute_add, alert_mute_undo).
 */
#include "db/alert-mute.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "db/query-internal.h"
#include "db/rows.h"
#include "db/store-internal.h"

#define MUTE_COLUMNS \
    "SELECT id, kind, scope, model, target, coalesce(opened_at, 0)," \
    " coalesce(until, 0), created_by, created_at FROM alert_mutes" \
    " WHERE removed_at IS NULL AND (kind = 'ack' OR until > ?1)" \
    " ORDER BY id DESC"

static const char sql_mutes_live[] = MUTE_COLUMNS;

static const char sql_mute_add[] =
    "INSERT INTO alert_mutes (model, kind, scope, target, opened_at,"
    " until, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

static const char sql_mute_opening[] =
    "SELECT opened_at FROM alert_conditions WHERE condition_key = ?"
    " AND open = 1 AND model_id = :model";

static const char sql_mute_undo[] =
    "UPDATE alert_mutes SET removed_by = ?1, removed_at = ?2"
    " WHERE removed_at IS NULL AND model = ?3"
    " AND ((scope = 'condition' AND target = ?4)"
    "  OR (scope = 'rule' AND target = ?5)"
    "  OR (scope = 'model' AND target = ?3))";

static const char *const kind_names[] = {
	[ALERT_MUTE_ACK] = "ack",
	[ALERT_MUTE_SILENCE] = "silence",
};

static const char *const scope_names[] = {
	[ALERT_MUTE_CONDITION] = "condition",
	[ALERT_MUTE_RULE] = "rule",
	[ALERT_MUTE_MODEL] = "model",
};

const char *
alert_mute_kind_name(enum alert_mute_kind k)
{
	return (unsigned)k <= ALERT_MUTE_SILENCE ? kind_names[k] : "?";
}

const char *
alert_mute_scope_name(enum alert_mute_scope s)
{
	return (unsigned)s <= ALERT_MUTE_MODEL ? scope_names[s] : "?";
}

static void
mute_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

/* The row at st (MUTE_COLUMNS) into m. */
static void
mute_read(struct db_stmt *st, void *elem)
{
	struct alert_mute *m = elem;
	const char *k = db_column_text(st, 1);
	const char *sc = db_column_text(st, 2);

	memset(m, 0, sizeof *m);
	m->id = db_column_int64(st, 0);
	m->kind = k != NULL && strcmp(k, "ack") == 0 ? ALERT_MUTE_ACK :
	    ALERT_MUTE_SILENCE;
	m->scope = sc == NULL ? ALERT_MUTE_CONDITION :
	    strcmp(sc, "rule") == 0 ? ALERT_MUTE_RULE :
	    strcmp(sc, "model") == 0 ? ALERT_MUTE_MODEL : ALERT_MUTE_CONDITION;
	mute_text(m->model, sizeof m->model, db_column_text(st, 3));
	mute_text(m->target, sizeof m->target, db_column_text(st, 4));
	m->opened_at = db_column_double(st, 5);
	m->until = db_column_double(st, 6);
	mute_text(m->by, sizeof m->by, db_column_text(st, 7));
	m->at = db_column_double(st, 8);
}

static const struct rows_reader mute_reader = { sizeof (struct alert_mute),
    mute_read, NULL };

int
alert_store_mutes(struct store *s, double now, struct alert_mute **out,
    size_t *n, char **cause)
{
	struct db_stmt *st;

	*out = NULL;
	*n = 0;
	if ((st = store_stmt(s, sql_mutes_live, cause)) == NULL)
		return -1;
	db_bind_double(st, 1, now);
	return store_stmt_rows(s, st, &mute_reader, out, n,
	    "reading acks and silences", cause);
}

int
query_mutes_load(struct query *q, double now, struct alert_mute **out,
    size_t *n)
{
	struct db_stmt *st;
	void *v;
	int rc, err = 0;

	*out = NULL;
	*n = 0;
	if (q->db == NULL || q->state != QUERY_OK)
		return 0;
	/* A schema 3 store has no such table: nothing muted. */
	if ((st = query_prepare(q, sql_mutes_live)) == NULL)
		return query_busy(query_err(q)) ? -1 : 0;
	db_bind_double(st, 1, now);
	rc = rows_read(st, &mute_reader, &v, n);
	if (rc != DB_DONE)
		err = query_err(q);
	query_release(q, st);
	if (err != 0)
		return query_busy(err) ? -1 : 0;
	*out = v;
	return 0;
}

/*
 * The store at path opened read-write for one request, only when it is
 * already at this mlmon's schema (the console never creates or migrates
 * a store; ingest does). NULL and *cause otherwise.
 */
static struct store *
mute_open(const char *path, char **cause)
{
	struct store *s;
	char *why = NULL;
	int version = -1;

	if ((s = store_open(path, STORE_READ_ONLY, cause)) == NULL)
		return NULL;
	if (store_schema_read(s, &version, &why) == -1)
		version = -1;
	free(why);
	store_close(s);
	if (version != STORE_SCHEMA_VERSION) {
		*cause = xasprintf("%s has schema %d: acks and silences need "
		    "schema %d (run mlmon-ingest on it once to upgrade it)",
		    path, version, STORE_SCHEMA_VERSION);
		return NULL;
	}
	return store_open(path, STORE_READ_WRITE, cause);
}

static void
opening_read(struct db_stmt *st, void *at)
{
	*(double *)at = db_column_double(st, 0);
}

/* The opening of an open condition key into *at: 0, 1 not open, -1. */
static int
mute_opening(struct store *s, const char *key, double *at, char **cause)
{
	struct db_stmt *st;

	if ((st = store_stmt(s, sql_mute_opening, cause)) == NULL)
		return -1;
	db_bind_text(st, 1, key, -1, DB_COPY);
	return store_stmt_row(s, st, opening_read, at,
	    "reading the condition to acknowledge", cause);
}

static int
mute_insert(struct store *s, const struct alert_mute *m, char **cause)
{
	struct db_stmt *st;
	double opened = 0;
	int rc;

	if (store_write_begin(s, cause) == -1)
		return -1;
	if (m->kind == ALERT_MUTE_ACK) {
		rc = mute_opening(s, m->target, &opened, cause);
		if (rc == -1)
			return -1;
		if (rc == 1) {
			*cause = xasprintf("%s is not open: nothing to "
			    "acknowledge", m->target);
			return -1;
		}
	}
	if ((st = store_stmt(s, sql_mute_add, cause)) == NULL)
		return -1;
	db_bind_text(st, 1, m->model, -1, DB_COPY);
	db_bind_text(st, 2, alert_mute_kind_name(m->kind), -1,
	    DB_STATIC);
	db_bind_text(st, 3, alert_mute_scope_name(m->scope), -1,
	    DB_STATIC);
	db_bind_text(st, 4, m->target, -1, DB_COPY);
	if (m->kind == ALERT_MUTE_ACK)
		db_bind_double(st, 5, opened);
	if (m->kind == ALERT_MUTE_SILENCE)
		db_bind_double(st, 6, m->until);
	db_bind_text(st, 7, m->by, -1, DB_COPY);
	db_bind_double(st, 8, m->at);
	if (store_stmt_done(s, st, "recording an ack or silence", cause) == -1)
		return -1;
	return store_flush(s, cause);
}

int
alert_mute_add(const char *path, const struct alert_mute *m, char **cause)
{
	struct store *s;
	int rc;

	if (m->kind == ALERT_MUTE_SILENCE && m->until <= m->at) {
		*cause = xstrdup("a silence must end after it starts");
		return -1;
	}
	if (m->kind == ALERT_MUTE_ACK && m->scope != ALERT_MUTE_CONDITION) {
		*cause = xstrdup("only a condition can be acknowledged");
		return -1;
	}
	if ((s = mute_open(path, cause)) == NULL)
		return -1;
	/* The condition acked is its model's (conditions are per model). */
	if (store_model_set(s, m->model, cause) == -1) {
		store_close(s);
		return -1;
	}
	rc = mute_insert(s, m, cause);
	if (rc == -1)
		store_discard(s);
	store_close(s);
	return rc;
}

int
alert_mute_undo(const char *path, const char *model, const char *key,
    const char *rule, const char *by, double at, int *removed, char **cause)
{
	struct store *s;
	struct db_stmt *st;
	int rc = -1;

	*removed = 0;
	if ((s = mute_open(path, cause)) == NULL)
		return -1;
	if (store_write_begin(s, cause) == -1 ||
	    (st = store_stmt(s, sql_mute_undo, cause)) == NULL)
		goto out;
	db_bind_text(st, 1, by, -1, DB_COPY);
	db_bind_double(st, 2, at);
	db_bind_text(st, 3, model, -1, DB_COPY);
	db_bind_text(st, 4, key, -1, DB_COPY);
	db_bind_text(st, 5, rule, -1, DB_COPY);
	if (store_stmt_done(s, st, "removing acks and silences", cause) == -1)
		goto out;
	*removed = (int)db_changes(s->conn);
	rc = store_flush(s, cause);
out:
	if (rc == -1)
		store_discard(s);
	store_close(s);
	return rc;
}
