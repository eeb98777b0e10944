/* Severity gating: which channels take a decision. */
#include "alert/gate.h"

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
