/*
 * The driver over PostgreSQL (libpq). A statement is prepared on the
 * server once (PQprepare, named mlmon_N on this connection) from its SQL
 * with ? placeholders turned into $n (driver-sql.c). Parameters go as
 * text, typed by the server from the statement: integers in decimal,
 * doubles in the store's shortest round-trip form (store_format_double),
 * NaN as NULL and -0.0 as 0.0, as SQLite stores them. The first step
 * executes it and holds the whole result; later steps walk its rows,
 * whose columns driver-pg-column.c reads. A write nobody reads back is
 * sent in libpq's pipeline instead (db_send, driver-pg-pipe.c) and its
 * result read with the next statement that needs an answer.
 *
 * Errors: the kind comes from the SQLSTATE (class 08 and the shutdown
 * codes: connection; 53100: full; 23: constraint; 25006: read-only;
 * serialization failures, deadlocks and lock timeouts: busy), the message
 * is the server's primary message with every password of the target
 * masked. Notices ("relation already exists, skipping") are dropped: the
 * store decides what to say. A read-only connection makes every
 * transaction read-only (default_transaction_read_only).
 */
#include "db/driver-pg-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "db/db-target.h"
#include "db/driver-pg.h"
#include "db/store-number.h"
#include "db/store.h"

/*
 * Writes sent and waiting for a sync at most (driver-pg-pipe.c): their
 * results (some 40 bytes each) stay far below the socket's buffer, so
 * neither side blocks writing while the other does.
 */
#define PG_PIPE_MAX	256

struct pgdb_conn {
	struct db_conn	 base;
	PGconn		*pq;
	char		*target;	/* as given (with its password) */
	bool		 readonly;
	unsigned	 next_name;	/* prepared statement names */
	unsigned	 session;	/* connections so far (reconnects + 1) */
	int64_t		 changes;
	struct pg_pipe	 pipe;		/* writes sent, not yet read */
	struct pg_copy	 copy;		/* driver-pg-copy.c */
};

static const struct db_ops pg_ops;

static struct pgdb_conn *
pgdb_conn(struct db_conn *c)
{
	return (struct pgdb_conn *)c;
}

static struct pgdb_stmt *
pgdb_stmt(struct db_stmt *st)
{
	return (struct pgdb_stmt *)st;
}

static void
pg_notice_drop(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static enum db_error
pg_kind(const char *state)
{
	if (state == NULL)
		return DB_E_OTHER;
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0)
		return DB_E_CONNECTION;
	if (strcmp(state, "53100") == 0)
		return DB_E_FULL;
	if (strncmp(state, "23", 2) == 0)
		return DB_E_CONSTRAINT;
	if (strcmp(state, "25006") == 0)
		return DB_E_READONLY;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		return DB_E_BUSY;
	return DB_E_OTHER;
}

/* text without its trailing newlines, passwords masked; caller frees. */
static char *
pg_clean(struct pgdb_conn *c, const char *text)
{
	char *t = db_target_scrub(c->target, text), *end;

	end = t + strlen(t);
	while (end > t && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	return t;
}

/* Record the failure that res (or, if NULL, the connection) reports. */
static void
pg_fail(struct pgdb_conn *c, const PGresult *res)
{
	const char *state = NULL, *msg = NULL;
	enum db_error kind;
	char *clean;

	if (res != NULL) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	}
	if (msg == NULL)
		msg = PQerrorMessage(c->pq);
	kind = pg_kind(state);
	if (PQstatus(c->pq) == CONNECTION_BAD)
		kind = DB_E_CONNECTION;
	clean = pg_clean(c, msg);
	db_set_error(&c->base, kind, clean);
	free(clean);
}

/* The rows a command changed, as sqlite3_changes counts them. */
static void
pg_note_changes(struct pgdb_conn *c, PGresult *res)
{
	static const char *const verbs[] = {
		"INSERT ", "UPDATE ", "DELETE ", "MERGE ",
	};
	const char *tag = PQcmdStatus(res);
	size_t i;

	for (i = 0; i < sizeof verbs / sizeof *verbs; i++) {
		if (strncmp(tag, verbs[i], strlen(verbs[i])) == 0) {
			c->changes = strtoll(PQcmdTuples(res), NULL, 10);
			return;
		}
	}
}

PGconn *
db_pg_conn(struct db_conn *c)
{
	if (c->backend != DB_POSTGRES) {
		db_set_error(c, DB_E_OTHER, "not a PostgreSQL connection");
		return NULL;
	}
	return pgdb_conn(c)->pq;
}

void
db_pg_fail(struct db_conn *c, const PGresult *res)
{
	pg_fail(pgdb_conn(c), res);
}

struct pg_copy *
pg_copy_state(struct db_conn *c)
{
	return &pgdb_conn(c)->copy;
}

void
pg_copy_reset(struct pg_copy *cp, bool free_buf)
{
	cp->open = false;
	cp->len = 0;
	if (free_buf) {
		free(cp->buf);
		cp->buf = NULL;
		cp->cap = 0;
	}
}

/*
 * End c's pipeline (driver-pg-pipe.c): 0, or -1 with the first failure
 * recorded, and db_failed_what naming a write sent that failed.
 */
static int
pg_pipe_finish(struct pgdb_conn *c, PGresult **last)
{
	PGresult *bad;
	char *what;

	if (pg_pipe_end(&c->pipe, c->pq, last, &bad, &what) == 0)
		return 0;
	pg_fail(c, bad);
	PQclear(bad);
	c->base.failed_what = what;	/* after pg_fail, which clears it */
	return -1;
}

/* Send in c's pipeline (at most PG_PIPE_MAX wait). 0 or -1 (recorded). */
static int
pg_pipe_put(struct pgdb_conn *c, const char *name, const char *sql, int n,
    const char *const *vals, const char *what)
{
	if (pg_pipe_pending(&c->pipe) >= PG_PIPE_MAX &&
	    pg_pipe_finish(c, NULL) == -1)
		return -1;
	if (pg_pipe_send(&c->pipe, c->pq, name, sql, n, vals, what) == 0)
		return 0;
	pg_fail(c, NULL);
	if (what != NULL)
		c->base.failed_what = xstrdup(what);
	pg_pipe_drop(&c->pipe, c->pq);
	return -1;
}

int
db_pg_settle(struct db_conn *c)
{
	if (c->backend != DB_POSTGRES)
		return 0;
	return pg_pipe_finish(pgdb_conn(c), NULL);
}

/*
 * Run sql without parameters and results; 0 or -1 (recorded). After
 * writes sent (db_send), one statement goes in their pipeline: one round
 * trip for both.
 */
static int
pg_command(struct pgdb_conn *c, const char *sql)
{
	PGresult *res;
	ExecStatusType status;

	if (pg_pipe_pending(&c->pipe) > 0 && strchr(sql, ';') == NULL) {
		if (pg_pipe_put(c, NULL, sql, 0, NULL, NULL) == -1 ||
		    pg_pipe_finish(c, &res) == -1)
			return -1;
	} else if (pg_pipe_finish(c, NULL) == -1)
		return -1;
	else
		res = PQexec(c->pq, sql);
	status = PQresultStatus(res);
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
		pg_fail(c, res);
		PQclear(res);
		return -1;
	}
	pg_note_changes(c, res);
	c->base.err = DB_E_NONE;
	PQclear(res);
	return 0;
}

/* The settings of a new session: UTF-8, read-only transactions. */
static int
pg_session_setup(struct pgdb_conn *c)
{
	if (PQsetClientEncoding(c->pq, "UTF8") != 0) {
		pg_fail(c, NULL);
		return -1;
	}
	if (c->readonly &&
	    pg_command(c, "SET default_transaction_read_only = on") == -1)
		return -1;
	return 0;
}

struct db_conn *
db_pg_open(const char *target, enum db_open_mode mode, char **cause)
{
	struct pgdb_conn *c;
	char *msg;

	c = xcalloc(1, sizeof *c);
	db_conn_init(&c->base, &pg_ops, DB_POSTGRES, target);
	c->target = xstrdup(target);
	c->pq = PQconnectdb(target);
	if (c->pq == NULL || PQstatus(c->pq) != CONNECTION_OK) {
		msg = c->pq == NULL ? xstrdup("out of memory") :
		    pg_clean(c, PQerrorMessage(c->pq));
		*cause = xasprintf("%s: cannot connect: %s", c->base.name,
		    msg);
		free(msg);
		db_close(&c->base);
		return NULL;
	}
	PQsetNoticeProcessor(c->pq, pg_notice_drop, NULL);
	c->readonly = mode == DB_OPEN_READ_ONLY;
	c->session = 1;
	if (pg_session_setup(c) == -1) {
		msg = xstrdup(db_errmsg(&c->base));
		*cause = xasprintf("%s: setting up the connection: %s",
		    c->base.name, msg);
		free(msg);
		db_close(&c->base);
		return NULL;
	}
	return &c->base;
}

static void
pg_close(struct db_conn *base)
{
	struct pgdb_conn *c = pgdb_conn(base);

	pg_pipe_reset(&c->pipe);
	pg_copy_reset(&c->copy, true);
	if (c->pq != NULL)
		PQfinish(c->pq);
	if (c->target != NULL) {
		/* The password goes no further than it must. */
		memset(c->target, 0, strlen(c->target));
		free(c->target);
	}
	db_conn_finish(&c->base);
	free(c);
}

/* Prepare s's text on the server in this session; 0 or -1 (recorded). */
static int
pg_server_prepare(struct pgdb_conn *c, struct pgdb_stmt *s)
{
	PGresult *res;

	if (pg_pipe_finish(c, NULL) == -1)
		return -1;
	res = PQprepare(c->pq, s->name, s->text, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_fail(c, res);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	s->session = c->session;
	return 0;
}

static struct db_stmt *
pg_prepare(struct db_conn *base, const char *sql, int flags)
{
	struct pgdb_conn *c = pgdb_conn(base);
	struct pgdb_stmt *s;
	char *text, *cause = NULL, **names = NULL;
	int n;

	(void)flags;
	text = db_sql_to_pg(sql, &n, &names, &cause);
	if (text == NULL) {
		db_set_error(base, DB_E_OTHER, cause);
		free(cause);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->base.ops = &pg_ops;
	s->base.conn = base;
	s->text = text;
	snprintf(s->name, sizeof s->name, "mlmon_%u", c->next_name++);
	if (pg_server_prepare(c, s) == -1) {
		db_sql_names_free(names, n);
		free(s->text);
		free(s);
		return NULL;
	}
	s->names = names;
	base->err = DB_E_NONE;
	s->sql = xstrdup(sql);
	s->nparams = n;
	s->row = -1;
	if (n > 0) {
		s->params = xcalloc((size_t)n, sizeof *s->params);
		s->vals = xcalloc((size_t)n, sizeof *s->vals);
	}
	return &s->base;
}

static void
pg_clear_bindings(struct db_stmt *st)
{
	struct pgdb_stmt *s = pgdb_stmt(st);
	int i;

	for (i = 0; i < s->nparams; i++) {
		free(s->params[i].owned);
		s->params[i].owned = NULL;
		s->params[i].val = NULL;
	}
}

static void
pg_reset(struct db_stmt *st)
{
	struct pgdb_stmt *s = pgdb_stmt(st);

	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
}

static void
pg_finalize(struct db_stmt *st)
{
	struct pgdb_stmt *s = pgdb_stmt(st);
	struct pgdb_conn *c = pgdb_conn(st->conn);
	char sql[48];

	pg_reset(st);
	pg_clear_bindings(st);
	/* Best effort: a lost connection took its statements with it. */
	if (s->session == c->session && PQstatus(c->pq) == CONNECTION_OK &&
	    (PQtransactionStatus(c->pq) == PQTRANS_IDLE ||
	    PQtransactionStatus(c->pq) == PQTRANS_INTRANS)) {
		snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
		PQclear(PQexec(c->pq, sql));
	}
	free(s->params);
	free(s->vals);
	free(s->sql);
	free(s->text);
	db_sql_names_free(s->names, s->nparams);
	free(s);
}

static const char *
pg_stmt_sql(const struct db_stmt *st)
{
	return ((const struct pgdb_stmt *)st)->sql;
}

/* The parameter i (1-based), emptied; NULL if out of range. */
static struct pg_param *
pg_param(struct db_stmt *st, int i)
{
	struct pgdb_stmt *s = pgdb_stmt(st);
	struct pg_param *p;

	if (i < 1 || i > s->nparams)
		return NULL;
	p = &s->params[i - 1];
	free(p->owned);
	p->owned = NULL;
	p->val = NULL;
	return p;
}

static int
pg_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	struct pg_param *p = pg_param(st, i);

	if (p == NULL)
		return -1;
	snprintf(p->num, sizeof p->num, "%" PRId64, v);
	p->val = p->num;
	return 0;
}

const char *
db_pg_double_text(char *buf, size_t size, double v)
{
	if (isnan(v))
		return NULL;		/* NULL, as SQLite stores a NaN */
	if (v == 0.0)
		v = 0.0;		/* SQLite keeps no -0.0 either */
	if (isinf(v))
		snprintf(buf, size, "%sInfinity", v < 0 ? "-" : "");
	else
		store_format_double(buf, size, v);
	return buf;
}

static int
pg_bind_double(struct db_stmt *st, int i, double v)
{
	struct pg_param *p = pg_param(st, i);

	if (p == NULL)
		return -1;
	p->val = db_pg_double_text(p->num, sizeof p->num, v);
	return 0;
}

static int
pg_bind_text(struct db_stmt *st, int i, const char *text, int len,
    enum db_text_life life)
{
	struct pg_param *p = pg_param(st, i);

	if (p == NULL)
		return -1;
	/* Text parameters end at their NUL: copy a counted one. */
	if (len >= 0)
		p->owned = xstrndup(text, (size_t)len);
	else if (life == DB_COPY)
		p->owned = xstrdup(text);
	p->val = p->owned != NULL ? p->owned : text;
	return 0;
}

static int
pg_bind_parameter_index(struct db_stmt *st, const char *name)
{
	struct pgdb_stmt *s = pgdb_stmt(st);
	int i;

	for (i = 0; s->names != NULL && i < s->nparams; i++)
		if (s->names[i] != NULL && strcmp(s->names[i], name) == 0)
			return i + 1;
	return 0;
}

static int
pg_bind_null(struct db_stmt *st, int i)
{
	return pg_param(st, i) == NULL ? -1 : 0;
}

/* Execute s with its parameters; DB_ROW, DB_DONE or DB_ERROR. */
static int
pg_execute(struct pgdb_stmt *s)
{
	struct pgdb_conn *c = pgdb_conn(s->base.conn);
	ExecStatusType status;
	int i;

	/* A statement of an earlier session is prepared again first. */
	if (s->session != c->session && pg_server_prepare(c, s) == -1)
		return DB_ERROR;
	for (i = 0; i < s->nparams; i++)
		s->vals[i] = s->params[i].val;
	if (pg_pipe_pending(&c->pipe) > 0) {
		/* After the writes sent: in their pipeline, one round trip. */
		if (pg_pipe_put(c, s->name, NULL,
		    s->nparams, s->vals, NULL) == -1 ||
		    pg_pipe_finish(c, &s->res) == -1)
			return DB_ERROR;
	} else if (pg_pipe_finish(c, NULL) == -1)
		return DB_ERROR;
	else
		s->res = PQexecPrepared(c->pq, s->name, s->nparams, s->vals,
		    NULL, NULL, 0);
	status = PQresultStatus(s->res);
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
		pg_fail(c, s->res);
		PQclear(s->res);
		s->res = NULL;
		return DB_ERROR;
	}
	pg_note_changes(c, s->res);
	c->base.err = DB_E_NONE;
	s->row = 0;
	return PQntuples(s->res) > 0 ? DB_ROW : DB_DONE;
}

/* A write nobody reads back: sent in the pipeline (driver-pg-pipe.c). */
static int
pg_send(struct db_stmt *st, const char *what)
{
	struct pgdb_stmt *s = pgdb_stmt(st);
	struct pgdb_conn *c = pgdb_conn(s->base.conn);
	int i;

	if (s->session != c->session && pg_server_prepare(c, s) == -1)
		return -1;
	for (i = 0; i < s->nparams; i++)
		s->vals[i] = s->params[i].val;
	return pg_pipe_put(c, s->name, NULL, s->nparams,
	    s->vals, what);
}

static int
pg_exec_send(struct db_conn *base, const char *sql, const char *what)
{
	struct pgdb_conn *c = pgdb_conn(base);

	if (strchr(sql, ';') != NULL)
		return pg_command(c, sql);
	return pg_pipe_put(c, NULL, sql, 0, NULL, what);
}

static int
pg_step(struct db_stmt *st)
{
	struct pgdb_stmt *s = pgdb_stmt(st);

	if (s->res == NULL)
		return pg_execute(s);
	if (s->row < PQntuples(s->res))
		s->row++;
	return s->row < PQntuples(s->res) ? DB_ROW : DB_DONE;
}

static int
pg_exec(struct db_conn *base, const char *sql)
{
	return pg_command(pgdb_conn(base), sql);
}

/*
 * A new session on the same target (PQreset). Statements are prepared
 * again on their next step; LISTENs are the caller's to renew.
 */
static int
pg_reconnect(struct db_conn *base)
{
	struct pgdb_conn *c = pgdb_conn(base);

	pg_pipe_reset(&c->pipe);	/* PQreset leaves pipeline mode */
	pg_copy_reset(&c->copy, false);	/* and any COPY */
	PQreset(c->pq);
	if (PQstatus(c->pq) != CONNECTION_OK) {
		pg_fail(c, NULL);
		return -1;
	}
	c->session++;
	if (pg_session_setup(c) == -1)
		return -1;
	base->err = DB_E_NONE;
	return 0;
}

static enum db_tx
pg_tx_state(struct db_conn *base)
{
	switch (PQtransactionStatus(pgdb_conn(base)->pq)) {
	case PQTRANS_INTRANS:
	case PQTRANS_ACTIVE:
		return DB_TX_OPEN;
	case PQTRANS_INERROR:
		return DB_TX_FAILED;
	default:
		/* Idle, or the connection (and its transaction) is gone. */
		return DB_TX_IDLE;
	}
}

static int64_t
pg_changes(struct db_conn *base)
{
	return pgdb_conn(base)->changes;
}

static int64_t
pg_last_insert_id(struct db_conn *base)
{
	struct pgdb_conn *c = pgdb_conn(base);
	PGresult *res;
	int64_t id;

	if (pg_pipe_pending(&c->pipe) > 0) {
		/* The INSERT was sent (db_send): ask in the same trip. */
		if (pg_pipe_put(c, NULL, "SELECT lastval()", 0, NULL,
		    NULL) == -1 || pg_pipe_finish(c, &res) == -1)
			return -1;
	} else if (pg_pipe_finish(c, NULL) == -1)
		return -1;
	else
		res = PQexec(c->pq, "SELECT lastval()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		pg_fail(c, res);
		PQclear(res);
		return -1;
	}
	id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	base->err = DB_E_NONE;
	return id;
}

/* 1 if sql ($1, maybe $2) gives a row, 0 if not, -1 on error. */
static int
pg_any_row(struct db_conn *base, const char *sql, const char *a,
    const char *b)
{
	struct pgdb_conn *c = pgdb_conn(base);
	const char *vals[2] = { a, b };
	PGresult *res;
	int n;

	if (pg_pipe_finish(c, NULL) == -1)
		return -1;
	res = PQexecParams(c->pq, sql, b == NULL ? 1 : 2, NULL, vals, NULL,
	    NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pg_fail(c, res);
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	PQclear(res);
	base->err = DB_E_NONE;
	return n > 0;
}

static int
pg_table_exists(struct db_conn *c, const char *table)
{
	return pg_any_row(c, "SELECT 1 FROM information_schema.tables"
	    " WHERE table_schema = current_schema() AND table_name = $1",
	    table, NULL);
}

static int
pg_column_exists(struct db_conn *c, const char *table, const char *column)
{
	return pg_any_row(c, "SELECT 1 FROM information_schema.columns"
	    " WHERE table_schema = current_schema() AND table_name = $1"
	    " AND column_name = $2", table, column);
}

static const struct db_ops pg_ops = {
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.stmt_sql = pg_stmt_sql,
	.bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.bind_null = pg_bind_null,
	.bind_parameter_index = pg_bind_parameter_index,
	.clear_bindings = pg_clear_bindings,
	.step = pg_step,
	.send = pg_send,
	.exec_send = pg_exec_send,
	.reset = pg_reset,
	.column_count = pg_column_count,
	.column_null = pg_column_null,
	.column_int64 = pg_column_int64,
	.column_double = pg_column_double,
	.column_text = pg_column_text,
	.column_bytes = pg_column_bytes,
	.exec = pg_exec,
	.tx_state = pg_tx_state,
	.changes = pg_changes,
	.last_insert_id = pg_last_insert_id,
	.table_exists = pg_table_exists,
	.column_exists = pg_column_exists,
	.reconnect = pg_reconnect,
	.close = pg_close,
};
