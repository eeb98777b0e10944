/*
 * The driver over SQLite: every call is the sqlite3 call of the same name,
 * plus the error kind and message recorded where a call fails (the
 * message as store_error has always worded it: the connection's message
 * when it belongs to this error, else the code's text). A connection is
 * opened with extended result codes and without a mutex (one thread).
 * What only SQLite has (busy handlers, hooks, file controls) is reached
 * through db_sqlite_handle (driver-sqlite.h).
 */
#include "db/driver-sqlite.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/xalloc.h"
#include "db/driver-internal.h"

struct sqlite_conn {
	struct db_conn	 base;
	sqlite3		*db;
	int		 rc;		/* the last failing result code */
};

struct sqlite_stmt {
	struct db_stmt	 base;
	sqlite3_stmt	*st;
};

static const struct db_ops sqlite_ops;

static struct sqlite_conn *
sqlite_conn(struct db_conn *c)
{
	return (struct sqlite_conn *)c;
}

static sqlite3_stmt *
sqlite_st(struct db_stmt *st)
{
	return ((struct sqlite_stmt *)st)->st;
}

static enum db_error
sqlite_kind(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_E_BUSY;
	case SQLITE_CONSTRAINT:
		return DB_E_CONSTRAINT;
	case SQLITE_FULL:
		return DB_E_FULL;
	case SQLITE_READONLY:
		return DB_E_READONLY;
	case SQLITE_CANTOPEN:
		return DB_E_CANTOPEN;
	default:
		return DB_E_OTHER;
	}
}

/* Record a failure of rc on c. */
static void
sqlite_fail(struct sqlite_conn *c, int rc)
{
	const char *msg;

	if ((sqlite3_extended_errcode(c->db) & 0xff) == (rc & 0xff))
		msg = sqlite3_errmsg(c->db);
	else
		msg = sqlite3_errstr(rc);
	c->rc = rc;
	db_set_error(&c->base, sqlite_kind(rc), msg);
}

struct db_conn *
db_sqlite_open(const char *path, enum db_open_mode mode, char **cause)
{
	struct sqlite_conn *c;
	int flags, rc;

	if (mode == DB_OPEN_READ_ONLY)
		flags = SQLITE_OPEN_READONLY;
	else
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	flags |= SQLITE_OPEN_NOMUTEX;
	c = xcalloc(1, sizeof *c);
	db_conn_init(&c->base, &sqlite_ops, DB_SQLITE, path);
	rc = sqlite3_open_v2(path, &c->db, flags, NULL);
	if (rc != SQLITE_OK) {
		*cause = xasprintf("%s: %s while opening", path,
		    c->db != NULL ? sqlite3_errmsg(c->db) :
		    sqlite3_errstr(rc));
		db_close(&c->base);
		return NULL;
	}
	sqlite3_extended_result_codes(c->db, 1);
	return &c->base;
}

static void
sqlite_close(struct db_conn *base)
{
	struct sqlite_conn *c = sqlite_conn(base);

	if (c->db != NULL)
		sqlite3_close_v2(c->db);
	db_conn_finish(&c->base);
	free(c);
}

struct sqlite3 *
db_sqlite_handle(struct db_conn *c)
{
	return c->backend == DB_SQLITE ? sqlite_conn(c)->db : NULL;
}

int
db_sqlite_rc(const struct db_conn *c)
{
	return c->backend == DB_SQLITE ? ((const struct sqlite_conn *)c)->rc :
	    0;
}

static struct db_stmt *
sqlite_prepare(struct db_conn *base, const char *sql, int flags)
{
	struct sqlite_conn *c = sqlite_conn(base);
	struct sqlite_stmt *s;
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v3(c->db, sql, -1, (flags &
	    DB_PREPARE_PERSISTENT) ? SQLITE_PREPARE_PERSISTENT : 0, &st,
	    NULL);
	if (rc != SQLITE_OK) {
		sqlite_fail(c, rc);
		return NULL;
	}
	s = xmalloc(sizeof *s);
	s->base.ops = &sqlite_ops;
	s->base.conn = base;
	s->st = st;
	return &s->base;
}

static void
sqlite_finalize(struct db_stmt *st)
{
	sqlite3_finalize(sqlite_st(st));
	free(st);
}

static const char *
sqlite_stmt_sql(const struct db_stmt *st)
{
	return sqlite3_sql(((const struct sqlite_stmt *)st)->st);
}

static int
sqlite_bound(int rc)
{
	return rc == SQLITE_OK ? 0 : -1;
}

static int
sqlite_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	return sqlite_bound(sqlite3_bind_int64(sqlite_st(st), i, v));
}

static int
sqlite_bind_double(struct db_stmt *st, int i, double v)
{
	return sqlite_bound(sqlite3_bind_double(sqlite_st(st), i, v));
}

static int
sqlite_bind_text(struct db_stmt *st, int i, const char *text, int len,
    enum db_text_life life)
{
	return sqlite_bound(sqlite3_bind_text(sqlite_st(st), i, text, len,
	    life == DB_COPY ? SQLITE_TRANSIENT : SQLITE_STATIC));
}

static int
sqlite_bind_null(struct db_stmt *st, int i)
{
	return sqlite_bound(sqlite3_bind_null(sqlite_st(st), i));
}

static int
sqlite_bind_parameter_index(struct db_stmt *st, const char *name)
{
	return sqlite3_bind_parameter_index(sqlite_st(st), name);
}

static void
sqlite_clear_bindings(struct db_stmt *st)
{
	sqlite3_clear_bindings(sqlite_st(st));
}

static int
sqlite_step(struct db_stmt *st)
{
	int rc;

	rc = sqlite3_step(sqlite_st(st));
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		st->conn->err = DB_E_NONE;
		return rc == SQLITE_ROW ? DB_ROW : DB_DONE;
	}
	sqlite_fail(sqlite_conn(st->conn), rc);
	return DB_ERROR;
}

static void
sqlite_reset(struct db_stmt *st)
{
	sqlite3_reset(sqlite_st(st));
}

static int
sqlite_column_count(struct db_stmt *st)
{
	return sqlite3_column_count(sqlite_st(st));
}

static bool
sqlite_column_null(struct db_stmt *st, int i)
{
	return sqlite3_column_type(sqlite_st(st), i) == SQLITE_NULL;
}

static int64_t
sqlite_column_int64(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(sqlite_st(st), i);
}

static double
sqlite_column_double(struct db_stmt *st, int i)
{
	return sqlite3_column_double(sqlite_st(st), i);
}

static const char *
sqlite_column_text(struct db_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(sqlite_st(st), i);
}

static size_t
sqlite_column_bytes(struct db_stmt *st, int i)
{
	return (size_t)sqlite3_column_bytes(sqlite_st(st), i);
}

static int
sqlite_exec(struct db_conn *base, const char *sql)
{
	struct sqlite_conn *c = sqlite_conn(base);
	int rc;

	rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		sqlite_fail(c, rc);
		return -1;
	}
	base->err = DB_E_NONE;
	return 0;
}

static enum db_tx
sqlite_tx_state(struct db_conn *base)
{
	return sqlite3_get_autocommit(sqlite_conn(base)->db) ? DB_TX_IDLE :
	    DB_TX_OPEN;
}

static int64_t
sqlite_changes(struct db_conn *base)
{
	return sqlite3_changes64(sqlite_conn(base)->db);
}

static int64_t
sqlite_last_insert_id(struct db_conn *base)
{
	return sqlite3_last_insert_rowid(sqlite_conn(base)->db);
}

/* 1 if sql (one ?1 and maybe ?2) gives a row, 0 if not, -1 on error. */
static int
sqlite_any_row(struct db_conn *c, const char *sql, const char *a,
    const char *b)
{
	struct db_stmt *st;
	int rc;

	st = sqlite_prepare(c, sql, 0);
	if (st == NULL)
		return -1;
	sqlite_bind_text(st, 1, a, -1, DB_STATIC);
	if (b != NULL)
		sqlite_bind_text(st, 2, b, -1, DB_STATIC);
	rc = sqlite_step(st);
	sqlite_finalize(st);
	return rc == DB_ERROR ? -1 : rc == DB_ROW;
}

static int
sqlite_table_exists(struct db_conn *c, const char *table)
{
	return sqlite_any_row(c, "SELECT 1 FROM sqlite_master"
	    " WHERE type = 'table' AND name = ?1", table, NULL);
}

static int
sqlite_column_exists(struct db_conn *c, const char *table,
    const char *column)
{
	return sqlite_any_row(c, "SELECT 1 FROM pragma_table_info(?1)"
	    " WHERE name = ?2", table, column);
}

/* A file has no session to lose. */
static int
sqlite_reconnect(struct db_conn *c)
{
	c->err = DB_E_NONE;
	return 0;
}

static const struct db_ops sqlite_ops = {
	.prepare = sqlite_prepare,
	.finalize = sqlite_finalize,
	.stmt_sql = sqlite_stmt_sql,
	.bind_int64 = sqlite_bind_int64,
	.bind_double = sqlite_bind_double,
	.bind_text = sqlite_bind_text,
	.bind_null = sqlite_bind_null,
	.bind_parameter_index = sqlite_bind_parameter_index,
	.clear_bindings = sqlite_clear_bindings,
	.step = sqlite_step,
	.reset = sqlite_reset,
	.column_count = sqlite_column_count,
	.column_null = sqlite_column_null,
	.column_int64 = sqlite_column_int64,
	.column_double = sqlite_column_double,
	.column_text = sqlite_column_text,
	.column_bytes = sqlite_column_bytes,
	.exec = sqlite_exec,
	.tx_state = sqlite_tx_state,
	.changes = sqlite_changes,
	.last_insert_id = sqlite_last_insert_id,
	.table_exists = sqlite_table_exists,
	.column_exists = sqlite_column_exists,
	.reconnect = sqlite_reconnect,
	.close = sqlite_close,
};
