/*
 * The severity names (severity.h): one table, indexed by enum severity.
 */
#include "severity.h"

#include <string.h>

static const char *const severity_names[] = {
	[SEVERITY_INFO] = "info",
	[SEVERITY_WARNING] = "warning",
	[SEVERITY_CRITICAL] = "critical",
	[SEVERITY_OFF] = "off",
};

const char *
severity_name(enum severity s)
{
	if ((unsigned)s >= sizeof severity_names / sizeof severity_names[0])
		return "?";
	return severity_names[s];
}

bool
severity_parse(const char *s, enum severity first, enum severity last,
    enum severity *out)
{
	int i;

	for (i = (int)first; i <= (int)last; i++) {
		if (strcmp(s, severity_name((enum severity)i)) == 0) {
			*out = (enum severity)i;
			return true;
		}
	}
	return false;
}
