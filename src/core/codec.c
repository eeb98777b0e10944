/*
 * Hex floats by hand. A finite double is sign, an implicit leading digit
 * (1 for normals, 0 for subnormals and zero), 52 fraction bits written as
 * 13 hex digits with trailing zeros dropped, and a binary exponent.
 */
#include "codec.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "strbuf.h"

void
codec_put_double(struct strbuf *b, double v)
{
	char tmp[CODEC_DOUBLE_MAX];

	codec_format_double(v, tmp);
	strbuf_add(b, tmp, strlen(tmp));
}

void
codec_format_double(double v, char out[CODEC_DOUBLE_MAX])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t bits, frac;
	int exp, lead, nd, i;
	char *o = out, ebuf[8];
	unsigned e;

	memcpy(&bits, &v, sizeof bits);
	exp = (int)((bits >> 52) & 0x7ff);
	frac = bits & 0xfffffffffffffULL;
	if (exp == 0x7ff) {
		strcpy(out, frac ? "nan" : ((bits >> 63) ? "-inf" : "inf"));
		return;
	}
	if (bits >> 63)
		*o++ = '-';
	if (exp == 0 && frac == 0) {
		strcpy(o, "0x0p+0");
		return;
	}
	if (exp == 0) {
		lead = 0;
		exp = -1022;
	} else {
		lead = 1;
		exp -= 1023;
	}
	/* "0x" lead ["." 13 hex digits, trailing zeros dropped] "p" %+d */
	*o++ = '0';
	*o++ = 'x';
	*o++ = (char)('0' + lead);
	nd = 13;
	while (nd > 0 && ((frac >> (4 * (13 - nd))) & 0xf) == 0)
		nd--;
	if (nd > 0) {
		*o++ = '.';
		for (i = 0; i < nd; i++)
			*o++ = hex[(frac >> (4 * (12 - i))) & 0xf];
	}
	*o++ = 'p';
	*o++ = exp < 0 ? '-' : '+';
	e = (unsigned)(exp < 0 ? -exp : exp);
	i = 0;
	do {
		ebuf[i++] = (char)('0' + e % 10);
		e /= 10;
	} while (e != 0);
	while (i > 0)
		*o++ = ebuf[--i];
	*o = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
codec_parse_double(const char **sp, double *out)
{
	const char *s = *sp;
	bool neg = false, eneg = false;
	uint64_t mant;
	int lead, nd = 0, e = 0, ed = 0, h;
	double v;

	if (*s == '-') {
		neg = true;
		s++;
	}
	if (strncmp(s, "inf", 3) == 0) {
		*out = neg ? -INFINITY : INFINITY;
		*sp = s + 3;
		return true;
	}
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return false;
	s += 2;
	if (*s != '0' && *s != '1')
		return false;
	lead = *s++ - '0';
	mant = (uint64_t)lead;
	if (*s == '.') {
		s++;
		while ((h = hexval(*s)) >= 0) {
			if (++nd > 13)
				return false;
			mant = (mant << 4) | (uint64_t)h;
			s++;
		}
		if (nd == 0)
			return false;
	}
	if (*s != 'p' && *s != 'P')
		return false;
	s++;
	if (*s == '+' || *s == '-')
		eneg = *s++ == '-';
	while (*s >= '0' && *s <= '9') {
		if (++ed > 4 || (ed == 2 && e == 0))
			return false;	/* too long, or a leading zero */
		e = e * 10 + (*s++ - '0');
	}
	if (ed == 0)
		return false;
	if (eneg)
		e = -e;
	/* Normals have a leading 1 and exponent -1022..1023. */
	if (lead == 1 && (e < -1022 || e > 1023))
		return false;
	if (lead == 0 && mant != 0 && e != -1022)
		return false;
	/* mant has 1 + 4 nd bits; exact: the product fits a double. */
	v = ldexp((double)mant, e - 4 * nd);
	*out = neg ? -v : v;
	*sp = s;
	return true;
}

bool
codec_parse_u64(const char **sp, uint64_t *out)
{
	const char *s = *sp;
	uint64_t v = 0;
	int d;

	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		d = *s++ - '0';
		if (v > (UINT64_MAX - (uint64_t)d) / 10)
			return false;
		v = v * 10 + (uint64_t)d;
	}
	*out = v;
	*sp = s;
	return true;
}

bool
codec_expect(const char **sp, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*sp, lit, n) != 0)
		return false;
	*sp += n;
	return true;
}
