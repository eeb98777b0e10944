/*
 * Between driver-pg.c (statements) and driver-pg-stream.c (notifications,
 * COPY): the libpq connection behind a driver connection and the one way
 * a libpq failure becomes the connection's error. Only these two files
 * include it.
 */
#ifndef MLMON_DB_DRIVER_PG_INTERNAL_H
#define MLMON_DB_DRIVER_PG_INTERNAL_H

#include <libpq-fe.h>

#include "db/driver-internal.h"

/* c's libpq connection; NULL, with c's error set, if c is SQLite. */
PGconn		*db_pg_conn(struct db_conn *c);
/* Record the failure res (NULL: the connection) reports, masked. */
void		 db_pg_fail(struct db_conn *c, const PGresult *res);

#endif
