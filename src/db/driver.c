/*
 * The driver's front: db_open picks the backend from the target's kind
 * (db-target.c), every other call goes through the connection's or the
 * statement's table of operations. Transactions and savepoints are SQL
 * text common to both backends, apart from SQLite's BEGIN IMMEDIATE. What
 * the backends share (a connection's name and error) is driver-conn.c.
 */
#include "db/driver.h"

#include <stdio.h>
#include <string.h>

#include "db/db-target.h"
#include "db/driver-internal.h"

struct db_conn *
db_open(const char *target, enum db_open_mode mode, char **cause)
{
	if (db_target_is_pg(target))
		return db_pg_open(target, mode, cause);
	return db_sqlite_open(target, mode, cause);
}

struct db_stmt *
db_prepare(struct db_conn *c, const char *sql, int flags)
{
	return c->ops->prepare(c, sql, flags);
}

void
db_finalize(struct db_stmt *st)
{
	if (st != NULL)
		st->ops->finalize(st);
}

const char *
db_stmt_sql(const struct db_stmt *st)
{
	return st->ops->stmt_sql(st);
}

int
db_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	return st->ops->bind_int64(st, i, v);
}

int
db_bind_double(struct db_stmt *st, int i, double v)
{
	return st->ops->bind_double(st, i, v);
}

int
db_bind_text(struct db_stmt *st, int i, const char *text, int len,
    enum db_text_life life)
{
	if (text == NULL)
		return st->ops->bind_null(st, i);
	return st->ops->bind_text(st, i, text, len, life);
}

int
db_bind_null(struct db_stmt *st, int i)
{
	return st->ops->bind_null(st, i);
}

int
db_bind_parameter_index(struct db_stmt *st, const char *name)
{
	return st->ops->bind_parameter_index(st, name);
}

void
db_clear_bindings(struct db_stmt *st)
{
	st->ops->clear_bindings(st);
}

int
db_step(struct db_stmt *st)
{
	return st->ops->step(st);
}

void
db_reset(struct db_stmt *st)
{
	st->ops->reset(st);
}

int
db_column_count(struct db_stmt *st)
{
	return st->ops->column_count(st);
}

bool
db_column_null(struct db_stmt *st, int i)
{
	return st->ops->column_null(st, i);
}

int64_t
db_column_int64(struct db_stmt *st, int i)
{
	return st->ops->column_int64(st, i);
}

int
db_column_int(struct db_stmt *st, int i)
{
	return (int)st->ops->column_int64(st, i);
}

double
db_column_double(struct db_stmt *st, int i)
{
	return st->ops->column_double(st, i);
}

const char *
db_column_text(struct db_stmt *st, int i)
{
	return st->ops->column_text(st, i);
}

size_t
db_column_bytes(struct db_stmt *st, int i)
{
	return st->ops->column_bytes(st, i);
}

int
db_exec(struct db_conn *c, const char *sql)
{
	return c->ops->exec(c, sql);
}

int
db_send(struct db_stmt *st, const char *what)
{
	if (st->ops->send != NULL)
		return st->ops->send(st, what);
	return st->ops->step(st) == DB_ERROR ? -1 : 0;
}

int
db_exec_send(struct db_conn *c, const char *sql, const char *what)
{
	if (c->ops->exec_send != NULL)
		return c->ops->exec_send(c, sql, what);
	return c->ops->exec(c, sql);
}

int
db_begin(struct db_conn *c, bool write)
{
	if (c->backend == DB_SQLITE && write)
		return db_exec(c, "BEGIN IMMEDIATE");
	return db_exec(c, "BEGIN");
}

int
db_commit(struct db_conn *c)
{
	return db_exec(c, "COMMIT");
}

int
db_rollback(struct db_conn *c)
{
	return db_exec(c, "ROLLBACK");
}

/* verb name, for a name that is a plain identifier. */
static int
db_savepoint_exec(struct db_conn *c, const char *verb, const char *name)
{
	char sql[DB_IDENTIFIER_MAX + 32];

	if (!db_identifier_ok(name)) {
		db_set_error(c, DB_E_OTHER, "bad savepoint name");
		return -1;
	}
	snprintf(sql, sizeof sql, "%s %s", verb, name);
	return db_exec(c, sql);
}

int
db_savepoint(struct db_conn *c, const char *name)
{
	return db_savepoint_exec(c, "SAVEPOINT", name);
}

int
db_release(struct db_conn *c, const char *name)
{
	return db_savepoint_exec(c, "RELEASE", name);
}

int
db_rollback_to(struct db_conn *c, const char *name)
{
	return db_savepoint_exec(c, "ROLLBACK TO", name);
}

enum db_tx
db_tx_state(struct db_conn *c)
{
	return c->ops->tx_state(c);
}

int
db_reconnect(struct db_conn *c)
{
	return c->ops->reconnect(c);
}

int64_t
db_last_insert_id(struct db_conn *c)
{
	return c->ops->last_insert_id(c);
}

int64_t
db_changes(struct db_conn *c)
{
	return c->ops->changes(c);
}

int
db_table_exists(struct db_conn *c, const char *table)
{
	return c->ops->table_exists(c, table);
}

int
db_column_exists(struct db_conn *c, const char *table, const char *column)
{
	return c->ops->column_exists(c, table, column);
}
