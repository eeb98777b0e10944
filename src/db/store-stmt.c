/*
 * The store's statements through the driver (driver.h): the cache of
 * prepared statements keyed by their SQL literal, the hot statements kept
 * in their own slots, stepping one that returns no rows, SQL text without
 * results, and the driver's last error as a cause naming the store. The
 * model's id is looked up here, as every statement binds it as :model,
 * and the models a handle switched away from keep their state here.
 * This file calls only the driver and store-held.c: everything else in
 * src/db calls it.
 *
 * A COPY of new predictions left open by the bulk path (store-bulk.c) is
 * ended, the writes owed sent, and SQLite's held rows written
 * (store-held.c), before any statement is handed out or run, so that
 * every statement sees those rows and writes and finds the connection
 * free. A write owed (store_stmt_owe: a batch's hold and ledger open,
 * PostgreSQL) waits, bound, for that moment: a COPY started meanwhile
 * need not wait for it first (libpq runs no COPY in its pipeline, so a
 * write sent before a COPY costs a round trip of its own).
 */
#include "db/store-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "db/driver-pg.h"
#include "db/rows.h"

void
store_tx_reset(struct store *s, bool rolled_back)
{
	s->in_tx = false;
	s->n_owed = 0;	/* sent before a commit; gone with a rollback */
	s->pending = 0;
	s->tx_writes = 0;
	s->bulk_sent = 0;
	s->bulk_fresh = false;	/* checked again in the next one */
	s->judging = false;
	if (s->pg)
		s->cur_counted = false;	/* the turn is given back */
	store_model_slots_reset(s, rolled_back);
	if (rolled_back) {
		store_held_drop(s);	/* rows held for it go with it */
		s->summary.set = 0;	/* ledger columns not written go too */
		s->cur_batch = -1;
		s->cur_counted = false;
		s->bulk_batch = -1;	/* its rows may be gone */
		/* It may have stored the model: looked up again (and stored
		 * again if it did) by the next write transaction. */
		s->model_known = false;
		s->prune_head_known = false;
		/* SQLite's rollback hook counts its own (store_rollbacks). */
		if (s->pg)
			s->rollbacks++;
	}
}

char *
store_error_msg(struct store *s, const char *msg, const char *what)
{
	enum db_tx tx = db_tx_state(s->conn);
	size_t lost;

	if (s->in_tx && tx != DB_TX_OPEN) {
		/* PostgreSQL keeps a failed transaction until ROLLBACK. */
		if (tx == DB_TX_FAILED)
			db_rollback(s->conn);
		lost = s->pending;
		store_tx_reset(s, true);
		return xasprintf("%s: %s while %s (the transaction was rolled "
		    "back: %zu rows since the last flush are not stored)",
		    s->path, msg, what, lost);
	}
	return xasprintf("%s: %s while %s", s->path, msg, what);
}

/*
 * PostgreSQL's COPY ended: its rows in the transaction, or -1. A COPY the
 * server took but whose count is not the rows sent (driver-pg-copy.c)
 * leaves the transaction open: it is rolled back here, as SQLite's held
 * rows are (below), so that nothing of it is committed.
 */
static int
bulk_copy_end(struct store *s, char **cause)
{
	char what[96], *msg;

	s->bulk_copying = false;
	if (db_pg_copy_end(s->conn) == 0)
		return 0;
	snprintf(what, sizeof what, "logging %zu rows by COPY",
	    s->bulk_sent);
	if (db_tx_state(s->conn) != DB_TX_OPEN) {
		*cause = store_db_error(s, what);
		return -1;
	}
	msg = xstrdup(db_errmsg(s->conn));
	db_rollback(s->conn);
	*cause = store_error_msg(s, msg, what);
	free(msg);
	return -1;
}

/* The writes owed (store_stmt_owe) sent, in their order: 0 or -1. */
static int
owed_send(struct store *s, char **cause)
{
	struct db_stmt *st;
	size_t i, n = s->n_owed;

	s->n_owed = 0;
	for (i = 0; i < n; i++) {
		st = s->owed[i];
		if (db_send(st, s->owed_what[i]) != 0) {
			db_reset(st);
			*cause = store_db_error(s, s->owed_what[i]);
			return -1;
		}
		db_reset(st);
	}
	return 0;
}

int
store_bulk_end(struct store *s, char **cause)
{
	char what[96], *msg;
	const char *why;
	size_t n;

	if (s->bulk_copying && bulk_copy_end(s, cause) == -1)
		return -1;
	if (s->n_owed > 0)
		return owed_send(s, cause);
	if ((n = store_held_count(s)) == 0 ||
	    (why = store_held_write(s)) == NULL)
		return 0;
	/* The rows were logged as far as the caller knows: all go. */
	msg = xstrdup(why);
	if (db_tx_state(s->conn) != DB_TX_IDLE)
		db_rollback(s->conn);
	snprintf(what, sizeof what, "logging %zu rows known new", n);
	*cause = store_error_msg(s, msg, what);
	free(msg);
	return -1;
}

void
store_stmt_forget_hot(struct store *s)
{
	db_finalize(s->st_pred_insert);
	db_finalize(s->st_pred_exists);
	db_finalize(s->st_batch_open);
	db_finalize(s->st_batch_get);
	db_finalize(s->st_data_version);
	s->st_pred_insert = s->st_pred_exists = s->st_batch_open = NULL;
	s->st_batch_get = s->st_data_version = NULL;
}

/* The slot of model name (added when add), or NULL. */
static struct store_model_slot *
model_slot(struct store *s, const char *name, bool add)
{
	struct store_model_slot *m;
	size_t i;

	for (i = 0; i < s->n_slots; i++)
		if (strcmp(s->slots[i].name, name) == 0)
			return &s->slots[i];
	if (!add)
		return NULL;
	s->slots = xreallocarray(s->slots, s->n_slots + 1, sizeof *s->slots);
	m = &s->slots[s->n_slots++];
	memset(m, 0, sizeof *m);
	m->name = xstrdup(name);
	return m;
}

/* Keep the handle's model's state (from) or take a kept one's (to). */
static void
model_swap(struct store *s, struct store_model_slot *m, bool from)
{
#define SWAP(f)	do { if (from) m->f = s->f; else s->f = m->f; } while (0)
	SWAP(model_id);
	SWAP(model_known);
	SWAP(cur_batch);
	SWAP(cur_tx_seq);
	SWAP(cur_batch_closed);
	SWAP(cur_batch_pruned);
	SWAP(cur_counted);
	SWAP(cur_data_version);
	SWAP(cur_rows);
	SWAP(cur_labelled);
	SWAP(cur_last_label);
	SWAP(prune_head_known);
	SWAP(prune_head);
	SWAP(prune_head_time);
	SWAP(prune_head_late);
	SWAP(tx_data_version);
	SWAP(bulk_fresh);
	SWAP(bulk_batch);
	SWAP(bulk_rows);
	SWAP(bulk_max);
#undef SWAP
}

void
store_model_slots_reset(struct store *s, bool rolled_back)
{
	size_t i;

	for (i = 0; i < s->n_slots; i++) {
		s->slots[i].bulk_fresh = false;
		if (s->pg)
			s->slots[i].cur_counted = false;
		if (!rolled_back)
			continue;
		s->slots[i].model_known = false;
		s->slots[i].cur_batch = -1;
		s->slots[i].cur_counted = false;
		s->slots[i].prune_head_known = false;
		s->slots[i].bulk_batch = -1;
	}
}

void
store_model_slots_free(struct store *s)
{
	size_t i;

	for (i = 0; i < s->n_slots; i++)
		free(s->slots[i].name);
	free(s->slots);
	s->slots = NULL;
	s->n_slots = 0;
}

void
store_model_switch(struct store *s, const char *name)
{
	struct store_model_slot *m;

	model_swap(s, model_slot(s, s->model, true), true);
	free(s->model);
	s->model = xstrdup(name);
	if ((m = model_slot(s, name, false)) != NULL) {
		model_swap(s, m, false);
	} else {
		s->model_known = false;
		s->cur_batch = -1;
		s->cur_counted = false;
		s->prune_head_known = false;	/* batch ids are the model's */
		s->bulk_fresh = false;
		s->bulk_batch = -1;
	}
	if (!s->model_known && s->schema_ready)
		store_model_lookup(s);
	store_stmt_rebind_hot(s);
}

void
store_stmt_rebind_hot(struct store *s)
{
	struct db_stmt *hot[] = { s->st_pred_insert, s->st_pred_exists,
	    s->st_batch_open, s->st_batch_get, s->st_data_version };
	int64_t id = s->schema_ready ? (s->model_known ? s->model_id : -1) : 0;
	size_t i;
	int k;

	/* Between two uses: every hot statement was reset after its last. */
	for (i = 0; i < sizeof hot / sizeof hot[0]; i++)
		if (hot[i] != NULL &&
		    (k = db_bind_parameter_index(hot[i], ":model")) != 0)
			db_bind_int64(hot[i], k, id);
}

void
store_model_lookup(struct store *s)
{
	struct db_stmt *st;
	char *cause = NULL;

	st = store_stmt(s, "SELECT model_id FROM models WHERE name = ?1",
	    &cause);
	if (st == NULL) {
		free(cause);
		return;
	}
	db_bind_text(st, 1, s->model, -1, DB_STATIC);
	if (db_step(st) == DB_ROW) {
		s->model_id = db_column_int64(st, 0);
		s->model_known = true;
		store_stmt_rebind_hot(s);
	}
	db_reset(st);
}

int64_t
store_model_param(struct store *s)
{
	if (!s->model_known && s->schema_ready)
		store_model_lookup(s);
	if (!s->schema_ready)
		return 0;
	return s->model_known ? s->model_id : -1;
}

int
store_schema_read(struct store *s, int *version, char **cause)
{
	struct db_stmt *st;
	const char *sql = "PRAGMA user_version";
	int rc;

	*version = 0;
	if (s->pg) {
		if ((rc = db_table_exists(s->conn, "meta")) != 1)
			goto out;
		sql = "SELECT CAST(value AS BIGINT) FROM meta"
		    " WHERE key = 'schema_version' AND model_id = 0";
	}
	if ((st = db_prepare(s->conn, sql, 0)) == NULL) {
		rc = -1;
		goto out;
	}
	if ((rc = db_step(st)) == DB_ROW)
		*version = db_column_int(st, 0);
	db_finalize(st);
out:
	if (rc == -1)
		*cause = store_db_error(s, "reading the schema version");
	return rc == -1 ? -1 : 0;
}

/* :model, if st has it (see struct store). */
static void
store_stmt_bind_model(struct store *s, struct db_stmt *st)
{
	int i;

	if ((i = db_bind_parameter_index(st, ":model")) != 0)
		db_bind_int64(st, i, store_model_param(s));
}

/* sql's cached statement (prepared the first time), reset, :model bound. */
static struct db_stmt *
stmt_get(struct store *s, const char *sql, char **cause)
{
	struct db_stmt *st;
	size_t i;

	/* By pointer first (literals), then by text. */
	for (i = 0; i < s->n_dcache; i++)
		if (s->dcache[i].sql == sql)
			break;
	if (i == s->n_dcache) {
		for (i = 0; i < s->n_dcache; i++)
			if (strcmp(db_stmt_sql(s->dcache[i].stmt), sql) == 0)
				break;
	}
	if (i < s->n_dcache) {
		/* Binding :model may look the model up, growing the cache. */
		st = s->dcache[i].stmt;
		db_reset(st);
		db_clear_bindings(st);
		store_stmt_bind_model(s, st);
		return st;
	}
	st = db_prepare(s->conn, sql, DB_PREPARE_PERSISTENT);
	if (st == NULL) {
		*cause = store_db_error(s, "preparing a statement");
		return NULL;
	}
	store_stmt_bind_model(s, st);
	if (s->n_dcache == s->cap_dcache) {
		s->cap_dcache = s->cap_dcache == 0 ? 32 : 2 * s->cap_dcache;
		s->dcache = xreallocarray(s->dcache, s->cap_dcache,
		    sizeof *s->dcache);
	}
	s->dcache[s->n_dcache].sql = sql;
	s->dcache[s->n_dcache].stmt = st;
	s->n_dcache++;
	return st;
}

struct db_stmt *
store_stmt(struct store *s, const char *sql, char **cause)
{
	if (store_bulk_end(s, cause) == -1)
		return NULL;
	return stmt_get(s, sql, cause);
}

struct db_stmt *
store_stmt_to_owe(struct store *s, const char *sql, char **cause)
{
	size_t i;

	if (s->bulk_copying || store_held_count(s) > 0)
		return store_stmt(s, sql, cause);
	for (i = 0; i < s->n_owed; i++)
		if (strcmp(db_stmt_sql(s->owed[i]), sql) == 0)
			return store_stmt(s, sql, cause);	/* sent first */
	return stmt_get(s, sql, cause);
}

struct db_stmt *
store_stmt_hot(struct store *s, struct db_stmt **slot, const char *sql,
    char **cause)
{
	if (store_bulk_end(s, cause) == -1)
		return NULL;
	if (!s->model_known && s->schema_ready)
		store_model_lookup(s);
	if (*slot != NULL)
		return *slot;
	if ((*slot = db_prepare(s->conn, sql, DB_PREPARE_PERSISTENT)) ==
	    NULL) {
		*cause = store_db_error(s, "preparing a statement");
		return NULL;
	}
	store_stmt_bind_model(s, *slot);
	return *slot;
}

/* Reset st after it ran (ok) or failed (*cause names what). */
static int
stmt_end(struct store *s, struct db_stmt *st, bool ok, const char *what,
    char **cause)
{
	db_reset(st);
	if (ok)
		return 0;
	*cause = store_db_error(s, what);
	return -1;
}

int
store_stmt_done(struct store *s, struct db_stmt *st, const char *what,
    char **cause)
{
	return stmt_end(s, st, db_step(st) != DB_ERROR, what, cause);
}

int
store_stmt_send(struct store *s, struct db_stmt *st, const char *what,
    char **cause)
{
	if (!s->in_tx)
		return store_stmt_done(s, st, what, cause);
	return stmt_end(s, st, db_send(st, what) == 0, what, cause);
}

int
store_stmt_owe(struct store *s, struct db_stmt *st, const char *what,
    char **cause)
{
	if (!s->pg || !s->in_tx)
		return store_stmt_send(s, st, what, cause);
	if (s->n_owed == STORE_OWED_MAX && store_bulk_end(s, cause) == -1) {
		db_reset(st);
		return -1;
	}
	s->owed[s->n_owed] = st;
	s->owed_what[s->n_owed++] = what;
	return 0;
}

int
store_exec_send(struct store *s, const char *sql, const char *what,
    char **cause)
{
	if (!s->in_tx)
		return store_exec(s, sql, what, cause);
	if (store_bulk_end(s, cause) == -1)
		return -1;
	if (db_exec_send(s->conn, sql, what) == -1) {
		*cause = store_db_error(s, what);
		return -1;
	}
	return 0;
}

int
store_stmt_rows(struct store *s, struct db_stmt *st,
    const struct rows_reader *r, void *out, size_t *n, const char *what,
    char **cause)
{
	void *v;
	int rc;

	rc = rows_read(st, r, &v, n);
	db_reset(st);
	*(void **)out = v;	/* NULL after an error */
	if (rc != DB_DONE) {
		*cause = store_db_error(s, what);
		return -1;
	}
	return 0;
}

static void
id_read(struct db_stmt *st, void *id)
{
	*(int64_t *)id = db_column_int64(st, 0);
}

int
store_stmt_ids(struct store *s, struct db_stmt *st, int64_t **ids,
    size_t *n, const char *what, char **cause)
{
	static const struct rows_reader reader = { sizeof **ids, id_read,
	    NULL };

	return store_stmt_rows(s, st, &reader, ids, n, what, cause);
}

int
store_sql_ids(struct store *s, const char *sql, int64_t **ids, size_t *n,
    const char *what, char **cause)
{
	struct db_stmt	*st;

	*ids = NULL;
	*n = 0;
	if ((st = store_stmt(s, sql, cause)) == NULL)
		return -1;
	return store_stmt_ids(s, st, ids, n, what, cause);
}

int
store_stmt_row(struct store *s, struct db_stmt *st,
    void (*read)(struct db_stmt *, void *), void *out, const char *what,
    char **cause)
{
	int rc;

	rc = db_step(st);
	if (rc == DB_ROW)
		read(st, out);
	else if (rc == DB_ERROR)
		*cause = store_db_error(s, what);
	db_reset(st);
	return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

static void
text_read(struct db_stmt *st, void *text)
{
	const char *v = db_column_text(st, 0);

	*(char **)text = xstrdup(v == NULL ? "" : v);
}

int
store_stmt_text(struct store *s, struct db_stmt *st, char **text,
    const char *what, char **cause)
{
	return store_stmt_row(s, st, text_read, text, what, cause);
}

int
store_exec(struct store *s, const char *sql, const char *what, char **cause)
{
	if (store_bulk_end(s, cause) == -1)
		return -1;
	if (db_exec(s->conn, sql) == -1) {
		*cause = store_db_error(s, what);
		return -1;
	}
	return 0;
}

char *
store_db_error(struct store *s, const char *what)
{
	char *msg, *cause, *sent = NULL;

	/* A write sent earlier (store_stmt_send) failed: name it. */
	if (db_failed_what(s->conn) != NULL)
		what = sent = xstrdup(db_failed_what(s->conn));
	/* The server's words ("could not extend file") may not say it. */
	if (!s->pg || db_error(s->conn) != DB_E_FULL)
		msg = xstrdup(db_errmsg(s->conn));
	else
		msg = xasprintf("the database is full (the server could not "
		    "write: %s)", db_errmsg(s->conn));
	cause = store_error_msg(s, msg, what);
	free(msg);
	free(sent);
	return cause;
}

void
store_stmt_finish(struct store *s)
{
	size_t i;

	store_stmt_forget_hot(s);
	store_held_free(s);
	for (i = 0; i < s->n_dcache; i++)
		db_finalize(s->dcache[i].stmt);
	/* The summary UPDATEs' texts (store-summary.c), keys of the cache. */
	for (i = 0; i < sizeof s->summary.sql / sizeof s->summary.sql[0]; i++) {
		free(s->summary.sql[i]);
		s->summary.sql[i] = NULL;
	}
	free(s->dcache);
	s->dcache = NULL;
	s->n_dcache = s->cap_dcache = 0;
}
