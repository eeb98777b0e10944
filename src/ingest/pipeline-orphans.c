/*
 * Batches whose writer is gone (PostgreSQL, docs/POSTGRES.md "A batch
 * whose writer died"). While a writer has a batch open it holds it in
 * the store (pipeline-hold.c: a lock of its database session, which the
 * server drops when the session ends, a kill -9 included), from the
 * batch's first row there to its close. Every --orphan-grace / 4 (0.1 to 5
 * s) a writer asks the store for its model's open batches that no live
 * session holds and that had no row for --orphan-grace (30 s by default),
 * and judges each one over its stored rows, under the same claim as any
 * close (store_batch_claim: once, whoever comes first). Rows of such a
 * batch that come later (its writer started again on its input) are late
 * rows, as for any judged batch: stored, counted as late, not judged.
 *
 * A windowed writer (--window) holds its open windows but does not look:
 * its own windows close by its window machine. Nothing on SQLite (one
 * writer at a time; a batch its dead writer left waits for that writer's
 * restart, whose replay judges it, or for an end_batch from any writer).
 */
#include "ingest/pipeline-internal.h"

#include <stdlib.h>

#include "core/clock.h"
#include "core/stop.h"
#include "ingest/config.h"

#define ORPHAN_CHECK_MIN_MS	100
#define ORPHAN_CHECK_MAX_MS	5000

/* This writer looks: PostgreSQL, batch ids, a grace, its reference. */
static bool
looking(const struct pipeline *p)
{
	return pl_holding(p) && p->win.spec.kind == WINDOW_NONE &&
	    p->cfg->orphan_grace > 0 && p->settled;
}

int
pl_orphans_tick(struct pipeline *p, char **cause)
{
	enum pipeline_result	 res = PIPELINE_OK;
	double			 grace = (double)p->cfg->orphan_grace / 1e6;
	int64_t			*ids = NULL;
	uint64_t		 judged;
	size_t			 n = 0, i;
	char			*why = NULL;

	if (!looking(p) || p->now < p->orphan_at || stop_requested())
		return 0;
	p->orphan_at = p->now + pl_quarter_ms(p->cfg->orphan_grace,
	    ORPHAN_CHECK_MIN_MS, ORPHAN_CHECK_MAX_MS);
	if (store_batches_orphaned(p->s, clock_wall() - grace, &ids, &n,
	    &why) != 0) {
		pl_fatal(cause, why, "looking for batches without a writer");
		return -1;
	}
	for (i = 0; i < n && res == PIPELINE_OK; i++) {
		if (p->open && ids[i] == p->batch)
			continue;	/* ours (a probe would not see it) */
		judged = p->pend.batches;
		res = pl_judge(p, ids[i], NULL, cause);
		if (res == PIPELINE_OK && p->pend.batches > judged)
			pl_warn(p, "judged batch %lld, which no live writer "
			    "holds (its writer is gone; no row for %.3g s)",
			    (long long)ids[i], grace);
	}
	free(ids);
	if (res == PIPELINE_FATAL)
		return -1;
	/* A stop cut a judgement short: recorded abandoned, for a start. */
	if (res == PIPELINE_STOP) {
		free(*cause);
		*cause = NULL;
	}
	return 0;
}

int64_t
pl_orphans_timeout(const struct pipeline *p, int64_t now_ms)
{
	if (!looking(p))
		return -1;
	return p->orphan_at > now_ms ? p->orphan_at - now_ms : 0;
}
