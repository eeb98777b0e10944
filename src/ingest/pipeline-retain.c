/*
 * Retention in the ingest pipeline (--retain-rows): after each commit of
 * ingest's own work, one small transaction deletes at most flush_rows raw
 * rows of batches that are judged, fully labelled and closed longer ago
 * than retain_rows (store_prune_rows), and commits at once. So a prune
 * never holds the write lock longer than a flush of as many rows, and the
 * store's freed pages are reused by the rows that follow.
 */
#include <stdlib.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "db/store.h"
#include "ingest/config.h"
#include "ingest/pipeline-internal.h"

int
pl_retain(struct pipeline *p, char **cause)
{
	size_t		 rows, batches;
	double		 cutoff;
	char		*why = NULL;

	if (p->cfg->retain_rows_us == 0 || p->dead)
		return 0;
	cutoff = clock_wall() - (double)p->cfg->retain_rows_us / 1e6;
	if (store_prune_rows(p->s, cutoff, p->cfg->flush_rows, &rows,
	    &batches, &why) != 0 || store_flush(p->s, &why) != 0) {
		store_discard(p->s);
		pl_fatal(cause, why, "pruning old rows");
		return -1;
	}
	p->rollbacks = store_rollbacks(p->s);
	p->st.pruned_rows += rows;
	p->st.pruned_batches += batches;
	return 0;
}
