/*
 * Numbers as the store writes and reads them, the same in every locale:
 * doubles formatted as the shortest of %.15g, %.16g, %.17g that reads
 * back exactly (without printf on the common paths: it is on the hot path
 * of every report), strtod in the C numeric locale, and JSON arrays of
 * numbers decoded for store_batch_get.
 */
#include "db/store-number.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cat-dict.h"
#include "core/drift-cat.h"
#include "core/sanitize.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

static pthread_once_t	 c_locale_once = PTHREAD_ONCE_INIT;
static locale_t		 c_locale;

static void
c_locale_init(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/* Switch this thread to the C numeric locale; returns the previous one. */
static locale_t
c_locale_push(void)
{
	pthread_once(&c_locale_once, c_locale_init);
	if (c_locale == (locale_t)0)
		return (locale_t)0;
	return uselocale(c_locale);
}

static void
c_locale_pop(locale_t old)
{
	if (old != (locale_t)0)
		uselocale(old);
}

double
store_strtod(const char *s, char **end)
{
	locale_t old;
	double v;

	old = c_locale_push();
	v = strtod(s, end);
	c_locale_pop(old);
	return v;
}

/* The reference definition: %.15g, %.16g, %.17g, the first that reads back. */
static size_t
format_double_slow(char *buf, size_t size, double v)
{
	locale_t old;
	double back;
	int n = 0, prec;

	old = c_locale_push();
	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, size, "%.*g", prec, v);
		back = strtod(buf, NULL);
		if (memcmp(&back, &v, sizeof v) == 0)
			break;
	}
	c_locale_pop(old);
	return n < 0 ? 0 : (size_t)n;
}

/*
 * Write "%.<prec>g" of the value whose first prec significant digits
 * (ASCII, already rounded) are d and whose decimal exponent is x, into
 * out (at least 32 bytes). Returns the length.
 */
static size_t
format_g(char *out, bool neg, const char *d, int prec, int x)
{
	char *o = out;
	int k = prec, i, ax;

	while (k > 1 && d[k - 1] == '0')
		k--;
	if (neg)
		*o++ = '-';
	if (x >= -4 && x < prec) {
		if (x >= 0) {
			for (i = 0; i <= x; i++)
				*o++ = i < k ? d[i] : '0';
			if (k > x + 1) {
				*o++ = '.';
				for (i = x + 1; i < k; i++)
					*o++ = d[i];
			}
		} else {
			*o++ = '0';
			*o++ = '.';
			for (i = 0; i < -x - 1; i++)
				*o++ = '0';
			for (i = 0; i < k; i++)
				*o++ = d[i];
		}
	} else {
		*o++ = d[0];
		if (k > 1) {
			*o++ = '.';
			for (i = 1; i < k; i++)
				*o++ = d[i];
		}
		*o++ = 'e';
		*o++ = x < 0 ? '-' : '+';
		ax = x < 0 ? -x : x;
		if (ax >= 100) {
			*o++ = (char)('0' + ax / 100);
			ax %= 100;
		}
		*o++ = (char)('0' + ax / 10);
		*o++ = (char)('0' + ax % 10);
	}
	*o = '\0';
	return (size_t)(o - out);
}

static const double fmt_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* 10^j rounded to a double, j = -12 .. 37 (index j + 12). */
static const double fmt_pow10_guess[] = {
	1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3,
	1e-2, 1e-1, 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21,
	1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31, 1e32,
	1e33, 1e34, 1e35, 1e36, 1e37,
};

/*
 * floor(log10(a)) for a normal a in [1e-11, 1e36], without log10: the
 * binary exponent e2 times log10(2) (78913 / 2^18, exact for |e2| <= 1650
 * as Ryu uses it) is the exponent or one below it, and one compare with
 * 10^(x+1) decides. The rounded 10^j may put a value within an ulp of a
 * power of ten one off, as log10's own rounding can: the callers check
 * the exponent exactly and correct it either way.
 */
static int
format_exponent_guess(double a)
{
	uint64_t bits;
	int e2, x;

	memcpy(&bits, &a, sizeof bits);
	e2 = (int)((bits >> 52) & 0x7ff) - 1023;
	x = e2 >= 0 ? (e2 * 78913) >> 18 : -((-e2 * 78913 + (1 << 18) - 1) >>
	    18);
	if (x + 1 >= -12 && x + 1 <= 37 && a >= fmt_pow10_guess[x + 1 + 12])
		x++;
	return x;
}

/* snprintf(buf, size, "%s", s) for a literal s, without printf. */
static size_t
format_literal(char *buf, size_t size, const char *s)
{
	size_t n = strlen(s), m;

	if (size > 0) {
		m = n < size ? n : size - 1;
		memcpy(buf, s, m);
		buf[m] = '\0';
	}
	return n;
}

/* "00" to "99": two digits a step. */
static const char fmt_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233"
	"34353637383940414243444546474849505152535455565758596061626364656667"
	"68697071727374757677787980818283848586878889909192939495969798990";

/* The 8 decimal digits of w < 10^8 into d, leading zeros too. */
static void
format_digits8(char *d, uint32_t w)
{
	uint32_t hi = w / 10000, lo = w % 10000;

	memcpy(d, fmt_pairs + 2 * (hi / 100), 2);
	memcpy(d + 2, fmt_pairs + 2 * (hi % 100), 2);
	memcpy(d + 4, fmt_pairs + 2 * (lo / 100), 2);
	memcpy(d + 6, fmt_pairs + 2 * (lo % 100), 2);
}

/*
 * The n (15 to 17) decimal digits of v < 10^n, leading zeros too, in
 * buf (at least 17 bytes); returns where they start.
 */
static const char *
format_digits(char *buf, uint64_t v, int n)
{
	uint64_t hi = v / 100000000;

	format_digits8(buf + 9, (uint32_t)(v % 100000000));
	format_digits8(buf + 1, (uint32_t)(hi % 100000000));
	buf[0] = (char)('0' + hi / 100000000);
	return buf + 17 - n;
}

#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 fmt_u128;

/*
 * A double a (> 0) in fixed point, exactly: a * 10^k = p + rem / 2^s
 * with 10^16 <= p < 10^17 (p holds the 17 significant digits, a's
 * decimal exponent is x), and a's rounding interval in the same units:
 * ulp is the gap to the next double above, the gap below is half that
 * when a is a power of two (low_half), and a midpoint goes to a when its
 * significand is even.
 */
struct fmt_fixed {
	uint64_t	 p;
	fmt_u128	 rem;
	fmt_u128	 ulp;
	int		 s;
	int		 x;
	bool		 even;
	bool		 low_half;
};

/*
 * a = M * 2^E exactly, so a * 10^k = M * 5^k * 2^(E + k): with
 * 1e-11 <= a < 1e17 and 10^16 <= a * 10^k < 10^17, k is at most 27 and
 * M * 5^k < 2^116 is exact in 128 bits; s is then below 64. False out of
 * that range (then printf decides).
 */
static bool
format_fixed(double a, struct fmt_fixed *f)
{
	static const uint64_t p5[] = {
		1, 5, 25, 125, 625, 3125, 15625, 78125, 390625, 1953125,
		9765625, 48828125, 244140625, 1220703125, 6103515625,
		30517578125, 152587890625, 762939453125, 3814697265625,
		19073486328125, 95367431640625, 476837158203125,
		2384185791015625, 11920928955078125, 59604644775390625,
		298023223876953125, 1490116119384765625,
		UINT64_C(7450580596923828125),
	};
	const uint64_t lo = UINT64_C(10000000000000000);	/* 10^16 */
	fmt_u128 p = 0;
	uint64_t bits, m;
	int e, k, t, tries;

	if (!(a >= 1e-11 && a < 1e17))
		return false;
	memcpy(&bits, &a, sizeof bits);
	m = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
	e = (int)((bits >> 52) & 0x7ff) - 1075;
	f->x = format_exponent_guess(a);
	for (tries = 0; tries < 2; tries++) {
		k = 16 - f->x;
		if (k < 0 || k > 27)
			return false;
		p = (fmt_u128)m * p5[k];
		t = e + k;
		if (t >= 0) {
			if (t > 10)
				return false;
			p <<= t;
			f->rem = 0;
			f->s = 0;
			f->ulp = (fmt_u128)p5[k] << t;
		} else {
			f->s = -t;
			if (f->s >= 120)
				return false;
			f->rem = p & (((fmt_u128)1 << f->s) - 1);
			f->ulp = p5[k];
			p >>= f->s;
		}
		if (p < lo)
			f->x--;
		else if (p >= 10 * (fmt_u128)lo)
			f->x++;
		else
			break;
	}
	if (tries == 2)
		return false;
	f->p = (uint64_t)p;
	f->even = (m & 1) == 0;
	f->low_half = m == UINT64_C(1) << 52;
	return true;
}

/*
 * The exact value rounded to a multiple of div (10 or 100: 16 or 15
 * digits), into *d, in p's units; false on an exact tie (printf's rule
 * then decides, in format_double_slow).
 */
static bool
format_fixed_round(const struct fmt_fixed *f, uint64_t div, uint64_t *d)
{
	uint64_t c = f->p / div, r = f->p % div;

	if (r == div / 2 && f->rem == 0)
		return false;
	*d = (c + (r >= div / 2)) * div;
	return true;
}

/* Whether the decimal d (in p's units) reads back to a: strtod's rule. */
static bool
format_fixed_back(const struct fmt_fixed *f, uint64_t d)
{
	fmt_u128 dist;

	if (d > f->p) {		/* above a: half a gap, to even */
		dist = 2 * ((((fmt_u128)(d - f->p)) << f->s) - f->rem);
		return dist < f->ulp || (dist == f->ulp && f->even);
	}
	dist = 2 * ((((fmt_u128)(f->p - d)) << f->s) + f->rem);
	if (f->low_half)	/* a quarter below a power of two, to it */
		return 2 * dist <= f->ulp;
	return dist < f->ulp || (dist == f->ulp && f->even);
}

/*
 * store_format_double's answer for 1e-11 <= |v| < 1e17 without printf
 * or strtod: the 15- and 16-digit roundings of the exact value, each
 * checked against v's rounding interval exactly, then the 17 digits.
 * 0 for the general path (out of range, or a rounding's exact tie).
 */
static size_t
format_exact(char *out, double v)
{
	static const uint64_t div[] = { 100, 10 };
	struct fmt_fixed f;
	uint64_t d, c, top;
	char digits[20];
	int prec, i;

	if (!format_fixed(fabs(v), &f))
		return 0;
	for (i = 0; i < 2; i++) {
		if (!format_fixed_round(&f, div[i], &d))
			return 0;
		if (format_fixed_back(&f, d))
			break;
	}
	if (i < 2) {
		c = d / div[i];
		prec = 15 + i;
		top = i == 0 ? UINT64_C(1000000000000000) :
		    UINT64_C(10000000000000000);
	} else {
		/* 17 digits, rounded to nearest; a tie to printf. */
		if (f.s > 0 && f.rem == (fmt_u128)1 << (f.s - 1))
			return 0;
		c = f.p + (f.s > 0 && f.rem > (fmt_u128)1 << (f.s - 1));
		prec = 17;
		top = UINT64_C(100000000000000000);
	}
	if (c == top) {		/* 9.99..95 rounds up to 10.0 */
		c /= 10;
		f.x++;
	}
	return format_g(out, signbit(v) != 0, format_digits(digits, c, prec),
	    prec, f.x);
}
#else
static size_t
format_exact(char *out, double v)
{
	(void)out;
	(void)v;
	return 0;
}
#endif

/*
 * Values with a round-tripping decimal of at most 15 significant digits
 * (short inputs, counts over batch sizes), without printf. A candidate
 * m * 10^e with 15 digits is guessed in floating point and then checked
 * exactly: m < 2^53 and |e| <= 22 make m * 10^e (or m / 10^-e) a single
 * correctly rounded operation, i.e. what strtod gives. A 15-digit decimal
 * that reads back to v is what %.15g prints (15 digits are always
 * within half a step of every double they round-trip to), so a passing
 * candidate is the answer; any other case returns 0 for the general path.
 * The candidate is scaled + 0.5 truncated, not a call of llround: the
 * same integer below 2^52 (scaled is positive and adding 0.5 is exact
 * there), and above it both are at least 10^15, which is all the loop
 * asks of them.
 */
static size_t
format_double_short(char *out, double v)
{
	double a = fabs(v), back, scaled;
	int64_t m;
	char d[20];
	int x, e, tries;

	if (!(a >= 1e-7 && a < 1e36))
		return 0;
	x = format_exponent_guess(a);
	for (tries = 0; tries < 2; tries++) {
		e = x - 14;
		if (e < -22 || e > 22)
			return 0;
		scaled = e < 0 ? a * fmt_pow10[-e] : a / fmt_pow10[e];
		m = (int64_t)(scaled + 0.5);	/* llround's, see above */
		if (m >= INT64_C(1000000000000000))
			x++;
		else if (m < INT64_C(100000000000000))
			x--;
		else
			break;
	}
	if (tries == 2 || m >= INT64_C(1000000000000000) ||
	    m < INT64_C(100000000000000))
		return 0;
	back = e < 0 ? (double)m / fmt_pow10[-e] : (double)m * fmt_pow10[e];
	if (back != a)
		return 0;
	return format_g(out, signbit(v) != 0, format_digits(d, (uint64_t)m,
	    15), 15, x);
}

/*
 * The double nearest to the decimal d[0..n) * 10^(x - n + 1), without
 * strtod when that is one correctly rounded operation on exact operands
 * (significand <= 2^53, |power| <= 22); false otherwise.
 */
static bool
decimal_exact(const char *d, int n, int x, bool neg, double *out)
{
	uint64_t m = 0;
	double v;
	int i, e = x - n + 1;

	if (e < -22 || e > 22)
		return false;
	for (i = 0; i < n; i++)
		m = m * 10 + (uint64_t)(d[i] - '0');
	if (m > (UINT64_C(1) << 53))
		return false;
	v = (double)m;
	v = e < 0 ? v / fmt_pow10[-e] : v * fmt_pow10[e];
	*out = neg ? -v : v;
	return true;
}

/*
 * Round the 17 digits r (printf's, themselves rounded) to their first
 * prec, in place; *rx is bumped when 99..9 becomes 100..0. Dropped
 * digits exactly 5 then zeros are a tie of the 17 digits, not
 * necessarily of the value: false (the slow path decides).
 */
static bool
round_prefix(char *r, int prec, int *rx)
{
	int i;

	if (r[prec] == '5' && (prec == 16 || r[16] == '0'))
		return false;
	if (r[prec] < '5')
		return true;
	for (i = prec - 1; i >= 0; i--) {
		if (r[i] != '9') {
			r[i]++;
			return true;
		}
		r[i] = '0';
	}
	r[0] = '1';	/* 99..9 -> 100..0 */
	(*rx)++;
	return true;
}

/*
 * Same result as format_double_slow. Short decimals and 1e-11 <= |v| <
 * 1e17 without printf or strtod (format_double_short, format_exact);
 * elsewhere with one snprintf: the 17 correctly rounded significant
 * digits are printed once and the 15- and 16-digit candidates derived
 * from them by rounding. That is exact except when the dropped digits
 * are exactly "5" / "50" (the true value may lie on either side of the
 * halfway point): those rare cases take the slow path.
 */
size_t
store_format_double(char *buf, size_t size, double v)
{
	char e17[40], d[20], tmp[40], *out = size >= sizeof tmp ? buf : tmp;
	const char *p, *e;
	double back;
	size_t n;
	int x, prec;
	bool neg;

	if (isnan(v))
		return format_literal(buf, size, "null");
	if (isinf(v))
		return format_literal(buf, size, v > 0 ? "1e999" : "-1e999");
	if (v == 0.0)
		return format_literal(buf, size, signbit(v) ? "-0" : "0");
	if ((n = format_double_short(out, v)) > 0 ||
	    (n = format_exact(out, v)) > 0)
		goto done;
	neg = signbit(v) != 0;
	p = e17 + neg;
	/* "-d.dddddddddddddddde-xxx": only the dot is locale's. */
	snprintf(e17, sizeof e17, "%.16e", v);
	if (p[1] != '.' || (e = strchr(p, 'e')) == NULL || e - p != 18)
		return format_double_slow(buf, size, v);
	x = atoi(e + 1);
	d[0] = p[0];
	memcpy(d + 1, p + 2, 16);
	for (prec = 15; prec <= 17; prec++) {
		char r[20];
		int rx = x;

		memcpy(r, d, 17);
		if (prec < 17 && !round_prefix(r, prec, &rx))
			return format_double_slow(buf, size, v);
		/* Printed only once it reads back (or to ask strtod). */
		if (prec < 17 && decimal_exact(r, prec, rx, neg, &back)) {
			if (memcmp(&back, &v, sizeof v) != 0)
				continue;
			n = format_g(out, neg, r, prec, rx);
			break;
		}
		n = format_g(out, neg, r, prec, rx);
		if (prec == 17)
			break;
		back = strtod(out, NULL);
		if (memcmp(&back, &v, sizeof v) == 0)
			break;
	}
done:
	if (out != buf && size > 0) {
		memcpy(buf, out, n < size ? n + 1 : size);
		if (n >= size)
			buf[size - 1] = '\0';
	}
	return n;
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p;
}

/* A string as cJSON prints it: \" \\ \b \f \n \r \t, \u00xx below 32. */
void
store_json_string(struct strbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *run;
	char esc[6];

	strbuf_add(b, "\"", 1);
	for (;;) {
		run = p;
		while (*p > 31 && *p != '"' && *p != '\\')
			p++;
		strbuf_add(b, (const char *)run, (size_t)(p - run));
		if (*p == '\0')
			break;
		esc[0] = '\\';
		switch (*p) {
		case '"':
		case '\\':
			esc[1] = (char)*p;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 0xf];
			strbuf_add(b, esc, 6);
			p++;
			continue;
		}
		strbuf_add(b, esc, 2);
		p++;
	}
	strbuf_add(b, "\"", 1);
}

/* Four hex digits at p (p + 4 <= end); -1 if not. */
static long
hex4(const char *p)
{
	long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * A categorical value at p ('"'): its code in dict into *v. Returns the
 * byte after the closing quote, NULL if malformed (no \u surrogates: the
 * protocol stores the escapes cJSON writes, \u00xx at most).
 */
static const char *
json_category(const char *p, const char *end, struct cat_dict *dict,
    double *v)
{
	char buf[CAT_VALUE_MAX + 4];
	size_t n = 0;
	long cp;

	for (p++; p < end && *p != '"'; p++) {
		if (n > CAT_VALUE_MAX)
			return NULL;
		if (*p != '\\') {
			buf[n++] = *p;
			continue;
		}
		if (++p == end)
			return NULL;
		switch (*p) {
		case 'b': buf[n++] = '\b'; break;
		case 'f': buf[n++] = '\f'; break;
		case 'n': buf[n++] = '\n'; break;
		case 'r': buf[n++] = '\r'; break;
		case 't': buf[n++] = '\t'; break;
		case 'u':
			if (end - p < 5 || (cp = hex4(p + 1)) <= 0 ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				return NULL;
			n += sanitize_encode((uint32_t)cp, buf + n);
			p += 4;
			break;
		default:
			buf[n++] = *p;	/* " \ / */
			break;
		}
	}
	if (p == end || n == 0 || n > CAT_VALUE_MAX)
		return NULL;
	*v = (double)cat_dict_intern(dict, buf, n);
	return p + 1;
}

/*
 * The array parser of both; null_ok reads null as NaN, and with dict a
 * string is a categorical value (its code).
 */
static long
json_doubles(const char *text, size_t len, double **out, size_t *cap,
    bool null_ok, struct cat_dict *dict)
{
	const char *p = text, *end = text + len, *after;
	char *next;
	locale_t old;
	size_t n = 0;
	double v;

	p = skip_ws(p, end);
	if (p == end || *p != '[')
		return -1;
	p = skip_ws(p + 1, end);
	if (p < end && *p == ']')
		return skip_ws(p + 1, end) == end ? 0 : -1;
	old = c_locale_push();
	for (;;) {
		if (null_ok && end - p >= 4 && memcmp(p, "null", 4) == 0) {
			v = NAN;
			after = p + 4;
		} else if (dict != NULL && p < end && *p == '"') {
			if ((after = json_category(p, end, dict, &v)) == NULL)
				goto bad;
		} else {
			/* JSON numbers start with '-' or a digit: no nan,
			 * inf, hex. */
			if (p == end || (*p != '-' && (*p < '0' || *p > '9')))
				goto bad;
			errno = 0;
			v = strtod(p, &next);
			if (next == p || next > end || !isfinite(v))
				goto bad;
			after = next;
		}
		if (n == *cap) {
			*cap = *cap == 0 ? 16 : *cap * 2;
			*out = xreallocarray(*out, *cap, sizeof **out);
		}
		(*out)[n++] = v;
		p = skip_ws(after, end);
		if (p == end)
			goto bad;
		if (*p == ']')
			break;
		if (*p != ',')
			goto bad;
		p = skip_ws(p + 1, end);
	}
	c_locale_pop(old);
	if (skip_ws(p + 1, end) != end || n > (size_t)LONG_MAX)
		return -1;
	return (long)n;
bad:
	c_locale_pop(old);
	return -1;
}

long
store_json_doubles(const char *text, size_t len, double **out, size_t *cap)
{
	return json_doubles(text, len, out, cap, false, NULL);
}

long
store_json_features(const char *text, size_t len, double **out, size_t *cap,
    struct cat_dict *dict)
{
	return json_doubles(text, len, out, cap, true, dict);
}
