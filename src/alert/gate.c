/* Severity gating: which channels take a decision, if any. */
#include "alert/gate.h"

#include <stdbool.h>
#include <string.h>

#include "db/alert-mute.h"

size_t
alert_gate(const struct alert_config *c, enum alert_severity sev,
    enum alert_channel out[ALERT_CHANNEL_COUNT])
{
	size_t n = 0;
	int ch;

	for (ch = 0; ch < ALERT_CHANNEL_COUNT; ch++) {
		if (c->min_severity[ch] != ALERT_SEVERITY_OFF &&
		    sev >= c->min_severity[ch])
			out[n++] = (enum alert_channel)ch;
	}
	return n;
}

/* True when condition key belongs to rule (the key is rule[:...]). */
static bool
gate_key_of_rule(const char *key, const char *rule)
{
	size_t n = strlen(rule);

	return strncmp(key, rule, n) == 0 &&
	    (key[n] == '\0' || key[n] == ':');
}

const struct alert_mute *
alert_gate_muted(const struct alert_mute *mutes, size_t n, const char *key,
    const char *model, double opened_at, const char *kind, double now)
{
	const struct alert_mute *m;
	bool covers;
	size_t i;

	for (i = 0; i < n; i++) {
		m = &mutes[i];
		if (strcmp(m->model, model) != 0)
			continue;
		if (m->kind == ALERT_MUTE_ACK) {
			if (strcmp(m->target, key) == 0 &&
			    strcmp(kind, "repeat") == 0 &&
			    m->opened_at == opened_at)
				return m;
			continue;
		}
		if (now >= m->until)
			continue;
		switch (m->scope) {
		case ALERT_MUTE_CONDITION:
			covers = strcmp(m->target, key) == 0;
			break;
		case ALERT_MUTE_RULE:
			covers = gate_key_of_rule(key, m->target);
			break;
		default:
			covers = strcmp(m->target, model) == 0;
			break;
		}
		if (covers)
			return m;
	}
	return NULL;
}
