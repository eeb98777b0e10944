/*
 * The engine's words and its questions to the gate: the message of an
 * outbox row (rule, model, features and the condition's opening, for
 * Alertmanager's labels) and whether an ack or silence asked from the
 * console mutes a decision (alert_gate_muted decides; this reads the
 * rows and says who muted it, for the alerts row).
 */
#include "alert/engine-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/config.h"
#include "alert/gate.h"
#include "alert/rules.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "db/store.h"
#include "db/alert-mute.h"
#include "db/alert-store.h"

double
engine_now(struct alert_engine *e)
{
	return e->clock(e->clock_arg);
}

void
engine_log(struct alert_engine *e, const char *fmt, ...)
{
	va_list ap;

	if (e->log == NULL)
		return;
	va_start(ap, fmt);
	fputs("alert: ", e->log);
	vfprintf(e->log, fmt, ap);
	fputc('\n', e->log);
	va_end(ap);
	fflush(e->log);
}

const char *
engine_key_model(struct alert_engine *e, const char *key)
{
	const char *colon = strchr(key, ':');
	char name[ENGINE_RULE_MAX];
	const struct rule *rule;

	if (colon == NULL)
		return store_model(e->store);
	snprintf(name, sizeof name, "%.*s", (int)(colon - key), key);
	rule = rules_find(name);
	return rule != NULL && rule->family == RULE_FAMILY_STREAM ?
	    colon + 1 : store_model(e->store);
}

/* Unix seconds as "2026-12-06T10:02:03Z" into buf. */
static const char *
engine_stamp(double t, char *buf, size_t size)
{
	return clock_format(t, true, "%Y-%m-%dT%H:%M:%SZ", buf, size);
}

/* Caller frees: who muted it, how and until when, for people. */
static char *
engine_mute_note(const struct alert_mute *m)
{
	char at[32], until[32];

	if (m->kind == ALERT_MUTE_ACK)
		return xasprintf("acknowledged by %s at %s", m->by,
		    engine_stamp(m->at, at, sizeof at));
	return xasprintf("%s %s silenced by %s at %s until %s",
	    alert_mute_scope_name(m->scope), m->target, m->by,
	    engine_stamp(m->at, at, sizeof at),
	    engine_stamp(m->until, until, sizeof until));
}

/*
 * Whether an ack or silence mutes a decision of kind on condition key
 * (the gate decides, alert_gate_muted): 1 and *note (caller frees), 0
 * not, -1 error.
 */
int
engine_muted(struct alert_engine *e, const char *key, const char *kind,
    double now, char **note, char **cause)
{
	const struct alert_mute *m;
	struct alert_condition cond;
	struct alert_mute *mutes;
	double opened = 0;
	size_t n;
	int rc;

	*note = NULL;
	if (alert_store_mutes(e->store, now, &mutes, &n, cause) == -1)
		return -1;
	if (n == 0)
		return 0;
	rc = alert_store_condition_get(e->store, key, &cond, cause);
	if (rc == 0) {
		opened = cond.opened_at;
		alert_condition_finish(&cond);
	}
	m = rc == -1 ? NULL : alert_gate_muted(mutes, n, key,
	    engine_key_model(e, key), opened, kind, now);
	if (m != NULL)
		*note = engine_mute_note(m);
	free(mutes);
	return rc == -1 ? -1 : m != NULL;
}

/*
 * The message of an outbox row. Borrowed strings: r's, the rule table's
 * and *name (which holds the rule's name when the table has none). The
 * model is the key's suffix for a stream rule, else the store's; the
 * features the key's suffix for the other rules; the start is the
 * condition's opening when it is not after the row.
 */
struct alert_message
engine_message(struct alert_engine *e, const struct alert_row *r,
    char name[ENGINE_RULE_MAX])
{
	struct alert_condition cond;
	struct alert_message m;
	enum alert_severity sev;
	const struct rule *rule;
	const char *colon;
	char *why = NULL;

	memset(&m, 0, sizeof m);
	if (!parse_alert_severity(r->severity, &sev))
		sev = ALERT_SEVERITY_WARNING;
	m.id = r->id;
	m.batch_id = r->batch_id;
	m.severity = sev;
	m.kind = r->kind;
	m.condition_key = r->condition_key != NULL ? r->condition_key : "";
	m.text = r->message;
	m.created_at = r->sent_at;
	colon = strchr(m.condition_key, ':');
	snprintf(name, ENGINE_RULE_MAX, "%.*s", colon != NULL ?
	    (int)(colon - m.condition_key) : (int)strlen(m.condition_key),
	    m.condition_key);
	rule = rules_find(name);
	m.rule = rule != NULL ? rule->name : name;
	m.title = rule != NULL ? rule->title : name;
	m.explain = rule != NULL ? rule->explain : "";
	m.model = engine_key_model(e, m.condition_key);
	if (colon != NULL && m.model != colon + 1)
		m.features = colon + 1;
	m.started_at = r->sent_at;
	if (alert_store_condition_get(e->store, m.condition_key, &cond,
	    &why) == 0) {
		if (cond.opened_at > 0 && cond.opened_at <= r->sent_at)
			m.started_at = cond.opened_at;
		alert_condition_finish(&cond);
	}
	free(why);	/* no start known: the row's time */
	return m;
}
