/*
 * Text hygiene for everything alerting writes somewhere: untrusted names
 * (features come from NDJSON) are made printable before they enter a
 * message, header values lose every control character so nothing can
 * inject a header or a Slack mention, and error strings lose any secret
 * before they reach the log or the alerts table.
 */
#ifndef MLMON_ALERT_TEXT_H
#define MLMON_ALERT_TEXT_H

#include <stddef.h>

/*
 * Caller frees. Valid UTF-8 without control characters (C0, DEL, C1):
 * tab, CR and LF become a space, other controls are dropped, invalid
 * bytes become '?'. At most max bytes (max >= 4), cut at a character
 * boundary and ended with "..." when cut.
 */
char	*alert_text_clean(const char *s, size_t max);

/*
 * Caller frees. s with every occurrence of each secret (a NULL-terminated
 * list; NULL or short entries, under 4 bytes, are skipped) replaced by
 * "[redacted]", then cleaned as by alert_text_clean(.., max).
 */
char	*alert_text_scrub(const char *s, const char *const *secrets,
	    size_t max);

/* Length of the longest prefix of s, at most max bytes, ending on a
 * UTF-8 character boundary. */
size_t	 alert_text_cut(const char *s, size_t max);

#endif
