/*
 * The alert engine: rules -> conditions -> decisions -> outbox.
 *
 * A condition is keyed by its rule and the sorted names of the features
 * it is about, never by message text. Its state is a row of
 * alert_conditions, so a restarted ingest carries on where it stopped:
 *
 *   closed --fires--> open            decision "firing"
 *   open   --fires--> open            "repeat" if repeat_interval has
 *                                      passed since the last notification,
 *                                      else a "suppressed" log row
 *   open   --clear--> open            clear_streak + 1
 *   open   --clear, streak = K-->     closed, decision "resolved"
 *
 * Batches are judged in arrival order, whatever their ids; evidence from a
 * batch older than the newest batch that fired a condition is recorded
 * but neither clears nor resolves it.
 *
 * A condition is only judged by batches that evaluated its rule's family
 * (rules.h): a batch without labels neither fires nor clears
 * performance_decay. A batch's performance report recomputed as more
 * labels land replaces its earlier evaluation instead of adding one: a
 * condition that this batch held clear before and still does is not
 * cleared again (three recomputes are not three clear batches), and one
 * it fired before and still fires is not fired again. Each decision becomes one alerts row per channel the
 * gate gives it (pending with --send, dry_run without), or one "log" row
 * with status recorded when no channel takes it.
 *
 * Delivery works the outbox oldest first within one round bounded by the
 * configured timeout. A row is claimed (a lease on next_attempt_at, so two
 * processes never send it at once), sent, and its outcome committed in
 * its own transaction right after. Per channel, rows go out in order: the
 * first that is not due or not delivered holds the rest of that channel
 * back until the next round.
 *
 * An ack or silence asked from the console mutes a decision before the
 * gate's channels (engine-message.c asks alert_gate_muted): one
 * "silenced" log row, nothing sent. engine-refresh.c re-posts the open
 * conditions to Alertmanager on ingest's timer.
 */
#include "alert/alert.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "alert/config.h"
#include "alert/engine-internal.h"
#include "alert/engine.h"
#include "alert/gate.h"
#include "alert/rules.h"
#include "alert/sink.h"
#include "core/clock.h"
#include "core/stop.h"
#include "core/xalloc.h"
#include "db/alert-mute.h"
#include "db/alert-store.h"
#include "db/store.h"

/* The channel's sink (sink-*.c). */
static const struct alert_sink *
engine_sink(enum alert_channel ch)
{
	switch (ch) {
	case ALERT_CHANNEL_SLACK:
		return &sink_slack;
	case ALERT_CHANNEL_EMAIL:
		return &sink_email;
	case ALERT_CHANNEL_ALERTMANAGER:
		return &sink_alertmanager;
	}
	return NULL;
}

static double
engine_real_clock(void *arg)
{
	(void)arg;
	return clock_wall();
}

static void
engine_sleep(double seconds)
{
	struct timespec ts;

	if (seconds <= 0)
		return;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

struct alert_engine *
alert_engine_create(struct store *s, const struct alert_config *c, FILE *log,
    char **cause)
{
	struct alert_engine *e;

	if (s == NULL || c == NULL) {
		*cause = xstrdup("alert engine: no store or no config");
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*cause = xstrdup("alert engine: curl_global_init failed");
		return NULL;
	}
	e = xcalloc(1, sizeof *e);
	e->store = s;
	e->config = c;
	e->log = log;
	e->clock = engine_real_clock;
	return e;
}

void
alert_engine_destroy(struct alert_engine *e)
{
	if (e == NULL)
		return;
	curl_global_cleanup();
	free(e);
}

void
alert_engine_set_clock(struct alert_engine *e, double (*clock)(void *),
    void *arg)
{
	e->clock = clock != NULL ? clock : engine_real_clock;
	e->clock_arg = clock != NULL ? arg : NULL;
}

/* One decision: a row per gated channel, or one "log" row. */
/*
 * One decision's row r for channel ch: dry-run (and its preview on the
 * log), failed (channel not configured) or pending (the outbox sends it).
 * 0 or -1.
 */
static int
engine_queue(struct alert_engine *e, struct alert_row *r,
    enum alert_channel ch, enum alert_severity sev, double now,
    char **cause)
{
	const struct alert_config *c = e->config;
	const struct alert_sink *sink = engine_sink(ch);
	struct alert_message m;
	char *preview, *why = NULL, name[ENGINE_RULE_MAX];

	r->channel = (char *)sink->name;
	r->last_error = NULL;
	r->next_attempt_at = 0;
	if (!c->send) {
		r->status = (char *)"dry_run";
	} else if (!alert_config_channel_ready(c, ch)) {
		r->status = (char *)"failed";
		why = xasprintf("%s: channel not configured", sink->name);
		r->last_error = why;
	} else {
		r->status = (char *)"pending";
		r->next_attempt_at = now;
	}
	if (alert_store_add(e->store, r, &r->id, cause) == -1) {
		free(why);
		return -1;
	}
	engine_log(e, "%s %s %s -> %s (%s%s%s): %s", r->kind,
	    alert_severity_name(sev), r->condition_key, sink->name, r->status,
	    why != NULL ? ": " : "", why != NULL ? why : "", r->message);
	if (!c->send) {
		m = engine_message(e, r, name);
		preview = sink->preview(c, &m);
		engine_log(e, "dry run, would send %s", preview);
		free(preview);
	}
	free(why);
	return 0;
}

static int
engine_decide(struct alert_engine *e, int64_t batch, const char *key,
    enum alert_severity sev, const char *kind, const char *message,
    double now, char **cause)
{
	const struct alert_config *c = e->config;
	enum alert_channel chs[ALERT_CHANNEL_COUNT];
	struct alert_row r;
	char *why;
	size_t n, i;
	int rc;

	memset(&r, 0, sizeof r);
	r.batch_id = batch;
	r.severity = (char *)alert_severity_name(sev);
	r.message = (char *)message;
	r.condition_key = (char *)key;
	r.kind = (char *)kind;
	r.sent_at = now;

	switch (engine_muted(e, key, kind, now, &why, cause)) {
	case -1:
		return -1;
	case 1:
		r.channel = (char *)"log";
		r.status = (char *)"silenced";
		r.message = xasprintf("%s (silenced: %s)", message, why);
		rc = alert_store_add(e->store, &r, &r.id, cause);
		if (rc == 0)
			engine_log(e, "%s %s %s, silenced (%s): %s", kind,
			    alert_severity_name(sev), key, why, message);
		free(r.message);
		free(why);
		return rc;
	}
	n = alert_gate(c, sev, chs);
	if (n == 0) {
		r.channel = (char *)"log";
		r.status = (char *)"recorded";
		if (alert_store_add(e->store, &r, &r.id, cause) == -1)
			return -1;
		engine_log(e, "%s %s %s, recorded: %s", kind,
		    alert_severity_name(sev), key, message);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (engine_queue(e, &r, chs[i], sev, now, cause) == -1)
			return -1;
	}
	return 0;
}

/* A finding on batch b: open, repeat or suppress. */
static int
engine_fire(struct alert_engine *e, const struct rule_finding *f,
    int64_t batch, double now, char **cause)
{
	const struct alert_config *c = e->config;
	struct alert_condition cond;
	struct alert_row r;
	char *text;
	int rc;

	rc = alert_store_condition_get(e->store, f->key, &cond, cause);
	if (rc == -1)
		return -1;
	if (rc == 1 || !cond.open) {
		if (rc == 0)
			alert_condition_finish(&cond);
		memset(&cond, 0, sizeof cond);
		cond.key = xstrdup(f->key);
		cond.rule = xstrdup(f->rule->name);
		cond.severity = xstrdup(alert_severity_name(f->severity));
		cond.features = f->features != NULL ? xstrdup(f->features) :
		    NULL;
		cond.open = true;
		cond.first_batch = batch;
		cond.last_fired_batch = batch;
		cond.last_seen_batch = batch;
		cond.clear_streak = 0;
		cond.last_notified_at = now;
		cond.opened_at = now;
		rc = alert_store_condition_put(e->store, &cond, cause);
		if (rc == 0)
			rc = engine_decide(e, batch, f->key, f->severity,
			    "firing", f->message, now, cause);
		alert_condition_finish(&cond);
		return rc;
	}

	/* The newest batch that fired it; older ones arrive late. */
	if (batch > cond.last_seen_batch)
		cond.last_seen_batch = batch;
	cond.clear_streak = 0;
	if (now - cond.last_notified_at >= c->repeat_interval) {
		text = xasprintf("%s (still firing, open since batch %lld)",
		    f->message, (long long)cond.first_batch);
		cond.last_notified_at = now;
		cond.last_fired_batch = batch;
		rc = alert_store_condition_put(e->store, &cond, cause);
		if (rc == 0)
			rc = engine_decide(e, batch, f->key, f->severity,
			    "repeat", text, now, cause);
		free(text);
		alert_condition_finish(&cond);
		return rc;
	}

	/* Within the repeat interval: a trace for the console, no page. */
	rc = alert_store_condition_put(e->store, &cond, cause);
	if (rc == 0) {
		memset(&r, 0, sizeof r);
		r.batch_id = batch;
		r.severity = (char *)alert_severity_name(f->severity);
		r.channel = (char *)"log";
		r.message = xasprintf("%s (suppressed: notified at batch %lld, "
		    "next repeat in %.0f s)", f->message,
		    (long long)cond.last_fired_batch,
		    ceil(c->repeat_interval - (now - cond.last_notified_at)));
		r.condition_key = f->key;
		r.kind = (char *)"repeat";
		r.status = (char *)"suppressed";
		r.sent_at = now;
		rc = alert_store_add(e->store, &r, NULL, cause);
		free(r.message);
	}
	alert_condition_finish(&cond);
	return rc;
}

/* An open condition whose family was evaluated and did not fire. */
static int
engine_clear(struct alert_engine *e, struct alert_condition *cond,
    const struct rule *rule, int64_t batch, double now, char **cause)
{
	enum alert_severity sev;
	const char *names;
	char *text;
	int rc;

	/*
	 * Evidence older than the newest batch that fired it (batches are
	 * judged in arrival order, whatever their ids) is recorded in its
	 * reports but neither clears nor resolves the condition.
	 */
	if (batch < cond->last_seen_batch) {
		engine_log(e, "batch %lld: %s is clear here, but batch %lld "
		    "fired it later: not counted towards resolving",
		    (long long)batch, cond->key,
		    (long long)cond->last_seen_batch);
		return 0;
	}
	cond->clear_streak++;
	if (cond->clear_streak < (int64_t)e->config->resolve_after)
		return alert_store_condition_put(e->store, cond, cause);
	cond->open = false;
	cond->resolved_at = now;
	if (alert_store_condition_put(e->store, cond, cause) == -1)
		return -1;
	if (!parse_alert_severity(cond->severity, &sev))
		sev = rule->severity;
	/* The key's feature part names them for people: "age,income". */
	names = strchr(cond->key, ':');
	text = xasprintf("batch %lld: resolved: %s%s%s (open since batch "
	    "%lld, last seen in batch %lld, clear for %lld evaluations)",
	    (long long)batch, rule->title, names != NULL ? " on " : "",
	    names != NULL ? names + 1 : "",
	    (long long)cond->first_batch, (long long)cond->last_seen_batch,
	    (long long)cond->clear_streak);
	rc = engine_decide(e, batch, cond->key, sev, "resolved", text, now,
	    cause);
	free(text);
	return rc;
}

/*
 * Families evaluated when a batch closes run once per batch: the store
 * lets only the writer that claims a batch's judgement judge it
 * (store_batch_claim), whatever the order of batch ids. The newest batch
 * id evaluated per family is kept for people (meta alert.last_batch.*);
 * it never skips a batch.
 */
static int
engine_note_evaluated(struct alert_engine *e, int64_t batch,
    unsigned families, char **cause)
{
	static const enum rule_family close_families[] = {
		RULE_FAMILY_FEATURE, RULE_FAMILY_PREDICTION };
	size_t i;

	for (i = 0; i < 2; i++) {
		if (!(families & (1u << close_families[i])))
			continue;
		if (alert_store_raise_last_batch(e->store,
		    rule_family_name(close_families[i]), batch, cause) == -1)
			return -1;
	}
	return 0;
}

/*
 * The findings of the performance family on the report b replaces (NULL:
 * none, not a recompute), for engine_same_as_before.
 */
static void
engine_replaced(const struct alert_batch *b, const struct alert_config *c,
    struct rule_result *out)
{
	struct alert_batch prev;

	memset(out, 0, sizeof *out);
	if (b->replaces == NULL || b->performance == NULL)
		return;
	memset(&prev, 0, sizeof prev);
	prev.batch_id = b->batch_id;
	prev.schema = b->schema;
	prev.performance = b->replaces;
	rules_evaluate(&prev, c, out);
	out->families &= 1u << RULE_FAMILY_PERFORMANCE;
}

/*
 * Whether rule's condition key had the same outcome (fired or not) in the
 * evaluation this recompute replaces: then it is not counted again.
 */
static bool
engine_same_as_before(const struct rule_result *before,
    const struct rule *rule, const char *key, bool fired)
{
	bool was = false;
	size_t i;

	if (!(before->families & (1u << rule->family)))
		return false;
	for (i = 0; i < before->n && !was; i++)
		was = strcmp(before->findings[i].key, key) == 0;
	return was == fired;
}

int
alert_engine_batch(struct alert_engine *e, const struct alert_batch *b,
    char **cause)
{
	struct alert_condition *open = NULL;
	struct rule_result res, before = { 0, NULL, 0 };
	const struct rule *rule;
	unsigned families;
	size_t n_open = 0, i, j;
	double now = engine_now(e);
	bool fired;
	int rc = -1;

	rules_evaluate(b, e->config, &res);
	families = res.families;
	if (families == 0) {
		rule_result_finish(&res);
		return 0;
	}
	engine_replaced(b, e->config, &before);
	if (engine_note_evaluated(e, b->batch_id, families, cause) == -1)
		goto out;
	/* The open set before this batch: what may clear. */
	if (alert_store_conditions_open(e->store, &open, &n_open, cause) == -1)
		goto out;
	for (i = 0; i < res.n; i++) {
		if (!(families & (1u << res.findings[i].rule->family)) ||
		    engine_same_as_before(&before, res.findings[i].rule,
		    res.findings[i].key, true))
			continue;
		if (engine_fire(e, &res.findings[i], b->batch_id, now,
		    cause) == -1)
			goto out;
	}
	for (i = 0; i < n_open; i++) {
		rule = rules_find(open[i].rule);
		if (rule == NULL || !(families & (1u << rule->family)))
			continue;
		fired = false;
		for (j = 0; j < res.n && !fired; j++)
			fired = strcmp(res.findings[j].key, open[i].key) == 0;
		if (fired || engine_same_as_before(&before, rule,
		    open[i].key, false))
			continue;
		if (engine_clear(e, &open[i], rule, b->batch_id, now,
		    cause) == -1)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < n_open; i++)
		alert_condition_finish(&open[i]);
	free(open);
	rule_result_finish(&res);
	rule_result_finish(&before);
	return rc;
}

/* An open stream condition ends: closed, one "resolved" decision. */
static int
engine_stream_resolve(struct alert_engine *e, struct alert_condition *cond,
    const struct rule *rule, const struct alert_stream *s, double now,
    char **cause)
{
	enum alert_severity sev;

	cond->open = false;
	cond->clear_streak = 1;
	cond->resolved_at = now;
	if (s->batch_id > cond->last_seen_batch)
		cond->last_seen_batch = s->batch_id;
	if (alert_store_condition_put(e->store, cond, cause) == -1)
		return -1;
	if (!parse_alert_severity(cond->severity, &sev))
		sev = rule->severity;
	return engine_decide(e, s->batch_id, cond->key, sev, "resolved",
	    s->message, now, cause);
}

int
alert_engine_stream(struct alert_engine *e, const struct alert_stream *s,
    char **cause)
{
	struct alert_condition cond;
	struct rule_finding f;
	double now = engine_now(e);
	bool open;
	int rc, got;

	memset(&f, 0, sizeof f);
	f.rule = rules_find(s->rule);
	if (f.rule == NULL || f.rule->family != RULE_FAMILY_STREAM) {
		*cause = xasprintf("alert engine: %s is not a stream rule",
		    s->rule);
		return -1;
	}
	f.severity = f.rule->severity;
	f.key = xasprintf("%s:%s", s->rule, s->model);
	f.message = (char *)s->message;
	got = alert_store_condition_get(e->store, f.key, &cond, cause);
	if (got == -1) {
		free(f.key);
		return -1;
	}
	open = got == 0 && cond.open;
	if (s->silent && !open)
		rc = engine_fire(e, &f, s->batch_id, now, cause) == -1 ? -1 : 1;
	else if (!s->silent && open)
		rc = engine_stream_resolve(e, &cond, f.rule, s, now,
		    cause) == -1 ? -1 : 1;
	else
		rc = 0;	/* one page per silence; nothing open to resolve */
	if (got == 0)
		alert_condition_finish(&cond);
	free(f.key);
	return rc;
}

/* Seconds to wait before the next attempt after attempts failures. */
static double
engine_backoff(const struct alert_config *c, int64_t attempts,
    const struct sink_result *res)
{
	double wait;

	if (res->retry_after >= 0)
		return res->retry_after < ENGINE_RETRY_AFTER_MAX ?
		    res->retry_after : ENGINE_RETRY_AFTER_MAX;
	wait = c->backoff * pow(2, (double)(attempts > 0 ? attempts - 1 : 0));
	return wait < c->backoff_max ? wait : c->backoff_max;
}

/*
 * Attempts on one claimed row within the round. 1 delivered, 0 not
 * (settled as pending or failed), -1 store error. *hold when the channel
 * should wait for a later round.
 */
static int
engine_attempt(struct alert_engine *e, const struct alert_row *row,
    const struct alert_sink *sink, double deadline, bool *hold,
    char **cause)
{
	const struct alert_config *c = e->config;
	char name[ENGINE_RULE_MAX];
	struct alert_message m = engine_message(e, row, name);
	struct sink_result res;
	int64_t attempts = row->attempts;
	unsigned tries = 0;
	double wait, left;

	for (;;) {
		left = deadline - clock_mono();
		sink->send(c, &m, left, &res);
		attempts++;
		tries++;
		if (res.outcome == SINK_DELIVERED) {
			/* Committed at once: the at-least-once window ends. */
			if (alert_store_settle(e->store, row->id, attempts,
			    "delivered", NULL, 0, engine_now(e), cause) == -1)
				return -1;
			engine_log(e, "delivered alert %lld to %s (attempt "
			    "%lld, status %ld)", (long long)row->id,
			    sink->name, (long long)attempts, res.status);
			return 1;
		}
		if (res.outcome == SINK_FAILED || (c->max_attempts > 0 &&
		    attempts >= (int64_t)c->max_attempts)) {
			if (alert_store_settle(e->store, row->id, attempts,
			    "failed", res.error, 0, 0, cause) == -1)
				return -1;
			engine_log(e, "alert %lld to %s failed after %lld "
			    "attempts: %s", (long long)row->id, sink->name,
			    (long long)attempts, res.error);
			return 0;
		}
		wait = engine_backoff(c, attempts, &res);
		if (tries <= c->retries && clock_mono() + wait < deadline &&
		    !stop_requested()) {
			engine_log(e, "alert %lld to %s: %s; retrying in "
			    "%.3g s", (long long)row->id, sink->name,
			    res.error, wait);
			engine_sleep(wait);
			continue;
		}
		if (alert_store_settle(e->store, row->id, attempts, "pending",
		    res.error, engine_now(e) + wait, 0, cause) == -1)
			return -1;
		engine_log(e, "alert %lld to %s: %s; still pending, next "
		    "attempt in %.3g s", (long long)row->id, sink->name,
		    res.error, wait);
		*hold = true;
		return 0;
	}
}

int
alert_engine_deliver(struct alert_engine *e, char **cause)
{
	const struct alert_config *c = e->config;
	bool hold[ALERT_CHANNEL_COUNT] = { false };
	const struct alert_sink *sink;
	struct alert_row *rows = NULL;
	enum alert_channel ch;
	size_t n = 0, i;
	double deadline, now;
	int delivered = 0, rc;

	/* Decisions become durable, and no lock is held during I/O. */
	if (store_flush(e->store, cause) == -1)
		return -1;
	if (alert_store_pending(e->store, &rows, &n, cause) == -1)
		return -1;
	if (!c->send) {
		if (n > 0 && !e->noted_pending) {
			engine_log(e, "%zu page%s pending from a --send run; "
			    "dry-run leaves them pending", n,
			    n == 1 ? "" : "s");
			e->noted_pending = true;
		}
		goto out;
	}
	deadline = clock_mono() + c->timeout;
	for (i = 0; i < n; i++) {
		if (!parse_alert_channel(rows[i].channel, &ch) || hold[ch])
			continue;
		sink = engine_sink(ch);
		now = engine_now(e);
		if (rows[i].next_attempt_at > now) {
			hold[ch] = true;
			continue;
		}
		/* Stopping: the rest stays pending for the next start. */
		if (deadline - clock_mono() < 0.001 || stop_requested())
			break;
		rc = alert_store_claim(e->store, rows[i].id, now, now +
		    c->timeout + c->connect_timeout + ENGINE_LEASE_MARGIN,
		    cause);
		if (rc == -1)
			goto fail;
		if (rc == 0) {
			hold[ch] = true;
			continue;
		}
		rc = engine_attempt(e, &rows[i], sink, deadline, &hold[ch],
		    cause);
		if (rc == -1)
			goto fail;
		delivered += rc;
	}
out:
	for (i = 0; i < n; i++)
		alert_row_finish(&rows[i]);
	free(rows);
	return delivered;
fail:
	delivered = -1;
	goto out;
}
