/*
 * A severity and its one spelling: what the alert rules decide, the store
 * keeps (alerts.severity, alert_conditions.severity), a channel's minimum
 * in the config names, Prometheus labels, and the console filters and
 * marks. No other file spells "warning" or "critical" as a severity.
 */
#ifndef MLMON_CORE_SEVERITY_H
#define MLMON_CORE_SEVERITY_H

#include <stdbool.h>

/* Ordered: a channel takes an alert when its severity >= its minimum. */
enum severity {
	SEVERITY_INFO,
	SEVERITY_WARNING,
	SEVERITY_CRITICAL,
	SEVERITY_OFF,		/* as a minimum: nothing passes */
};

/* "info", "warning", "critical", "off"; "?" for anything else. */
const char	*severity_name(enum severity s);
/* The severity named s among first..last into *out; false if none. */
bool		 severity_parse(const char *s, enum severity first,
		    enum severity last, enum severity *out);

#endif
