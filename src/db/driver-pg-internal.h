/*
 * Between driver-pg.c (statements), driver-pg-column.c (their rows),
 * driver-pg-stream.c (notifications), driver-pg-copy.c (COPY) and
 * driver-pg-pipe.c (writes sent without waiting): a statement, the libpq
 * connection behind a driver connection, the one way a libpq failure
 * becomes the connection's error, the COPY under way and the pipeline of
 * sent writes. Only these five files include it.
 */
#ifndef MLMON_DB_DRIVER_PG_INTERNAL_H
#define MLMON_DB_DRIVER_PG_INTERNAL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/driver-internal.h"

/* A prepared statement on a PostgreSQL connection (driver-pg.c). */
struct pg_param {
	const char	*val;		/* NULL: SQL NULL */
	char		*owned;		/* a copied text */
	char		 num[32];	/* a number's text */
};

struct pgdb_stmt {
	struct db_stmt	 base;
	char		*sql;		/* as given */
	char		*text;		/* translated, for re-preparing */
	char		**names;	/* of the named parameters, or NULL */
	unsigned	 session;	/* prepared in this session */
	char		 name[24];
	int		 nparams;
	struct pg_param	*params;	/* nparams */
	const char	**vals;		/* nparams, for PQexecPrepared */
	PGresult	*res;		/* NULL until the first step */
	int		 row;		/* current row of res */
};

/*
 * driver-pg-column.c: the columns of st's current row (the driver's
 * column operations).
 */
int		 pg_column_count(struct db_stmt *st);
bool		 pg_column_null(struct db_stmt *st, int i);
double		 pg_column_double(struct db_stmt *st, int i);
int64_t		 pg_column_int64(struct db_stmt *st, int i);
const char	*pg_column_text(struct db_stmt *st, int i);
size_t		 pg_column_bytes(struct db_stmt *st, int i);

/*
 * driver-pg-copy.c: the COPY under way on a connection (open), in binary
 * or text format, and its rows not yet handed to libpq (buf, len bytes
 * of cap; owned). Kept in the connection (pg_copy_state), freed at
 * close, emptied at a reconnect (pg_copy_reset).
 */
struct pg_copy {
	bool		 open;
	bool		 binary;
	long long	 rows;		/* sent in this COPY */
	char		*buf;
	size_t		 len, cap;
};
struct pg_copy	*pg_copy_state(struct db_conn *c);
void		 pg_copy_reset(struct pg_copy *cp, bool free_buf);

/* c's libpq connection; NULL, with c's error set, if c is SQLite. */
PGconn		*db_pg_conn(struct db_conn *c);
/* Record the failure res (NULL: the connection) reports, masked. */
void		 db_pg_fail(struct db_conn *c, const PGresult *res);

/*
 * driver-pg-pipe.c (libpq only): statements sent in libpq's pipeline mode
 * whose results are read at its end (db_send). what[i] says what
 * statement i was doing (copied; NULL for the one statement whose result
 * the caller takes, sent last).
 */
struct pg_pipe {
	char		**what;
	size_t		  n, cap;
	bool		  broken;	/* lost after every answer came */
	PGresult	 *broken_res;	/* what said so (or NULL) */
};

/*
 * Send a prepared statement (name, n text parameters vals) or, with name
 * NULL, sql without parameters (one statement), entering pipeline mode.
 * 0, or -1: the connection failed (PQerrorMessage says why).
 */
int		 pg_pipe_send(struct pg_pipe *p, PGconn *pq, const char *name,
		    const char *sql, int n, const char *const *vals,
		    const char *what);
/*
 * End the pipeline (if any): sync, read every result, leave pipeline
 * mode. last NULL: every statement sent was a write; else the last one
 * sent (what NULL) is the caller's and *last its result. 0, or -1 with
 * the first failed result in *bad (NULL: the connection) and what that
 * statement was doing in *what (the caller's to free; NULL if unknown or
 * the caller's own statement).
 */
int		 pg_pipe_end(struct pg_pipe *p, PGconn *pq, PGresult **last,
		    PGresult **bad, char **what);
/*
 * Forget what was sent and leave pipeline mode (pq NULL: mode kept; the
 * broken state is kept too, until pg_pipe_end reports it or a reconnect
 * clears it: pg_pipe_reset).
 */
void		 pg_pipe_drop(struct pg_pipe *p, PGconn *pq);
void		 pg_pipe_reset(struct pg_pipe *p);
/* Statements sent and not yet read. */
size_t		 pg_pipe_pending(const struct pg_pipe *p);
/* c's pipeline ended, for a call that needs the connection idle. */
int		 db_pg_settle(struct db_conn *c);

#endif
