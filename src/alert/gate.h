/*
 * Severity gating, in one place: a decision goes to every channel whose
 * minimum severity it meets (struct alert_config min_severity, one entry
 * per channel; default critical for Slack and email). A decision no
 * channel takes is recorded only (channel "log" in the alerts table).
 */
#ifndef MLMON_ALERT_GATE_H
#define MLMON_ALERT_GATE_H

#include <stddef.h>

#include "alert/config.h"

/* The channels that take severity sev, in channel order; their count. */
size_t	alert_gate(const struct alert_config *c, enum alert_severity sev,
	    enum alert_channel out[ALERT_CHANNEL_COUNT]);

#endif
