/*
 * What every connection has, whichever backend: its table of operations,
 * its name (the target with the password masked) and its last error. The
 * backends (driver-sqlite.c, driver-pg.c) and the front (driver.c) call
 * these; they call neither.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "db/db-target.h"
#include "db/driver-internal.h"

void
db_conn_init(struct db_conn *c, const struct db_ops *ops,
    enum db_backend backend, const char *name)
{
	c->ops = ops;
	c->backend = backend;
	c->name = db_target_redact(name);
	c->err = DB_E_NONE;
	c->errmsg = NULL;
	c->failed_what = NULL;
	c->notified = 0;
}

void
db_conn_finish(struct db_conn *c)
{
	free(c->name);
	free(c->errmsg);
	free(c->failed_what);
}

void
db_close(struct db_conn *c)
{
	if (c != NULL)
		c->ops->close(c);
}

void
db_set_error(struct db_conn *c, enum db_error err, const char *msg)
{
	c->err = err;
	free(c->failed_what);	/* a new error is no sent write's yet */
	c->failed_what = NULL;
	if (err == DB_E_NONE)
		return;
	free(c->errmsg);
	c->errmsg = xstrdup(msg != NULL && *msg != '\0' ? msg :
	    "unknown error");
}

enum db_backend
db_backend(const struct db_conn *c)
{
	return c->backend;
}

const char *
db_name(const struct db_conn *c)
{
	return c->name;
}

enum db_error
db_error(const struct db_conn *c)
{
	return c->err;
}

const char *
db_failed_what(const struct db_conn *c)
{
	return c->err == DB_E_NONE ? NULL : c->failed_what;
}

const char *
db_errmsg(const struct db_conn *c)
{
	return c->err == DB_E_NONE ? "" : c->errmsg;
}

bool
db_identifier_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > DB_IDENTIFIER_MAX || isdigit((unsigned char)name[0]))
		return false;
	for (i = 0; i < n; i++)
		if (!(isalnum((unsigned char)name[i]) || name[i] == '_'))
			return false;
	return true;
}
