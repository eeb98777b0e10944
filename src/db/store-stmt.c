/*
 * The store's statements through the driver (driver.h): the cache of
 * prepared statements keyed by their SQL literal, stepping one that
 * returns no rows, and the driver's last error worded as store_error words
 * SQLite's. A file of src/db moved onto the driver (docs/POSTGRES.md) uses
 * these instead of store_prepare and store_step_done; :model is bound
 * here as store_prepare binds it.
 */
#include "db/store-internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* :model, as store_prepare binds it. */
static void
store_stmt_bind_model(struct store *s, struct db_stmt *st)
{
	int i;

	if ((i = db_bind_parameter_index(st, ":model")) != 0)
		db_bind_int64(st, i, store_model_param(s));
}

struct db_stmt *
store_stmt(struct store *s, const char *sql, char **cause)
{
	struct store_cached_dstmt *c;
	struct db_stmt *st;
	size_t i;

	/* By pointer first (literals), then by text. */
	for (i = 0; i < s->n_dcache; i++)
		if (s->dcache[i].sql == sql)
			break;
	if (i == s->n_dcache) {
		for (i = 0; i < s->n_dcache; i++)
			if (strcmp(db_stmt_sql(s->dcache[i].stmt), sql) == 0)
				break;
	}
	if (i < s->n_dcache) {
		c = &s->dcache[i];
		db_reset(c->stmt);
		db_clear_bindings(c->stmt);
		store_stmt_bind_model(s, c->stmt);
		return c->stmt;
	}
	st = db_prepare(s->conn, sql, DB_PREPARE_PERSISTENT);
	if (st == NULL) {
		*cause = store_db_error(s, "preparing a statement");
		return NULL;
	}
	store_stmt_bind_model(s, st);
	if (s->n_dcache == s->cap_dcache) {
		s->cap_dcache = s->cap_dcache == 0 ? 32 : 2 * s->cap_dcache;
		s->dcache = xreallocarray(s->dcache, s->cap_dcache,
		    sizeof *s->dcache);
	}
	s->dcache[s->n_dcache].sql = sql;
	s->dcache[s->n_dcache].stmt = st;
	s->n_dcache++;
	return st;
}

int
store_stmt_done(struct store *s, struct db_stmt *st, const char *what,
    char **cause)
{
	if (db_step(st) == DB_ERROR) {
		db_reset(st);
		*cause = store_db_error(s, what);
		return -1;
	}
	db_reset(st);
	return 0;
}

char *
store_db_error(struct store *s, const char *what)
{
	return store_error_msg(s, db_errmsg(s->conn), what);
}

void
store_stmt_finish(struct store *s)
{
	size_t i;

	for (i = 0; i < s->n_dcache; i++)
		db_finalize(s->dcache[i].stmt);
	free(s->dcache);
	s->dcache = NULL;
	s->n_dcache = s->cap_dcache = 0;
}
