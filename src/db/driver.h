/*
 * The database driver: one small interface over SQLite and PostgreSQL
 * (libpq) that the store and the console's queries call instead of a
 * library directly. It is shaped after sqlite3's statement API, which the
 * code of src/db is written in, so moving a file onto it is a rename:
 *
 *   prepare (SQL with ?, ?N or :name placeholders; for PostgreSQL they
 *   become $n, numbered as SQLite numbers them, outside quotes and
 *   comments), bind (1-based, as sqlite3), step (DB_ROW, DB_DONE,
 *   DB_ERROR), column (0-based), reset, finalize; exec for text without
 *   results; begin/commit/rollback and savepoints; the
 *   last error as a kind (busy, constraint, full, read-only, connection)
 *   and a message; the rows the last statement changed; the transaction
 *   state.
 *
 * What the driver does not hide is the SQL dialect: the statements given
 * to it must mean the same on both (docs/POSTGRES.md lists the
 * differences and the form each takes). Values are int64, double, text
 * and NULL; as in SQLite, a NaN bound as a double is stored as NULL on
 * both, and a column read as a number from a NULL is 0.
 *
 * Only src/db includes this header; only driver-sqlite.c includes
 * sqlite3.h among the driver files and only driver-pg.c libpq-fe.h.
 * Neither handle is thread-safe: one connection, one thread.
 */
#ifndef MLMON_DB_DRIVER_H
#define MLMON_DB_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db_conn;
struct db_stmt;

enum db_backend {
	DB_SQLITE,
	DB_POSTGRES,
};

enum db_open_mode {
	DB_OPEN_READ_WRITE,	/* SQLite: the file is created if missing */
	DB_OPEN_READ_ONLY,	/* PostgreSQL: read-only transactions */
};

/* db_step's results. */
#define DB_DONE		0
#define DB_ROW		1
#define DB_ERROR	(-1)

/* The kind of the last error: what a caller may act on. */
enum db_error {
	DB_E_NONE,
	DB_E_BUSY,		/* locked by another connection: retry */
	DB_E_CONSTRAINT,	/* a UNIQUE, NOT NULL or CHECK violation */
	DB_E_FULL,		/* disk or quota full */
	DB_E_READONLY,		/* a write on a read-only store or file */
	DB_E_CANTOPEN,		/* the file or server cannot be reached */
	DB_E_CONNECTION,	/* the server connection was lost */
	DB_E_OTHER,
};

/* Transaction state of a connection. */
enum db_tx {
	DB_TX_IDLE,		/* no transaction open */
	DB_TX_OPEN,
	DB_TX_FAILED,		/* open, but an error aborted it: roll back */
};

/* db_bind_text: the text lives until the next reset, or is copied. */
enum db_text_life {
	DB_STATIC,
	DB_COPY,
};

/* db_prepare flags. */
#define DB_PREPARE_PERSISTENT	0x1	/* kept and reused for long */

/*
 * Open target (db-target.h decides the backend: a PostgreSQL URI or
 * connection string, else a SQLite path). NULL and *cause (naming the
 * target with its password masked) on failure.
 */
struct db_conn	*db_open(const char *target, enum db_open_mode mode,
		    char **cause);
/* Finalizes nothing: finalize statements first. NULL does nothing. */
void		 db_close(struct db_conn *c);

enum db_backend	 db_backend(const struct db_conn *c);
/* The target as given, password masked: for messages. */
const char	*db_name(const struct db_conn *c);

/* NULL on error (db_error, db_errmsg). */
struct db_stmt	*db_prepare(struct db_conn *c, const char *sql, int flags);
void		 db_finalize(struct db_stmt *st);
/* The SQL text as given to db_prepare. */
const char	*db_stmt_sql(const struct db_stmt *st);

/* Binds: i is 1-based. 0, or -1 (out of range). */
int		 db_bind_int64(struct db_stmt *st, int i, int64_t v);
int		 db_bind_double(struct db_stmt *st, int i, double v);
int		 db_bind_text(struct db_stmt *st, int i, const char *text,
		    int len, enum db_text_life life);
int		 db_bind_null(struct db_stmt *st, int i);
/* The number of the named parameter name (":model"); 0 if none. */
int		 db_bind_parameter_index(struct db_stmt *st, const char *name);
void		 db_clear_bindings(struct db_stmt *st);

/* DB_ROW, DB_DONE or DB_ERROR (db_error, db_errmsg). */
int		 db_step(struct db_stmt *st);
/* Ready to step again from the start; bindings stay. */
void		 db_reset(struct db_stmt *st);

/* Columns of the current row: i is 0-based. */
int		 db_column_count(struct db_stmt *st);
bool		 db_column_null(struct db_stmt *st, int i);
int64_t		 db_column_int64(struct db_stmt *st, int i);
int		 db_column_int(struct db_stmt *st, int i);
double		 db_column_double(struct db_stmt *st, int i);
/* NULL for NULL; valid until the next step, reset or finalize. */
const char	*db_column_text(struct db_stmt *st, int i);
/* Bytes of db_column_text's text, without the NUL. */
size_t		 db_column_bytes(struct db_stmt *st, int i);

/* SQL text without results, possibly several statements. 0 or -1. */
int		 db_exec(struct db_conn *c, const char *sql);

/*
 * A write whose result nobody reads (no rows, no db_changes), inside a
 * transaction: SQLite steps st (or runs sql) now; PostgreSQL sends it
 * in libpq's pipeline without waiting, and its result is read with the
 * next statement that needs the server's answer (a read, db_exec, a
 * COPY, COMMIT), in the same round trip. A sent write that failed fails
 * that statement with the write's error (the transaction is aborted, as
 * it would have been at once), and db_failed_what says what the write
 * was doing (what, copied). 0 or -1; the caller still resets st.
 */
int		 db_send(struct db_stmt *st, const char *what);
int		 db_exec_send(struct db_conn *c, const char *sql,
		    const char *what);
/* The `what` of the sent write whose failure is the last error, or NULL. */
const char	*db_failed_what(const struct db_conn *c);

/*
 * Transactions. begin(write): SQLite takes the write lock now (BEGIN
 * IMMEDIATE; DB_E_BUSY when another writer holds it), PostgreSQL opens a
 * READ COMMITTED transaction. 0 or -1.
 */
int		 db_begin(struct db_conn *c, bool write);
int		 db_commit(struct db_conn *c);
int		 db_rollback(struct db_conn *c);
/* Savepoints inside a transaction; name is an SQL identifier. 0 or -1. */
int		 db_savepoint(struct db_conn *c, const char *name);
int		 db_release(struct db_conn *c, const char *name);
int		 db_rollback_to(struct db_conn *c, const char *name);
enum db_tx	 db_tx_state(struct db_conn *c);

/*
 * After DB_E_CONNECTION: connect again to the same target (PostgreSQL; a
 * no-op on SQLite). The lost transaction is gone; prepared statements
 * stay valid (prepared again on their next step). 0 or -1.
 */
int		 db_reconnect(struct db_conn *c);

/*
 * The id the last INSERT gave its row (SQLite's rowid; PostgreSQL's
 * lastval(), a round trip, for an identity column); -1 on error. Cheaper
 * on SQLite than INSERT ... RETURNING, whose ephemeral table costs ~50,000
 * instructions a row.
 */
int64_t		 db_last_insert_id(struct db_conn *c);

/*
 * A number that moves when another connection has committed since the
 * last call, for a reader that re-reads only then: SQLite's PRAGMA
 * data_version; on PostgreSQL the count of notifications received so far
 * on the channels c listens to (db_pg_listen; writers notify in every
 * write transaction, delivered at its commit), taken without waiting.
 * -1 on error.
 */
int64_t		 db_data_version(struct db_conn *c);

/* Rows inserted, updated or deleted by the last statement stepped. */
int64_t		 db_changes(struct db_conn *c);

/* The last error of c (DB_E_NONE after a success). */
enum db_error	 db_error(const struct db_conn *c);
/* The last error's message, password masked ("" if none). */
const char	*db_errmsg(const struct db_conn *c);

/* Catalog: 1 yes, 0 no, -1 error. */
int		 db_table_exists(struct db_conn *c, const char *table);
int		 db_column_exists(struct db_conn *c, const char *table,
		    const char *column);

#endif
