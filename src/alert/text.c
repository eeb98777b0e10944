/*
 * Secret hygiene: scrub secrets out of error strings, then clean them
 * with the one cleaner (core/sanitize.h).
 */
#include "alert/text.h"

#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/xalloc.h"

char *
alert_text_scrub(const char *s, const char *const *secrets, size_t max)
{
	static const char mark[] = "[redacted]";
	size_t i, k, best, len, o = 0;
	char *buf, *clean;

	/* One pass, longest match first, so a mark is never rescanned. */
	len = strlen(s);
	buf = xmalloc(len * sizeof mark + 1);
	for (i = 0; i < len; ) {
		best = 0;
		for (k = 0; secrets != NULL && secrets[k] != NULL; k++) {
			size_t n = strlen(secrets[k]);

			if (n >= 4 && n > best && strncmp(s + i, secrets[k],
			    n) == 0)
				best = n;
		}
		if (best > 0) {
			memcpy(buf + o, mark, sizeof mark - 1);
			o += sizeof mark - 1;
			i += best;
		} else
			buf[o++] = s[i++];
	}
	buf[o] = '\0';
	clean = sanitize_dup(buf, max);
	free(buf);
	return clean;
}
