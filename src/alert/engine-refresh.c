/*
 * Alertmanager's re-post timer. Alertmanager keeps an alert until its
 * endsAt, so every open condition the gate gives it, and no ack or
 * silence mutes, is posted again every resend interval while ingest
 * runs (ingest's poll loop asks refresh_due and calls refresh between
 * transactions). One request carries them all; it decides nothing, so
 * it is no outbox row: a failed one is tried again after [alert]
 * backoff, and logged when re-posting starts or stops failing.
 */
#include "alert/engine-internal.h"

#include <stdlib.h>

#include "alert/alert.h"
#include "alert/config.h"
#include "alert/gate.h"
#include "core/xalloc.h"
#include "db/alert-mute.h"
#include "db/alert-store.h"
#include "db/store.h"

/* True when the gate gives decisions of severity sev to Alertmanager. */
static bool
engine_am_takes(const struct alert_config *c, const char *severity)
{
	enum alert_channel chs[ALERT_CHANNEL_COUNT];
	enum alert_severity sev;
	size_t n, i;

	if (!parse_alert_severity(severity, &sev))
		return false;
	n = alert_gate(c, sev, chs);
	for (i = 0; i < n; i++)
		if (chs[i] == ALERT_CHANNEL_ALERTMANAGER)
			return true;
	return false;
}

double
alert_engine_refresh_due(struct alert_engine *e)
{
	const struct alert_config *c = e->config;
	double left;

	if (!c->send || c->am_url == NULL ||
	    c->min_severity[ALERT_CHANNEL_ALERTMANAGER] == ALERT_SEVERITY_OFF)
		return -1;
	left = e->am_next - engine_now(e);
	return left > 0 ? left : 0;
}

/* Post the live alerts of rows[0..n) in one request; outcome logged. */
static int
engine_am_post(struct alert_engine *e, const struct alert_row *rows,
    size_t n)
{
	struct alert_message *m;
	struct sink_result res;
	char (*names)[ENGINE_RULE_MAX];
	size_t i;

	m = xreallocarray(NULL, n, sizeof *m);
	names = xreallocarray(NULL, n, sizeof *names);
	for (i = 0; i < n; i++) {
		m[i] = engine_message(e, &rows[i], names[i]);
		m[i].kind = "repeat";	/* live: endsAt ahead of now */
	}
	sink_alertmanager_post(e->config, m, n, e->config->timeout, &res);
	/* Logged when it starts or stops failing, not every interval. */
	if (res.outcome == SINK_DELIVERED && e->am_failing)
		engine_log(e, "re-posting %zu open condition%s to "
		    "alertmanager works again", n, n == 1 ? "" : "s");
	else if (res.outcome != SINK_DELIVERED && !e->am_failing)
		engine_log(e, "re-posting to alertmanager: %s; trying again "
		    "every %.3g s", res.error, e->config->backoff <
		    e->config->am_resend ? e->config->backoff :
		    e->config->am_resend);
	e->am_failing = res.outcome != SINK_DELIVERED;
	free(names);
	free(m);
	return res.outcome == SINK_DELIVERED ? 1 : 0;
}

int
alert_engine_refresh(struct alert_engine *e, char **cause)
{
	const struct alert_config *c = e->config;
	struct alert_condition *open = NULL;
	struct alert_mute *mutes = NULL;
	struct alert_row *rows = NULL;
	size_t n_open = 0, n = 0, n_mutes = 0, i;
	double now = engine_now(e), wait = c->am_resend;
	int rc = -1, got;

	if (alert_engine_refresh_due(e) != 0)
		return 0;
	if (alert_store_conditions_open(e->store, &open, &n_open, cause) == -1)
		return -1;
	if (alert_store_mutes(e->store, now, &mutes, &n_mutes, cause) == -1)
		goto out;
	rows = xreallocarray(NULL, n_open + 1, sizeof *rows);
	for (i = 0; i < n_open; i++) {
		/* Acks and silences stop the re-posts too. */
		if (!engine_am_takes(c, open[i].severity) ||
		    alert_gate_muted(mutes, n_mutes, open[i].key,
		    engine_key_model(e, open[i].key), open[i].opened_at,
		    "repeat", now) != NULL)
			continue;
		got = alert_store_latest(e->store, open[i].key, &rows[n],
		    cause);
		if (got == -1)
			goto out;
		if (got == 0)
			n++;
	}
	/* The reads end here: nothing is held during the post. */
	if (store_flush(e->store, cause) == -1)
		goto out;
	if (n > 0 && engine_am_post(e, rows, n) == 0)
		wait = c->backoff < c->am_resend ? c->backoff : c->am_resend;
	e->am_next = now + wait;
	rc = (int)n;
out:
	for (i = 0; i < n; i++)
		alert_row_finish(&rows[i]);
	free(rows);
	for (i = 0; i < n_open; i++)
		alert_condition_finish(&open[i]);
	free(open);
	free(mutes);
	return rc;
}
