/*
 * Severity gating, in one place: a decision goes to every channel whose
 * minimum severity it meets (struct alert_config min_severity, one entry
 * per channel; default critical for Slack and email). A decision no
 * channel takes is recorded only (channel "log" in the alerts table).
 *
 * Before the channels, the acks and silences asked from the console
 * (db/alert-mute.h): a decision one of them covers is recorded as
 * "silenced" and goes to no channel, Alertmanager's re-posts included.
 */
#ifndef MLMON_ALERT_GATE_H
#define MLMON_ALERT_GATE_H

#include <stddef.h>

#include "alert/config.h"

struct alert_mute;

/* The channels that take severity sev, in channel order; their count. */
size_t	alert_gate(const struct alert_config *c, enum alert_severity sev,
	    enum alert_channel out[ALERT_CHANNEL_COUNT]);

/*
 * The ack or silence among mutes[0..n) that mutes a decision of kind
 * (firing, repeat, resolved) on condition key of model, whose current
 * opening is opened_at, at now; NULL when none does. A silence mutes
 * every kind until it ends, on its condition, its rule or its model; an
 * ack mutes the repeats of the opening it was made on (its resolution
 * still goes out, and a new opening pages again).
 */
const struct alert_mute *alert_gate_muted(const struct alert_mute *mutes,
	    size_t n, const char *key, const char *model, double opened_at,
	    const char *kind, double now);

#endif
