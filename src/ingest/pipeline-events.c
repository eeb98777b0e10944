/*
 * Producers' events in the pipeline (docs/PROTOCOL.md, "id", "ts",
 * "--window", "label", "--follow"): a prediction's id and event time are
 * stored with it; a repeated id is a replay or a conflict; a stream
 * without batch ids is windowed (core/window.c decides, this file acts on
 * its decisions over stored rows); labels by id are applied or held; the
 * input position and windowing state go into every commit.
 *
 * A windowed batch never lives in the pipeline's in-memory open batch:
 * its rows are numbered in the store (next free row_in_batch, cached for
 * the current transaction only, since another writer may add rows between
 * transactions) and its monitors run over the stored rows when the window
 * machine closes it.
 */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "ingest/config.h"
#include "ingest/follow.h"
#include "ingest/pipeline-internal.h"

#define US_PER_MS	1000

/* The record's id as the store takes it. */
static void
event_id(const struct proto_record *r, struct store_event_id *id)
{
	id->text = r->id_kind == PROTO_ID_TEXT ? r->id_text : NULL;
	id->len = r->id_len;
	id->num = r->id_int;
}

/* Fill the event fields of sp from r. */
static void
fill(const struct proto_record *r, uint64_t lineno,
    struct store_event_id *id, struct store_prediction *sp)
{
	if (r->id_kind != PROTO_ID_NONE) {
		event_id(r, id);
		sp->event_id = id;
	} else
		sp->event_id = NULL;
	sp->has_event_ts = r->has_ts;
	sp->event_ts = r->ts;
	sp->line = (int64_t)lineno;
	sp->batch_given = r->has_batch;
}

/*
 * A label held for this id, if any (looked up only while the store holds
 * some): into sp->true_class unless the row brings its own. 1 held, 0
 * none, -1 error.
 */
static int
held_label(struct pipeline *p, struct store_prediction *sp, int *held,
    char **cause)
{
	if (sp->event_id == NULL)
		return 0;
	if (!p->held_known) {
		if (store_pending_any(p->s, &p->held_any, cause) != 0)
			return -1;
		p->held_known = true;
	}
	if (!p->held_any)
		return 0;
	return store_pending_take(p->s, sp->event_id, held, cause);
}

int
pl_event_row(struct pipeline *p, const struct proto_record *r,
    uint64_t lineno, int64_t batch, int64_t row, struct store_event_id *id,
    struct store_prediction *sp, char **cause)
{
	int	held, rc;
	char	*shown;

	memset(sp, 0, sizeof *sp);
	sp->batch_id = batch;
	sp->row_in_batch = row;
	sp->features_json = r->features_json;
	sp->scores_json = r->scores_json;
	sp->predicted_class = r->predicted_class;
	sp->confidence = r->confidence;
	sp->true_class = r->true_class;
	fill(r, lineno, id, sp);
	rc = held_label(p, sp, &held, cause);
	if (rc <= 0)
		return rc;
	if (sp->true_class < 0)
		sp->true_class = held;
	else if (sp->true_class != held) {
		shown = store_event_id_show(sp->event_id);
		pl_warn(p, "line %llu: the label held for id %s (%d) differs "
		    "from the prediction's true_class %d: kept %d",
		    (unsigned long long)lineno, shown, held, sp->true_class,
		    sp->true_class);
		free(shown);
	}
	return 0;
}

/*
 * Judge the batches the window machine closed, over their stored rows
 * (pl_judge: whoever claims a batch first judges it).
 */
static enum pipeline_result
take_closes(struct pipeline *p, char **cause)
{
	enum pipeline_result	res;
	int64_t			b;

	while (window_next_close(&p->win, &b)) {
		if (pl_release_window(p, b, cause) != 0)
			return PIPELINE_FATAL;
		if (store_batch_state(p->s, b) != STORE_BATCH_OPEN)
			continue;	/* judged by another writer, no rows */
		/* An idle close may come before this run's first record. */
		if (pl_reference_settle(p, cause) != 0)
			return PIPELINE_FATAL;
		if ((res = pl_judge(p, b, NULL, cause)) != PIPELINE_OK)
			return res;
	}
	return PIPELINE_OK;
}

/* Why a prediction cannot be windowed, or NULL. */
static const char *
window_misfit(const struct pipeline *p, const struct proto_record *r)
{
	switch (p->win.spec.kind) {
	case WINDOW_NONE:
		return "missing field batch_id";
	case WINDOW_ROWS:
		break;
	case WINDOW_TIME:
		if (!r->has_ts)
			return "missing field ts (--window time needs the "
			    "event time of every prediction)";
		break;
	}
	if (r->has_batch)
		return "batch_id is given, but ingest windows this stream "
		    "(--window): send one or the other";
	return NULL;
}

/* The batch and row_in_batch a windowed prediction gets. */
static int
window_slot(struct pipeline *p, const struct proto_record *r,
    int64_t *batch, int64_t *row, char **cause)
{
	char	*why = NULL;

	if (p->win.spec.kind == WINDOW_ROWS)
		*batch = p->win.st.next_row / p->win.spec.rows;
	else
		*batch = r->ts / p->win.spec.length;
	if (*batch != p->row_batch) {
		if (store_batch_next_row(p->s, *batch, &p->row_next,
		    &why) != 0) {
			pl_fatal(cause, why, "numbering a windowed row");
			return -1;
		}
		p->row_batch = *batch;
	}
	*row = p->row_next;
	return 0;
}

enum pipeline_result
pl_event_windowed(struct pipeline *p, const struct proto_record *r,
    uint64_t lineno, const char *line, size_t len, char **cause)
{
	struct store_prediction	 sp;
	struct store_event_id	 id;
	const char		*misfit = window_misfit(p, r);
	enum store_add_result	 rc;
	enum pipeline_result	 res, closed;
	char			*why = NULL;
	int64_t			 batch, row;

	if (misfit != NULL)
		return pl_reject(p, lineno, misfit, line, len, cause);
	/* The console shows each time window's start: note its length. */
	if (p->win.spec.kind == WINDOW_TIME && !p->window_noted) {
		if (store_window_put(p->s, p->win.spec.length, &why) != 0)
			return pl_fatal(cause, why, "noting the window length");
		p->window_noted = true;
		pl_mark_dirty(p);
	}
	if (window_slot(p, r, &batch, &row, cause) != 0 ||
	    pl_event_row(p, r, lineno, batch, row, &id, &sp, cause) != 0)
		return PIPELINE_FATAL;
	rc = store_prediction_add(p->s, &sp, &why);
	pl_mark_dirty(p);
	res = pl_row_added(p, rc, batch, lineno, line, len, why, cause);
	if (rc != STORE_ADD_NEW && rc != STORE_ADD_LATE)
		return res;
	if (rc == STORE_ADD_NEW && pl_hold_window(p, batch, cause) != 0)
		return PIPELINE_FATAL;
	p->row_next++;
	window_add(&p->win, r->ts, p->now * US_PER_MS);
	closed = take_closes(p, cause);
	return closed != PIPELINE_OK ? closed : res;
}

enum pipeline_result
pl_event_label(struct pipeline *p, const struct proto_record *r,
    uint64_t lineno, const char *line, size_t len, char **cause)
{
	struct store_event_id	 id;
	enum store_label_result	 res;
	char			*why = NULL, reason[PROTO_REASON_MAX];
	int64_t			 batch = -1;

	if (p->n_classes != 0 && r->true_class >= p->n_classes) {
		snprintf(reason, sizeof reason, "true_class %d is out of "
		    "range for %d classes", r->true_class, p->n_classes);
		return pl_reject(p, lineno, reason, line, len, cause);
	}
	event_id(r, &id);
	res = store_label_id(p->s, &id, r->true_class, p->cfg->allow_relabel,
	    &batch, &why);
	pl_mark_dirty(p);
	switch (res) {
	case STORE_LABEL_APPLIED:
		pl_labels_applied(p, batch);
		/* Labels arrive: the silence alarm's labels_late resolves. */
		if (pl_watch_labels(p, batch, cause) != 0)
			return PIPELINE_FATAL;
		break;
	case STORE_LABEL_PENDING:
		p->held_known = p->held_any = true;
		break;
	case STORE_LABEL_SAME:
		break;
	case STORE_LABEL_ERROR:
		return pl_fatal(cause, why, "applying a label");
	default:
		snprintf(reason, sizeof reason, "%s", why != NULL ? why :
		    "label refused");
		free(why);
		return pl_reject(p, lineno, reason, line, len, cause);
	}
	pl_accepted(p);
	if (res != STORE_LABEL_APPLIED ||
	    store_batch_state(p->s, batch) != STORE_BATCH_CLOSED)
		return PIPELINE_OK;
	return pl_labels_landed(p, batch, cause) != 0 ? PIPELINE_FATAL :
	    PIPELINE_OK;
}

enum pipeline_result
pl_event_tick(struct pipeline *p, char **cause)
{
	if (p->win.spec.kind != WINDOW_TIME)
		return PIPELINE_OK;
	/* Rows waiting in a file being switched to are not idleness. */
	if (p->follow != NULL && follow_switching(p->follow))
		return PIPELINE_OK;
	window_tick(&p->win, p->now * US_PER_MS);
	return take_closes(p, cause);
}

enum pipeline_result
pl_event_end(struct pipeline *p, char **cause)
{
	if (p->win.spec.kind == WINDOW_NONE)
		return PIPELINE_OK;
	window_close_all(&p->win);
	return take_closes(p, cause);
}

/*
 * Before each commit: store where the input stands. After it, forget
 * what another writer may change. (Held labels past the TTL are dropped
 * by the TTL sweep, pipeline-labels.c.)
 */
int
pl_event_commit(struct pipeline *p, char **cause)
{
	struct store_position	 pos;
	char			*why = NULL;

	p->held_known = false;
	p->row_batch = -1;
	/* Reference rows wait in memory for the first prediction: the
	 * position must not pass them before they are stored. */
	if (p->pos_key == NULL || (!p->settled && p->col.n_rows > 0))
		return 0;
	memset(&pos, 0, sizeof pos);
	if (p->follow != NULL)
		follow_position(p->follow, &pos.file);
	pos.win = p->win.st;
	if (store_position_put(p->s, p->pos_key, &pos, &why) != 0) {
		pl_fatal(cause, why, "storing the input position");
		return -1;
	}
	return 0;
}

/* Batches a killed run left open come back into the time windows, held. */
static int
reopen(struct pipeline *p, char **cause)
{
	int64_t	*ids = NULL;
	size_t	 n = 0, i;

	if (store_open_batches(p->s, p->win.st.frontier, &ids, &n,
	    cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		window_reopen(&p->win, ids[i]);
		/* Ours again: held as any window this writer has open. */
		if (pl_hold_window(p, ids[i], cause) != 0) {
			free(ids);
			return -1;
		}
	}
	free(ids);
	return 0;
}

int
pipeline_resume(struct pipeline *p, const char *key, int64_t now_ms,
    struct follow_pos *fp, bool *found, char **cause)
{
	struct store_position	 pos;
	int			 rc;

	free(p->pos_key);
	p->pos_key = xstrdup(key);
	rc = store_position_get(p->s, key, &pos, cause);
	if (rc < 0)
		return -1;
	*found = rc == 0;
	memset(fp, 0, sizeof *fp);
	if (!*found)
		return 0;
	*fp = pos.file;
	p->now = now_ms;
	window_restore(&p->win, &pos.win, now_ms * US_PER_MS);
	return p->win.spec.kind == WINDOW_TIME ? reopen(p, cause) : 0;
}

void
pipeline_set_follow(struct pipeline *p, struct follow *f)
{
	p->follow = f;
}

int
pl_event_timeout(const struct pipeline *p, int64_t now_ms)
{
	int64_t	d = window_deadline(&p->win);

	if (d < 0)
		return -1;
	d = d / US_PER_MS - now_ms;
	return d < 0 ? 0 : d > 60000 ? 60000 : (int)d + 1;
}
