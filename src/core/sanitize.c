/*
 * Text hygiene shared by every binary: a UTF-8 decoder that rejects what
 * the standard rejects, the set of code points a terminal must not see,
 * and two cleaners (into a caller's buffer, or a new string cut with an
 * ellipsis). Everything that prints untrusted text goes through here.
 */
#include "core/sanitize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define SANITIZE_REPLACEMENT	0xFFFDu

size_t
sanitize_decode(const unsigned char *s, size_t left, uint32_t *cp)
{
	size_t n, i;
	uint32_t c;

	if (left == 0)
		return 0;
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

bool
sanitize_valid(const unsigned char *s, size_t len)
{
	size_t		i = 0;
	uint64_t	w;

	while (i < len) {
		unsigned char	b;

		/* ASCII eight bytes at a time. */
		while (len - i >= 8) {
			memcpy(&w, s + i, 8);
			if (w & UINT64_C(0x8080808080808080))
				break;
			i += 8;
		}
		if (i >= len)
			break;
		b = s[i];
		if (b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf) {
			if (len - i < 2 || (s[i + 1] & 0xc0) != 0x80)
				return false;
			i += 2;
		} else if (b >= 0xe0 && b <= 0xef) {
			unsigned char	lo = 0x80, hi = 0xbf;

			if (b == 0xe0)
				lo = 0xa0;
			else if (b == 0xed)
				hi = 0x9f;
			if (len - i < 3 || s[i + 1] < lo || s[i + 1] > hi ||
			    (s[i + 2] & 0xc0) != 0x80)
				return false;
			i += 3;
		} else if (b >= 0xf0 && b <= 0xf4) {
			unsigned char	lo = 0x80, hi = 0xbf;

			if (b == 0xf0)
				lo = 0x90;
			else if (b == 0xf4)
				hi = 0x8f;
			if (len - i < 4 || s[i + 1] < lo || s[i + 1] > hi ||
			    (s[i + 2] & 0xc0) != 0x80 ||
			    (s[i + 3] & 0xc0) != 0x80)
				return false;
			i += 4;
		} else
			return false;
	}
	return true;
}

size_t
sanitize_encode(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

bool
sanitize_is_control(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0x200e || c == 0x200f || c == 0x061c;
}

size_t
sanitize_into(const char *in, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)(in ? in : "");
	size_t left = strlen((const char *)s), o = 0, n, k;
	char enc[4];
	uint32_t c;

	if (size == 0)
		return 0;
	while (left > 0) {
		n = sanitize_decode(s, left, &c);
		if (n == 0) {
			c = SANITIZE_REPLACEMENT;
			n = 1;
		}
		s += n;
		left -= n;
		if (c == '\t' || c == '\n' || c == '\r')
			c = ' ';
		else if (sanitize_is_control(c))
			continue;
		k = sanitize_encode(c, enc);
		if (o + k + 1 > size)
			break;
		memcpy(out + o, enc, k);
		o += k;
	}
	out[o] = '\0';
	return o;
}

size_t
sanitize_cut(const char *s, size_t max)
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
sanitize_dup(const char *in, size_t max)
{
	size_t size, o, keep;
	char *out;

	/* Each input byte yields at most 3 output bytes (U+FFFD). */
	size = 3 * strlen(in ? in : "") + 1;
	out = xmalloc(size);
	o = sanitize_into(in, out, size);
	if (max < 4)
		max = 4;
	if (o > max) {
		keep = sanitize_cut(out, max - 3);
		memcpy(out + keep, "...", 4);
	}
	return out;
}

char *
sanitize_vformat(const char *fmt, va_list ap)
{
	char probe[1], *raw, *clean;
	va_list again;
	int len;

	va_copy(again, ap);
	len = vsnprintf(probe, sizeof probe, fmt, ap);
	if (len < 0) {
		va_end(again);
		return xstrdup("(message lost)");
	}
	raw = xmalloc((size_t)len + 1);
	vsnprintf(raw, (size_t)len + 1, fmt, again);
	va_end(again);
	clean = sanitize_dup(raw, SIZE_MAX);
	free(raw);
	return clean;
}

void
sanitize_say(const char *prog, const char *fmt, va_list ap)
{
	char	*m = sanitize_vformat(fmt, ap);

	fprintf(stderr, "%s: %s\n", prog, m);
	free(m);
}
