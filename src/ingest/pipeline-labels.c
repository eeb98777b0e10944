/*
 * Labels landing on closed batches (docs/PROTOCOL.md, "Partial labels").
 *
 * A batch's performance report is first computed when its labelled share
 * reaches --min-label-coverage (core's monitor_coverage_reached decides;
 * 1.0, every row, by default): at once, in arrival order, which is when
 * the detectors are fed it (once per batch). Labels landing on a batch
 * that has its report recompute it, so the stored report always holds
 * every label so far; a recompute replaces the batch's evaluation for the
 * alert rules instead of adding one. Recomputes wait for the commit: a
 * labeler's hundred labels on one batch between two commits recompute it
 * once, in the transaction that stores them. A batch whose coverage
 * never reaches the minimum is judged on the labels it has once it has
 * been closed for --label-ttl; later labels recompute it like any other.
 *
 * The TTL sweep (held labels past --label-ttl dropped and counted, closed
 * batches past it judged) runs on the ingest's clock: before a commit and
 * at an idle tick, whichever comes first once it is due (every quarter of
 * the TTL, at most once a minute), so a quiet stream (--follow on a log
 * with no new lines) expires and judges too. What it writes is committed
 * like any work, within the flush interval.
 */
#include "ingest/pipeline-internal.h"

#include <stdint.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/report-json.h"
#include "db/store.h"
#include "ingest/config.h"

#define TTL_SWEEP_MS	60000	/* at most between two TTL sweeps */
#define TTL_SWEEP_MIN_MS 100	/* at least */
#define US_PER_S	1000000.0

/* Add batch to the recomputes of the next commit (once). */
static void
rejudge_add(struct pipeline *p, int64_t batch)
{
	size_t	i;

	for (i = 0; i < p->n_rejudge; i++)
		if (p->rejudge[i] == batch)
			return;
	if (p->n_rejudge == p->rejudge_cap) {
		p->rejudge_cap = p->rejudge_cap ? 2 * p->rejudge_cap : 16;
		p->rejudge = xreallocarray(p->rejudge, p->rejudge_cap,
		    sizeof *p->rejudge);
	}
	p->rejudge[p->n_rejudge++] = batch;
	pl_mark_dirty(p);
}

int
pl_labels_landed(struct pipeline *p, int64_t batch, char **cause)
{
	char	*text = NULL, *why = NULL;
	int	 rc;

	rc = store_report_get(p->s, batch, REPORT_TYPE_PERFORMANCE, &text,
	    &why);
	free(text);
	if (rc < 0) {
		pl_fatal(cause, why, "reading a performance report");
		return -1;
	}
	if (rc == 0) {
		rejudge_add(p, batch);
		return 0;
	}
	/* No report yet: the first once the coverage is reached, now. */
	return pl_run_stored(p, batch, PL_RUN_LABELS, cause) < 0 ? -1 : 0;
}

/* Drop the held labels past the TTL, counted in the store. */
static int
expire_held(struct pipeline *p, char **cause)
{
	int64_t	 expired = 0;
	char	*why = NULL;

	if (store_pending_expire(p->s, (double)p->cfg->label_ttl / US_PER_S,
	    &expired, &why) != 0) {
		pl_fatal(cause, why, "dropping expired labels");
		return -1;
	}
	if (expired == 0)
		return 0;
	pl_mark_dirty(p);
	pl_warn(p, "%lld held labels expired (no prediction with their id "
	    "arrived within the label TTL)", (long long)expired);
	return 0;
}

/*
 * When due: drop the held labels past the TTL and judge the batches past
 * it that have no report. Nothing is written when nothing is due.
 */
static int
ttl_sweep(struct pipeline *p, char **cause)
{
	int64_t	*ids = NULL;
	size_t	 n = 0, i;
	char	*why = NULL;
	int	 rc = 0;

	if (p->now < p->ttl_sweep_at)
		return 0;
	p->ttl_sweep_at = p->now + pl_quarter_ms(p->cfg->label_ttl,
	    TTL_SWEEP_MIN_MS, TTL_SWEEP_MS);
	if (expire_held(p, cause) != 0)
		return -1;
	if (store_batches_past_ttl(p->s, clock_wall() -
	    (double)p->cfg->label_ttl / US_PER_S, &ids, &n, &why) != 0) {
		pl_fatal(cause, why, "looking for batches past the label TTL");
		return -1;
	}
	/* A report stored marks the work dirty: committed like any. */
	for (i = 0; i < n && rc == 0; i++)
		if (pl_run_stored(p, ids[i], PL_RUN_TTL, cause) < 0)
			rc = -1;
	free(ids);
	return rc;
}

int
pl_labels_commit(struct pipeline *p, char **cause)
{
	size_t	i;

	for (i = 0; i < p->n_rejudge; i++)
		if (pl_run_stored(p, p->rejudge[i], PL_RUN_LABELS, cause) < 0)
			return -1;
	p->n_rejudge = 0;
	return ttl_sweep(p, cause);
}

int
pl_labels_tick(struct pipeline *p, char **cause)
{
	return ttl_sweep(p, cause);
}

int64_t
pl_labels_timeout(const struct pipeline *p, int64_t now_ms)
{
	return p->ttl_sweep_at > now_ms ? p->ttl_sweep_at - now_ms : 0;
}

void
pl_labels_finish(struct pipeline *p)
{
	free(p->rejudge);
	p->rejudge = NULL;
	p->n_rejudge = p->rejudge_cap = 0;
}
