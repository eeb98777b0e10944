/*
 * What only the PostgreSQL backend has, for the PostgreSQL-only parts of
 * src/db: notifications (the console wakes when a writer commits, instead
 * of polling PRAGMA data_version) and COPY (a flush's rows in one
 * stream, in text or binary format). Each returns -1 with the
 * connection's error (db_error, db_errmsg) when c is not a PostgreSQL
 * connection or the server fails.
 */
#ifndef MLMON_DB_DRIVER_PG_H
#define MLMON_DB_DRIVER_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/driver.h"

/*
 * Whether c is a PostgreSQL connection that is gone (the server ended it
 * or went away): whatever its open transaction held is not committed, and
 * nothing works on it until db_reconnect. False for SQLite.
 */
bool		 db_pg_lost(struct db_conn *c);

/* LISTEN channel (an SQL identifier). 0 or -1. */
int		 db_pg_listen(struct db_conn *c, const char *channel);

/*
 * Wait up to timeout_ms for a notification on a channel listened to; a
 * notification already received counts at once. 1 (one or more arrived,
 * all consumed), 0 (none in time), -1 (error, e.g. connection lost).
 */
int		 db_pg_wait(struct db_conn *c, int timeout_ms);

/*
 * The connection's socket, for a caller polling it beside its own
 * descriptors: readable when the server sent something (a notification:
 * db_pg_wait(c, 0) or db_data_version takes it). -1 on error.
 */
int		 db_pg_socket(struct db_conn *c);

/*
 * COPY table (columns) FROM STDIN in text format: start it, send rows,
 * end it (the rows are in the transaction then, or in their own if none
 * is open). A row is ncols values, NULL for SQL NULL; values are escaped
 * here. 0 or -1; after a failed row, end reports the error.
 */
int		 db_pg_copy_begin(struct db_conn *c, const char *table,
		    const char *columns);
int		 db_pg_copy_row(struct db_conn *c, const char *const *values,
		    size_t ncols);
int		 db_pg_copy_end(struct db_conn *c);

/*
 * The same in PostgreSQL's binary format (driver-pg-copy.c): a row is
 * ncols values, each typed by the caller as its column is (an INT8 to a
 * BIGINT column, a FLOAT8 to DOUBLE PRECISION, a TEXT to TEXT; NULL, a
 * NULL text or a NaN double for SQL NULL), sent as their bytes: nothing
 * printed, escaped or parsed. A double is stored as db_pg_double_text's
 * text would store it. db_pg_copy_end ends either format; a row of the
 * other format is refused. 0 or -1.
 */
enum db_copy_type {
	DB_COPY_NULL,
	DB_COPY_INT8,
	DB_COPY_FLOAT8,
	DB_COPY_TEXT
};
struct db_copy_value {
	enum db_copy_type type;
	union {
		int64_t		 i;
		double		 d;
		const char	*s;	/* NUL-terminated; borrowed */
	} v;
};
int		 db_pg_copy_begin_binary(struct db_conn *c,
		    const char *table, const char *columns);
int		 db_pg_copy_tuple(struct db_conn *c,
		    const struct db_copy_value *values, size_t ncols);

/*
 * v as a parameter or COPY value holds it: the shortest round-trip text
 * (store_format_double), -0.0 as 0, +-Infinity; NULL (SQL NULL) for a
 * NaN, as SQLite stores one. buf is 32 bytes at least; returns buf or
 * NULL.
 */
const char	*db_pg_double_text(char *buf, size_t size, double v);

#endif
