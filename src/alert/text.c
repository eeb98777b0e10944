/*
 * Text hygiene: clean untrusted text to printable UTF-8, scrub secrets out
 * of error strings, cut at character boundaries.
 */
#include "alert/text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid. */
static size_t
text_utf8_len(const unsigned char *s, size_t left, uint32_t *cp)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

size_t
alert_text_cut(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len <= max)
		return len;
	len = max;
	/* Back off continuation bytes so the cut lands on a lead byte. */
	while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	return len;
}

char *
alert_text_clean(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s), n, o = 0, keep;
	uint32_t cp;
	char *out;

	out = xmalloc(left + 1);
	while (left > 0) {
		n = text_utf8_len(p, left, &cp);
		if (n == 0) {
			out[o++] = '?';
			n = 1;
		} else if (cp == '\t' || cp == '\r' || cp == '\n')
			out[o++] = ' ';
		else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			;
		else {
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		left -= n;
	}
	out[o] = '\0';
	if (max < 4)
		max = 4;
	if (o > max) {
		keep = alert_text_cut(out, max - 3);
		memcpy(out + keep, "...", 4);
	}
	return out;
}

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
	clean = alert_text_clean(buf, max);
	free(buf);
	return clean;
}
