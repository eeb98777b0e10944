/*
 * libpq's pipeline mode for the writes nobody reads back (db_send): each
 * is sent at once and not waited for; the next statement whose answer
 * the caller needs (a read, a command, COMMIT) goes after them in the
 * same pipeline, and one sync reads every result in one round trip. A
 * judgement's reports, ledger columns, detector state and alert rows so
 * cost no round trip of their own.
 *
 * Errors stay those of a statement run alone: the first failed statement
 * aborts the transaction (the server skips the rest of the pipeline up to
 * the sync: PGRES_PIPELINE_ABORTED), and its result and what it was doing
 * go back to driver-pg.c, which makes them the connection's error and
 * db_failed_what, so the store names the write. A lost connection fails
 * the sync (no result: the caller records the connection's error); PQreset
 * leaves pipeline mode. This file knows libpq only.
 */
#include "db/driver-pg-internal.h"

#include <stdbool.h>
#include <stdlib.h>

#include "core/xalloc.h"

size_t
pg_pipe_pending(const struct pg_pipe *p)
{
	return p->n;
}

void
pg_pipe_drop(struct pg_pipe *p, PGconn *pq)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->what[i]);
	free(p->what);
	p->what = NULL;
	p->n = p->cap = 0;
	if (pq != NULL && PQpipelineStatus(pq) != PQ_PIPELINE_OFF)
		(void)PQexitPipelineMode(pq);	/* fails if results wait */
}

void
pg_pipe_reset(struct pg_pipe *p)
{
	pg_pipe_drop(p, NULL);
	PQclear(p->broken_res);
	p->broken_res = NULL;
	p->broken = false;
}

int
pg_pipe_send(struct pg_pipe *p, PGconn *pq, const char *name,
    const char *sql, int n, const char *const *vals, const char *what)
{
	int ok;

	if (PQpipelineStatus(pq) == PQ_PIPELINE_OFF &&
	    PQenterPipelineMode(pq) != 1)
		return -1;
	if (name != NULL)
		ok = PQsendQueryPrepared(pq, name, n, vals, NULL, NULL, 0);
	else
		ok = PQsendQueryParams(pq, sql, 0, NULL, NULL, NULL, NULL, 0);
	if (ok != 1)
		return -1;
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
 * failure, -1 failed (the first failure into *bad, its what into *what),
 * -2 no result (the connection).
 */
static int
pipe_result(struct pg_pipe *p, PGconn *pq, size_t i, PGresult **keep,
    PGresult **bad, char **what)
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
		if (*bad == NULL) {
			*bad = res;
			res = NULL;
			*what = p->what[i];
			p->what[i] = NULL;
		}
	}
	PQclear(res);
	while ((res = PQgetResult(pq)) != NULL)
		PQclear(res);
	return rc;
}

int
pg_pipe_end(struct pg_pipe *p, PGconn *pq, PGresult **last, PGresult **bad,
    char **what)
{
	PGresult *res;
	bool gone = false;
	size_t i;

	*bad = NULL;
	*what = NULL;
	if (last != NULL)
		*last = NULL;
	if (p->broken) {
		/* Answered, then the connection went: say so now. */
		*bad = p->broken_res;
		p->broken_res = NULL;
		p->broken = false;
		pg_pipe_drop(p, NULL);
		return -1;
	}
	if (PQpipelineStatus(pq) == PQ_PIPELINE_OFF) {
		pg_pipe_drop(p, NULL);
		return 0;
	}
	if (PQpipelineSync(pq) != 1)
		gone = true;
	for (i = 0; !gone && i < p->n; i++) {
		if (pipe_result(p, pq, i, last != NULL && i == p->n - 1 ?
		    last : NULL, bad, what) == -2) {
			gone = true;
			break;
		}
	}
	if (!gone) {
		res = PQgetResult(pq);
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC &&
		    PQexitPipelineMode(pq) == 1) {
			PQclear(res);
		} else if (*bad == NULL) {
			/*
			 * Every statement answered, the connection lost before
			 * the sync (a server shutting down after a COMMIT it
			 * ran): what they did stands, a COMMIT committed. The
			 * next call says the connection is lost.
			 */
			p->broken = true;
			p->broken_res = res;
		} else {
			gone = true;
			PQclear(res);
		}
	}
	if (gone && *bad == NULL && i < p->n) {
		/* The connection: name the first statement not answered. */
		*what = p->what[i];
		p->what[i] = NULL;
	}
	pg_pipe_drop(p, NULL);
	if ((gone || *bad != NULL) && last != NULL && *last != NULL) {
		PQclear(*last);
		*last = NULL;
	}
	return gone || *bad != NULL ? -1 : 0;
}
