/*
 * What only the SQLite backend has, for the parts of src/db that are
 * SQLite-specific by nature (busy handler and fair turns, the rollback
 * hook, file identity, PRAGMA data_version, WAL setup): the sqlite3
 * handle of a SQLite connection, and the full result code of its last
 * failure. Both are NULL / 0 for a PostgreSQL connection.
 */
#ifndef MLMON_DB_DRIVER_SQLITE_H
#define MLMON_DB_DRIVER_SQLITE_H

#include "db/driver.h"

struct sqlite3;

struct sqlite3	*db_sqlite_handle(struct db_conn *c);
int		 db_sqlite_rc(const struct db_conn *c);

#endif
