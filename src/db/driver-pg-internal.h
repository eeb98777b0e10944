/*
 * Between driver-pg.c (statements), driver-pg-stream.c (notifications,
 * COPY) and driver-pg-pipe.c (writes sent without waiting): the libpq
 * connection behind a driver connection, the one way a libpq failure
 * becomes the connection's error, and the pipeline of sent writes. Only
 * these three files include it.
 */
#ifndef MLMON_DB_DRIVER_PG_INTERNAL_H
#define MLMON_DB_DRIVER_PG_INTERNAL_H

#include <libpq-fe.h>

#include "db/driver-internal.h"

/* c's libpq connection; NULL, with c's error set, if c is SQLite. */
PGconn		*db_pg_conn(struct db_conn *c);
/* Record the failure res (NULL: the connection) reports, masked. */
void		 db_pg_fail(struct db_conn *c, const PGresult *res);

/*
 * driver-pg-pipe.c: statements sent in libpq's pipeline mode whose
 * results are read at its end (db_send). what[i] says what statement i
 * was doing (copied; NULL for the one statement whose result the caller
 * takes, sent last).
 */
struct pg_pipe {
	char		**what;
	size_t		  n, cap;
};

/*
 * Send a prepared statement (name, n text parameters vals) or, with name
 * NULL, sql without parameters (one statement). 0, or -1 with c's error
 * (the pipeline is then given up: a send fails only on a lost
 * connection).
 */
int		 pg_pipe_send(struct pg_pipe *p, struct db_conn *c,
		    const char *name, const char *sql, int n,
		    const char *const *vals, const char *what);
/*
 * End the pipeline (if any): sync, read every result, leave pipeline
 * mode. last NULL: every statement sent was a write; else the last one
 * sent (what NULL) is the caller's and *last its result. 0, or -1 with
 * the first failure as c's error (db_failed_what names a write's).
 */
int		 pg_pipe_end(struct pg_pipe *p, struct db_conn *c,
		    PGresult **last);
/* Forget what was sent (the connection is gone or being reset). */
void		 pg_pipe_drop(struct pg_pipe *p);
/* Statements sent and not yet read. */
size_t		 pg_pipe_pending(const struct pg_pipe *p);
/* db_pg_settle: c's pipeline ended, for a call that needs it idle. */
int		 db_pg_settle(struct db_conn *c);

#endif
