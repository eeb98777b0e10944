/*
 * Retention in the ingest pipeline. After each commit of ingest's own
 * work (and once at start), one small transaction deletes what is past
 * the retention periods and commits at once:
 *  - --retain-rows: at most flush_rows raw rows of batches that are
 *    judged, whose labels are final (fully labelled, or closed longer
 *    ago than --label-ttl) and whose newest row's event time (else log
 *    time) is older than retain_rows (store_prune_rows);
 *  - --retain-reports: at most flush_rows / 4 reports written and as
 *    many alerts decided longer ago than retain_reports, never a pending
 *    page or an open condition's (store_prune_reports); a report is
 *    about four rows' bytes, so the transaction stays about a flush.
 * So a prune never holds the write lock much longer than a flush, and
 * the store's freed pages are reused by the rows that follow.
 */
#include <stdlib.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "db/store.h"
#include "ingest/config.h"
#include "ingest/pipeline-internal.h"

/* Reports and alerts per transaction, for flush_rows rows. */
static size_t
retain_reports_max(size_t flush_rows)
{
	return flush_rows / 4 > 0 ? flush_rows / 4 : 1;
}

int
pl_retain(struct pipeline *p, char **cause)
{
	const struct ingest_config	*c = p->cfg;
	size_t				 rows = 0, batches = 0;
	size_t				 reports = 0, alerts = 0;
	double				 now;
	char				*why = NULL;

	if ((c->retain_rows_us == 0 && c->retain_reports_us == 0) || p->dead)
		return 0;
	now = clock_wall();
	if ((c->retain_rows_us > 0 && store_prune_rows(p->s,
	    now - (double)c->retain_rows_us / 1e6,
	    now - (double)c->label_ttl / 1e6, c->flush_rows, &rows,
	    &batches, &why) != 0) ||
	    (c->retain_reports_us > 0 && store_prune_reports(p->s,
	    now - (double)c->retain_reports_us / 1e6,
	    retain_reports_max(c->flush_rows), &reports, &alerts,
	    &why) != 0) ||
	    store_flush(p->s, &why) != 0) {
		store_discard(p->s);
		pl_fatal(cause, why, "pruning old rows and reports");
		return -1;
	}
	p->rollbacks = store_rollbacks(p->s);
	p->st.pruned_rows += rows;
	p->st.pruned_batches += batches;
	p->st.pruned_reports += reports;
	p->st.pruned_alerts += alerts;
	return 0;
}
