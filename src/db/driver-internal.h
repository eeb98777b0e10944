/*
 * Between driver.c and its two backends (driver-sqlite.c, driver-pg.c):
 * the table of operations each backend fills, and the part of a
 * connection and a statement every backend shares (the first member of
 * the backend's own struct). Also the translation of ? placeholders into
 * PostgreSQL's $n (driver-sql.c), kept apart so that it is tested without
 * a server.
 */
#ifndef MLMON_DB_DRIVER_INTERNAL_H
#define MLMON_DB_DRIVER_INTERNAL_H

#include "db/driver.h"

struct db_ops {
	struct db_stmt	*(*prepare)(struct db_conn *, const char *, int);
	void		 (*finalize)(struct db_stmt *);
	const char	*(*stmt_sql)(const struct db_stmt *);
	int		 (*bind_int64)(struct db_stmt *, int, int64_t);
	int		 (*bind_double)(struct db_stmt *, int, double);
	int		 (*bind_text)(struct db_stmt *, int, const char *, int,
			    enum db_text_life);
	int		 (*bind_null)(struct db_stmt *, int);
	int		 (*bind_parameter_index)(struct db_stmt *,
			    const char *);
	void		 (*clear_bindings)(struct db_stmt *);
	int		 (*step)(struct db_stmt *);
	/* NULL: db_send steps (SQLite); else sends (PostgreSQL). */
	int		 (*send)(struct db_stmt *, const char *);
	int		 (*exec_send)(struct db_conn *, const char *,
			    const char *);
	void		 (*reset)(struct db_stmt *);
	int		 (*column_count)(struct db_stmt *);
	bool		 (*column_null)(struct db_stmt *, int);
	int64_t		 (*column_int64)(struct db_stmt *, int);
	double		 (*column_double)(struct db_stmt *, int);
	const char	*(*column_text)(struct db_stmt *, int);
	size_t		 (*column_bytes)(struct db_stmt *, int);
	int		 (*exec)(struct db_conn *, const char *);
	enum db_tx	 (*tx_state)(struct db_conn *);
	int64_t		 (*changes)(struct db_conn *);
	int64_t		 (*last_insert_id)(struct db_conn *);
	int		 (*table_exists)(struct db_conn *, const char *);
	int		 (*column_exists)(struct db_conn *, const char *,
			    const char *);
	int		 (*reconnect)(struct db_conn *);
	void		 (*close)(struct db_conn *);
};

struct db_conn {
	const struct db_ops	*ops;
	enum db_backend		 backend;
	char			*name;		/* password masked, owned */
	enum db_error		 err;
	char			*errmsg;	/* owned; valid if err */
	char			*failed_what;	/* owned: the sent write that
						   failed (db_failed_what) */
	int64_t			 notified;	/* PostgreSQL: notifications
						   received, db_data_version */
};

struct db_stmt {
	const struct db_ops	*ops;
	struct db_conn		*conn;
};

/* The backends' open: *cause names the target by its masked name. */
struct db_conn	*db_sqlite_open(const char *path, enum db_open_mode mode,
		    char **cause);
struct db_conn	*db_pg_open(const char *target, enum db_open_mode mode,
		    char **cause);

/* Record the last error of c (msg copied); DB_E_NONE clears it. */
void		 db_set_error(struct db_conn *c, enum db_error err,
		    const char *msg);
/* name is a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*, bounded). */
#define DB_IDENTIFIER_MAX	48
bool		 db_identifier_ok(const char *name);
/* Set up and tear down the shared part. */
void		 db_conn_init(struct db_conn *c, const struct db_ops *ops,
		    enum db_backend backend, const char *name);
void		 db_conn_finish(struct db_conn *c);

/*
 * driver-sql.c. Caller frees. sql with SQLite's placeholders ("?", "?N",
 * ":name", "@name", "$name") rewritten as PostgreSQL's "$N", numbered as
 * SQLite numbers them ("?" and a new name take one more than the largest
 * number so far), leaving quoted strings, quoted names and comments
 * alone. *nparams is the largest number; *names NULL, or for each number
 * (index number - 1) its name with the prefix ("" unnamed: NULL), freed
 * with db_sql_names_free. NULL and *cause for a number out of range.
 */
char		*db_sql_to_pg(const char *sql, int *nparams, char ***names,
		    char **cause);
void		 db_sql_names_free(char **names, int n);

#endif
