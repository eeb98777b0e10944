/*
 * The open batch held in the store while this writer has it open
 * (PostgreSQL: store_batch_hold, a shared lock of the database session,
 * dropped by the server when the session ends however it ends): from the
 * batch's first row here (pipeline.c) to its close (pipeline-monitors.c),
 * so that another writer of the model tells a batch with a live writer
 * from one whose writer is gone (pipeline-orphans.c). A batch judged
 * already is not held (its rows here are replays or late). Nothing on
 * SQLite, nothing for windowed streams.
 */
#include "ingest/pipeline-internal.h"

/* Batches are held and taken over here: PostgreSQL, batch ids. */
bool
pl_holding(const struct pipeline *p)
{
	return !p->dead && p->win.spec.kind == WINDOW_NONE &&
	    store_holds_batches(p->s);
}

int
pl_hold_open(struct pipeline *p, char **cause)
{
	char	*why = NULL;

	if (!pl_holding(p) || p->was == STORE_BATCH_CLOSED)
		return 0;
	if (store_batch_hold(p->s, p->batch, &why) != 0) {
		pl_fatal(cause, why, "opening a batch");
		return -1;
	}
	p->held = true;
	return 0;
}

int
pl_hold_close(struct pipeline *p, char **cause)
{
	char	*why = NULL;

	if (!p->held)
		return 0;
	p->held = false;
	if (store_batch_release(p->s, p->batch, &why) != 0) {
		pl_fatal(cause, why, "closing a batch");
		return -1;
	}
	return 0;
}
