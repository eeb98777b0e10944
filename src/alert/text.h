/*
 * Secret hygiene for everything alerting writes somewhere: error strings
 * lose every secret before they reach the log or the alerts table.
 * Untrusted names and header values are cleaned by core/sanitize.h.
 */
#ifndef MLMON_ALERT_TEXT_H
#define MLMON_ALERT_TEXT_H

#include <stddef.h>

/*
 * Caller frees. s with every occurrence of each secret (a NULL-terminated
 * list; NULL or short entries, under 4 bytes, are skipped) replaced by
 * "[redacted]", then cleaned as by sanitize_dup(.., max).
 */
char	*alert_text_scrub(const char *s, const char *const *secrets,
	    size_t max);

#endif
