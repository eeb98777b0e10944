/*
 * A hand-written parser for one NDJSON protocol line.
 *
 * The line is first checked to be UTF-8 (so string contents can be copied
 * byte for byte), then walked once by a recursive-descent JSON parser that
 * knows the protocol's keys. Known keys are decoded into the parser's
 * buffers as they are met; unknown keys have their values validated and
 * skipped (nesting bounded by PROTO_MAX_DEPTH). Only after the closing
 * brace, when "type" is known, are the fields checked against the kind.
 *
 * Buffers: text holds, from its start, the compact JSON of the arrays and
 * the decoded schema names; its size is at least 2 * len + 64 so that the
 * outputs (never longer than their source) fit in the first half and a
 * long number token can be copied, NUL-terminated, at its end for strtod.
 */
#include "ingest/proto.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/xalloc.h"

/* Which known key a member is. */
enum key {
	KEY_UNKNOWN = -1,
	KEY_TYPE,
	KEY_BATCH_ID,
	KEY_ROW,
	KEY_FEATURES,
	KEY_SCORES,
	KEY_PREDICTED,
	KEY_CONFIDENCE,
	KEY_TRUE_CLASS,
	KEY_FEATURE_NAMES,
	KEY_CLASS_NAMES,
	KEY_ID,
	KEY_TS,
	KEY_MODEL,
	KEY_FEATURE_TYPES,
	KEY_COUNT,
};

/* The shape true_class was given in. */
enum tc_shape {
	TC_ABSENT,
	TC_NULL,
	TC_INT,
	TC_ARRAY,
};

/* One number token, validated against the JSON grammar. */
struct num {
	const char	*tok;
	size_t		 len;
	bool		 is_int;	/* no fraction, no exponent */
	bool		 exact;		/* m holds every significant digit */
	uint64_t	 m;		/* significand, at most 19 digits */
	int		 e10;		/* value = m * 10^e10 when exact */
};

struct ctx {
	struct proto_parser	*p;
	const char		*s;
	size_t			 len;
	size_t			 pos;
	char			*reason;
	size_t			 tused;		/* bytes of p->text used */
	size_t			 cused;		/* bytes of p->cat_text used */
	unsigned		 seen;		/* bit per enum key */
	enum proto_kind		 kind;
	enum tc_shape		 tc;
	struct proto_record	*r;
};

static const char *const key_names[KEY_COUNT] = {
	[KEY_TYPE] = "type",
	[KEY_BATCH_ID] = "batch_id",
	[KEY_ROW] = "row_in_batch",
	[KEY_FEATURES] = "features",
	[KEY_SCORES] = "scores",
	[KEY_PREDICTED] = "predicted_class",
	[KEY_CONFIDENCE] = "confidence",
	[KEY_TRUE_CLASS] = "true_class",
	[KEY_FEATURE_NAMES] = "feature_names",
	[KEY_CLASS_NAMES] = "class_names",
	[KEY_ID] = "id",
	[KEY_TS] = "ts",
	[KEY_MODEL] = "model",
	[KEY_FEATURE_TYPES] = "feature_types",
};

static const char *const kind_names[] = {
	[PROTO_PREDICTION] = "prediction",
	[PROTO_REFERENCE] = "reference",
	[PROTO_SCHEMA] = "schema",
	[PROTO_LABELS] = "labels",
	[PROTO_END_BATCH] = "end_batch",
	[PROTO_LABEL] = "label",
};

#define BIT(k)	(1u << (k))

/*
 * Keys each kind may carry (every kind may name its model), and those it
 * must.
 */
static const unsigned kind_allowed[] = {
	[PROTO_PREDICTION] = BIT(KEY_TYPE) | BIT(KEY_BATCH_ID) | BIT(KEY_ROW) |
	    BIT(KEY_FEATURES) | BIT(KEY_SCORES) | BIT(KEY_PREDICTED) |
	    BIT(KEY_CONFIDENCE) | BIT(KEY_TRUE_CLASS) | BIT(KEY_ID) |
	    BIT(KEY_TS) | BIT(KEY_MODEL),
	[PROTO_REFERENCE] = BIT(KEY_TYPE) | BIT(KEY_FEATURES) |
	    BIT(KEY_SCORES) | BIT(KEY_PREDICTED) | BIT(KEY_CONFIDENCE) |
	    BIT(KEY_TRUE_CLASS) | BIT(KEY_MODEL),
	[PROTO_SCHEMA] = BIT(KEY_TYPE) | BIT(KEY_FEATURE_NAMES) |
	    BIT(KEY_CLASS_NAMES) | BIT(KEY_MODEL) | BIT(KEY_FEATURE_TYPES),
	[PROTO_LABELS] = BIT(KEY_TYPE) | BIT(KEY_BATCH_ID) |
	    BIT(KEY_TRUE_CLASS) | BIT(KEY_MODEL),
	[PROTO_END_BATCH] = BIT(KEY_TYPE) | BIT(KEY_BATCH_ID) |
	    BIT(KEY_MODEL),
	[PROTO_LABEL] = BIT(KEY_TYPE) | BIT(KEY_ID) | BIT(KEY_TRUE_CLASS) |
	    BIT(KEY_MODEL),
};
static const unsigned kind_required[] = {
	/* batch_id: the pipeline knows whether a window stands in. */
	[PROTO_PREDICTION] = BIT(KEY_FEATURES) | BIT(KEY_SCORES),
	[PROTO_REFERENCE] = BIT(KEY_FEATURES) | BIT(KEY_SCORES),
	[PROTO_SCHEMA] = 0,
	[PROTO_LABELS] = BIT(KEY_BATCH_ID) | BIT(KEY_TRUE_CLASS),
	[PROTO_END_BATCH] = BIT(KEY_BATCH_ID),
	[PROTO_LABEL] = BIT(KEY_ID) | BIT(KEY_TRUE_CLASS),
};

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static bool	parse_value_skip(struct ctx *c, int depth);

/* Set the reason (always returns false, for "return fail(...)"). */
static bool __attribute__((format(printf, 2, 3)))
fail(struct ctx *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(c->reason, PROTO_REASON_MAX, fmt, ap);
	va_end(ap);
	return false;
}

static void
skip_ws(struct ctx *c)
{
	while (c->pos < c->len) {
		char	ch = c->s[c->pos];

		if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
			break;
		c->pos++;
	}
}

static int
peek(const struct ctx *c)
{
	if (c->pos >= c->len)
		return -1;
	return (unsigned char)c->s[c->pos];
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
 * Parse a string at pos (which is '"'). Decoded bytes go to dst when it is
 * not NULL, at most cap of them (*n counts them all; a longer string sets
 * *n > cap). *has_nul is set when the text contains U+0000.
 */
static bool
parse_string(struct ctx *c, char *dst, size_t cap, size_t *n, bool *has_nul)
{
	size_t	 out = 0;
	char	 tmp[4];
	size_t	 k, i;

	if (has_nul != NULL)
		*has_nul = false;
	c->pos++;	/* '"' */
	for (;;) {
		size_t	 start = c->pos;

		/* Fast run of plain bytes. */
		while (c->pos < c->len) {
			unsigned char	ch = (unsigned char)c->s[c->pos];

			if (ch == '"' || ch == '\\' || ch < 0x20)
				break;
			c->pos++;
		}
		k = c->pos - start;
		if (dst != NULL && out < cap)
			memcpy(dst + out, c->s + start, k < cap - out ? k :
			    cap - out);
		out += k;
		if (c->pos >= c->len)
			return fail(c, "unterminated string");
		if (c->s[c->pos] == '"') {
			c->pos++;
			break;
		}
		if ((unsigned char)c->s[c->pos] < 0x20)
			return fail(c, "control character in string");
		/* Escape. */
		c->pos++;
		if (c->pos >= c->len)
			return fail(c, "unterminated string");
		switch (c->s[c->pos++]) {
		case '"':  tmp[0] = '"'; k = 1; break;
		case '\\': tmp[0] = '\\'; k = 1; break;
		case '/':  tmp[0] = '/'; k = 1; break;
		case 'b':  tmp[0] = '\b'; k = 1; break;
		case 'f':  tmp[0] = '\f'; k = 1; break;
		case 'n':  tmp[0] = '\n'; k = 1; break;
		case 'r':  tmp[0] = '\r'; k = 1; break;
		case 't':  tmp[0] = '\t'; k = 1; break;
		case 'u': {
			long	cp = read_hex4(c), lo;

			if (cp < 0)
				return fail(c, "invalid \\u escape");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(c, "lone low surrogate in \\u "
				    "escape");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (c->len - c->pos < 2 ||
				    c->s[c->pos] != '\\' ||
				    c->s[c->pos + 1] != 'u')
					return fail(c, "lone high surrogate "
					    "in \\u escape");
				c->pos += 2;
				lo = read_hex4(c);
				if (lo < 0)
					return fail(c, "invalid \\u escape");
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(c, "lone high surrogate "
					    "in \\u escape");
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			if (cp == 0 && has_nul != NULL)
				*has_nul = true;
			k = sanitize_encode((uint32_t)cp, tmp);
			break;
		}
		default:
			return fail(c, "invalid escape in string");
		}
		for (i = 0; i < k; i++, out++) {
			if (dst != NULL && out < cap)
				dst[out] = tmp[i];
		}
	}
	*n = out;
	return true;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PROTO_SWAR	1
#else
#define PROTO_SWAR	0
#endif

static const uint64_t pow10_u64[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
};

/*
 * How many of the 8 bytes at s (s + 8 <= end) are ASCII digits, counting
 * from the first; *val is their value. Little endian: s[0] is the low byte.
 * Bytes after the first non-digit do not matter (a carry out of it only
 * disturbs the later bytes).
 */
static int
digits8(const char *s, uint64_t *val)
{
	uint64_t w, t, mask;
	int k;

	memcpy(&w, s, 8);
	t = w ^ UINT64_C(0x3030303030303030);
	mask = ((t + UINT64_C(0x7676767676767676)) | t) &
	    UINT64_C(0x8080808080808080);
	k = mask == 0 ? 8 : __builtin_ctzll(mask) / 8;
	if (k == 0)
		return 0;
	t <<= 8 * (8 - k);	/* leading zero digits in the high places */
	t = t * 10 + (t >> 8);
	t = (((t & UINT64_C(0x000000ff000000ff)) *
	    (100 + (UINT64_C(1000000) << 32))) +
	    (((t >> 16) & UINT64_C(0x000000ff000000ff)) *
	    (1 + (UINT64_C(10000) << 32)))) >> 32;
	*val = t & 0xffffffff;
	return k;
}

/* Significant digits of v < 10^8 (0 for 0). */
static int
digit_count(uint64_t v)
{
	int n = 0;

	while (n < 8 && v >= pow10_u64[n])
		n++;
	return n;
}

/*
 * Scan a number token at pos against the JSON grammar, accumulating its
 * significand (up to 19 digits) and decimal exponent on the way so that
 * the common case converts without a second pass. Fraction digits are
 * taken eight bytes at a time while all of them fit in the 19 kept.
 */
static bool
scan_number(struct ctx *c, struct num *nm)
{
	const char	*s = c->s;
	size_t		 start = c->pos, i = c->pos, len = c->len;
	uint64_t	 m = 0, v;
	int		 nd = 0, e10 = 0, e = 0, k;
	bool		 exact = true, eneg = false;

	nm->is_int = true;
	if (i < len && s[i] == '-')
		i++;
	if (i < len && s[i] == '0')
		i++;
	else if (i < len && s[i] >= '1' && s[i] <= '9') {
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (nd < 19) {
				m = m * 10 + (uint64_t)(s[i] - '0');
				nd++;
			} else
				exact = false;
		}
	} else {
		c->pos = i;
		return fail(c, "invalid number");
	}
	if (i < len && s[i] == '.') {
		nm->is_int = false;
		i++;
		if (!(i < len && s[i] >= '0' && s[i] <= '9')) {
			c->pos = i;
			return fail(c, "invalid number");
		}
		while (PROTO_SWAR && len - i >= 8 && nd <= 11 &&
		    (k = digits8(s + i, &v)) > 0) {
			/* Leading zeros of a zero significand do not count. */
			nd += m != 0 ? k : digit_count(v);
			m = m * pow10_u64[k] + v;
			e10 -= k;
			i += k;
			if (k < 8)
				break;
		}
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (nd < 19) {
				m = m * 10 + (uint64_t)(s[i] - '0');
				if (m != 0)
					nd++;
				e10--;
			} else
				exact = false;
		}
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		nm->is_int = false;
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		if (!(i < len && s[i] >= '0' && s[i] <= '9')) {
			c->pos = i;
			return fail(c, "invalid number");
		}
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (e < 100000)
				e = e * 10 + (s[i] - '0');
		}
		e10 += eneg ? -e : e;
	}
	c->pos = i;
	nm->tok = s + start;
	nm->len = i - start;
	nm->m = m;
	nm->e10 = e10;
	nm->exact = exact;
	return true;
}

/*
 * The value of a scanned number: exact fast path when the significand has
 * at most 19 digits, fits in 53 bits and the power of ten is exact
 * (Clinger); strtod on a NUL-terminated copy otherwise.
 */
static double
num_value(struct ctx *c, const struct num *nm)
{
	double	 d;
	char	*copy;

	if (nm->exact && nm->m <= (UINT64_C(1) << 53) && nm->e10 >= -22 &&
	    nm->e10 <= 22) {
		d = (double)nm->m;
		if (nm->e10 < 0)
			d /= pow10_exact[-nm->e10];
		else
			d *= pow10_exact[nm->e10];
		return nm->tok[0] == '-' ? -d : d;
	}
	/* The second half of text is free scratch (see the file comment). */
	copy = c->p->text + c->p->text_size - nm->len - 1;
	memcpy(copy, nm->tok, nm->len);
	copy[nm->len] = '\0';
	return strtod(copy, NULL);
}

/* Convert an integer token; 0 ok, -1 negative, -2 too large. */
static int
num_int64(const struct num *nm, int64_t *out)
{
	size_t		i = 0;
	uint64_t	v = 0;
	bool		neg = false;

	if (nm->tok[0] == '-') {
		neg = true;
		i++;
	}
	for (; i < nm->len; i++) {
		unsigned	d = (unsigned)(nm->tok[i] - '0');

		if (v > ((uint64_t)INT64_MAX - d) / 10)
			return -2;
		v = v * 10 + d;
	}
	if (neg && v != 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* True when pos starts the bare word w (used for NaN and Infinity). */
static bool
at_word(const struct ctx *c, const char *w)
{
	size_t	n = strlen(w);

	return c->len - c->pos >= n && memcmp(c->s + c->pos, w, n) == 0;
}

static bool
parse_literal(struct ctx *c, const char *w)
{
	if (!at_word(c, w))
		return fail(c, "invalid JSON value");
	c->pos += strlen(w);
	return true;
}

/* Parse and discard any value (validating it), nesting bounded. */
/*
 * After an array element: step over "," (0) or "]" (1); -1 with the
 * reason "expected , or ] in NAME".
 */
static int
array_next(struct ctx *c, const char *name)
{
	int ch;

	skip_ws(c);
	ch = peek(c);
	c->pos++;
	if (ch == ']')
		return 1;
	if (ch == ',')
		return 0;
	fail(c, "expected , or ] in %s", name);
	return -1;
}

static bool
parse_value_skip(struct ctx *c, int depth)
{
	struct num	nm;
	size_t		n;
	int		ch, end;

	if (depth > PROTO_MAX_DEPTH)
		return fail(c, "nesting deeper than %d levels",
		    PROTO_MAX_DEPTH);
	skip_ws(c);
	ch = peek(c);
	switch (ch) {
	case '"':
		return parse_string(c, NULL, 0, &n, NULL);
	case 't':
		return parse_literal(c, "true");
	case 'f':
		return parse_literal(c, "false");
	case 'n':
		return parse_literal(c, "null");
	case '[':
		c->pos++;
		skip_ws(c);
		if (peek(c) == ']') {
			c->pos++;
			return true;
		}
		for (;;) {
			if (!parse_value_skip(c, depth + 1))
				return false;
			if ((end = array_next(c, "array")) < 0)
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
				return fail(c, "expected a string key");
			if (!parse_string(c, NULL, 0, &n, NULL))
				return false;
			skip_ws(c);
			if (peek(c) != ':')
				return fail(c, "expected : after key");
			c->pos++;
			if (!parse_value_skip(c, depth + 1))
				return false;
			skip_ws(c);
			ch = peek(c);
			c->pos++;
			if (ch == '}')
				return true;
			if (ch != ',')
				return fail(c, "expected , or } in object");
		}
	default:
		if (ch == '-' || (ch >= '0' && ch <= '9'))
			return scan_number(c, &nm);
		if (ch < 0)
			return fail(c, "unexpected end of line");
		return fail(c, "invalid JSON value");
	}
}

/* Append bytes to the output area of text. */
static char *
text_put(struct ctx *c, const char *b, size_t n)
{
	char	*at = c->p->text + c->tused;

	memcpy(at, b, n);
	c->tused += n;
	return at;
}

/*
 * A missing value at pos: null, or one of the bare tokens Python's
 * json.dumps writes for NaN and infinities. Consumes it and counts it.
 */
static bool
parse_missing(struct ctx *c)
{
	static const char *const bare[] = { "NaN", "Infinity", "-Infinity" };
	size_t i;

	if (at_word(c, "null")) {
		c->pos += 4;
		c->r->n_missing++;
		return true;
	}
	for (i = 0; i < sizeof bare / sizeof bare[0]; i++)
		if (at_word(c, bare[i])) {
			c->pos += strlen(bare[i]);
			c->r->n_missing++;
			c->r->n_bare_missing++;
			return true;
		}
	return false;
}

/* The reason a value that is not a number is refused. */
static bool
fail_not_number(struct ctx *c, const char *name, size_t n, bool missing_ok)
{
	int ch = peek(c);

	if (ch == '{' || ch == '[')
		return fail(c, "%s[%zu] is %s, not a number%s", name, n,
		    ch == '{' ? "an object" : "an array",
		    missing_ok ? ", a string or null" : "");
	if (ch == '"')
		return fail(c, "%s[%zu] is a string, not a number", name, n);
	if (!missing_ok && (at_word(c, "NaN") || at_word(c, "Infinity") ||
	    at_word(c, "-Infinity")))
		return fail(c, "%s[%zu] is not a finite number", name, n);
	return fail(c, "%s[%zu] is not a number", name, n);
}

/* One finite number into *v, its token to text. */
static bool
parse_finite(struct ctx *c, const char *name, size_t n, bool missing_ok,
    double *v)
{
	struct num	nm;
	int		ch = peek(c);

	if (!(ch == '-' || (ch >= '0' && ch <= '9')) ||
	    at_word(c, "-Infinity"))
		return fail_not_number(c, name, n, missing_ok);
	if (!scan_number(c, &nm))
		return fail(c, "%s[%zu] is not a valid number", name, n);
	*v = num_value(c, &nm);
	if (!isfinite(*v))
		return fail(c, "%s[%zu] is not a finite number", name, n);
	text_put(c, nm.tok, nm.len);
	return true;
}

/* Append s[0..n) to text as a JSON string, escaped as cJSON does. */
static void
text_put_string(struct ctx *c, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	size_t i, run;

	text_put(c, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		for (run = i; run < n && (unsigned char)s[run] >= 0x20 &&
		    s[run] != '"' && s[run] != '\\'; run++)
			;
		if (run > i) {
			text_put(c, s + i, run - i);
			i = run - 1;
		} else if (ch == '"' || ch == '\\') {
			esc[1] = (char)ch;
			text_put(c, esc, 2);
		} else if (ch < 0x20) {
			esc[1] = ch == '\b' ? 'b' : ch == '\f' ? 'f' :
			    ch == '\n' ? 'n' : ch == '\r' ? 'r' :
			    ch == '\t' ? 't' : 'u';
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 0xf];
			text_put(c, esc, esc[1] == 'u' ? 6 : 2);
		}
	}
	text_put(c, "\"", 1);
}

/*
 * A categorical value at pos ('"'), features[n]: decoded, NUL-terminated,
 * into cat_text (p->strings[n] points at it), its canonical JSON (the
 * escapes cJSON writes) into text. Never longer than its source, so both
 * fit their buffers.
 */
static bool
parse_category(struct ctx *c, size_t n)
{
	struct proto_parser	*p = c->p;
	char			*at = p->cat_text + c->cused;
	size_t			 len;
	bool			 nul;

	if (!parse_string(c, at, CAT_VALUE_MAX, &len, &nul))
		return false;
	if (len > CAT_VALUE_MAX)
		return fail(c, "features[%zu] is a category of %zu bytes, "
		    "more than %d", n, len, CAT_VALUE_MAX);
	if (len == 0)
		return fail(c, "features[%zu] is an empty string (a missing "
		    "value is null)", n);
	if (nul)
		return fail(c, "features[%zu] contains U+0000", n);
	at[len] = '\0';
	c->cused += len + 1;
	p->strings[n] = at;
	c->r->n_strings++;
	text_put_string(c, at, len);
	return true;
}

/*
 * Parse an array of finite numbers into vals (at most max), writing its
 * compact JSON text (the tokens joined by commas) to text. With
 * missing_ok (features), null and the bare NaN/Infinity/-Infinity are
 * missing values: NaN in vals, null in the text; and a string is a
 * categorical value: NaN in vals, the string in p->strings[n] (NULL for
 * every other value) and in the text.
 */
static bool
parse_number_array(struct ctx *c, const char *name, double *vals, size_t max,
    size_t *count, const char **json, bool missing_ok)
{
	size_t		 n = 0;
	char		*start;
	int		 end;

	skip_ws(c);
	if (peek(c) != '[')
		return fail(c, "%s is not an array", name);
	c->pos++;
	start = text_put(c, "[", 1);
	skip_ws(c);
	if (peek(c) == ']')
		c->pos++;
	else {
		for (;;) {
			skip_ws(c);
			if (n == max)
				return fail(c, "%s has more than %zu values",
				    name, max);
			if (n > 0)
				text_put(c, ",", 1);
			if (missing_ok)
				c->p->strings[n] = NULL;
			if (missing_ok && parse_missing(c)) {
				vals[n] = NAN;
				text_put(c, "null", 4);
			} else if (missing_ok && peek(c) == '"') {
				vals[n] = NAN;
				if (!parse_category(c, n))
					return false;
			} else if (!parse_finite(c, name, n, missing_ok,
			    &vals[n]))
				return false;
			n++;
			if ((end = array_next(c, name)) < 0)
				return false;
			if (end)
				break;
		}
	}
	text_put(c, "]", 2);	/* with its NUL */
	*count = n;
	*json = start;
	return true;
}

/* Parse a non-negative integer (for batch_id and the like). */
static bool
parse_index(struct ctx *c, const char *name, int64_t max, int64_t *out)
{
	struct num	nm;
	int64_t		v;
	int		ch, rc;

	skip_ws(c);
	ch = peek(c);
	if (!(ch == '-' || (ch >= '0' && ch <= '9'))) {
		if (ch == '"' || ch == 't' || ch == 'f' || ch == 'n' ||
		    ch == '[' || ch == '{')
			return fail(c, "%s is not an integer", name);
		return fail(c, "invalid JSON value for %s", name);
	}
	if (!scan_number(c, &nm))
		return false;
	if (!nm.is_int)
		return fail(c, "%s is not an integer", name);
	rc = num_int64(&nm, &v);
	if (rc == -1)
		return fail(c, "%s is negative", name);
	if (rc == -2 || v > max)
		return fail(c, "%s is too large", name);
	*out = v;
	return true;
}

/* Grow the labels buffer to hold at least n. */
static void
labels_reserve(struct proto_parser *p, size_t n)
{
	size_t	size = p->labels_size ? p->labels_size : 256;

	if (n <= p->labels_size)
		return;
	while (size < n)
		size *= 2;
	p->labels = xreallocarray(p->labels, size, sizeof *p->labels);
	p->labels_size = size;
}

/* true_class: an integer, null, or (labels) an array of integers. */
static bool
parse_true_class(struct ctx *c)
{
	struct proto_parser	*p = c->p;
	int64_t			 v;
	size_t			 n = 0;
	char			 name[48];
	int			 ch, end;

	skip_ws(c);
	ch = peek(c);
	if (ch == 'n') {
		if (!parse_literal(c, "null"))
			return false;
		c->tc = TC_NULL;
		c->r->true_class = -1;
		return true;
	}
	if (ch != '[') {
		if (!parse_index(c, "true_class", INT_MAX, &v))
			return false;
		c->tc = TC_INT;
		c->r->true_class = (int)v;
		return true;
	}
	c->pos++;
	skip_ws(c);
	if (peek(c) == ']')
		c->pos++;
	else {
		for (;;) {
			snprintf(name, sizeof name, "true_class[%zu]", n);
			if (!parse_index(c, name, INT_MAX, &v))
				return false;
			labels_reserve(p, n + 1);
			p->labels[n++] = (int)v;
			if ((end = array_next(c, "true_class")) < 0)
				return false;
			if (end)
				break;
		}
	}
	c->tc = TC_ARRAY;
	c->r->labels = p->labels;
	c->r->n_labels = n;
	return true;
}

/* Parse an array of names (schema) into text and the names table. */
static bool
parse_names(struct ctx *c, const char *name, size_t first, size_t max,
    size_t *count, const char *const **out)
{
	struct proto_parser	*p = c->p;
	size_t			 n = 0, len, i, j;
	bool			 nul;
	char			*at;
	int			 end;

	skip_ws(c);
	if (peek(c) != '[')
		return fail(c, "%s is not an array", name);
	c->pos++;
	if (p->names == NULL) {
		p->names_size = PROTO_MAX_FEATURES + PROTO_MAX_CLASSES;
		p->names = xcalloc(p->names_size, sizeof *p->names);
	}
	skip_ws(c);
	if (peek(c) == ']')
		c->pos++;
	else {
		for (;;) {
			skip_ws(c);
			if (peek(c) != '"')
				return fail(c, "%s[%zu] is not a string",
				    name, n);
			if (n == max)
				return fail(c, "%s has more than %zu names",
				    name, max);
			at = c->p->text + c->tused;
			if (!parse_string(c, at, PROTO_MAX_NAME, &len, &nul))
				return false;
			if (len > PROTO_MAX_NAME)
				return fail(c, "%s[%zu] is longer than %d "
				    "bytes", name, n, PROTO_MAX_NAME);
			if (len == 0)
				return fail(c, "%s[%zu] is empty", name, n);
			if (nul)
				return fail(c, "%s[%zu] contains U+0000",
				    name, n);
			at[len] = '\0';
			c->tused += len + 1;
			p->names[first + n] = at;
			n++;
			if ((end = array_next(c, name)) < 0)
				return false;
			if (end)
				break;
		}
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(p->names[first + i],
			    p->names[first + j]) == 0)
				return fail(c, "%s[%zu] repeats %s[%zu]",
				    name, j, name, i);
	*count = n;
	*out = (const char *const *)p->names + first;
	return true;
}

/* "feature_types": an array of "numeric" and "categorical". */
static bool
parse_feature_types(struct ctx *c)
{
	struct proto_parser	*p = c->p;
	size_t			 n = 0, len;
	char			 word[16];
	int			 end;

	skip_ws(c);
	if (peek(c) != '[')
		return fail(c, "feature_types is not an array");
	c->pos++;
	skip_ws(c);
	if (peek(c) == ']')
		return fail(c, "feature_types is empty");
	for (;;) {
		skip_ws(c);
		if (n == PROTO_MAX_FEATURES)
			return fail(c, "feature_types has more than %d values",
			    PROTO_MAX_FEATURES);
		if (peek(c) != '"')
			return fail(c, "feature_types[%zu] is not a string",
			    n);
		if (!parse_string(c, word, sizeof word - 1, &len, NULL))
			return false;
		word[len < sizeof word ? len : sizeof word - 1] = '\0';
		if (len == 7 && strcmp(word, "numeric") == 0)
			p->types[n] = false;
		else if (len == 11 && strcmp(word, "categorical") == 0)
			p->types[n] = true;
		else
			return fail(c, "feature_types[%zu] is not \"numeric\" "
			    "or \"categorical\"", n);
		n++;
		if ((end = array_next(c, "feature_types")) < 0)
			return false;
		if (end)
			break;
	}
	c->r->n_feature_types = n;
	c->r->categorical = p->types;
	return true;
}

/* Quote an untrusted short string for a reason: printable ASCII only. */
static void
quote_for_reason(const char *s, size_t n, char *out, size_t cap)
{
	size_t	i, o = 0;

	for (i = 0; i < n && o + 5 < cap; i++) {
		unsigned char	ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
	}
	if (i < n && o + 4 <= cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o < cap ? o : cap - 1] = '\0';
}

/* fail() with an allocated cause, which it frees. */
static bool
fail_cause(struct ctx *c, char *cause)
{
	fail(c, "%s", cause);
	free(cause);
	return false;
}

/* "id": a string of 1..EVENT_ID_MAX bytes or a non-negative integer. */
static bool
parse_id(struct ctx *c)
{
	struct proto_record	*r = c->r;
	struct num		 nm;
	char			*at, *cause = NULL;
	size_t			 n;
	int			 ch;

	skip_ws(c);
	ch = peek(c);
	if (ch == '"') {
		/* Decoded text is never longer than its source. */
		at = c->p->text + c->tused;
		if (!parse_string(c, at, EVENT_ID_MAX + 1, &n, NULL))
			return false;
		if (!event_id_check_text(at, n, &cause))
			return fail_cause(c, cause);
		c->tused += n;
		r->id_kind = PROTO_ID_TEXT;
		r->id_text = at;
		r->id_len = n;
		return true;
	}
	if (ch != '-' && (ch < '0' || ch > '9'))
		return fail(c, "id is not a string or an integer");
	if (!scan_number(c, &nm))
		return false;
	if (!event_id_from_number(nm.tok, nm.len, &r->id_int, &cause))
		return fail_cause(c, cause);
	r->id_kind = PROTO_ID_INT;
	return true;
}

/* "ts": an RFC 3339 string with a zone, or Unix seconds. */
/*
 * Unix seconds already scanned exactly (m * 10^e10, not negative) to
 * microseconds, cut as event_ts_from_number cuts them, without a second
 * pass over the digits; false leaves the rest (and every error) to it.
 */
static bool
ts_fast(const struct num *nm, int64_t *us)
{
	static const uint64_t p10[] = { 1, 10, 100, 1000, 10000, 100000,
	    1000000, 10000000, 100000000, 1000000000, 10000000000,
	    100000000000, 1000000000000 };
	int		k = nm->e10 + 6;	/* value * 10^6 = m * 10^k */
	uint64_t	v;

	if (!nm->exact || nm->tok[0] == '-' || k > 12 || k < -12)
		return false;
	if (k >= 0) {
		if (nm->m > (uint64_t)EVENT_TS_MAX / p10[k])
			return false;
		v = nm->m * p10[k];
	} else
		v = nm->m / p10[-k];
	if (v > (uint64_t)EVENT_TS_MAX)
		return false;
	*us = (int64_t)v;
	return true;
}

static bool
parse_ts(struct ctx *c)
{
	struct num	 nm;
	char		 buf[64], *cause = NULL;
	size_t		 n;
	int		 ch;
	bool		 ok;

	skip_ws(c);
	ch = peek(c);
	if (ch == '"') {
		if (!parse_string(c, buf, sizeof buf, &n, NULL))
			return false;
		if (n > sizeof buf)
			return fail(c, "ts is not an RFC 3339 time (%zu "
			    "bytes)", n);
		ok = event_ts_from_text(buf, n, &c->r->ts, &cause);
	} else if (ch == '-' || (ch >= '0' && ch <= '9')) {
		if (!scan_number(c, &nm))
			return false;
		ok = ts_fast(&nm, &c->r->ts) || event_ts_from_number(nm.tok,
		    nm.len, &c->r->ts, &cause);
	} else
		return fail(c, "ts is not a string or a number");
	if (!ok)
		return fail_cause(c, cause);
	c->r->has_ts = true;
	return true;
}

static bool
parse_type(struct ctx *c)
{
	char	buf[16], q[48];
	size_t	n;
	int	k;

	skip_ws(c);
	if (peek(c) != '"')
		return fail(c, "type is not a string");
	if (!parse_string(c, buf, sizeof buf, &n, NULL))
		return false;
	for (k = 0; k < (int)(sizeof kind_names / sizeof kind_names[0]);
	    k++) {
		if (n == strlen(kind_names[k]) &&
		    memcmp(buf, kind_names[k], n) == 0) {
			c->kind = (enum proto_kind)k;
			return true;
		}
	}
	quote_for_reason(buf, n < sizeof buf ? n : sizeof buf, q, 24);
	return fail(c, "unknown type \"%s%s\"", q,
	    n > sizeof buf ? "..." : "");
}

/* "model": a name of core/model.h, kept in the parser's buffer. */
static bool
parse_model(struct ctx *c)
{
	char	why[PROTO_REASON_MAX - 16];
	size_t	n;

	skip_ws(c);
	if (peek(c) != '"')
		return fail(c, "model is not a string");
	if (!parse_string(c, c->p->model, MODEL_NAME_MAX, &n, NULL))
		return false;
	if (!model_name_check(c->p->model, n, why, sizeof why))
		return fail(c, "model: %s", why);
	c->p->model[n] = '\0';
	c->r->model = c->p->model;
	return true;
}

/*
 * Fast path: an optional leading "model":"NAME", (plain name bytes only;
 * anything else is left to the general parser).
 */
static bool
fast_model(struct ctx *c)
{
	size_t	start = c->pos, n;

	while (c->pos < c->len && c->s[c->pos] != '"')
		c->pos++;
	n = c->pos - start;
	if (c->pos >= c->len || !model_name_check(c->s + start, n, NULL, 0))
		return false;
	memcpy(c->p->model, c->s + start, n);
	c->p->model[n] = '\0';
	c->r->model = c->p->model;
	c->seen |= BIT(KEY_MODEL);
	c->pos++;
	return true;
}

static enum key
key_lookup(const char *k, size_t n)
{
	static const unsigned char	len[KEY_COUNT] = {
		[KEY_TYPE] = 4, [KEY_BATCH_ID] = 8, [KEY_ROW] = 12,
		[KEY_FEATURES] = 8, [KEY_SCORES] = 6, [KEY_PREDICTED] = 15,
		[KEY_CONFIDENCE] = 10, [KEY_TRUE_CLASS] = 10,
		[KEY_FEATURE_NAMES] = 13, [KEY_CLASS_NAMES] = 11,
		[KEY_ID] = 2, [KEY_TS] = 2, [KEY_FEATURE_TYPES] = 13,
		[KEY_MODEL] = 5,
	};
	int				i;

	for (i = 0; i < KEY_COUNT; i++)
		if (n == len[i] && k[0] == key_names[i][0] &&
		    memcmp(k, key_names[i], n) == 0)
			return (enum key)i;
	return KEY_UNKNOWN;
}

static bool
parse_member_value(struct ctx *c, enum key k)
{
	struct proto_record	*r = c->r;
	int64_t			 v;

	switch (k) {
	case KEY_TYPE:
		return parse_type(c);
	case KEY_BATCH_ID:
		return parse_index(c, "batch_id", INT64_MAX, &r->batch_id);
	case KEY_ROW:
		if (!parse_index(c, "row_in_batch", INT64_MAX,
		    &r->row_in_batch))
			return false;
		r->has_row = true;
		return true;
	case KEY_FEATURES:
		return parse_number_array(c, "features", c->p->features,
		    PROTO_MAX_FEATURES, &r->n_features, &r->features_json,
		    true);
	case KEY_SCORES:
		return parse_number_array(c, "scores", c->p->scores,
		    PROTO_MAX_CLASSES, &r->n_scores, &r->scores_json, false);
	case KEY_PREDICTED:
		if (!parse_index(c, "predicted_class", INT_MAX, &v))
			return false;
		r->predicted_class = (int)v;
		return true;
	case KEY_CONFIDENCE: {
		struct num	nm;
		int		ch;

		skip_ws(c);
		ch = peek(c);
		if (!(ch == '-' || (ch >= '0' && ch <= '9'))) {
			if (at_word(c, "NaN") || at_word(c, "Infinity"))
				return fail(c, "confidence is not a finite "
				    "number");
			return fail(c, "confidence is not a number");
		}
		if (!scan_number(c, &nm))
			return false;
		r->confidence = num_value(c, &nm);
		if (!isfinite(r->confidence))
			return fail(c, "confidence is not a finite number");
		if (r->confidence < 0 || r->confidence > 1)
			return fail(c, "confidence is not in [0, 1]");
		return true;
	}
	case KEY_TRUE_CLASS:
		return parse_true_class(c);
	case KEY_FEATURE_NAMES:
		return parse_names(c, "feature_names", 0, PROTO_MAX_FEATURES,
		    &r->n_feature_names, &r->feature_names);
	case KEY_FEATURE_TYPES:
		return parse_feature_types(c);
	case KEY_CLASS_NAMES:
		return parse_names(c, "class_names", PROTO_MAX_FEATURES,
		    PROTO_MAX_CLASSES,
		    &r->n_class_names, &r->class_names);
	case KEY_ID:
		return parse_id(c);
	case KEY_TS:
		return parse_ts(c);
	case KEY_MODEL:
		return parse_model(c);
	default:
		return parse_value_skip(c, 1);
	}
}

/* A schema record's lists against each other. */
static bool
finish_schema(struct ctx *c)
{
	const struct proto_record *r = c->r;

	if (r->n_feature_names == 0 && r->n_class_names == 0 &&
	    r->n_feature_types == 0)
		return fail(c, "schema has neither feature_names, "
		    "feature_types nor class_names");
	if (r->n_feature_types > 0 && r->n_feature_names > 0 &&
	    r->n_feature_types != r->n_feature_names)
		return fail(c, "feature_types has %zu values, feature_names "
		    "%zu", r->n_feature_types, r->n_feature_names);
	if (r->n_class_names == 1)
		return fail(c, "class_names has 1 name, need at least 2");
	return true;
}

/* Check fields against the kind and fill in defaults. */
static bool
finish_record(struct ctx *c)
{
	struct proto_record	*r = c->r;
	unsigned		 extra, missing;
	double			 sum = 0, best;
	size_t			 i;
	int			 k;

	r->kind = c->kind;
	extra = c->seen & ~kind_allowed[c->kind];
	missing = kind_required[c->kind] & ~c->seen;
	for (k = 0; k < KEY_COUNT; k++) {
		if (missing & BIT(k))
			return fail(c, "missing field %s", key_names[k]);
	}
	for (k = 0; k < KEY_COUNT; k++) {
		if (extra & BIT(k))
			return fail(c, "field %s is not allowed in %s "
			    "records", key_names[k], kind_names[c->kind]);
	}
	switch (c->kind) {
	case PROTO_SCHEMA:
		return finish_schema(c);
	case PROTO_LABELS:
		if (c->tc != TC_ARRAY)
			return fail(c, "true_class of a labels record is not "
			    "an array");
		return true;
	case PROTO_END_BATCH:
		return true;
	case PROTO_LABEL:
		if (c->tc != TC_INT)
			return fail(c, "true_class of a label record is not "
			    "an integer");
		return true;
	case PROTO_PREDICTION:
		r->has_batch = (c->seen & BIT(KEY_BATCH_ID)) != 0;
		if (r->has_row && !r->has_batch)
			return fail(c, "row_in_batch without batch_id");
		break;
	case PROTO_REFERENCE:
		break;
	}
	if (c->tc == TC_ARRAY)
		return fail(c, "true_class is not an integer or null");
	if (r->n_features == 0)
		return fail(c, "features is empty");
	if (r->n_scores < 2)
		return fail(c, "scores has %zu value%s, need at least 2 "
		    "classes", r->n_scores, r->n_scores == 1 ? "" : "s");
	best = r->scores[0];
	k = 0;
	for (i = 0; i < r->n_scores; i++) {
		if (r->scores[i] < 0 || r->scores[i] > 1)
			return fail(c, "scores[%zu] is not in [0, 1]", i);
		sum += r->scores[i];
		if (r->scores[i] > best) {
			best = r->scores[i];
			k = (int)i;
		}
	}
	if (fabs(sum - 1.0) > PROTO_SCORE_TOLERANCE)
		return fail(c, "scores sum to %.6g, not 1 within 1e-3", sum);
	if (c->seen & BIT(KEY_PREDICTED)) {
		if ((size_t)r->predicted_class >= r->n_scores)
			return fail(c, "predicted_class %d is out of range for "
			    "%zu classes", r->predicted_class, r->n_scores);
	} else
		r->predicted_class = k;
	if (!(c->seen & BIT(KEY_CONFIDENCE)))
		r->confidence = best;
	if (r->true_class >= 0 && (size_t)r->true_class >= r->n_scores)
		return fail(c, "true_class %d is out of range for %zu classes",
		    r->true_class, r->n_scores);
	return true;
}

static bool
parse_object(struct ctx *c)
{
	char		kbuf[24], q[48];
	size_t		kn;
	enum key	k;
	int		ch;

	skip_ws(c);
	if (peek(c) < 0)
		return fail(c, "empty line");
	if (peek(c) != '{')
		return fail(c, "line is not a JSON object");
	c->pos++;
	skip_ws(c);
	if (peek(c) == '}')
		c->pos++;
	else {
		for (;;) {
			skip_ws(c);
			if (peek(c) != '"')
				return fail(c, "expected a string key");
			if (!parse_string(c, kbuf, sizeof kbuf, &kn, NULL))
				return false;
			k = kn <= sizeof kbuf ? key_lookup(kbuf, kn) :
			    KEY_UNKNOWN;
			if (k != KEY_UNKNOWN) {
				if (c->seen & BIT(k)) {
					quote_for_reason(kbuf, kn, q, sizeof q);
					return fail(c, "duplicate key \"%s\"",
					    q);
				}
				c->seen |= BIT(k);
			}
			skip_ws(c);
			if (peek(c) != ':')
				return fail(c, "expected : after key");
			c->pos++;
			if (!parse_member_value(c, k))
				return false;
			skip_ws(c);
			ch = peek(c);
			if (ch < 0)
				return fail(c, "unexpected end of line");
			c->pos++;
			if (ch == '}')
				break;
			if (ch != ',')
				return fail(c, "expected , or } in object");
		}
	}
	skip_ws(c);
	if (c->pos != c->len)
		return fail(c, "trailing data after object");
	return finish_record(c);
}

/* Match the literal lit at pos and step over it. */
static bool
fast_lit(struct ctx *c, const char *lit, size_t n)
{
	if (c->len - c->pos < n || memcmp(c->s + c->pos, lit, n) != 0)
		return false;
	c->pos += n;
	return true;
}

#define FAST_LIT(c, lit)	fast_lit((c), (lit), sizeof(lit) - 1)

/* A non-negative integer token up to max; false leaves it to the slow path. */
static bool
fast_index(struct ctx *c, int64_t max, int64_t *out)
{
	const char	*s = c->s;
	size_t		 i = c->pos, start = i;
	uint64_t	 v = 0;

	if (i >= c->len || s[i] < '0' || s[i] > '9')
		return false;
	if (s[i] == '0')
		i++;
	else
		for (; i < c->len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (i - start >= 18)
				return false;
			v = v * 10 + (uint64_t)(s[i] - '0');
		}
	if (i < c->len && (s[i] == '.' || s[i] == 'e' || s[i] == 'E' ||
	    (s[i] >= '0' && s[i] <= '9')))
		return false;
	if (v > (uint64_t)max)
		return false;
	c->pos = i;
	*out = (int64_t)v;
	return true;
}

/* A compact array of finite numbers; its JSON text is the source bytes. */
static bool
fast_numbers(struct ctx *c, double *vals, size_t max, size_t *count,
    const char **json)
{
	struct num	 nm;
	size_t		 n = 0, start = c->pos;
	char		*out;
	int		 ch;

	if (c->pos >= c->len || c->s[c->pos] != '[')
		return false;
	c->pos++;
	for (;;) {
		ch = peek(c);
		if (n == max || !(ch == '-' || (ch >= '0' && ch <= '9')) ||
		    !scan_number(c, &nm))
			return false;
		vals[n] = num_value(c, &nm);
		if (!isfinite(vals[n]))
			return false;
		n++;
		ch = peek(c);
		c->pos++;
		if (ch == ']')
			break;
		if (ch != ',')
			return false;
	}
	out = text_put(c, c->s + start, c->pos - start);
	text_put(c, "", 1);
	*count = n;
	*json = out;
	return true;
}

/* A string of printable ASCII without escapes at pos; false otherwise. */
static bool
fast_plain(struct ctx *c, const char **str, size_t *n)
{
	size_t	i = c->pos + 1;

	if (peek(c) != '"')
		return false;
	while (i < c->len && c->s[i] != '"') {
		if ((unsigned char)c->s[i] < 0x20 ||
		    (unsigned char)c->s[i] >= 0x7f || c->s[i] == '\\')
			return false;
		i++;
	}
	if (i >= c->len)
		return false;
	*str = c->s + c->pos + 1;
	*n = i - c->pos - 1;
	c->pos = i + 1;
	return true;
}

/*
 * Optional ,"id":... and ,"ts":... at the end of a fast line. Anything
 * unusual (escapes, a bad value) leaves it to the general parser, which
 * gives the reason.
 */
static bool
fast_event(struct ctx *c)
{
	struct proto_record	*r = c->r;
	struct num		 nm;
	const char		*str;
	char			*cause = NULL;
	size_t			 n;
	bool			 ok;

	if (FAST_LIT(c, ",\"id\":")) {
		if (peek(c) == '"') {
			if (!fast_plain(c, &str, &n) ||
			    !event_id_check_text(str, n, &cause)) {
				free(cause);
				return false;
			}
			r->id_kind = PROTO_ID_TEXT;
			r->id_text = text_put(c, str, n);
			r->id_len = n;
		} else {
			if (!fast_index(c, INT64_MAX, &r->id_int))
				return false;
			r->id_kind = PROTO_ID_INT;
		}
		c->seen |= BIT(KEY_ID);
	}
	if (!FAST_LIT(c, ",\"ts\":"))
		return true;
	if (peek(c) == '"')
		ok = fast_plain(c, &str, &n) &&
		    event_ts_from_text(str, n, &r->ts, &cause);
	else
		ok = (peek(c) == '-' || (peek(c) >= '0' && peek(c) <= '9')) &&
		    scan_number(c, &nm) && (ts_fast(&nm, &r->ts) ||
		    event_ts_from_number(nm.tok, nm.len, &r->ts, &cause));
	free(cause);
	if (!ok)
		return false;
	r->has_ts = true;
	c->seen |= BIT(KEY_TS);
	return true;
}

/*
 * The common prediction line, compact and with the keys in the order of
 * docs/PROTOCOL.md's example: {"batch_id":B,"row_in_batch":R,"features":
 * [...],"scores":[...]} then optionally "predicted_class", "confidence",
 * "true_class" (integer or null) in that order. Every byte is matched
 * exactly (so the line is ASCII, hence valid UTF-8) and the record then
 * goes through finish_record as usual. Anything else (whitespace, another
 * order, escapes, an unusual number, a line the checks refuse) returns
 * false with nothing decided, and the general parser reads the line.
 */
static bool
parse_fast(struct ctx *c)
{
	struct proto_record	*r = c->r;
	struct num		 nm;
	int64_t			 v;

	if (!FAST_LIT(c, "{"))
		return false;
	if (FAST_LIT(c, "\"model\":\"") && (!fast_model(c) ||
	    !FAST_LIT(c, ",")))
		return false;
	if (FAST_LIT(c, "\"batch_id\":")) {
		if (!fast_index(c, INT64_MAX, &r->batch_id))
			return false;
		c->seen |= BIT(KEY_BATCH_ID);
		if (FAST_LIT(c, ",\"row_in_batch\":")) {
			if (!fast_index(c, INT64_MAX, &r->row_in_batch))
				return false;
			r->has_row = true;
			c->seen |= BIT(KEY_ROW);
		}
		if (!FAST_LIT(c, ","))
			return false;
	}
	if (!FAST_LIT(c, "\"features\":") ||
	    !fast_numbers(c, c->p->features, PROTO_MAX_FEATURES,
	    &r->n_features, &r->features_json) ||
	    !FAST_LIT(c, ",\"scores\":") ||
	    !fast_numbers(c, c->p->scores, PROTO_MAX_CLASSES, &r->n_scores,
	    &r->scores_json))
		return false;
	c->seen |= BIT(KEY_FEATURES) | BIT(KEY_SCORES);
	if (FAST_LIT(c, ",\"predicted_class\":")) {
		if (!fast_index(c, INT_MAX, &v))
			return false;
		r->predicted_class = (int)v;
		c->seen |= BIT(KEY_PREDICTED);
	}
	if (FAST_LIT(c, ",\"confidence\":")) {
		if (peek(c) != '-' && (peek(c) < '0' || peek(c) > '9'))
			return false;
		if (!scan_number(c, &nm))
			return false;
		r->confidence = num_value(c, &nm);
		if (!isfinite(r->confidence) || r->confidence < 0 ||
		    r->confidence > 1)
			return false;
		c->seen |= BIT(KEY_CONFIDENCE);
	}
	if (FAST_LIT(c, ",\"true_class\":")) {
		if (FAST_LIT(c, "null")) {
			c->tc = TC_NULL;
			r->true_class = -1;
		} else {
			if (!fast_index(c, INT_MAX, &v))
				return false;
			c->tc = TC_INT;
			r->true_class = (int)v;
		}
		c->seen |= BIT(KEY_TRUE_CLASS);
	}
	if (!fast_event(c) || !FAST_LIT(c, "}") || c->pos != c->len)
		return false;
	return finish_record(c);
}

void
proto_parser_init(struct proto_parser *p)
{
	memset(p, 0, sizeof *p);
}

void
proto_parser_finish(struct proto_parser *p)
{
	free(p->text);
	free(p->labels);
	free(p->names);
	free(p->cat_text);
	memset(p, 0, sizeof *p);
}

bool
proto_parse_line(struct proto_parser *p, const char *line, size_t len,
    struct proto_record *out, char *reason)
{
	struct ctx	c;
	size_t		need;
	int		pass;

	reason[0] = '\0';
	need = 2 * len + 64;
	if (need < len) {
		snprintf(reason, PROTO_REASON_MAX, "line is too long");
		return false;
	}
	if (p->cat_size < len + 1) {
		free(p->cat_text);
		p->cat_size = len + 1 > 1024 ? len + 1 : 1024;
		p->cat_text = xmalloc(p->cat_size);
	}
	if (p->text_size < need) {
		size_t	size = p->text_size ? p->text_size : 4096;

		while (size < need)
			size *= 2;
		free(p->text);
		p->text = xmalloc(size);
		p->text_size = size;
	}
	for (pass = 0; pass < 2; pass++) {
		memset(out, 0, sizeof *out);
		out->true_class = -1;
		out->predicted_class = -1;
		out->features = p->features;
		out->strings = p->strings;
		out->scores = p->scores;
		memset(&c, 0, sizeof c);
		c.p = p;
		c.s = line;
		c.len = len;
		c.reason = reason;
		c.kind = PROTO_PREDICTION;
		c.r = out;
		if (pass == 0 && parse_fast(&c))
			return true;
		reason[0] = '\0';
	}
	if (!sanitize_valid((const unsigned char *)line, len)) {
		snprintf(reason, PROTO_REASON_MAX, "line is not valid UTF-8");
		return false;
	}
	return parse_object(&c);
}

const char *
proto_kind_name(enum proto_kind k)
{
	if ((unsigned)k >= sizeof kind_names / sizeof kind_names[0])
		return "?";
	return kind_names[k];
}
