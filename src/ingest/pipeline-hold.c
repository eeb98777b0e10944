/*
 * The open batch held in the store while this writer has it open
 * (PostgreSQL: store_batch_hold, a shared lock of the database session,
 * dropped by the server when the session ends however it ends): from the
 * batch's first row here (pipeline.c) to its close (pipeline-monitors.c),
 * so that another writer of the model tells a batch with a live writer
 * from one whose writer is gone (pipeline-orphans.c). A batch judged
 * already is not held (its rows here are replays or late). A windowed
 * stream holds each window from its first new row here to its close
 * (pipeline-events.c). Nothing on SQLite.
 */
#include "ingest/pipeline-internal.h"

/* Batches are held here: PostgreSQL. */
bool
pl_holding(const struct pipeline *p)
{
	return !p->dead && store_holds_batches(p->s);
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

int
pl_hold_window(struct pipeline *p, int64_t batch, char **cause)
{
	char	*why = NULL;

	/* Rows mostly come to the window last held: no lookup then. */
	if (!pl_holding(p) || (p->win_held && batch == p->win_batch))
		return 0;
	if (store_batch_hold(p->s, batch, &why) != 0) {
		pl_fatal(cause, why, "opening a window");
		return -1;
	}
	p->win_held = true;
	p->win_batch = batch;
	return 0;
}

int
pl_release_window(struct pipeline *p, int64_t batch, char **cause)
{
	char	*why = NULL;

	if (p->win_held && batch == p->win_batch)
		p->win_held = false;
	if (store_batch_release(p->s, batch, &why) != 0) {
		pl_fatal(cause, why, "closing a window");
		return -1;
	}
	return 0;
}
