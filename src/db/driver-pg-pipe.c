/*
 * libpq's pipeline mode for the writes nobody reads back (db_send): each
 * is sent at once and not waited for; the next statement whose answer
 * the caller needs (a read, a command, COMMIT) goes after them in the
 * same pipeline, and one sync reads every result in one round trip. A
 * judgement's reports, ledger columns, detector state and alert rows
 * (about 25 statements per batch) so cost no round trip of their own.
 *
 * Errors stay those of a statement run alone: the first failed statement
 * aborts the transaction (the server skips the rest of the pipeline up to
 * the sync: PGRES_PIPELINE_ABORTED), its error (SQLSTATE, masked message)
 * becomes the connection's, and db_failed_what names what that write was
 * doing, so the store reports it by name. A lost connection fails the
 * sync; the connection is then gone (db_pg_lost) and PQreset leaves
 * pipeline mode. At most PG_PIPE_MAX statements wait: their results
 * (some 40 bytes each) stay far below the socket's buffer, so neither
 * side blocks writing while the other does.
 */
#include "db/driver-pg-internal.h"

#include <stdbool.h>
#include <stdlib.h>

#include "core/xalloc.h"

#define PG_PIPE_MAX	256

size_t
pg_pipe_pending(const struct pg_pipe *p)
{
	return p->n;
}

void
pg_pipe_drop(struct pg_pipe *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->what[i]);
	free(p->what);
	p->what = NULL;
	p->n = p->cap = 0;
}

/* Record that sending what failed (the connection), the pipeline gone. */
static int
pipe_lost(struct pg_pipe *p, struct db_conn *c, PGconn *pq,
    const char *what)
{
	db_pg_fail(c, NULL);
	if (what != NULL)
		c->failed_what = xstrdup(what);
	pg_pipe_drop(p);
	(void)PQexitPipelineMode(pq);
	return -1;
}

int
pg_pipe_send(struct pg_pipe *p, struct db_conn *c, const char *name,
    const char *sql, int n, const char *const *vals, const char *what)
{
	PGconn *pq = db_pg_conn(c);
	int ok;

	if (pq == NULL)
		return -1;
	if (p->n >= PG_PIPE_MAX && pg_pipe_end(p, c, NULL) == -1)
		return -1;
	if (PQpipelineStatus(pq) == PQ_PIPELINE_OFF &&
	    PQenterPipelineMode(pq) != 1)
		return pipe_lost(p, c, pq, what);
	if (name != NULL)
		ok = PQsendQueryPrepared(pq, name, n, vals, NULL, NULL, 0);
	else
		ok = PQsendQueryParams(pq, sql, 0, NULL, NULL, NULL, NULL, 0);
	if (ok != 1)
		return pipe_lost(p, c, pq, what);
	if (p->n == p->cap) {
		p->cap = p->cap == 0 ? 32 : 2 * p->cap;
		p->what = xreallocarray(p->what, p->cap, sizeof *p->what);
	}
	p->what[p->n++] = what != NULL ? xstrdup(what) : NULL;
	return 0;
}

/*
 * Read statement i's result (then the NULL that ends it): 0 success (the
 * result into *keep when keep is not NULL), 1 skipped after an earlier
 * failure, -1 failed (recorded unless *failed already), -2 no result (the
 * connection).
 */
static int
pipe_result(struct pg_pipe *p, struct db_conn *c, PGconn *pq, size_t i,
    PGresult **keep, bool *failed)
{
	PGresult *res;
	int rc;

	if ((res = PQgetResult(pq)) == NULL)
		return -2;
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		rc = 0;
		if (keep != NULL) {
			*keep = res;
			res = NULL;
		}
		break;
	case PGRES_PIPELINE_ABORTED:
		rc = 1;
		break;
	default:
		rc = -1;
		if (!*failed) {
			db_pg_fail(c, res);
			if (p->what[i] != NULL)
				c->failed_what = xstrdup(p->what[i]);
			*failed = true;
		}
	}
	PQclear(res);
	while ((res = PQgetResult(pq)) != NULL)
		PQclear(res);
	return rc;
}

int
pg_pipe_end(struct pg_pipe *p, struct db_conn *c, PGresult **last)
{
	PGconn *pq = db_pg_conn(c);
	PGresult *res;
	bool failed = false, gone = false;
	size_t i;

	if (last != NULL)
		*last = NULL;
	if (pq == NULL)
		return -1;
	if (PQpipelineStatus(pq) == PQ_PIPELINE_OFF) {
		pg_pipe_drop(p);
		return 0;
	}
	if (PQpipelineSync(pq) != 1)
		gone = true;
	for (i = 0; i < p->n; i++) {
		if (pipe_result(p, c, pq, i, last != NULL && i == p->n - 1 ?
		    last : NULL, &failed) == -2) {
			gone = true;
			break;
		}
	}
	if (!gone) {
		res = PQgetResult(pq);
		if (PQresultStatus(res) != PGRES_PIPELINE_SYNC)
			gone = true;
		PQclear(res);
	}
	if (!gone && PQexitPipelineMode(pq) != 1)
		gone = true;
	if (gone && !failed) {
		/* The connection: name the first write not answered. */
		db_pg_fail(c, NULL);
		if (i < p->n && p->what[i] != NULL)
			c->failed_what = xstrdup(p->what[i]);
		failed = true;
	}
	pg_pipe_drop(p);
	if (failed && last != NULL && *last != NULL) {
		PQclear(*last);
		*last = NULL;
	}
	return failed ? -1 : 0;
}
