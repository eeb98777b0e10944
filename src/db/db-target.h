/*
 * What a --db argument names: a PostgreSQL database (a URI, or a libpq
 * key=value connection string) or, for anything else, a SQLite file. And
 * the argument as it may be shown: every password replaced by "***".
 * Pure text functions apart from libpq's list of connection keywords;
 * nothing here connects.
 */
#ifndef MLMON_DB_DB_TARGET_H
#define MLMON_DB_DB_TARGET_H

#include <stdbool.h>

enum db_target_kind {
	DB_TARGET_SQLITE,	/* a path (the default) */
	DB_TARGET_PG_URI,	/* postgresql://... or postgres://... */
	DB_TARGET_PG_CONNINFO,	/* "host=... dbname=..." */
};

/*
 * The kind of arg. A URI starts with postgresql:// or postgres://; a
 * connection string's first word is `keyword =` with a keyword libpq
 * knows (host, dbname, user, service, ...). A file whose name looks like
 * one is still reachable as ./NAME.
 */
enum db_target_kind	 db_target_kind(const char *arg);

/* True for both PostgreSQL kinds. */
bool			 db_target_is_pg(const char *arg);

/*
 * Caller frees. arg with the value of every password (the URI's
 * user:PASSWORD@, a password= parameter or key, a connection string nested
 * in dbname=) replaced by "***"; a SQLite path comes back unchanged.
 */
char			*db_target_redact(const char *arg);

/*
 * Caller frees. msg with every password of arg (as written, and
 * percent-decoded for a URI) replaced by "***": for messages that libpq or
 * the server built from the argument.
 */
char			*db_target_scrub(const char *arg, const char *msg);

#endif
