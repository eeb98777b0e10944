/*
 * The silence alarm of the ingest pipeline: ingest's own clock, not a
 * batch, decides that a stream went quiet.
 *
 *   stream_silent  no prediction arrived for expect_every (counted from
 *                  the last arrival, or from the start of this run)
 *   labels_late    a batch closed expect_labels_within ago and no labels
 *                  record arrived since
 *
 * Each fires once per silence through the alert engine (its condition,
 * gating, dedup and outbox: alert_engine_stream), is committed and
 * delivered at once, and resolves with the next arrival of its kind. A
 * condition an earlier run left open is resolved by the first arrival of
 * this run. The read loop's poll() wakes up for the deadline
 * (pipeline_timeout), so the alarm needs no input to fire.
 *
 * The same clock re-posts the open conditions to Alertmanager every
 * resend interval (pl_watch_refresh), so a live condition never expires
 * there while ingest runs, batches or not.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "core/clock.h"
#include "core/stop.h"
#include "core/xalloc.h"
#include "ingest/config.h"
#include "ingest/pipeline-internal.h"

/* Unix seconds as "2026-12-06T08:10:00Z" into buf. */
static const char *
watch_stamp(double t, char *buf, size_t size)
{
	return clock_format(t, true, "%Y-%m-%dT%H:%M:%SZ", buf, size);
}

static int64_t
watch_ms(int64_t us)
{
	return (us + 999) / 1000;
}

/* Hand one verdict to the engine; a queued page is committed soon. */
static int
watch_decide(struct pipeline *p, const char *rule, bool silent, char *msg,
    char **cause)
{
	struct alert_stream	 as;
	char			*why = NULL;
	int			 rc;

	as.rule = rule;
	as.model = store_model(p->s);
	as.silent = silent;
	as.batch_id = p->watch.batch;
	as.message = msg;
	rc = alert_engine_stream(p->alert, &as, &why);
	free(msg);
	if (rc == -1) {
		pl_fatal(cause, why, rule);
		return -1;
	}
	if (rc == 1) {
		pl_mark_dirty(p);
		p->deliver = true;
	}
	return 0;
}

void
pl_watch_init(struct pipeline *p)
{
	memset(&p->watch, 0, sizeof p->watch);
	p->watch.unlabelled_since = -1;
}

int
pl_watch_prediction(struct pipeline *p, int64_t batch, char **cause)
{
	struct pl_watch	*w = &p->watch;
	char		 was[32];
	char		*msg;
	double		 gap;

	if (batch > w->batch)
		w->batch = batch;
	if (!w->started) {
		w->started = true;
		w->last_pred = p->now;
	}
	gap = (double)(p->now - w->last_pred) / 1000;
	w->last_pred = p->now;
	w->last_pred_wall = clock_wall();
	if (p->alert == NULL || p->cfg->expect_every_us == 0 ||
	    (w->pred_resumed && !w->silent))
		return 0;
	w->pred_resumed = true;
	w->silent = false;
	if (w->was_wall > 0)
		msg = xasprintf("model %s: resolved: predictions are back on "
		    "%s (batch %lld), %.1f s after the last arrival at %s",
		    store_model(p->s), p->source, (long long)batch, gap,
		    watch_stamp(w->was_wall, was, sizeof was));
	else
		msg = xasprintf("model %s: resolved: predictions are back on "
		    "%s (batch %lld), %.1f s after this run started",
		    store_model(p->s), p->source, (long long)batch, gap);
	return watch_decide(p, "stream_silent", false, msg, cause);
}

int
pl_watch_labels(struct pipeline *p, int64_t batch, char **cause)
{
	struct pl_watch	*w = &p->watch;
	char		*msg;

	w->unlabelled_since = -1;
	if (p->alert == NULL || p->cfg->expect_labels_us == 0 ||
	    (w->labels_resumed && !w->labels_late))
		return 0;
	w->labels_resumed = true;
	w->labels_late = false;
	msg = xasprintf("model %s: resolved: labels arrived again on %s "
	    "(for batch %lld)", store_model(p->s), p->source,
	    (long long)batch);
	return watch_decide(p, "labels_late", false, msg, cause);
}

void
pl_watch_closed(struct pipeline *p, int64_t batch)
{
	struct pl_watch	*w = &p->watch;

	if (batch > w->batch)
		w->batch = batch;
	if (w->unlabelled_since >= 0)
		return;
	w->unlabelled_since = p->now;
	w->unlabelled_wall = clock_wall();
	w->unlabelled_batch = batch;
}

/* Milliseconds from now to a deadline of start + us, 0 when past. */
static int64_t
watch_left(int64_t start, int64_t us, int64_t now)
{
	int64_t	left = start + watch_ms(us) - now;

	return left < 0 ? 0 : left;
}

int64_t
pl_watch_timeout(const struct pipeline *p, int64_t now)
{
	const struct pl_watch	*w = &p->watch;
	int64_t			 t = -1, l;

	if (p->alert == NULL)
		return -1;
	if ((p->cfg->expect_every_us > 0 || p->cfg->expect_labels_us > 0) &&
	    !w->started)
		return 0;
	if (p->cfg->expect_every_us > 0 && !w->silent)
		t = watch_left(w->last_pred, p->cfg->expect_every_us, now);
	if (p->cfg->expect_labels_us > 0 && !w->labels_late &&
	    w->unlabelled_since >= 0) {
		l = watch_left(w->unlabelled_since, p->cfg->expect_labels_us,
		    now);
		if (t < 0 || l < t)
			t = l;
	}
	return t;
}

/* No prediction for expect_every: fire stream_silent. */
static int
watch_silent(struct pipeline *p, char **cause)
{
	struct pl_watch	*w = &p->watch;
	char		 last[32];
	char		*msg;

	w->silent = true;
	w->pred_resumed = true;
	w->was_wall = w->last_pred_wall;
	if (w->last_pred_wall > 0)
		msg = xasprintf("model %s: stream silent: no prediction on %s "
		    "for %.1f s (expected every %.0f s); last arrival %s, "
		    "batch %lld", store_model(p->s), p->source,
		    (double)(p->now - w->last_pred) / 1000,
		    (double)p->cfg->expect_every_us / 1e6,
		    watch_stamp(w->last_pred_wall, last, sizeof last),
		    (long long)w->batch);
	else
		msg = xasprintf("model %s: stream silent: no prediction on %s "
		    "for %.1f s (expected every %.0f s); none arrived since "
		    "this run started", store_model(p->s), p->source,
		    (double)(p->now - w->last_pred) / 1000,
		    (double)p->cfg->expect_every_us / 1e6);
	return watch_decide(p, "stream_silent", true, msg, cause);
}

/* A batch closed expect_labels_within ago without labels since. */
static int
watch_labels_late(struct pipeline *p, char **cause)
{
	struct pl_watch	*w = &p->watch;
	char		 closed[32];
	char		*msg;

	w->labels_late = true;
	w->labels_resumed = true;
	msg = xasprintf("model %s: labels late: no labels on %s for %.1f s "
	    "since batch %lld closed at %s (expected within %.0f s)",
	    store_model(p->s), p->source,
	    (double)(p->now - w->unlabelled_since) / 1000,
	    (long long)w->unlabelled_batch,
	    watch_stamp(w->unlabelled_wall, closed, sizeof closed),
	    (double)p->cfg->expect_labels_us / 1e6);
	return watch_decide(p, "labels_late", true, msg, cause);
}

int
pl_watch_tick(struct pipeline *p, char **cause)
{
	struct pl_watch	*w = &p->watch;
	bool		 fired = false;

	if (p->alert == NULL || p->dead)
		return 0;
	if (!w->started) {
		w->started = true;
		w->last_pred = p->now;
	}
	if (p->cfg->expect_every_us > 0 && !w->silent &&
	    p->now - w->last_pred >= watch_ms(p->cfg->expect_every_us)) {
		if (watch_silent(p, cause) != 0)
			return -1;
		fired = true;
	}
	if (p->cfg->expect_labels_us > 0 && !w->labels_late &&
	    w->unlabelled_since >= 0 && p->now - w->unlabelled_since >=
	    watch_ms(p->cfg->expect_labels_us)) {
		if (watch_labels_late(p, cause) != 0)
			return -1;
		fired = true;
	}
	return fired ? 1 : 0;
}

/*
 * Alertmanager's re-post timer (alert_engine_refresh): between
 * transactions only, so nothing is held during the post; a failure is a
 * warning and is tried again by the engine.
 */
void
pl_watch_refresh(struct pipeline *p)
{
	char	*why = NULL;

	if (p->dead || p->alert == NULL || p->dirty || stop_requested() ||
	    alert_engine_refresh_due(p->alert) != 0)
		return;
	if (alert_engine_refresh(p->alert, &why) < 0) {
		pl_warn(p, "alertmanager re-post: %s",
		    why != NULL ? why : "failed");
		free(why);
	}
}

int64_t
pl_watch_refresh_timeout(const struct pipeline *p)
{
	double	left;

	/* While a transaction is open its flush deadline comes first. */
	if (p->alert == NULL || p->dirty ||
	    (left = alert_engine_refresh_due(p->alert)) < 0)
		return -1;
	return (int64_t)ceil(left * 1000);
}
