/*
 * The protocol parser's lexer, its out-of-line half: reasons, JSON strings
 * (escapes and surrogate pairs decoded, U+0000 reported), the literals,
 * and any value of an unknown key, validated and skipped with its nesting
 * bounded. The hot half (numbers, whitespace) is in proto-internal.h.
 */
#include <stdarg.h>
#include <stdio.h>

#include "core/sanitize.h"
#include "ingest/proto-internal.h"

/* Set the reason (always returns false, for "return pp_fail(...)"). */
bool
pp_fail(struct ctx *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(c->reason, PROTO_REASON_MAX, fmt, ap);
	va_end(ap);
	return false;
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Read 4 hex digits at pos; -1 if there are not. */
static long
read_hex4(struct ctx *c)
{
	long	v = 0;
	int	i, h;

	if (c->len - c->pos < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		h = hexval((unsigned char)c->s[c->pos + i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	c->pos += 4;
	return v;
}

/*
 * A \u escape at pos (after the "\u"), a surrogate pair as one code
 * point, UTF-8 encoded into tmp; its length, or -1 with the reason.
 */
static int
escape_unicode(struct ctx *c, char tmp[4], bool *has_nul)
{
	long	cp = read_hex4(c), lo;

	if (cp < 0)
		return pp_fail(c, "invalid \\u escape"), -1;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return pp_fail(c, "lone low surrogate in \\u escape"), -1;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (c->len - c->pos < 2 || c->s[c->pos] != '\\' ||
		    c->s[c->pos + 1] != 'u')
			return pp_fail(c, "lone high surrogate in \\u "
			    "escape"), -1;
		c->pos += 2;
		lo = read_hex4(c);
		if (lo < 0)
			return pp_fail(c, "invalid \\u escape"), -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return pp_fail(c, "lone high surrogate in \\u "
			    "escape"), -1;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0 && has_nul != NULL)
		*has_nul = true;
	return (int)sanitize_encode((uint32_t)cp, tmp);
}

/*
 * The escape at pos (after its backslash), decoded into tmp; its length,
 * or -1 with the reason.
 */
static int
escape_decode(struct ctx *c, char tmp[4], bool *has_nul)
{
	static const char	from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char		*at;

	if (c->pos >= c->len)
		return pp_fail(c, "unterminated string"), -1;
	if (c->s[c->pos] == 'u') {
		c->pos++;
		return escape_unicode(c, tmp, has_nul);
	}
	at = c->s[c->pos] != '\0' ? strchr(from, c->s[c->pos]) : NULL;
	if (at == NULL)
		return pp_fail(c, "invalid escape in string"), -1;
	c->pos++;
	tmp[0] = to[at - from];
	return 1;
}

/*
 * Parse a string at pos (which is '"'). Decoded bytes go to dst when it is
 * not NULL, at most cap of them (*n counts them all; a longer string sets
 * *n > cap). *has_nul is set when the text contains U+0000.
 */
bool
pp_string(struct ctx *c, char *dst, size_t cap, size_t *n, bool *has_nul)
{
	size_t	 out = 0, k, i, start;
	char	 tmp[4];
	int	 e;

	if (has_nul != NULL)
		*has_nul = false;
	c->pos++;	/* '"' */
	for (;;) {
		/* Fast run of plain bytes. */
		for (start = c->pos; c->pos < c->len; c->pos++) {
			unsigned char	ch = (unsigned char)c->s[c->pos];

			if (ch == '"' || ch == '\\' || ch < 0x20)
				break;
		}
		k = c->pos - start;
		if (dst != NULL && out < cap)
			memcpy(dst + out, c->s + start, k < cap - out ? k :
			    cap - out);
		out += k;
		if (c->pos >= c->len)
			return pp_fail(c, "unterminated string");
		if (c->s[c->pos] == '"') {
			c->pos++;
			break;
		}
		if ((unsigned char)c->s[c->pos] < 0x20)
			return pp_fail(c, "control character in string");
		c->pos++;	/* the backslash */
		if ((e = escape_decode(c, tmp, has_nul)) < 0)
			return false;
		for (i = 0; i < (size_t)e; i++, out++)
			if (dst != NULL && out < cap)
				dst[out] = tmp[i];
	}
	*n = out;
	return true;
}

bool
pp_literal(struct ctx *c, const char *w)
{
	if (!at_word(c, w))
		return pp_fail(c, "invalid JSON value");
	c->pos += strlen(w);
	return true;
}

/* Parse and discard any value (validating it), nesting bounded. */
/*
 * The '[' opening NAME's array (after whitespace) and the whitespace in
 * it: 1 when it is empty (its ']' read too), 0 when elements follow, -1
 * with the reason "NAME is not an array".
 */
int
pp_array_open(struct ctx *c, const char *name)
{
	skip_ws(c);
	if (peek(c) != '[') {
		pp_fail(c, "%s is not an array", name);
		return -1;
	}
	c->pos++;
	skip_ws(c);
	if (peek(c) != ']')
		return 0;
	c->pos++;
	return 1;
}

/*
 * After an array element: step over "," (0) or "]" (1); -1 with the
 * reason "expected , or ] in NAME".
 */
int
pp_array_next(struct ctx *c, const char *name)
{
	int ch;

	skip_ws(c);
	ch = peek(c);
	c->pos++;
	if (ch == ']')
		return 1;
	if (ch == ',')
		return 0;
	pp_fail(c, "expected , or ] in %s", name);
	return -1;
}

bool
pp_skip_value(struct ctx *c, int depth)
{
	struct num	nm;
	size_t		n;
	int		ch, end;

	if (depth > PROTO_MAX_DEPTH)
		return pp_fail(c, "nesting deeper than %d levels",
		    PROTO_MAX_DEPTH);
	skip_ws(c);
	ch = peek(c);
	switch (ch) {
	case '"':
		return pp_string(c, NULL, 0, &n, NULL);
	case 't':
		return pp_literal(c, "true");
	case 'f':
		return pp_literal(c, "false");
	case 'n':
		return pp_literal(c, "null");
	case '[':
		c->pos++;
		skip_ws(c);
		if (peek(c) == ']') {
			c->pos++;
			return true;
		}
		for (;;) {
			if (!pp_skip_value(c, depth + 1))
				return false;
			if ((end = pp_array_next(c, "array")) < 0)
				return false;
			if (end)
				return true;
		}
	case '{':
		c->pos++;
		skip_ws(c);
		if (peek(c) == '}') {
			c->pos++;
			return true;
		}
		for (;;) {
			skip_ws(c);
			if (peek(c) != '"')
				return pp_fail(c, "expected a string key");
			if (!pp_string(c, NULL, 0, &n, NULL))
				return false;
			skip_ws(c);
			if (peek(c) != ':')
				return pp_fail(c, "expected : after key");
			c->pos++;
			if (!pp_skip_value(c, depth + 1))
				return false;
			skip_ws(c);
			ch = peek(c);
			c->pos++;
			if (ch == '}')
				return true;
			if (ch != ',')
				return pp_fail(c, "expected , or } in object");
		}
	default:
		if (ch == '-' || (ch >= '0' && ch <= '9'))
			return scan_number(c, &nm);
		if (ch < 0)
			return pp_fail(c, "unexpected end of line");
		return pp_fail(c, "invalid JSON value");
	}
}
