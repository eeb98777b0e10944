/*
 * The private half of proto.h: the state of one line being parsed (struct
 * ctx: the line, the position, the keys seen, the output buffers of the
 * parser) and the lexer's hot functions, static inline so that the fast
 * path in proto.c and the general parser's parts (proto-record.c,
 * proto-value.c, proto-lex.c) inline them as the single file did.
 */
#ifndef MLMON_INGEST_PROTO_INTERNAL_H
#define MLMON_INGEST_PROTO_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/proto.h"

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

#define BIT(k)	(1u << (k))

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PROTO_SWAR	1
#else
#define PROTO_SWAR	0
#endif

static const uint64_t pow10_u64[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
};

/*
 * Across the parser's files, in the order the calls run: proto.c (the
 * fast path and the entry) calls proto-record.c (a line's members, then
 * the checks of its kind), which calls proto-value.c (each known key's
 * value), which calls proto-lex.c (strings, literals, skipped values).
 */

/* proto-lex.c */
bool	 pp_fail(struct ctx *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
bool	 pp_string(struct ctx *c, char *dst, size_t cap, size_t *n,
	    bool *has_nul);
bool	 pp_literal(struct ctx *c, const char *w);
int	 pp_array_open(struct ctx *c, const char *name);
int	 pp_array_next(struct ctx *c, const char *name);
bool	 pp_skip_value(struct ctx *c, int depth);

/* proto-value.c */
bool	 pp_numbers(struct ctx *c, const char *name, double *vals,
	    size_t max, size_t *count, const char **json, bool missing_ok);
bool	 pp_index(struct ctx *c, const char *name, int64_t max,
	    int64_t *out);
bool	 pp_true_class(struct ctx *c);
bool	 pp_names(struct ctx *c, const char *name, size_t first, size_t max,
	    size_t *count, const char *const **out);
bool	 pp_feature_types(struct ctx *c);
void	 pp_quote(const char *s, size_t n, char *out, size_t cap);
bool	 pp_id(struct ctx *c);
bool	 pp_ts(struct ctx *c);
bool	 pp_type(struct ctx *c);
bool	 pp_model(struct ctx *c);

/* proto-record.c */
bool	 pp_finish_record(struct ctx *c);
bool	 pp_object(struct ctx *c);

/*
 * The lexer's hot half, inline in every part (the fast path above all):
 * whitespace, one byte of lookahead, number tokens scanned and converted
 * in one pass, the output area.
 */
static inline void
skip_ws(struct ctx *c)
{
	while (c->pos < c->len) {
		char	ch = c->s[c->pos];

		if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
			break;
		c->pos++;
	}
}

static inline int
peek(const struct ctx *c)
{
	if (c->pos >= c->len)
		return -1;
	return (unsigned char)c->s[c->pos];
}

/*
 * How many of the 8 bytes at s (s + 8 <= end) are ASCII digits, counting
 * from the first; *val is their value. Little endian: s[0] is the low byte.
 * Bytes after the first non-digit do not matter (a carry out of it only
 * disturbs the later bytes).
 */
static inline int
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
static inline int
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
static inline bool
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
		pp_fail(c, "invalid number");
		return false;
	}
	if (i < len && s[i] == '.') {
		nm->is_int = false;
		i++;
		if (!(i < len && s[i] >= '0' && s[i] <= '9')) {
			c->pos = i;
			pp_fail(c, "invalid number");
			return false;
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
			pp_fail(c, "invalid number");
			return false;
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
static inline double
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

/*
 * The common number shape, -?I.F with 1 to 7 digits on each side of the
 * point ("0.123456", "-3.778347"): the integer digits one by one (mostly
 * one), the fraction's in one eight-byte read. I * 10^k + F < 10^14 <
 * 2^53 and 10^k (k <= 7) are exact doubles, so one division gives the
 * correctly rounded value, strtod's (Clinger's fast path, as num_value).
 * False, pos unmoved, for any other token (a leading zero before more
 * digits, an exponent, more digits) or fewer than 17 bytes left:
 * scan_number reads those and gives every error.
 */
static inline bool
scan_decimal(struct ctx *c, double *out)
{
	const char	*s = c->s + c->pos, *f;
	uint64_t	 ip, fp;
	unsigned	 d;
	int		 kf;
	double		 v;
	bool		 neg;

	if (!PROTO_SWAR || c->len - c->pos < 17)
		return false;
	neg = *s == '-';
	s += neg;
	ip = (unsigned char)*s - (unsigned)'0';
	if (ip > 9)
		return false;
	f = s + 1;
	if (ip != 0)
		while ((d = (unsigned char)*f - (unsigned)'0') <= 9 &&
		    f - s < 7) {
			ip = ip * 10 + d;
			f++;
		}
	if (*f != '.')
		return false;
	kf = digits8(f + 1, &fp);	/* f + 9 <= s + 8: within the 17 */
	if (kf == 0 || kf == 8 || (f[1 + kf] | 0x20) == 'e')
		return false;
	v = (double)(int64_t)(ip * pow10_u64[kf] + fp) / pow10_exact[kf];
	*out = neg ? -v : v;
	c->pos = (size_t)(f + 1 + kf - c->s);
	return true;
}

/* True when pos starts the bare word w (used for NaN and Infinity). */
static inline bool
at_word(const struct ctx *c, const char *w)
{
	size_t	n = strlen(w);

	return c->len - c->pos >= n && memcmp(c->s + c->pos, w, n) == 0;
}

/* Append bytes to the output area of text. */
static inline char *
text_put(struct ctx *c, const char *b, size_t n)
{
	char	*at = c->p->text + c->tused;

	memcpy(at, b, n);
	c->tused += n;
	return at;
}

/* "ts": an RFC 3339 string with a zone, or Unix seconds. */
/*
 * Unix seconds already scanned exactly (m * 10^e10, not negative) to
 * microseconds, cut as event_ts_from_number cuts them, without a second
 * pass over the digits; false leaves the rest (and every error) to it.
 */
static inline bool
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

#endif /* MLMON_INGEST_PROTO_INTERNAL_H */
