/*
 * query-stmt: the statements of the console's connection, which every
 * other query file calls down into: prepared once and kept for the
 * connection's life (keyed by their static SQL text), :model bound;
 * errors recorded as the driver's kind with SQLite's code and the
 * message; read transactions; one integer; the newest report of a type.
 */
#include "db/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "db/driver-sqlite.h"
#include "db/query-internal.h"

int
query_err(struct query *q)
{
	enum db_error e = q->db != NULL ? db_error(q->db) : DB_E_OTHER;

	if (q->db != NULL) {
		q->rc = db_sqlite_rc(q->db);
		snprintf(q->errmsg, sizeof q->errmsg, "%s", db_errmsg(q->db));
	}
	return e != DB_E_NONE ? (int)e : (int)DB_E_OTHER;
}

const char *
query_errstr(const struct query *q)
{
	return q->pg ? q->errmsg : query_sqlite_errstr(q);
}

bool
query_busy(int err)
{
	return err == DB_E_BUSY;
}

/*
 * A read transaction. On PostgreSQL REPEATABLE READ: one snapshot for
 * every statement, as a SQLite read transaction has.
 */
int
query_begin(struct query *q)
{
	int rc;

	if (q->pg)
		rc = db_exec(q->db, "BEGIN ISOLATION LEVEL REPEATABLE READ");
	else
		rc = db_begin(q->db, false);
	return rc == 0 ? 0 : query_err(q);
}

void
query_end(struct query *q, bool ok)
{
	if (ok)
		db_commit(q->db);
	else
		db_rollback(q->db);
}

/* Bind :model, if st has it, to model. */
static struct db_stmt *
query_bind_model(struct db_stmt *st, int64_t model)
{
	int i;

	if ((i = db_bind_parameter_index(st, ":model")) > 0)
		db_bind_int64(st, i, model);
	return st;
}

struct db_stmt *
query_prepare_text(struct query *q, const char *sql)
{
	struct db_stmt *st;

	if ((st = db_prepare(q->db, sql, 0)) == NULL)
		return NULL;
	return query_bind_model(st, q->model_id);
}

struct db_stmt *
query_prepare_model(struct query *q, const char *sql, int64_t model)
{
	struct query_kept *k;
	struct db_stmt *st;
	size_t i;

	for (i = 0; i < q->n_kept; i++) {
		k = &q->kept[i];
		if (k->sql == sql && !k->out) {
			k->out = true;
			return query_bind_model(k->st, model);
		}
	}
	if (q->n_kept == QUERY_KEPT_MAX) {	/* full: prepared once */
		if ((st = db_prepare(q->db, sql, 0)) == NULL)
			return NULL;
		return query_bind_model(st, model);
	}
	if ((st = db_prepare(q->db, sql, DB_PREPARE_PERSISTENT)) == NULL)
		return NULL;
	q->kept[q->n_kept++] = (struct query_kept){ sql, st, true };
	return query_bind_model(st, model);
}

struct db_stmt *
query_prepare(struct query *q, const char *sql)
{
	return query_prepare_model(q, sql, q->model_id);
}

void
query_release(struct query *q, struct db_stmt *st)
{
	size_t i;

	for (i = 0; i < q->n_kept; i++) {
		if (q->kept[i].st == st) {
			db_reset(st);
			db_clear_bindings(st);
			q->kept[i].out = false;
			return;
		}
	}
	db_finalize(st);
}

int64_t
query_int(struct query *q, const char *sql, int64_t def, int *err)
{
	struct db_stmt *st;
	int64_t v = def;
	int rc;

	if ((st = query_prepare(q, sql)) == NULL) {
		*err = query_err(q);
		return def;
	}
	rc = db_step(st);
	if (rc == DB_ROW) {
		if (!db_column_null(st, 0))
			v = db_column_int64(st, 0);
	} else if (rc != DB_DONE)
		*err = query_err(q);
	query_release(q, st);
	return v;
}

double
query_double(struct query *q, const char *sql, int *err)
{
	struct db_stmt *st;
	double v = 0;
	int rc;

	if ((st = query_prepare(q, sql)) == NULL) {
		*err = query_err(q);
		return 0;
	}
	rc = db_step(st);
	if (rc == DB_ROW)
		v = db_column_double(st, 0);
	else if (rc != DB_DONE)
		*err = query_err(q);
	query_release(q, st);
	return v;
}

char *
query_latest_report(struct query *q, const char *type, int64_t *batch,
    int *err)
{
	struct db_stmt *st;
	char *out = NULL;
	const char *p;
	int rc;

	st = query_prepare(q, "SELECT batch_id, payload FROM monitor_reports"
	    " WHERE report_type = ? AND model_id = :model"
	    " ORDER BY batch_id DESC LIMIT 1");
	if (st == NULL) {
		*err = query_err(q);
		return NULL;
	}
	db_bind_text(st, 1, type, -1, DB_STATIC);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*batch = db_column_int64(st, 0);
		p = db_column_text(st, 1);
		if (p != NULL)
			out = xstrdup(p);
	} else if (rc != DB_DONE)
		*err = query_err(q);
	query_release(q, st);
	return out;
}

void
query_stmt_finish(struct query *q)
{
	size_t i;

	for (i = 0; i < q->n_kept; i++)
		db_finalize(q->kept[i].st);
	q->n_kept = 0;
}
